"""Chunk offsets, sentence boundaries and the token budget, with the model's tokenizer."""

import pytest

from index import Settings
from index.chunking import chunk_body, sentence_spans, token_counter
from tests.helpers import CORPUS

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def counter():
    return token_counter(Settings(home="/nonexistent").model_path())


def test_offsets_are_exact_and_sentences_whole(counter):
    body = (CORPUS / "nato-russia-withdrawal.txt").read_text("utf-8")
    chunks = chunk_body(body, counter, budget=60)
    assert len(chunks) > 5
    spans = sentence_spans(body)
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    for c in chunks:
        assert body[c.start : c.end] == c.text
        assert c.start in starts and c.end in ends  # never cut inside a sentence
        assert counter.count(c.text) <= 60
        for s, e in c.sentences:
            assert (c.start + s, c.start + e) in set(spans)
    # every sentence lies whole in some chunk
    for s, e in spans:
        assert any(c.start <= s and e <= c.end for c in chunks)


def test_overlap_is_at_most_one_short_sentence(counter):
    body = " ".join(f"Sentence number {i} says something short." for i in range(60))
    chunks = chunk_body(body, counter, budget=50, overlap_tokens=10)
    for a, b in zip(chunks, chunks[1:]):
        assert b.start >= a.start and b.start <= a.end
        overlap = body[b.start : a.end] if b.start < a.end else ""
        assert counter.count(overlap) <= 10


def test_sentence_longer_than_window_is_split_between_words(counter):
    body = "Intro sentence. " + " ".join(["word"] * 400) + ". Outro."
    chunks = chunk_body(body, counter, budget=100)
    assert all(counter.count(c.text) <= 100 for c in chunks)
    assert all(body[c.start : c.end] == c.text for c in chunks)
    assert "".join(body[c.start : c.end] for c in chunks).replace(" ", "") == body.replace(" ", "")


def test_paragraph_breaks_end_sentences(counter):
    body = "Headline without a full stop\n\nFirst sentence of the story. Second one."
    texts = [body[s:e] for s, e in sentence_spans(body)]
    assert texts[0] == "Headline without a full stop"


def test_punkts_false_breaks_at_abbreviations_are_mended():
    body = (
        "“It makes you a criminal,” U.S. Attorney General Merrick Garland said. "
        "On October 30, Google – the parent of YouTube within Alphabet Inc. – issued a filing. "
        "Republican Rep. Jim Jordan failed again. He was picked at No. 7 overall. "
        "Wang was asked by Assistant U.S. Attorney Nicolas Roos about it. He moved to the U.S. The firm grew.\n"
        "It is owned by Alphabet Inc.\nThe company agreed."
    )
    texts = [body[s:e] for s, e in sentence_spans(body)]
    assert texts == [
        "“It makes you a criminal,” U.S. Attorney General Merrick Garland said.",
        "On October 30, Google – the parent of YouTube within Alphabet Inc. – issued a filing.",
        "Republican Rep. Jim Jordan failed again.",
        "He was picked at No. 7 overall.",
        "Wang was asked by Assistant U.S. Attorney Nicolas Roos about it.",
        "He moved to the U.S.",
        "The firm grew.",
        "It is owned by Alphabet Inc.",
        "The company agreed.",
    ]
