"""The public result objects: what every interface (Python, CLI, REST, web) returns."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from index.article import parse_date

REFUSAL = "I can't answer that from the articles I have."


@dataclass(frozen=True)
class ArticleRef:
    """The article a passage or citation comes from."""

    id: str
    title: str
    source: str = ""
    url: str = ""
    published_at: str = ""
    author: str = ""
    # other outlets that carried the same wire story (index.dedup): {id, title, source, url, published_at}
    also_carried_by: tuple[dict[str, str], ...] = field(default=(), compare=False)

    @classmethod
    def from_meta(cls, article_id: str, meta: dict[str, Any]) -> ArticleRef:
        """From a stored article record (its ``carriers`` field lists the other outlets)."""
        carriers = meta.get("carriers") or ()
        if isinstance(carriers, str):
            try:
                carriers = json.loads(carriers)
            except ValueError:
                carriers = ()
        keep = ("id", "title", "source", "url", "published_at")
        return cls(
            id=article_id,
            title=meta.get("title", ""),
            source=meta.get("source", ""),
            url=meta.get("url", ""),
            published_at=meta.get("published_at", ""),
            author=meta.get("author", ""),
            also_carried_by=tuple({k: str(c.get(k, "")) for k in keep} for c in carriers if isinstance(c, dict)),
        )

    def flat(self) -> dict[str, str]:
        """The article's fields under ``article_id``, ``title``, ...: how a citation (REST)
        and a llama-index node's metadata carry them beside their own."""
        return {
            "article_id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published_at": self.published_at,
            "author": self.author,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "url": self.url,
            "published_at": self.published_at,
            "author": self.author,
            "also_carried_by": [dict(c) for c in self.also_carried_by],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArticleRef:
        return cls(
            d["id"],
            d.get("title", ""),
            d.get("source", ""),
            d.get("url", ""),
            d.get("published_at", ""),
            d.get("author", ""),
            tuple(dict(c) for c in d.get("also_carried_by") or ()),
        )


@dataclass
class Passage:
    """A retrieved chunk: ``text == article body[start:end]``."""

    text: str
    score: float
    start: int
    end: int
    article: ArticleRef
    chunk_id: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "score": self.score,
            "start": self.start,
            "end": self.end,
            "article": self.article.to_dict(),
            "chunk_id": self.chunk_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        return cls(
            d["text"],
            float(d["score"]),
            int(d["start"]),
            int(d["end"]),
            ArticleRef.from_dict(d["article"]),
            d.get("chunk_id", ""),
        )


@dataclass
class Citation:
    """``quote == article body[start:end]``; ``passage`` is the chunk it lies in.

    Its JSON is flat (the article's fields beside the quote: what the REST API, the CLI
    and the OpenAI door show), and carries the passage's own offsets, score and chunk id
    so that ``from_dict`` rebuilds exactly the same citation."""

    n: int
    passage: Passage
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        p, a = self.passage, self.passage.article
        return {
            "n": self.n,
            **a.flat(),
            "passage": p.text,
            "quote": self.quote,
            "start": self.start,
            "end": self.end,
            "also_carried_by": [dict(c) for c in a.also_carried_by],
            "passage_start": p.start,
            "passage_end": p.end,
            "passage_score": p.score,
            "chunk_id": p.chunk_id,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Citation:
        ref = ArticleRef.from_dict({**d, "id": d["article_id"]})  # the article's fields sit flat in a citation
        start = int(d["passage_start"])
        end = int(d.get("passage_end", start + len(d["passage"])))
        passage = Passage(d["passage"], float(d.get("passage_score", 0.0)), start, end, ref, d.get("chunk_id", ""))
        return cls(int(d["n"]), passage, d["quote"], int(d["start"]), int(d["end"]))


@dataclass
class Answer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    question: str = ""  # the question as understood (follow-ups resolved)
    note: str = ""  # e.g. why an LLM answer fell back to the extractive one
    unsupported: list[str] = field(default_factory=list)  # LLM sentences left out: no passage supports them

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "question": self.question,
        }
        if self.note:
            out["note"] = self.note
        if self.unsupported:
            out["unsupported"] = self.unsupported
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """The inverse of ``to_dict`` (the CLI reads the REST API's answers with it when an app owns the store)."""
        return cls(
            d["answer"],
            bool(d["refused"]),
            [Citation.from_dict(c) for c in d.get("citations", [])],
            d.get("question", ""),
            d.get("note", ""),
            list(d.get("unsupported", [])),
        )


class _ReadsLikeADict:
    """Mapping-style reads (``row["title"]``, ``row.get("url")``) of a record's fields.

    ``Assistant.articles()`` returned dicts before it returned records; this keeps code
    written against the dicts working while it moves to attributes. New code should use
    the attributes."""

    def __getitem__(self, key: str) -> Any:
        if key not in self.__dataclass_fields__:  # type: ignore[attr-defined]
            raise KeyError(key)
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default) if key in self.__dataclass_fields__ else default  # type: ignore[attr-defined]

    def keys(self) -> list[str]:
        return list(self.__dataclass_fields__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ArticleInfo(_ReadsLikeADict):
    """A stored article as ``Assistant.articles()`` lists it (no body)."""

    id: str
    title: str = ""
    source: str = ""
    url: str = ""
    published_at: str = ""
    author: str = ""
    category: str = ""
    chunks: int = 0  # 0 for a wire copy folded into another outlet's story
    folded_into: str = ""  # for a wire copy, the id of the story it was folded into

    @classmethod
    def from_record(cls, row: dict[str, Any]) -> ArticleInfo:
        """From the store's article record (``ChromaStore.list_articles``)."""
        return cls(
            str(row["id"]),
            str(row.get("title") or ""),
            str(row.get("source") or ""),
            str(row.get("url") or ""),
            str(row.get("published_at") or ""),
            str(row.get("author") or ""),
            str(row.get("category") or ""),
            int(row.get("chunks") or 0),
            str(row.get("folded_into") or ""),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ArticleInfo:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


@dataclass(frozen=True)
class ArticleText(ArticleInfo):
    """A stored article with its body (``Assistant.article(id)``): citations are offsets into ``body``."""

    body: str = ""

    @classmethod
    def from_record(cls, row: dict[str, Any]) -> ArticleText:
        info = ArticleInfo.from_record(row)
        return cls(**asdict(info), body=str(row.get("body") or ""))


@dataclass
class Stats:
    """What the store holds, and who writes the answers (``extractive`` or an LLM backend)."""

    articles: int
    chunks: int
    answers: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Stats:
        return cls(int(d["articles"]), int(d["chunks"]), str(d["answers"]))


class Filters(BaseModel):
    """Restrict retrieval to some outlets and a publication date range (inclusive).

    A pydantic model, so the REST API validates (and documents) it where it receives
    it, and ``qa.filters.parse_filters`` checks dicts from Python and the CLI the same way."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("sources", "source"),
        description="outlet names (case- and space-insensitive)",
    )
    since: date | None = Field(None, description="published on or after this day (YYYY-MM-DD)")
    until: date | None = Field(None, description="published on or before this day (YYYY-MM-DD)")

    @model_validator(mode="before")
    @classmethod
    def _known(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            unknown = set(raw) - {"sources", "source", "since", "until"}
            if unknown:
                raise ValueError(f"unknown filter {sorted(unknown)[0]!r}; use sources, since, until")
        return raw

    @field_validator("sources", mode="before")
    @classmethod
    def _sources(cls, v: Any) -> list[str]:
        if v is None:
            return []
        if isinstance(v, str):
            v = [v]
        if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
            raise ValueError("sources must be a list of outlet names")
        return [s for s in v if s.strip()]

    @field_validator("since", "until", mode="before")
    @classmethod
    def _day(cls, v: Any, info: ValidationInfo) -> date | None:
        if v in (None, ""):
            return None
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        if isinstance(v, str):
            parsed = parse_date(v)  # the one reading of dates (index.article): its own day, not UTC's
            if parsed is not None:
                return parsed.date()
        raise ValueError(f"{info.field_name} must be a date like 2023-11-27, got {str(v)[:40]!r}")

    @model_validator(mode="after")
    def _order(self) -> Filters:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    def is_empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None
