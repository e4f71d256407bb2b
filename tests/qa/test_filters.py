"""Filters, from what users send to Chroma's ``where`` clause: no model, no store."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from qa import BadRequest, Filters
from qa.filters import day_bounds, parse_filters, to_where

pytestmark = pytest.mark.unit


def test_no_filters_is_no_where_clause():
    assert to_where(parse_filters(None)) is None
    assert to_where(parse_filters({})) is None
    assert parse_filters({"sources": ["  "]}).is_empty()


def test_sources_match_by_key_and_through_any_carrier():
    where = to_where(parse_filters({"sources": ["The  Verge", "the verge", "TechCrunch"]}))
    keys = ["the verge", "techcrunch"]  # case- and space-insensitive, each once, in order
    assert where == {"$or": [{"source_key": {"$in": keys}}] + [{"source_keys": {"$contains": k}} for k in keys]}


def test_day_bounds_cover_whole_days_in_utc():
    lo, hi = day_bounds(Filters(since="2023-11-27", until="2023-11-27"))
    assert datetime.fromtimestamp(lo, timezone.utc) == datetime(2023, 11, 27, tzinfo=timezone.utc)
    assert hi - lo == 86400 - 1  # the until day is included to its last second
    assert day_bounds(Filters()) == (None, None)


def test_dates_and_sources_are_anded():
    where = to_where(parse_filters({"source": "BBC", "since": "2023-01-01", "until": date(2023, 1, 31)}))
    assert set(where) == {"$and"}
    ops = [next(iter(c)) for c in where["$and"]]
    assert ops == ["$or", "published_ts", "published_ts"]
    assert where["$and"][1]["published_ts"]["$gte"] < where["$and"][2]["published_ts"]["$lte"]


def test_a_datetime_or_a_timestamp_string_counts_as_its_day():
    f = parse_filters({"since": "2023-11-27T08:45:59+00:00", "until": datetime(2023, 12, 1, 23, 0)})
    assert (f.since, f.until) == (date(2023, 11, 27), date(2023, 12, 1))


@pytest.mark.parametrize(
    "raw, message",
    [
        ("BBC", "filters must be an object"),
        ({"outlet": "BBC"}, "unknown filter 'outlet'"),
        ({"since": "yesterday"}, "since must be a date"),
        ({"since": "2023-02-01", "until": "2023-01-01"}, "is after until"),
        ({"sources": [1, 2]}, "sources must be a list of outlet names"),
    ],
)
def test_bad_filters_name_what_is_wrong(raw, message):
    with pytest.raises(BadRequest, match=message):
        parse_filters(raw)
