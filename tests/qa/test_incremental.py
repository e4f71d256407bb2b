"""Writes update the lexical index in proportion to their size, in every process: a new
article is found through a delta (no rebuild from Chroma), a deleted one disappears, a
process start loads the saved main segment and applies the difference, the main segment
is compacted once the delta grows, and an outlet filter finds a wire story through any
of its carriers. Real model, real Chroma on a temporary folder."""

from __future__ import annotations

import time

import pytest

from index import Settings
from qa import Assistant
from tests.conftest import CORPUS
from tests.index.wire_stories import carriers, same_topic_different_stories

pytestmark = pytest.mark.integration

HARBOUR = {
    "title": "Harbour news",
    "body": "The harbour council approved a new ferry timetable on Monday. "
    "Crossings to the island will run every forty minutes from June.",
    "source": "Port News",
    "url": "https://port.example/ferry",
}
TOLL = {
    "title": "Bridge toll rises",
    "body": "The bridge toll will rise by a euro in January, the council said.",
    "source": "Port News",
    "url": "https://port.example/toll",
}


def _no_rebuild(monkeypatch, a: Assistant, scan: bool = True) -> None:
    """Fail on a rebuild from Chroma, and (``scan``) on a scan of every article record."""
    monkeypatch.setattr(a.store, "iter_chunks", lambda: (_ for _ in ()).throw(AssertionError("rebuilt from Chroma")))
    if scan:
        monkeypatch.setattr(
            a.store, "list_articles", lambda: (_ for _ in ()).throw(AssertionError("scanned every record"))
        )


def _ranking(a: Assistant, q: str, **kw):
    return [(p.chunk_id, round(p.score, 4)) for p in a.search(q, 5, **kw)]


def test_a_small_write_goes_into_the_delta_in_every_process(make_assistant, embedder, monkeypatch):
    a = make_assistant()
    a.add([CORPUS])
    a.add_articles([TOLL])
    a.search("anything")
    keeper = a.retriever.keeper
    builds = keeper.stats["full_builds"]
    b = Assistant(Settings(home=a.settings.home), embedder=embedder)  # as another process would (its own store object)
    b.search("anything")
    _no_rebuild(monkeypatch, a)
    _no_rebuild(monkeypatch, b)
    keeper.compact_min = b.retriever.keeper.compact_min = 1000

    assert a.add_articles([HARBOUR]).added == 1
    for x in (a, b):
        hits = x.search("ferry timetable island crossings", 3)
        assert hits[0].article.title == "Harbour news"
        assert x.article(hits[0].article.id)["body"][hits[0].start : hits[0].end] == hits[0].text
    assert keeper.stats["full_builds"] == builds and keeper.stats["deltas"] >= 1
    assert a.retriever.snapshot().lexical.delta_size() > 0

    gone = a.search("bridge toll", 1)[0].article.id
    b.delete(gone)
    for x in (a, b):
        assert all(p.article.id != gone for p in x.search("bridge toll euro January", 5))
    monkeypatch.undo()

    # the same rankings as a process that builds everything from Chroma
    fresh = Assistant(Settings(home=make_assistant().settings.home), store=a.store, embedder=embedder)
    for q in ("ferry timetable island crossings", "harbour council Monday"):
        assert [c for c, _ in _ranking(a, q)][:3] == [c for c, _ in _ranking(fresh, q)][:3]


def test_a_process_start_loads_the_saved_index_and_applies_the_difference(make_assistant, embedder, monkeypatch):
    a = make_assistant()
    a.add([CORPUS])
    a.add_articles([TOLL])
    before = _ranking(a, "Kuleba withdrawal")
    root = a.settings.home / "lexical" / a.settings.collection
    saved = sorted(p.name for p in root.iterdir())
    assert len(saved) == 1

    b = Assistant(Settings(home=a.settings.home), store=a.store, embedder=embedder)
    _no_rebuild(monkeypatch, b, scan=False)  # a start reads every record, once
    assert _ranking(b, "Kuleba withdrawal") == before  # the saved copy, as it was
    monkeypatch.undo()

    a.retriever.keeper.compact_min = 1000
    a.add_articles([HARBOUR])
    assert a.search("ferry timetable", 1)[0].article.title == "Harbour news"
    assert sorted(p.name for p in root.iterdir()) == saved  # a small write saves nothing

    c = Assistant(Settings(home=a.settings.home), store=a.store, embedder=embedder)
    _no_rebuild(monkeypatch, c, scan=False)  # a start reads every record, once
    assert c.search("ferry timetable", 1)[0].article.title == "Harbour news"
    assert c.retriever.keeper.stats == {"full_builds": 0, "loads": 1, "deltas": 1, "compactions": 0}


