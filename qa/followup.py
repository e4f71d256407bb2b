"""Follow-up questions without an LLM.

"And what did Kuleba say?", "When was that?", "Why?" only make sense with the
conversation. A follow-up (short, or leaning on a pronoun, or opening with "and",
"what about") is rewritten into a standalone question: it keeps its own words and
borrows the topic of the previous standalone question; when it names a new person or
body, that one replaces the previous question's entities ("And what did Kuleba say?"
after "What did France say about the withdrawal?" becomes "what did Kuleba say about
the withdrawal"). The previous question's sources are then preferred by retrieval.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .evidence import question_entities

_LEAD = re.compile(r"^\s*(and|but|so|also|ok(ay)?|then|well)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(what|how)\s+about\b\s*", re.I)
_BACKREF = re.compile(r"\b(that|this|it|they|them|he|she|him|her|his|its|their|there|then|those|these)\b", re.I)
_TOPIC = re.compile(r"\b(about|on|regarding|concerning|over|of)\b\s+(.+)$", re.I)
_PREDICATE = re.compile(r"^\s*(what|how|why|when|where|who)\s+(did|does|do|is|was|were|are|has|have)\s+(.+?)\s+"
                        r"(say|think|do|react|respond|announce|claim|want|mean|warn)\b", re.I)


def _text(item: str | tuple[str, str] | list[str]) -> str:
    if isinstance(item, (tuple, list)):
        return str(item[0]) if item else ""
    return str(item)


def is_follow_up(question: str) -> bool:
    words = question.split()
    return (
        len(words) <= 4
        or bool(_LEAD.match(question))
        or bool(_ABOUT.match(question))
        or (len(words) <= 9 and bool(_BACKREF.search(question)))
    )


def condense(question: str, history: Sequence[str | tuple[str, str] | list[str]]) -> tuple[str, str | None]:
    """(standalone question, the previous standalone question or None)."""
    previous: str | None = None
    for item in history:  # resolve the conversation in order, each turn against the one before
        q = _text(item).strip()
        if not q:
            continue
        previous = _merge(q, previous) if previous and is_follow_up(q) else q
    if previous is None or not is_follow_up(question):
        return question, previous
    return _merge(question, previous), previous


def _merge(question: str, previous: str) -> str:
    q = _LEAD.sub("", question).strip().rstrip("?").strip()
    prev = previous.strip().rstrip("?").strip()
    about = _ABOUT.match(q)
    if about:  # "what about Germany?" -> the previous question with Germany in place of its entities
        subject = q[about.end():].strip()
        m = _PREDICATE.match(prev)
        if m:
            return f"{m.group(1)} {m.group(2)} {subject} {m.group(4)}{prev[m.end():]}"
        return f"{subject} {_topic(prev)}".strip()
    new_entities = question_entities(q)
    if new_entities:
        topic = _topic(prev)
        return f"{q} {topic}".strip() if topic and topic.lower() not in q.lower() else q
    # no new entity: the follow-up leans on the previous question ("When was that?", "Why?")
    return f"{q} ({prev[:1].lower()}{prev[1:]})"


def _topic(prev: str) -> str:
    m = _TOPIC.search(prev)
    if m:
        return f"{m.group(1).lower()} {m.group(2)}"
    return ""
