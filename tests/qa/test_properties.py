"""Property-based: arbitrary bytes, names and questions never crash a door; they get a
one-line reason or a sane answer, and nothing stored is lost."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.loaders import LoadError, parse_bytes
from qa import BadRequest

# tiers per test: the loader properties are unit, the question one needs the model and a store

NAMES = st.sampled_from(["a.txt", "a.md", "a.html", "a.json", "a.jsonl", "a.pdf", "noext", "../../x.json", "a.HTML"])


@given(data=st.binary(max_size=2000), name=NAMES)
@pytest.mark.unit
@settings(max_examples=300, deadline=None)
def test_loaders_take_any_bytes(data, name):
    try:
        loaded = parse_bytes(data, name, 10_000)
    except LoadError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    for f in loaded.failures:
        assert f.reason and "\n" not in f.reason
    for a in loaded.articles:
        assert a.body.strip() and a.id


@given(text=st.text(max_size=300), name=NAMES)
@pytest.mark.unit
@settings(max_examples=200, deadline=None)
def test_loaders_take_any_text(text, name):
    try:
        parse_bytes(text.encode("utf-8", "surrogatepass"), name, 10_000)
    except LoadError as exc:
        assert "\n" not in str(exc)


@given(question=st.text(max_size=400))
@pytest.mark.integration
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_question_gets_an_answer_or_a_clear_error(news, question):
    before = len(news.articles())
    try:
        ans = news.ask(question)
    except BadRequest as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert ans.refused or ans.citations
        for c in ans.citations:
            assert news.article(c.passage.article.id)["body"][c.start : c.end] == c.quote
    assert len(news.articles()) == before
