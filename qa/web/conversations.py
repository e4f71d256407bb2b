"""Saved conversations over HTTP: the REST routes under /api/conversations (behind the
login), the read-only shared page at /shared/{share_id} (no login: the unguessable id
is the key, and the page shows that one conversation and nothing else), and
``ask_in_conversation``, which /api/ask uses to keep a REST client's conversation.

Thin over ``assistant.conversations`` (qa.conversations). The owner of everything is
the login's user name ("" without a login), so users of one app never see each
other's conversations. Every route is a plain ``def``: FastAPI runs it in its thread
pool, so SQLite never blocks the event loop.
"""

from __future__ import annotations

import secrets
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from ..errors import BadRequest, NotFound
from .auth import basic_credentials
from .format import conversation_markdown, shared_page
from .models import AnswerOut


# -- bodies ------------------------------------------------------------------------------
class ConversationSummaryOut(BaseModel):
    id: str
    title: str
    created_at: str
    updated_at: str
    turns: int = Field(..., description="how many questions were asked in it")
    shared: bool
    share_id: str | None = Field(None, description="the share link's id (/shared/{share_id}) while it is shared")


class MessageOut(BaseModel):
    question: str
    asked_at: str
    answer: AnswerOut


class ConversationOut(ConversationSummaryOut):
    messages: list[MessageOut]


class RenameIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(..., min_length=1, max_length=500)


class ShareOut(BaseModel):
    share_id: str
    path: str = Field(..., description="the read-only page, relative to the app's address")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn: int = Field(..., ge=0, description="which answer of the conversation, from 0")
    rating: Literal["up", "down"]
    reason: str = Field("", max_length=200, description='optional, e.g. "wrong source" or "missed the point"')


class FeedbackOut(BaseModel):
    conversation_id: str
    turn: int
    rating: Literal["up", "down"]
    reason: str


# -- who is asking -------------------------------------------------------------------------
def current_user(request: Request | None, settings: Any) -> str:
    """The login's user name ("" when the app has no login). The login itself was
    already checked by the router's dependency (or by Gradio, which sets ``username``)."""
    if settings.login is None or request is None:
        return ""
    name = getattr(request, "username", None)
    if isinstance(name, str) and name:
        return name
    creds = basic_credentials(request.headers.get("authorization"))
    return creds[0] if creds else ""


def ask_in_conversation(assistant, owner: str, question: str, history: list, filters: Any, conversation_id: str | None):
    """Ask within a stored conversation (its turns are the history) or start one; the
    turn is saved. Returns (Answer, conversation id)."""
    store = assistant.conversations
    if conversation_id:
        if history:
            raise BadRequest("give either conversation_id or history, not both (the conversation holds its history)")
        conv = store.get(conversation_id, owner)  # NotFound before any work
        history = conv.history()
    answer = assistant.ask(question, history=history, filters=filters)
    if not conversation_id:
        conversation_id = store.create(owner, question).id
    store.append(conversation_id, owner, question, answer)
    return answer, conversation_id


def stream_in_conversation(
    assistant, owner: str, question: str, history: list, filters: Any, conversation_id: str | None
):
    """``ask_in_conversation`` for a streamed answer: (piece, None) for each checked piece
    of text, then (Answer, conversation id) once the answer is saved. Bad input (and an
    unknown conversation) raises here, before the stream starts."""
    store = assistant.conversations
    if conversation_id:
        if history:
            raise BadRequest("give either conversation_id or history, not both (the conversation holds its history)")
        history = store.get(conversation_id, owner).history()
    items = assistant.ask_stream(question, history=history, filters=filters)

    def run():
        cid = conversation_id
        for item in items:
            if isinstance(item, str):
                yield item, None
                continue
            if not cid:
                cid = store.create(owner, question).id
            store.append(cid, owner, question, item)
            yield item, cid

    return run()


