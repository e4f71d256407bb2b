"""The public result objects: what every interface (Python, CLI, REST, web) returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

REFUSAL = "I can't answer that from the articles I have."


@dataclass(frozen=True)
class ArticleRef:
    id: str
    title: str
    source: str = ""
    url: str = ""
    published_at: str = ""
    author: str = ""

    @classmethod
    def from_meta(cls, article_id: str, meta: dict[str, Any]) -> ArticleRef:
        return cls(
            id=article_id, title=meta.get("title", ""), source=meta.get("source", ""), url=meta.get("url", ""),
            published_at=meta.get("published_at", ""), author=meta.get("author", ""),
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
            "text": self.text, "score": round(self.score, 6), "start": self.start, "end": self.end,
            "article": asdict(self.article),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Passage:
        return cls(d["text"], float(d["score"]), int(d["start"]), int(d["end"]), ArticleRef(**d["article"]))


@dataclass
class Citation:
    """``quote == article body[start:end]``; ``passage`` is the chunk it lies in."""

    n: int
    passage: Passage
    quote: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        a = self.passage.article
        return {
            "n": self.n, "article_id": a.id, "title": a.title, "source": a.source, "url": a.url,
            "published_at": a.published_at, "passage": self.passage.text, "quote": self.quote,
            "start": self.start, "end": self.end,
        }


@dataclass
class Answer:
    text: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    question: str = ""  # the question as understood (follow-ups resolved)
    note: str = ""  # e.g. why an LLM answer fell back to the extractive one
    unsupported: list[str] = field(default_factory=list)  # LLM sentences left out: no passage supports them

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Answer:
        """The REST API's JSON back into an Answer (used by the CLI when an app owns the store)."""
        cites = []
        for c in d.get("citations", []):
            ref = ArticleRef(c["article_id"], c["title"], c["source"], c["url"], c["published_at"])
            passage_start = c["start"] - c["passage"].find(c["quote"]) if c["quote"] in c["passage"] else c["start"]
            p = Passage(c["passage"], 0.0, passage_start, passage_start + len(c["passage"]), ref)
            cites.append(Citation(c["n"], p, c["quote"], c["start"], c["end"]))
        return cls(d["answer"], bool(d["refused"]), cites, d.get("question", ""), d.get("note", ""), list(d.get("unsupported", [])))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "answer": self.text, "refused": self.refused, "citations": [c.to_dict() for c in self.citations],
            "question": self.question,
        }
        if self.note:
            out["note"] = self.note
        if self.unsupported:
            out["unsupported"] = self.unsupported
        return out


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

    sources: list[str] = Field(default_factory=list, validation_alias=AliasChoices("sources", "source"),
                               description="outlet names (case- and space-insensitive)")
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
            text = v.strip()
            try:
                return datetime.fromisoformat(text[:10]).date() if len(text) >= 10 else date.fromisoformat(text)
            except ValueError:
                pass
        raise ValueError(f"{info.field_name} must be a date like 2023-11-27, got {str(v)[:40]!r}")

    @model_validator(mode="after")
    def _order(self) -> Filters:
        if self.since and self.until and self.since > self.until:
            raise ValueError(f"since ({self.since}) is after until ({self.until})")
        return self

    def is_empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None
