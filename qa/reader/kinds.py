"""Whether a sentence holds the kind of answer a question wants.

A "how many" question is answered by a sentence with a number (not the year the
question itself mentions), a "when" question by a date, a "who" question by a name the
question does not already give, a "why" question by a cause. These tests are cheap and
textual; meaning is judged elsewhere (the sentence vectors). Each returns a strength
between 0 and 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .names import fold, words
from .questions import NOT_NAMES, Kind, Question

_NUM_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|"
    r"dozens?|hundreds|thousands|millions?|billions?|trillions?|(?:a|one) (?:third|quarter)(?= of\b)|"
    r"(?:two|three) (?:thirds|quarters)|"
    r"half (?:of|a|the)|doubled?|tripled?"
)
NUMBER = re.compile(
    rf"(?:[$€£¥]\s?)?\b\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|per cent|bn|m|k)\b|%)?|\b(?:{_NUM_WORDS})\b", re.I
)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_ORDINAL_END = re.compile(r"(?:st|nd|rd|th)\b", re.I)
_CURRENCY = r"dollars?|euros?|pounds?|yen|francs?|rupees?|usd|eur|gbp"
_MONEY = re.compile(rf"[$€£¥]|\b(?:{_CURRENCY}|cents?|pence)\b", re.I)
_MONEY_AFTER = re.compile(rf"\s*(?:(?:million|billion|trillion|bn|m)\s+)?(?:{_CURRENCY})\b", re.I)
_PERCENT = re.compile(r"%|\bper ?cent\b|\bpercentage points?\b", re.I)
# a number of time units ("six weeks", "a 10-day", "three more games"), not a number
# somewhere near a time word ("two blows ... in the 55th minute")
_CLOCK = r"year|month|week|day|hour|minute|second|season|decade|night"
_TIME_WORDS = rf"(?:{_CLOCK}|game|matche?)s?"  # a suspension "for three games" is a span of time too
_SOME = rf"(?:\b\d[\d,.]*|\b(?:a|an|{_NUM_WORDS}))[\s-]+"  # "six ", "a ", "10-"
_TIME_AMOUNT = re.compile(
    rf"{_SOME}(?:(?:more|further|extra|full|straight|consecutive|or so)[\s-]+)?"
    rf"{_TIME_WORDS}\b|\bsince\s+(?:\w+\s+)?(?:1[89]|20)\d\d\b",  # "in charge since 2019"
    re.I,
)
_TIME_UNIT = re.compile(rf"^(?:{_CLOCK})s?$")
_DURATION = re.compile(rf"{_SOME}(?:{_CLOCK})s?\b", re.I)
_ASKS_TIME = re.compile(rf"\bhow (?:long|old|soon|often)\b|\b(?:{_CLOCK})s?\b|\bage\b")
# what a charge carries or a defendant faces is the law's ceiling, not what the court gave:
# "He faces up to 50 years" answers "how long could he get", not "how long did he get"
_CEILING = re.compile(
    r"\b(?:faces?|facing|could face|could get|would face|carr(?:y|ies|ied|ying)|punishable by|maximum)\b[^.;:]{0,40}?"
    rf"(?P<figure>(?:{NUMBER.pattern})(?:\s*(?:to|-|–|or)\s*(?:{NUMBER.pattern}))?)",  # "one to 15", "up to 50"
    re.I,
)
_ASKS_CEILING = re.compile(r"\b(?:could|might|would|faces?|facing|maximum|max|up to|carr(?:y|ies)|potential)\b")
_AGE = re.compile(r"\b(?:aged?|years? old|year-old)\b|,\s*\d\d,", re.I)
_DISTANCE = re.compile(r"\b(?:km|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|feet|foot|yards?|inches|cm|mm)\b", re.I)
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
DATE = re.compile(
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\b|\b(?:in|since|by|from|until|"
    rf"before|after|during|of|early|late|mid)\s+(?:(?:{_MONTHS})\s+)?(?:1[89]|20)\d\d\b|\b(?:1[89]|20)\d\d\b|"
    rf"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|tonight|"
    rf"last (?:week|month|year|season|night)|next (?:week|month|year|season)|this (?:week|month|year|season)|"
    rf"(?:{_MONTHS})\b)",
    re.I,
)
CAUSE = re.compile(
    r"\b(?:because|due to|owing to|as a result|in order to|so that|so as to|aimed at|in response to|fu?elled by|"
    r"caused by|led to|leading to|the reason|reason (?:is|was|why)|amid|to avoid|to prevent|to protect|to ensure|"
    r"to stop|to keep|in an effort to|blamed|citing|thanks to|given that|the result of|prompted|driven by|stems? from|"
    r"named (?:after|for)|means that|which meant|which means|otherwise|threatened by|worried (?:about|that)|concerned (?:about|that)|"
    r"fears? (?:of|that)|why)\b",
    re.I,
)
SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|warn(?:ed|s)?|add(?:ed|s)(?!\s+to\b)|assur(?:ed|es)|declar(?:ed|es)|stat(?:ed|es)|"
    r"announc(?:ed|es)|insist(?:ed|s)|argu(?:ed|es)|claim(?:ed|s)|not(?:ed|es)|explain(?:ed|s)|stress(?:ed|es)|"
    r"urg(?:ed|es)|call(?:ed|s) on|according to|wrote|writes|tweeted|posted|believes?|describ(?:ed|es)|"
    r"welcom(?:ed|es)|critici[sz](?:ed|es)|reject(?:ed|s)|denie[sd]|admit(?:ted|s)|confirm(?:ed|s)|predict(?:ed|s)|"
    r"suggest(?:ed|s)|recalled|asked|replied|responded|continued(?!\s+to\b)|joked|quipped|conceded|acknowledged|pointed out|"
    r"went on|summed up|put it|thinks|thought|feels|felt|doubts?|hopes?|expects?|vowed|promised|pledged)\b",
    re.I,
)
QUOTE = re.compile(r"[“”\"]")
_CAPITAL_RUN = re.compile(
    r"(?<![\w’'])([A-Z][\w’'.-]*(?:\s+(?:(?:de|van|von|der|da|del|bin|al|of|the|and|&)\s+)?[A-Z][\w’'.-]*)*)"
)


_CLAUSE = re.compile(r"[^,;:()\[\]—–]+")


def _near(text: str, spans: list[tuple[int, int]], near: Callable[[str], bool] | None) -> bool:
    """Whether one of the spans sits in a clause that also holds what the question is
    about ("fined €2.1 million", not "turnover, which was €58 million")."""
    if near is None:
        return True
    clauses = list(_CLAUSE.finditer(text))
    for i, m in enumerate(clauses):
        if not any(m.start() <= a < m.end() for a, _ in spans):
            continue
        if near(m.group()):
            return True
        # a short clause ("On Oct. 20," "the 38-year-old,") leans on the one after it
        if len(m.group().split()) <= 4 and i + 1 < len(clauses) and near(clauses[i + 1].group()):
            return True
    return False


def quantity_strength(text: str, question: str, near: Callable[[str], bool] | None = None) -> float:
    """1 for a number of the unit asked about, 0.6 for another number, 0 for none (an
    ordinal, a year or a number the question gives is none);
    times 0.5 when no number stands in a clause about what the question measures or
    is about (0.6 for a span of time: "after 12 years in the post" need not repeat "in
    charge", while money and counts abound in a story)."""
    qlow = fold(question)
    # a span of time ("six-hour windows", "over the past 20 years") counts no mice,
    # copies or dollars: it answers only a question about time
    spans = [] if _ASKS_TIME.search(qlow) else [m.span() for m in _DURATION.finditer(text)]
    if not _ASKS_CEILING.search(qlow):
        spans += [m.span("figure") for m in _CEILING.finditer(text)]
    found = [
        m
        for m in NUMBER.finditer(text)
        if fold(m.group().strip().rstrip(",.")) not in qlow  # "Pink Friday 2," is the question's own 2
        and not _YEAR.match(m.group().strip())
        and not _ORDINAL_END.match(text, m.end())  # "the 55th minute" counts nothing
        and m.group().strip().lower() != "one"  # "at least one variant", "one of the": a pronoun more than a count
        and not any(a <= m.start() < b for a, b in spans)
    ]
    count = re.search(r"\bhow many\s+(\w+)", qlow)
    if count and not _TIME_UNIT.match(count.group(1)):
        # a count of staff or seats is no sum of money, no share and no day of a month
        days = [m.span() for m in DATE.finditer(text)]
        found = [
            m
            for m in found
            if not _MONEY.match(m.group().strip())
            and not _MONEY_AFTER.match(text, m.end())
            and not _PERCENT.search(m.group())
            and not _PERCENT.match(text.lower(), m.end())
            and not any(a <= m.start() < b for a, b in days)
        ]
    if not found:
        return 0.0
    if _near(text, [m.span() for m in found], near):
        return _quantity_unit(text, qlow)
    return _quantity_unit(text, qlow) * (0.6 if re.search(r"\bhow long\b", qlow) else 0.5)


# words that can follow "how much" without naming what is measured
_NOT_A_MEASURE = frozenset(
    "does did do is was were has have had will would can could should might must money cash more less of the it "
    "they he she we you i this that these those longer further time".split()
)


def _quantity_unit(text: str, qlow: str) -> float:
    unit = None
    measured = re.search(r"\bhow much (\w+)", qlow)
    if measured and measured.group(1) not in _NOT_A_MEASURE:
        # "how much water", "how much rain": an amount of a thing, not money
        return 1.0 if re.search(rf"\b{re.escape(measured.group(1)[:4])}", fold(text)) else 0.8
    if re.search(
        r"\bhow much\b.*\b(?:cost|pay|paid|spend|spent|fine|fined|worth|raise|raised|earn|make|sell|money|"
        r"charge|price|salary|fund|offer|profit|revenue|loss|budget)|\b(?:cost|price|fine|salary|fee|profit|"
        r"revenue|budget|valuation|money)\b",
        qlow,
    ):
        unit = _MONEY
    elif re.search(r"\bpercent|\bpercentage\b|\bshare of\b|\bproportion\b|\bby how much\b|\brate\b", qlow):
        unit = _PERCENT
    elif re.search(r"\bhow long\b", qlow) or (
        (many := re.search(r"\bhow many\s+(\w+)", qlow)) and _TIME_UNIT.match(many.group(1))
    ):
        unit = _TIME_AMOUNT
    elif re.search(r"\bhow old\b|\bage\b", qlow):
        unit = _AGE
    elif re.search(r"\bhow far\b|\bdistance\b", qlow):
        unit = _DISTANCE
    if unit is None:
        m = re.search(r"\bhow many\s+(\w+)", qlow)
        if m:  # "how many fans" -> a number of fans (or of whatever the question counts)
            noun = m.group(1).rstrip("s")
            if len(noun) >= 3 and re.search(rf"\b{re.escape(noun[: max(3, len(noun) - 1)])}", fold(text)):
                return 1.0
        return 0.8
    if unit.search(text):
        return 1.0
    # "how much" wants money or a share, "how long" a span of time, not a count
    return 0.3 if unit in (_MONEY, _PERCENT, _TIME_AMOUNT) else 0.6


def date_strength(text: str, question: str, near: Callable[[str], bool] | None = None) -> float:
    """1 for a date in a clause about the question's subject, 0.6 for one elsewhere, 0
    for none; a "what day" question wants a day, not only a year or a month."""
    qlow = fold(question)
    found = [m for m in DATE.finditer(text) if fold(m.group()) not in qlow]
    if _ASKS_DAY.search(qlow):
        found = [m for m in found if _DAY.search(m.group())]
    elif _ASKS_MONTH.search(qlow):  # "in which month of 2024": a month, not the year again
        found = [m for m in found if re.search(rf"\b(?:{_MONTHS})\b", m.group(), re.I)]
    if not found:
        return 0.0
    return 1.0 if _near(text, [m.span() for m in found], near) else 0.6


_ASKS_MONTH = re.compile(r"\b(?:what|which) month\b")
_ASKS_DAY = re.compile(r"\b(?:what|which) (?:day|date)\b|\bon what day\b")
_DAY = re.compile(
    r"(?<!\d)\d{1,2}(?!\d)|"
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tomorrow|tonight)\b",
    re.I,
)


