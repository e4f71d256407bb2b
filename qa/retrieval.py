"""Hybrid retrieval: BM25 and dense (Chroma) candidates, fused by score, steered by
what the question says about outlets and dates.

Stages (each can be switched off for the benchmark's ablations):
1. lexical: BM25 over all chunks (header + text), masked by the filters;
2. dense: Chroma nearest neighbours, and the exact cosine of every lexical candidate
   (its stored embedding), including the best chunks of each outlet the question names;
3. fusion: a convex mix of max-normalised BM25 and cosine (rank fusion throws away how
   far apart the scores are, and measured worse than BM25 alone);
4. sentence level: the BM25 score of a chunk's best sentence is added, so one sentence
   that matches closely beats matches scattered over a chunk;
5. question steering: chunks from a named outlet or a mentioned day are boosted; when
   the question names several, each mention gets its own sub-query (the clause of the
   question about it, scored within that outlet's or day's chunks), and the best chunk
   of each comes first (a comparison question needs one passage from each side).

Weights were chosen on a development split of MultiHop-RAG (every fifth non-null
query) and are reported on all queries; see docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index import ChromaStore, Settings
from index.embedding import Embedder
from index.store import source_key

from .filters import day_bounds, to_where
from .lexical import LexicalIndex
from .query import QueryInfo, analyse, outlet_aliases
from .schema import ArticleRef, Filters, Passage

log = logging.getLogger("newsqa.retrieval")


@dataclass(frozen=True)
class RetrievalConfig:
    lexical: bool = True
    dense: bool = True
    steer: bool = True  # outlet/date boosts and per-outlet grouping
    lexical_weight: float = 0.6
    dense_weight: float = 0.4
    sentence_weight: float = 0.3  # best-sentence BM25, on top of chunk BM25
    clause_weight: float = 0.3  # BM25 of the clause about a named outlet/day, within its chunks
    clause_candidates: int = 20
    group_firsts: bool = True
    outlet_boost: float = 0.25
    day_boost: float = 0.15
    lexical_candidates: int = 100
    dense_candidates: int = 50
    per_outlet_dense: int = 20  # per named outlet, its best lexical chunks are dense-scored too


MODES = {  # the benchmark's ablations: each adds one stage to the one before
    "bm25": RetrievalConfig(dense=False, steer=False, sentence_weight=0.0),
    "dense": RetrievalConfig(lexical=False, steer=False),
    "fusion": RetrievalConfig(steer=False, sentence_weight=0.0),
    "fusion+sentence": RetrievalConfig(steer=False),
    "fusion+sentence+steer": RetrievalConfig(clause_weight=0.0),
    "hybrid": RetrievalConfig(),
}


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest scores (unordered), without sorting everything."""
    if len(scores) <= k:
        return np.arange(len(scores))
    return np.argpartition(-scores, k)[:k]


def _content_key(pairs: Iterable[tuple[str, str]]) -> str:
    """A name for a set of (article id, version) pairs."""
    digest = hashlib.sha256("\n".join(sorted(f"{a}:{v}" for a, v in set(pairs))).encode())
    return digest.hexdigest()[:24]


