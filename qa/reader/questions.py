"""What a question asks for: the kind of answer, who it asks about, and its parts.

"How many ...", "When ...", "Who replaced ...", "Why ...", "What did X say about Y",
"Did X ...?" each want a different sentence: one holding a quantity, a date, a name, a
reason, X's own words, or the fact that settles it. A question about several sources
("What did TechCrunch and the Verge each say ...", "Which came first, A or B?") or a
long question stacking several facts ("Which company, reported by X, did A, B and C?")
is split into parts, each answered by its own sentence.

Everything here is pure text analysis: no model, no store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cache

from ..query import QueryInfo


class Kind(str, Enum):
    QUANTITY = "quantity"
    DATE = "date"
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    REASON = "reason"
    OUTCOME = "outcome"
    STATEMENT = "statement"
    YESNO = "yesno"
    OTHER = "other"


_KIND_PATTERNS: list[tuple[Kind, re.Pattern[str]]] = [
    # how something ended: who won, the final score, whether it went ahead
    (
        Kind.OUTCOME,
        re.compile(
            r"\bwho (?:won|came out on top|prevailed)\b(?=.*\b(?:game|match|derby|final|semi|semis|semi-final|tie|race|fight|"
            r"bout|clash|v|vs|versus|against)\b)|\bwhat was the (?:final |full-time )?(?:score|result|outcome)\b|"
            r"\bdid .{2,60}\b(?:win|beat|lose|defeat|draw|hold on|get the \w+ (?:point|win)|go ahead|agree)\b|"
            r"\bhow did .{2,60}\b(?:end|finish|end up|turn out)\s*(?:[,;?]|$)|\bin the end\b|\bwhat happened (?:in|at) the (?:game|match|vote)\b|"
            # a decision: "what did the jury end up deciding", "what was the verdict"
            r"\bwhat did (?:the )?(?:jury|judge|court|panel|regulator|board|committee|tribunal)\b.{0,30}\b(?:decid|rul|find|conclud)\w*\b|"
            r"\bwhat did .{2,50}?\b(?:end up )?decid(?:e|ing)\b|"
            r"\bwhat (?:was|is) the (?:verdict|ruling|decision)\b",
            re.I,
        ),
    ),
    (
        Kind.REASON,
        re.compile(
            r"^(?:\W*)(?:and\s+|so\s+|but\s+)?(?:why|how come)\b|\bwhat (?:is|was|were|are) the (?:reasons?|cause|motive)\b|"
            r"\bwhat (?:caused|led to|prompted|made|drove|triggered)\b|\bfor what reason\b|\bhow did .{3,60} end up\b|"
            r"\breasons? (?:for|behind)\b",
            re.I,
        ),
    ),
    (
        Kind.QUANTITY,
        re.compile(
            r"\bhow (?:many|much|long|far|old|big|large|tall|high|fast|often|heavy|deep|wide|severe)\b|"
            r"\bwhat (?:number|percentage|percent|share|proportion|amount|price|cost|sum|fee|salary|rate|margin|total|"
            r"score|figure|size|value|valuation|age|capacity|budget|tally|temperature|distance)\b|\bby how much\b|"
            # "what profit figure", "what net asset value", "what odds": a measure after the words it measures
            r"\bwhat (?:(?!(?:did|does|do|is|was|were|are|has|have|had|will|would|can|could|should|kind|sort|type|"
            r"of|the|a|an)\b)[a-z][\w'’-]* ){0,3}?(?:figure|number|amount|total|sum|value|odds|price|cost|fee|rate|"
            r"percentage|count|tally|valuation|salary)s?\b(?! of living)|"
            r"\bby what (?:percentage|margin|amount)\b|"
            # "what was the vote count?", "what is its share price?"
            r"\bwhat(?:'s| is| was| were| are) (?:the |its |their |his |her )?(?:[\w'’-]+ ){0,2}?(?:count|tally|turnout|"
            r"attendance|toll|population|total|margin|price|cost|fee|salary|budget|valuation|capacity|worth)\b(?! of living)",
            re.I,
        ),
    ),
    (
        Kind.DATE,
        re.compile(
            r"^(?:\W*)(?:and\s+|so\s+|but\s+)?when\b|\bwhat (?:date|day|year|month|time)\b|\bsince when\b|"
            r"\bwhich (?:day|date|year|month)\b|\bhow long ago\b|\bwhen (?:did|does|do|is|was|will|are|were)\b",
            re.I,
        ),
    ),
    (
        Kind.PLACE,
        re.compile(
            r"^(?:\W*)(?:and\s+|so\s+|but\s+)?where\b|\b(?:which|what) (?:city|country|town|village|state|venue|stadium|"
            r"region|place|county|province|ground|arena|location)\b|\bin what (?:city|country|town|place)\b",
            re.I,
        ),
    ),
    (
        Kind.PERSON,
        re.compile(
            r"^(?:\W*)(?:and\s+|so\s+|but\s+)?(?:who|whom)\b|\bwhose\b|\bwhat(?:'s| is| was) (?:the|his|her|their) name\b|"
            r"\bwhich (?:person|player|coach|manager|executive|official|minister|doctor|prosecutor|judge|academic|expert|"
            r"analyst|leader|politician|candidate|president|chief|boss|founder|ceo|director|singer|actor|artist|author|"
            r"writer|scientist|researcher|spokesman|spokeswoman|spokesperson|star|athlete|driver|pitcher|quarterback|"
            r"striker|goalkeeper|member|senator|lawyer|officer|journalist|reporter|woman|man|[a-z]+er)\b|"
            r"\bname (?:of )?the (?:person|player|man|woman)\b",
            re.I,
        ),
    ),
    (
        Kind.ORGANISATION,
        re.compile(
            r"\b(?:which|what) (?:company|firm|team|club|side|organi[sz]ation|agency|outlet|publication|newspaper|party|"
            r"bank|group|brand|government|body|union|network|studio|band|school|university|league|startup|platform|"
            r"app|service|product|model|device|game|film|show|series|console|law|bill|court|agencies)\b",
            re.I,
        ),
    ),
]
_YESNO = re.compile(
    r"^(?:\W*)(?:and\s+|so\s+|but\s+)?(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|"
    r"should|shall|may|might|isn't|wasn't|didn't|doesn't|hasn't|haven't|won't)\b",
    re.I,
)

_SAY = (
    r"(?:say|said|says|tell|told|think|thinks|thought|react|reacted|respond|responded|describe|described|call|"
    r"called|sum up|summed up|answer|answered|comment|commented|feel|feels|felt|make of|mean|meant|warn|warned|"
    r"claim|claimed|argue|argued|admit|admitted|insist|insisted|believe|believes|predict|predicts|"
    r"announce|announced|explain|explained|reveal|revealed|suggest|suggested|put it|describe it)"
)
_OPENS_WITH_SAYING = re.compile(
    rf"^\W*(?:and\s+|so\s+)?what\s+(?:did|does|do|has|have|had)\s+(?:[\w'’.&-]+\s+){{1,6}}?{_SAY}\s+(?:about|of|on)\b",
    re.I,
)
_SPEAKER = [
    re.compile(
        rf"\b(?:what|how|why|when|where|did|does|do|has|have|had|is|was|would|will)\s+(?:exactly\s+)?(?:did|does|do|has|have|had|"
        rf"was|is|would|will)?\s*(?P<who>[\w'’.&-]+(?:\s+[\w'’.&-]+){{0,5}}?)\s+(?:actually\s+|really\s+|exactly\s+|"
        rf"first\s+|later\s+)?{_SAY}\b",
        re.I,
    ),
    re.compile(
        r"\bwhat (?:was|is|were|are) (?P<who>[\w'’.&-]+(?:\s+[\w'’.&-]+){0,5}?)(?:'s|’s|s') (?:reaction|response|view|"
        r"position|stance|take|answer|verdict|comment|message|explanation|argument|assessment)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:reaction|response|view|position|stance|take|comments?) (?:of|from) (?P<who>[\w'’.&-]+(?:\s+[\w'’.&-]+){0,5})",
        re.I,
    ),
    re.compile(r"\baccording to (?P<who>[\w'’.&-]+(?:\s+[\w'’.&-]+){0,4})", re.I),
]
_SPEAKER_STOP = {
    "the",
    "a",
    "an",
    "they",
    "it",
    "this",
    "that",
    "people",
    "you",
    "we",
    "i",
    "anyone",
    "everyone",
    "article",
    "articles",
    "report",
    "piece",
    "story",
    "what",
    "how",
    "did",
    "does",
    "do",
    "so",
    "and",
    "each",
    "both",
    "all",
    "others",
    "other",
    "also",
    "respectively",
}

# the ways people say "published": "came out", "ran", "went up", "was posted / released"
_CAME_OUT = r"(?:came(?: out)?|was (?:published|released|posted|put out|out|reported|written)|happened|ran|went (?:up|out|live)|appeared)"
_WHICH_ONE = r"which (?:one |piece |article |report |story |review )?"
ORDER = re.compile(
    rf"\b(?:before or after|after or before|{_WHICH_ONE}{_CAME_OUT} (?:first|earlier|later|last)|"
    r"(?:published|reported|written|released|posted|came(?: out)?|happened) (?:first|earlier|later)|"
    rf"{_WHICH_ONE}(?:came )?(?:first|earlier)|(?:was|were|did) .{{3,80}} (?:before|after) )",
    re.I,
)
_ALTERNATIVES = re.compile(
    r",?\s*(?:the\s+)?(?P<a>[^,?]{3,120}?)\s+or\s+(?:the\s+)?(?P<b>[^,?]{3,120}?)\s*\??\s*$", re.I
)
_CLAUSE_SPLIT = re.compile(
    r"(?<!\d),(?!\d)\s*(?:and\s+|while\s+|but\s+|also\s+)?|\s+(?:while|whereas|but)\s+(?:also\s+)?|"
    r"\s+and\s+(?:also\s+|is\s+|was\s+|has\s+|had\s+)?(?=[a-z]+(?:es|ed|ing)\b|also\b)|;\s*|"
    r"\s+as well as\s+"
)

# words that frame a question rather than say what it is about
FRAME = re.compile(
    r"\bhow (?:many|much|often|long|far|old)\b|\bwhat (?:kind|type|sort|number|percentage) of\b|\baccording to\b|"
    r"\b(?:what|which|on what) (?:day|date|year|month|time)\b|"  # the slot asked: "what day" is not a word to find
    r"\b(?:these days|nowadays|right now|at the moment|at present|currently)\b|"  # "now" is when every story speaks
    # when a thing happens is the slot asked: "when's the vote supposed to happen?" asks the vote's date
    r"\b(?:supposed|scheduled|slated|due|set|expected|planned) to (?:happen|take place|be held|occur)\b|"
    r"\b(?:happen(?:s|ed)?|take place|takes place|took place)\b|"
    r"\b(?:the|an?|this|that) (?:article|piece|report|story|coverage|roundup|round-up)\b|\breported by\b|"
    r"\b(?:published|reported|written) (?:by|in|on)\b",
    re.I,
)


@dataclass
class Part:
    """One piece of a question with several: its words, and the outlet or day it names."""

    text: str
    outlets: list[str] = field(default_factory=list)  # source keys
    day_index: int | None = None  # into the question's days
    asks: bool = False  # a question of its own ("..., and who scored?"), not a relative clause


@dataclass
class Question:
    text: str
    kind: Kind
    speaker: str | None  # who a statement question asks about, as written
    names: list[str]  # proper names, as written, outlets left out
    info: QueryInfo
    parts: list[Part] = field(default_factory=list)  # several when it asks about several sources or facts
    asks_order: bool = False  # "which came first", "before or after"
    yesno: bool = False

    @property
    def multi(self) -> bool:
        return len(self.parts) >= 2


# short forms people type inside names ("Man Utd"), as articles spell them
_SHORT_FORMS = [
    (re.compile(r"\bUtd\b\.?"), "United"),
    (re.compile(r"\bUniv\b\."), "University"),
    (re.compile(r"\bDept\b\."), "Department"),
    (re.compile(r"\bIntl\b\.?"), "International"),
]


@cache
def _state_school() -> re.Pattern[str]:
    """ "Michigan St." / "Ohio St": a US state's university, as sports pages shorten
    it (state names from countryinfo; "Main St." and "St. Louis" stay as they are)."""
    from countryinfo import CountryInfo

    states = "|".join(re.escape(s) for s in CountryInfo("United States").provinces())
    return re.compile(rf"\b({states})\s+St\b\.?(?=\s+[a-z]|\s*[?,.!;:]|\s*$)")


def spelled_out(text: str) -> str:
    """The question with the short forms of names written out, so they match the
    articles ("Who did Michigan St. hire?" -> "Who did Michigan State hire?")."""
    for pattern, full in _SHORT_FORMS:
        text = pattern.sub(full, text)
    return _state_school().sub(r"\1 State", text)


_OPENS_WITH_AMOUNT = re.compile(
    # not "how many seats did they win": a result, whose near misses say how it ended
    r"^\W*(?:(?:and|so|but|ok|okay)\W+)?how (?:many|much|big|large|old|far)\b"
    r"(?!.*\b(?:end|finish|turn out|win|won|beat|lose|lost|defeat|draw)\b)",
    re.I,
)


def answer_kind(text: str) -> Kind:
    """The first matching kind; a statement wins over the generic kinds when the question
    asks what someone said or thought; a question that opens by asking what someone
    thinks or says ("What does Kelce think about how much the NFL shows Swift?") is a
    statement whatever it goes on to mention."""
    if _OPENS_WITH_SAYING.match(text) and speaker_of(text):
        return Kind.STATEMENT
    if _OPENS_WITH_AMOUNT.match(text):
        return Kind.QUANTITY  # "How big a fine did he agree to?" asks an amount, not how it ended
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(text):
            return kind
    if speaker_of(text):
        return Kind.STATEMENT
    if _YESNO.match(text):
        return Kind.YESNO
    return Kind.OTHER


def speaker_of(text: str) -> str | None:
    """Who a question asks the words or views of ("What did the Dunmore manager say ..."
    -> "the Dunmore manager"), or None."""
    for pattern in _SPEAKER:
        m = pattern.search(text)
        if not m:
            continue
        who = m.group("who").strip(" ,.?")
        tokens = [t for t in re.findall(r"[\w'’.&-]+", who) if t.lower() not in _SPEAKER_STOP]
        if tokens and not all(t.lower() in _PRONOUNS for t in tokens):
            return who
    return None


_PRONOUNS = {"he", "she", "they", "him", "her", "them", "his", "their", "its", "it"}

# capitalised words that start questions or sentences without being names
NOT_NAMES = {
    "what",
    "who",
    "whom",
    "whose",
    "which",
    "when",
    "where",
    "why",
    "how",
    "did",
    "does",
    "do",
    "is",
    "are",
    "was",
    "were",
    "and",
    "but",
    "so",
    "also",
    "according",
    "can",
    "could",
    "would",
    "should",
    "has",
    "have",
    "had",
    "will",
    "in",
    "on",
    "at",
    "the",
    "a",
    "an",
    "of",
    "to",
    "for",
    "tell",
    "me",
    "about",
    "please",
    "between",
    "after",
    "before",
    "if",
    "then",
    "i",
    "under",
    "as",
    "by",
    "from",
    "with",
    "since",
    "during",
    "considering",
    "approximately",
    "roughly",
    "over",
    "two",
    "both",
    "each",
    "name",
    "list",
    "give",
    "describe",
    "explain",
    "compare",
    "who's",
    "what's",
    "where's",
    "when's",
    "how's",
    "that",
    "this",
    "these",
    "those",
    "there",
    "it",
    "its",
    "they",
    "he",
    "she",
    "his",
    "her",
    "their",
    "our",
    "we",
    "you",
    "your",
    "my",
    "ok",
    "okay",
    "yes",
    "no",
    "not",
    "any",
    "all",
    "some",
    "one",
    "new",
    "latest",
    "last",
    "first",
    "next",
    "mr",
    "mrs",
    "ms",
    "dr",
    "sir",
    "st",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "christmas",
    "halloween",
    "easter",
}
_TOKEN = re.compile(r"[A-Za-zÀ-ÿ0-9][\w'’.&-]*[\w]|[A-Za-zÀ-ÿ]")
# lower-case words that may sit inside a name ("Bank of America", "ten Hag", "Tel Aviv 35")
_INSIDE = {"of", "de", "la", "le", "van", "von", "der", "den", "da", "du", "del", "al", "bin", "ten", "&", "the"}
# "New" opens a name when a capitalised word follows ("New York", "New Zealand")
_OPENS_NAME = re.compile(r"New\s+[A-Z][a-z]")


def proper_names(text: str, ignore_spans: list[tuple[int, int]] = ()) -> list[str]:
    """Names in a question, as written: runs of capitalised words (with the little words
    names contain), an all-caps acronym, or a word with a digit in a capitalised run.
    The first word of the text counts only as part of a longer run or as an acronym
    ("Approximately how many ..." names nobody)."""
    names: list[str] = []
    run: list[tuple[int, int, str]] = []

    def close() -> None:
        while run and run[-1][2].lower() in _INSIDE:
            run.pop()
        if run:
            first = run[0]
            if not (first[0] == 0 and len(run) == 1 and not first[2].isupper()):
                names.append(text[run[0][0] : run[-1][1]])
        run.clear()

    for m in _TOKEN.finditer(text):
        w = m.group()
        if run and text[run[-1][1] : m.start()].strip(" '’"):
            close()  # punctuation between two words ends a name ("Ilinca Varga, 41")
        if any(a <= m.start() < b for a, b in ignore_spans):
            close()
            continue
        bare = w.rstrip(".'’").removesuffix("'s").removesuffix("’s")
        capital = bare[:1].isupper() or (bare[:1].isdigit() and bool(run))
        is_name = capital and (
            bare.lower() not in NOT_NAMES
            or (bare.isupper() and len(bare) > 1)
            or bool(_OPENS_NAME.match(text, m.start()))
        )
        if is_name:
            run.append((m.start(), m.start() + len(bare), bare))
        elif run and bare.lower() in _INSIDE and bare.islower():
            run.append((m.start(), m.start() + len(bare), bare))
        else:
            close()
    close()
    seen: dict[str, None] = {}
    for n in names:
        seen.setdefault(n, None)
    return list(seen)


def analyse_question(text: str, info: QueryInfo) -> Question:
    """The kind, speaker, names and parts of a (standalone) question."""
    kind = answer_kind(text)
    speaker = (
        speaker_of(_without(text, info.outlet_spans)) if kind in (Kind.STATEMENT, Kind.YESNO, Kind.OTHER) else None
    )
    if kind is Kind.STATEMENT and not speaker:
        kind = Kind.YESNO if _YESNO.match(text) else Kind.OTHER
    if speaker and kind is Kind.OTHER:
        kind = Kind.STATEMENT
    names = proper_names(text, [span for span, _ in info.outlet_mentions])
    q = Question(text, kind, speaker, names, info, yesno=bool(_YESNO.match(text)))
    q.asks_order = bool(ORDER.search(text))
    q.parts = split_parts(text, info, q.asks_order)
    return q


def part_kind(part: Part, asked: Question, whole: Question) -> Kind:
    """The kind a part asks (``asked`` is its text analysed): its own when it is a
    question of its own ("..., and how much is X paying", "... — who scored?", "...:
    what happened to X"), else the whole question's ("Which company, reported by X, did A, and B?",
    "Which player, who ..., ..."); a statement question's parts keep their own."""
    if whole.kind is Kind.STATEMENT or part.asks:
        return asked.kind
    return whole.kind


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the given spans blanked (outlet names are not speakers)."""
    for a, b in sorted(spans, reverse=True):
        text = text[:a] + " " * (b - a) + text[b:]
    return text


_ORDER_WORDS = re.compile(
    r"\b(?:which|what|came|come|was|were|is|published|reported|written|first|earlier|later|last|"
    r"one|ones|piece|article|story|report|coverage|before|after)\b",
    re.I,
)


_META_WORDS = {
    "article",
    "articles",
    "piece",
    "pieces",
    "report",
    "reports",
    "reported",
    "featured",
    "multiple",
    "outlet",
    "outlets",
    "coverage",
    "published",
    "news",
    "story",
    "stories",
    "according",
    "mentioned",
    "discussed",
    "discussing",
    "suggest",
    "suggests",
    "indicate",
    "indicates",
    "claim",
    "claims",
}


def content_words(text: str) -> list[str]:
    """The words of a question part that say what it is about (not how it is asked)."""
    return [
        w
        for w in re.findall(r"[A-Za-z][\w'’-]{2,}", FRAME.sub(" ", text))
        if w.lower() not in NOT_NAMES and w.lower() not in _META_WORDS
    ]


def split_parts(text: str, info: QueryInfo, asks_order: bool) -> list[Part]:
    """The question's parts, each to be answered by its own sentence:
    - the clauses of a question stacking facts ("Which company, reported by X, did A,
      and B, while C?"), each searched within the outlet or day it names, else within
      every outlet the question names;
    - after a set-up statement ("TechCrunch covered X and Y — how much ..., and who
      ...?") or under a broad question ("How has the war hit business: what ..., and how
      far ...?"), the questions after it, each with what it leans on in brackets;
    - failing that, one part per outlet or day it names, when it names two or more (the
      one question after a set-up naming them, asked of each);
    - for "which came first, A or B" and "A before or after B", A and B.
    No parts means the question is answered as a whole."""
    outlets = _keys_per_span(info.outlet_mentions)
    days = list(enumerate(info.day_spans))
    named = list(info.outlets)
    blank = _without(text, [s for s, _ in outlets] + [s for _, s in days])
    mention_at = [s for (s, _), _ in outlets] + [s for _, (s, _) in days]
    # after a set-up statement the clauses are questions: one content word is enough
    asked_from = _asked_from(blank)
    umbrella = _plain(blank[:asked_from].strip(" :—–-")) if asked_from and _ASKS.match(blank.lstrip()) else ""
    spans = [(max(a, asked_from), b) for a, b in _clause_spans(blank) if b > asked_from]
    clauses = [
        (a, b)
        for a, b in spans
        if len(content_words(blank[a:b])) >= (1 if asked_from else 2 if any(a <= m < b for m in mention_at) else 3)
    ]
    if (
        len(clauses) >= 2
        and not asks_order
        and _CIRCUMSTANCE.match(blank, clauses[0][0])
        and _WH.match(blank, clauses[1][0])
    ):
        clauses = clauses[1:]  # "After the soft jobs numbers, what odds ...?": when, not a fact to find
    anchored = len(outlets) + len(days) >= 2
    if len(clauses) >= 2 and (anchored or len(re.findall(r"\w+", text)) >= 18):
        parts = []
        for n, (a, b) in enumerate(clauses[:6]):
            own = [k for (s, _), keys in outlets if a <= s < b for k in keys]
            # "... per Globes", an outlet not known by that name: not the others', all of them
            where = own or ([] if _CREDITED.search(blank[a:b]) else named)
            day = next((i for i, (s, _) in days if a <= s < b), None)
            if day is None and len(days) == 1 and days[0][1][0] < asked_from:
                day = 0  # the one day the set-up names ("Globes ran two stories on December 3")
            part = _plain(blank[a:b])
            if asked_from:
                part = _leaning(part, blank[:asked_from], blank[:a], umbrella)
            elif n:  # "What is Armstead's cap number, and is he expected to play?": he is Armstead
                part = _leaning(part, "", blank[:a], "")
            # asked after a set-up, after "and" or "?", or first: not "..., who ..."
            joined = (
                asked_from > 0
                or not blank[:a].strip()
                or (n > 0 and re.search(r"\band\b|[?;]", blank[clauses[n - 1][1] : a]) is not None)
            )
            parts.append(Part(part, where, day, asks=joined and _WH.match(blank, a) is not None))
        return parts
    if anchored:
        # each outlet named anchors a part (with a day named in its clause); days
        # alone anchor parts when no outlet is named
        anchors = list(outlets) or [(span, named) for _, span in days]
        if asked_from and all(span[1] <= asked_from for span, _ in anchors):
            # "Everton won in both X's preview and Y's round-up. Who did they beat each
            # time?": the one question, asked of each outlet the set-up names
            asked = _leaning(_plain(blank[asked_from:]), blank[:asked_from], blank[:asked_from], umbrella)
            return [Part(asked, outlets=keys) for _, keys in anchors] if len(anchors) >= 2 else []
        parts = []
        for n, (span, keys) in enumerate(anchors):
            end = anchors[n + 1][0][0] if n + 1 < len(anchors) else len(text)
            start = anchors[n - 1][0][1] if n else 0
            day = next((i for i, d in days if span[0] <= d[0] < end), None)
            after, before = blank[span[1] : end], blank[start : span[0]]
            # "viewership this year (per X)", "..., according to X": X tells what comes before
            tells_before = _CREDITS.search(text[start : span[0]]) is not None
            order = (before, after) if tells_before else (after, before)
            # the clause with three content words, else with two ("Polygon's review of
            # Spider-Man 2 or ..."), else the whole question
            clause = next((c for least in (3, 2) for c in order if len(content_words(c)) >= least), blank)
            parts.append(Part(_plain(clause), outlets=keys, day_index=day))
        return parts if len(parts) >= 2 else []
    if asks_order:
        m = re.search(r"^(?P<a>.+?)\s+(?:before or after|after or before)\s+(?P<b>.+)$", text, re.I)
        if m:
            return [Part(m.group("a"), named), Part(m.group("b"), named)]
        m = _ALTERNATIVES.search(text)
        if m:
            topic = " ".join(_ORDER_WORDS.sub(" ", text[: m.start()]).split())
            return [Part(f"{topic} {m.group('a')}", named), Part(f"{topic} {m.group('b')}", named)]
        m = re.search(r"^(?P<a>.+?)\s+(?:before|after)\s+(?P<b>.+)$", text, re.I)
        if m:
            return [Part(m.group("a"), named), Part(m.group("b"), named)]
    return []


_WH = re.compile(r"\s*(?:and\s+)?(?:who|whom|whose|what|which|when|where|why|how)\b", re.I)
# a question's opening phrase that sets when or why, before what is asked
_CIRCUMSTANCE = re.compile(
    r"\s*(?:after|before|despite|following|amid|since|during|given|ahead of|in the wake of|with|once|as)\b", re.I
)
_CREDITED = re.compile(r"\b(?:per|according to|via)\s+(?:the\s+)?[A-Z]")
_CREDITS = re.compile(r"(?:\(|,|\s)\s*(?:per|according to|via|says|said|reports?|reported)\s+(?:the\s+)?$", re.I)
_LEANS = re.compile(r"\b(?:he|she|him|her|his|they|them|their)\b", re.I)
_POINTS_BACK = re.compile(r"\b(?:it|its|that|this|these|those|the same)\b", re.I)
# a question asked after a statement that sets it up ("TechCrunch covered both X and Y
# — how much is X paying, and ...?"): its parts are the questions, not the set-up
_SET_UP_END = re.compile(r"\s+[—–-]+\s+|:\s+|[.;]\s+")
_ASKS = re.compile(
    r"(?:and\s+)?(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|do|does|did|has|have|had|can|could|"
    r"will|would)\b",
    re.I,
)


def _leaning(part: str, set_up: str, before: str, umbrella: str) -> str:
    """A part asked after a set-up, with what it leans on in brackets, as a follow-up
    keeps what it borrowed (``followup.own_words`` reads it off): the broad question it
    sits under ("How has the war hit business: what happened to X?"); whose "their" is
    (the last name before it: "... — who scored their goal?"); what "that" points back
    to (the set-up's names: "... covered Epic v Google. When did that trial start?")."""
    if umbrella:
        return f"{part}? ({umbrella})"
    if _LEANS.search(part):
        names = [name for name in _set_up_names(before) if name not in part]
        return f"{part} ({names[-1]})" if names else part
    if _POINTS_BACK.search(part):
        names = [name for name in _set_up_names(set_up) if name not in part]
        return f"{part} ({', '.join(names[:3])})" if names else part
    return part


def _set_up_names(text: str) -> list[str]:
    """The names in a question's set-up, its first word included ("Everton won 3-0 in
    both ..."): unlike a question's first word ("Approximately how many ..."), a set-up's
    is as likely a name as any other."""
    return proper_names("so " + text)


def _asked_from(text: str) -> int:
    """Where the question proper starts after a set-up statement, or after a broad
    question that a colon or dash opens onto ("How has the war hit business: what
    happened to X, and how far did Y fall?"), else 0."""
    leads_with_question = _ASKS.match(text.lstrip()) is not None
    for m in _SET_UP_END.finditer(text):
        if leads_with_question and m.group().strip() not in (":", "—", "–", "-", "--"):
            continue
        if _ASKS.match(text, m.end()):
            return m.end()
    return 0


_PART_FRAME = re.compile(
    r"^\W*(?:(?:does|did|do|is|was|were|has|have|had|between|considering|according to|based on|while|whereas|and|"
    r"but|or|also|both)\b\W*)+|\b(?:the|an?|this|that|another|a second|second|first|later|earlier|subsequent)?\s*"
    r"(?:articles?|pieces?|reports?|stories|coverage|roundup)\b(?:\s+(?:from|by|in|on))?|\b(?:published|reported|"
    r"written|posted)(?:\s+(?:by|in|on|after|before))?\b|\bas per\b|\baccording to\b|\bas (?:mentioned|reported|"
    r"discussed|featured) (?:by|in)\b",
    re.I,
)


def _plain(clause: str) -> str:
    """A part's words without how the question frames it ("Between the report from ...
    published on"), which would only dilute its search."""
    clause = re.sub(
        r"^\s*(?:['’]s\b|\))|\(?\s*\b(?:as\s+)?(?:per|via)(?:\s+the)?\s*$", " ", clause
    )  # "(per X)" left over
    text = " ".join(_PART_FRAME.sub(" ", clause).split()).strip(" ,'’\"?")
    return text if len(content_words(text)) >= 2 else " ".join(clause.split())


def _clause_spans(text: str) -> list[tuple[int, int]]:
    """Where the clauses of a text lie: between commas, semicolons, "while", "but", and
    "and" before a verb."""
    spans, pos = [], 0
    for m in _CLAUSE_SPLIT.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _keys_per_span(mentions: list[tuple[tuple[int, int], str]]) -> list[tuple[tuple[int, int], list[str]]]:
    """Each place an outlet is named, with every outlet the name may mean (an alias
    such as "The Independent" is shared by several sections)."""
    out: list[tuple[tuple[int, int], list[str]]] = []
    for span, key in mentions:
        if out and out[-1][0] == span:
            out[-1][1].append(key)
        else:
            out.append((span, [key]))
    return out


def outlet_groups(info: QueryInfo) -> list[list[str]]:
    """The outlets a question names, one group per name (any outlet of a group will do)."""
    groups: list[list[str]] = []
    for _, keys in _keys_per_span(info.outlet_mentions):
        if keys not in groups:
            groups.append(keys)
    return groups


# naming where something was published: "an article by X", "a X report", "X's piece",
# "reported by X". A name in that place that is no outlet in the store means the
# question is about articles the store does not have.
_PUBLISHED = r"(?:article|articles|piece|story|stories|op-ed|column|coverage|segment|blog|post|newsletter|report|analysis|preview|roundup|round-up|review|forecast|editorial)"
_OUTLET = r"(?P<x>(?:[Tt]he\s+)?[A-Z][\w&.'’-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w&.'’-]*){0,4})"
_PUBLISHER = [
    re.compile(rf"\b{_PUBLISHED}\s+(?:by|from|in)\s+{_OUTLET}"),
    re.compile(rf"\b(?:an?|the)\s+{_OUTLET}(?<!'s)(?<!’s)\s+{_PUBLISHED}\b"),
    # "the EU's report" is a document, "the Guardian's piece" an article: possessives
    # count with the words of journalism only
    re.compile(
        rf"{_OUTLET}(?:'s|’s)\s+(?:article|piece|story|op-ed|column|coverage|blog|newsletter|preview|roundup|editorial)\b"
    ),
    re.compile(rf"\b(?:reported|published|written|covered)\s+(?:by|in)\s+{_OUTLET}"),
]


def unknown_outlets(text: str, info: QueryInfo) -> list[str]:
    """Names the question gives as where something was published that are not outlets
    in the store ("an article by The Times of India" when no article is from it)."""
    known = [span for span, _ in info.outlet_mentions]
    out: list[str] = []
    for pattern in _PUBLISHER:
        for m in pattern.finditer(text):
            a, b = m.span("x")
            name = m.group("x").removesuffix("'s").removesuffix("’s").strip()
            first = name.split()[0].lower() if name.split() else ""
            if any(s < b and a < e for s, e in known) or first in NOT_NAMES and first != "the":
                continue
            if len(name.split()) == 1 and name.lower() in NOT_NAMES:
                continue
            out.append(name)
    return list(dict.fromkeys(out))
