"""The extractive answerer: the default, offline way to write a cited answer.

question -> condense (follow-ups) -> what it asks (kind, speaker, names, parts) ->
retrieve -> score the candidate sentences -> refuse, or quote the sentences that answer,
each with an [n] marker whose citation carries the exact span of the article body.

A question about several sources or facts is answered part by part: each part gets its
own search (within the outlet or day it names) and its own best sentence, and the answer
lists them in date order with their dates; "which came first" is answered from the
articles' dates.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from index.store import source_key

from ..lexical import LexicalIndex
from ..query import analyse
from ..retrieval import HybridRetriever
from ..schema import REFUSAL, Answer, Citation, Filters, Passage
from .attribution import full_name, speaker_before_passage, speaker_neighbour
from .casing import truecase
from .evidence import ReaderConfig, Verdict, decide, missing_names, overlap, question_terms, score_units
from .followup import Condensed, condense, own_words
from .names import mentions, words
from .questions import (
    NOT_NAMES,
    Kind,
    Part,
    Question,
    analyse_question,
    outlet_groups,
    part_kind,
    spelled_out,
    unknown_outlets,
)
from .sentences import Unit, lede, units_of


@dataclass
class Evidence:
    """What retrieval and scoring found for one question: the input of every writer
    (extractive here, an LLM in ``qa.generative``)."""

    question: str  # standalone (follow-ups resolved)
    passages: list[Passage]
    sentences: list[Unit]  # the passages' units in order, scored
    lexical: LexicalIndex
    refusal: str | None = None  # set when the articles hold no answer: the text to show
    chosen: list[Unit] = field(default_factory=list)  # what the extractive answer quotes
    closest: Unit | None = None  # shown with a refusal when the topic is covered but not the detail
    parsed: Question | None = None
    by_part: list[tuple[Part, Unit | None]] = field(default_factory=list)  # each part's best unit


class Answerer:
    def __init__(self, retriever: HybridRetriever, config: ReaderConfig | None = None):
        self.retriever = retriever
        self.config = config or ReaderConfig()

    def _encode(self, sentences: list[str]) -> np.ndarray:
        """Candidate sentences encoded at question time (not kept in the query cache)."""
        return self.retriever.embedder.embed_queries(sentences, remember=False)

    def ask(self, question: str, history: list, filters: Filters) -> Answer:
        return self.write(self.gather(question, history, filters))

    def stream(self, question: str, history: list, filters: Filters) -> Iterator[Answer]:
        """The same interface as the LLM writer's: here the Answer comes whole."""
        yield self.ask(question, history, filters)

    # -- gathering --------------------------------------------------------------
    def gather(self, question: str, history: list, filters: Filters, condensed: Condensed | None = None) -> Evidence:
        """Retrieve and score the evidence, and decide whether it answers the question
        (``condensed``: the follow-up already resolved, e.g. by an LLM)."""
        cfg = self.config
        c = condensed or condense(spelled_out(question), history)
        standalone = c.standalone
        snap = self.retriever.snapshot()
        lex = snap.lexical
        q = analyse_question(c.asked, analyse(c.asked, snap.aliases))
        foreign = unknown_outlets(c.asked, q.info)
        if foreign:
            return Evidence(
                standalone, [], [], lex, f"{REFUSAL} None of them is from {' or '.join(foreign)}.", parsed=q
            )
        prefer: set[str] = set()
        if c.previous:
            prefer = {p.article.id for p in self.retriever.search(c.previous, 3, filters)}
        passages = self.retriever.search(
            standalone, cfg.passages, filters, prefer=prefer, prefer_boost=cfg.prefer_boost
        )
        if not passages:
            why = " No article matches the filters." if not filters.is_empty() else ""
            return Evidence(standalone, [], [], lex, REFUSAL + why, parsed=q)
        cased = truecase(c.asked, [p.text for p in passages], NOT_NAMES)
        if cased != c.asked:  # "how many goals did ronaldo score": names read from the passages' capitals
            q = analyse_question(cased, analyse(cased, snap.aliases))
        units = units_of(passages, lex, snap.positions)
        terms, weights = question_terms(standalone, lex, units, cfg.borrowed)
        qvec = self.retriever.embedder.embed_query(standalone)
        score_units(units, q, standalone, terms, weights, qvec, lex, cfg, self._encode)
        ev = Evidence(standalone, passages, units, lex, parsed=q)
        if q.multi:
            return self._gather_parts(ev, q, filters)
        missing = self._absent(q, units)
        if missing:
            ev.refusal = f"{REFUSAL} None of them mentions {', '.join(missing)}."
            return ev
        verdict = decide(q, units, cfg, lex)
        return self._apply(ev, verdict)

    def _apply(self, ev: Evidence, verdict: Verdict) -> Evidence:
        if verdict.refusal is not None:
            ev.refusal = f"{REFUSAL} {verdict.refusal}".strip()
            ev.closest = verdict.closest
        ev.chosen = verdict.answer
        return ev

    def _gather_parts(self, ev: Evidence, q: Question, filters: Filters) -> Evidence:
        """Each part answered by its own best sentence, found among the question's
        passages and the part's own search (within its outlet or day); then each outlet
        the question names that no part's answer comes from gets its best sentence for
        the whole question."""
        self.retriever.snapshot()
        parts = list(q.parts)
        vecs = list(self.retriever.embedder.embed_queries([p.text for p in parts]))
        seen: dict[tuple[str, int, int], Unit] = {u.key(): u for u in ev.sentences}
        answers: list[tuple[Part, list[Unit]]] = []
        for part, vec in zip(parts, vecs):
            answers.append((part, self._answer_part(ev, q, part, vec, filters, seen)))
        groups = outlet_groups(q.info)
        for group in groups:
            if not any(_from(u, group) for _, us in answers for u in us):
                part = Part(q.text, group)
                answers.append((part, self._answer_part(ev, q, part, None, filters, seen)[:1]))
        ev.by_part = [(p, us[0] if us else None) for p, us in answers]
        missing = self._absent(q, list(seen.values()))
        if missing:
            ev.refusal = f"{REFUSAL} None of them mentions {', '.join(missing)}."
            return ev
        chosen: list[Unit] = []
        for n, (part, us) in enumerate(answers):
            for u in us:
                if all(u.key() != c.key() for c in chosen):
                    u.part = n
                    chosen.append(u)
        named_without = [g[0] for g in groups if not any(_from(u, g) for u in chosen)]
        if not chosen:
            ev.refusal = REFUSAL
        elif named_without:
            names = ", ".join(snap_name(self.retriever, o) for o in named_without)
            ev.refusal = f"{REFUSAL} Nothing from {names} covers it."
            ev.closest = chosen[0]
        ev.chosen = chosen
        return ev

    def _answer_part(
        self,
        ev: Evidence,
        q: Question,
        part: Part,
        vec,
        filters: Filters,
        seen: dict[tuple[str, int, int], Unit],
    ) -> list[Unit]:
        """The best unit for one part, and a close second from another article (scored
        on copies: a unit may serve several parts)."""
        cfg = self.config
        snap = self.retriever.snapshot()
        lex = snap.lexical
        asked = own_words(part.text) or part.text  # without a broad question it sits under
        sub = analyse_question(asked, analyse(asked, snap.aliases))
        sub.kind = part_kind(part, sub, q)
        sub.names = [n for n in sub.names if n in q.names]
        found = self.retriever.search(part.text, cfg.part_passages, _narrow(filters, part, q))
        fresh = [seen.setdefault(u.key(), u) for u in units_of(found, lex, snap.positions)]
        extra = [u for u in ev.sentences if _in_part(u, part, q)]
        cands = [copy.copy(u) for u in dict.fromkeys(fresh + extra)]
        if not cands:
            return []
        if vec is None:
            vec = self.retriever.embedder.embed_query(part.text)
        terms, weights = question_terms(part.text, lex, cands)
        # no re-ranking here: a forward pass per part costs too much
        score_units(cands, sub, part.text, terms, weights, vec, lex, cfg)
        ranked = sorted(cands, key=lambda u: -u.score)
        best = ranked[0]
        if best.relevance < cfg.min_part_relevance:
            return []
        out = [best]
        # a close second from another article: the part may be told by two sources
        second = next((u for u in ranked[1:] if u.article_id != best.article_id), None)
        if (
            second is not None
            and second.score >= cfg.part_second_ratio * best.score
            and second.relevance >= cfg.min_part_relevance
        ):
            out.append(second)
        # a near tie within the best's article: which of the two answers is often a coin toss
        runner = next((u for u in ranked[1:] if u.article_id == best.article_id), None)
        if runner is not None and runner.score >= cfg.part_runner_ratio * best.score:
            out.append(runner)
        return out

    def _absent(self, q: Question, units: list[Unit]) -> list[str]:
        """The question's names found neither in the units nor anywhere in the corpus (a
        lexical search for the name itself, so a name the retrieval missed is not taken
        for one the articles lack)."""
        missing = missing_names(q, units)
        if not missing:
            return []
        lex = self.retriever.snapshot().lexical
        out = []
        for name in missing:
            scores = lex.scores(name)
            top = np.argsort(-scores)[:5]
            pool = []
            for i in top:
                if scores[i] > 0:
                    pool += ["."] + words(f"{lex.metas[int(i)].header} . {lex.texts[int(i)]}")
            if not mentions(pool, name):
                out.append(name)
        return out

    # -- writing ----------------------------------------------------------------
    def write(self, ev: Evidence) -> Answer:
        """The extractive answer: the chosen sentences, each cited, or the refusal
        (with what the articles do say, marked as not the answer, for a near miss)."""
        if ev.refusal is not None:
            if ev.closest is None:
                return Answer(ev.refusal, True, question=ev.question)
            cites = _citations([ev.closest], ev.sentences)
            text = f"{ev.refusal} What they do say: {_quoted(cites[0])}"
            return Answer(text, True, cites, question=ev.question)
        q = ev.parsed
        if q is not None and q.multi:
            return self._write_parts(ev, q)
        chosen = _with_speakers(ev.chosen, ev.sentences, q, ev.lexical)
        first_seen: dict[str, int] = {}
        for i, u in enumerate(chosen):
            first_seen.setdefault(u.article_id, i)
        chosen.sort(key=lambda u: (first_seen[u.article_id], u.start))
        cites = _citations(chosen, ev.sentences)
        text = " ".join(_quoted(c) for c in cites)
        if q is not None and q.kind is Kind.DATE:
            day = cites[0].passage.article.published_at[:10]
            if day:
                text += f" (reported on {day} [1])"
        return Answer(text, False, cites, question=ev.question)

    def _write_parts(self, ev: Evidence, q: Question) -> Answer:
        """One cited sentence per part, in date order, each with its outlet and date;
        for "which came first", each article's lede too, so the reader sees which
        story each date belongs to."""
        chosen = list(ev.chosen)
        if q.asks_order:
            for u in list(chosen):
                first = lede(u, ev.lexical)
                if first is not None and not any(overlap(first, c) for c in chosen):
                    chosen.append(first)
        chosen.sort(key=lambda u: (u.passage.article.published_at or "9999", u.start))
        cites = _citations(chosen, ev.sentences)
        lines = []
        for c in cites:
            a = c.passage.article
            label = ", ".join(x for x in (a.source, _day(a.published_at)) if x) or a.title
            lines.append(f"{label}: {_quoted(c)}")
        text = " ".join(lines)
        dated = [c for c in cites if c.passage.article.published_at]
        articles = list({c.passage.article.id: c for c in dated}.values())
        if q.asks_order and len(articles) >= 2:
            first, last = articles[0].passage.article, articles[-1].passage.article
            if first.published_at[:10] != last.published_at[:10]:
                text += (
                    f" So {_the(_name(first))} article{_titled(first)} ({_day(first.published_at)}) came before "
                    f"{_the(_name(last))} one{_titled(last)} ({_day(last.published_at)})."
                )
            else:
                text += f" Both were published on {_day(first.published_at)}."
        return Answer(text, False, cites, question=ev.question)


