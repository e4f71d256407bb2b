"""Door: POST /api/ask and /api/search. Threats: a history that carries what the
question limit refuses (megabytes of earlier turns), echoed back whole; a boolean
taken as a number. Each is a 4xx in the error shape; nothing stored changes."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "history, message",
    [
        (["What did France say?"] * 51, "NEWSQA_MAX_HISTORY_TURNS"),
        (["What did France say? " + "x" * 30_000, "And Kuleba? " + "y" * 25_000], "NEWSQA_MAX_HISTORY_CHARS"),
        ([{"role": "user", "content": "z" * 60_000}], "NEWSQA_MAX_HISTORY_CHARS"),
    ],
)
def test_history_over_its_limits_is_refused(app, history, message):
    before = app.stored()
    with app.client() as c:
        r = c.post("/api/ask", json={"question": "And what did Kuleba say?", "history": history})
        assert r.status_code == 400 and message in r.json()["error"], r.text
        r = c.post("/api/ask/stream", json={"question": "And what did Kuleba say?", "history": history})
        assert r.status_code == 400 and message in r.json()["error"], r.text
    assert app.stored() == before


def test_the_echoed_question_is_the_condensed_one_and_bounded(app):
    history = [f"What did France say about the withdrawal, part {i}?" for i in range(40)]
    with app.client() as c:
        r = c.post("/api/ask", json={"question": "And what did Kuleba say?", "history": history})
    assert r.status_code == 200, r.text
    echoed = r.json()["question"]
    assert "Kuleba" in echoed and len(echoed) <= 4000  # twice NEWSQA_MAX_QUESTION_CHARS
    assert "part 0?" not in echoed  # not the whole history


@pytest.mark.parametrize("k", [True, False, 2.5, "3"])
def test_k_must_be_a_whole_number(app, k):
    with app.client() as c:
        r = c.post("/api/search", json={"query": "France withdrawal", "k": k})
    assert r.status_code == 422 and "k" in r.json()["error"]


def test_k_true_is_refused_by_the_python_api_too(make_assistant):
    from qa import BadRequest

    a = make_assistant()
    with pytest.raises(BadRequest, match="k must be"):
        a.search("anything", k=True)
