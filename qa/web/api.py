"""The REST API under /api: thin over ``qa.Assistant``, bodies typed in models.py.

Errors are not handled here: a ``NewsqaError`` raised by the Assistant becomes
``{"error": message}`` with its status in one place (server.py). Blocking work (asking,
ingesting) runs in FastAPI's thread pool, never on the event loop.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from index import IngestReport, load_records, load_uploads

from ..errors import BadRequest, NotFound, TooLarge
from .jobs import Jobs
from .models import (
    AnswerOut,
    ArticleIn,
    ArticleOut,
    AskRequest,
    DeletedOut,
    ErrorOut,
    FailedReportOut,
    HealthOut,
    IngestReportOut,
    JobOut,
    PassageOut,
    SearchRequest,
    StreamLine,
)
from .uploads import parse_multipart

_ADD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [ArticleIn.model_json_schema(), {"type": "array", "items": ArticleIn.model_json_schema()}]
                }
            },
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                }
            },
        },
    }
}


def _json_body(body: bytes) -> Any:
    """The body as JSON (run off the event loop: a large body takes a while to parse)."""
    try:
        return json.loads(body)
    except RecursionError:
        raise BadRequest("the JSON body is nested too deeply") from None
    except ValueError:  # not JSON, or not UTF-8
        raise BadRequest(
            "the body must be a JSON article, an array of articles, or a multipart file upload (JSON in UTF-8)"
        ) from None


def _all_failed(report: IngestReport) -> JSONResponse:
    """Nothing could be added: 422, with the report saying why for each."""
    n = len(report.failed)
    return JSONResponse({"error": f"no article could be added ({n} failed; see 'failed')", **report.to_dict()}, 422)


def build_router(assistant, settings) -> APIRouter:
    """The /api routes over one Assistant."""
    api = APIRouter(prefix="/api")
    jobs = Jobs()

    @api.post("/ask", response_model=AnswerOut)
    def ask(body: AskRequest, request: Request) -> dict[str, Any]:
        """A short answer whose every sentence cites a passage, or a refusal. It is added to
        the conversation ``conversation_id`` (whose turns are the history), else to a new one."""
        from .conversations import ask_in_conversation, current_user

        answer, cid = ask_in_conversation(
            assistant, current_user(request, settings), body.question, body.history, body.filters, body.conversation_id
        )
        return answer.to_dict() | {"conversation_id": cid}

    @api.post(
        "/ask/stream",
        response_class=StreamingResponse,
        responses={200: {"content": {"application/x-ndjson": {"schema": StreamLine.model_json_schema()}}}},
    )
    def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
        """Newline-delimited JSON: ``{"text": ...}`` for each checked piece an LLM writes,
        then ``{"answer": <the /api/ask object>}``. Bad input is a 4xx before the stream."""
        from .conversations import current_user, stream_in_conversation

        items = stream_in_conversation(
            assistant, current_user(request, settings), body.question, body.history, body.filters, body.conversation_id
        )

        def lines():
            for item, cid in items:
                obj = {"text": item} if isinstance(item, str) else {"answer": item.to_dict() | {"conversation_id": cid}}
                yield json.dumps(obj, ensure_ascii=False) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @api.post("/search", response_model=list[PassageOut])
    def search(body: SearchRequest) -> list[dict[str, Any]]:
        """The k best passages for a query, best first."""
        return [p.to_dict() for p in assistant.search(body.query, k=body.k, filters=body.filters)]

    @api.get("/articles", response_model=list[ArticleOut])
    def articles() -> list[dict[str, Any]]:
        """Stored articles, newest first."""
        return assistant.articles()

    @api.post(
        "/articles",
        response_model=IngestReportOut,
        openapi_extra=_ADD_BODY,
        responses={
            202: {"model": JobOut, "description": "a large addition: queued as a job to poll at GET /api/jobs/{id}"},
            413: {"model": ErrorOut, "description": "over NEWSQA_MAX_REQUEST_MB or NEWSQA_MAX_RECORDS"},
            422: {"model": FailedReportOut, "description": "no article could be added: the report says why"},
        },
    )
    async def add_articles(request: Request) -> Any:
        """A JSON article or array of them, a multipart upload of files (field ``files``), or
        ``{"url": ...}`` / ``{"urls": [...]}``: news pages fetched (public addresses only).

        At most ``NEWSQA_MAX_RECORDS`` articles (or files) per request, and a body of at most
        ``NEWSQA_MAX_REQUEST_MB``. When the text to embed is over ``NEWSQA_INGEST_WAIT_CHARS``
        the answer is 202 with a job (``{"id", "status", ...}``) to poll at ``GET /api/jobs/{id}``;
        otherwise the report. When every article fails, the report comes with 422."""
        body = await request.body()  # bounded by guard.BodyLimit before it is read
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            files = await run_in_threadpool(
                parse_multipart, request.headers["content-type"], body, settings.max_records
            )
            loaded = await run_in_threadpool(load_uploads, files, settings.max_file_bytes)
        else:
            payload = await run_in_threadpool(_json_body, body)
            if (
                isinstance(payload, dict)
                and ("url" in payload or "urls" in payload)
                and not ({"body", "text", "content"} & payload.keys())
            ):
                from .feeds import add_urls_body

                return await run_in_threadpool(add_urls_body, assistant, settings, payload)
            records = payload if isinstance(payload, list) else [payload]
            if not records:
                raise BadRequest("no articles given")
            _check_count(len(records))
            loaded = await run_in_threadpool(load_records, records)
        _check_count(len(loaded.articles) + len(loaded.failures))
        if not loaded.articles:
            return _all_failed(IngestReport(failed=loaded.failures))
        if sum(len(a.body) for a in loaded.articles) > settings.ingest_wait_chars:
            job = jobs.submit(len(loaded.articles), lambda progress: assistant.add_loaded(loaded, progress))
            return JSONResponse(job.to_dict(), 202, headers={"Location": f"/api/jobs/{job.id}"})
        report = await run_in_threadpool(assistant.add_loaded, loaded)
        if not (report.added or report.updated or report.unchanged or report.folded) and report.failed:
            return _all_failed(report)
        return report.to_dict()

    @api.get("/jobs/{job_id}", response_model=JobOut)
    def job(job_id: str) -> dict[str, Any]:
        """An ingestion job: ``status`` queued, running, done or failed; ``done``/``total``
        chunks embedded; ``report`` once done (``error`` when it failed)."""
        found = jobs.get(job_id)
        if found is None:
            raise NotFound(f"no job with id {job_id!r}")
        return found.to_dict()

    def _check_count(n: int) -> None:
        if n > settings.max_records:
            raise TooLarge(
                f"{n:,} articles in one request; the limit is {settings.max_records:,} "
                "(NEWSQA_MAX_RECORDS): send them in several requests"
            )

    @api.delete("/articles/{article_id}", response_model=DeletedOut)
    def delete(article_id: str) -> dict[str, Any]:
        assistant.delete(article_id)
        return {"deleted": article_id}

    @api.get("/health", response_model=HealthOut)
    def health() -> dict[str, Any]:
        """Up, and what the store holds."""
        return {"status": "ok", **assistant.stats().to_dict()}

    return api
