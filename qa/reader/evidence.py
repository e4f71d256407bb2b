"""Scoring the candidate sentences of a question, and deciding whether they answer it.

Each unit gets:
- coverage: the idf-weighted share of the question's content terms it holds, read in
  context (a term of the article's title counts for every sentence of the article, one
  in the sentence before counts half, one elsewhere in the passage a third);
- similarity: the cosine between the question's vector and the unit's (sentence
  vectors pooled at ingestion), which sees paraphrase that shared words miss;
- fits: whether it holds the kind of answer asked for (a number, a date, a name, a
  cause, a statement);
- attributed: for "what did X say", whether it is X's statement;
- names: the share of the question's names found in it, its context or its title.

``relevance`` (coverage and similarity together) says whether a unit is about the
question at all; ``score`` ranks units as answers. The articles answer a question when
its names are found, the best unit is relevant enough, and (for the kinds that can be
checked) a relevant unit holds that kind of answer; otherwise the question is refused,
and when the articles cover the topic but not the detail, what they do say is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..lexical import LexicalIndex
from .attribution import Speaker, attributed, contexts
from .followup import own_words
from .kinds import fits
from .names import fold, mentions, same_word, words
from .questions import FRAME, Kind, Question, content_words
from .sentences import CHROME, Unit, sentence_before

# the verbs of asking about a statement: attribution handles them, coverage should not
_ASKS = re.compile(
    r"\b(?:say|said|says|think|thinks|thought|respond|responded|react|reacted|claim|claimed|announce|announced|warn|"
    r"warned|tell|told|view|position|stance|believe|believes|comment|commented|reaction|response|according|describe|"
    r"described|sum|summed|answer|answered|feel|feels|make|mean|exactly|actually|really)\b",
    re.I,
)


@dataclass(frozen=True)
class ReaderConfig:
    """Weights and thresholds of the reader. Chosen on the development questions only
    (bench/questions/reader_dev.jsonl and every fifth MultiHop-RAG query); see
    docs/benchmarks.md for how."""

    passages: int = 8
    part_passages: int = 4  # searched again for each part of a several-part question
    # weights of the ranking score, fitted by coordinate search on the development
    # questions only (bench/questions/reader_dev.jsonl and every fifth MultiHop-RAG
    # query): the share of questions (or parts) whose top unit holds the answer went
    # from 0.435 / 0.42 (hand-set weights) to 0.50 / 0.475; detail and similarity then
    # re-set one at a time on the same dev questions (1.0 -> 0.5 and 1.0 -> 1.5: MultiHop
    # dev fact recall 0.469 -> 0.485, own dev right 0.589 -> 0.597)
    w_coverage: float = 2.0
    w_own: float = 0.0
    w_detail: float = 0.5
    w_similarity: float = 1.5
    w_fits: float = 0.1
    w_attributed: float = 0.4
    w_passage: float = 1.5
    w_names: float = 0.35
    headline_penalty: float = 0.6
    fragment_penalty: float = 1.0
    # relevance = (coverage + similarity) / 2 of the best unit must reach this
    min_relevance: float = 0.35
    min_part_relevance: float = 0.28  # the same for one part of a several-part question
    part_second_ratio: float = 0.95  # a part also quotes a second article scoring this close
    part_runner_ratio: float = 0.85  # ... and a second sentence of the best article scoring this close
    # a unit of the right kind counts when its relevance reaches this share of the best's
    kind_relevance_share: float = 0.8
    min_fits: float = 0.6
    max_sentences: int = 2  # for a number, a date, a name
    max_sentences_open: int = 3  # for what, how, why and yes/no questions
    keep_ratio: float = 0.85
    prefer_boost: float = 0.2
    # a typed best unit without the question's words beyond its article's title is a near
    # miss, unless it is this close in meaning (a paraphrase: "start" / "take up the role")
    detail_gate: float = 0.7
    # a follow-up's terms borrowed from the previous question weigh this share of their idf
    # (0.3 was best on the dev questions, 0.6 or more on a fresh set written later; 0.6 is
    # never worse than 1.0 on either: docs/benchmarks.md, "Third round")
    borrowed: float = 0.6
    # the best-scoring sentences, encoded on their own at question time, are ranked again
    # by that vector's closeness to the question (NEWSQA_RERANK; off by default: six of
    # them gain 1 to 4 points of answers right on the tuning sets but cost 60-100 ms a
    # question on 2 cores, past the latency target; docs/benchmarks.md, "Fifth round")
    rerank_top: int = 0
    w_direct: float = 1.5


@dataclass
class Verdict:
    """What the evidence says about answering: the units to quote, or why not."""

    answer: list[Unit]
    refusal: str | None = None
    closest: Unit | None = None  # shown, marked as not the answer, for a near miss


def question_terms(
    text: str, lex: LexicalIndex, units: list[Unit] = (), borrowed: float = 1.0
) -> tuple[list[str], list[float]]:
    """The question's content terms (stemmed, frame and asking verbs left out) and their
    idf; names spelled otherwise than in the candidate units take the units' spelling
    ("Dmytro" -> "Dmitro"), so a spelling does not count as a missing word. A follow-up's
    terms borrowed from the previous question (in brackets after its own words) weigh
    ``borrowed`` times their idf: they find the story, the follow-up's own words say what
    it asks of it."""
    if units:
        text = respell(text, units)
    content = _content(text)
    terms = list(dict.fromkeys(lex.query_terms(content))) or list(dict.fromkeys(lex.query_terms(text)))
    weights = lex.idf(terms)
    asked = own_words(text)
    if asked and borrowed != 1.0:
        own = set(lex.query_terms(_content(asked)))
        weights = [w if t in own else borrowed * w for t, w in zip(terms, weights)]
    return terms, weights


def _content(text: str) -> str:
    """The question without its frame ("what did", "how many") and asking verbs."""
    return FRAME.sub(" ", _ASKS.sub(" ", text))


_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")


def respell(text: str, units: list[Unit]) -> str:
    """Capitalised words of the text replaced by the units' spelling of the same name."""
    seen: dict[str, str] = {}
    for u in units:
        for m in _CAPITALISED.finditer(u.text):
            seen.setdefault(fold(m.group()).strip("'’"), m.group().strip("'’"))

    def repl(m: re.Match) -> str:
        w = m.group()
        key = fold(w).removesuffix("'s").removesuffix("’s")
        if key in seen or len(key) < 4:
            return w
        match = next((v for k, v in seen.items() if same_word(key, k)), None)
        return match or w

    return _CAPITALISED.sub(repl, text)