def name_strength(text: str, q: Question) -> float:
    """A name (a run of capitalised words, not the sentence's first word alone) that the
    question does not give."""
    asked = set()
    for n in q.names:
        asked.update(words(n))
    found = 0.0
    for m in _CAPITAL_RUN.finditer(text):
        run = m.group(1)
        ws = words(run)
        # "But I’m", "It’s": a contraction of a pronoun is nobody's name
        if not ws or all(w in asked or w.split("'")[0] in NOT_NAMES or len(w) < 2 for w in ws):
            continue
        first_word = m.start() == len(text) - len(text.lstrip())
        if first_word and len(ws) == 1:
            continue
        if len(ws) >= 2:
            found = 1.0
        elif q.kind is Kind.PERSON and run.isupper() and len(run) == 2:
            found = max(found, 0.5)  # "generative AI", "on TV": two capitals alone are seldom whom a "who" asks
        else:
            found = max(found, 0.7)
    return found


def reason_strength(text: str) -> float:
    return 1.0 if CAUSE.search(text) else 0.0


_RESULT = re.compile(
    r"\b(?:won|winning|beat|defeated|drew|lost|edged|thrashed|routed|trounced|overcame|clinched|prevailed|went ahead|"
    r"called off|cancell?ed|agreed|failed to agree|ended (?:in|with)|finished|ruled|decided|sided with|"
    r"found (?:\w+ )?(?:guilty|liable|not guilty|in favou?r)|convicted|acquitted|cleared|upheld|overturned|dismissed|"
    r"(?:win|victory|defeat|draw|loss) (?:over|against|"
    r"to|with)|\d{1,3}\s?[-–]\s?\d{1,3} (?:win|victory|defeat|loss|draw))\b",
    re.I,
)
_NOT_YET = re.compile(
    r"\b(?:will|would|could|might|may|hopes? to|tr(?:y|ies) to|aims? to|set to|plans? to|expected to|"
    r"ahead of|preview|upcoming|next)\b",
    re.I,
)