def _save(lex: LexicalIndex, folder: Path) -> None:
    """Write the index beside the others, atomically (a temporary folder renamed), then
    drop the copies made for earlier versions of the store. A failure only costs the
    next start a rebuild."""
    if folder.is_dir():
        return
    root = folder.parent
    tmp = root / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        lex.save(tmp)
        os.rename(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if not folder.is_dir():
            log.warning("could not save the lexical index in %s: %s", root, exc)
        return
    for old in root.iterdir():
        if old != folder and not old.name.startswith(".tmp-"):  # others' folders being written
            shutil.rmtree(old, ignore_errors=True)


@dataclass
class Snapshot:
    """Everything derived from one generation of the store, swapped whole."""

    lexical: LexicalIndex
    articles: dict[str, dict[str, Any]]
    positions: dict[str, int]
    aliases: dict[str, list[str]]


class HybridRetriever:
    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder, config: RetrievalConfig | None = None):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()

    # -- derived state ----------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The current derived state, rebuilt when any process changed the store."""
        gen = self.store.generation()
        snap = self._snap
        if snap is not None and snap.lexical.generation == gen:
            return snap
        with self._lock:
            if self._snap is not None and self._snap.lexical.generation == gen:
                return self._snap
            articles = {a["id"]: a for a in self.store.list_articles()}
            lex = self._lexical(gen, articles)
            self._snap = Snapshot(
                lexical=lex,
                articles=articles,
                positions={cid: i for i, cid in enumerate(lex.ids)},
                aliases=outlet_aliases(sorted({a.get("source", "") for a in articles.values()})),
            )
            return self._snap

    def _lexical(self, gen: str, articles: dict[str, dict[str, Any]]) -> LexicalIndex:
        """The lexical index for exactly these article versions: loaded from the copy on
        disk when there is one (a process start then takes seconds, not minutes, at
        200,000 chunks), else rebuilt from the chunks in Chroma and saved."""
        root = self.settings.home / "lexical" / self.settings.collection
        folder = root / _content_key((aid, a.get("version", "")) for aid, a in articles.items())
        if folder.is_dir():
            try:
                return LexicalIndex.load(folder, gen)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("lexical index at %s unreadable (%s); rebuilding it", folder, exc)
        rows = list(self.store.iter_chunks())
        lex = LexicalIndex.build(gen, rows)
        # saved under the versions actually read (a write may have landed meanwhile)
        _save(lex, root / _content_key((m["article_id"], m["version"]) for _, _, m in rows))
        return lex

    def sources(self) -> list[str]:
        """The outlets in the store, for filter menus and error messages."""
        return sorted({a.get("source", "") for a in self.snapshot().articles.values()} - {""})

    def analyse(self, text: str) -> QueryInfo:
        return analyse(text, self.snapshot().aliases)

    # -- search -----------------------------------------------------------------
    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, config: RetrievalConfig | None = None,
        prefer: set[str] | None = None, prefer_boost: float = 0.0,
    ) -> list[Passage]:
        """The k best passages; ``prefer`` (article ids, e.g. the sources of the previous
        answer in a conversation) get ``prefer_boost`` added."""
        cfg = config or self.config
        filters = filters or Filters()
        snap = self.snapshot()
        lex = snap.lexical
        n = len(lex)
        if n == 0:
            return []
        info = analyse(query, snap.aliases) if cfg.steer else QueryInfo(query)

        mask = np.ones(n, dtype=bool)
        if not filters.is_empty():
            if filters.sources:
                mask &= np.isin(lex.source_keys, [source_key(s) for s in filters.sources])
            lo, hi = day_bounds(filters)
            if lo is not None:
                mask &= lex.timestamps >= lo
            if hi is not None:
                mask &= lex.timestamps <= hi
            if not mask.any():
                return []

        bm25 = lex.scores(query) if cfg.lexical else np.zeros(n, dtype=np.float32)
        bm25 = np.where(mask, bm25, 0.0)
        cand: set[int] = set()
        if cfg.lexical:
            cand.update(int(i) for i in _top(bm25, cfg.lexical_candidates) if bm25[i] > 0)

        # per-mention sub-queries: each outlet or day named gets the clause of the
        # question about it, scored against that outlet's / day's chunks only
        bm25_clause: dict[tuple[int, int], np.ndarray] = {}
        if cfg.steer and cfg.lexical and cfg.clause_weight and len(info.outlet_spans) + len(info.day_spans) >= 2:
            spans = [(s, lex.source_keys == o) for o, s in zip(info.outlets, info.outlet_spans)]
            for day, s in zip(info.days, info.day_spans):
                lo, hi = day.bounds(slack_days=1)
                spans.append((s, (lex.timestamps >= lo) & (lex.timestamps <= hi)))
            for s, in_group in spans:
                sub = np.where(mask & in_group, lex.scores(info.clause(s)), 0.0)
                bm25_clause[s] = sub
                cand.update(int(i) for i in _top(sub, cfg.clause_candidates) if sub[i] > 0)

        cos: dict[int, float] = {}
        if cfg.dense:
            qvec = self.embedder.embed_query(query)
            where = to_where(filters)
            for cid, _doc, _meta, sim in self.store.query(qvec, cfg.dense_candidates, where):
                pos = snap.positions.get(cid)
                if pos is not None and mask[pos]:
                    cos[pos] = sim
                    cand.add(pos)
            # each named outlet's best lexical chunks join the candidates (their cosine
            # comes from the stored vectors below): a Chroma query filtered by outlet
            # would do the same but costs ~100 ms at 200k chunks
            for outlet in info.outlets:
                in_outlet = np.where(lex.source_keys == outlet, bm25, 0.0)
                cand.update(int(i) for i in _top(in_outlet, cfg.per_outlet_dense) if in_outlet[i] > 0)
            missing = [i for i in cand if i not in cos]
            if missing:
                for pos, vec in zip(missing, self._embeddings([lex.ids[i] for i in missing])):
                    cos[pos] = float(np.dot(vec, qvec))
        if not cand:
            return []

        idx = np.fromiter(cand, dtype=np.int64)
        top_bm25 = float(bm25[idx].max()) if cfg.lexical else 0.0
        score = np.zeros(len(idx), dtype=np.float64)
        if cfg.lexical and top_bm25 > 0:
            score += (cfg.lexical_weight if cfg.dense else 1.0) * bm25[idx] / top_bm25
        if cfg.dense:
            score += (cfg.dense_weight if cfg.lexical else 1.0) * np.array([cos.get(int(i), 0.0) for i in idx])
        if cfg.lexical and cfg.sentence_weight:
            sent = lex.sentence_scores(query)[idx]
            top_sent = float(sent.max())
            if top_sent > 0:
                score += cfg.sentence_weight * sent / top_sent

        if prefer and prefer_boost:
            score += prefer_boost * np.array([lex.metas[int(i)].article_id in prefer for i in idx])
        groups: list[np.ndarray] = []
        if cfg.steer:
            keys = lex.source_keys[idx]
            ts = lex.timestamps[idx]
            mentions = [(keys == o, cfg.outlet_boost, span) for o, span in zip(info.outlets, info.outlet_spans)]
            for day, span in zip(info.days, info.day_spans):
                lo, hi = day.bounds(slack_days=1)
                mentions.append(((ts >= lo) & (ts <= hi), cfg.day_boost, span))
            sub_best = np.zeros(len(idx))
            for hit, boost, span in mentions:
                score += boost * hit
                groups.append(hit)
                if span in bm25_clause:
                    sub = bm25_clause[span][idx] * hit
                    if sub.max() > 0:
                        sub_best = np.maximum(sub_best, sub / sub.max())
            score += cfg.clause_weight * sub_best

        order = list(np.argsort(-score))
        if cfg.group_firsts and len(groups) >= 2:  # the best chunk of each named outlet / day first
            firsts = []
            for g in groups:
                best = next((j for j in order if g[j]), None)
                if best is not None and best not in firsts:
                    firsts.append(best)
            firsts.sort(key=lambda j: -score[j])
            order = firsts + [j for j in order if j not in set(firsts)]
        return [self._passage(snap, int(idx[j]), float(score[j])) for j in order[:k]]

    def _embeddings(self, ids: list[str]) -> list[np.ndarray]:
        """Stored vectors of lexical candidates (zeros for one deleted meanwhile)."""
        got = self.store.chunks.get(ids=ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        # the model's width, not the first vector's: every one may have been deleted meanwhile
        dim = self.embedder.dimension
        return [np.asarray(by_id[i], dtype=np.float32) if i in by_id else np.zeros(dim, np.float32) for i in ids]

    def _passage(self, snap: Snapshot, pos: int, score: float) -> Passage:
        lex = snap.lexical
        meta = lex.metas[pos]
        aid = meta.article_id
        art = snap.articles.get(aid) or {"title": meta.title, "source": meta.source}
        return Passage(
            text=lex.texts[pos], score=score, start=meta.start, end=meta.end,
            article=ArticleRef.from_meta(aid, art), chunk_id=lex.ids[pos],
        )
