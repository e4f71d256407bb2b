from datetime import timezone

import pytest

from index.article import Article, canonical_url, parse_date

pytestmark = pytest.mark.unit


def test_canonical_url_ignores_trivial_differences():
    a = canonical_url("http://WWW.Example.com/news/story/?utm_source=x&id=3#top")
    b = canonical_url("https://example.com/news/story?id=3")
    assert a == b == "https://example.com/news/story?id=3"


def test_id_from_url_survives_text_changes_and_version_does_not():
    a = Article(title="T", body="First text.", url="https://example.com/a")
    b = Article(title="T", body="Corrected text.", url="https://example.com/a/")
    assert a.id == b.id
    assert a.version != b.version


def test_id_without_url_is_a_hash_of_normalised_text():
    a = Article(title="T", body="Hello   World.\n")
    b = Article(title="Other", body="hello world.")
    assert a.id == b.id and a.id.startswith("t")


def test_parse_date_variants():
    assert parse_date("2023-11-27T08:45:59+00:00").hour == 8
    assert parse_date("2023-11-27").tzinfo == timezone.utc
    assert parse_date("not a date") is None
    assert parse_date(None) is None
