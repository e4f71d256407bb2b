"""Cited extractive answers, through the real model and a real Chroma store.

``news`` (conftest) is the bundled article plus three MultiHop-RAG articles; ``invented``
adds the invented articles of tests/data/articles (written for the reader's evaluation).
The questions here are our own regression cases, not the evaluation set's."""

import json

import pytest

from index import Settings
from qa import Assistant
from qa.cli import main
from qa.errors import BadRequest
from qa.evaluation import qa_file
from tests.helpers import CORPUS, DATA, check_citations, invented_records, quotes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def invented(tmp_path_factory, embedder) -> Assistant:
    a = Assistant(Settings(home=tmp_path_factory.mktemp("invented")), embedder=embedder)
    records = invented_records()
    assert len(records) >= 10
    assert a.add([CORPUS]).added == 1 and a.add_articles(records).added == len(records)
    return a


@pytest.mark.parametrize(
    "question, must_quote",
    [
        ("What did France say about the withdrawal?", "French government spokesman Gabriel Attal said"),
        ("What did Stoltenberg say?", "Jens Stoltenberg"),
        ("What did Kuleba say about the withdrawal?", "Dmitro Kuleba said"),
        ("What did Boris Johnson say?", "encouraging"),  # both of his statements, and nobody else's
        ("What did the Ukrainians say?", "Kuleba"),  # a demonym for "Ukrainian Foreign Minister"
        ("What did Dmytro Kuleba say?", "Kuleba"),  # another spelling of Dmitro
    ],
)
def test_statement_questions_cite_the_right_sentence(news, question, must_quote):
    ans = news.ask(question)
    assert not ans.refused, ans.text
    check_citations(news, ans)
    assert must_quote in quotes(ans)


def test_france_answer_is_the_positive_sign_statement(news):
    ans = news.ask("What did France say about the withdrawal?")
    assert "“positive sign”" in ans.text


def test_a_quotation_spanning_sentences_is_cited_whole(news):
    ans = news.ask("What rule did Kuleba say Ukraine has about Russian statements?")
    quoted = quotes(ans)
    assert "we don’t believe it when we hear it" in quoted
    # the quotation opens in one sentence and closes in the next: both are cited
    assert "“There are different statements" in quoted and "he told an online news conference" in quoted


def test_a_question_in_other_words_is_answered(news):
    ans = news.ask("What is NATO worried about?")
    assert not ans.refused, ans.text
    check_citations(news, ans)


@pytest.mark.parametrize(
    "question",
    [
        "What did China say about the withdrawal?",
        "How many goals did Lionel Messi score in 2023?",
        "What is the recipe for banana bread?",
    ],
)
def test_absent_answers_are_refused(news, question):
    ans = news.ask(question)
    assert ans.refused, ans.text
    assert ans.citations == []


def test_follow_ups_use_the_conversation(news):
    ans = news.ask("And what did Kuleba say?", history=["What did France say about the withdrawal?"])
    assert not ans.refused
    assert "withdrawal" in ans.question.lower()
    assert "Kuleba" in quotes(ans)
    when = news.ask("When was that?", history=["What did France say about the withdrawal?"])
    assert not when.refused and "Tuesday" in quotes(when)


def test_and_ukraine_swaps_the_speaker(news):
    first = news.ask("What did France say about the withdrawal?")
    ans = news.ask("And Ukraine?", history=[("What did France say about the withdrawal?", first.text)])
    assert ans.question == "What did Ukraine say about the withdrawal?"
    assert "own eyes" in quotes(ans) or "we don’t believe it" in quotes(ans), ans.text


def test_filters_restrict_answers(news):
    ans = news.ask("What did France say about the withdrawal?", filters={"since": "2023-01-01"})
    assert ans.refused  # the seed article is from 2022
    ans = news.ask("What did the Morgan Stanley survey find?", filters={"sources": ["techcrunch"]})
    assert not ans.refused and all(c.passage.article.source == "TechCrunch" for c in ans.citations)


def test_who_said_names_the_speaker_from_the_sentence_before(invented):
    ans = invented.ask("Who said that nobody wins when the trains stop?")
    assert not ans.refused, ans.text
    check_citations(invented, ans)
    assert "Nobody wins when the trains stop" in quotes(ans) and "Eleni Papadakis" in quotes(ans)


def test_how_much_quotes_the_sentence_with_the_amount(invented):
    ans = invented.ask("How much would the union's pay demand add to Lakeline's wage bill each year?")
    assert not ans.refused, ans.text
    assert "€19 million" in quotes(ans)


def test_a_near_miss_is_refused_and_shows_what_the_articles_do_say(invented):
    ans = invented.ask("How much will Lakeline's replacement buses cost the company?")
    assert ans.refused, ans.text
    check_citations(invented, ans)  # what they do say is cited, marked as not the answer
    assert "What they do say" in ans.text and "replacement buses" in quotes(ans)


def test_which_came_first_is_answered_from_the_dates(invented):
    ans = invented.ask(
        "Which came first, the Lakeline drivers' strike announcement or the Valmora Philharmonic's new chief conductor?"
    )
    assert not ans.refused, ans.text
    check_citations(invented, ans)
    sources = [c.passage.article.source for c in ans.citations]
    assert sources.index("Culture Bulletin") < sources.index("The Northgate Courier")  # in date order
    assert "came before" in ans.text and "21 March 2024" in ans.text
    # each date is told with its story's title: which article is which, not only which outlet
    statement = ans.text[ans.text.index("came before") - 150 :]
    assert "names Ana Lúcia Matos chief conductor" in statement and "to strike for 48 hours" in statement


def test_a_question_file_is_read_one_split_at_a_time(invented, tmp_path, monkeypatch, capsys):
    rows = [
        {"question": "How much would the union's pay demand add to Lakeline's wage bill each year?",
         "answer_keys": ["€19 million"], "split": "dev"},
        {"question": "How much will Lakeline's replacement buses cost the company?", "answerable": False,
         "split": "test"},
        {"question": "Who said that nobody wins when the trains stop?", "answer_keys": ["Papadakis"], "split": "test"},
    ]  # fmt: skip
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    dev, test = qa_file(invented, path, split="dev"), qa_file(invented, path, split="test")
    assert [r["question"] for r in dev["results"]] == [rows[0]["question"]] and dev["right"] == 1.0
    assert [r["question"] for r in test["results"]] == [rows[1]["question"], rows[2]["question"]]
    assert test["unanswerable_refused"] == 1.0 and test["answer_key_recall"] == 1.0
    with pytest.raises(BadRequest, match="split 'train'"):
        qa_file(invented, path, split="train")
    # the same through `newsqa eval qa FILE --split`
    monkeypatch.setenv("NEWSQA_HOME", str(invented.settings.home))
    assert main(["eval", "qa", str(path), "--split", "test", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == 2
    assert main(["eval", "qa", str(path), "--split", "train"]) != 0
    assert "split 'train'" in capsys.readouterr().err


def test_own_question_set(news):
    """The first calibration set (questions sharing the articles' words): must not regress."""
    report = qa_file(news, DATA / "questions.jsonl")
    assert report["citation_validity"] == 1.0
    assert report["unanswerable_refused"] >= 0.9, report["by_kind"]
    assert report["false_refusals"] <= 0.1, report["by_kind"]
    assert report["answer_key_recall"] >= 0.85, [r for r in report["results"] if not r["right"]]
