"""The public result objects: what every interface (Python, CLI, REST, web) returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

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
class Filters:
    """Restrict retrieval to some outlets and a publication date range (inclusive)."""

    sources: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None

    def is_empty(self) -> bool:
        return not self.sources and self.since is None and self.until is None
