"""Following feeds against a real HTTP server on loopback, with the real model and a real
Chroma store: RSS 2.0 and Atom, 304s, new entries between polls, fallbacks to the feed's
text, failures with back-off, a 1,000-entry feed, wire copies from three outlets, and
state that survives restarts and crashes."""

from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta, timezone

import pytest

from index.feeds import FeedError, FeedState, Watcher, html_to_text, parse_feed
from tests.helpers import run_until_write
from tests.index.newsserver import NewsServer, SilentServer, article_html, atom, rss
from tests.index.wire_stories import carriers, same_topic_different_stories

pytestmark = pytest.mark.integration

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=timezone.utc)
TOPICS = [
    (
        "Harbour ferry timetable changes",
        "The ferry operator will add two evening crossings from April, citing demand from commuters who work late shifts in the city centre.",
    ),
    (
        "Library reopens after flood repairs",
        "The central library reopened on Saturday after eight months of repairs, with a new children's wing and longer weekend hours.",
    ),
    (
        "Cyclists ask for a safer bridge lane",
        "A petition signed by 3,100 cyclists asks the council to separate the bike lane on the old bridge from car traffic with a kerb.",
    ),
    (
        "School meals to use local produce",
        "From September every primary school kitchen will buy at least half of its vegetables from farms within 50 kilometres, the council said.",
    ),
]


def page(title: str, text: str, outlet: str = "Harbour Times", date: str = "2024-03-04") -> str:
    paras = [
        text,
        f"Officials said more details about {title.lower()} would be published next week.",
        "Residents can send comments to the council until the end of the month.",
    ]
    return article_html(title, paras, outlet=outlet, date=date)


@pytest.fixture
def site():
    s = NewsServer("127.0.0.1")
    yield s
    s.close()


@pytest.fixture
def watcher(make_assistant):
    a = make_assistant(fetch_allow_private=True, fetch_timeout=2.0)
    return Watcher(a.settings, a)


def serve_rss(site, n: int, path: str = "/feed.xml", **kw) -> list[str]:
    links = []
    items = []
    for i, (title, text) in enumerate(TOPICS[:n]):
        link = site.add(f"/news/{i}", page(title, text))
        links.append(link)
        items.append(
            {
                "title": title,
                "link": link,
                "guid": f"harbour-{i}",
                "date": T0 + timedelta(hours=i),
                "description": text[:60],
            }
        )
    site.add(path, rss("Harbour Times", items), "application/rss+xml", etag=True, **kw)
    return links


def test_rss_poll_adds_linked_articles_then_304(watcher, site):
    links = serve_rss(site, 3)
    feed = watcher.add_feed(site.url("/feed.xml"), allow_private=True)
    assert feed.name == "Harbour Times"
    (rep,) = watcher.poll()
    assert (rep.status, rep.entries, rep.added, rep.failed, rep.from_feed_text) == ("ok", 3, 3, [], [])
    arts = {r["url"]: r for r in watcher.target.articles()}
    assert set(arts) == set(links)
    body = watcher.target.article(arts[links[1]]["id"])["body"]
    assert "eight months of repairs" in body and "Sport" not in body  # the page's text, not the feed's summary
    assert arts[links[0]]["source"] == "Harbour Times" and arts[links[0]]["published_at"].startswith("2024-03-04")

    hits_before = list(site.hits)
    (rep2,) = watcher.poll()
    assert rep2.status == "not modified"
    assert site.conditional == ["/feed.xml"] and site.hits[len(hits_before) :] == ["/feed.xml"]
    (row,) = [f.public() for f in watcher.feeds()]
    assert row["last_poll"] and row["last_error"] == "" and row["total_articles"] == 3 and row["new_articles"] == 0


