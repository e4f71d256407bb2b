"""An OpenAI-compatible chat door: ``GET /v1/models`` and ``POST /v1/chat/completions``.

Chat front ends (Open WebUI, LibreChat, the ``openai`` client, anything that speaks the
protocol) can then talk to newsqa as if it were a model named ``newsqa``. The last user
message is the question; the earlier turns are the history, as (question, answer)
pairs, so follow-ups work. Generation fields (temperature, max_tokens, n, stop, ...)
are accepted and ignored: the answer is the assistant's checked, cited answer.

The reply's content is the cited answer followed by a short Markdown "Sources" list
(title, outlet, date, link, the quote). The same citations, structured as the REST API
gives them, are in extra fields: ``message.citations`` and ``message.refused`` (and
``message.note`` when there is one) on a completion; on a stream, the last chunk's
``delta`` carries them. Errors are OpenAI's error object
``{"error": {"message", "type", "param", "code"}}``.

With ``NEWSQA_AUTH=user:password`` set, requests need ``Authorization: Bearer
<password>`` (what OpenAI clients send as their API key) or the same basic login as the
rest of the app.

The router handles its own errors and login so that its replies keep OpenAI's shape
whatever the host app does for its other routes. Answering is CPU work: it runs in the
thread pool, never on the event loop.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

MODEL = "newsqa"
MAX_BODY = 1_000_000  # bytes: a long conversation fits, a flood does not
MAX_MESSAGES = 200
SOURCES_HEADING = "**Sources**"


class OpenAIError(Exception):
    """An error as OpenAI's API reports it."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def response(self) -> JSONResponse:
        body = {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}
        headers = {"WWW-Authenticate": 'Bearer realm="newsqa"'} if self.status == 401 else None
        return JSONResponse(body, self.status, headers=headers)


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """The fields newsqa reads; every other OpenAI field is accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(..., max_length=200)
    messages: list[ChatMessageIn] = Field(..., min_length=1, max_length=MAX_MESSAGES)
    stream: bool = False


def build_router(assistant, settings) -> APIRouter:
    """The /v1 routes over ``assistant`` (a ``qa.Assistant``). Include it without the
    app's login dependency: it checks the login itself, to accept a bearer password
    and to refuse in OpenAI's error shape."""
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible"])
    started = int(time.time())

    def check_login(request: Request) -> None:
        if not login_ok(settings, request.headers.get("authorization", "")):
            raise OpenAIError(
                401,
                "login required: send the newsqa password as the API key (Authorization: Bearer ...)",
                "invalid_request_error",
                code="invalid_api_key",
            )

    @router.get("/models", summary="The one model: newsqa")
    def models(request: Request) -> JSONResponse:
        try:
            check_login(request)
        except OpenAIError as exc:
            return exc.response()
        return JSONResponse({"object": "list", "data": [_model_card(started)]})

    @router.get("/models/{model_id}", summary="The newsqa model")
    def model(model_id: str, request: Request) -> JSONResponse:
        try:
            check_login(request)
            if model_id != MODEL:
                raise _unknown_model(model_id)
        except OpenAIError as exc:
            return exc.response()
        return JSONResponse(_model_card(started))

    @router.post("/chat/completions", summary="A cited answer, as a chat completion (stream or not)")
    async def chat_completions(request: Request):
        try:
            check_login(request)
            body = await _read_body(request)
            question, history = _conversation(body)
            if not body.stream:
                answer = await run_in_threadpool(assistant.ask, question, history)
                return JSONResponse(_completion(answer))
            items = await run_in_threadpool(assistant.ask_stream, question, history)  # bad input raises here
        except OpenAIError as exc:
            return exc.response()
        except Exception as exc:  # noqa: BLE001 - every error answers in OpenAI's shape, a crash as a 500
            return _from_assistant_error(exc).response()
        return StreamingResponse(
            _sse(items),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router


def login_ok(settings, authorization: str) -> bool:
    """``NEWSQA_AUTH=user:password``: ``Bearer <password>`` (an OpenAI client's API key,
    an MCP host's token) or the app's basic login (qa/web/auth.py's one check). Always
    true without a login."""
    from .auth import basic_credentials, credentials_ok

    if settings.login is None:
        return True
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer":  # headers arrive decoded as Latin-1; clients send the password as UTF-8
        password = token.strip().encode("latin-1", "replace").decode("utf-8", "replace")
        return any(credentials_ok(settings, user, password) for user, _ in settings.logins)  # any user's password
    creds = basic_credentials(authorization)
    return creds is not None and credentials_ok(settings, *creds)


# -- the request ----------------------------------------------------------------------
async def _read_body(request: Request) -> ChatRequest:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise OpenAIError(413, f"the request body is over {MAX_BODY:,} bytes", code="request_too_large")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise OpenAIError(413, f"the request body is over {MAX_BODY:,} bytes", code="request_too_large")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise OpenAIError(400, "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise OpenAIError(400, "the request body must be a JSON object with model and messages")
    try:
        body = ChatRequest.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e.get("loc", ()))
        raise OpenAIError(400, f"{where}: {e.get('msg')}", param=where or None) from None
    if body.model != MODEL:
        raise _unknown_model(body.model)
    return body


def _unknown_model(name: str) -> OpenAIError:
    return OpenAIError(
        404,
        f"The model {name[:100]!r} does not exist; this server has one model, {MODEL!r}",
        param="model",
        code="model_not_found",
    )


def _text(content: str | list[dict[str, Any]] | None) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if p.get("type") in ("text", "input_text"))
    return ""