# -- routers -------------------------------------------------------------------------------
def build_router(assistant, settings) -> APIRouter:
    """/api/conversations: list, read, rename, delete, export, share, feedback."""
    api = APIRouter(prefix="/api/conversations", tags=["conversations"])
    store = lambda: assistant.conversations  # noqa: E731 - opened on first use

    @api.get("", response_model=list[ConversationSummaryOut])
    def list_conversations(request: Request) -> list[dict[str, Any]]:
        """Your conversations, last used first."""
        return [c.to_dict(turns=False) for c in store().list(current_user(request, settings))]

    @api.get("/{conversation_id}", response_model=ConversationOut)
    def get_conversation(conversation_id: str, request: Request) -> dict[str, Any]:
        """One conversation: every question with its answer and citations."""
        return store().get(conversation_id, current_user(request, settings)).to_dict()

    @api.patch("/{conversation_id}", response_model=ConversationSummaryOut)
    def rename_conversation(conversation_id: str, body: RenameIn, request: Request) -> dict[str, Any]:
        """Give it a new title."""
        return store().rename(conversation_id, current_user(request, settings), body.title).to_dict(turns=False)

    @api.delete("/{conversation_id}")
    def delete_conversation(conversation_id: str, request: Request) -> dict[str, str]:
        """Delete it (and its share link)."""
        store().delete(conversation_id, current_user(request, settings))
        return {"deleted": conversation_id}

    @api.get(
        "/{conversation_id}/export.md",
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/markdown": {}}}},
    )
    def export_markdown(conversation_id: str, request: Request) -> PlainTextResponse:
        """The conversation as Markdown: questions, answers with their markers, and each
        answer's numbered sources with title, outlet, date, URL and the exact quote."""
        conv = store().get(conversation_id, current_user(request, settings))
        return PlainTextResponse(
            conversation_markdown(conv),
            media_type="text/markdown; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="conversation-{conv.id}.md"'},
        )

    @api.post("/{conversation_id}/share", response_model=ShareOut)
    def share(conversation_id: str, request: Request) -> dict[str, str]:
        """A read-only link anyone holding it can open without the login; the same one
        until revoked."""
        share_id = store().share(conversation_id, current_user(request, settings))
        return {"share_id": share_id, "path": f"/shared/{share_id}"}

    @api.delete("/{conversation_id}/share")
    def unshare(conversation_id: str, request: Request) -> dict[str, str]:
        """Revoke the share link (it answers 404 from now on)."""
        store().unshare(conversation_id, current_user(request, settings))
        return {"unshared": conversation_id}

    @api.post("/{conversation_id}/feedback", response_model=FeedbackOut)
    def feedback(conversation_id: str, body: FeedbackIn, request: Request) -> dict[str, Any]:
        """Thumbs up or down on one answer (giving it again replaces it)."""
        fb = store().give_feedback(
            conversation_id, current_user(request, settings), body.turn, body.rating, body.reason
        )
        return {"conversation_id": fb.conversation_id, "turn": fb.position, "rating": fb.rating, "reason": fb.reason}

    return api


# The shared page runs only its own inline script and style (by nonce), loads nothing,
# cannot be framed, and sends no Referer (the link is the key: it must not leak to the
# article sites a reader clicks through to).
_PAGE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "no-store",
}


def share_router(assistant, settings) -> APIRouter:
    """GET /shared/{share_id}: no login (registered outside it); one conversation, read-only."""
    router = APIRouter()

    @router.get("/shared/{share_id}", response_class=HTMLResponse, include_in_schema=False)
    def shared(share_id: str) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        headers = dict(_PAGE_HEADERS)
        headers["Content-Security-Policy"] = (
            f"default-src 'none'; script-src 'nonce-{nonce}'; "
            f"style-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors 'none'"
        )
        try:
            conv = assistant.conversations.shared(share_id) if len(share_id) < 100 else None
        except NotFound:
            conv = None
        if conv is None:
            return HTMLResponse(
                "<!doctype html><title>Not found</title><p>This shared conversation does not exist "
                "or is no longer shared.</p>",
                404,
                headers=headers,
            )
        return HTMLResponse(shared_page(conv, nonce), headers=headers)

    return router