_SCORELINE = re.compile(r"\b\d{1,3}\s?[-–]\s?\d{1,3}\b")


def outcome_strength(text: str, question: str = "", near: Callable[[str], bool] | None = None) -> float:
    """A result reported as having happened ("beat ... 3-1", "went ahead"), not one
    looked forward to ("will host", "hope to win", "ahead of Saturday's semi-final");
    a scoreline when the question asks for the score; weaker when no result stands in a
    clause about the question's subject (a past season's win, another team's)."""
    found = list(_RESULT.finditer(text))
    if not found:
        return 0.0
    strength = 0.3 if _NOT_YET.search(text) else 1.0
    if re.search(r"\bscore(?:line)?\b", question, re.I) and not _SCORELINE.search(text):
        strength = min(strength, 0.3)
    return strength if _near(text, [m.span() for m in found], near) else 0.5 * strength


def statement_strength(text: str) -> float:
    if QUOTE.search(text) and SPEECH.search(text):
        return 1.0
    if QUOTE.search(text) or SPEECH.search(text):
        return 0.7
    return 0.0


def fits(kind: Kind, text: str, q: Question, near: Callable[[str], bool] | None = None) -> float:
    """How well a sentence holds an answer of this kind (0.5 when the kind sets no test).
    ``near`` tells whether a clause is about the question's subject."""
    match kind:
        case Kind.QUANTITY:
            return quantity_strength(text, q.text, near)
        case Kind.DATE:
            return date_strength(text, q.text, near)
        case Kind.PERSON | Kind.ORGANISATION | Kind.PLACE:
            return name_strength(text, q)
        case Kind.REASON:
            return reason_strength(text)
        case Kind.OUTCOME:
            return outcome_strength(text, q.text, near)
        case Kind.STATEMENT:
            return statement_strength(text)
    return 0.5
