"""The lexical index's delta segment and tombstones (qa.lexical), without model or store:
a delta chunk scores exactly as a full rebuild would score it, masked chunks score
nothing, and sentence rows and vectors stay aligned across changes and a save/load."""

from __future__ import annotations

import random

import numpy as np
import pytest

from index import vectors
from qa.lexical import LexicalIndex
from tests.helpers import chunk_row

pytestmark = pytest.mark.unit

WORDS = (
    "ferry strike union harbour council bridge toll election minister budget storm flood court ruling "
    "market shares bank rates"
).split()
DIM = 8


def _row(aid: str, i: int, rng: random.Random, source: str = "Port News", carriers: tuple[str, ...] = ()):
    sents = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10))).capitalize() + "."
        for _ in range(rng.randint(1, 4))
    ]
    spans, pos = [], 0
    for s in sents:
        spans.append((pos, pos + len(s)))
        pos += len(s) + 1
    text = " ".join(sents)
    vecs = np.random.default_rng(abs(hash((aid, i))) % 2**32).normal(size=(len(sents), DIM)).astype(np.float32)
    return chunk_row(
        aid,
        i,
        text,
        version="v1",
        spans=spans,
        source=source,
        carriers=carriers,
        published_ts=1000 + i,
        sentence_vectors=vectors.pack(vecs),
    )


def _corpus(n_articles: int, seed: int = 1, prefix: str = "a"):
    rng = random.Random(seed)
    return [_row(f"{prefix}{a}", i, rng) for a in range(n_articles) for i in range(3)]


def _fps(rows, **changed):
    return {r[2]["article_id"]: changed.get(r[2]["article_id"], "x") for r in rows}


QUERIES = ["ferry strike union", "bank rates market shares", "storm flood court ruling", "toll"]


def test_delta_chunks_score_as_a_full_rebuild_would():
    rows = _corpus(20)
    full = LexicalIndex.build("g", rows, _fps(rows))
    inc = LexicalIndex.build("g", rows[:45], _fps(rows[:45])).with_changes("g2", _fps(rows), rows[45:])
    assert len(inc) == len(full) and inc.delta_size() == 15 and inc.ids == full.ids
    for q in QUERIES:
        np.testing.assert_allclose(inc.scores(q)[45:], full.scores(q)[45:], rtol=1e-5)
        np.testing.assert_allclose(inc.sentence_scores(q)[45:], full.sentence_scores(q)[45:], rtol=1e-5)
    terms = full.query_terms("ferry strike absentword")
    assert inc.idf(terms) == pytest.approx(full.idf(terms))
    assert inc.sentence_count() == full.sentence_count()
    for pos in (3, 50, 59):
        assert inc.sentence_rows(pos) == full.sentence_rows(pos)
        rows_ = list(inc.sentence_rows(pos))
        np.testing.assert_array_equal(np.asarray(inc.sentence_vectors[rows_]), np.asarray(full.sentence_vectors[rows_]))


def test_replaced_and_deleted_articles_are_masked_everywhere():
    rows = _corpus(10)
    lex = LexicalIndex.build("g", rows, _fps(rows))
    rng = random.Random(5)
    new_a1 = [_row("a1", i, rng) for i in range(2)]
    fps = _fps(rows, a1="y")
    del fps["a0"]
    inc = lex.with_changes("g2", fps, new_a1)
    dead = set(range(6))  # a0's and a1's old chunks
    assert [i for i in range(len(inc)) if not inc.alive[i]] == sorted(dead)
    assert inc.live_count() == 30 - 6 + 2 and inc.delta_size() == 8
    pos = inc.positions()
    assert "a0:v1:0000" not in pos and pos["a1:v1:0001"] == 31
    for q in QUERIES:
        assert not inc.scores(q)[sorted(dead)].any() and not inc.sentence_scores(q)[sorted(dead)].any()
    rebuilt = LexicalIndex.build("g", rows[6:] + new_a1, fps)
    for q in QUERIES:
        np.testing.assert_allclose(inc.scores(q)[30:], rebuilt.scores(q)[24:], rtol=1e-5)
    # the new chunk's sentence vectors are its own
    want = vectors.unpack(new_a1[1][2][vectors.FIELD], DIM).astype(np.float16)
    np.testing.assert_array_equal(inc.sentence_vectors[list(inc.sentence_rows(31))], want)
    # and the old index is untouched (readers holding it stay consistent)
    assert lex.alive.all() and len(lex) == 30 and lex.scores("ferry")[:6].any()


def test_changes_apply_on_a_loaded_index_and_again_on_a_delta(tmp_path):
    rows = _corpus(8)
    LexicalIndex.build("g", rows, _fps(rows)).save(tmp_path / "main")
    loaded = LexicalIndex.load(tmp_path / "main", "g")
    assert loaded.fingerprints == _fps(rows) and loaded.delta_size() == 0
    more = _corpus(3, seed=9, prefix="b")
    once = loaded.with_changes("g2", _fps(rows + more), more[:3])
    twice = once.with_changes("g3", _fps(rows + more), more[3:])
    full = LexicalIndex.build("g", rows + more, _fps(rows + more))
    for q in QUERIES:
        np.testing.assert_allclose(twice.scores(q)[24:], full.scores(q)[24:], rtol=1e-5)
    rows_ = list(range(full.sentence_count()))
    np.testing.assert_array_equal(twice.sentence_vectors[rows_], np.asarray(full.sentence_vectors[rows_]))
    with pytest.raises(ValueError, match="without a delta"):
        twice.save(tmp_path / "again")


def test_outlet_mask_finds_a_story_through_any_carrier():
    rng = random.Random(3)
    rows = [_row("s", 0, rng, "Coast Herald", ("daily ledger", "northern post")), _row("t", 0, rng, "The Meridian")]
    lex = LexicalIndex.build("g", rows, _fps(rows))
    assert lex.outlet_mask(["northern post"]).tolist() == [True, False]
    assert lex.outlet_mask(["coast herald", "the meridian"]).tolist() == [True, True]
    later = lex.with_changes("g2", _fps(rows, t="y"), [_row("t", 0, rng, "The Meridian", ("daily ledger",))])
    assert later.outlet_mask(["daily ledger"]).tolist() == [True, False, True]
    gone = later.with_changes("g3", {"t": "y"}, [])
    assert gone.outlet_mask(["daily ledger"]).tolist() == [False, False, True]
