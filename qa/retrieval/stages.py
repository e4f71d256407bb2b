"""The stages of hybrid retrieval, one function each, in the order ``search`` runs them.

Every stage works on positions in the lexical index (qa.lexical) and numpy arrays of
scores over them: at 200,000 chunks a stage touches every chunk, so objects per chunk
would cost more than the search itself. Only the final ranking becomes Passages.

1. ``filter_mask``: the chunks the user's filters allow (outlets through any carrier);
2. ``lexical_stage``: BM25 over all chunks (header + text), its best as candidates;
3. ``clause_stage``: when the question names several outlets or days, the clause about
   each is scored within that outlet's or day's chunks (its best become candidates);
4. ``dense_stage``: Chroma nearest neighbours, each named outlet's best lexical chunks,
   and the exact cosine of every candidate from its stored embedding;
5. ``fuse``: a convex mix of max-normalised BM25 and cosine (rank fusion throws away how
   far apart the scores are, and measured worse than BM25 alone), plus the BM25 of a
   chunk's best sentence (one sentence that matches closely beats scattered matches);
6. ``prefer``: a boost for given articles (a conversation's previous sources);
7. ``steer``: chunks from a named outlet or a mentioned day are boosted, each mention's
   clause score is added; returns the groups for ...
8. ``order``: best first, the best chunk of each named outlet/day at the top (a
   comparison question needs one passage from each side).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from index.store import source_key

from ..filters import day_bounds, to_where
from ..lexical import LexicalIndex
from ..query import QueryInfo
from ..schema import Filters
from .config import RetrievalConfig

Span = tuple[int, int]


@dataclass
class Candidates:
    """What the scoring stages pass on: candidate positions, and the scores known so far."""

    bm25: np.ndarray  # chunk BM25 over all positions (0 outside the filters)
    positions: set[int] = field(default_factory=set)
    clause: dict[Span, np.ndarray] = field(default_factory=dict)  # per mention span, BM25 of its clause
    cosine: dict[int, float] = field(default_factory=dict)


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores (unordered), without sorting everything."""
    if len(scores) <= k:
        return np.arange(len(scores))
    return np.argpartition(-scores, k)[:k]


def _best(scores: np.ndarray, k: int) -> list[int]:
    # a list added with set.update: the candidates' set order (which breaks ties in the
    # final sort) stays what it always was
    return [int(i) for i in top(scores, k) if scores[i] > 0]


def filter_mask(lex: LexicalIndex, filters: Filters) -> np.ndarray:
    """Live chunks within the filters: outlets match through any outlet that carried
    the story (a wire copy folded into it), dates by the story's date."""
    mask = lex.alive.copy()
    if filters.sources:
        mask &= lex.outlet_mask([source_key(s) for s in filters.sources])
    lo, hi = day_bounds(filters)
    if lo is not None:
        mask &= lex.timestamps >= lo
    if hi is not None:
        mask &= lex.timestamps <= hi
    return mask


def lexical_stage(lex: LexicalIndex, query: str, mask: np.ndarray, cfg: RetrievalConfig) -> Candidates:
    if not cfg.lexical:
        return Candidates(np.zeros(len(lex), dtype=np.float32))
    c = Candidates(np.where(mask, lex.scores(query), 0.0))
    c.positions.update(_best(c.bm25, cfg.lexical_candidates))
    return c


def clause_stage(c: Candidates, lex: LexicalIndex, info: QueryInfo, mask: np.ndarray, cfg: RetrievalConfig) -> None:
    """Per-mention sub-queries: each outlet or day named gets the clause of the question
    about it, scored against that outlet's / day's chunks only."""
    if not (cfg.steer and cfg.lexical and cfg.clause_weight and len(info.outlet_spans) + len(info.day_spans) >= 2):
        return
    spans = [(s, lex.source_keys == o) for o, s in zip(info.outlets, info.outlet_spans)]
    for day, s in zip(info.days, info.day_spans):
        lo, hi = day.bounds(slack_days=1)
        spans.append((s, (lex.timestamps >= lo) & (lex.timestamps <= hi)))
    for s, in_group in spans:
        sub = np.where(mask & in_group, lex.scores(info.clause(s)), 0.0)
        c.clause[s] = sub
        c.positions.update(_best(sub, cfg.clause_candidates))