def score_units(
    units: list[Unit],
    q: Question,
    text: str,
    terms: list[str],
    weights: list[float],
    qvec: np.ndarray | None,
    lex: LexicalIndex,
    cfg: ReaderConfig,
    encode: Callable[[list[str]], np.ndarray] | None = None,
) -> None:
    """Fill in every unit's features, relevance and score against ``text`` (the question,
    or one part of it); ``encode`` (the embedder) re-ranks the best few by their own
    vectors."""
    total = sum(weights) or 1.0
    titles: dict[str, set[str]] = {}
    title_words: dict[str, list[str]] = {}
    passage_terms: dict[str, set[str]] = {}
    for u in units:
        passage_terms.setdefault(u.passage.chunk_id, set()).update(u.terms)
        if u.article_id not in titles:
            titles[u.article_id] = set(lex.query_terms(u.passage.article.title))
            title_words[u.article_id] = ["."] + words(u.passage.article.title)
    top_passage = max((u.passage.score for u in units), default=1.0) or 1.0
    speaker = Speaker.of(q.speaker) if q.speaker else None
    ctx = contexts(units)
    names = list(q.names)
    focus = [t for t in terms if len(t) > 2]

    match = TermMatcher(terms)

    def held(text: str) -> set[str]:
        """The question's terms a piece of text holds."""
        return set(match(set(lex.query_terms(text))))

    focus_set = set(focus)
    if q.kind is Kind.OUTCOME and names:
        # a result is about the sides the question names ("Harlow v Dunmore"), not one
        # recalled from another season or another match of the same competition
        focus_set = held(" ".join(names)) or focus_set
    if q.kind is Kind.QUANTITY:
        # "what is Veltrane's share price", "how much must Google pay": the number
        # stands with what is measured, not with any of the question's words (a
        # follow-up's own words: "what's it worth?", not the raise it borrowed)
        focus_set = held(" ".join(_MEASURES.findall(own_words(q.text) or q.text))) or focus_set

    def near(clause: str) -> bool:
        return not focus_set.isdisjoint(held(clause))

    found: dict[int, set[str]] = {}

    def matched(term_set: set[str]) -> set[str]:
        """The question's terms a term set holds (once per set: titles and passages are
        shared by many units)."""
        got = found.get(id(term_set))
        if got is None:
            got = found[id(term_set)] = match(term_set)
        return got

    nothing: set[str] = set()
    previous: Unit | None = None
    for u, context in zip(units, ctx):
        before = previous.terms if previous is not None and previous.passage.chunk_id == u.passage.chunk_id else nothing
        in_title, in_unit = matched(titles[u.article_id]), matched(u.terms)
        in_before, in_passage = matched(before), matched(passage_terms[u.passage.chunk_id])
        got = own = detail = beyond = 0.0
        for t, w in zip(terms, weights):
            if t not in in_title:
                beyond += w
                detail += w * (t in in_unit)
            if t in in_unit:
                got += w
                own += w
            elif t in in_title:
                got += w
            elif t in in_before:
                got += 0.5 * w
            elif t in in_passage:
                got += w / 3
        u.coverage = got / total
        u.own = own / total
        u.detail = detail / beyond if beyond else 1.0
        u.similarity = float(np.dot(u.vector, qvec)) if u.vector is not None and qvec is not None else 0.0
        u.fits = fits(q.kind, u.text, q, near)
        if q.kind is Kind.PERSON and context is not u.text:  # "..., he said": who he is comes before
            u.fits = max(u.fits, 0.9 * fits(q.kind, context, q))
        u.attributed = speaker is not None and attributed(u, context, speaker)
        if names:
            pool = words(context) + title_words[u.article_id]
            if previous is not None and previous.passage.chunk_id == u.passage.chunk_id:
                pool += words(previous.text)
            u.names = sum(mentions(pool, n) for n in names) / len(names)
        u.relevance = (u.coverage + max(u.similarity, 0.0)) / 2
        score = (
            cfg.w_coverage * u.coverage
            + cfg.w_own * u.own
            + cfg.w_detail * u.detail
            + cfg.w_similarity * u.similarity
            + cfg.w_fits * u.fits
            + cfg.w_attributed * u.attributed
            + cfg.w_passage * u.passage.score / top_passage
            + cfg.w_names * u.names
        )
        if len(u.text.split()) < 5 or CHROME.search(u.text):
            # fragments ("Johnson.", captions) and the page's own chrome (newsletter
            # sign-ups, privacy notices) do not answer anything
            score -= cfg.fragment_penalty
        elif _headline(u):
            score -= cfg.headline_penalty  # a subheading or caption restates the topic rather than answering
        u.score = score
        previous = u
    if encode is not None and qvec is not None and cfg.rerank_top > 1:
        rerank(units, qvec, encode, cfg)


