"""Add by URL and follow feeds through the web app's doors: a real `python app.py`
process on loopback, real HTTP. The web doors fetch public addresses only; here
127.0.0.2 stands for a public site (NEWSQA_FETCH_ALLOW_NETS), and everything else
private (127.0.0.1, 10/8, 169.254/16, ...) must stay refused."""

from __future__ import annotations

import httpx
import pytest

from tests.index.newsserver import NewsServer, article_html, rss
from tests.test_app import start_app

PARAS = [
    "The regional parliament voted on Thursday to ban cars from the old town centre on weekends from June.",
    "Traders had warned that the ban would cost them customers, but a trial last summer raised footfall by 8 percent.",
    "The transport councillor said buses would run every ten minutes on Saturdays to make up for the lost parking.",
]


@pytest.fixture(scope="module")
def public_site():
    s = NewsServer("127.0.0.2")
    yield s
    s.close()


@pytest.fixture(scope="module")
def private_site():
    s = NewsServer("127.0.0.1")
    yield s
    s.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    home = tmp_path_factory.mktemp("feeds-app")
    base, proc = start_app(home, NEWSQA_FETCH_ALLOW_NETS="127.0.0.2/32", NEWSQA_FETCH_TIMEOUT="3")
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def test_rest_adds_a_public_url_and_refuses_private_ones(app, public_site, private_site):
    url = public_site.add("/news/car-ban", article_html("Old town goes car-free on weekends", PARAS,
                                                        outlet="Valley Gazette", date="2024-05-02"))
    secret = private_site.add("/admin/memo", article_html("Internal memo", PARAS))
    hop1 = public_site.redirect("/r1", public_site.url("/r2"))
    public_site.redirect("/r2", secret)  # the second hop leads inside
    meta = public_site.redirect("/meta", "http://169.254.169.254/latest/meta-data/iam/")
    before = len(private_site.hits)

    r = httpx.post(f"{app}/api/articles", json={"url": url}, timeout=120)
    assert r.status_code == 200 and (r.json()["added"], r.json()["failed"]) == (1, [])
    r = httpx.post(f"{app}/api/articles", json={"urls": [hop1, meta, secret, "file:///etc/passwd"]}, timeout=120)
    assert r.json()["added"] == 0
    assert {(f["source"], f["reason"]) for f in r.json()["failed"]} == {
        (hop1, "refused: 127.0.0.1 is a loopback address"),
        (meta, "refused: 169.254.169.254 is a link-local (cloud metadata) address"),
        (secret, "refused: 127.0.0.1 is a loopback address"),
        ("file:///etc/passwd", "only http and https URLs are fetched, not file"),
    }
    assert len(private_site.hits) == before  # nothing inside was ever asked
    rows = httpx.get(f"{app}/api/articles", timeout=30).json()
    assert [r["title"] for r in rows if r["url"].startswith(public_site.base)] == ["Old town goes car-free on weekends"]
    assert not any(r["url"].startswith(private_site.base) for r in rows)
    hits = httpx.post(f"{app}/api/search", json={"query": "car-free old town weekends", "k": 1}, timeout=60).json()
    assert hits[0]["article"]["source"] == "Valley Gazette"


@pytest.mark.parametrize("payload, message", [
    ({"url": ""}, "url must be a non-empty string"),
    ({"url": 5}, "url must be a non-empty string"),
    ({"urls": ["http://x.example/"] * 101}, "101 URLs in one request; the limit is 100"),
])
def test_rest_bad_url_requests_get_a_clear_4xx(app, payload, message):
    r = httpx.post(f"{app}/api/articles", json=payload, timeout=30)
    assert r.status_code == 400 and message in r.json()["error"]
