"""What each retrieval stage does and how much it weighs (weights chosen on the
development split of MultiHop-RAG, see docs/benchmarks.md)."""

from __future__ import annotations

from dataclasses import dataclass


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
