"""Filters from users (dicts from JSON, CLI options) to checked ``Filters`` and Chroma ``where`` clauses."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from index.store import source_key

from .errors import BadRequest
from .schema import Filters

_KEYS = {"sources", "source", "since", "until"}


def parse_day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip()[:10]).date() if len(value.strip()) >= 10 else date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadRequest(f"{name} must be a date like 2023-11-27, got {str(value)[:40]!r}")


def parse_filters(raw: Filters | dict[str, Any] | None) -> Filters:
    """Check a filters object; an error names what is wrong."""
    if raw is None:
        return Filters()
    if isinstance(raw, Filters):
        f = raw
    elif isinstance(raw, dict):
        unknown = set(raw) - _KEYS
        if unknown:
            raise BadRequest(f"unknown filter {sorted(unknown)[0]!r}; use sources, since, until")
        sources = raw.get("sources", raw.get("source")) or []
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
            raise BadRequest("sources must be a list of outlet names")
        f = Filters(
            sources=[s for s in sources if s.strip()],
            since=parse_day(raw.get("since"), "since"),
            until=parse_day(raw.get("until"), "until"),
        )
    else:
        raise BadRequest("filters must be an object with sources, since, until")
    if f.since and f.until and f.since > f.until:
        raise BadRequest(f"since ({f.since}) is after until ({f.until})")
    return f


def day_bounds(f: Filters) -> tuple[int | None, int | None]:
    lo = int(datetime.combine(f.since, time.min, timezone.utc).timestamp()) if f.since else None
    hi = int(datetime.combine(f.until, time.max, timezone.utc).timestamp()) if f.until else None
    return lo, hi


def to_where(f: Filters) -> dict | None:
    """The Chroma metadata filter for these filters."""
    clauses: list[dict] = []
    if f.sources:
        clauses.append({"source_key": {"$in": [source_key(s) for s in f.sources]}})
    lo, hi = day_bounds(f)
    if lo is not None:
        clauses.append({"published_ts": {"$gte": lo}})
    if hi is not None:
        clauses.append({"published_ts": {"$lte": hi}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