def test_atom_with_last_modified_and_a_feed_that_grows(watcher, site):
    def serve(n):
        entries = []
        for i, (title, text) in enumerate(TOPICS[:n]):
            link = site.add(f"/a/{i}", page(title, text, outlet="Bay Courier"))
            entries.append({"title": title, "link": link, "id": f"urn:bay:{i}", "summary": text})
        lm = f"Mon, 04 Mar 2024 0{n}:00:00 GMT"
        site.add("/atom.xml", atom("Bay Courier", entries), "application/atom+xml", last_modified=lm)

    serve(2)
    watcher.add_feed(site.url("/atom.xml"), name="Courier", allow_private=True)
    (rep,) = watcher.poll()
    assert (rep.added, rep.entries) == (2, 2)
    (rep,) = watcher.poll()
    assert rep.status == "not modified" and site.conditional == ["/atom.xml"]
    serve(4)  # two new entries, and a new Last-Modified
    start = len(site.hits)
    (rep,) = watcher.poll()
    assert (rep.status, rep.entries, rep.skipped, rep.added) == ("ok", 4, 2, 2)
    assert sorted(h for h in site.hits[start:] if h.startswith("/a/")) == [
        "/a/2",
        "/a/3",
    ]  # old pages not fetched again
    assert [f.name for f in watcher.feeds()] == ["Courier"]
    assert len(watcher.target.articles()) == 4


def test_pages_that_cannot_be_fetched_fall_back_to_the_feed_text(watcher, site):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    ok = site.add("/news/ok", page(*TOPICS[0]))
    pdf = site.add("/news/report.pdf", b"%PDF-1.4 ...", "application/pdf")
    items = [
        {"title": TOPICS[0][0], "link": ok, "guid": "1"},
        {"title": TOPICS[1][0], "link": site.url("/news/gone"), "guid": "2", "content": f"<p>{TOPICS[1][1]}</p>"},
        {"title": TOPICS[2][0], "link": site.url("/private/x"), "guid": "3", "description": TOPICS[2][1]},
        {"title": "Annual report", "link": pdf, "guid": "4"},  # no text in the feed either
    ]
    site.add("/f.xml", rss("Harbour Times", items), "application/rss+xml")
    watcher.add_feed(site.url("/f.xml"), allow_private=True)
    (rep,) = watcher.poll()
    assert rep.added == 3
    assert {(f.source, f.reason) for f in rep.from_feed_text} == {
        (site.url("/news/gone"), "404 Not Found"),
        (site.url("/private/x"), "robots.txt does not allow fetching it"),
    }
    assert [(f.source, f.reason) for f in rep.failed] == [
        (pdf, "not an article: application/pdf; the feed gives no text for it either")
    ]
    assert "/private/x" not in site.hits
    by_title = {r["title"]: r for r in watcher.target.articles()}
    gone = watcher.target.article(by_title[TOPICS[1][0]]["id"])
    assert gone["body"] == TOPICS[1][1] and gone["source"] == "Harbour Times" and gone["url"] == site.url("/news/gone")
    (feed,) = watcher.feeds()
    assert feed.last_error.startswith("1 entries failed")


def test_failing_feeds_back_off_and_recover(watcher, site):
    site.add("/bad.xml", "<rss><channel><title>x</title><item><title", "application/rss+xml")
    silent = SilentServer()
    try:
        watcher.settings.fetch_timeout = 0.5
        watcher.add_feed(site.url("/bad.xml"), allow_private=True, check=False)
        watcher.add_feed(silent.url, allow_private=True, check=False)
        t0 = time.time()
        reports = watcher.poll()
        assert [r.status for r in reports] == ["failed", "failed"]
        assert reports[0].error.startswith("not a readable feed: ") and reports[1].error == "timed out after 0.5 s"
        every = watcher.settings.watch_every * 60
        feeds = watcher.feeds()
        assert all(f.failures == 1 and every - 5 <= f.next_poll - t0 <= every + 5 for f in feeds)
        assert watcher.poll() == []  # both are waiting out their back-off: no retry storm
        hits = len(site.hits)
        state = watcher.state
        for f in feeds:  # time passes
            f.next_poll = 0
            state.save(f)
        watcher.poll()
        feeds = {f.url: f for f in watcher.feeds()}
        assert feeds[silent.url].failures == 2
        assert feeds[silent.url].next_poll - feeds[silent.url].last_poll == pytest.approx(2 * every)
        assert len(site.hits) == hits + 1
    finally:
        silent.close()
    # the bad feed is fixed: it recovers at its next turn
    serve_rss(site, 1, "/bad.xml")
    f = watcher.state.get(site.url("/bad.xml"))
    f.next_poll = 0
    watcher.state.save(f)
    (rep,) = watcher.poll([f])
    assert (rep.status, rep.added) == ("ok", 1)
    f = watcher.state.get(site.url("/bad.xml"))
    assert (f.failures, f.last_error) == (0, "")


