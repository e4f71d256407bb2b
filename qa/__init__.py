"""Asking: retrieval, evidence selection, cited answers, follow-ups, and the public API.

    from qa import Assistant
    a = Assistant.open()
    a.ask("What did France say about the withdrawal?")
"""

from .assistant import Assistant
from .errors import BadRequest, NotFound
from .schema import Answer, ArticleRef, Citation, Filters, Passage

__all__ = ["Answer", "ArticleRef", "Assistant", "BadRequest", "Citation", "Filters", "NotFound", "Passage"]
