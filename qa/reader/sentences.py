"""The units an answer quotes: the sentences of retrieved passages, with a quotation
that runs over several sentences of one paragraph kept whole, each with its offsets in
the article body, its terms and its vector (pooled at ingestion, see
``index.embedding.Embedder.embed_with_sentences``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from index.chunking import false_break

from ..lexical import LexicalIndex
from ..schema import Passage


@dataclass(eq=False)
class Unit:
    passage: Passage
    rank: int  # the passage's rank in retrieval
    start: int  # offsets into the article body
    end: int
    text: str
    rows: tuple[int, ...] = ()  # its sentence rows in the lexical index
    terms: set[str] = field(default_factory=set)
    vector: np.ndarray | None = None
    # filled in by evidence scoring
    coverage: float = 0.0  # share of the question's weighted terms, read in context
    own: float = 0.0  # share of them in the unit itself
    detail: float = 1.0  # share of those not in its article's title (what is asked beyond the story) in the unit
    similarity: float = 0.0  # cosine with the question
    fits: float = 0.0  # holds the kind of answer asked for
    attributed: bool = False  # a statement by the speaker asked about
    names: float = 1.0  # share of the question's names found in it or its context
    relevance: float = 0.0
    score: float = 0.0
    part: int = -1  # which part of a several-part question it answers

    @property
    def article_id(self) -> str:
        return self.passage.article.id

    def key(self) -> tuple[str, int, int]:
        return (self.article_id, self.start, self.end)


def units_of(passages: list[Passage], lex: LexicalIndex, positions: dict[str, int]) -> list[Unit]:
    """Every passage's units, in passage order then text order."""
    out: list[Unit] = []
    for rank, p in enumerate(passages):
        out.extend(split_passage(p, rank, lex, positions.get(p.chunk_id)))
    return out


# a web page's furniture that scraped article bodies keep
CHROME = re.compile(
    r"skip past newsletter|newsletter promotion|privacy (?:notice|policy)|thanks? (?:you )?for signing up|"
    r"\bsign (?:me )?up (?:for|to)\b.{0,40}\bnewsletter|e-?mail address\*|subscribe (?:to our|now)|click here|"
    r"all rights reserved|by signing up|terms of (?:use|service)|cookie (?:policy|settings)|newsletters may contain|"
    r"^\W*(?:photograph|photo|image|picture)(?: credit)?:|\b(?:getty|afp via getty) images\W*$|"
    r"enter a valid e-?mail|\bour free\b[^.]{0,40}\bnewsletter\b",
    re.I,
)


def chunk_units(lex: LexicalIndex, pos: int, u: Unit) -> list[Unit]:
    """The units of another chunk of ``u``'s article (one retrieval did not bring)."""
    m = lex.metas[pos]
    p = Passage(lex.texts[pos], 0.0, m.start, m.end, u.passage.article, lex.ids[pos])
    return split_passage(p, u.rank, lex, pos)


def sentence_before(u: Unit, units: list[Unit], lex: LexicalIndex | None) -> Unit | None:
    """The sentence before ``u`` in its article: from its passage (``units`` in passage
    and text order), else the last one of the article's previous chunk."""
    i = next((k for k, x in enumerate(units) if x is u), None)
    if i is not None and i > 0 and units[i - 1].passage.chunk_id == u.passage.chunk_id:
        return units[i - 1]
    pos = lex.chunk_before(u.article_id, u.passage.start) if lex is not None else None
    if pos is None:
        return None
    before = [v for v in chunk_units(lex, pos, u) if v.end <= u.start]
    return before[-1] if before else None


def lede(u: Unit, lex: LexicalIndex) -> Unit | None:
    """The first sentence of ``u``'s article that is a sentence (not a dateline, a
    subheading or a credit): what the article reports, which tells one article from
    another when a question asks which came first."""
    for pos in lex.article_chunks(u.article_id)[:3]:
        for v in chunk_units(lex, pos, u):
            if len(v.text.split()) >= 8 and not CHROME.search(v.text):
                return v
    return None


def split_passage(p: Passage, rank: int, lex: LexicalIndex, pos: int | None) -> list[Unit]:
    """The passage's sentences (boundaries stored at ingestion); a quotation left open
    at a sentence's end continues into the next sentence of the same paragraph (one
    left open at a paragraph's end is a typo or a multi-paragraph quote: not followed); a
    stray word or two goes with the sentence before it."""
    spans = lex.metas[pos].sentence_spans(len(p.text)) if pos is not None else [(0, len(p.text))]
    rows = list(lex.sentence_rows(pos)) if pos is not None else []
    if len(rows) != len(spans):
        rows = []
    pieces = _join_abbreviations(p.text, [(a, b, [rows[i]] if rows else []) for i, (a, b) in enumerate(spans)])
    merged: list[tuple[int, int, list[int]]] = []
    open_quote = False
    for a, b, row in pieces:
        same_paragraph = bool(merged) and "\n" not in p.text[merged[-1][1] : a]
        if same_paragraph and (open_quote or _stray(p.text[a:b])):
            merged[-1] = (merged[-1][0], b, merged[-1][2] + row)
        else:
            merged.append((a, b, row))
        whole = p.text[merged[-1][0] : merged[-1][1]]
        open_quote = whole.count("“") > whole.count("”") or whole.count('"') % 2 == 1
    units = []
    for a, b, rs in merged:
        text = p.text[a:b]
        units.append(
            Unit(p, rank, p.start + a, p.start + b, text, tuple(rs), set(lex.query_terms(text)), _vector(lex, rs))
        )
    return units


def _join_abbreviations(text: str, pieces: list[tuple[int, int, list[int]]]) -> list[tuple[int, int, list[int]]]:
    """Sentences Punkt cut at an abbreviation joined again: ingestion mends them since
    ``index.chunking.false_break`` (the same test), stores ingested before keep the cut
    spans."""
    out: list[tuple[int, int, list[int]]] = []
    for a, b, row in pieces:
        if out and "\n" not in text[out[-1][1] : a] and false_break(text[out[-1][0] : out[-1][1]], text[a:b]):
            out[-1] = (out[-1][0], b, out[-1][2] + row)
        else:
            out.append((a, b, row))
    return out


def _stray(text: str) -> bool:
    """A word or two left over by the source's own typing ("... Boris said on Tuesday.
    Johnson."): it belongs to the sentence before it, never stands as an answer."""
    return len(text.split()) < 3


def _vector(lex: LexicalIndex, rows: list[int]) -> np.ndarray | None:
    mat = lex.sentence_vectors
    if mat is None or not rows:
        return None
    v = np.asarray(mat[rows], dtype=np.float32).mean(axis=0)
    n = float(np.linalg.norm(v))
    return v / n if n > 0 else None
