"""What interfaces hand the Assistant, made one shape: filters (a pydantic model, so the
REST API validates them the same way) and conversation history in any of its shapes.
Pure functions: no model, no store."""

from __future__ import annotations

from datetime import date

import pytest

from qa import BadRequest, Filters
from qa.filters import parse_filters
from qa.history import normalise_history
from qa.web.auth import basic_credentials, credentials_ok

pytestmark = pytest.mark.unit


def test_filters_accept_the_documented_shapes():
    f = parse_filters({"source": "BBC", "since": "2023-11-27T08:45:59+00:00", "until": date(2023, 12, 1)})
    assert f == Filters(sources=["BBC"], since=date(2023, 11, 27), until=date(2023, 12, 1))
    assert parse_filters({"sources": ["a", "  "]}).sources == ["a"]
    assert parse_filters(None).is_empty() and parse_filters({}).is_empty()
    assert Filters.model_validate(f.model_dump()) == f  # lossless round trip


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"since": "soon"}, "since must be a date like 2023-11-27, got 'soon'"),
        ({"since": "2023-05-01", "until": "2023-01-01"}, "since (2023-05-01) is after until (2023-01-01)"),
        ({"sources": [1]}, "sources must be a list of outlet names"),
        ({"outlet": "BBC"}, "unknown filter 'outlet'; use sources, since, until"),
        ("BBC", "filters must be an object with sources, since, until"),
    ],
)
def test_bad_filters_are_one_line_bad_requests(raw, message):
    with pytest.raises(BadRequest) as exc:
        parse_filters(raw)
    assert str(exc.value) == message


def test_history_in_every_shape_becomes_questions_and_pairs():
    gradio = [
        {"role": "user", "content": "What did France say?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Attal said [1]."}]},
        {"role": "system", "content": "ignored"},
        {"role": "user", "content": "And Kuleba?"},
    ]
    assert normalise_history(gradio) == [("What did France say?", "Attal said [1]."), "And Kuleba?"]
    assert normalise_history(["q1", ["q2", "a2"], ("q3", "a3"), ["q4"]]) == [
        "q1",
        ("q2", "a2"),
        ("q3", "a3"),
        ("q4", ""),
    ]
    assert normalise_history(None) == []
    with pytest.raises(BadRequest, match="history items must be"):
        normalise_history([42])


def test_login_check_compares_non_ascii_passwords():
    class S:
        login = ("alice", "sécret")

    assert credentials_ok(S, "alice", "sécret")
    assert not credentials_ok(S, "alice", "secret") and not credentials_ok(S, "bob", "sécret")
    import base64

    header = "Basic " + base64.b64encode("alice:sécret".encode()).decode()
    assert basic_credentials(header) == ("alice", "sécret")
    assert basic_credentials("Basic !!!") is None and basic_credentials("Bearer x") is None
    assert basic_credentials("Basic " + base64.b64encode(b"no-colon").decode()) is None
