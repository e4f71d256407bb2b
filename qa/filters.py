"""Filters from users (dicts from JSON, CLI options) to checked ``Filters`` and Chroma ``where`` clauses."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from index.store import source_key

from .errors import BadRequest, validation_message
from .query import DayRange
from .schema import Filters


def parse_filters(raw: Filters | dict[str, Any] | None) -> Filters:
    """Check a filters object (a dict from JSON or the CLI); an error names what is wrong."""
    if raw is None:
        return Filters()
    if isinstance(raw, Filters):
        return raw
    if not isinstance(raw, dict):
        raise BadRequest("filters must be an object with sources, since, until")
    try:
        return Filters.model_validate(raw)
    except ValidationError as exc:
        raise BadRequest(validation_message(exc.errors())) from None


def day_bounds(f: Filters) -> tuple[int | None, int | None]:
    """Epoch seconds from the start of ``since`` to the end of ``until`` (UTC days), as
    the question analysis reads a day it names (qa.query.DayRange)."""
    lo = DayRange(f.since, f.since).bounds()[0] if f.since else None
    hi = DayRange(f.until, f.until).bounds()[1] if f.until else None
    return lo, hi


def to_where(f: Filters) -> dict | None:
    """The Chroma metadata filter for these filters."""
    clauses: list[dict] = []
    if f.sources:
        keys = list(dict.fromkeys(source_key(s) for s in f.sources))
        # a wire story matches through any outlet that carried it (``source_keys``, index.dedup);
        # ``source_key`` also covers chunks written before carriers were recorded
        clauses.append({"$or": [{"source_key": {"$in": keys}}] + [{"source_keys": {"$contains": k}} for k in keys]})
    lo, hi = day_bounds(f)
    if lo is not None:
        clauses.append({"published_ts": {"$gte": lo}})
    if hi is not None:
        clauses.append({"published_ts": {"$lte": hi}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