_ENCODED = 240  # characters of a sentence encoded for the re-ranking (its first 50-60 tokens)


def rerank(units: list[Unit], qvec: np.ndarray, encode: Callable[[list[str]], np.ndarray], cfg: ReaderConfig) -> None:
    """The ``rerank_top`` best units, encoded on their own, gain ``w_direct`` times their
    vector's closeness to the question: a sentence's pooled vector has read its whole
    chunk, and the closest in meaning to the question is often not the one holding most
    of its words ("will be released Oct. 20 on PlayStation 5" for "when's it coming out on
    PS5"). Every other unit gains what the least close of them gains, so none of them
    overtakes a unit it was below."""
    top = sorted(units, key=lambda u: -u.score)[: cfg.rerank_top]
    if len(top) < 2:
        return
    gains = cfg.w_direct * (encode([u.text[:_ENCODED] for u in top]) @ qvec)
    chosen = {id(u) for u in top}
    floor = float(gains.min())
    for u, gain in zip(top, gains):
        u.score += float(gain)
    for u in units:
        if id(u) not in chosen:
            u.score += floor


_TERMINAL = re.compile(r"[.!?…][\"”’')\]]*\s*$")


def _headline(u: Unit) -> bool:
    """A line of its own without a full stop (a subheading, a caption, a credit), or a
    question the article asks rather than answers."""
    if u.text.rstrip(" ”\"’'").endswith("?"):
        return True
    text = u.passage.text
    a, b = u.start - u.passage.start, u.end - u.passage.start
    own_line = (a == 0 or text[a - 1] == "\n") and (b == len(text) or text[b] == "\n")
    return own_line and not _TERMINAL.search(u.text)


def has_term(terms: set[str], t: str) -> bool:
    """A (stemmed) term, or a longer or shorter form of it: the stemmer leaves
    "west"/"western" and "russia"/"russian" apart."""
    if t in terms:
        return True
    if len(t) < 4:
        return False
    if any(t[:k] in terms for k in range(4, len(t))):  # a shorter form of t
        return True
    return any(len(u) > len(t) and u.startswith(t) for u in terms)  # a longer form of t


