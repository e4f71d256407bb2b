"""One error family: every error is a NewsqaError carrying its HTTP status and CLI exit
code, a store failing mid-run surfaces as StoreError (not a chromadb or httpx error),
and each door reports it once: the REST API as {"error"} with the status, the CLI as one
line with the exit code."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

import qa
from index import Settings
from qa import Assistant
from tests.helpers import free_port, start_app, start_chroma, stop, unique_collection

pytestmark = pytest.mark.slow

FAMILY = {  # class: (HTTP status, exit code), as documented in qa/errors.py
    qa.BadRequest: (400, 2),
    qa.NotFound: (404, 1),
    qa.LoadError: (400, 1),
    qa.SettingsError: (500, 2),
    qa.Unavailable: (503, 3),
    qa.StoreError: (503, 3),
    qa.LLMError: (503, 3),
}


@pytest.mark.parametrize("cls", list(FAMILY), ids=lambda c: c.__name__)
def test_every_error_is_in_the_family_with_its_status_and_exit_code(cls):
    assert issubclass(cls, qa.NewsqaError) and cls.__name__ in qa.__all__
    assert (cls.status, cls.exit_code) == FAMILY[cls]
    assert cls.__name__ in qa.errors.__doc__  # the hierarchy at the top of qa/errors.py lists it


def test_bad_setting_is_one_settings_error(tmp_path):
    with pytest.raises(qa.SettingsError, match="bad setting NEWSQA_PORT"):
        Settings.load(home=tmp_path, port=0)
    with pytest.raises(qa.SettingsError, match="NEWSQA_CHROMA_URL must look like"):
        Settings.load(home=tmp_path, chroma_url="localhost:8000")


def test_store_failure_mid_run_is_a_store_error_at_every_door(tmp_path, embedder):
    url, chroma = start_chroma(tmp_path / "chroma")
    try:
        settings = Settings(home=tmp_path / "home", chroma_url=url, collection=unique_collection())
        a = Assistant(settings, embedder=embedder)
        assert (
            a.add_articles([{"title": "Ferry strike ends", "body": "The ferry workers ended their strike."}]).added == 1
        )
        assert a.search("ferry strike", k=1)
        (tmp_path / "app").mkdir()
        base, app = start_app(tmp_path / "app", NEWSQA_CHROMA_URL=url, NEWSQA_COLLECTION=settings.collection)
    except BaseException:
        stop(chroma)
        raise
    try:
        assert httpx.get(f"{base}/api/health").json()["articles"] == 1
        chroma.kill()
        chroma.wait()
        with pytest.raises(qa.StoreError, match="the Chroma store failed"):
            a.add_articles([{"title": "Bridge toll rises", "body": "The bridge toll will rise in January."}])
        r = httpx.get(f"{base}/api/health", timeout=60)
        assert r.status_code == 503 and r.json()["error"].startswith("the Chroma store failed")
        assert httpx.get(f"{base}/api/articles", timeout=60).status_code == 503  # and it stays up
    finally:
        stop(app)
    env = dict(os.environ, NEWSQA_HOME=str(tmp_path / "home"), NEWSQA_CHROMA_URL=url)
    p = subprocess.run([sys.executable, "-m", "qa.cli", "list"], env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 3 and p.stderr.startswith("newsqa: error: ") and len(p.stderr.strip().splitlines()) == 1


def test_cli_reports_a_bad_setting_in_one_line(tmp_path):
    env = dict(os.environ, NEWSQA_HOME=str(tmp_path), NEWSQA_MAX_FILE_MB="lots")
    p = subprocess.run([sys.executable, "-m", "qa.cli", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and p.stderr.strip().splitlines() == [p.stderr.strip()]
    assert "bad setting NEWSQA_MAX_FILE_MB" in p.stderr
    p = subprocess.run(
        [sys.executable, "app.py", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.path.dirname(os.path.dirname(__file__)),
    )
    assert p.returncode == 2 and "bad setting NEWSQA_MAX_FILE_MB" in p.stderr and "Traceback" not in p.stderr
