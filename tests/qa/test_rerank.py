"""The optional re-ranking of the best candidate sentences by their own vectors
(NEWSQA_RERANK), with the real embedding model."""

import numpy as np
import pytest

from qa.reader.evidence import ReaderConfig, rerank
from qa.reader.sentences import Unit
from tests.helpers import CORPUS, article_index, check_citations

pytestmark = pytest.mark.integration


def test_the_best_few_gain_their_closeness_and_the_rest_overtake_none(embedder):
    body = (
        "The new console bundle is on sale this week. Marvel's Spider-Man 2 will be released Oct. 20 on "
        "PlayStation 5. Reviews praised the web wings. Stores expect queues."
    )
    (p,) = article_index([[body]])[1]
    cuts, start = [], 0
    for sentence in body.split(". "):
        end = start + len(sentence.rstrip("."))
        cuts.append((start, end + (1 if body[end : end + 1] == "." else 0)))
        start = end + 2
    units = [Unit(p, 0, s, e, body[s:e]) for s, e in cuts]
    for u, score in zip(units, [4.0, 3.9, 3.0, 2.0]):
        u.score = score
    qvec = embedder.embed_query("When is Spider-Man 2 coming out on PS5?")
    rerank(units, qvec, lambda texts: embedder.embed_queries(texts, remember=False), ReaderConfig(rerank_top=3))
    direct = embedder.embed_documents([u.text for u in units[:3]]) @ qvec
    gains = 1.5 * direct
    assert [round(u.score, 3) for u in units[:3]] == [round(s + g, 3) for s, g in zip([4.0, 3.9, 3.0], gains)]
    assert round(units[3].score, 3) == round(2.0 + gains.min(), 3)
    # the release date is closest in meaning to the question: it now ranks first
    assert max(units, key=lambda u: u.score) is units[1]
    assert np.argmax(direct) == 1


def test_an_assistant_with_reranking_answers_and_cites(make_assistant):
    a = make_assistant(rerank=6)
    assert a.add([CORPUS]).added == 1
    answer = a.ask("What did France say about the withdrawal?")
    assert not answer.refused and "Attal" in answer.text
    check_citations(a, answer)
