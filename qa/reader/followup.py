"""Follow-up questions without an LLM.

"And Ukraine?", "Where was she working before that?", "What was the vote count?" only
make sense with the conversation. ``history`` holds the earlier questions, oldest first,
each alone or with the answer given ((question, answer) pairs). A follow-up is rewritten
into a standalone question:

- a bare name or phrase ("And Ukraine?", "What about the second vote?") takes the place
  of the person, body or thing the previous question asked about ("What did Ukraine say
  about the withdrawal?");
- a pronoun ("he", "her", "they") becomes the person the previous *answer* named, or
  failing that the one the previous question named;
- whatever else it leans on comes from the previous question, kept in brackets after it
  ("What was the vote count? (What did Calder's provincial assembly pass on Wednesday)"),
  so retrieval finds the same story; the previous answer's articles are preferred.

A question counts as a follow-up when it leads with "and"/"what about", is very short,
leans on a pronoun, or names nothing at all while a conversation is going on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import gender_guesser.detector

from .names import words
from .questions import proper_names, speaker_of

_LEAD = re.compile(r"^\s*(?:and|but|so|also|ok(?:ay)?|then|well|now)\b[\s,]*", re.I)
_ABOUT = re.compile(r"^\s*(?:what|how)\s+about\b\s*", re.I)
# a contraction goes with its pronoun ("she's replacing" -> "Ana Matos replacing", not
# "Ana Matos's replacing"): "is"/"has"/"will" are nothing to search for
_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|himself|herself)\b(?:['’](?:s|d|ll)\b)?", re.I)
_GROUP_PRONOUN = re.compile(r"\b(they|them|their|theirs)\b(?:['’](?:re|ve|d|ll)\b)?", re.I)
_BACKREF = re.compile(
    r"\b(?:that|this|it|its|they|them|he|she|him|her|his|their|there|then|those|these|the same)\b", re.I
)
_QUESTION_WORD = re.compile(
    r"^\s*(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has|have|"
    r"had|can|could|will|would|should)\b",
    re.I,
)

# "Emily Hand's dad" is a he, whatever Emily is
_KIN = {
    "m": "father|dad|husband|brother|son|boyfriend|uncle|grandfather|nephew",
    "f": "mother|mom|mum|wife|sister|daughter|girlfriend|aunt|grandmother|niece",
}
_KIN_OF = re.compile(r"((?:[A-Z][\w.\-’']*\s+)*[A-Z][\w.\-]*)['’]s\s+(" + "|".join(_KIN.values()) + r")\b")
# "Warner Music's CEO" is a he or a she, whatever Warner Music is
_ROLE_OF = re.compile(
    r"((?:[A-Z][\w.\-’']*\s+)*[A-Z][\w.\-]*)['’]s\s+(?:chief executive|CEO|boss|chief|(?:co-?)?founder|president|"
    r"chair(?:man|woman)?|coach|manager|owner|spokes(?:man|woman|person)|lawyer|attorney|director|head coach|"
    r"leader|captain|minister|economist|analyst|star|striker|quarterback|goalkeeper)\b"
)

Turn = str | tuple[str, str] | list[str]


@dataclass
class Condensed:
    standalone: str  # the question as it would be asked alone
    previous: str | None = None  # the previous standalone question
    previous_answer: str | None = None  # what was answered to it, when the history says
    own: str | None = None  # the follow-up's own words, resolved, without what it borrowed

    @property
    def asked(self) -> str:
        """What the question itself asks (its kind, names and speaker are read from this)."""
        return self.own or self.standalone


def _parts(item: Turn) -> tuple[str, str | None]:
    if isinstance(item, (tuple, list)):
        q = str(item[0]) if item else ""
        a = str(item[1]) if len(item) > 1 and item[1] is not None else None
        return q, a
    return str(item), None


def is_follow_up(question: str, in_conversation: bool = True) -> bool:
    words_ = question.split()
    if _LEAD.match(question) or _ABOUT.match(question) or len(words_) <= 4:
        return True
    if len(words_) <= 12 and _BACKREF.search(question):
        return True
    if in_conversation and len(words_) <= 20 and _PERSON_PRONOUN.search(question) and not proper_names(question):
        return True  # "How old is he, and how long has he been in the job?": he is named before
    return in_conversation and len(words_) <= 12 and not proper_names(question)


def condense(question: str, history: Sequence[Turn]) -> Condensed:
    """The standalone form of ``question`` given the conversation so far."""
    previous: str | None = None
    answer: str | None = None
    for item in history:  # each turn resolved against the one before
        q, a = _parts(item)
        q = q.strip()
        if not q:
            continue
        previous = _merge(q, previous, answer) if previous and is_follow_up(q) else q
        answer = a
    if previous is None or not is_follow_up(question):
        return Condensed(question, previous, answer)
    standalone = _merge(question, previous, answer)
    return Condensed(standalone, previous, answer, own_words(standalone))


def own_words(standalone: str) -> str | None:
    """A resolved follow-up's own words, without what it borrowed from the previous
    question (kept in brackets after them); None for a question that borrowed nothing."""
    return standalone.split("? (", 1)[0] + "?" if "? (" in standalone else None


def _merge(question: str, previous: str, answer: str | None) -> str:
    q = _LEAD.sub("", question).strip().rstrip("?").strip()
    prev = previous.strip().rstrip("?").strip()
    prev_core = prev.split("? (", 1)[0].rstrip("?")  # a previous follow-up's own words, without its brackets
    about = _ABOUT.match(q)
    if about:
        q = q[about.end() :].strip()
    if q and (about or not _QUESTION_WORD.match(q)) and len(q.split()) <= 6:
        return _substitute(prev_core, q)  # "And Ukraine?" -> the previous question about Ukraine
    resolved = _resolve_pronouns(q, prev_core, answer)
    context = prev.replace("? (", "; ").rstrip(")")  # a chain keeps what each turn leaned on
    return f"{resolved}? ({context})"


def _substitute(prev: str, phrase: str) -> str:
    """The previous question with ``phrase`` in place of whom or what it asked about."""
    who = speaker_of(prev)
    if who and who in prev:
        return prev.replace(who, phrase, 1) + "?"
    names = proper_names(prev)
    if names:
        return prev.replace(names[0], phrase, 1) + "?"
    return f"{prev}: {phrase}?"


def _resolve_pronouns(q: str, prev: str, answer: str | None) -> str:
    """ "He"/"she" become whom the previous turn was about: the person its answer named
    when it asked who, else the one it asked about; "they" becomes the body or team the
    previous question named (else the answer's, when it asked who or which)."""
    asked = proper_names(prev)
    answered = _answer_names(answer, prev) if answer else []
    asked_who = bool(re.match(r"\s*(?:who|whom|which \w+)\b", prev, re.I))
    person = _PERSON_PRONOUN.search(q)
    if person:
        pattern = _PERSON_PRONOUN
        who = speaker_of(prev)
        if asked_who and answered and not _WHO_IS_NAMED.match(prev):
            candidates = [*answered, *([who] if who else []), *asked]
        else:
            candidates = [*([who] if who else []), *asked, *answered]
        kin = _phrases(_KIN_OF, prev, candidates)
        roles = _phrases(_ROLE_OF, prev, candidates)  # fit either pronoun
        employers = {_ROLE_OF.match(r).group(1) for r in roles}  # a company is no he
        candidates = [*kin, *roles, *(c for c in candidates if c not in employers and c not in roles)]
        wanted = "m" if person.group(1).lower() in ("he", "him", "his", "himself") else "f"
        # a first name known to fit before one that may ("Civic Data" is nobody's), and
        # a name the answer calls by its last word is a person's ("Zhao shared ...")
        referent = next(
            (c for c in candidates if c in roles or _gender(c) == wanted or (c in asked and _by_surname(c, answer))),
            None,
        ) or next((c for c in candidates if _gender(c) is None), None)
    elif _GROUP_PRONOUN.search(q):
        pattern = _GROUP_PRONOUN
        # the answer's body only when the previous question asked for one ("Which team
        # won?"): after "Should you bring him home?", "they" are the story's people, not
        # a company its answer happened to name
        referent = asked[0] if asked else (answered[0] if answered and asked_who else None)
    else:
        return q
    if referent is None:
        return q

    def repl(m: re.Match) -> str:
        w = m.group(1).lower()
        possessive = w in ("his", "hers", "their", "theirs") or (w == "her" and _possessive_her(q, m))
        return f"{referent}'s" if possessive else referent

    return pattern.sub(repl, q, count=1)


# "Who is Adam Yedidia and why ...?": the question is about the person it names
_WHO_IS_NAMED = re.compile(r"\s*who(?:'s|’s| is| was)\s+[A-Z]")


def _phrases(pattern: re.Pattern, prev: str, names: list[str]) -> list[str]:
    """ "Emily Hand's dad" (``_KIN_OF``) or "Warner Music's CEO" (``_ROLE_OF``) for a name
    of ``names`` followed by a kinship word or a person's role in ``prev``: who a pronoun
    may mean when the name itself does not fit it."""
    return [m.group(0) for m in pattern.finditer(prev) if m.group(1) in names]


def _by_surname(name: str, answer: str | None) -> bool:
    """Whether ``answer`` calls the person ``name`` (of a first name nobody's list
    holds, "Changpeng Zhao") by the last word alone, as news does with people and not
    with bodies ("Zhao shared in a post", never "Reserve said")."""
    parts = name.split()
    if not answer or len(parts) < 2 or _gender(name) is not None:
        return False
    alone = len(re.findall(rf"\b{re.escape(parts[-1])}\b", answer))
    return alone > len(re.findall(rf"\b{re.escape(name)}\b", answer))


@cache
def _detector() -> gender_guesser.detector.Detector:
    return gender_guesser.detector.Detector(case_sensitive=False)


def _gender(name: str) -> str | None:
    """ "m", "f" or None (unknown, a body, a first name used for both): so that "he"
    is not taken to mean Emily. Read from gender-guesser's first-name lists."""
    kin = re.search(r"['’]s\s+(\w+)$", name)
    if kin:
        return next((g for g, pattern in _KIN.items() if re.fullmatch(pattern, kin.group(1))), None)
    guess = _detector().get_gender(name.split()[0])
    return {"male": "m", "female": "f"}.get(guess)  # "mostly" (Taylor) may be either


def _possessive_her(q: str, m: re.Match) -> bool:
    """ "her crews" (possessive) rather than "replace her" (object)."""
    rest = q[m.end() :].lstrip()
    return (
        bool(rest)
        and rest[0].isalpha()
        and not re.match(r"(?:to|in|at|for|with|by|from|about|before|after|as)\b", rest)
    )


def _answer_names(answer: str, prev: str) -> list[str]:
    """The names of several words in an answer that share nothing with the previous
    question (whom the answer is about: "Bumble named Lidiane Jones ..." -> "Lidiane Jones")."""
    asked = set(words(prev))
    text = re.sub(r"\[\d+\]", " ", answer)
    out = []
    for name in proper_names(text):
        parts = name.split()
        while parts and set(words(parts[0])) <= asked:  # a title the question used ("Judge")
            parts = parts[1:]
        if len(parts) >= 2 and not set(words(" ".join(parts))) & asked:
            out.append(" ".join(parts))
    return out
