"""The LLM citation checker's parts (qa.citecheck) on hand-made passages: plain word
splitting stands in for the lexical index's terms and every word weighs the same, so
these need no model and no store. The checker through a real model and store is
tested in test_llm.py."""

from __future__ import annotations

import re

import pytest

from index.chunking import sentence_spans
from qa.citecheck import CitationChecker, _expand, flatten, is_refusal, numbers, quotations
from qa.reader.sentences import Unit
from qa.schema import ArticleRef, Passage

pytestmark = pytest.mark.unit

BODY = (
    "The council approved the new tram line on Tuesday. It will cost 1,200 million euros. "
    "Mayor Ana Ruiz said: “This line will change how the city moves.” Work starts in March."
)
OTHER = "Flooding closed three schools in Brackwater. The river rose two metres overnight."


def _passage(article_id: str, body: str, title: str) -> Passage:
    return Passage(
        body,
        1.0,
        0,
        len(body),
        ArticleRef(article_id, title, "Test Post", "", "2024-03-01T00:00:00+00:00"),
        chunk_id=f"{article_id}:v:0000",
    )


def _checker() -> CitationChecker:
    passages = [_passage("tram", BODY, "Tram line approved"), _passage("flood", OTHER, "Schools closed by floods")]
    units = [Unit(p, rank, a, b, p.text[a:b]) for rank, p in enumerate(passages) for a, b in sentence_spans(p.text)]

    def terms(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    return CitationChecker(passages, units, terms, lambda words: [1.0] * len(words))


def test_numbers_are_normalised():
    assert numbers("It cost 1,200 million, three times the 400.5 planned.") == {"1200", "3", "400.5"}


def test_quotations_are_cut_at_ellipses_and_flattened():
    assert quotations("She said “This line will … change how the city moves.”") == [
        "this line will",
        "change how the city moves",
    ]
    assert quotations("He said “short”.") == []  # under 12 characters: not checked word for word
    assert flatten("  “It’s  Done.” ") == "it's done"  # one apostrophe, one space, no quotes at the ends


def test_marker_groups_expand():
    assert _expand("1, 3") == [1, 3]
    assert _expand("2-4") == [2, 3, 4]
    assert _expand("1 and 2") == [1, 2]
    assert _expand("1-40") == [1, 40]  # a range that long is two numbers, not forty


@pytest.mark.parametrize(
    "text, refusal",
    [
        ("I can't find that in the passages.", True),
        ("The passages do not say.", True),
        ("There is no information about the cost.", True),
        ("The council approved the tram line.", False),
    ],
)
def test_refusals(text, refusal):
    assert is_refusal(text) is refusal


def test_a_supported_sentence_keeps_its_marker_and_quotes_the_article():
    c = _checker()
    assert (
        c.check_sentence("The council approved the new tram line on Tuesday [1].")
        == "The council approved the new tram line on Tuesday [1]."
    )
    (cite,) = c.citations
    assert BODY[cite.start : cite.end] == cite.quote == "The council approved the new tram line on Tuesday."


def test_a_wrong_marker_is_replaced_by_the_passage_that_supports_it():
    c = _checker()
    piece = c.check_sentence("The river rose two metres overnight [1].")
    assert piece == "The river rose two metres overnight [1]." and c.citations[0].passage.article.id == "flood"
    assert c.stats["cited anew"] == 1


def test_a_wrong_number_or_a_made_up_quotation_is_left_out():
    c = _checker()
    assert c.check_sentence("It will cost 1,500 million euros [1].") is None
    assert c.check_sentence("Mayor Ana Ruiz said: “This line will make the city rich.” [1]") is None
    assert c.unsupported == [
        "It will cost 1,500 million euros.",
        "Mayor Ana Ruiz said: “This line will make the city rich.”",
    ]
    assert c.answer("q") is None  # nothing supported: no answer from the model


def test_streamed_text_comes_out_sentence_by_sentence_checked():
    c = _checker()
    out = []
    for delta in ["According to the passage, work starts ", "in March [1]. Flooding closed ", "three schools [2", "]."]:
        out += c.feed(delta)
    out += c.flush()
    assert "".join(out) == "Work starts in March [1]. Flooding closed three schools [2]."
    ans = c.answer("When does work start?")
    assert not ans.refused and [x.n for x in ans.citations] == [1, 2]
