"""How an ingestion is cut into embedding calls and commits (index.ingest.embed_groups)."""

from __future__ import annotations

import pytest

from index.article import Article
from index.chunking import Chunk
from index.ingest import embed_groups

pytestmark = pytest.mark.unit


def _item(n_chunks: int, i: int):
    chunks = [Chunk(k, 0, 1, "x", 1) for k in range(n_chunks)]
    return (Article(title=f"T{i}", body="x"), chunks, False)


def test_groups_reach_the_size_then_close_and_the_rest_is_one_last_group():
    todo = [_item(n, i) for i, n in enumerate([3, 3, 5, 1, 2])]
    groups = list(embed_groups(todo, 6))
    assert [[len(c) for _, c, _ in g] for g in groups] == [[3, 3], [5, 1], [2]]
    assert [it for g in groups for it in g] == todo  # every article once, in order


def test_an_article_bigger_than_a_group_is_a_group_alone_and_nothing_is_empty():
    assert [len(g) for g in embed_groups([_item(50, 0), _item(1, 1)], 6)] == [1, 1]
    assert list(embed_groups([], 6)) == []
