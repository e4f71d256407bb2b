"""What a question says about where to look (qa.query): outlets and days, no model."""

from __future__ import annotations

from datetime import date

import pytest

from qa.query import DayRange, analyse, find_days, outlet_aliases

pytestmark = pytest.mark.unit

OUTLETS = ["TechCrunch", "The Independent - Life and Style", "Fortune", "The Age", "The Verge"]


def test_aliases_include_the_short_name_and_the_name_without_the():
    aliases = outlet_aliases(OUTLETS)
    assert aliases["the independent"] == ["the independent - life and style"]
    assert aliases["independent"] == ["the independent - life and style"]
    assert aliases["verge"] == ["the verge"]
    assert "" not in aliases and all(len(a) >= 3 for a in aliases)


def test_a_brand_in_capitals_is_named_by_its_first_word_alone():
    aliases = outlet_aliases(["FOX News - Health", "Sky Sports", "The Sydney Morning Herald"])
    assert analyse("What did Fox's piece say about the flu?", aliases).outlets == ["fox news - health"]
    assert analyse("Is the Sky blue over Sydney?", aliases).outlets == []  # common words and places stay words


def test_outlets_are_proper_nouns_only():
    aliases = outlet_aliases(OUTLETS)
    assert analyse("Did The Verge report it?", aliases).outlets == ["the verge"]
    assert analyse("is a fortune made in the age of AI?", aliases).outlets == []
    info = analyse("Did Fortune and TechCrunch agree?", aliases)
    assert info.outlets == ["fortune", "techcrunch"]  # in order of mention
    assert [info.text[a:b] for a, b in info.outlet_spans] == ["Fortune", "TechCrunch"]


def test_the_longest_outlet_name_wins():
    aliases = outlet_aliases(["The Independent - Sports", "The Independent - Life and Style"])
    info = analyse("What did The Independent - Sports say?", aliases)
    assert info.outlets == ["the independent - sports"]


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("on October 5, 2023", date(2023, 10, 5), date(2023, 10, 5)),
        ("on 5th of October 2023", date(2023, 10, 5), date(2023, 10, 5)),
        ("on 2023-10-05", date(2023, 10, 5), date(2023, 10, 5)),
        ("in Nov. 2023", date(2023, 11, 1), date(2023, 11, 30)),
        ("in February 2024", date(2024, 2, 1), date(2024, 2, 29)),
    ],
)
def test_days_and_months(text, start, end):
    assert find_days(text) == [DayRange(start, end)]


def test_impossible_dates_and_plain_numbers_are_not_days():
    assert find_days("on February 30, 2023") == []
    assert find_days("2,023 people in 12 towns") == []


def test_a_day_is_not_also_read_as_its_month():
    assert find_days("on October 5, 2023 and in November 2023") == [
        DayRange(date(2023, 10, 5), date(2023, 10, 5)),
        DayRange(date(2023, 11, 1), date(2023, 11, 30)),
    ]


def test_a_mention_s_clause_runs_to_the_next_mention():
    aliases = outlet_aliases(OUTLETS)
    info = analyse("Does the TechCrunch article say the chips are late, while Fortune says they shipped?", aliases)
    assert info.clause(info.outlet_spans[0]).strip().startswith("article say the chips are late")
    # too short after the last mention: the clause before it is used
    info = analyse("Which company was reported on by Fortune?", aliases)
    assert "Which company was reported on by" in info.clause(info.outlet_spans[0])
