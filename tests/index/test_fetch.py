"""Fetching pages by URL from a real HTTP server on loopback: extraction, redirects,
errors each as one line, the size cap, timeouts, and the address policy (SSRF)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from index import Settings
from index.fetch import Fetcher, FetchError, Policy, Robots, fetch_articles
from tests.index.newsserver import NewsServer, SilentServer, article_html

pytestmark = pytest.mark.integration

PARAS = [
    "The city council approved a new tram line on Tuesday after a debate that lasted more than six hours.",
    "Mayor Ana Ruiz said construction would begin in the spring and that the first trams would run in 2027.",
    "Opposition councillors said the 400 million euro budget was unrealistic and asked for an independent review.",
    "Residents along the planned route have complained about noise and the loss of parking spaces.",
]


def settings(tmp_path: Path, **kw) -> Settings:
    return Settings(home=tmp_path, **{"fetch_timeout": 2.0, **kw})


@pytest.fixture(scope="module")
def site():
    s = NewsServer("127.0.0.1")
    yield s
    s.close()


@pytest.fixture(scope="module")
def public_site():
    """A server on 127.0.0.2, standing for a public site: the tests allow only that
    address (NEWSQA_FETCH_ALLOW_NETS), so everything else private stays refused."""
    s = NewsServer("127.0.0.2")
    yield s
    s.close()


def open_fetcher(tmp_path, **kw) -> Fetcher:
    s = settings(tmp_path, **kw)
    return Fetcher(s, Policy.from_settings(s, kw.get("fetch_allow_private", True)))


def test_article_fields_and_canonical_url(site, tmp_path):
    canonical = site.url("/news/tram-line-approved")
    url = site.add(
        "/news/tram?utm_source=feed",
        article_html(
            "Council approves tram line",
            PARAS,
            outlet="Harbour Times",
            author="Lena Ortiz",
            date="2024-02-13T09:30:00+00:00",
            canonical=canonical,
        ),
    )
    out = fetch_articles([url], settings(tmp_path), allow_private=True)
    assert not out.failures
    (a,) = out.articles
    assert a.title == "Council approves tram line"
    assert a.source == "Harbour Times" and a.author == "Lena Ortiz"
    assert a.published_at.date().isoformat() == "2024-02-13"
    assert "400 million euro budget" in a.body and "All rights reserved" not in a.body and "Sport" not in a.body
    assert a.url == canonical  # the article key: a second add of either URL is the same article


def test_a_canonical_url_on_another_site_is_not_trusted(site, tmp_path):
    """A page may not claim another site's article (it would replace it in the store)."""
    url = site.add("/hijack", article_html("Tram line", PARAS, canonical="https://other-paper.example/tram"))
    (a,) = fetch_articles([url], settings(tmp_path), allow_private=True).articles
    assert a.url == url


def test_two_redirects_are_followed_to_the_article(site, tmp_path):
    final = site.add("/final", article_html("Tram line approved", PARAS, outlet="Harbour Times"))
    site.redirect("/hop2", "/final", 301)
    start = site.redirect("/hop1", site.url("/hop2"), 302)
    (a,) = fetch_articles([start], settings(tmp_path), allow_private=True).articles
    assert a.url == final and a.title == "Tram line approved"


def test_redirect_limit(site, tmp_path):
    site.redirect("/loop-a", "/loop-b")
    start = site.redirect("/loop-b", "/loop-a")
    out = fetch_articles([start], settings(tmp_path, fetch_max_redirects=3), allow_private=True)
    assert [f.reason for f in out.failures] == ["more than 3 redirects"]


