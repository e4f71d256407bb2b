"""Wire copies folded into one story with several carriers, on a real Chroma store with
the real model: one set of chunks, every carrier recorded, filters through any
carrier, deletion of one carrier keeping the story for the others."""

from __future__ import annotations

import json

import pytest

from index.article import Article
from index.dedup import THRESHOLD, Signature, shingles, signature
from index.store import source_key
from tests.index.wire_stories import carriers, same_topic_different_stories

pytestmark = pytest.mark.integration


def _records(a):
    got = a.store.articles_col.get(include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def _chunk_owners(a):
    got = a.store.chunks.get(include=["metadatas"])
    return {m["article_id"] for m in got["metadatas"]}


def _ids(records):
    return [Article(title=r["title"], body=r["body"], url=r["url"]).id for r in records]


def test_signatures_separate_copies_from_different_stories():
    wire, other = carriers(), same_topic_different_stories()
    sigs = [signature(r["body"]) for r in wire + other]
    for s in sigs[1:3]:
        assert s.jaccard(sigs[0]) >= THRESHOLD
    for s in sigs[3:]:
        assert s.jaccard(sigs[0]) < 0.1
    back = Signature.decode(sigs[0].encode())
    assert back.jaccard(sigs[0]) == 1.0 and back.bands(8, 16) == sigs[0].bands(8, 16)
    assert signature("Too short to tell.") is None and len(shingles("a b c d")) == 2


def test_three_outlets_fold_into_one_story_next_to_two_different_ones(make_assistant):
    a = make_assistant()
    wire, other = carriers(), same_topic_different_stories()
    r = a.add_articles(wire + other)
    assert (r.added, r.folded, r.unchanged, r.failed) == (3, 2, 0, [])
    story, b, c = _ids(wire)
    d, e = _ids(other)
    recs = _records(a)
    assert set(recs) == {story, b, c, d, e}
    assert _chunk_owners(a) == {story, d, e}  # one set of chunks for the wire story
    carried = json.loads(recs[story]["carriers"])
    assert [(x["id"], x["source"], x["url"], x["published_at"][:10], x["title"]) for x in carried] == [
        (b, "Daily Ledger", wire[1]["url"], "2024-03-04", wire[1]["title"]),
        (c, "Northern Post", wire[2]["url"], "2024-03-04", wire[2]["title"]),
    ]
    assert recs[b]["folded_into"] == story == recs[c]["folded_into"] and recs[b]["chunks"] == 0
    assert recs[d]["folded_into"] == "" and json.loads(recs[d]["carriers"]) == []
    assert sorted(recs[story]["source_keys"]) == ["coast herald", "daily ledger", "northern post"]
    # the outlet filter finds the story through any carrier, in Chroma's own where clause
    got = a.store.chunks.get(where={"source_keys": {"$contains": source_key("Northern Post")}}, include=["metadatas"])
    assert got["ids"] and {m["article_id"] for m in got["metadatas"]} == {story}
    # exact re-adds stay unchanged, copies included
    r2 = a.add_articles(wire + other)
    assert (r2.added, r2.updated, r2.folded, r2.unchanged) == (0, 0, 0, 5)
    listed = {row["id"]: row["folded_into"] for row in a.articles()}
    assert listed == {story: "", b: story, c: story, d: "", e: ""}


def test_a_copy_arriving_later_folds_into_the_stored_story(make_assistant):
    a = make_assistant()
    wire = carriers()
    assert a.add_articles([wire[0]]).added == 1
    chunks_before = a.store.count_chunks()
    r = a.add_articles([wire[2]])
    assert (r.added, r.folded) == (0, 1)
    assert a.store.count_chunks() == chunks_before  # nothing embedded
    story = _ids(wire)[0]
    assert [x["source"] for x in json.loads(_records(a)[story]["carriers"])] == ["Northern Post"]
    # every chunk of the story now carries both outlets, for filters
    got = a.store.chunks.get(where={"article_id": story}, include=["metadatas"])
    assert all(sorted(m["source_keys"]) == ["coast herald", "northern post"] for m in got["metadatas"])


def test_an_outlet_does_not_carry_one_story_twice(make_assistant):
    """A near-copy from the same outlet (a re-filed story under a new URL) stays its own article."""
    a = make_assistant()
    first = carriers()[0]
    again = dict(first, url=first["url"] + "-updated", body=first["body"].replace("72 hours", "48 hours"))
    r = a.add_articles([first, again])
    assert (r.added, r.folded) == (2, 0)


def test_deleting_carriers_keeps_the_story_for_the_others(make_assistant):
    a = make_assistant()
    wire = carriers()
    a.add_articles(wire)
    story, b, c = _ids(wire)

    a.delete(c)  # a folded carrier: the story loses one outlet
    recs = _records(a)
    assert c not in recs and [x["id"] for x in json.loads(recs[story]["carriers"])] == [b]
    assert sorted(recs[story]["source_keys"]) == ["coast herald", "daily ledger"]

    a.delete(story)  # the story's first carrier: the next one takes over, with its own text
    recs = _records(a)
    assert set(recs) == {b} and recs[b]["folded_into"] == "" and recs[b]["chunks"] > 0
    assert _chunk_owners(a) == {b}
    body = a.article(b)["body"]
    assert "walked out on Monday" in body and "Reporting by Anna Kell" not in body
    hits = a.search("Valmora dockers strike automation cranes", k=3)
    assert hits and hits[0].article.id == b and hits[0].article.source == "Daily Ledger"
    assert body[hits[0].start : hits[0].end] == hits[0].text

    a.delete(b)
    assert _records(a) == {} and a.store.count_chunks() == 0


def test_promotion_passes_the_remaining_carriers_on(make_assistant):
    a = make_assistant()
    wire = carriers()
    a.add_articles(wire)
    story, b, c = _ids(wire)
    a.delete(story)
    recs = _records(a)
    assert set(recs) == {b, c} and recs[c]["folded_into"] == b
    assert [x["id"] for x in json.loads(recs[b]["carriers"])] == [c]
    assert a.add_articles(wire[1:]).unchanged == 2  # both still stored as they were


def test_search_shows_the_story_once_with_its_other_carriers(make_assistant):
    from qa.filters import parse_filters, to_where
    from qa.web.format import sources_html  # noqa: F401  (the panel renders also_carried_by)

    a = make_assistant()
    wire, other = carriers(), same_topic_different_stories()
    a.add_articles(wire + other)
    story = _ids(wire)[0]
    hits = a.search("Valmora dockers strike automation cranes union leader Marta Ilves", k=5)
    mine = [h for h in hits if h.article.id == story]
    assert mine and not any(h.article.id in _ids(wire)[1:] for h in hits)  # the copies are not separate hits
    assert [o["source"] for o in mine[0].article.also_carried_by] == ["Daily Ledger", "Northern Post"]
    d = mine[0].to_dict()["article"]["also_carried_by"]
    assert [o["url"] for o in d] == [wire[1]["url"], wire[2]["url"]]
    # the dense side's Chroma filter finds the story through a carrier's outlet
    where = to_where(parse_filters({"sources": ["northern post"]}))
    got = a.store.chunks.get(where=where, include=["metadatas"])
    assert {m["article_id"] for m in got["metadatas"]} == {story}
    where = to_where(parse_filters({"sources": ["The Meridian"]}))  # an outlet of its own, the old way
    got = a.store.chunks.get(where=where, include=["metadatas"])
    assert {m["article_id"] for m in got["metadatas"]} == set(_ids(other)[:1])


def test_sources_panel_names_the_other_carriers_as_text():
    from qa.schema import Answer, ArticleRef, Citation, Passage
    from qa.web.format import sources_html

    ref = ArticleRef.from_meta(
        "u1",
        {
            "title": "T",
            "source": "Coast Herald",
            "url": "https://c.example/a",
            "carriers": json.dumps(
                [{"id": "u2", "source": "<b>Ledger</b>", "url": "javascript:x()", "title": "t", "published_at": ""}]
            ),
        },
    )
    p = Passage("Dockers walked out.", 1.0, 0, 19, ref)
    out = sources_html(Answer("Dockers walked out [1].", False, [Citation(1, p, "Dockers walked out", 0, 18)]))
    assert "also carried by &lt;b&gt;Ledger&lt;/b&gt;" in out and "javascript" not in out
    back = Answer.from_dict(Answer("x [1].", False, [Citation(1, p, "Dockers walked out", 0, 18)]).to_dict())
    assert back.citations[0].passage.article.also_carried_by[0]["source"] == "<b>Ledger</b>"
