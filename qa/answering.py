"""The extractive answerer: the default, offline way to write a cited answer.

question -> condense (follow-ups) -> retrieve -> score sentences -> refuse or select ->
write the answer with an [n] marker after each claim. Every marker's citation carries
the exact span of the article body it quotes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .evidence import (
    ASKS_STATEMENT,
    CONTINUATION,
    QUESTION_FRAME,
    Sentence,
    mentions,
    near_duplicate,
    question_entities,
    score_sentences,
    split_passage,
)
from .followup import condense
from .lexical import LexicalIndex
from .retrieval import HybridRetriever, Snapshot
from .schema import REFUSAL, Answer, Citation, Filters, Passage


@dataclass(frozen=True)
class AnswerConfig:
    passages: int = 8
    max_sentences: int = 3
    # A sentence must cover this share of the question's idf-weighted terms (after the
    # verbs of saying, which attribution handles) for the corpus to count as answering.
    # Calibrated on our own question sets (tests/data/questions.jsonl over the bundled
    # corpus plus three MultiHop articles, bench/questions_multihop.jsonl over all 609):
    # unanswerable questions reached at most 0.50 and 0.59, answerable ones at least
    # 0.72 and 0.74, so the threshold sits in the gap. Not tuned on any benchmark query.
    min_coverage: float = 0.65
    keep_ratio: float = 0.75  # further sentences must score this close to the best
    prefer_boost: float = 0.2


@dataclass
class Evidence:
    """What retrieval and sentence scoring found for one question: the input of every
    writer (extractive here, an LLM in ``qa.generative``)."""

    question: str  # standalone (follow-ups resolved)
    passages: list[Passage]
    sentences: list[Sentence]  # the passages' sentences in order, scored
    lexical: LexicalIndex
    refusal: str | None = None  # set when the articles hold no answer: the text to show


class Answerer:
    def __init__(self, retriever: HybridRetriever, config: AnswerConfig | None = None):
        self.retriever = retriever
        self.config = config or AnswerConfig()

    def ask(self, question: str, history: list, filters: Filters) -> Answer:
        return self.write(self.gather(question, history, filters))

    def stream(self, question: str, history: list, filters: Filters) -> Iterator[Answer]:
        """The same interface as the LLM writer's: here the Answer comes whole."""
        yield self.ask(question, history, filters)

    def gather(
        self, question: str, history: list, filters: Filters, condensed: tuple[str, str | None] | None = None,
    ) -> Evidence:
        """Retrieve and score the evidence, and decide whether it answers the question
        (``condensed``: a (standalone, previous) pair already worked out, e.g. by an LLM)."""
        cfg = self.config
        standalone, previous = condensed or condense(question, history)
        prefer: set[str] = set()
        if previous:
            prefer = {p.article.id for p in self.retriever.search(previous, 3, filters)}
        passages = self.retriever.search(standalone, cfg.passages, filters, prefer=prefer, prefer_boost=cfg.prefer_boost)
        snap = self.retriever.snapshot()
        lex = snap.lexical
        if not passages:
            why = " No article matches the filters." if not filters.is_empty() else ""
            return Evidence(standalone, [], [], lex, REFUSAL + why)
        sentences = self._sentences(passages, snap)
        content = QUESTION_FRAME.sub(" ", ASKS_STATEMENT.sub(" ", standalone))
        q_terms = list(dict.fromkeys(lex.query_terms(content)))
        if not q_terms:
            q_terms = list(dict.fromkeys(lex.query_terms(standalone)))
        weights = lex.idf(q_terms)
        sentence_terms = [set(lex.query_terms(s.text)) for s in sentences]
        entities = question_entities(standalone, ignore=set(snap.aliases))
        titles = {p.article.id: set(lex.query_terms(p.article.title)) for p in passages}
        score_sentences(
            sentences, q_terms, weights, sentence_terms, standalone, entities,
            {i: p.score for i, p in enumerate(passages)}, titles,
        )
        evidence_text = " ".join(f"{p.article.title} {p.article.source} {p.text}" for p in passages).lower()
        missing = [e for e in entities if not mentions(evidence_text, e)]
        top = max(sentences, key=lambda s: s.score, default=None)  # the first of the best, as a stable sort
        refusal = None
        if missing:
            refusal = f"{REFUSAL} None of them mentions {', '.join(_as_written(e, standalone) for e in missing)}."
        elif top is None or top.coverage < cfg.min_coverage:
            refusal = REFUSAL
        return Evidence(standalone, passages, sentences, lex, refusal)

    def write(self, ev: Evidence) -> Answer:
        """The extractive answer: the best sentences, each cited, or the refusal."""
        if ev.refusal is not None:
            return Answer(ev.refusal, True, question=ev.question)
        ranked = sorted(ev.sentences, key=lambda s: -s.score)
        return self._write(self._select(ranked, ev.sentences), ev.question)

    @staticmethod
    def _sentences(passages: list[Passage], snap: Snapshot) -> list[Sentence]:
        out: list[Sentence] = []
        for rank, p in enumerate(passages):
            pos = snap.positions.get(p.chunk_id)
            field = snap.lexical.metas[pos].get("sentences", "") if pos is not None else ""
            out.extend(split_passage(p, rank, field))
        return out

    def _select(self, ranked: list[Sentence], in_order: list[Sentence]) -> list[Sentence]:
        cfg = self.config
        best = ranked[0]
        chosen = [best]
        nxt = _following(best, in_order)
        if nxt is not None and best.attributed and (CONTINUATION.search(nxt.text) or nxt.text.lstrip().startswith(("“", '"'))):
            chosen.append(nxt)  # the rest of the statement ("..., he added")
        for s in ranked[1:]:
            if len(chosen) >= cfg.max_sentences or s.score < cfg.keep_ratio * best.score:
                break
            if s.coverage < cfg.min_coverage or any(near_duplicate(s, c) or _overlaps(s, c) for c in chosen):
                continue
            chosen.append(s)
        # read in the order of the text: by article (best first), then by position
        first_seen: dict[str, int] = {}
        for i, s in enumerate(chosen):
            first_seen.setdefault(s.passage.article.id, i)
        chosen.sort(key=lambda s: (first_seen[s.passage.article.id], s.start))
        return chosen

    def _write(self, chosen: list[Sentence], question: str) -> Answer:
        # adjacent sentences of one passage become one citation (one contiguous quote)
        groups: list[list[Sentence]] = []
        for s in chosen:
            g = groups[-1] if groups else None
            if g and g[-1].passage.chunk_id == s.passage.chunk_id and 0 <= s.start - g[-1].end <= 3:
                g.append(s)
            else:
                groups.append([s])
        citations: list[Citation] = []
        parts: list[str] = []
        for n, g in enumerate(groups, 1):
            start, end = g[0].start, g[-1].end
            passage = g[0].passage
            quote = passage.text[start - passage.start : end - passage.start]
            citations.append(Citation(n, passage, quote, start, end))
            parts.append(f"{' '.join(quote.split())} [{n}]")
        text = " ".join(parts)
        if re.match(r"\s*when\b", question, re.I):
            a = citations[0].passage.article
            if a.published_at:
                text += f" (reported on {a.published_at[:10]} [1])"
        return Answer(text, False, citations, question=question)


def _as_written(entity: str, question: str) -> str:
    m = re.search(re.escape(entity), question, re.I)
    return m.group() if m else entity


def _following(s: Sentence, in_order: list[Sentence]) -> Sentence | None:
    for t in in_order:
        if t.passage.article.id == s.passage.article.id and t.start > s.end and t.start - s.end <= 3:
            return t
    return None


def _overlaps(a: Sentence, b: Sentence) -> bool:
    return a.passage.article.id == b.passage.article.id and a.start < b.end and b.start < a.end