def _narrow(filters: Filters, part: Part, q: Question) -> Filters:
    """The user's filters, narrowed to the outlet and day the part names."""
    sources = list(filters.sources) or list(part.outlets)
    since, until = filters.since, filters.until
    if part.day_index is not None and part.day_index < len(q.info.days):
        day = q.info.days[part.day_index]
        since = max(since, day.start) if since else day.start
        until = min(until, day.end) if until else day.end
        if since > until:
            since, until = filters.since, filters.until
    return Filters(sources=sources, since=since, until=until)


def _from(u: Unit, outlets: list[str]) -> bool:
    return source_key(u.passage.article.source) in outlets


def _in_part(u: Unit, part: Part, q: Question) -> bool:
    if part.outlets and not _from(u, part.outlets):
        return False
    if part.day_index is not None and part.day_index < len(q.info.days):
        day = q.info.days[part.day_index]
        published = u.passage.article.published_at[:10]
        if published and not (day.start.isoformat() <= published <= day.end.isoformat()):
            return False
    return True


def snap_name(retriever: HybridRetriever, key: str) -> str:
    """An outlet's name as stored, from its key."""
    return next((s for s in retriever.sources() if source_key(s) == key), key)


def _with_speakers(chosen: list[Unit], units: list[Unit], q: Question | None, lex: LexicalIndex) -> list[Unit]:
    """A chosen quotation that does not name its speaker is quoted with the adjacent
    sentence that does, when the question is about who said what."""
    if q is None or not (q.speaker or q.kind is Kind.PERSON):
        return list(chosen)
    out = list(chosen)
    index = {u.key(): i for i, u in enumerate(units)}
    for u in chosen:
        i = index.get(u.key())
        if i is None:
            continue
        n = speaker_neighbour(units, i) or speaker_before_passage(units, i, lex)
        if n is not None and all(n.key() != c.key() for c in out):
            out.append(n)
    if q.kind is Kind.PERSON and out:
        full = full_name(out, lex)
        if full is not None and all(full.key() != c.key() for c in out):
            out.append(full)
    return out


