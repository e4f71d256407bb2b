"""Sentence-aware chunking with exact character offsets.

A chunk is a run of whole sentences of one article, ``body[start:end]``, small enough
that the article's header line plus the chunk fit the embedding model's window
(counted with the model's own tokenizer). Sentences are never cut, except a single
sentence longer than the window, which is split between words. Consecutive chunks share
at most one short sentence, so a fact spanning a boundary still sits whole in one
chunk without flooding the results with near-duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_PARAGRAPH = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")

Span = tuple[int, int]


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str
    tokens: int
    # sentence spans relative to ``start``: stored with the chunk (index.records), so the
    # answerer never re-splits text on the query path
    sentences: tuple[Span, ...] = ()


class TokenCounter:
    """Counts tokens as the embedding model will see them (no special tokens)."""

    def __init__(self, model_path: Path):
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self._tok.no_truncation()
        self._tok.no_padding()

    def count_many(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        return [len(e.ids) for e in self._tok.encode_batch(list(texts), add_special_tokens=False)]

    def count(self, text: str) -> int:
        return self.count_many([text])[0]


@lru_cache(maxsize=4)
def token_counter(model_path: Path) -> TokenCounter:
    return TokenCounter(model_path)


def _punkt() -> Callable[[str], list[Span]]:
    from llama_index.core.utils import globals_helper

    tokenizer = globals_helper.punkt_tokenizer
    return lambda text: list(tokenizer.span_tokenize(text))


def sentence_spans(body: str, splitter: Callable[[str], list[Span]] | None = None) -> list[Span]:
    """Sentences as (start, end) offsets into ``body``: paragraphs (lines) first, then
    Punkt inside each paragraph, with Punkt's false breaks at abbreviations mended
    (``false_break``); surrounding whitespace is left out of every span."""
    split = splitter or _punkt()
    spans: list[Span] = []
    for para in _PARAGRAPH.finditer(body):
        text = para.group()
        if not text.strip():
            continue
        first = len(spans)
        for s, e in split(text):
            seg = text[s:e]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg) - len(seg.rstrip())
            if e - trail <= s + lead:
                continue
            span = (para.start() + s + lead, para.start() + e - trail)
            if len(spans) > first and false_break(body[spans[-1][0] : spans[-1][1]], body[span[0] : span[1]]):
                spans[-1] = (spans[-1][0], span[1])
            else:
                spans.append(span)
    return spans


# abbreviations Punkt takes for a sentence's end: a month or "No." before a number ("On
# Oct." | "13, he posted"), a title before a name ("Rep." | "Jim Jordan"), a country's
# initials opening the speaker's name after a quotation ("... a criminal,” U.S." |
# "Attorney General Merrick Garland said."), a company's suffix with the sentence going
# on ("Alphabet Inc." | "– issued a filing")
_BEFORE_NUMBER = re.compile(r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|No|Nos|Nr|pp?|Vol|Art)\.$")
_TITLE = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Gov|Sen|Rep|Lt|Gen|Col|Sgt|Capt|Prof|Rev|Supt|Insp|Det)\.$")
_QUOTE_THEN_INITIALS = re.compile(r"[,?!]\s*[”\"’']\s+(?:[A-Z]\.){2,3}$")
# a country's initials inside a title or a body's name ("Assistant U.S." | "Attorney
# Nicolas Roos", "the U.K." | "Supreme Court")
_INITIALS = re.compile(r"\b(?:U\.S|U\.K|U\.N|E\.U)\.$")
_BODY_AFTER_INITIALS = re.compile(
    r"(?:Attorney|District|Department|Secretary|Senator|Sen\.|Rep\.|Army|Navy|Air Force|Marines?|Marshals?|Court|"
    r"Supreme|Embassy|Ambassador|Treasury|Congress|Justice|Trade|Commerce|Federal|Capitol|Census|Coast Guard|"
    r"Border|Customs|Securities|Food and Drug|Centers|Geological|Open|Olympic|Chamber|Special|Postal)\b"
)
_SUFFIX = re.compile(r"\b(?:Inc|Corp|Co|Ltd|Plc|LLC|Jr|Sr|Bros|Cos)\.$")


def false_break(sentence: str, following: str) -> bool:
    """Whether Punkt cut one sentence in two between ``sentence`` and ``following``
    (two pieces of one paragraph) at an abbreviation."""
    before, first = sentence.rstrip(), following[:1]
    return bool(
        (first.isdigit() and _BEFORE_NUMBER.search(before))
        or (first.isupper() and (_TITLE.search(before) or _QUOTE_THEN_INITIALS.search(before)))
        or (_INITIALS.search(before) and _BODY_AFTER_INITIALS.match(following))
        or ((first.islower() or first in "–—-,;:)") and _SUFFIX.search(before))
    )


def _split_long(body: str, span: Span, budget: int, counter: TokenCounter) -> list[Span]:
    """A sentence longer than the window, cut between words into pieces that fit."""
    s, e = span
    words = [(s + m.start(), s + m.end()) for m in _WORD.finditer(body[s:e])]
    counts = counter.count_many([body[a:b] for a, b in words])
    pieces: list[Span] = []
    start, used = words[0][0], 0
    last_end = words[0][0]
    for (a, b), n in zip(words, counts):
        if used + n > budget and used > 0:
            pieces.append((start, last_end))
            start, used = a, 0
        used += n
        last_end = b
    pieces.append((start, last_end))
    return pieces


def chunk_body(
    body: str,
    counter: TokenCounter,
    budget: int,
    overlap_tokens: int = 0,
    splitter: Callable[[str], list[Span]] | None = None,
) -> list[Chunk]:
    """Pack whole sentences greedily into chunks of at most ``budget`` tokens.

    ``overlap_tokens``: the last sentence of a chunk also opens the next one when it is
    at most this long (0 = no overlap).
    """
    if budget < 8:
        raise ValueError(f"chunk budget of {budget} tokens is too small")
    spans = sentence_spans(body, splitter)
    counts = counter.count_many([body[s:e] for s, e in spans])
    units: list[tuple[Span, int]] = []
    for span, n in zip(spans, counts):
        if n <= budget:
            units.append((span, n))
        else:
            pieces = _split_long(body, span, budget, counter)
            units.extend(zip(pieces, counter.count_many([body[a:b] for a, b in pieces])))

    chunks: list[Chunk] = []
    current: list[tuple[Span, int]] = []
    used = 0

    def emit() -> None:
        start, end = current[0][0][0], current[-1][0][1]
        sents = tuple((a - start, b - start) for (a, b), _ in current)
        chunks.append(Chunk(len(chunks), start, end, body[start:end], used, sents))

    for unit in units:
        n = unit[1]
        if current and used + n > budget:
            emit()
            tail = current[-1]
            carry = overlap_tokens and len(current) > 1 and tail[1] <= overlap_tokens and tail[1] + n <= budget
            current, used = ([tail], tail[1]) if carry else ([], 0)
        current.append(unit)
        used += n
    if current:
        emit()
    return chunks
