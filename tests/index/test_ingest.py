"""Ingestion into a real Chroma on a temporary directory, with the real model."""

import json

import pytest

from index.store import chunk_id
from tests.helpers import check_store_consistent

pytestmark = pytest.mark.integration


def _chunks_of(a, aid):
    return a.store.chunks.get(where={"article_id": aid}, include=["metadatas", "documents"])


def test_add_is_idempotent(make_assistant, tmp_path):
    a = make_assistant()
    p = tmp_path / "a.json"
    p.write_text(
        json.dumps(
            [
                {
                    "title": f"T{i}",
                    "body": f"Story {i}. The mayor said the bridge will open in {2020 + i}.",
                    "url": f"https://n.example/{i}",
                }
                for i in range(3)
            ]
        )
    )
    r1 = a.add([p])
    assert (r1.added, r1.updated, r1.unchanged, r1.failed) == (3, 0, 0, [])
    n = a.store.count_chunks()
    r2 = a.add([p])
    assert (r2.added, r2.updated, r2.unchanged) == (0, 0, 3)
    assert a.store.count_chunks() == n
    check_store_consistent(a.store)


def test_changed_article_replaces_its_chunks(make_assistant):
    a = make_assistant()
    old = {"title": "Budget", "body": "The council approved the budget. " * 80, "url": "https://n.example/budget"}
    a.add_articles([old])
    aid = a.articles()[0]["id"]
    old_ids = set(_chunks_of(a, aid)["ids"])
    assert len(old_ids) > 1
    r = a.add_articles([old | {"body": "The council rejected the budget after a long debate."}])
    assert (r.added, r.updated) == (0, 1)
    got = _chunks_of(a, aid)
    assert not old_ids & set(got["ids"])
    assert got["documents"] == ["The council rejected the budget after a long debate."]
    assert len(a.articles()) == 1
    check_store_consistent(a.store)


def test_delete_removes_article_and_chunks(make_assistant):
    a = make_assistant()
    a.add_articles([{"title": "A", "body": "Alpha story body."}, {"title": "B", "body": "Beta story body."}])
    aid = next(r["id"] for r in a.articles() if r["title"] == "A")
    a.delete(aid)
    assert [r["title"] for r in a.articles()] == ["B"]
    assert not _chunks_of(a, aid)["ids"]
    check_store_consistent(a.store)


def test_chunk_metadata_supports_citations_and_filters(make_assistant):
    a = make_assistant()
    body = "First sentence here. " * 100
    a.add_articles(
        [
            {
                "title": "Meta",
                "body": body,
                "source": "The Wire",
                "url": "https://w.example/m",
                "published_at": "2023-11-27T08:45:59+00:00",
            }
        ]
    )
    art = a.articles()[0]
    stored = a.article(art["id"])["body"]
    got = _chunks_of(a, art["id"])
    assert len(got["ids"]) == art["chunks"] > 1
    for cid, doc, m in zip(got["ids"], got["documents"], got["metadatas"]):
        assert stored[m["start"] : m["end"]] == doc
        assert (m["source"], m["source_key"], m["published_ts"], m["title"]) == (
            "The Wire",
            "the wire",
            1701074759,
            "Meta",
        )
        assert cid == chunk_id(art["id"], m["version"], m["chunk"])


def test_bad_files_do_not_stop_good_ones(make_assistant, tmp_path):
    a = make_assistant()
    a.add_articles([{"title": "Kept", "body": "Already stored before the bad batch."}])
    (tmp_path / "good.txt").write_text("Good title\nA perfectly fine article body.")
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.txt").write_bytes(b"\x00\xff\x00")
    (tmp_path / "broken.json").write_text("[{")
    r = a.add([tmp_path, tmp_path / "nope.md"])
    assert r.added == 1
    assert len(r.failed) == 4
    assert {t["title"] for t in a.articles()} == {"Kept", "Good title"}
    check_store_consistent(a.store)


def test_interrupted_write_is_completed_by_rerun(make_assistant):
    """Chunks written without their article record (a crash before the commit) stay
    invisible, and the next add of the same input completes the article without duplicates."""
    a = make_assistant()
    art = {"title": "Crash", "body": "Sentence about the crash test. " * 60, "url": "https://n.example/crash"}
    from index import article_from_record

    article = article_from_record(art)
    chunks = a.indexer.chunk(article)
    vecs = a.embedder.embed_documents([a.indexer.embed_text(article, c) for c in chunks])
    # simulate the crash: only the chunk upsert of store.write happened
    half = len(chunks) // 2 or 1
    a.store.chunks.upsert(
        ids=[chunk_id(article.id, article.version, c.index) for c in chunks[:half]],
        documents=[c.text for c in chunks[:half]],
        embeddings=vecs[:half],
        metadatas=[
            {
                "article_id": article.id,
                "version": article.version,
                "chunk": c.index,
                "start": c.start,
                "end": c.end,
                "title": "Crash",
                "source": "",
                "source_key": "",
                "published_ts": 0,
                "header": "",
                "sentences": "",
            }
            for c in chunks[:half]
        ],
    )
    assert a.articles() == [] and list(a.store.iter_chunks()) == []
    r = a.add_articles([art])
    assert r.added == 1
    assert a.store.count_chunks() == len(chunks)
    check_store_consistent(a.store)
