"""Evidence selection: which sentences of the top passages answer the question.

Each sentence is scored by how much of the question's weighted (idf) vocabulary it
covers, how good its passage was, and whether it attributes a statement to the person
or body the question asks about ("what did France say" must find "French government
spokesman Gabriel Attal said"). Quotations that run over several sentences are kept
whole, and a quoted statement's continuation ("..., he added") follows its sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from index.chunking import parse_sentence_field

from .schema import Passage

SPEECH = re.compile(
    r"\b(said|says|say|told|tells|warn(?:ed|s)?|add(?:ed|s)|assur(?:ed|es)|declar(?:ed|es)|stat(?:ed|es|ement)|"
    r"announc(?:ed|es)|consider(?:ed|s)|insist(?:ed|s)|argu(?:ed|es)|claim(?:ed|s)|not(?:ed|es)|explain(?:ed|s)|"
    r"stress(?:ed|es)|urg(?:ed|es)|call(?:ed|s) on|according to|spokes(?:man|woman|person)|wrote|tweeted|"
    r"believe[sd]?|describ(?:ed|es)|welcom(?:ed|es)|criticiz(?:ed|es)|criticis(?:ed|es)|reject(?:ed|s)|denie[sd]|"
    r"admit(?:ted|s)|confirm(?:ed|s)|predict(?:ed|s)|suggest(?:ed|s)|reported|recalled)\b",
    re.I,
)
ASKS_STATEMENT = re.compile(
    r"\b(say|said|says|think|thinks|thought|respond|responded|react|reacted|claim|claimed|announce|announced|warn|"
    r"warned|tell|told|view|position|stance|believe|believes|comment|commented|reaction|response|according)\b",
    re.I,
)
CONTINUATION = re.compile(r"\b(he|she|they|it|the \w+) (added|told|said|continued|went on|insisted|stressed)\b", re.I)
TIME_CUE = re.compile(
    r"\b(on|this|last|next) (monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|month|year)\b|"
    r"\b(yesterday|today|tomorrow|in \d{4}|since \d{4}|\d{4}|january|february|march|april|may|june|july|august|"
    r"september|october|november|december)\b",
    re.I,
)
CAUSE_CUE = re.compile(
    r"\b(because|due to|owing to|as a result|in order to|so that|aimed at|in response to|after|fu?elled by|"
    r"caused by|led to|leading to|reason|since|amid|to avoid|to prevent|in an effort to)\b",
    re.I,
)
NUMBER = re.compile(r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|millions?|billions?)\b", re.I)
# the frame of a question, not its content: removed before measuring coverage
QUESTION_FRAME = re.compile(r"\bhow (many|much|often|long|far)\b|\bwhat (kind|type|sort|number|percentage) of\b", re.I)
QUESTION_WORDS = {"what", "who", "whom", "whose", "which", "when", "where", "why", "how", "did", "does", "do",
                  "is", "are", "was", "were", "and", "but", "so", "also", "according", "can", "could", "would",
                  "should", "has", "have", "had", "will", "in", "on", "the", "a", "an", "of", "to", "for", "tell",
                  "me", "about", "please", "between", "after", "before", "if", "then", "i"}
DEMONYMS = {
    "france": "french", "germany": "german", "britain": "british", "uk": "british", "england": "english",
    "ukraine": "ukrainian", "russia": "russian", "china": "chinese", "japan": "japanese", "italy": "italian",
    "spain": "spanish", "poland": "polish", "israel": "israeli", "iran": "iranian", "india": "indian",
    "america": "american", "us": "american", "usa": "american", "canada": "canadian", "mexico": "mexican",
    "brazil": "brazilian", "turkey": "turkish", "egypt": "egyptian", "greece": "greek", "sweden": "swedish",
    "norway": "norwegian", "finland": "finnish", "denmark": "danish", "netherlands": "dutch", "belgium": "belgian",
    "austria": "austrian", "switzerland": "swiss", "portugal": "portuguese", "ireland": "irish",
    "scotland": "scottish", "australia": "australian", "korea": "korean", "taiwan": "taiwanese",
    "pakistan": "pakistani", "afghanistan": "afghan", "iraq": "iraqi", "syria": "syrian", "lebanon": "lebanese",
    "belarus": "belarusian", "hungary": "hungarian", "romania": "romanian", "europe": "european",
    "saudi arabia": "saudi", "palestine": "palestinian", "nigeria": "nigerian", "argentina": "argentine",
}
_WORD = re.compile(r"[A-Za-z][\w'’.-]*[\w]|[A-Za-z]")


@dataclass
class Sentence:
    passage: Passage
    rank: int  # the passage's rank in retrieval
    start: int  # offsets into the article body
    end: int
    text: str
    score: float = 0.0
    coverage: float = 0.0
    attributed: bool = False
    terms: set[str] = field(default_factory=set)


def question_entities(question: str, ignore: set[str] = frozenset()) -> list[str]:
    """Proper nouns of the question (capitalised words that are not question words),
    lower-cased; multi-word names stay together ("Gabriel Attal")."""
    names: list[str] = []
    current: list[str] = []
    for m in _WORD.finditer(question):
        w = m.group().rstrip(".'’").removesuffix("'s").removesuffix("’s")
        is_name = w[:1].isupper() and w.lower() not in QUESTION_WORDS
        if is_name:
            current.append(w.lower())
        elif current:
            names.append(" ".join(current))
            current = []
    if current:
        names.append(" ".join(current))
    return [n for n in dict.fromkeys(names) if n not in ignore]


def entity_forms(entity: str) -> list[str]:
    """How a text may refer to the entity: itself, its last word (a surname), and the
    demonym of a country ("France" -> "French")."""
    forms = [entity]
    parts = entity.split()
    if len(parts) > 1 and len(parts[-1]) > 2:
        forms.append(parts[-1])
    if entity in DEMONYMS:
        forms.append(DEMONYMS[entity])
    return forms


def mentions(text_lower: str, entity: str) -> bool:
    """Whole-word match of any form; forms of 4+ letters also match as a word's start
    ("West" in "Westerners", "Iran" in "Iranian")."""
    for f in entity_forms(entity):
        tail = r"\w*" if len(f) >= 4 else ""
        if re.search(rf"(?<!\w){re.escape(f)}{tail}(?!\w)", text_lower):
            return True
    return False


def split_passage(p: Passage, rank: int, sentence_field: str) -> list[Sentence]:
    """The passage's sentences (boundaries stored at ingestion), with quotations that
    run over several sentences of one paragraph merged into one unit (a quote left
    open at a paragraph's end is a typo or a multi-paragraph quote: not followed)."""
    spans = parse_sentence_field(sentence_field, len(p.text))
    merged: list[tuple[int, int]] = []
    open_quote = False
    for a, b in spans:
        same_paragraph = bool(merged) and "\n" not in p.text[merged[-1][1] : a]
        if open_quote and same_paragraph:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
        whole = p.text[merged[-1][0] : merged[-1][1]]
        open_quote = whole.count("“") > whole.count("”") or whole.count('"') % 2 == 1
    return [Sentence(p, rank, p.start + a, p.start + b, p.text[a:b]) for a, b in merged]


def has_term(terms: set[str], t: str) -> bool:
    """A (stemmed) term, or a longer or shorter form of it: the stemmer leaves
    "west"/"western" and "russia"/"russian" apart."""
    if t in terms:
        return True
    return len(t) >= 4 and any(len(u) >= 4 and (u.startswith(t) or t.startswith(u)) for u in terms)


def score_sentences(
    sentences: list[Sentence],
    q_terms: list[str],
    q_weights: list[float],
    sentence_terms: list[set[str]],
    question: str,
    entities: list[str],
    passage_scores: dict[int, float],
    title_terms: dict[str, set[str]] | None = None,
) -> None:
    """Fill in coverage, attribution and the final score of each sentence.

    Coverage is the idf-weighted share of the question's terms found in the sentence.
    A sentence is read in its context: a term of the article's title counts for every
    sentence of the article (it is the article's topic, so it cannot tell its sentences
    apart: the other terms of the question must), a term found only in the sentence
    before (which a pronoun may refer to) counts half, and one found elsewhere in the
    passage a third.
    """
    total = sum(q_weights) or 1.0
    asks_statement = bool(ASKS_STATEMENT.search(question))
    qlow = question.lower().lstrip()
    asks_when = qlow.startswith("when") or "what time" in qlow or "what date" in qlow
    asks_why = qlow.startswith("why") or "what reason" in qlow or "what caused" in qlow
    asks_number = bool(re.match(r"(how (many|much|long|far|old|big|large|tall|high)|what (number|percentage|share))\b", qlow))
    passage_terms: dict[str, set[str]] = {}
    for s, terms in zip(sentences, sentence_terms):
        passage_terms.setdefault(s.passage.chunk_id, set()).update(terms)
    top_passage = max(passage_scores.values(), default=1.0) or 1.0
    title_terms = title_terms or {}
    previous: set[str] = set()
    prev_key: tuple[str, int] | None = None
    for s, terms in zip(sentences, sentence_terms):
        key = (s.passage.chunk_id, s.start)
        context = previous if prev_key and prev_key[0] == key[0] else set()
        title = title_terms.get(s.passage.article.id, set())
        s.terms = terms
        got = 0.0
        for t, w in zip(q_terms, q_weights):
            if has_term(terms, t) or has_term(title, t):
                got += w
            elif has_term(context, t):
                got += 0.5 * w
            elif has_term(passage_terms[s.passage.chunk_id], t):
                got += w / 3
        s.coverage = got / total
        previous, prev_key = terms, key
        low = s.text.lower()
        words = len(s.text.split())
        s.attributed = asks_statement and bool(SPEECH.search(s.text)) and any(mentions(low, e) for e in entities)
        score = s.coverage + 0.3 * passage_scores.get(s.rank, 0.0) / top_passage
        if s.attributed:
            score += 0.3
        if asks_when and TIME_CUE.search(s.text):
            score += 0.15
        if asks_why and CAUSE_CUE.search(s.text):
            score += 0.15
        if asks_number and NUMBER.search(s.text):
            score += 0.15
        if words < 5:
            score *= 0.4  # fragments ("Johnson.", captions) do not answer anything
        s.score = score


def near_duplicate(a: Sentence, b: Sentence) -> bool:
    if not a.terms or not b.terms:
        return a.text.strip() == b.text.strip()
    return len(a.terms & b.terms) / len(a.terms | b.terms) >= 0.7
