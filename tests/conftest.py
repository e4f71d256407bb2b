"""Shared fixtures: the real bundled embedding model (loaded once per session) and real
Chroma stores in temporary directories. Nothing here is mocked."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from index import Settings  # noqa: E402
from index.embedding import Embedder  # noqa: E402
from qa import Assistant  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
MULTIHOP = Path(os.environ.get("NEWSQA_SHARED", ROOT.parent / "shared")) / "data/multihop-rag/corpus.json"
# a few MultiHop-RAG articles (by index in corpus.json) for the small test corpus
MULTIHOP_PICK = (160, 360, 560)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    s = Settings(home=Path("/nonexistent"))
    return Embedder(s.model_path(), s.embed_batch_size)


@pytest.fixture
def make_assistant(tmp_path_factory, embedder):
    """A fresh Assistant on an empty temporary data directory (sharing the loaded model)."""

    def make(**overrides) -> Assistant:
        home = tmp_path_factory.mktemp("home")
        settings = Settings(home=home, **overrides)
        return Assistant(settings, embedder=embedder)

    return make


def multihop_records(pick=MULTIHOP_PICK) -> list[dict]:
    if not MULTIHOP.exists():
        pytest.skip(f"MultiHop-RAG data not found at {MULTIHOP} (set NEWSQA_SHARED)")
    records = json.loads(MULTIHOP.read_text("utf-8"))
    return [records[i] for i in pick]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory):
    """A real Chroma server on loopback: the one .ci/run started (NEWSQA_TEST_CHROMA_URL),
    else one started here with the chromadb package's own `chroma run`."""
    import httpx

    url = os.environ.get("NEWSQA_TEST_CHROMA_URL")
    if url:
        yield url
        return
    exe = shutil.which("chroma") or shutil.which("chroma", path=str(Path(sys.executable).parent))
    assert exe, "the chroma CLI comes with the chromadb package"
    port = free_port()
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


def unique_collection(prefix: str = "t") -> str:
    return f"{prefix}{os.getpid()}x{time.time_ns() % 10**10}"


@pytest.fixture(scope="session", params=["embedded", "server"])
def news(request, tmp_path_factory, embedder) -> Assistant:
    """The bundled corpus plus a few MultiHop-RAG articles: the small corpus most
    question tests run against, once on an embedded store and once on a Chroma server."""
    home = tmp_path_factory.mktemp("news")
    settings = Settings(home=home)
    if request.param == "server":
        settings = Settings(home=home, chroma_url=request.getfixturevalue("chroma_url"), collection=unique_collection())
    a = Assistant(settings, embedder=embedder)
    report = a.add([CORPUS])
    assert report.added >= 1 and not report.failed
    report = a.add_articles(multihop_records())
    assert report.added == len(MULTIHOP_PICK)
    return a
