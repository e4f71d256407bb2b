"""What a question says about where to look: the outlets it names ("according to
TechCrunch", "the Guardian article") and the dates or months it mentions.

Outlets are matched against the outlets actually in the store, by their full name and
by their short name (the part before " | ", " - " or ":" — "The Independent - Sports"
is also "The Independent"), on word boundaries, and only where the question writes them
as a proper noun (capitalised), so "fortune" or "the age" in a sentence name no outlet.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from index.store import source_key

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MON = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_MDY = re.compile(rf"\b{_MON}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MON},?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MY = re.compile(rf"\b{_MON}\s+(?:of\s+)?(\d{{4}})\b", re.I)
_SPLIT = re.compile(r"\s+[|\-–—:]\s+|:\s+")


@dataclass(frozen=True)
class DayRange:
    start: date
    end: date

    def bounds(self, slack_days: int = 0) -> tuple[int, int]:
        lo = datetime.combine(self.start, time.min, timezone.utc).timestamp() - slack_days * 86400
        hi = datetime.combine(self.end, time.max, timezone.utc).timestamp() + slack_days * 86400
        return int(lo), int(hi)


@dataclass
class QueryInfo:
    text: str
    outlets: list[str] = field(default_factory=list)  # source keys, in order of mention
    days: list[DayRange] = field(default_factory=list)
    outlet_spans: list[tuple[int, int]] = field(default_factory=list)  # where each outlet is first named
    day_spans: list[tuple[int, int]] = field(default_factory=list)
    # every mention of an outlet, repeats included: (span, source key), in order
    outlet_mentions: list[tuple[tuple[int, int], str]] = field(default_factory=list)

    def clause(self, span: tuple[int, int], min_words: int = 4) -> str:
        """The part of the question about one mention: from the mention to the next one
        ("the Sporting News article indicates that ..."), or, when that is too short
        ("... reported by Fortune and TechCrunch?"), from the previous mention to it."""
        marks = sorted(self.outlet_spans + self.day_spans)
        after = min((a for a, _ in marks if a >= span[1]), default=len(self.text))
        text = self.text[span[1] : after]
        if len(re.findall(r"\w{3,}", text)) >= min_words:
            return text
        before = max((b for _, b in marks if b <= span[0]), default=0)
        return self.text[before : span[0]]


def outlet_aliases(sources: list[str]) -> dict[str, list[str]]:
    """alias (lower case) -> source keys it may mean."""
    out: dict[str, list[str]] = {}
    for s in sources:
        key = source_key(s)
        if not key:
            continue
        names = {key, _SPLIT.split(key)[0].strip()}
        names |= {n.removeprefix("the ").strip() for n in list(names)}
        first, *rest = s.split() or [""]
        if rest and len(first) >= 3 and first.isalpha() and first.isupper():
            names.add(first.casefold())  # "Fox's piece" is FOX News's (an acronym-like brand, not "Sky")
        for n in names:
            if len(n) >= 3:
                out.setdefault(n, [])
                if key not in out[n]:
                    out[n].append(key)
    return out


def _month(name: str) -> int:
    return _MONTHS[name.lower()[:3]]


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_days(text: str) -> list[DayRange]:
    return [d for _, d in find_day_spans(text)]


def find_day_spans(text: str) -> list[tuple[tuple[int, int], DayRange]]:
    """Dates and months mentioned, with where they are, in order of appearance."""
    days: list[tuple[tuple[int, int], DayRange]] = []
    taken: list[tuple[int, int]] = []

    def add(span: tuple[int, int], rng: DayRange | None) -> None:
        if rng and not any(a < span[1] and span[0] < b for a, b in taken):
            taken.append(span)
            days.append((span, rng))

    for m in _MDY.finditer(text):
        d = _valid(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
        add(m.span(), DayRange(d, d) if d else None)
    for m in _DMY.finditer(text):
        d = _valid(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
        add(m.span(), DayRange(d, d) if d else None)
    for m in _ISO.finditer(text):
        d = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        add(m.span(), DayRange(d, d) if d else None)
    for m in _MY.finditer(text):
        y, mo = int(m.group(2)), _month(m.group(1))
        if 1900 <= y <= 2200:
            add(m.span(), DayRange(date(y, mo, 1), date(y, mo, calendar.monthrange(y, mo)[1])))
    return sorted(days, key=lambda d: d[0])


def analyse(text: str, aliases: dict[str, list[str]]) -> QueryInfo:
    """Outlets named and days mentioned in a question."""
    low = text.casefold()
    found: list[tuple[tuple[int, int], str]] = []
    taken: list[tuple[int, int]] = []
    for alias in sorted(
        aliases, key=len, reverse=True
    ):  # longest first: "the independent - sports" before "the independent"
        for m in re.finditer(rf"(?<![\w]){re.escape(alias)}(?![\w])", low):
            first = text[m.start()]
            if any(a < m.end() and m.start() < b for a, b in taken) or (first.isalpha() and not first.isupper()):
                continue  # outlet names are proper nouns: "Fortune" is an outlet, "fortune" is not
            taken.append(m.span())
            for key in aliases[alias]:
                found.append((m.span(), key))
    outlets: list[str] = []
    outlet_spans: list[tuple[int, int]] = []
    for span, key in sorted(found):
        if key not in outlets:
            outlets.append(key)
            outlet_spans.append(span)
    day_spans = find_day_spans(text)
    return QueryInfo(text, outlets, [d for _, d in day_spans], outlet_spans, [s for s, _ in day_spans], sorted(found))
