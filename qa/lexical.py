"""The lexical side of retrieval: BM25 (bm25s, Snowball stemming, the NLTK English stopwords)
over every committed chunk, each prefixed with its article's header line, and over each
chunk's sentences; plus the chunks' sentence vectors, aligned with the sentence rows.

Local Chroma has no sparse index, so this is derived state, built from the chunks held
in Chroma. Building it takes minutes at 200,000 chunks, so a write does not rebuild it:
the index is a *main segment* (bm25s, its arrays memory-mapped from disk) plus a small
*delta segment* holding the chunks written since, with *tombstones* masking the main
segment's chunks that were replaced or deleted. Positions are stable: main chunks first,
then delta chunks in the order they came; a masked position scores zero everywhere.

The delta is scored the way a full rebuild would score it: its BM25 idf, document count
and average length are those of all *live* chunks (main and delta), so a new article
ranks where it would after a rebuild. The main segment keeps the scores bm25s
precomputed, so they drift slightly from a rebuild's as the delta grows (the idf of a
term moves by the share of chunks added); the retriever rebuilds ("compacts") the main
segment once the delta passes a fraction of it (qa.retrieval.snapshot).

An index is never changed once built: ``with_changes`` returns a new one sharing the
main segment, so readers holding the old one stay consistent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index import vectors
from index.records import ChunkMeta

K1, B = 1.5, 0.75  # bm25s's defaults (method "lucene"), which the main segment was built with
FORMAT = 2  # of the saved folder; other formats are rebuilt

Row = tuple[str, str, dict[str, Any]]  # chunk id, text, metadata (as Chroma holds them)


@lru_cache(maxsize=8192)
def _query_terms(text: str) -> tuple[str, ...]:
    """A text's BM25 terms (stop words out, English stems). Remembered: the reader asks
    for the same clauses and sentences many times per question, and tokenising is most
    of the cost of a call."""
    import bm25s

    tok = bm25s.tokenize([text], stopwords=_stopwords(), stemmer=_stemmer(), return_ids=False, show_progress=False)
    return tuple(tok[0]) if tok else ()


@lru_cache(maxsize=1)
def _stopwords() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return list(STOPWORDS_EN_PLUS)


def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _tokenize(texts: list[str], stem: Any) -> list[list[str]]:
    """The same tokens bm25s indexes: lower-cased words, stopwords out, stemmed."""
    import bm25s

    if not texts:
        return []
    return bm25s.tokenize(texts, stopwords=_stopwords(), stemmer=stem, return_ids=False, show_progress=False)


def _idf(n: float, df: float) -> float:
    return float(np.log(1.0 + (n - df + 0.5) / (df + 0.5)))  # bm25s's "lucene" idf


@dataclass(frozen=True)
class _Delta:
    """A small BM25 segment kept as postings (term -> documents, term frequencies) and
    document lengths, scored at query time with statistics given by the caller."""

    postings: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.lengths)

    def extended(self, docs: list[list[str]]) -> _Delta:
        """A new segment with ``docs`` appended (this one is left as it is)."""
        start = len(self.lengths)
        grouped: dict[str, tuple[list[int], list[int]]] = {}
        for i, tokens in enumerate(docs):
            counts: dict[str, int] = {}
            for t in tokens:
                counts[t] = counts.get(t, 0) + 1
            for t, c in counts.items():
                d, f = grouped.setdefault(t, ([], []))
                d.append(start + i)
                f.append(c)
        postings = dict(self.postings)
        for t, (d, f) in grouped.items():
            new_d, new_f = np.asarray(d, dtype=np.int64), np.asarray(f, dtype=np.float32)
            if t in postings:
                old_d, old_f = postings[t]
                new_d, new_f = np.concatenate([old_d, new_d]), np.concatenate([old_f, new_f])
            postings[t] = (new_d, new_f)
        lengths = np.concatenate([self.lengths, np.asarray([len(t) for t in docs], dtype=np.float32)])
        return _Delta(postings, lengths)


@dataclass(frozen=True)
class _Side:
    """One BM25 level (chunks, or sentences): the bm25s main segment, the delta, and
    which of their documents are live."""

    main: Any  # bm25s.BM25, or None when the main segment is empty
    main_lengths: np.ndarray  # tokens per main document
    delta: _Delta = field(default_factory=_Delta)
    dead: np.ndarray | None = None  # bool per document (main then delta); None: all live
    live_n: int = 0
    live_tokens: float = 0.0
    df_cache: dict[str, int] = field(default_factory=dict, repr=False)  # valid for this (immutable) side only

    @classmethod
    def of_main(cls, main: Any, lengths: np.ndarray) -> _Side:
        return cls(main, lengths, live_n=len(lengths), live_tokens=float(lengths.sum()))

    @property
    def n_main(self) -> int:
        return len(self.main_lengths)

    def __len__(self) -> int:
        return self.n_main + len(self.delta)

    def _main_postings(self, term: str) -> np.ndarray | None:
        tid = self.main.vocab_dict.get(term) if self.main is not None else None
        if tid is None:
            return None
        indptr = self.main.scores["indptr"]
        return np.asarray(self.main.scores["indices"][indptr[tid] : indptr[tid + 1]])

    def df(self, term: str) -> int:
        """Live documents holding ``term``."""
        n = self.df_cache.get(term)
        if n is None:
            if len(self.df_cache) > 100_000:  # questions full of unknown words: keep it bounded
                self.df_cache.clear()
            n = self.df_cache[term] = self._df(term)
        return n

    def _df(self, term: str) -> int:
        n = 0
        if self.main is not None:
            tid = self.main.vocab_dict.get(term)
            if tid is not None:
                indptr = self.main.scores["indptr"]
                if self.dead is None:
                    n += int(indptr[tid + 1] - indptr[tid])
                else:
                    n += int((~self.dead[self._main_postings(term)]).sum())
        post = self.delta.postings.get(term)
        if post is not None:
            docs = post[0] + self.n_main
            n += len(docs) if self.dead is None else int((~self.dead[docs]).sum())
        return n

    def idf(self, term: str) -> float:
        return _idf(self.live_n, self.df(term))

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 of every document (main then delta) for the query terms; 0 for dead ones."""
        if self.main is not None and terms and not len(self.delta) and self.dead is None:
            return np.asarray(self.main.get_scores(list(terms)), dtype=np.float32)  # no copy on the common path
        out = np.zeros(len(self), dtype=np.float32)
        if self.main is not None and terms:
            out[: self.n_main] = self.main.get_scores(list(terms))
        if len(self.delta) and terms:
            avg = self.live_tokens / self.live_n if self.live_n else 1.0
            norm = K1 * (1.0 - B + B * self.delta.lengths / (avg or 1.0))
            part = np.zeros(len(self.delta), dtype=np.float32)
            for t in terms:  # bm25s counts a repeated query term once per occurrence too
                post = self.delta.postings.get(t)
                if post is not None:
                    docs, tf = post
                    part[docs] += self.idf(t) * tf / (tf + norm[docs])
            out[self.n_main :] = part
        if self.dead is not None:
            out[self.dead] = 0.0
        return out

    def extended(self, docs: list[list[str]], dead: Iterable[int]) -> _Side:
        """A new side with ``docs`` appended to the delta and the documents at ``dead`` masked."""
        n_new = len(self) + len(docs)
        mask = np.zeros(n_new, dtype=bool)
        if self.dead is not None:
            mask[: len(self.dead)] = self.dead
        newly = [i for i in dead if not mask[i]]
        mask[newly] = True
        lengths = self._lengths(newly)
        add_tokens = float(sum(len(t) for t in docs))
        return replace(
            self,
            delta=self.delta.extended(docs),
            dead=mask if mask.any() else None,
            df_cache={},
            live_n=self.live_n + len(docs) - len(newly),
            live_tokens=self.live_tokens + add_tokens - lengths,
        )

    def _lengths(self, positions: list[int]) -> float:
        if not positions:
            return 0.0
        pos = np.asarray(positions, dtype=np.int64)
        main = pos[pos < self.n_main]
        rest = pos[pos >= self.n_main] - self.n_main
        return float(self.main_lengths[main].sum()) + float(self.delta.lengths[rest].sum())

    def dead_count(self) -> int:
        return 0 if self.dead is None else int(self.dead.sum())


