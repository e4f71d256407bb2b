"""The web app, as users reach it: a real server process on loopback, real HTTP
(httpx), gradio_client, and a real headless Chromium."""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys

import httpx
import pytest

from qa.history import message_text as _text
from qa.web.format import plain_text
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, start_app, stop, wait_for

pytestmark = pytest.mark.slow

HTML_ARTICLE = """<!doctype html><html><head><title>Lighthouse keeper retires after 40 years | Harbour Times</title>
<meta property="og:site_name" content="Harbour Times">
<meta property="article:published_time" content="2023-11-02T10:00:00+00:00"></head>
<body><article><h1>Lighthouse keeper retires after 40 years</h1>
<p>Margaret Doyle, the last keeper of the Skerry Point lighthouse, retired on Wednesday after 40 years of service.</p>
<p>Doyle said she would miss the storms most of all, and that the light will now be run automatically.</p>
</article></body></html>"""


@pytest.fixture(scope="module")
def server_home(tmp_path_factory):
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def server(server_home):
    base, proc = start_app(server_home, NEWSQA_MAX_FILE_MB="1")
    yield base
    stop(proc)


def test_first_start_loads_bundled_corpus(server):
    health = httpx.get(f"{server}/api/health").json()
    assert health["status"] == "ok" and health["articles"] >= 1
    titles = [a["title"] for a in httpx.get(f"{server}/api/articles").json()]
    assert any("cautious optimism" in t for t in titles)


def test_ask_returns_cited_json(server):
    r = httpx.post(
        f"{server}/api/ask", json={"question": "What did France say about the withdrawal?", "history": []}, timeout=60
    )
    assert r.status_code == 200
    body = r.json()
    assert not body["refused"] and "[1]" in body["answer"]
    c = body["citations"][0]
    assert "Gabriel Attal" in c["quote"] and c["quote"] in c["passage"]
    assert set(c) >= {"n", "article_id", "title", "source", "url", "published_at", "passage", "quote", "start", "end"}


def test_follow_up_and_search_over_http(server):
    r = httpx.post(
        f"{server}/api/ask",
        json={"question": "And what did Kuleba say?", "history": ["What did France say about the withdrawal?"]},
        timeout=60,
    )
    assert any("Kuleba" in c["quote"] for c in r.json()["citations"])
    hits = httpx.post(f"{server}/api/search", json={"query": "Stoltenberg", "k": 3}).json()
    assert 1 <= len(hits) <= 3 and "Stoltenberg" in hits[0]["text"]


@pytest.mark.parametrize(
    "path, payload, status, message",
    [
        ("/api/ask", {"question": ""}, 400, "empty"),
        ("/api/ask", {"question": "x" * 100_000}, 400, "limit"),
        ("/api/ask", {"q": "missing field"}, 422, "question"),
        ("/api/ask", {"question": "x", "filters": {"since": "soon"}}, 422, "filters: since must be a date"),
        (
            "/api/ask",
            {"question": "x", "filters": {"since": "2023-05-01", "until": "2023-01-01"}},
            422,
            "filters: since (2023-05-01) is after until",
        ),
        ("/api/ask", {"question": "x", "filters": {"outlet": "BBC"}}, 422, "filters: unknown filter 'outlet'"),
        ("/api/ask", {"question": "x", "colour": "red"}, 422, "unknown field 'colour'"),
        ("/api/ask", {"question": "x", "history": "not a list"}, 422, "history"),
        ("/api/search", {"query": "x", "k": 0}, 422, "k: Input should be greater than or equal to 1"),
        ("/api/search", {"query": "x", "k": "3"}, 422, "k: Input should be a valid integer"),
        ("/api/articles", [], 400, "no articles"),
    ],
)
def test_bad_input_gets_a_clear_4xx(server, path, payload, status, message):
    r = httpx.post(f"{server}{path}", json=payload, timeout=60)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]


