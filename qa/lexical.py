"""The lexical side of retrieval: BM25 (bm25s, Snowball stemming, the NLTK English stopwords)
over every committed chunk, each prefixed with its article's header line.

Local Chroma has no sparse index, so this is derived state, rebuilt from the chunks
held in Chroma whenever the store's generation token changes (whoever wrote), and kept
on disk so that the next process start on the same articles loads it instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index import vectors
from index.records import ChunkMeta


def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return list(STOPWORDS_EN_PLUS)


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@dataclass
class LexicalIndex:
    generation: str
    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metas: list[ChunkMeta] = field(default_factory=list)  # without their sentence vectors (see below)
    source_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    timestamps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _bm25: Any = None
    _stem: Any = None
    _sent_bm25: Any = None
    _sent_offsets: np.ndarray | None = None  # first sentence of each chunk
    # one row per sentence (the rows of the sentence BM25), float16, from the vectors
    # stored with each chunk; zeros for chunks stored without them
    sentence_vectors: np.ndarray | None = None

    def _derive(self) -> None:
        """Per-chunk arrays for filtering and steering, read off the metadata."""
        self.source_keys = np.array([m.source_key for m in self.metas], dtype=object)
        self.timestamps = np.array([m.published_ts for m in self.metas], dtype=np.int64)
        self._stem = _stemmer()

    @classmethod
    def build(cls, generation: str, rows: list[tuple[str, str, dict[str, Any]]]) -> LexicalIndex:
        import bm25s

        idx = cls(generation)
        idx.ids = [r[0] for r in rows]
        idx.texts = [r[1] for r in rows]
        metas = [ChunkMeta.from_dict(r[2]) for r in rows]
        packed = [m.sentence_vectors for m in metas]
        idx.metas = [m.without_vectors() for m in metas]
        idx._derive()
        if rows:
            corpus = [f"{m.header}\n{t}" for t, m in zip(idx.texts, idx.metas)]
            tokens = bm25s.tokenize(corpus, stopwords=_stopwords(), stemmer=idx._stem, show_progress=False)
            idx._bm25 = bm25s.BM25()
            idx._bm25.index(tokens, show_progress=False)
            sentences, offsets = [], []
            for text, meta in zip(idx.texts, idx.metas):
                offsets.append(len(sentences))
                spans = meta.sentence_spans(len(text))
                sentences.extend(text[a:b] for a, b in spans)
            idx._sent_offsets = np.asarray(offsets, dtype=np.int64)
            idx.sentence_vectors = _sentence_matrix(packed, offsets, len(sentences))
            stokens = bm25s.tokenize(sentences, stopwords=_stopwords(), stemmer=idx._stem, show_progress=False)
            idx._sent_bm25 = bm25s.BM25()
            idx._sent_bm25.index(stokens, show_progress=False)
        return idx

    def save(self, folder: Path) -> None:
        """Write the index into ``folder`` (which must not exist yet): the chunks as
        JSON and bm25s's own array files, no pickle."""
        folder.mkdir(parents=True)
        with open(folder / "chunks.json", "w", encoding="utf-8") as f:
            json.dump({"ids": self.ids, "texts": self.texts, "metas": [m.to_dict() for m in self.metas]}, f)
        if self._bm25 is not None:
            self._bm25.save(str(folder / "chunks"), show_progress=False)
            self._sent_bm25.save(str(folder / "sentences"), show_progress=False)
            np.save(folder / "sentence_offsets.npy", self._sent_offsets)
            if self.sentence_vectors is not None:
                np.save(folder / "sentence_vectors.npy", self.sentence_vectors)

    @classmethod
    def load(cls, folder: Path, generation: str) -> LexicalIndex:
        """An index written by ``save``; its BM25 arrays are memory-mapped."""
        import bm25s

        with open(folder / "chunks.json", encoding="utf-8") as f:
            data = json.load(f)
        idx = cls(generation, data["ids"], data["texts"], [ChunkMeta.from_dict(m) for m in data["metas"]])
        idx._derive()
        if idx.ids:
            idx._bm25 = bm25s.BM25.load(str(folder / "chunks"), mmap=True, show_progress=False)
            idx._sent_bm25 = bm25s.BM25.load(str(folder / "sentences"), mmap=True, show_progress=False)
            idx._sent_offsets = np.load(folder / "sentence_offsets.npy")
            if (folder / "sentence_vectors.npy").exists():
                idx.sentence_vectors = np.load(folder / "sentence_vectors.npy", mmap_mode="r")
        return idx

    def sentence_rows(self, pos: int) -> range:
        """The sentence rows (of the sentence BM25 and ``sentence_vectors``) of chunk ``pos``."""
        offsets = self._sent_offsets
        if offsets is None:
            return range(0)
        end = int(offsets[pos + 1]) if pos + 1 < len(offsets) else self.sentence_count()
        return range(int(offsets[pos]), end)

    def sentence_count(self) -> int:
        return int(self._sent_bm25.scores["num_docs"]) if self._sent_bm25 is not None else 0

    def __len__(self) -> int:
        return len(self.ids)

    def query_terms(self, text: str) -> list[str]:
        import bm25s

        tok = bm25s.tokenize([text], stopwords=_stopwords(), stemmer=self._stem or _stemmer(), return_ids=False, show_progress=False)
        return list(tok[0]) if tok else []

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when nothing matches)."""
        if self._bm25 is None:
            return np.zeros(len(self.ids), dtype=np.float32)
        terms = self.query_terms(text)
        if not terms:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def sentence_scores(self, text: str) -> np.ndarray:
        """Per chunk, the BM25 score of its best sentence: rewards a chunk holding one
        sentence that matches the question closely over one with scattered matches."""
        if self._sent_bm25 is None:
            return np.zeros(len(self.ids), dtype=np.float32)
        terms = self.query_terms(text)
        if not terms:
            return np.zeros(len(self.ids), dtype=np.float32)
        per_sentence = np.asarray(self._sent_bm25.get_scores(terms), dtype=np.float32)
        return np.maximum.reduceat(per_sentence, self._sent_offsets).astype(np.float32)

    def idf(self, terms: list[str]) -> list[float]:
        """BM25 idf of each (stemmed) term over the chunks; a term found nowhere gets the
        highest idf, so a question about something absent scores low everywhere."""
        n = len(self.ids)
        vocab = self._bm25.vocab_dict if self._bm25 is not None else {}
        indptr = self._bm25.scores["indptr"] if self._bm25 is not None else None
        out = []
        for t in terms:
            tid = vocab.get(t)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None else 0
            out.append(float(np.log(1.0 + (n - df + 0.5) / (df + 0.5))))
        return out


def _sentence_matrix(packed: list[str], offsets: list[int], total: int) -> np.ndarray | None:
    """The chunks' packed sentence vectors as one float16 matrix aligned with the sentence
    rows; None when no chunk has any (a store written before they existed)."""
    counts = [e - s for s, e in zip(offsets, offsets[1:] + [total])]
    dim = next((vectors.dimension(p, n) for p, n in zip(packed, counts) if p and n), 0)
    if dim <= 0:
        return None
    out = np.zeros((total, dim), dtype=np.float16)
    for p, n, start in zip(packed, counts, offsets):
        if p and vectors.dimension(p, n) == dim:  # else stale or foreign: zeros rather than misaligned rows
            out[start : start + n] = vectors.unpack(p, dim)
    return out
