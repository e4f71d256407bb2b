"""What the store keeps beside each chunk's text, as one typed record.

The store writes it (``index.store``), the lexical index keeps it per chunk, and the
reader and retrieval read it (``qa``): one definition of the fields instead of string
keys spelled in four modules. ``to_dict`` gives Chroma's flat metadata form (strings,
numbers and lists only: sentence bounds as "s-e,s-e", sentence vectors packed as text
by ``index.vectors``); ``from_dict`` reads it back, so the two are exact inverses, and
it also reads chunks written before a field existed (the field's default).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .vectors import FIELD as VECTORS_FIELD

Span = tuple[int, int]


def format_spans(spans: tuple[Span, ...] | list[Span]) -> str:
    """Sentence bounds, compactly, for the store ("s-e,s-e,...")."""
    return ",".join(f"{s}-{e}" for s, e in spans)


def parse_spans(text: str) -> tuple[Span, ...]:
    """The inverse of ``format_spans``."""
    return tuple((int(a), int(b)) for a, _, b in (part.partition("-") for part in text.split(",") if "-" in part))


@dataclass(slots=True)
class ChunkMeta:
    """A chunk's place in its article and what retrieval filters and scores it by.
    (Not frozen: a frozen dataclass is several times slower to build, and one is built
    per chunk whenever the lexical index loads. Treat it as read-only.)

    ``start``/``end`` are character offsets into the article body (``body[start:end]``
    is the chunk's text); ``sentences`` are offsets into the chunk's own text."""

    article_id: str
    version: str  # the article version it belongs to (trusted only while that version is committed)
    chunk: int  # its number within the article
    start: int
    end: int
    title: str = ""
    source: str = ""
    source_key: str = ""  # index.store.source_key(source)
    # the outlet keys of every carrier of its wire story (index.dedup); never empty when written
    source_keys: tuple[str, ...] = ()
    published_ts: int = 0  # seconds since the epoch, UTC; 0 when undated
    header: str = ""  # the title/outlet/date line embedded with the text
    # sentence bounds as stored ("s-e,s-e", see ``format_spans``): parsed only when a
    # passage is read, so loading 200,000 chunks does not parse them all
    sentence_field: str = ""
    sentence_vectors: str = field(default="", repr=False)  # index.vectors.pack of one row per sentence

    @property
    def sentences(self) -> tuple[Span, ...]:
        return parse_spans(self.sentence_field)

    def sentence_spans(self, length: int) -> list[Span]:
        """The stored sentence bounds; one span over the whole chunk (``length``
        characters) when none were stored."""
        return list(self.sentences) or [(0, length)]

    def without_vectors(self) -> ChunkMeta:
        """The same record without its packed sentence vectors (kept in arrays instead)."""
        return replace(self, sentence_vectors="") if self.sentence_vectors else self

    def to_dict(self) -> dict[str, Any]:
        """Chroma's metadata form (also what the lexical index saves)."""
        out: dict[str, Any] = {
            "article_id": self.article_id,
            "version": self.version,
            "chunk": self.chunk,
            "start": self.start,
            "end": self.end,
            "title": self.title,
            "source": self.source,
            "source_key": self.source_key,
            "published_ts": self.published_ts,
            "header": self.header,
            "sentences": self.sentence_field,
        }
        if self.source_keys:  # Chroma refuses empty lists
            out["source_keys"] = list(self.source_keys)
        if self.sentence_vectors:  # absent rather than empty: the lexical index saves its records without them
            out[VECTORS_FIELD] = self.sentence_vectors
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChunkMeta:
        # called once per chunk when a lexical index of 200,000 chunks loads: no
        # conversions beyond what JSON and Chroma do not already give
        get = d.get
        sentences = get("sentences") or ""
        return cls(
            d["article_id"],
            d["version"],
            get("chunk", 0),
            d["start"],
            d["end"],
            get("title", ""),
            get("source", ""),
            get("source_key", ""),
            tuple(get("source_keys") or ()),
            get("published_ts") or 0,
            get("header", ""),
            sentences if isinstance(sentences, str) else format_spans(sentences),
            get(VECTORS_FIELD) or "",
        )
