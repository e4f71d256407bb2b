"""A conversation's earlier turns, in whichever shape an interface holds them, made one shape.

Accepted items, oldest first: a question (``str``); a ``(question, answer)`` pair (tuple
or list, as JSON gives it); a chat message ``{"role": "user"|"assistant", "content": ...}``
(Gradio's and OpenAI's shape; ``content`` may be a list of typed parts). The result is
what the follow-up rules read: questions, each paired with its answer when one is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import BadRequest

Turn = str | tuple[str, str]


def message_text(content: Any) -> str:
    """A chat message's text: a string, or a list of typed parts (Gradio 6, OpenAI)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") if isinstance(p, Mapping) else str(p) for p in content)
    if isinstance(content, Mapping):
        return str(content.get("text", ""))
    return ""


def _message(item: Any) -> tuple[str, str] | None:
    """(role, text) when ``item`` is a chat message (a mapping or an object with ``role``)."""
    if isinstance(item, Mapping) and "role" in item:
        return str(item["role"]), message_text(item.get("content"))
    role = getattr(item, "role", None)
    role = getattr(role, "value", role)  # llama-index's MessageRole is an enum of strings
    if isinstance(role, str):
        return role, message_text(getattr(item, "content", ""))
    return None


def normalise_history(
    history: Iterable[Any] | None, max_turns: int | None = None, max_chars: int | None = None
) -> list[Turn]:
    """The turns as questions or (question, answer) pairs, oldest first; over
    ``max_turns`` items or ``max_chars`` characters in all is a ``BadRequest`` (a
    conversation is kept short so each question stays cheap to answer)."""
    items = list(history or []) if not isinstance(history, (str, bytes)) else [history]
    if max_turns is not None and len(items) > max_turns:
        raise BadRequest(f"the history has {len(items):,} items; the limit is {max_turns:,} (NEWSQA_MAX_HISTORY_TURNS)")
    turns = _turns(items)
    if max_chars is not None:
        size = sum(len(t) if isinstance(t, str) else len(t[0]) + len(t[1]) for t in turns)
        if size > max_chars:
            raise BadRequest(
                f"the history holds {size:,} characters; the limit is {max_chars:,} (NEWSQA_MAX_HISTORY_CHARS)"
            )
    return turns


def _turns(items: list[Any]) -> list[Turn]:
    turns: list[Turn] = []
    for item in items:
        msg = _message(item)
        if msg is not None:
            role, text = msg
            if role == "user":
                turns.append(text)
            elif role == "assistant" and turns and isinstance(turns[-1], str):
                turns[-1] = (turns[-1], text)  # the answer to the question before it
            continue  # system prompts and tool messages are not turns
        if isinstance(item, str):
            turns.append(item)
        elif isinstance(item, (tuple, list)) and item and all(isinstance(x, str) for x in item):
            turns.append((item[0], item[1] if len(item) > 1 else ""))
        else:
            raise BadRequest("history items must be questions, [question, answer] pairs or chat messages")
    return turns
