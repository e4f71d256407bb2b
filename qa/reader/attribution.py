"""Who says what: a statement attributed to the person or body a question asks about.

News puts the speaker in the sentence ("..., French government spokesman Gabriel Attal
said"), before it ("Kuleba said on Tuesday. “We have a rule ...,” he told ...") or
after it (a bare quotation, then "the chancellor said."). A unit is read with the
sentences around it when it does not name its own speaker: the one or two before when
it leans on a pronoun or is a bare quotation, the next one when that one names a
speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lexical import LexicalIndex
from .kinds import QUOTE, SPEECH
from .names import mentions, same_word, words
from .questions import NOT_NAMES, proper_names
from .sentences import Unit, chunk_units

_PRONOUN_SPEAKER = re.compile(
    r"\b(?:he|she|they|it|we|i)\s+(?:\w+\s+)?(?:said|says|told|added|continued|went on|insisted|"
    r"stressed|warned|argued|explained|wrote|noted|asked|replied)\b|\b(?:said|added|continued)\s+"
    r"(?:he|she|they)\b",
    re.I,
)
_ROLE_STOP = {"the", "a", "an", "of", "in", "at", "for", "and", "to", "new", "former", "then", "from", "on", "s"}


@dataclass(frozen=True)
class Speaker:
    """Who a question asks about: the names in the phrase, and the rest of its words
    (a role such as "manager", "search liaison", "renters' union")."""

    phrase: str
    names: tuple[str, ...]
    roles: tuple[str, ...]

    @classmethod
    def of(cls, phrase: str) -> Speaker:
        names = tuple(proper_names(phrase))
        name_words = {w for n in names for w in words(n)}
        roles = tuple(w for w in words(phrase) if w not in name_words and w not in _ROLE_STOP and len(w) > 2)
        return cls(phrase, names, roles)

    def named_in(self, text_words: list[str] | set[str]) -> bool:
        """The words name the speaker: one of its names, or its role (every word of it)."""
        if any(mentions(text_words, n) for n in self.names):
            return True
        return bool(self.roles) and all(any(same_word(r, w) for w in text_words) for r in self.roles)


_QUOTED = re.compile(r"[“\"][^”\"]*[”\"]")
_WINDOW = 8  # words either side of a verb of saying where its speaker is named


def speaker_words(text: str) -> list[str]:
    """The words of a text that can name who is speaking: quotations taken out, the
    words around each verb of saying, and the first words of each sentence (its subject).
    "the Ukrainians can win," he said names nobody; "..., Ukrainian Foreign Minister
    Dmitro Kuleba said" names Kuleba and Ukraine."""
    plain = _QUOTED.sub(" . ", text)
    out: list[str] = []
    for m in SPEECH.finditer(plain):
        before = words(plain[: m.start()])[-_WINDOW:]
        after = words(plain[m.end() :])[:_WINDOW]
        out += ["."] + before + after
    for sentence in re.split(r"(?<=[.!?])\s+", plain):
        out += ["."] + words(sentence)[:6]
    return out


def needs_context(unit: Unit) -> bool:
    """A statement that does not name who makes it within itself."""
    text = unit.text
    if _PRONOUN_SPEAKER.search(text):
        return True
    if QUOTE.search(text):
        outside = re.sub(r"[“\"][^”\"]*[”\"]", " ", text)
        return not proper_names(outside)
    return False


def contexts(units: list[Unit], back: int = 3) -> list[str]:
    """For each unit (in passage and text order), the text its speaker is read from:
    itself, and when it does not name its speaker, up to ``back`` sentences before it
    in its passage and the next one when that one reports speech."""
    out = []
    for i, u in enumerate(units):
        text = u.text
        if needs_context(u):
            same = [v for v in units[max(0, i - back) : i] if v.passage.chunk_id == u.passage.chunk_id]
            text = " ".join(v.text for v in same) + " " + text
            nxt = units[i + 1] if i + 1 < len(units) else None
            if nxt is not None and nxt.passage.chunk_id == u.passage.chunk_id and SPEECH.search(nxt.text):
                text += " " + nxt.text
        out.append(text)
    return out


def attributed(unit: Unit, context: str, speaker: Speaker) -> bool:
    """A statement (quoted or reported speech) whose speaker is the one asked about."""
    if not (_quotes(unit.text) or SPEECH.search(unit.text)):
        return False
    return speaker.named_in(speaker_words(context))