def _build_main(token_lists: Any) -> tuple[Any, np.ndarray]:
    import bm25s

    bm = bm25s.BM25()
    bm.index(token_lists, show_progress=False)
    return bm, np.asarray([len(ids) for ids in token_lists.ids], dtype=np.int32)


class _StackedRows:
    """The sentence vectors of the main segment (memory-mapped) and of the delta, read
    as one matrix: ``rows[[i, j, ...]]`` gives an array, like numpy's fancy indexing."""

    def __init__(self, main: np.ndarray | None, n_main: int, delta: np.ndarray):
        self.main, self.n_main, self.delta = main, n_main, delta
        self.dtype = delta.dtype
        self.shape = (n_main + len(delta), delta.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> np.ndarray:
        idx = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        out = np.zeros((len(idx), self.shape[1]), dtype=self.dtype)
        in_main = idx < self.n_main
        if in_main.any() and self.main is not None and self.main.shape[1] == self.shape[1]:
            out[in_main] = self.main[idx[in_main]]
        out[~in_main] = self.delta[idx[~in_main] - self.n_main]
        return out if np.ndim(rows) else out[0]


@dataclass(eq=False)
class LexicalIndex:
    generation: str
    ids: list[str] = field(default_factory=list)  # by position: main chunks, then delta chunks
    texts: list[str] = field(default_factory=list)
    metas: list[ChunkMeta] = field(default_factory=list)  # without their sentence vectors
    # article id -> fingerprint of the article record this index reflects (qa.retrieval.snapshot)
    fingerprints: dict[str, str] = field(default_factory=dict)
    source_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    timestamps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    alive: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    main_size: int = 0  # positions in the main segment
    _chunks: _Side | None = None
    _sents: _Side | None = None
    _sent_offsets: np.ndarray | None = None  # first sentence row of each chunk
    _main_vectors: np.ndarray | None = None  # float16, one row per main sentence (memory-mapped when loaded)
    _delta_vectors: np.ndarray | None = None
    _stem: Any = None
    _by_article: dict[str, list[int]] = field(default_factory=dict)  # live positions of each article
    _carried: dict[str, np.ndarray] = field(default_factory=dict)  # outlet key -> positions it carries as a wire copy

    # -- building ---------------------------------------------------------------
    @classmethod
    def build(cls, generation: str, rows: list[Row], fingerprints: dict[str, str] | None = None) -> LexicalIndex:
        """A main segment over ``rows`` (no delta)."""
        import bm25s

        idx = cls(generation, fingerprints=dict(fingerprints or {}))
        idx.ids = [r[0] for r in rows]
        idx.texts = [r[1] for r in rows]
        metas = [ChunkMeta.from_dict(r[2]) for r in rows]
        packed = [m.sentence_vectors for m in metas]
        idx.metas = [m.without_vectors() for m in metas]
        idx.main_size = len(rows)
        idx._derive()
        if rows:
            corpus = [f"{m.header}\n{t}" for t, m in zip(idx.texts, idx.metas)]
            tokens = bm25s.tokenize(corpus, stopwords=_stopwords(), stemmer=idx._stem, show_progress=False)
            idx._chunks = _Side.of_main(*_build_main(tokens))
            sentences, offsets = _sentences(idx.texts, idx.metas, 0)
            idx._sent_offsets = np.asarray(offsets, dtype=np.int64)
            idx._main_vectors = _sentence_matrix(packed, offsets, len(sentences))
            stokens = bm25s.tokenize(sentences, stopwords=_stopwords(), stemmer=idx._stem, show_progress=False)
            idx._sents = _Side.of_main(*_build_main(stokens))
        return idx

    def _derive(self) -> None:
        """Per-chunk arrays for filtering and steering, read off the metadata."""
        self.source_keys = np.array([m.source_key for m in self.metas], dtype=object)
        self.timestamps = np.array([m.published_ts for m in self.metas], dtype=np.int64)
        self.alive = np.ones(len(self.ids), dtype=bool)
        self._stem = _stemmer()
        self._by_article = {}
        for i, m in enumerate(self.metas):
            self._by_article.setdefault(m.article_id, []).append(i)
        self._carried = _carried(self.metas, 0)

    def with_changes(self, generation: str, fingerprints: dict[str, str], rows: Sequence[Row]) -> LexicalIndex:
        """A new index for the store as ``fingerprints`` describe it: the chunks of every
        article whose record changed, appeared or went are masked, and ``rows`` (the
        current chunks of the changed and new ones) are appended to the delta. Costs in
        proportion to the change, plus copying the per-position lists."""
        changed = {
            a for a in self.fingerprints.keys() | fingerprints.keys() if self.fingerprints.get(a) != fingerprints.get(a)
        }
        changed |= {r[2].get("article_id", "") for r in rows}
        dead = sorted(p for a in changed for p in self._by_article.get(a, ()))
        start = len(self.ids)
        ids = [r[0] for r in rows]
        texts = [r[1] for r in rows]
        full = [ChunkMeta.from_dict(r[2]) for r in rows]
        packed = [m.sentence_vectors for m in full]
        metas = [m.without_vectors() for m in full]

        out = replace(self, generation=generation, fingerprints=dict(fingerprints))
        out.ids, out.texts, out.metas = self.ids + ids, self.texts + texts, self.metas + metas
        out.source_keys = np.concatenate([self.source_keys, np.array([m.source_key for m in metas], dtype=object)])
        out.timestamps = np.concatenate([self.timestamps, np.array([m.published_ts for m in metas], dtype=np.int64)])
        out.alive = np.concatenate([self.alive, np.ones(len(rows), dtype=bool)])
        out.alive[dead] = False
        out._by_article = {a: ps for a, ps in self._by_article.items() if a not in changed}
        for i, m in enumerate(metas):
            out._by_article.setdefault(m.article_id, []).append(start + i)
        out._carried = dict(self._carried)
        for key, ps in _carried(metas, start).items():
            out._carried[key] = np.concatenate([self._carried.get(key, np.zeros(0, dtype=np.int64)), ps])

        stem = self._stem or _stemmer()
        chunk_tokens = _tokenize([f"{m.header}\n{t}" for t, m in zip(texts, metas)], stem)
        base_chunks = self._chunks or _Side.of_main(None, np.zeros(0, dtype=np.int32))
        out._chunks = base_chunks.extended(chunk_tokens, dead)
        n_sent = self.sentence_count()
        sentences, offsets = _sentences(texts, metas, n_sent)
        dead_rows = [r for p in dead for r in self.sentence_rows(p)]
        base_sents = self._sents or _Side.of_main(None, np.zeros(0, dtype=np.int32))
        out._sents = base_sents.extended(_tokenize(sentences, stem), dead_rows)
        prev = self._sent_offsets if self._sent_offsets is not None else np.zeros(0, dtype=np.int64)
        out._sent_offsets = np.concatenate([prev, np.asarray(offsets, dtype=np.int64)])
        local = [o - n_sent for o in offsets]
        dim = self._dimension()
        new_vectors = _sentence_matrix(packed, local, len(sentences), dim)
        dim = dim or (new_vectors.shape[1] if new_vectors is not None else 0)
        if dim:  # the delta's rows, zeros where a chunk came without vectors
            old = self._delta_vectors
            if old is None:
                old = np.zeros((n_sent - base_sents.n_main, dim), dtype=np.float16)
            if new_vectors is None:
                new_vectors = np.zeros((len(sentences), dim), dtype=np.float16)
            out._delta_vectors = np.concatenate([old, new_vectors])
        return out

    def _dimension(self) -> int:
        for m in (self._delta_vectors, self._main_vectors):
            if m is not None:
                return int(m.shape[1])
        return 0

    # -- saving -----------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the main segment into ``folder`` (which must not exist yet): the chunks
        and the article fingerprints as JSON, bm25s's own array files, no pickle."""
        if len(self.ids) != self.main_size or not self.alive.all():
            raise ValueError("only an index without a delta is saved")
        folder.mkdir(parents=True)
        with open(folder / "chunks.json", "w", encoding="utf-8") as f:
            json.dump({"ids": self.ids, "texts": self.texts, "metas": [m.to_dict() for m in self.metas]}, f)
        if self._chunks is not None and self._chunks.main is not None:
            self._chunks.main.save(str(folder / "chunks"), show_progress=False)
            self._sents.main.save(str(folder / "sentences"), show_progress=False)
            np.save(folder / "chunk_lengths.npy", self._chunks.main_lengths)
            np.save(folder / "sentence_lengths.npy", self._sents.main_lengths)
            np.save(folder / "sentence_offsets.npy", self._sent_offsets)
            if self._main_vectors is not None:
                np.save(folder / "sentence_vectors.npy", self._main_vectors)
        # written last: a folder without it is incomplete
        with open(folder / "articles.json", "w", encoding="utf-8") as f:
            json.dump({"format": FORMAT, "fingerprints": self.fingerprints}, f)

    @classmethod
    def load(cls, folder: Path, generation: str) -> LexicalIndex:
        """An index written by ``save``; its BM25 arrays and sentence vectors are
        memory-mapped. ValueError for a folder of another format."""
        import bm25s

        with open(folder / "articles.json", encoding="utf-8") as f:
            head = json.load(f)
        if head.get("format") != FORMAT:
            raise ValueError(f"format {head.get('format')}, not {FORMAT}")
        with open(folder / "chunks.json", encoding="utf-8") as f:
            data = json.load(f)
        idx = cls(
            generation,
            data["ids"],
            data["texts"],
            [ChunkMeta.from_dict(m) for m in data["metas"]],
            fingerprints=head["fingerprints"],
        )
        idx.main_size = len(idx.ids)
        idx._derive()
        if idx.ids:
            chunks = bm25s.BM25.load(str(folder / "chunks"), mmap=True, show_progress=False)
            sents = bm25s.BM25.load(str(folder / "sentences"), mmap=True, show_progress=False)
            idx._chunks = _Side.of_main(chunks, np.load(folder / "chunk_lengths.npy"))
            idx._sents = _Side.of_main(sents, np.load(folder / "sentence_lengths.npy"))
            idx._sent_offsets = np.load(folder / "sentence_offsets.npy")
            if (folder / "sentence_vectors.npy").exists():
                idx._main_vectors = np.load(folder / "sentence_vectors.npy", mmap_mode="r")
        return idx

    # -- reading ----------------------------------------------------------------
    def __len__(self) -> int:
        """Positions (live or masked): the length of every per-chunk array."""
        return len(self.ids)

    def live_count(self) -> int:
        return int(self.alive.sum())

    def delta_size(self) -> int:
        """Chunks in the delta plus main chunks masked: what a compaction would fold in."""
        return (len(self.ids) - self.main_size) + int((~self.alive[: self.main_size]).sum())

    def positions(self) -> dict[str, int]:
        """Chunk id -> position, for live chunks."""
        alive = self.alive
        return {cid: i for i, cid in enumerate(self.ids) if alive[i]}

    def outlet_mask(self, keys: Sequence[str]) -> np.ndarray:
        """Live chunks of stories carried by any of these outlets (source keys), whether
        as the story's own outlet or as one of its wire copies (index.dedup)."""
        mask = np.isin(self.source_keys, list(keys))
        for k in keys:
            carried = self._carried.get(k)
            if carried is not None:
                mask[carried] = True
        return mask & self.alive

    def article_chunks(self, article_id: str) -> list[int]:
        """The live positions of an article's chunks, in text order."""
        return sorted(self._by_article.get(article_id, ()), key=lambda p: self.metas[p].start)

    def chunk_before(self, article_id: str, start: int) -> int | None:
        """The live position of the article's chunk just before the one starting at
        ``start`` (body offsets; chunks may overlap by a sentence), if any."""
        before = [p for p in self._by_article.get(article_id, ()) if self.metas[p].start < start]
        return max(before, key=lambda p: self.metas[p].start, default=None)

    def sentence_rows(self, pos: int) -> range:
        """The sentence rows (of the sentence BM25 and ``sentence_vectors``) of chunk ``pos``."""
        offsets = self._sent_offsets
        if offsets is None:
            return range(0)
        end = int(offsets[pos + 1]) if pos + 1 < len(offsets) else self.sentence_count()
        return range(int(offsets[pos]), end)

    def sentence_count(self) -> int:
        return len(self._sents) if self._sents is not None else 0

    @property
    def sentence_vectors(self) -> np.ndarray | _StackedRows | None:
        """One float16 row per sentence row (zeros for chunks stored without vectors);
        None when no chunk has any. Index it with a list of rows."""
        if self._delta_vectors is None:
            return self._main_vectors
        n_main = self._sents.n_main if self._sents is not None else 0
        return _StackedRows(self._main_vectors, n_main, self._delta_vectors)

    def query_terms(self, text: str) -> list[str]:
        return list(_query_terms(text))

    def scores(self, text: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros when nothing matches)."""
        terms = self.query_terms(text) if self._chunks is not None else []
        if not terms:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self._chunks.scores(terms)

    def sentence_scores(self, text: str) -> np.ndarray:
        """Per chunk, the BM25 score of its best sentence: rewards a chunk holding one
        sentence that matches the question closely over one with scattered matches."""
        terms = self.query_terms(text) if self._sents is not None else []
        if not terms:
            return np.zeros(len(self.ids), dtype=np.float32)
        per_sentence = self._sents.scores(terms)
        best = np.maximum.reduceat(per_sentence, self._sent_offsets).astype(np.float32)
        return np.where(self.alive, best, 0.0).astype(np.float32)

    def idf(self, terms: list[str]) -> list[float]:
        """BM25 idf of each (stemmed) term over the live chunks; a term found nowhere gets
        the highest idf, so a question about something absent scores low everywhere."""
        if self._chunks is None:
            return [_idf(0, 0) for _ in terms]
        return [self._chunks.idf(t) for t in terms]


def _sentences(texts: list[str], metas: list[ChunkMeta], first: int) -> tuple[list[str], list[int]]:
    """The chunks' sentences (bounds stored at ingestion) and each chunk's first row."""
    sentences: list[str] = []
    offsets: list[int] = []
    for text, meta in zip(texts, metas):
        offsets.append(first + len(sentences))
        spans = meta.sentence_spans(len(text))
        sentences.extend(text[a:b] for a, b in spans)
    return sentences, offsets


def _carried(metas: list[ChunkMeta], start: int) -> dict[str, np.ndarray]:
    """Outlet key -> positions of chunks that outlet carries beside the story's own outlet."""
    out: dict[str, list[int]] = {}
    for i, m in enumerate(metas):
        keys = m.source_keys
        if isinstance(keys, str):
            keys = [keys]
        for k in keys:
            if k != m.source_key:
                out.setdefault(k, []).append(start + i)
    return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}


def _sentence_matrix(packed: list[str], offsets: list[int], total: int, dim: int = 0) -> np.ndarray | None:
    """The chunks' packed sentence vectors as one float16 matrix aligned with the sentence
    rows; None when no chunk has any (a store written before they existed)."""
    counts = [e - s for s, e in zip(offsets, offsets[1:] + [total])]
    dim = dim or next((vectors.dimension(p, n) for p, n in zip(packed, counts) if p and n), 0)
    if dim <= 0 or not any(packed):
        return None
    out = np.zeros((total, dim), dtype=np.float16)
    for p, n, start in zip(packed, counts, offsets):
        if p and vectors.dimension(p, n) == dim:  # else stale or foreign: zeros rather than misaligned rows
            out[start : start + n] = vectors.unpack(p, dim)
    return out
