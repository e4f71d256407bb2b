"""Wire-copy detection's pure parts (index.dedup): shingles, MinHash signatures, their
stored form, LSH bands and the in-batch index, on the wire-story fixtures. No model,
no store."""

from __future__ import annotations

import pytest

from index.dedup import THRESHOLD, BatchIndex, Signature, best_stored, lsh_params, shingles, signature
from tests.index.wire_stories import carriers, same_topic_different_stories

pytestmark = pytest.mark.unit


def test_shingles_are_case_folded_word_triples():
    assert shingles("The Port is closed today") == {b"the port is", b"port is closed", b"is closed today"}
    assert shingles("too short") == set()


def test_a_short_text_has_no_signature():
    assert signature("Dockers strike.") is None


def test_copies_are_similar_and_different_stories_are_not():
    a, b, c = (signature(r["body"]) for r in carriers())
    x, y = (signature(r["body"]) for r in same_topic_different_stories())
    assert min(a.jaccard(b), a.jaccard(c), b.jaccard(c)) >= THRESHOLD
    assert max(a.jaccard(x), a.jaccard(y), x.jaccard(y)) < THRESHOLD


def test_the_stored_form_round_trips_and_bands_match_for_equal_signatures():
    a = signature(carriers()[0]["body"])
    back = Signature.decode(a.encode(), a.size)
    assert back.jaccard(a) == 1.0 and back.encode() == a.encode()
    b, r = lsh_params()
    assert len(a.bands(b, r)) == b and a.bands(b, r) == back.bands(b, r)


def test_copies_share_a_band_so_lsh_finds_them():
    a, b, _ = (signature(r["body"]) for r in carriers())
    bands, rows = lsh_params()
    assert set(a.bands(bands, rows)) & set(b.bands(bands, rows))


def test_the_batch_index_and_the_stored_search_pick_the_copy():
    a, b, c = (signature(r["body"]) for r in carriers())
    x, _ = (signature(r["body"]) for r in same_topic_different_stories())
    batch = BatchIndex()
    batch.add("story", a)
    batch.add("other", x)
    assert batch.best(b).story_id == "story"
    assert best_stored(c, {"story": a, "other": x}).story_id == "story"
    assert best_stored(c, {"story": a}, exclude=["story"]) is None
    assert best_stored(x, {"story": a}) is None