def test_a_process_that_missed_pruned_log_entries_compares_every_record(make_assistant, monkeypatch):
    from index.store import PRUNED

    a = make_assistant()
    a.add([CORPUS])
    a.search("anything")
    a.add_articles([HARBOUR])
    a.store.changes.modify(metadata={PRUNED: time.time() + 3600})  # as if the entries were pruned
    scanned = []
    real = a.store.list_articles
    monkeypatch.setattr(a.store, "list_articles", lambda: scanned.append(1) or real())
    assert a.search("ferry timetable", 1)[0].article.title == "Harbour news"
    assert scanned == [1] and a.retriever.keeper.stats["full_builds"] == 1  # still a delta, not a rebuild


def test_a_generation_without_a_log_entry_makes_the_process_compare_every_record(make_assistant, monkeypatch):
    from index.store import GENERATION

    a = make_assistant()
    a.add([CORPUS])
    a.search("anything")
    scanned = []
    real = a.store.list_articles
    monkeypatch.setattr(a.store, "list_articles", lambda: scanned.append(1) or real())
    a.add_articles([HARBOUR])
    assert a.search("ferry timetable", 1)[0].article.title == "Harbour news" and scanned == []  # from the log
    a.store.articles_col.modify(metadata={GENERATION: "written-without-a-log-entry"})  # a writer that does not log
    assert a.search("ferry timetable", 1)[0].article.title == "Harbour news" and scanned == [1]


def test_the_main_segment_is_compacted_once_the_delta_grows(make_assistant):
    a = make_assistant()
    a.add([CORPUS])
    keeper = a.retriever.keeper
    keeper.compact_min, keeper.compact_fraction, keeper.background = 1, 0.0, False
    a.search("anything")
    a.add_articles([HARBOUR])
    assert a.search("ferry timetable", 1)[0].article.title == "Harbour news"
    assert keeper.stats["compactions"] == 0 and a.retriever.snapshot().lexical.delta_size() == 1
    a.add_articles([TOLL])
    hits = a.search("bridge toll", 1)  # the delta passes the limit: a compaction follows
    assert hits[0].article.title == "Bridge toll rises" and keeper.stats["compactions"] == 1
    assert a.retriever.snapshot().lexical.delta_size() == 0  # swapped in at the next look
    assert a.search("bridge toll", 1)[0].chunk_id == hits[0].chunk_id
    assert a.search("ferry timetable", 1)[0].article.title == "Harbour news"


def test_an_outlet_filter_finds_the_story_through_any_carrier(make_assistant):
    a = make_assistant()
    wire, other = carriers(), same_topic_different_stories()
    a.add_articles(wire + other)
    story = a.search("Valmora dockers strike automation cranes", 1)[0].article.id
    hits = a.search("Valmora dockers strike automation cranes", 5, filters={"sources": ["Coast Herald"]})
    assert story in {h.article.id for h in hits}  # the story's own outlet (which has another story too)
    for outlet in ("daily ledger", "Northern Post"):  # outlets whose copies were folded into it
        hits = a.search("Valmora dockers strike automation cranes", 5, filters={"sources": [outlet]})
        assert hits and {h.article.id for h in hits} == {story}, outlet
    hits = a.search("port strike", 5, filters={"sources": ["The Meridian"]})
    assert hits and story not in {h.article.id for h in hits}
    # a carrier added later (a metadata-only change of the story) is seen too
    a.delete([x for x in a.articles() if x["source"] == "Northern Post"][0]["id"])
    assert a.search("Valmora dockers strike", 5, filters={"sources": ["Northern Post"]}) == []
    assert a.add_articles([wire[2]]).folded == 1
    assert {h.article.id for h in a.search("Valmora dockers strike", 5, filters={"sources": ["Northern Post"]})} == {
        story
    }
