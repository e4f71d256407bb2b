"""The Article model and its identity.

An article's id must be stable so that adding the same thing twice changes nothing:
it comes from the canonical URL when there is one (so a corrected article with the same
URL replaces the old one), else from a hash of the normalised text. A separate content
hash (``version``) tells an unchanged article from an updated one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_|ref$|ref_src$|cmpid$|ocid$)", re.I)
_SPACE = re.compile(r"\s+")


def canonical_url(url: str | None) -> str | None:
    """Normalise a URL so trivial variants (case of host, fragment, tracking
    parameters, trailing slash) name the same article."""
    if not url or not url.strip():
        return None
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return url.strip()
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)])
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https" if parts.scheme in ("http", "https") else parts.scheme, host, path, query, ""))


def normalise_text(text: str) -> str:
    """Text as compared for identity: NFKC, case-folded, whitespace collapsed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def parse_date(value: object) -> datetime | None:
    """Accept ISO dates and datetimes (with or without zone; naive means UTC) and
    epoch seconds; anything else is None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            dt = datetime.fromtimestamp(float(value), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str):
        s = value.strip().replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            try:
                dt = datetime.fromisoformat(s[:10])
            except ValueError:
                return None
    else:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


@dataclass
class Article:
    """One news article: the body is kept exactly as given, since citations are
    character offsets into it."""

    title: str
    body: str
    source: str = ""
    url: str | None = None
    published_at: datetime | None = None
    author: str = ""
    category: str = ""
    origin: str = field(default="", compare=False)  # the file or record it came from

    @property
    def id(self) -> str:
        url = canonical_url(self.url)
        if url:
            return "u" + _digest(url)[:15]
        return "t" + _digest(normalise_text(self.body))[:15]

    @property
    def version(self) -> str:
        """Changes whenever anything stored about the article changes."""
        return _digest(
            self.title, self.body, self.source, self.url or "", self.published_iso, self.author, self.category
        )[:12]

    @property
    def published_iso(self) -> str:
        return self.published_at.isoformat() if self.published_at else ""

    @property
    def published_ts(self) -> int:
        """Epoch seconds for range filters; 0 when the date is unknown."""
        return int(self.published_at.timestamp()) if self.published_at else 0

    def header(self) -> str:
        """The context line put before each chunk for embedding and BM25: which
        article, outlet and day a passage comes from often decides a question."""
        parts = [self.title.strip()]
        meta = ", ".join(
            p for p in (self.source.strip(), self.published_at.date().isoformat() if self.published_at else "") if p
        )
        if meta:
            parts.append(f"({meta})")
        return " ".join(p for p in parts if p)