def test_each_failure_is_one_line_and_the_rest_still_come(site, tmp_path):
    good = site.add("/good", article_html("Tram line approved", PARAS))
    pdf = site.add("/report.pdf", b"%PDF-1.4\n" + b"x" * 500, "application/pdf")
    big = site.add("/big", b"<html><body>" + b"<p>word </p>" * 250_000 + b"</body></html>")
    chunked = site.add("/big-chunked", b"<html><body>" + b"<p>word </p>" * 250_000 + b"</body></html>", chunked=True)
    silent = SilentServer()
    try:
        t0 = time.monotonic()
        out = fetch_articles(
            [site.url("/missing"), pdf, good, big, chunked, silent.url, "ftp://x.example/a", "file:///etc/passwd"],
            settings(tmp_path, fetch_max_mb=1, fetch_timeout=0.5),
            allow_private=True,
        )
        elapsed = time.monotonic() - t0
    finally:
        silent.close()
    reasons = {f.source: f.reason for f in out.failures}
    assert reasons == {
        site.url("/missing"): "404 Not Found",
        pdf: "not an article: application/pdf",
        big: "page too large: 3 MB > 1 MB",
        chunked: "page too large: more than 1 MB",
        silent.url: "timed out after 0.5 s",
        "ftp://x.example/a": "only http and https URLs are fetched, not ftp",
        "file:///etc/passwd": "only http and https URLs are fetched, not file",
    }
    assert [a.url for a in out.articles] == [good]
    assert elapsed < 5  # the silent server costs its timeout, not more


def test_loopback_and_private_addresses_are_refused_by_default(site, tmp_path):
    url = site.add("/internal", article_html("Internal memo", PARAS))
    before = len(site.hits)
    out = fetch_articles(
        [
            url,
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://[::1]:9/",
            "http://0.0.0.0:9/",
            "http://metadata.google.internal/",
        ],
        settings(tmp_path),
    )
    assert {f.source: f.reason for f in out.failures} == {
        url: "refused: 127.0.0.1 is a loopback address",
        "http://169.254.169.254/latest/meta-data/": "refused: 169.254.169.254 is a link-local (cloud metadata) address",
        "http://10.0.0.1/": "refused: 10.0.0.1 is a private address",
        "http://[::1]:9/": "refused: ::1 is a loopback address",
        "http://0.0.0.0:9/": "refused: 0.0.0.0 is a unspecified address",
        "http://metadata.google.internal/": "refused: metadata.google.internal is a cloud metadata host",
    }
    assert len(site.hits) == before  # nothing was even requested


def test_a_redirect_to_a_private_address_is_refused_at_that_hop(site, public_site, tmp_path):
    secret = site.add("/secret", article_html("Internal memo", PARAS))
    hop = public_site.redirect("/to-private", secret)
    meta = public_site.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    s = settings(tmp_path, fetch_allow_nets="127.0.0.2/32")
    before = len(site.hits)
    out = fetch_articles([hop, meta], s)
    assert {f.source: f.reason for f in out.failures} == {
        hop: "refused: 127.0.0.1 is a loopback address",
        meta: "refused: 169.254.169.254 is a link-local (cloud metadata) address",
    }
    assert len(site.hits) == before and sorted(public_site.hits[-2:]) == ["/to-metadata", "/to-private"]


