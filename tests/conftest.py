"""Shared fixtures: the real bundled embedding model (loaded once per session) and real
Chroma stores in temporary directories. Nothing here is mocked."""

from __future__ import annotations

import json
import os
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


@pytest.fixture(scope="session")
def news(tmp_path_factory, embedder) -> Assistant:
    """The bundled corpus plus a few MultiHop-RAG articles: the small corpus most
    question tests run against."""
    home = tmp_path_factory.mktemp("news")
    a = Assistant(Settings(home=home), embedder=embedder)
    report = a.add([CORPUS])
    assert report.added >= 1 and not report.failed
    report = a.add_articles(multihop_records())
    assert report.added == len(MULTIHOP_PICK)
    return a
