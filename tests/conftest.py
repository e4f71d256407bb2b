"""Shared fixtures: the real bundled embedding model (loaded once per session) and real
Chroma stores in temporary directories. Nothing here is mocked. Plain helpers (ports,
starting the app, the small corpus, shared checks) are in tests/helpers.py; test
modules import from there, never from here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

from index import Settings
from index.embedding import Embedder
from qa import Assistant
from tests.helpers import CORPUS, multihop_records, start_chroma, stop, unique_collection

TIERS = ("unit", "integration", "slow")


def pytest_collection_modifyitems(config, items):
    """Every test belongs to a tier (pyproject's markers): a module without
    ``pytestmark`` fails collection rather than slipping into none. ``slow`` may be
    added to an integration test; ``unit`` stands alone, so ``-m unit`` stays pure."""
    for item in items:
        tiers = {m.name for m in item.iter_markers() if m.name in TIERS}
        if not tiers or ("unit" in tiers and len(tiers) > 1):
            raise pytest.UsageError(f"{item.nodeid}: mark it unit, integration or slow (has {sorted(tiers)})")


@pytest.fixture(autouse=True)
def _unit_tests_stay_off_the_network(request, monkeypatch):
    """A unit test that opens a connection (even to loopback) fails: that tier promises
    no network and no server."""
    if request.node.get_closest_marker("unit") is None:
        return
    import socket

    def refuse(self, address, *args, **kwargs):
        raise AssertionError(f"a unit test connected to {address!r}; mark it integration")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


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
    records = multihop_records()
    report = a.add_articles(records)
    assert report.added == len(records)
    return a
