"""The retrieval stages one by one (qa.retrieval.stages), on a lexical index built from
rows written here: no model, no store."""

from __future__ import annotations

import numpy as np
import pytest

from qa.lexical import LexicalIndex
from qa.query import analyse, outlet_aliases
from qa.retrieval import stages
from qa.retrieval.config import RetrievalConfig
from qa.schema import Filters
from tests.helpers import chunk_row

pytestmark = pytest.mark.unit

DAY = 86400
T0 = 1_700_000_000  # 2023-11-14


def _row(n: int, aid: str, text: str, source: str, day: int, carriers: tuple[str, ...] = ()):
    return chunk_row(aid, n, text, source=source, carriers=carriers, published_ts=T0 + day * DAY)


ROWS = [
    _row(0, "a", "The ferry strike ended on Friday after the union accepted the offer.", "Port News", 0),
    _row(1, "b", "Ferry crossings resume as the strike ends, the operator said.", "Coast Herald", 1, ("daily ledger",)),
    _row(2, "c", "The bridge toll will rise by a euro in January.", "Port News", 5),
    _row(3, "d", "Council approves the new harbour budget and a ferry timetable.", "The Meridian", 9),
]


@pytest.fixture(scope="module")
def lex():
    return LexicalIndex.build("g", ROWS, {r[2]["article_id"]: "x" for r in ROWS})


def test_filter_mask_by_outlet_carrier_and_dates(lex):
    assert stages.filter_mask(lex, Filters()).tolist() == [True] * 4
    assert stages.filter_mask(lex, Filters(sources=["port news"])).tolist() == [True, False, True, False]
    assert stages.filter_mask(lex, Filters(sources=["Daily Ledger"])).tolist() == [False, True, False, False]
    since = Filters.model_validate({"since": "2023-11-15", "until": "2023-11-20"})
    assert stages.filter_mask(lex, since).tolist() == [False, True, True, False]
    gone = lex.with_changes("g2", {"a": "x", "c": "x", "d": "x"}, [])  # b deleted
    assert stages.filter_mask(gone, Filters(sources=["daily ledger"])).tolist() == [False] * 4


def test_lexical_stage_keeps_matching_chunks_within_the_mask(lex):
    cfg = RetrievalConfig()
    mask = np.array([True, False, True, True])
    c = stages.lexical_stage(lex, "ferry strike", mask, cfg)
    assert c.positions == {0, 3} and c.bm25[1] == 0 and c.bm25[0] > c.bm25[3] > 0
    assert stages.lexical_stage(lex, "ferry", mask, RetrievalConfig(lexical=False)).positions == set()


def test_fuse_mixes_normalised_bm25_cosine_and_best_sentence(lex):
    cfg = RetrievalConfig()
    c = stages.lexical_stage(lex, "ferry strike", np.ones(4, dtype=bool), cfg)
    c.cosine = {0: 0.5, 1: 0.9, 3: 0.1}
    idx = np.array([0, 1, 3])
    score = stages.fuse(c, idx, lex, "ferry strike", cfg)
    bm = c.bm25[idx] / c.bm25[idx].max()
    sent = lex.sentence_scores("ferry strike")[idx]
    want = 0.6 * bm + 0.4 * np.array([0.5, 0.9, 0.1]) + 0.3 * sent / sent.max()
    np.testing.assert_allclose(score, want, rtol=1e-6)


def test_steer_boosts_named_outlets_and_order_puts_each_ones_best_first(lex):
    cfg = RetrievalConfig()
    info = analyse(
        "Did Port News and The Meridian both report on the ferry?", outlet_aliases(["Port News", "The Meridian"])
    )
    assert info.outlets == ["port news", "the meridian"]
    c = stages.lexical_stage(lex, "ferry", np.ones(4, dtype=bool), cfg)
    idx = np.array([0, 1, 2, 3])
    score = np.array([0.5, 0.9, 0.1, 0.2])
    groups = stages.steer(score, idx, c, lex, info, cfg)
    assert [g.tolist() for g in groups] == [[True, False, True, False], [False, False, False, True]]
    np.testing.assert_allclose(score, [0.75, 0.9, 0.35, 0.45])
    assert stages.order(score, groups, cfg) == [0, 3, 1, 2]  # Port News's best, The Meridian's best, then the rest
    assert stages.order(score, groups, RetrievalConfig(group_firsts=False)) == [1, 0, 3, 2]
