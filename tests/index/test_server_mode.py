"""NEWSQA_CHROMA_URL: the same ingestion and search against a real `chroma run` server,
and a second process (another Assistant, as another app process would be) sees what
the first one wrote."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import httpx
import pytest

from index import Settings
from qa import Assistant


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    url = os.environ.get("NEWSQA_TEST_CHROMA_URL")  # .ci/run may start one for all tests
    if url:
        yield url
        return
    exe = shutil.which("chroma")
    assert exe, "the chroma CLI comes with the chromadb package"
    port = _free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.25)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_server_mode_ingest_search_and_second_process(chroma_url, embedder, tmp_path):
    collection = f"t{os.getpid()}x{int(time.time() * 1000) % 10**8}"
    settings = Settings(home=tmp_path, chroma_url=chroma_url, collection=collection)
    first = Assistant(settings, embedder=embedder)
    assert not (tmp_path / "chroma").exists()  # nothing embedded on disk: it all went to the server
    recs = [{"title": "Ferry strike ends", "body": "The ferry workers ended their strike on Friday, the union said.",
             "url": "https://f.example/1", "source": "Port News", "published_at": "2023-10-02"}]
    assert first.add_articles(recs).added == 1
    assert first.add_articles(recs).unchanged == 1
    second = Assistant(settings, embedder=embedder)
    assert second.search("ferry strike", k=1)[0].article.title == "Ferry strike ends"
    # a write by one process is seen by the other's lexical index without a restart
    first.add_articles([{"title": "Bridge toll rises", "body": "The bridge toll will rise by a euro in January.",
                         "url": "https://f.example/2"}])
    assert second.search("bridge toll", k=1)[0].article.title == "Bridge toll rises"
    second.delete(second.search("bridge toll", k=1)[0].article.id)
    assert [a["title"] for a in first.articles()] == ["Ferry strike ends"]


def test_unreachable_server_is_one_clear_error(tmp_path):
    from index import StoreError

    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        Assistant.open(Settings(home=tmp_path, chroma_url=f"http://127.0.0.1:{_free_port()}"))