def _reply_text(content: str) -> str:
    """One of our earlier replies as history: the answer without its Sources list."""
    return content.split(f"\n\n{SOURCES_HEADING}", 1)[0].strip()


def _conversation(body: ChatRequest) -> tuple[str, list[str | tuple[str, str]]]:
    """The last user message is the question; earlier user/assistant turns are the
    history as (question, answer) pairs (a question left unanswered stays a string).
    System, developer and tool messages are not questions and are ignored."""
    last = body.messages[-1]
    if last.role != "user":
        raise OpenAIError(400, "the last message must be the user's question", param="messages")
    history: list[str | tuple[str, str]] = []
    pending: str | None = None
    for m in body.messages[:-1]:
        if m.role == "user":
            if pending is not None:
                history.append(pending)
            pending = _text(m.content)
        elif m.role == "assistant" and pending is not None:
            history.append((pending, _reply_text(_text(m.content))))
            pending = None
    if pending is not None:
        history.append(pending)
    return _text(last.content), [h for h in history if (h[0] if isinstance(h, tuple) else h).strip()]


def _from_assistant_error(exc: Exception) -> OpenAIError:
    """newsqa's error family (qa/errors.py) with its own status and one-line message;
    anything else is a bug: logged, and a generic 500."""
    from qa.errors import NewsqaError

    if isinstance(exc, NewsqaError):
        kind = "invalid_request_error" if exc.status < 500 else "server_error"
        return OpenAIError(exc.status, str(exc), kind, param="messages" if exc.status == 400 else None)
    import sys

    print(f"newsqa: /v1 internal error: {exc!r}", file=sys.stderr)
    return OpenAIError(500, "internal error; the server logged it", "server_error")


# -- the reply ------------------------------------------------------------------------
def _model_card(created: int) -> dict[str, Any]:
    return {"id": MODEL, "object": "model", "created": created, "owned_by": "newsqa"}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#|!~])")


def _md(text: str) -> str:
    """Article text made inert in Markdown: one line, its markup characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def sources_markdown(answer) -> str:
    """The short Sources list that follows the answer: [n] title (linked), outlet,
    date, and the quote. Empty for a refusal."""
    if answer.refused or not answer.citations:
        return ""
    lines = [SOURCES_HEADING, ""]
    for c in answer.citations:
        a = c.passage.article
        title = _md(a.title or "(untitled)")
        if a.url.startswith(("http://", "https://")):
            title = f"[{title}](<{a.url.replace('>', '%3E').replace(' ', '%20')}>)"
        meta = ", ".join(_md(x) for x in (a.source, a.published_at[:10]) if x)
        lines.append(f"- \\[{c.n}\\] {title}" + (f" — {meta}" if meta else ""))
        lines.append(f"  > {_md(c.quote)}")
    return "\n".join(lines)


def reply_content(answer, note: bool = True) -> str:
    """The whole reply: the cited answer, its note (if any), then the Sources list."""
    parts = [answer.text]
    if answer.note and note:
        parts.append(f"*{_md(answer.note)}*")
    if sources := sources_markdown(answer):
        parts.append(sources)
    return "\n\n".join(parts)


def _extras(answer) -> dict[str, Any]:
    out: dict[str, Any] = {"citations": [c.to_dict() for c in answer.citations], "refused": answer.refused}
    if answer.note:
        out["note"] = answer.note
    return out


def _completion(answer) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": reply_content(answer), **_extras(answer)},
            }
        ],
    }


def _sse(items: Iterator) -> Iterator[str]:
    """Server-sent events in OpenAI's chunk format, ending with ``data: [DONE]``: the
    role, the checked text as it is written, the note and Sources, then a last chunk
    with ``finish_reason`` and the structured citations. A failure mid-stream is sent
    as an error event, as OpenAI does."""
    from qa.engines import shown_text

    chunk_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())

    def event(delta: dict[str, Any], finish: str | None = None) -> str:
        chunk = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
        return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"

    yield event({"role": "assistant", "content": ""})
    streamed = ""
    try:
        for item in shown_text(items):
            if isinstance(item, str):
                streamed += item
                yield event({"content": item})
                continue
            tail = reply_content(item, note=not (item.note and item.note in streamed))[len(item.text) :]
            if tail:
                yield event({"content": tail})
            yield event(_extras(item), "stop")
    except Exception as exc:  # noqa: BLE001 - the stream has started: report in-band, then end it
        import sys

        print(f"newsqa: /v1 stream failed: {exc!r}", file=sys.stderr)
        error = {
            "message": "the answer failed; the server logged it",
            "type": "server_error",
            "param": None,
            "code": None,
        }
        yield f"data: {json.dumps({'error': error})}\n\n"
    yield "data: [DONE]\n\n"