def test_adding_a_feed_checks_it(watcher, site):
    site.add("/page.html", page(*TOPICS[0]))
    with pytest.raises(FeedError, match="not a readable feed|not a feed"):
        watcher.add_feed(site.url("/page.html"), allow_private=True)
    with pytest.raises(FeedError, match="404 Not Found"):
        watcher.add_feed(site.url("/nothing.xml"), allow_private=True)
    with pytest.raises(FeedError, match="refused: 127.0.0.1 is a loopback address"):
        watcher.add_feed(site.url("/feed.xml"), allow_private=False)
    with pytest.raises(FeedError, match="only http and https"):
        watcher.add_feed("file:///etc/passwd")
    assert watcher.feeds() == []


def test_a_thousand_entries_once_then_only_the_new_one(watcher, site):
    rng = random.Random(11)
    words = (
        "council harbour ferry bridge school budget mayor strike port union market river tram library "
        "police hospital farm museum airport train festival weather storm election court"
    ).split()
    items = []
    for i in range(1000):
        text = " ".join(rng.choice(words) for _ in range(30)) + f". Item {i}."
        items.append({"title": f"Brief {i}", "guid": f"brief-{i}", "content": f"<p>{text}</p>"})  # no links
    site.add("/big.xml", rss("Briefs", items), "application/rss+xml", etag=True)
    watcher.add_feed(site.url("/big.xml"), allow_private=True)
    (rep,) = watcher.poll()
    assert (rep.entries, rep.added + rep.folded, len(rep.failed)) == (1000, 1000, 0)
    assert len(rep.from_feed_text) == 1000 and rep.from_feed_text[0].reason == "the entry has no link"
    chunks = watcher.target.store.count_chunks()
    items.insert(0, {"title": "Brief new", "guid": "brief-new", "content": "<p>The night ferry returns in May.</p>"})
    site.add("/big.xml", rss("Briefs", items), "application/rss+xml", etag=True)
    (rep,) = watcher.poll()
    assert (rep.entries, rep.skipped, rep.added) == (1001, 1000, 1)
    assert watcher.target.store.count_chunks() == chunks + 1


def test_three_outlets_carrying_one_wire_story_fold_next_to_two_different_stories(watcher, site):
    wire, other = carriers(), same_topic_different_stories()
    outlets = {}
    for rec in wire + other:
        path = "/" + rec["source"].lower().replace(" ", "-") + "/" + str(abs(hash(rec["url"])) % 10**8)
        link = site.add(
            path, article_html(rec["title"], rec["body"].split("\n"), outlet=rec["source"], date=rec["published_at"])
        )
        outlets.setdefault(rec["source"], []).append({"title": rec["title"], "link": link, "guid": link})
    for name, items in outlets.items():
        site.add(f"/feeds/{len(name)}-{name[:3]}.xml", rss(name, items), "application/rss+xml")
        watcher.add_feed(site.url(f"/feeds/{len(name)}-{name[:3]}.xml"), allow_private=True)
    reports = watcher.poll()
    assert sum(r.added for r in reports) == 3 and sum(r.folded for r in reports) == 2
    rows = watcher.target.articles()
    stories = [r for r in rows if not r["folded_into"]]
    assert len(rows) == 5 and len(stories) == 3
    (story_id,) = {r["folded_into"] for r in rows if r["folded_into"]}
    story = watcher.target.store.records([story_id])[story_id]
    outlets_of_story = [story["source"]] + [c["source"] for c in json.loads(story["carriers"])]
    assert sorted(outlets_of_story) == ["Coast Herald", "Daily Ledger", "Northern Post"]
    assert all(c["url"].startswith(site.base) for c in json.loads(story["carriers"]))


