"""Hybrid retrieval, filters and question steering on the small test corpus."""

import pytest

from qa import BadRequest
from qa.query import analyse, find_days, outlet_aliases
from tests.helpers import CORPUS

pytestmark = pytest.mark.integration


def test_search_returns_exact_passages(news):
    ps = news.search("French government spokesman withdrawal positive sign", k=5)
    assert ps and "Gabriel Attal" in ps[0].text
    for p in ps:
        assert news.article(p.article.id)["body"][p.start : p.end] == p.text
    assert [p.score for p in ps] == sorted((p.score for p in ps), reverse=True)


def test_dense_side_finds_paraphrases(news):
    # no word of the answer sentence in common except the name
    ps = news.search("How large is the Las Vegas concert venue display?", k=3)
    assert any("Sphere" in p.text or "Sphere" in p.article.title for p in ps)


def test_source_and_date_filters(news):
    ps = news.search("generative AI", k=10, filters={"sources": ["TechCrunch"]})
    assert ps and all(p.article.source == "TechCrunch" for p in ps)
    ps = news.search("withdrawal", k=10, filters={"since": "2022-02-01", "until": "2022-02-28"})
    assert ps and all(p.article.published_at.startswith("2022-02") for p in ps)
    assert news.search("withdrawal", k=10, filters={"until": "2000-01-01"}) == []


@pytest.mark.parametrize(
    "filters, msg",
    [
        ({"since": "yesterday"}, "since must be a date"),
        ({"since": "2023-05-01", "until": "2023-01-01"}, "is after"),
        ({"sources": "x", "colour": 1}, "unknown filter"),
        ({"sources": [1]}, "list of outlet names"),
    ],
)
def test_bad_filters_are_clear_errors(news, filters, msg):
    with pytest.raises(BadRequest, match=msg):
        news.search("anything", filters=filters)


@pytest.mark.parametrize("q, msg", [("", "empty"), ("   \n\t", "empty"), ("x" * 100_000, "limit")])
def test_bad_questions(news, q, msg):
    with pytest.raises(BadRequest, match=msg):
        news.ask(q)


def test_question_names_outlet_and_date():
    aliases = outlet_aliases(["TechCrunch", "The Independent - Life and Style", "Fortune", "The Age"])
    info = analyse(
        "Did The Independent and TechCrunch agree on October 5, 2023 about the age of fortune hunters?", aliases
    )
    assert info.outlets == ["the independent - life and style", "techcrunch"]
    assert [d.start.isoformat() for d in info.days] == ["2023-10-05"]
    assert find_days("in November 2023")[0].end.isoformat() == "2023-11-30"


def test_outlet_named_in_question_steers_retrieval(news):
    ps = news.search("What does the TechCrunch article say about pressure on CIOs?", k=3)
    assert ps[0].article.source == "TechCrunch"


def test_unknown_outlet_and_impossible_date(news):
    assert news.search("withdrawal", filters={"sources": ["Nonexistent Times"]}) == []
    ans = news.ask("What did France say about the withdrawal?", filters={"sources": ["Nonexistent Times"]})
    assert ans.refused and "No article matches the filters" in ans.text
    with pytest.raises(BadRequest, match="since must be a date"):
        news.search("withdrawal", filters={"since": "2023-02-30"})


def test_control_characters_and_odd_unicode_in_questions(news):
    ans = news.ask("What\x00 did\u200b France\x1b say about the withdrawal?\u202e")
    assert not ans.refused and "Gabriel Attal" in ans.citations[0].quote


def test_lexical_index_is_kept_on_disk_for_the_next_start(make_assistant, embedder, monkeypatch):
    """A process start on unchanged articles loads the saved index instead of reading
    every chunk back from Chroma; any change of the articles makes a new one."""
    from index import Settings
    from qa import Assistant

    a = make_assistant()
    a.add([CORPUS])
    before = [(p.chunk_id, round(p.score, 5)) for p in a.search("Kuleba withdrawal", 5)]
    root = a.settings.home / "lexical" / a.settings.collection
    saved = [p.name for p in root.iterdir()]
    assert len(saved) == 1

    b = Assistant(Settings(home=a.settings.home), store=a.store, embedder=embedder)
    monkeypatch.setattr(b.store, "iter_chunks", lambda: (_ for _ in ()).throw(AssertionError("rebuilt from Chroma")))
    assert [(p.chunk_id, round(p.score, 5)) for p in b.search("Kuleba withdrawal", 5)] == before
    monkeypatch.undo()

    b.add_articles([{"title": "Harbour news", "body": "The harbour council approved a new ferry timetable on Monday."}])
    assert b.search("ferry timetable", 1)[0].article.title == "Harbour news"
    assert [p.name for p in root.iterdir()] == saved  # a small write goes into the delta: nothing rebuilt
