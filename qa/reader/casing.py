"""Capitals restored to a question typed in lower case.

People type "how many goals did ronaldo score" or "since when have jada and will smith
been separated". The reader finds names, speakers and outlets by their capitals, so such
a question names nobody: the missing-name check, the name features and speaker
attribution do nothing for it. The retrieved passages say how the words are written: a
phrase that they spell with capitals wherever it stands inside a sentence is a name, and
it takes their spelling ("Ronaldo", "Will Smith", "Vision Pro", "NBA"). A word that the
passages also write in lower case ("will", "apple" in a recipe) stays as typed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .names import PARTICLES

_WORD = re.compile(r"[a-z0-9][\w'’-]*", re.I)
_LONGEST = 4  # words in a name looked up at once ("bank of america merrill")
_OPENERS = set('.!?:;"“”‘’([\n')  # what comes before a sentence's (or a quotation's) first word
_CAPITALISED_SHARE = 0.8  # of the phrase's occurrences inside sentences


def lower_case(text: str) -> bool:
    """Whether a question is typed without capitals after its first word."""
    return not any(w[0].isupper() for w in _WORD.findall(text)[1:])


def truecase(text: str, sources: Sequence[str], not_names: set[str] | frozenset[str] = frozenset()) -> str:
    """``text`` with each phrase the sources write as a name written as they write it;
    ``text`` itself when it already has capitals after its first word (its writer
    capitalised the names) or the sources write none of its words as a name.
    ``not_names``: words never a name on their own (question words, pronouns, months)."""
    if not lower_case(text) or not sources:
        return text
    tokens = list(_WORD.finditer(text))
    out: list[str] = []
    end = 0
    i = 0
    while i < len(tokens):
        for length in range(min(_LONGEST, len(tokens) - i), 0, -1):
            span = tokens[i : i + length]
            if any(text[a.end() : b.start()] != " " for a, b in zip(span, span[1:])):
                continue  # a name does not run across punctuation
            ws = [t.group() for t in span]
            if ws[-1].lower() in not_names or ws[-1].lower() in PARTICLES or ws[0].lower() in PARTICLES:
                continue
            if length == 1 and (ws[0].lower() in not_names or ws[0].isdigit()):
                continue
            form = _written_as(ws, sources, least=1 if length > 1 else 2)
            if form is None:
                continue
            out.append(text[end : span[0].start()] + form)
            end = span[-1].end()
            i += length
            break
        else:
            i += 1
    out.append(text[end:])
    return "".join(out)


def _written_as(ws: list[str], sources: Sequence[str], least: int) -> str | None:
    """How the sources write the phrase inside sentences when they write it as a name
    (every word but the little ones capitalised, in most of its occurrences)."""
    # a possessive or plural the question adds ("ronaldo's") is not part of the name
    core = [re.sub(r"(?:'s|’s|')$", "", w) for w in ws]
    pattern = re.compile(r"(?<![\w'’-])" + r"\s+".join(re.escape(w) for w in core) + r"(?![\w-])", re.I)
    forms: Counter[str] = Counter()
    seen = 0
    for src in sources:
        for m in pattern.finditer(src):
            k = m.start()
            while k > 0 and src[k - 1] in " \t":
                k -= 1
            if k == 0 or src[k - 1] in _OPENERS:
                continue  # a sentence's first word is capitalised whatever it is
            seen += 1
            if _name_like(m.group()):
                forms[" ".join(m.group().split())] += 1
    if not forms or sum(forms.values()) < max(least, _CAPITALISED_SHARE * seen):
        return None
    form = forms.most_common(1)[0][0]
    return form + ws[-1][len(core[-1]) :]  # the possessive back


def _name_like(phrase: str) -> bool:
    words = phrase.split()
    return all(w[:1].isupper() or w.lower() in PARTICLES for w in words) and words[0][:1].isupper()