def _quotes(text: str) -> bool:
    """A quotation: a few quoted words, or one left open to run on into the next
    sentence; not a term in scare quotes (the FDA 'lists "ileus" as a side effect')."""
    if len(QUOTE.findall(text)) % 2:
        return True
    return any(len(words(m.group())) >= 3 for m in _QUOTED.finditer(text))


def speaker_neighbour(units: list[Unit], i: int) -> Unit | None:
    """The nearby unit that names the speaker of unit ``i`` when it does not itself
    (up to three sentences before it, or the one after), quoted with it so the answer
    shows who said it."""
    u = units[i]
    if not needs_context(u):
        return None
    same = [
        j
        for j in (i - 1, i - 2, i - 3, i + 1)
        if 0 <= j < len(units) and units[j].passage.chunk_id == u.passage.chunk_id
    ]
    for j in same:
        if names_speaker(units[j], j == i - 1):
            return units[j]
    return None


def names_speaker(v: Unit, right_before: bool) -> bool:
    """Whether ``v`` names who speaks in a nearby quotation: it names someone, stands
    on its own, and reports speech or quotes (any sentence right before will do:
    "Political scientist Dr Yusuf Okafor said ..." / "Okafor is a political scientist.")."""
    return (
        bool(proper_names(v.text))
        and not needs_context(v)
        and bool(SPEECH.search(v.text) or QUOTE.search(v.text) or right_before)
    )


def speaker_before_passage(units: list[Unit], i: int, lex: LexicalIndex) -> Unit | None:
    """A quotation near the start of its passage (", he said") whose speaker is named
    at the end of the article's previous chunk, which retrieval did not bring: that
    sentence, read from the lexical index."""
    u = units[i]
    earlier = [v for v in units[max(0, i - 3) : i] if v.passage.chunk_id == u.passage.chunk_id]
    if not needs_context(u) or len(earlier) >= 3:
        return None
    pos = lex.chunk_before(u.article_id, u.passage.start)
    if pos is None:
        return None
    before = [v for v in chunk_units(lex, pos, u) if v.end <= u.passage.start]
    for k, v in enumerate(reversed(before[-(3 - len(earlier)) :])):
        if names_speaker(v, not earlier and k == 0):
            return v
    return None


# a speaker named by one word: "Bergman says", "..., Ternan said", "said Okafor."
_SURNAME_SPEAKS = re.compile(
    rf"\b([A-Z][\w’'-]{{2,}})(?:,[^,]{{1,80}},)?\s+(?:{SPEECH.pattern})|"
    rf"\b(?:said|says)\s+([A-Z][\w’'-]{{2,}})(?=[.,;]|$)"
)


def _surnames(text: str) -> list[str]:
    """One-word names that speak in the text (not the last word of a longer name)."""
    out = []
    for m in _SURNAME_SPEAKS.finditer(text):
        name, at = (m.group(1), m.start(1)) if m.group(1) else (m.group(2), m.start(2))
        before = text[:at].rstrip().rsplit(None, 1)
        word = before[-1] if before else ""
        longer = word[:1].isupper() and word[-1:] not in ".,:;" and word.lower() not in NOT_NAMES
        if name.lower() in NOT_NAMES or longer:  # "Matthew Bergman says": whole already
            continue
        out.append(name)
    return out


def _named(whole: re.Pattern[str], text: str) -> re.Match | None:
    """The first match of a whole-name pattern whose first word is a name ("Matthew
    Bergman", not "At Bergman")."""
    return next((m for m in whole.finditer(text) if m.group(1).lower() not in NOT_NAMES), None)


def full_name(chosen: list[Unit], lex: LexicalIndex) -> Unit | None:
    """For a "who" question answered by a sentence naming its speaker by surname only
    ("..., which Bergman says Snap hasn't done"), the article's first sentence giving the
    whole name ("..., says Matthew Bergman, the lead attorney"), so the answer says who."""
    quoted = " ".join(u.text for u in chosen)
    for u in chosen:
        for surname in _surnames(u.text):
            whole = re.compile(rf"\b([A-Z][\w’'.-]+)(?:\s+[A-Z][\w’'.-]+)?\s+{re.escape(surname)}\b")
            if _named(whole, quoted):
                continue  # the answer already says who it is
            for pos in lex.article_chunks(u.article_id):
                found = _named(whole, lex.texts[pos])
                if found is None:
                    continue
                at = lex.metas[pos].start + found.start()
                return next((v for v in chunk_units(lex, pos, u) if v.start <= at < v.end), None)
    return None