def _citations(chosen: list[Unit], units: list[Unit]) -> list[Citation]:
    """Adjacent units of one passage become one citation (one contiguous quote)."""
    groups: list[list[Unit]] = []
    for u in chosen:
        g = groups[-1] if groups else None
        if g and g[-1].passage.chunk_id == u.passage.chunk_id and 0 <= u.start - g[-1].end <= 3:
            g.append(u)
        else:
            groups.append([u])
    cites = []
    for n, g in enumerate(groups, 1):
        passage = g[0].passage
        start, end = g[0].start, g[-1].end
        cites.append(Citation(n, passage, passage.text[start - passage.start : end - passage.start], start, end))
    return cites


def _quoted(c: Citation) -> str:
    return f"{' '.join(c.quote.split())} [{c.n}]"


def _day(published_at: str) -> str:
    try:
        d = date.fromisoformat(published_at[:10])
    except ValueError:
        return ""
    return f"{d.day} {d.strftime('%B')} {d.year}"


def _name(article) -> str:
    return article.source or re.sub(r"\s+", " ", article.title)[:60]


def _titled(article, limit: int = 100) -> str:
    """The article's title, quoted, so the reader knows which story each date belongs
    to (two from one outlet are otherwise told apart by nothing); a long one is cut at
    a word."""
    title = re.sub(r"\s+", " ", article.title or "").strip()
    if not title or not article.source:
        return ""
    if len(title) > limit:
        title = title[:limit].rsplit(" ", 1)[0] + "…"
    return f" “{title}”"


def _the(name: str) -> str:
    """ "the TechCrunch", but "The Guardian" (not "the The Guardian")."""
    return name if name.lower().startswith("the ") else f"the {name}"
