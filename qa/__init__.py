"""Asking: retrieval, evidence selection, cited answers, follow-ups, and the public API.

    from qa import Assistant
    a = Assistant.open()
    a.ask("What did France say about the withdrawal?")

Errors: every one newsqa raises is a ``NewsqaError`` (the family is listed in qa/errors.py).
"""

from .assistant import Assistant
from .errors import BadRequest, LoadError, NewsqaError, NotFound, SettingsError, StoreError, Unavailable
from .llm import LLMError
from .schema import Answer, ArticleInfo, ArticleRef, ArticleText, Citation, Filters, Passage, Stats

__all__ = [
    "Answer",
    "ArticleInfo",
    "ArticleRef",
    "ArticleText",
    "Assistant",
    "BadRequest",
    "Citation",
    "Filters",
    "LLMError",
    "LoadError",
    "NewsqaError",
    "NotFound",
    "Passage",
    "SettingsError",
    "Stats",
    "StoreError",
    "Unavailable",
]