class TermMatcher:
    """Which of the question's terms a set of terms holds, by ``has_term``'s rule, read
    from the set's side: the question has ~10 terms and the scoring asks about hundreds
    of sets, so the question's prefixes are built once and each set is scanned once."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = set(terms)
        self.long = {t for t in self.terms if len(t) >= 4}
        self.lengths = sorted({len(t) for t in self.long})
        self.shorter: dict[str, list[str]] = {}  # a shorter form (>= 4 letters) -> the terms it shortens
        for t in self.long:
            for k in range(4, len(t)):
                self.shorter.setdefault(t[:k], []).append(t)

    def __call__(self, term_set: set[str]) -> set[str]:
        out = self.terms & term_set
        for u in term_set:
            out.update(self.shorter.get(u, ()))
            for n in self.lengths:  # u a longer form of a term
                if len(u) > n and u[:n] in self.long:
                    out.add(u[:n])
        return out


def missing_names(q: Question, units: list[Unit]) -> list[str]:
    """The question's names that no retrieved passage (text, title, outlet) mentions."""
    pool: list[str] = []
    seen: set[str] = set()
    for u in units:
        pool += ["."] + words(u.text)
        a = u.passage.article
        if a.id not in seen:
            seen.add(a.id)
            pool += ["."] + words(f"{a.title} . {a.source} . {a.author}")
    return [n for n in q.names if not mentions(pool, n)]


def decide(q: Question, units: list[Unit], cfg: ReaderConfig, lex: LexicalIndex | None = None) -> Verdict:
    """The units that answer the question, or a refusal (with the closest unit when the
    articles cover the topic but not what is asked); ``lex`` reads a sentence before
    the retrieved passage when the answer needs it."""
    if not units:
        return Verdict([], "")
    ranked = sorted(units, key=lambda u: -u.score)
    best = ranked[0]
    most_relevant = max(units, key=lambda u: u.relevance)
    if most_relevant.relevance < cfg.min_relevance:
        return Verdict([], "")
    floor = max(cfg.min_relevance, cfg.kind_relevance_share * most_relevant.relevance)
    relevant = [u for u in ranked if u.relevance >= floor]
    if any(not _headline(u) for u in relevant):  # subheadings only when nothing else is relevant
        relevant = [u for u in relevant if not _headline(u)]
        best = relevant[0] if _headline(best) else best
    if q.kind in GATED_KINDS:
        typed = [u for u in relevant if u.fits >= cfg.min_fits]
        if not typed:
            return Verdict([], _not_given(q), closest=most_relevant)
        best = typed[0]
    elif q.speaker:
        said = [u for u in relevant if u.attributed]
        if said:
            best = said[0]
        elif not any(u.attributed for u in units):
            return Verdict([], f"The articles do not quote {q.speaker} on this.", closest=most_relevant)
    elif best.relevance < floor:
        best = relevant[0]
    if (
        q.kind in GATED_KINDS
        and best.detail == 0.0
        and best.similarity < cfg.detail_gate
        and not _only_the_slot(q, best)
    ):
        # the sentence holds the story's words but none of what is asked beyond them
        return Verdict([], _not_given(q), closest=best)
    if q.kind is not Kind.STATEMENT and _WITHHELD.search(best.text):
        # the best sentence says the detail is not known ("police have not released the
        # names"): that is the answer a reader needs, but it answers nothing
        return Verdict([], "The articles say it has not been made public.", closest=best)
    chosen = [best]
    most = cfg.max_sentences if q.kind in GATED_KINDS else cfg.max_sentences_open
    # a reason is often given without a causal word: when the best sentence has none,
    # a near-tied one need not have one either
    loose = q.kind in (Kind.OTHER, Kind.YESNO, Kind.STATEMENT) or (q.kind is Kind.REASON and best.fits == 0.0)
    for u in relevant:
        if len(chosen) >= most or u.score < cfg.keep_ratio * best.score:
            break
        if u is best or any(overlap(u, c) or _near_duplicate(u, c) for c in chosen):
            continue
        if not loose and u.fits < cfg.min_fits:
            continue
        chosen.append(u)
    consequences = [u for u in chosen if _CONSEQUENCE.match(u.text)]
    if q.kind is Kind.REASON and consequences:
        # "So 10MS produced its first paid course.": the cause is the sentence before
        for u in consequences:
            before = sentence_before(u, units, lex)
            if before is not None and not _headline(before) and all(before.key() != c.key() for c in chosen):
                chosen.append(before)
    elif q.kind is Kind.REASON and best.fits == 0.0:
        # the best sentence tells what happened but gives no cause: the explanation
        # usually comes next ("..., he said." / "It feels like looking backwards.")
        after = _next_unit(best, units)
        if after is not None and not _headline(after) and all(after.key() != c.key() for c in chosen):
            chosen.append(after)
    for u in list(chosen):
        if _BARE_REPLY.match(u.text):
            # '"Yes," responded Wang.': the question he answered is the sentence before
            before = sentence_before(u, units, lex)
            if before is not None and all(before.key() != c.key() for c in chosen):
                chosen.insert(chosen.index(u), before)
        if _ANNOUNCES.search(u.text):
            # "Kyncl's answer was unequivocal." / "... he said:": what was said comes next
            after = _next_unit(u, units)
            if after is not None and all(after.key() != c.key() for c in chosen):
                chosen.insert(chosen.index(u) + 1, after)
    return Verdict(chosen)


