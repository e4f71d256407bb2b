"""The newsqa command, run as a user runs it (a subprocess on a temporary data dir)."""

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import CORPUS

pytestmark = pytest.mark.slow


def run(home, *args, check_code=None):
    env = dict(os.environ, NEWSQA_HOME=str(home))
    p = subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, env=env, timeout=300)
    if check_code is not None:
        assert p.returncode == check_code, p.stderr
    return p


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys, qa.cli; qa.cli.build_parser(); "
        "heavy = [m for m in ('torch', 'chromadb', 'gradio', 'sentence_transformers', 'llama_index.core') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("cli")


def test_add_list_ask_search_delete(home, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    p = run(home, "add", str(CORPUS), str(bad), "--json", check_code=1)
    report = json.loads(p.stdout)
    assert report["added"] == 1 and report["unchanged"] == 0
    assert report["failed"][0]["source"] == str(bad) and "malformed JSON" in report["failed"][0]["reason"]

    again = json.loads(run(home, "add", str(CORPUS), "--json", check_code=0).stdout)
    assert (again["added"], again["unchanged"]) == (0, 1)

    rows = json.loads(run(home, "list", "--json", check_code=0).stdout)
    assert len(rows) == 1 and rows[0]["published_at"].startswith("2022-02-15")

    ans = json.loads(run(home, "ask", "What did France say about the withdrawal?", "--json", check_code=0).stdout)
    assert not ans["refused"] and "Gabriel Attal" in ans["citations"][0]["quote"]
    c = ans["citations"][0]
    assert set(c) >= {"n", "article_id", "title", "source", "url", "published_at", "passage", "quote", "start", "end"}

    hits = json.loads(run(home, "search", "Kuleba", "-k", "2", "--json", check_code=0).stdout)
    assert len(hits) <= 2 and "Kuleba" in hits[0]["text"]

    p = run(home, "ask", "   ", check_code=2)
    assert p.stderr.strip().startswith("newsqa: error:") and len(p.stderr.strip().splitlines()) == 1
    p = run(home, "ask", "x", "--since", "soon", check_code=2)
    assert "since must be a date" in p.stderr

    run(home, "delete", rows[0]["id"], check_code=0)
    assert json.loads(run(home, "list", "--json", check_code=0).stdout) == []
    p = run(home, "delete", "nope", check_code=1)
    assert "no article with id 'nope'" in p.stderr


def test_ask_streams_an_llm_answer_and_notes_a_fallback(make_assistant):
    from tests.fake_llm import FakeLLM, Reply

    a = make_assistant()
    assert a.add([CORPUS]).added == 1
    first = "Russia annexed the Crimean peninsula in 2014 [1]."
    with FakeLLM() as fake:
        reply = Reply(f"{first} The moon is made of cheese [1].", pause_after=len(first.split()) + 1)
        fake.script(reply)
        env = dict(os.environ, NEWSQA_HOME=str(a.settings.home), NEWSQA_LLM="openai", NEWSQA_LLM_URL=fake.url)
        p = subprocess.Popen(
            [sys.executable, "-m", "qa.cli", "ask", "When did Russia annex Crimea?"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # the first checked sentence is printed while the model is still held mid-answer
        assert p.stdout.read(len(first)) == first and not reply.gate.is_set()
        reply.gate.set()
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert "cheese" not in out and "1 sentence of the model's answer left out" in out
        assert "“Russia, which annexed the Crimean peninsula in 2014" in out

        fake.script(Reply(status=503))
        env["NEWSQA_HOME"] = str(a.settings.home)
        p = subprocess.run(
            [sys.executable, "-m", "qa.cli", "ask", "When did Russia annex Crimea?", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert p.returncode == 0, p.stderr
    ans = json.loads(p.stdout)
    assert "Crimean peninsula in 2014" in ans["citations"][0]["quote"]
    assert ans["note"].startswith("The LLM could not answer (the LLM server answered HTTP 503")