def dense_stage(
    c: Candidates,
    lex: LexicalIndex,
    positions: dict[str, int],
    info: QueryInfo,
    mask: np.ndarray,
    qvec: np.ndarray,
    neighbours: Callable[[np.ndarray, int, dict | None], list],
    stored: Callable[[list[str]], list[np.ndarray]],
    filters: Filters,
    cfg: RetrievalConfig,
) -> None:
    """Cosine similarity of the candidates: Chroma's nearest neighbours (within the
    filters) join them; each named outlet's best lexical chunks join too, and every
    candidate without a cosine gets it from its stored vector (a Chroma query filtered
    by outlet would do the same but costs ~100 ms at 200k chunks)."""
    if not cfg.dense:
        return
    for cid, _doc, _meta, sim in neighbours(qvec, cfg.dense_candidates, to_where(filters)):
        pos = positions.get(cid)
        if pos is not None and mask[pos]:
            c.cosine[pos] = sim
            c.positions.add(pos)
    for outlet in info.outlets:
        c.positions.update(_best(np.where(lex.source_keys == outlet, c.bm25, 0.0), cfg.per_outlet_dense))
    missing = [i for i in c.positions if i not in c.cosine]
    if missing:
        for pos, vec in zip(missing, stored([lex.ids[i] for i in missing])):
            c.cosine[pos] = float(np.dot(vec, qvec))


def fuse(c: Candidates, idx: np.ndarray, lex: LexicalIndex, query: str, cfg: RetrievalConfig) -> np.ndarray:
    """One score per candidate (``idx``): BM25 and cosine mixed, plus best-sentence BM25."""
    bm25 = c.bm25[idx]
    top_bm25 = float(bm25.max()) if cfg.lexical else 0.0
    score = np.zeros(len(idx), dtype=np.float64)
    if cfg.lexical and top_bm25 > 0:
        score += (cfg.lexical_weight if cfg.dense else 1.0) * bm25 / top_bm25
    if cfg.dense:
        score += (cfg.dense_weight if cfg.lexical else 1.0) * np.array([c.cosine.get(int(i), 0.0) for i in idx])
    if cfg.lexical and cfg.sentence_weight:
        sent = lex.sentence_scores(query)[idx]
        top_sent = float(sent.max())
        if top_sent > 0:
            score += cfg.sentence_weight * sent / top_sent
    return score


def prefer(score: np.ndarray, idx: np.ndarray, lex: LexicalIndex, articles: set[str] | None, boost: float) -> None:
    if articles and boost:
        score += boost * np.array([lex.metas[int(i)].article_id in articles for i in idx])


def steer(
    score: np.ndarray, idx: np.ndarray, c: Candidates, lex: LexicalIndex, info: QueryInfo, cfg: RetrievalConfig
) -> list[np.ndarray]:
    """Boost chunks of the outlets and days the question names, add each mention's
    clause score; returns one boolean group per mention (over ``idx``)."""
    if not cfg.steer:
        return []
    keys = lex.source_keys[idx]
    ts = lex.timestamps[idx]
    mentions = [(keys == o, cfg.outlet_boost, span) for o, span in zip(info.outlets, info.outlet_spans)]
    for day, span in zip(info.days, info.day_spans):
        lo, hi = day.bounds(slack_days=1)
        mentions.append(((ts >= lo) & (ts <= hi), cfg.day_boost, span))
    groups = []
    sub_best = np.zeros(len(idx))
    for hit, boost, span in mentions:
        score += boost * hit
        groups.append(hit)
        if span in c.clause:
            sub = c.clause[span][idx] * hit
            if sub.max() > 0:
                sub_best = np.maximum(sub_best, sub / sub.max())
    score += cfg.clause_weight * sub_best
    return groups


def order(score: np.ndarray, groups: list[np.ndarray], cfg: RetrievalConfig) -> list[int]:
    """Best first; with several named outlets / days, the best chunk of each first."""
    ranked = list(np.argsort(-score))
    if cfg.group_firsts and len(groups) >= 2:
        firsts = []
        for g in groups:
            best = next((j for j in ranked if g[j]), None)
            if best is not None and best not in firsts:
                firsts.append(best)
        firsts.sort(key=lambda j: -score[j])
        ranked = firsts + [j for j in ranked if j not in set(firsts)]
    return [int(j) for j in ranked]