_BARE_REPLY = re.compile(
    r"\W*(?:yes|no|yeah|yep|nope|correct|absolutely|never|i did|i do|i have|not at all)\b[,.!]?[\"”’]?[^\"“”]{0,40}$",
    re.I,
)
_ANNOUNCES = re.compile(
    r"(?::|\b(?:answer|reply|response|verdict|message|explanation|reaction) (?:was|is)(?:\s+[\w-]+){1,3}\.)[\"”’]?\s*$",
    re.I,
)
_CONSEQUENCE = re.compile(
    r"\W*(?:so|thus|hence|therefore|consequently|as a result|that'?s why|that is why|this is why|which is why|"
    r"this (?:led|prompted|meant)|that (?:led|prompted|meant))\b",
    re.I,
)


def _only_the_slot(q: Question, u: Unit) -> bool:
    """Whether the question asks nothing of its names but the slot ("How old is
    Jonathan Smith?", "What day did Time name Swift its Person of the Year?") and the
    unit fills it for them: then no other word of the question need be in it."""
    named = {w for n in q.names for w in words(n)}
    return (
        bool(named)
        and u.names >= 1.0
        and u.fits >= 1.0
        and all(w in named for w in words(" ".join(content_words(q.text))))
    )


def _next_unit(u: Unit, units: list[Unit]) -> Unit | None:
    """The unit right after ``u`` in its passage, if any."""
    for i, x in enumerate(units[:-1]):
        if x is u:
            nxt = units[i + 1]
            return nxt if nxt.passage.chunk_id == u.passage.chunk_id else None
    return None


# what a number measures, when a question names it
_MEASURES = re.compile(
    r"\b(?:share price|stock price|price|prices|fine|fined|salary|salaries|wage|wages|fee|fees|damages|ticket|tickets|"
    r"valuation|worth|budget|revenue|revenues|profit|profits|sales|toll|votes?|turnout|attendance|pay|paid|paying|"
    r"cost|costs|spend|spent|raise|raised|earn|earned|rent|rents)\b",
    re.I,
)
_WITHHELD = re.compile(
    r"\b(?:ha(?:ve|s) not|had not|hasn't|haven't|did not|didn't|would not|wouldn't|declined to|refused to|yet to)\s+"
    r"(?:yet\s+)?(?:been\s+)?(?:release[ds]?|disclose[ds]?|reveal(?:ed|s)?|made public|make public|identif(?:y|ied))\b|"
    r"\b(?:undisclosed|not (?:been )?(?:disclosed|released|made public|identified))\b",
    re.I,
)

# kinds whose answer can be told from the text (a number, a date, a name); a reason
# or a place is too often said without any telltale word to refuse for want of one
GATED_KINDS = (Kind.QUANTITY, Kind.DATE, Kind.PERSON, Kind.ORGANISATION, Kind.OUTCOME)

_NOT_GIVEN = {
    Kind.QUANTITY: "how many or how much",
    Kind.DATE: "when",
    Kind.PERSON: "who",
    Kind.ORGANISATION: "which one",
    Kind.PLACE: "where",
    Kind.REASON: "why",
    Kind.OUTCOME: "how it ended",
}


def _not_given(q: Question) -> str:
    """What is missing, in the question's own words where it says "how long", "how far"..."""
    how = re.search(r"\bhow (?:many|much|long|far|old|often|big|large|tall|high|fast)\b", q.text, re.I)
    what = how.group().lower() if q.kind is Kind.QUANTITY and how else _NOT_GIVEN.get(q.kind, "that")
    if q.kind is Kind.OUTCOME and re.search(r"\bdecid|\bverdict\b|\bruling\b|\brule\b", q.text, re.I):
        what = "what was decided"
    return f"The articles I have do not say {what}."


def overlap(a: Unit, b: Unit) -> bool:
    return a.article_id == b.article_id and a.start < b.end and b.start < a.end


def _near_duplicate(a: Unit, b: Unit) -> bool:
    if not a.terms or not b.terms:
        return a.text.strip() == b.text.strip()
    return len(a.terms & b.terms) / len(a.terms | b.terms) >= 0.7