def test_openapi_documents_request_and_response_schemas(server):
    spec = httpx.get(f"{server}/openapi.json").json()

    def schema(path, method="post"):
        return spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]

    assert schema("/api/ask")["$ref"].endswith("/AnswerOut")
    assert schema("/api/search")["items"]["$ref"].endswith("/PassageOut")
    assert schema("/api/health", "get")["$ref"].endswith("/HealthOut")
    assert schema("/api/articles")["$ref"].endswith("/IngestReportOut")
    assert set(spec["paths"]["/api/articles"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "multipart/form-data",
    }
    ask_body = spec["components"]["schemas"]["AskRequest"]["properties"]
    assert "Filters" in json.dumps(ask_body["filters"])  # filters are a typed model, validated by pydantic
    assert set(spec["components"]["schemas"]["CitationOut"]["properties"]) >= {"quote", "start", "end", "passage"}


def test_malformed_bodies_and_unknown_ids(server):
    r = httpx.post(f"{server}/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "not valid JSON" in r.json()["error"]
    r = httpx.delete(f"{server}/api/articles/does-not-exist")
    assert r.status_code == 404 and "no article" in r.json()["error"]
    assert httpx.get(f"{server}/api/health").status_code == 200  # still up


def test_upload_files_and_json_articles(server):
    files = [
        ("files", ("../../etc/lighthouse.html", HTML_ARTICLE.encode(), "text/html")),
        ("files", ("broken.json", b"{oops", "application/json")),
        ("files", ("huge.txt", b"Title\n" + b"a" * (2 * 1024 * 1024), "text/plain")),
    ]
    r = httpx.post(f"{server}/api/articles", files=files, timeout=120)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["added"] == 1
    reasons = {f["source"]: f["reason"] for f in report["failed"]}
    assert "malformed JSON" in reasons["broken.json"] and "limit" in reasons["huge.txt"]
    ans = httpx.post(
        f"{server}/api/ask", json={"question": "Who retired from the Skerry Point lighthouse?"}, timeout=60
    ).json()
    assert not ans["refused"] and "Margaret Doyle" in ans["answer"]

    r = httpx.post(
        f"{server}/api/articles", json={"title": "T", "body": "Pasted body about the harbour ferry."}, timeout=60
    )
    assert r.json()["added"] == 1
    again = httpx.post(
        f"{server}/api/articles", json={"title": "T", "body": "Pasted body about the harbour ferry."}, timeout=60
    )
    assert again.json() == {"added": 0, "updated": 0, "unchanged": 1, "folded": 0, "failed": []}
    aid = next(a["id"] for a in httpx.get(f"{server}/api/articles").json() if a["title"] == "T")
    assert httpx.delete(f"{server}/api/articles/{aid}").status_code == 200
    assert all(a["id"] != aid for a in httpx.get(f"{server}/api/articles").json())


def test_queries_run_while_an_upload_is_indexed(server):
    records = [
        {"title": f"Council note {i}", "body": f"The council met on day {i}. " * 40, "url": f"https://c.example/{i}"}
        for i in range(12)
    ]

    def ask(_):
        return httpx.post(
            f"{server}/api/ask", json={"question": "What did France say about the withdrawal?"}, timeout=120
        )

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        upload = pool.submit(lambda: httpx.post(f"{server}/api/articles", json=records, timeout=300))
        answers = list(pool.map(ask, range(10)))
        assert upload.result().json()["added"] == 12
    assert all(r.status_code == 200 and not r.json()["refused"] for r in answers)
    hits = httpx.post(f"{server}/api/search", json={"query": "council met on day 7", "k": 20}).json()
    assert any(h["article"]["title"] == "Council note 7" for h in hits)


def test_gradio_client_calls_the_ask_endpoint(server):
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    chat, box, sources = client.predict("What did France say about the withdrawal?", [], [], "", "", api_name="/ask")
    assert box == ""
    text = _text(chat[-1]["content"])  # Gradio 6 gives a list of parts
    assert "[1]" in text and "positive sign" in text
    # a follow-up in the same chat is resolved against the earlier question
    chat2, _, sources2 = client.predict("And what did Kuleba say?", chat, [], "", "", api_name="/ask")
    assert "Kuleba" in sources2 and len(chat2) == 4
    assert "<mark>" in sources and "Gabriel Attal" in sources


@pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium; .ci/run installs it)"
)
def test_browser_asks_sees_citation_opens_source_and_uploads(server, tmp_path):
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "lighthouse2.html"
    page_file.write_text(
        HTML_ARTICLE.replace("Skerry Point", "Gull Rock")
        .replace("Margaret Doyle", "Tom Reilly")
        .replace("Lighthouse keeper retires after 40 years", "Gull Rock keeper hands over the light")
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(server + "/")  # not "networkidle": the session's state keeps a heartbeat stream open
        page.locator("#question textarea").wait_for(timeout=60_000)
        page.locator("#question textarea").fill("What did France say about the withdrawal?")
        page.locator("#ask").click()
        page.locator("#sources mark").first.wait_for(timeout=60_000)
        assert "[1]" in page.locator("#chat").inner_text()
        source = page.locator("#sources details").first
        assert "Gabriel Attal" in source.inner_text()
        source.locator("summary").click()  # closes and reopens the source
        source.locator("summary").click()
        assert source.locator("mark").is_visible()
        shot = ROOT / "docs" / "screenshot.png"
        if os.environ.get("NEWSQA_SCREENSHOT"):
            page.screenshot(path=str(shot), full_page=False)

        page.get_by_role("tab", name="Corpus").click()
        page.locator("#upload input[type=file]").set_input_files(str(page_file))
        page.locator("#add-files").click()
        page.get_by_text("Gull Rock keeper hands over the light").first.wait_for(timeout=120_000)
        assert "added" in page.locator("#result").inner_text()
        browser.close()
    assert any(
        a["title"] == "Gull Rock keeper hands over the light" and a["source"] == "Harbour Times"
        for a in httpx.get(f"{server}/api/articles").json()
    )


def test_article_text_is_escaped_in_the_sources_panel():
    from qa.schema import Answer, ArticleRef, Citation, Passage
    from qa.web.format import sources_html

    text = "The mayor said <img src=x onerror=alert(1)> the park opens Monday. <script>alert(2)</script>"
    p = Passage(
        text,
        1.0,
        0,
        len(text),
        ArticleRef("a1", "<script>alert(3)</script>", "Evil <b>News</b>", "javascript:alert(4)", "2023-01-02"),
    )
    end = text.index("Monday.") + len("Monday.")
    html_out = sources_html(Answer("x [1]", False, [Citation(1, p, text[:end], 0, end)]))
    assert "<script>" not in html_out and "<img" not in html_out and "<b>" not in html_out
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in html_out and "&lt;img src=x onerror=alert(1)&gt;" in html_out
    assert "javascript:" not in html_out  # only http(s) links become links


def test_login_protects_the_ui_and_the_api(tmp_path):
    base, proc = start_app(tmp_path, NEWSQA_AUTH="editor:s3cret")
    try:
        assert httpx.get(f"{base}/api/health").status_code == 401
        assert httpx.get(f"{base}/api/articles", auth=("editor", "wrong")).status_code == 401
        assert httpx.post(f"{base}/api/ask", json={"question": "x"}).status_code == 401
        assert httpx.get(f"{base}/api/articles", auth=("editor", "s3cret")).status_code == 200
        assert httpx.get(f"{base}/config").status_code == 401  # the UI's config needs the login too
        with httpx.Client(base_url=base) as ui:
            assert ui.post("/login", data={"username": "editor", "password": "wrong"}).status_code >= 400
            assert ui.post("/login", data={"username": "editor", "password": "s3cret"}).status_code == 200
            assert ui.get("/config").status_code == 200
    finally:
        stop(proc)


def test_cli_add_while_the_app_serves_goes_through_the_app(server, server_home, tmp_path):
    """Two processes, one embedded store: the CLI finds the running app and sends its
    work there, so nothing is corrupted and the app answers about the new article at once."""
    art = tmp_path / "tram.txt"
    art.write_text(
        "Night trams return to Harbour City\nThe Harbour City council said night trams will run again from "
        "5 December, after a two-year pause caused by staff shortages.\n"
    )
    env = dict(os.environ, NEWSQA_HOME=str(server_home))
    p = subprocess.run(
        [sys.executable, "-m", "qa.cli", "add", str(art), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["added"] == 1
    assert "owns this data directory" in p.stderr
    ans = httpx.post(
        f"{server}/api/ask", json={"question": "When will the night trams return to Harbour City?"}, timeout=60
    ).json()
    assert not ans["refused"] and "5 December" in ans["answer"]
    p = subprocess.run([sys.executable, "-m", "qa.cli", "list", "--json"], env=env, capture_output=True, text=True)
    assert any(a["title"] == "Night trams return to Harbour City" for a in json.loads(p.stdout))
    # a second app on the same embedded data directory refuses to start
    p = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and "already serves this data directory" in p.stderr


# -- with an LLM writing the answers (a scripted OpenAI-compatible server) ----------
@pytest.fixture(scope="module")
def fake_llm():
    from tests.fake_llm import FakeLLM

    with FakeLLM() as f:
        yield f


@pytest.fixture(scope="module")
def llm_home(tmp_path_factory):
    return tmp_path_factory.mktemp("app-llm")


@pytest.fixture(scope="module")
def llm_server(llm_home, fake_llm):
    base, proc = start_app(llm_home, NEWSQA_LLM="openai", NEWSQA_LLM_URL=fake_llm.url)
    yield base
    stop(proc)


FIRST = "Russia annexed the Crimean peninsula in 2014 [1]."
SECOND = "More than 100,000 Russian troops were deployed near the borders with Ukraine [1]."


def test_rest_answer_written_by_the_llm_is_checked(llm_server, fake_llm):
    assert httpx.get(f"{llm_server}/api/health").json()["answers"] == "openai"
    fake_llm.script(f"{FIRST} Russia also landed on Mars [2].")
    body = httpx.post(f"{llm_server}/api/ask", json={"question": "When did Russia annex Crimea?"}, timeout=60).json()
    assert body["answer"] == FIRST and body["unsupported"] == ["Russia also landed on Mars."]
    c = body["citations"][0]
    assert "Crimean peninsula in 2014" in c["quote"] and c["quote"] in c["passage"]


def test_web_chat_streams_checked_sentences_then_falls_back_on_error(llm_server, fake_llm):
    from gradio_client import Client

    from tests.fake_llm import Reply

    reply = Reply(f"{FIRST} {SECOND}", pause_after=len(FIRST.split()) + 1)
    fake_llm.script(reply)
    client = Client(llm_server + "/", verbose=False)
    job = client.submit("When did Russia annex Crimea?", [], [], "", "", api_name="/ask")
    partial = wait_for(
        lambda: next(
            (
                chat
                for chat, _box, _sources in job.outputs()
                if chat and plain_text(_text(chat[-1]["content"])) == FIRST
            ),
            None,
        ),
        60,
        "the first sentence shown",
    )
    assert partial and not reply.gate.is_set()  # shown while the model was still held
    reply.gate.set()
    chat, _box, sources = job.result()
    # the second sentence quotes another sentence of the article: its own number
    assert (
        plain_text(_text(chat[-1]["content"])) == f"{FIRST} {SECOND.replace('[1]', '[2]')}"
        and "Crimean peninsula" in sources
    )
    assert "[[2]](#nq-t0-s2)" in _text(chat[-1]["content"])  # each marker links to its source in the panel

    fake_llm.script(Reply(status=500))
    chat, _box, sources = client.predict("What did France say about the withdrawal?", [], [], "", "", api_name="/ask")
    text = _text(chat[-1]["content"])
    assert "positive sign" in text and "The LLM could not answer (the LLM server answered HTTP 500" in text
    assert "Gabriel Attal" in sources


def test_rest_stream_sends_checked_pieces_then_the_answer(llm_server, fake_llm):
    fake_llm.script(f"{FIRST} {SECOND}")
    with httpx.stream(
        "POST", f"{llm_server}/api/ask/stream", json={"question": "When did Russia annex Crimea?"}, timeout=60
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
        items = [json.loads(line) for line in r.iter_lines() if line.strip()]
    pieces = [i["text"] for i in items[:-1]]
    assert pieces[0] == FIRST and len(pieces) == 2
    assert items[-1]["answer"]["answer"] == "".join(pieces) and items[-1]["answer"]["citations"]
    bad = httpx.post(f"{llm_server}/api/ask/stream", json={"question": "   "})
    assert bad.status_code == 400 and "empty" in bad.json()["error"]


def test_cli_streams_through_the_app_that_owns_the_store(llm_server, llm_home, fake_llm):
    from tests.fake_llm import Reply

    reply = Reply(f"{FIRST} {SECOND}", pause_after=len(FIRST.split()) + 1)
    fake_llm.script(reply)
    env = dict(os.environ, NEWSQA_HOME=str(llm_home))
    p = subprocess.Popen(
        [sys.executable, "-m", "qa.cli", "ask", "When did Russia annex Crimea?"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert p.stdout.read(len(FIRST)) == FIRST and not reply.gate.is_set()  # via the app's /api/ask/stream
    reply.gate.set()
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0 and "working through it" in err
    assert "100,000" in out and "[2]" in out
