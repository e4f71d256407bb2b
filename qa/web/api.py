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
from fastapi.responses import StreamingResponse

from ..errors import BadRequest
from .models import (
    AnswerOut,
    ArticleIn,
    ArticleOut,
    AskRequest,
    DeletedOut,
    HealthOut,
    IngestReportOut,
    PassageOut,
    SearchRequest,
    StreamLine,
)

_ADD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"anyOf": [ArticleIn.model_json_schema(), {"type": "array", "items": ArticleIn.model_json_schema()}]}},
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
        },
    }
}


def build_router(assistant, settings) -> APIRouter:
    """The /api routes over one Assistant."""
    api = APIRouter(prefix="/api")

    @api.post("/ask", response_model=AnswerOut)
    def ask(body: AskRequest, request: Request) -> dict[str, Any]:
        """A short answer whose every sentence cites a passage, or a refusal. It is added to
        the conversation ``conversation_id`` (whose turns are the history), else to a new one."""
        from .conversations import ask_in_conversation, current_user

        answer, cid = ask_in_conversation(assistant, current_user(request, settings), body.question, body.history,
                                          body.filters, body.conversation_id)
        return answer.to_dict() | {"conversation_id": cid}

    @api.post("/ask/stream", response_class=StreamingResponse,
              responses={200: {"content": {"application/x-ndjson": {"schema": StreamLine.model_json_schema()}}}})
    def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
        """Newline-delimited JSON: ``{"text": ...}`` for each checked piece an LLM writes,
        then ``{"answer": <the /api/ask object>}``. Bad input is a 4xx before the stream."""
        from .conversations import current_user, stream_in_conversation

        items = stream_in_conversation(assistant, current_user(request, settings), body.question, body.history,
                                       body.filters, body.conversation_id)

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

    @api.post("/articles", response_model=IngestReportOut, openapi_extra=_ADD_BODY)
    async def add_articles(request: Request) -> dict[str, Any]:
        """A JSON article or array of them, a multipart upload of files (field ``files``), or
        ``{"url": ...}`` / ``{"urls": [...]}``: news pages fetched (public addresses only)."""
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await request.form()
            uploads = [f for f in form.getlist("files") + form.getlist("file") if hasattr(f, "read")]
            if not uploads:
                raise BadRequest("no files in the upload (use the form field 'files')")
            files = [(up.filename or "upload", await up.read(settings.max_file_bytes + 1)) for up in uploads]
            report = await run_in_threadpool(assistant.add_uploads, files)
            return report.to_dict()
        try:
            payload = await request.json()
        except ValueError:
            raise BadRequest("the body must be a JSON article, an array of articles, or a multipart file upload") from None
        if isinstance(payload, dict) and ("url" in payload or "urls" in payload) and not (
                {"body", "text", "content"} & payload.keys()):
            from .feeds import add_urls_body

            return await run_in_threadpool(add_urls_body, assistant, settings, payload)
        records = payload if isinstance(payload, list) else [payload]
        if not records:
            raise BadRequest("no articles given")
        report = await run_in_threadpool(assistant.add_articles, records)
        return report.to_dict()

    @api.delete("/articles/{article_id}", response_model=DeletedOut)
    def delete(article_id: str) -> dict[str, Any]:
        assistant.delete(article_id)
        return {"deleted": article_id}

    @api.get("/health", response_model=HealthOut)
    def health() -> dict[str, Any]:
        """Up, and what the store holds."""
        return {"status": "ok", **assistant.stats().to_dict()}

    return api
