"""The REST API's request and response bodies, as pydantic models: FastAPI validates
requests against them (a bad field is a 422 naming it) and /docs shows them.

The response models mirror the ``to_dict`` of the public records (qa.schema,
index.IngestReport), so the JSON is the same from Python, the CLI and HTTP.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..schema import Filters


# -- requests -----------------------------------------------------------------------
class ChatMessage(BaseModel):
    """An earlier turn as a chat message (Gradio's and OpenAI's shape)."""

    role: Literal["user", "assistant", "system"]
    content: str


HistoryItem = str | list[str] | ChatMessage


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not silently ignored

    question: str = Field(..., description="the question")
    history: list[HistoryItem] = Field(
        default_factory=list,
        description="earlier turns, oldest first: questions, [question, answer] pairs, or chat messages",
    )
    filters: Filters | None = Field(None, description="outlets and a date range to restrict the answer to")
    conversation_id: str | None = Field(
        None,
        description="a stored conversation to continue (its turns are the history); "
        "without one a new conversation is started",
    )


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str
    k: int = Field(10, ge=1, le=100, strict=True, description="how many passages")
    filters: Filters | None = None


class ArticleIn(BaseModel):
    """One article to add (``POST /api/articles`` takes one or an array)."""

    title: str | None = None
    body: str = Field(..., description="the article text")
    source: str | None = Field(None, description="the outlet")
    url: str | None = None
    published_at: str | None = Field(None, description="ISO 8601, e.g. 2023-11-27T08:45:59+00:00")
    author: str | None = None
    category: str | None = None


# -- responses ----------------------------------------------------------------------
class CarrierOut(BaseModel):
    """Another outlet that carried the same wire story."""

    id: str
    title: str
    source: str
    url: str
    published_at: str


class ArticleRefOut(BaseModel):
    id: str
    title: str
    source: str = ""
    url: str = ""
    published_at: str = ""
    author: str = ""
    also_carried_by: list[CarrierOut] = Field(
        default_factory=list, description="other outlets carrying the same wire story"
    )


class PassageOut(BaseModel):
    """A retrieved chunk; ``text`` is the article body from ``start`` to ``end``."""

    text: str
    score: float
    start: int
    end: int
    article: ArticleRefOut
    chunk_id: str = ""


class CitationOut(BaseModel):
    """``quote`` is the article body from ``start`` to ``end``; ``passage`` the chunk holding it."""

    n: int
    article_id: str
    title: str
    source: str
    url: str
    published_at: str
    passage: str
    quote: str
    start: int
    end: int
    also_carried_by: list[CarrierOut] = Field(
        default_factory=list, description="other outlets carrying the same wire story"
    )
    author: str = ""
    passage_start: int = Field(..., description="where the passage starts in the article body")
    passage_end: int = Field(..., description="where the passage ends in the article body")
    passage_score: float = Field(0.0, description="the passage's retrieval score")
    chunk_id: str = ""


class AnswerOut(BaseModel):
    answer: str = Field(..., description="the answer, with [n] markers naming its citations")
    refused: bool = Field(..., description="true when the articles do not hold an answer")
    citations: list[CitationOut]
    question: str = Field("", description="the question as understood (a follow-up resolved)")
    note: str = Field("", description="e.g. why an LLM's answer fell back to the extractive one")
    unsupported: list[str] = Field(default_factory=list, description="LLM sentences left out: no passage supports them")
    conversation_id: str | None = Field(None, description="the stored conversation this answer was added to")


class StreamLine(BaseModel):
    """One line of ``POST /api/ask/stream``: a checked piece of text, or (last) the answer."""

    text: str | None = None
    answer: AnswerOut | None = None


class FailureOut(BaseModel):
    source: str
    reason: str


class IngestReportOut(BaseModel):
    added: int
    updated: int
    unchanged: int
    folded: int = Field(0, description="wire copies: recorded as one more outlet carrying a stored story")
    failed: list[FailureOut]


class ArticleOut(BaseModel):
    id: str
    title: str
    source: str
    url: str
    published_at: str
    author: str
    category: str
    chunks: int
    folded_into: str = Field("", description="for a wire copy, the id of the story it was folded into")


class FailedReportOut(IngestReportOut):
    """The report when no article could be added (HTTP 422)."""

    error: str


class JobOut(BaseModel):
    """An ingestion job (a large ``POST /api/articles``)."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    articles: int = Field(..., description="articles to add")
    done: int = Field(..., description="chunks embedded so far")
    total: int = Field(..., description="chunks to embed (0 until the job starts)")
    report: IngestReportOut | None = Field(None, description="once done")
    error: str = Field("", description="why the job failed")
    url: str = Field(..., description="where to poll it")


class ErrorOut(BaseModel):
    error: str


class DeletedOut(BaseModel):
    deleted: str


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    articles: int
    chunks: int
    answers: str = Field(..., description="who writes answers: extractive, openai or llamacpp")
