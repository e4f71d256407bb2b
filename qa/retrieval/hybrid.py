"""Hybrid retrieval: BM25 and dense (Chroma) candidates, fused by score, steered by
what the question says about outlets and dates. The stages are in ``stages``; the
derived state they read (lexical index, article table) in ``snapshot``.

Weights were chosen on a development split of MultiHop-RAG (every fifth non-null
query) and are reported on all queries; see docs/benchmarks.md.
"""

from __future__ import annotations

import numpy as np

from index import ChromaStore, Settings
from index.embedding import Embedder

from ..query import QueryInfo, analyse
from ..schema import ArticleRef, Filters, Passage
from . import stages
from .config import RetrievalConfig
from .snapshot import Snapshot, SnapshotKeeper


class HybridRetriever:
    def __init__(
        self, settings: Settings, store: ChromaStore, embedder: Embedder, config: RetrievalConfig | None = None
    ):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.config = config or RetrievalConfig()
        self.keeper = SnapshotKeeper(settings, store)

    def snapshot(self) -> Snapshot:
        """The current derived state, brought up to date when any process changed the store."""
        return self.keeper.current()

    def sources(self) -> list[str]:
        """The outlets in the store, for filter menus and error messages."""
        return sorted({a.get("source", "") for a in self.snapshot().articles.values()} - {""})

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        config: RetrievalConfig | None = None,
        prefer: set[str] | None = None,
        prefer_boost: float = 0.0,
    ) -> list[Passage]:
        """The k best passages; ``prefer`` (article ids, e.g. the sources of the previous
        answer in a conversation) get ``prefer_boost`` added."""
        cfg = config or self.config
        filters = filters or Filters()
        snap = self.snapshot()
        lex = snap.lexical
        if not len(lex):
            return []
        info = analyse(query, snap.aliases) if cfg.steer else QueryInfo(query)
        mask = stages.filter_mask(lex, filters)
        if not mask.any():
            return []
        c = stages.lexical_stage(lex, query, mask, cfg)
        stages.clause_stage(c, lex, info, mask, cfg)
        if cfg.dense:
            stages.dense_stage(
                c,
                lex,
                snap.positions,
                info,
                mask,
                self.embedder.embed_query(query),
                self.store.query,
                self._embeddings,
                filters,
                cfg,
            )
        if not c.positions:
            return []
        idx = np.fromiter(c.positions, dtype=np.int64)
        score = stages.fuse(c, idx, lex, query, cfg)
        stages.prefer(score, idx, lex, prefer, prefer_boost)
        groups = stages.steer(score, idx, c, lex, info, cfg)
        return [self._passage(snap, int(idx[j]), float(score[j])) for j in stages.order(score, groups, cfg)[:k]]

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
            text=lex.texts[pos],
            score=score,
            start=meta.start,
            end=meta.end,
            article=ArticleRef.from_meta(aid, art),
            chunk_id=lex.ids[pos],
        )
