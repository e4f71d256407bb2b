"""The typed records and their JSON: ``from_dict(to_dict(x)) == x`` through real JSON,
for the public results (qa.schema) and the chunk metadata the store keeps
(index.records). No model, no store."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index import vectors
from index.records import ChunkMeta, format_spans, parse_spans
from qa.schema import Answer, ArticleRef, Citation, Passage, Stats

pytestmark = pytest.mark.unit

BODY = "Prices rose. The bank said prices rose. Then the bank said prices rose again."
CARRIER = {
    "id": "b2",
    "title": "Prices up",
    "source": "Wire B",
    "url": "https://b.example/1",
    "published_at": "2024-01-02",
}


def _json(d):
    return json.loads(json.dumps(d))


def _article() -> ArticleRef:
    return ArticleRef(
        "a1", "Prices", "Daily A", "https://a.example/p", "2024-01-01T08:00:00+00:00", "R. Writer", (CARRIER,)
    )


def _answer() -> Answer:
    passage = Passage(BODY[13:], 0.8123456789, 13, len(BODY), _article(), "a1:v1:0001")
    # "prices rose" appears twice in the passage: the citation quotes the second one
    second = BODY.rindex("prices rose")
    cite = Citation(1, passage, BODY[second : second + 11], second, second + 11)
    return Answer("The bank said prices rose again [1].", False, [cite], "Did prices rise?", "a note", ["left out."])


def test_article_ref_round_trip():
    a = _article()
    back = ArticleRef.from_dict(_json(a.to_dict()))
    assert back == a and back.also_carried_by == a.also_carried_by  # (compare=False on carriers)


def test_passage_round_trip_keeps_score_and_chunk_id():
    p = _answer().citations[0].passage
    assert Passage.from_dict(_json(p.to_dict())) == p


def test_citation_json_is_flat_and_round_trips():
    c = _answer().citations[0]
    d = _json(c.to_dict())
    assert d["article_id"] == "a1" and d["title"] == "Prices" and "article" not in d  # the documented flat form
    assert BODY[d["start"] : d["end"]] == d["quote"] and BODY[d["passage_start"] : d["passage_end"]] == d["passage"]
    back = Citation.from_dict(d)
    assert back == c and back.passage.article.also_carried_by == (CARRIER,)


def test_answer_round_trip_when_the_quote_occurs_twice_in_its_passage():
    ans = _answer()
    c = ans.citations[0]
    assert c.passage.text.find(c.quote) + c.passage.start != c.start  # guessing from the text would be wrong
    back = Answer.from_dict(_json(ans.to_dict()))
    assert back == ans
    assert back.citations[0].passage.start == 13


def test_a_refusal_round_trips():
    ans = Answer("I can't answer that from the articles I have.", True, question="Who won?")
    assert Answer.from_dict(_json(ans.to_dict())) == ans


def test_stats_round_trip():
    s = Stats(articles=3, chunks=40, answers="extractive")
    assert Stats.from_dict(_json(s.to_dict())) == s


def test_chunk_meta_round_trips_through_chroma_form_and_json():
    packed = vectors.pack(np.random.default_rng(0).normal(size=(2, 8)).astype(np.float32))
    m = ChunkMeta(
        "a1",
        "v1",
        3,
        120,
        260,
        "Prices",
        "Daily A",
        "daily a",
        ("daily a", "wire b"),
        1704096000,
        "Prices | Daily A | 2024-01-01",
        "0-40,41-140",
        packed,
    )
    d = m.to_dict()
    assert all(isinstance(v, (str, int, float, bool, list)) for v in d.values())  # what Chroma metadata takes
    assert ChunkMeta.from_dict(_json(d)) == m
    assert m.sentences == ((0, 40), (41, 140)) and m.sentence_spans(140) == [(0, 40), (41, 140)]
    assert (
        m.without_vectors().sentence_vectors == ""
        and ChunkMeta.from_dict(m.without_vectors().to_dict()).sentences == m.sentences
    )


def test_chunk_meta_reads_chunks_written_before_a_field_existed():
    old = {
        "article_id": "a1",
        "version": "v1",
        "chunk": 0,
        "start": 0,
        "end": 50,
        "title": "T",
        "source": "S",
        "source_key": "s",
        "published_ts": 0,
        "header": "T",
    }
    m = ChunkMeta.from_dict(old)
    assert m.source_keys == () and m.sentences == () and m.sentence_vectors == ""
    assert m.sentence_spans(50) == [(0, 50)]  # no sentences stored: the whole chunk is one
    assert "source_keys" not in m.to_dict()  # Chroma refuses an empty list


def test_sentence_spans_format():
    spans = ((0, 12), (13, 40))
    assert format_spans(spans) == "0-12,13-40" and parse_spans(format_spans(spans)) == spans
    assert parse_spans("") == ()


def test_article_info_round_trip_and_dict_style_reads():
    from qa.schema import ArticleInfo, ArticleText

    row = {
        "id": "a1",
        "title": "T",
        "source": "S",
        "url": "",
        "published_at": "2024-01-01",
        "author": "",
        "category": "news",
        "chunks": 4,
        "folded_into": "",
        "published_ts": 1704067200,
        "version": "v1",
    }
    info = ArticleInfo.from_record(row)  # the store's record: its extra fields are not part of the listing
    assert ArticleInfo.from_dict(_json(info.to_dict())) == info
    assert info["title"] == info.title == "T" and info.get("chunks") == 4 and info.get("version") is None
    with pytest.raises(KeyError):
        info["version"]
    text = ArticleText.from_record({**row, "body": "Body."})
    assert text["body"] == text.body == "Body." and ArticleText.from_dict(_json(text.to_dict())) == text
