"""Add by URL and follow feeds through the web app's doors: a real `python app.py`
process on loopback, real HTTP. The web doors fetch public addresses only; here
127.0.0.2 stands for a public site (NEWSQA_FETCH_ALLOW_NETS), and everything else
private (127.0.0.1, 10/8, 169.254/16, ...) must stay refused."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import CHROMIUM, CHROMIUM_ARGS, start_app, stop, wait_for
from tests.index.newsserver import NewsServer, article_html, rss

pytestmark = pytest.mark.slow

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
    """``python app.py --watch``, polling every 3 seconds."""
    home = tmp_path_factory.mktemp("feeds-app")
    base, proc = start_app(
        home,
        args=["--watch"],
        NEWSQA_FETCH_ALLOW_NETS="127.0.0.2/32",
        NEWSQA_FETCH_TIMEOUT="3",
        NEWSQA_WATCH_EVERY="0.05",
        NEWSQA_FETCH_ALLOW_PRIVATE="false",
    )
    yield base
    stop(proc)
    assert "watching 0 feeds every 0.05 minutes" in (home / "server.log").read_text()


def test_rest_adds_a_public_url_and_refuses_private_ones(app, public_site, private_site):
    url = public_site.add(
        "/news/car-ban",
        article_html("Old town goes car-free on weekends", PARAS, outlet="Valley Gazette", date="2024-05-02"),
    )
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


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"url": ""}, "url must be a non-empty string"),
        ({"url": 5}, "url must be a non-empty string"),
        ({"urls": ["http://x.example/"] * 101}, "101 URLs in one request; the limit is 100"),
    ],
)
def test_rest_bad_url_requests_get_a_clear_4xx(app, payload, message):
    r = httpx.post(f"{app}/api/articles", json=payload, timeout=30)
    assert r.status_code == 400 and message in r.json()["error"]


def test_rest_feeds_and_the_watcher_inside_the_app(app, public_site, private_site):
    links = [
        public_site.add(f"/valley/{i}", article_html(t, [p] + PARAS[1:], outlet="Valley Gazette", date="2024-05-03"))
        for i, (t, p) in enumerate(
            [
                (
                    "Valley trains to run all night",
                    "Night trains will run every hour on Fridays and Saturdays from July.",
                ),
                ("Reservoir levels back to normal", "After a wet spring the valley reservoirs are 96 percent full."),
            ]
        )
    ]
    inside = private_site.add("/intranet/story", article_html("Intranet story", PARAS))
    items = [
        {"title": "Valley trains to run all night", "link": links[0], "guid": "v0"},
        {"title": "Reservoir levels back to normal", "link": links[1], "guid": "v1"},
        {
            "title": "Staff memo",
            "link": inside,
            "guid": "v2",
            "description": "The canteen closes early on Friday for the staff party, the facilities team said.",
        },
    ]
    feed = public_site.add("/valley.xml", rss("Valley Gazette", items), "application/rss+xml", etag=True)
    private_feed = private_site.add("/inside.xml", rss("Inside", items[:1]), "application/rss+xml")
    before = len(private_site.hits)

    r = httpx.post(f"{app}/api/feeds", json={"url": private_feed}, timeout=60)
    assert r.status_code == 400 and "refused: 127.0.0.1 is a loopback address" in r.json()["error"]
    r = httpx.post(f"{app}/api/feeds", json={"url": feed, "name": "Gazette"}, timeout=60)
    assert r.status_code == 200, r.text
    fid = r.json()["id"]
    assert r.json()["name"] == "Gazette" and r.json()["last_poll"] == ""

    # the watcher inside the app polls it; the entry leading inside is not fetched: its feed text is used
    row = wait_for(
        lambda: next(
            (
                f
                for f in httpx.get(f"{app}/api/feeds", timeout=30).json()
                if f["id"] == fid and f["total_articles"] >= 3
            ),
            None,
        ),
        120,
        "the feed polled",
        every=0.5,
    )
    assert row["last_poll"] and row["new_articles"] == 3 and row["last_error"] == ""
    assert len(private_site.hits) == before
    arts = {a["title"]: a for a in httpx.get(f"{app}/api/articles", timeout=30).json()}
    assert arts["Valley trains to run all night"]["source"] == "Valley Gazette"
    assert arts["Staff memo"]["url"] == inside  # stored from the feed's own text, never fetched
    assert httpx.get(f"{app}/api/health", timeout=5).status_code == 200
    wait_for(lambda: "/valley.xml" in public_site.conditional, 120, "a conditional poll", every=0.5)  # later polls: 304

    assert httpx.delete(f"{app}/api/feeds/{fid}", timeout=30).json() == {"removed": fid}
    assert httpx.get(f"{app}/api/feeds", timeout=30).json() == []
    r = httpx.delete(f"{app}/api/feeds/{fid}", timeout=30)
    assert r.status_code == 404 and "no feed" in r.json()["error"]
    assert httpx.post(f"{app}/api/feeds", json={"url": "ftp://x.example/f"}, timeout=30).status_code == 400


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run installs it)"
)
def test_browser_adds_a_link_and_follows_a_feed_in_the_corpus_tab(app, public_site):
    from playwright.sync_api import sync_playwright

    url = public_site.add(
        "/news/bridge", article_html("Old bridge to reopen to cyclists <b>soon</b>", PARAS, outlet="Valley Gazette")
    )
    feed = public_site.add(
        "/ui.xml", rss("UI <i>Feed</i>", [{"title": "x", "guid": "u1", "description": "Short."}]), "application/rss+xml"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        page.goto(app + "/")  # not "networkidle": the session's state keeps a heartbeat stream open
        page.get_by_role("tab", name="Corpus").wait_for(timeout=60_000)
        page.get_by_role("tab", name="Corpus").click()
        page.locator("#link textarea, #link input").first.fill(url)
        page.locator("#add-link").click()
        page.get_by_text("Old bridge to reopen to cyclists <b>soon</b>").first.wait_for(timeout=120_000)
        assert "added" in page.locator("#result").inner_text()
        page.locator("#feed-url textarea, #feed-url input").first.fill(feed)
        page.locator("#follow").click()
        page.locator("#feed-msg").get_by_text("Following").wait_for(timeout=60_000)
        wait_for(
            lambda: "UI <i>Feed</i>" in (page.locator("#feeds").text_content() or ""), 30, "the feed listed", every=0.5
        )  # as text, not markup
        assert page.locator("#feeds i").count() == 0
        browser.close()
    fid = next(f["id"] for f in httpx.get(f"{app}/api/feeds", timeout=30).json() if f["url"] == feed)
    httpx.delete(f"{app}/api/feeds/{fid}", timeout=30)