def test_connection_goes_to_the_checked_address_with_the_original_host(public_site, tmp_path, monkeypatch):
    """The name is resolved once and checked; the request then goes to that address
    (a second, different DNS answer cannot redirect it) with the name as Host."""
    import socket

    public_site.add("/pinned", article_html("Tram line approved", PARAS))
    seen = []
    real = socket.getaddrinfo

    def fake(host, port, *a, **kw):
        seen.append(host)
        if host == "news.test":
            return real("127.0.0.2", port, *a, **kw)
        return real(host, port, *a, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    s = settings(tmp_path, fetch_allow_nets="127.0.0.2/32")
    with Fetcher(s, Policy.from_settings(s)) as f:
        page = f.get(f"http://news.test:{public_site.port}/pinned")
    assert page.status == 200 and b"Tram line approved" in page.body
    assert [h for h in seen if h != "127.0.0.2"] == ["news.test"]  # resolved once; then the checked IP was used
    assert public_site.host_headers[-1] == f"news.test:{public_site.port}"


def test_conditional_get_answers_304(site, tmp_path):
    site.add("/etag", "hello etag", "text/plain", etag=True)
    site.add("/lm", "hello lm", "text/plain", last_modified="Tue, 13 Feb 2024 09:30:00 GMT")
    with open_fetcher(tmp_path) as f:
        first = f.get(site.url("/etag"))
        again = f.get(site.url("/etag"), etag=first.etag)
        lm = f.get(site.url("/lm"))
        lm_again = f.get(site.url("/lm"), last_modified=lm.last_modified)
    assert first.status == 200 and first.etag and again.status == 304
    assert lm.last_modified and lm_again.status == 304
    assert site.conditional[-2:] == ["/etag", "/lm"]


def test_robots_txt(site, tmp_path):
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    with open_fetcher(tmp_path) as f:
        robots = Robots(f)
        assert robots.allowed(site.url("/news/a")) and not robots.allowed(site.url("/private/b"))


def test_plain_text_page_and_legacy_charset(site, tmp_path):
    text = (
        "Le conseil adopte le tramway\nLa maire a déclaré que les travaux commenceraient au printemps, « sans délai »."
    )
    url = site.add("/note.txt", text.encode("cp1252"), "text/plain")  # no charset declared
    (a,) = fetch_articles([url], settings(tmp_path), allow_private=True).articles
    assert a.title == "Le conseil adopte le tramway" and "« sans délai »" in a.body and a.source == "127.0.0.1"


def test_add_urls_stores_once_and_reports_failures(make_assistant, site, tmp_path):
    a = make_assistant(fetch_allow_private=True, fetch_timeout=2.0)
    good = site.add(
        "/store/tram", article_html("Council approves tram line", PARAS, outlet="Harbour Times", date="2024-02-13")
    )
    r = a.add_urls([good, site.url("/store/missing")])
    assert (r.added, r.unchanged, [(f.source, f.reason) for f in r.failed]) == (
        1,
        0,
        [(site.url("/store/missing"), "404 Not Found")],
    )
    site.routes["/store/tram?utm_campaign=x"] = site.routes["/store/tram"]
    r2 = a.add_urls([good + "?utm_campaign=x"])  # the same article, by its canonical URL
    assert (r2.added, r2.updated, r2.unchanged) == (0, 0, 1)
    site.add(
        "/store/tram",
        article_html(
            "Council approves tram line", PARAS + ["The vote was 31 to 20."], outlet="Harbour Times", date="2024-02-13"
        ),
    )
    r3 = a.add_urls([good])
    assert (r3.added, r3.updated) == (0, 1)
    (row,) = a.articles()
    assert row["source"] == "Harbour Times" and row["url"] == good
    assert "31 to 20" in a.article(row["id"])["body"]


def test_add_urls_refuses_private_addresses_unless_allowed(make_assistant, site):
    a = make_assistant()  # NEWSQA_FETCH_ALLOW_PRIVATE unset: the Python API refuses
    url = site.add("/store/private", article_html("Internal memo", PARAS))
    r = a.add_urls([url])
    assert r.added == 0 and r.failed[0].reason == "refused: 127.0.0.1 is a loopback address"
    assert a.articles() == []
    with pytest.raises(FetchError):
        Fetcher.check_url("javascript:alert(1)")


def test_cli_add_mixes_urls_and_paths(site, tmp_path):
    """`newsqa add URL PATH`: the CLI may fetch loopback pages (it runs as its user)."""
    import json
    import os
    import subprocess
    import sys

    url = site.add("/cli/tram", article_html("Council approves tram line", PARAS, outlet="Harbour Times"))
    f = tmp_path / "note.txt"
    f.write_text("Harbour ferry strike ends\nFerry crews returned to work on Monday after a two-day strike over pay.")
    env = dict(os.environ, NEWSQA_HOME=str(tmp_path / "home"), NEWSQA_FETCH_TIMEOUT="3")
    cmd = [sys.executable, "-m", "qa.cli", "add", url, str(f), site.url("/cli/missing"), "--json"]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert p.stdout.startswith("{"), p.stderr
    report = json.loads(p.stdout)
    assert p.returncode == 1  # one failure
    assert (report["added"], report["failed"]) == (2, [{"source": site.url("/cli/missing"), "reason": "404 Not Found"}])
    p = subprocess.run(
        cmd[:5] + ["--json"], env=dict(env, NEWSQA_FETCH_ALLOW_PRIVATE="0"), capture_output=True, text=True, timeout=300
    )
    assert json.loads(p.stdout)["failed"] == [{"source": url, "reason": "refused: 127.0.0.1 is a loopback address"}]