def test_feed_state_survives_a_restart_and_a_crash_mid_poll(make_assistant, site):
    a = make_assistant(fetch_allow_private=True, fetch_timeout=2.0)
    links = serve_rss(site, 3)

    class Crash(Exception):
        pass

    class Dies:
        """The process dies after fetching, before (or while) storing."""

        store = a.store

        def add_loaded(self, loaded, progress=None):
            a.add_loaded(type(loaded)(articles=loaded.articles[:1]))  # one article committed, then death
            raise Crash

    w = Watcher(a.settings, Dies())
    w.add_feed(site.url("/feed.xml"), allow_private=True)
    with pytest.raises(Crash):
        w.poll()
    (feed,) = FeedState.open(a.settings).feeds()
    assert feed.etag == "" and feed.last_poll == 0  # nothing advanced: the next poll reads the feed whole

    w2 = Watcher(a.settings, a)  # a new process: state from disk
    (rep,) = w2.poll()
    assert rep.status == "ok" and (rep.skipped, rep.added) == (1, 2)  # the committed one is found, not duplicated
    assert sorted(r["url"] for r in a.articles()) == sorted(links)
    (rep,) = Watcher(a.settings, a).poll()
    assert rep.status == "not modified"


def test_at_most_a_few_requests_per_host_at_once(watcher, site):
    items = []
    for i in range(8):
        title, text = TOPICS[i % 4]
        link = site.add(f"/slow/{i}", page(f"{title} ({i})", text + f" Case number {i * 7919}."), delay=0.3)
        items.append({"title": title, "link": link, "guid": f"s{i}"})
    site.add("/slow.xml", rss("Slow Times", items), "application/rss+xml")
    watcher.settings.fetch_per_host = 2
    watcher.add_feed(site.url("/slow.xml"), allow_private=True)
    (rep,) = watcher.poll()
    assert rep.added + rep.updated + rep.folded + rep.unchanged >= 1 and not rep.failed
    assert site.max_active == 2


def test_feed_state_on_a_chroma_server(chroma_url, tmp_path):
    from index import Settings
    from tests.helpers import unique_collection

    s = Settings(home=tmp_path, chroma_url=chroma_url, collection=unique_collection("f"))
    st = FeedState.open(s)
    w = Watcher(s, target=None, state=st)
    w.add_feed("https://news.example/rss", name="Example", check=False)
    st.mark_seen(w.feeds()[0].id, {"guid-1": "u123"})
    again = FeedState.open(s)  # another process on the same server
    assert [f.name for f in again.feeds()] == ["Example"]
    assert again.seen(again.feeds()[0].id, ["guid-1", "guid-2"]) == {"guid-1"}
    assert again.remove("https://news.example/rss") is not None and again.feeds() == []


def test_feed_parsing_and_text():
    title, entries, note = parse_feed(
        rss(
            "T",
            [
                {
                    "title": "A",
                    "link": "https://x.example/a",
                    "guid": "g1",
                    "content": "<p>One.</p><p>Two <b>bold</b>.</p><script>x()</script>",
                }
            ],
        ).encode(),
        "https://x.example/rss",
    )
    assert (title, note, entries[0].key, entries[0].link) == ("T", "", "g1", "https://x.example/a")
    assert html_to_text(entries[0].content_html) == "One.\nTwo bold."
    rdf = (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://x.example/"><title>R</title></channel>'
        '<item rdf:about="https://x.example/1"><title>One</title><link>https://x.example/1</link></item></rdf:RDF>'
    )
    title, entries, _ = parse_feed(rdf.encode(), "https://x.example/rdf")
    assert title == "R" and [e.link for e in entries] == ["https://x.example/1"]


