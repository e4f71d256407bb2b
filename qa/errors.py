"""newsqa's one error family: every error a user can meet, and what each interface does with it.

::

    NewsqaError            (index.errors)  status 500, exit 1   root: catch this to catch them all
    ├── BadRequest         (qa.errors)     status 400, exit 2   input that cannot be answered as given
    │   └── TooLarge       (qa.errors)     status 413, exit 2   a request over a size or count limit
    ├── NotFound           (qa.errors)     status 404, exit 1   an article id that is not stored
    ├── LoadError          (index.errors)  status 400, exit 1   one file/record/upload cannot become an article
    │   ├── FetchError     (index.fetch)   a URL cannot be fetched or is refused (one line in the report)
    │   └── FeedError      (index.feeds)   a feed cannot be followed (the Assistant raises BadRequest/NotFound)
    ├── SettingsError      (index.errors)  status 500, exit 2   an invalid NEWSQA_* setting
    └── Unavailable        (index.errors)  status 503, exit 3   a service newsqa needs is down
        ├── StoreError     (index.errors)  the Chroma store (embedded or server) failed or is unreachable
        └── LLMError       (qa.llm)        the configured LLM cannot answer (answers fall back to extractive)

Every error's message is one line fit to show the user. The web layer turns any
``NewsqaError`` into ``{"error": message}`` with ``exc.status`` (qa/web/server.py), the
CLI prints ``newsqa: error: message`` and exits with ``exc.exit_code`` (qa/cli.py); both
in one place. Anything else is a bug: logged, answered with a generic 500.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from index.errors import LoadError, NewsqaError, SettingsError, StoreError, Unavailable


class BadRequest(NewsqaError):
    """Input that cannot be answered as given (empty question, bad filter, ...)."""

    status = 400
    exit_code = 2


class TooLarge(BadRequest):
    """A request over one of the web doors' limits (body size, articles per request)."""

    status = 413
    exit_code = 2


class NotFound(NewsqaError):
    """An article id that is not in the store."""

    status = 404
    exit_code = 1


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """The first of pydantic's validation errors as one line: ``where: what``.

    Our own validators raise ``ValueError`` with a full sentence that names its field
    ("since must be a date ..."); pydantic's "Value error, " prefix is dropped, and so
    is the field from ``where`` when the sentence already starts with it."""
    if not errors:
        return "invalid input"
    e = errors[0]
    loc = [str(x) for x in e.get("loc", ()) if x != "body"]
    if e.get("type") == "json_invalid":
        return "the request body is not valid JSON"
    if e.get("type") == "extra_forbidden":
        return f"unknown field {'.'.join(loc)!r}"
    ctx = e.get("ctx") or {}
    msg = str(ctx["error"]) if e.get("type") == "value_error" and "error" in ctx else str(e.get("msg", "invalid"))
    if loc and msg.startswith(loc[-1] + " "):
        loc = loc[:-1]
    return f"{'.'.join(loc)}: {msg}" if loc else msg


__all__ = [
    "BadRequest",
    "LoadError",
    "NewsqaError",
    "NotFound",
    "SettingsError",
    "StoreError",
    "TooLarge",
    "Unavailable",
    "validation_message",
]
