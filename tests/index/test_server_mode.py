"""NEWSQA_CHROMA_URL: ingestion and search against a real `chroma run` server, and a
second Assistant (as another app process would be) sees what the first one wrote.
(The question tests run against a server too: the `news` fixture has both stores.)"""

from __future__ import annotations

import pytest

from index import Settings
from qa import Assistant
from tests.helpers import free_port, unique_collection

pytestmark = pytest.mark.integration


def test_server_mode_ingest_search_and_second_process(chroma_url, embedder, tmp_path):
    settings = Settings(home=tmp_path, chroma_url=chroma_url, collection=unique_collection())
    first = Assistant(settings, embedder=embedder)
    assert not (tmp_path / "chroma").exists()  # nothing embedded on disk: it all went to the server
    recs = [
        {
            "title": "Ferry strike ends",
            "body": "The ferry workers ended their strike on Friday, the union said.",
            "url": "https://f.example/1",
            "source": "Port News",
            "published_at": "2023-10-02",
        }
    ]
    assert first.add_articles(recs).added == 1
    assert first.add_articles(recs).unchanged == 1
    second = Assistant(settings, embedder=embedder)
    assert second.search("ferry strike", k=1)[0].article.title == "Ferry strike ends"
    # a write by one process is seen by the other's lexical index without a restart
    first.add_articles(
        [
            {
                "title": "Bridge toll rises",
                "body": "The bridge toll will rise by a euro in January.",
                "url": "https://f.example/2",
            }
        ]
    )
    assert second.search("bridge toll", k=1)[0].article.title == "Bridge toll rises"
    second.delete(second.search("bridge toll", k=1)[0].article.id)
    assert [a["title"] for a in first.articles()] == ["Ferry strike ends"]


def test_unreachable_server_is_one_clear_error(tmp_path):
    from index import StoreError

    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        Assistant.open(Settings(home=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}"))