def test_cli_feeds_add_list_watch_remove(site, tmp_path):
    """The commands as a user runs them, each its own process, state in NEWSQA_HOME."""
    import os
    import subprocess
    import sys

    serve_rss(site, 2)
    env = dict(os.environ, NEWSQA_HOME=str(tmp_path / "home"), NEWSQA_FETCH_TIMEOUT="3")

    def newsqa(*args):
        return subprocess.run(
            [sys.executable, "-m", "qa.cli", *args], env=env, capture_output=True, text=True, timeout=300
        )

    p = newsqa("feeds", "add", site.url("/feed.xml"), "--name", "Harbour", "--json")
    assert p.returncode == 0, p.stderr
    fid = json.loads(p.stdout)["id"]
    p = newsqa("feeds", "add", site.url("/nothing.xml"))
    assert p.returncode == 2 and "404 Not Found" in p.stderr
    p = newsqa("watch", "--once")
    assert p.returncode == 0, p.stderr
    assert "added 2" in p.stdout
    rows = json.loads(newsqa("feeds", "list", "--json").stdout)
    assert [(r["id"], r["name"], r["new_articles"], r["last_error"]) for r in rows] == [(fid, "Harbour", 2, "")]
    assert rows[0]["last_poll"]
    p = newsqa("watch", "--once", "--json")
    assert json.loads(p.stdout)["status"] == "not modified"
    assert newsqa("feeds", "remove", fid).returncode == 0
    assert json.loads(newsqa("feeds", "list", "--json").stdout) == []
    assert len(json.loads(newsqa("list", "--json").stdout)) == 2  # its articles stay


@pytest.mark.slow
def test_sigkill_mid_poll_loses_nothing_and_duplicates_nothing(site, tmp_path):
    """`newsqa watch --once` killed with SIGKILL right after it wrote its first chunks,
    before their articles commit, then run again: every article once, no orphan chunks."""
    import os
    import subprocess
    import sys

    from index import Settings
    from index.store import ChromaStore

    rng = random.Random(5)
    words = "council harbour ferry bridge budget mayor strike port union market river tram library museum".split()
    items = []
    for i in range(30):
        paras = [" ".join(rng.choice(words) for _ in range(60)) + f" Report {i}." for _ in range(6)]
        link = site.add(f"/k/{i}", article_html(f"Report {i}", paras, outlet="Kill Times"))
        items.append({"title": f"Report {i}", "link": link, "guid": f"k{i}"})
    site.add("/k.xml", rss("Kill Times", items), "application/rss+xml", etag=True)
    home = tmp_path / "home"
    env = dict(os.environ, NEWSQA_HOME=str(home), NEWSQA_FETCH_TIMEOUT="5")
    cmd = [sys.executable, "-m", "qa.cli"]
    assert (
        subprocess.run(cmd + ["feeds", "add", site.url("/k.xml")], env=env, capture_output=True, timeout=120).returncode
        == 0
    )
    run_until_write(["watch", "--once"], env, "chunks", 1)  # every page fetched; killed mid-write
    assert sum(h.startswith("/k/") for h in site.hits) == 30
    p = subprocess.run(cmd + ["watch", "--once", "--json"], env=env, capture_output=True, text=True, timeout=300)
    rep = json.loads(p.stdout.splitlines()[-1])
    assert rep["status"] == "ok" and rep["skipped"] + rep["added"] == 30, rep
    store = ChromaStore(Settings(home=home))
    versions = store.versions()
    assert len(versions) == 30
    got = store.chunks.get(include=["metadatas"])
    assert all(versions.get(m["article_id"]) == m["version"] for m in got["metadatas"])  # no orphans, no stale
    assert {m["article_id"] for m in got["metadatas"]} == set(versions)
