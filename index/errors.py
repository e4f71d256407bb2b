"""The root of newsqa's one error family, and the errors the ``index`` half raises.

The whole family is documented in ``qa/errors.py`` (``index`` must not import ``qa``,
so the root lives here). Every error carries what an interface needs to report it
without knowing its type: ``status`` (the HTTP status the web layer answers with) and
``exit_code`` (what the ``newsqa`` command exits with); its message is one line a user
can act on.
"""

from __future__ import annotations


class NewsqaError(Exception):
    """Anything newsqa reports to a user as one line (never a traceback)."""

    status: int = 500
    exit_code: int = 1


class LoadError(NewsqaError):
    """One input (file, record, upload) that cannot become an article; the message is
    the reason. Loaders turn it into a ``Failure`` in the report and go on."""

    status = 400
    exit_code = 1


class SettingsError(NewsqaError):
    """A ``NEWSQA_*`` setting (or an override of it) is invalid."""

    status = 500
    exit_code = 2


class Unavailable(NewsqaError):
    """Something the app needs (the store, an LLM server) cannot be used right now."""

    status = 503
    exit_code = 3


class StoreError(Unavailable):
    """The Chroma store cannot be reached or used; the message says what to do."""
