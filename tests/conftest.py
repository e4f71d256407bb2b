"""Shared fixtures: the real bundled embedding model (loaded once per session) and real
Chroma stores in temporary directories. Nothing here is mocked. Plain helpers (ports,
starting the app, the small corpus) are in tests/helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from index import Settings  # noqa: E402
from index.embedding import Embedder  # noqa: E402
from qa import Assistant  # noqa: E402
from tests.helpers import (  # noqa: E402,F401 - re-exported for the test modules that import them from here
    CORPUS,
    DATA,
    MULTIHOP,
    MULTIHOP_PICK,
    ROOT,
    free_port,
    multihop_records,
    start_chroma,
    stop,
    unique_collection,
    wait_until_up,
)


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


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory):
    """A real Chroma server on loopback: the one .ci/run started (NEWSQA_TEST_CHROMA_URL),
    else one started here with the chromadb package's own `chroma run`."""
    url = os.environ.get("NEWSQA_TEST_CHROMA_URL")
    if url:
        yield url
        return
    url, proc = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield url
    stop(proc)


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
