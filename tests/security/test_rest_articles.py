"""Door: POST /api/articles (JSON records, multipart uploads). Threats: a body or a
record count too large to read or hold, a large addition that ties up the server, input
that is not JSON or not UTF-8 or nested without end, records whose fields carry control
characters, a request whose every record fails answered as a success. Each refusal is
the API's {"error": ...} shape, and nothing stored changes."""

from __future__ import annotations

import json
import time

import httpx
import pytest

pytestmark = pytest.mark.integration


def _article(i: int, words: int = 30) -> dict:
    return {
        "title": f"Harbour note {i}",
        "body": f"The harbour office published note {i}. " * words,
        "url": f"https://harbour.example/notes/{i}",
        "source": "Harbour Times",
    }


@pytest.mark.parametrize("how", ["declared", "chunked"])
def test_body_over_the_limit_is_refused_before_it_is_read(app, how):
    before = app.stored()
    body = json.dumps([_article(i, 2000) for i in range(20)]).encode()  # about 1.5 MB: over the 1 MB limit
    assert len(body) > 2**20
    with app.client() as c:
        if how == "declared":
            r = c.post("/api/articles", content=body, headers={"content-type": "application/json"})
        else:  # no Content-Length: the body arrives in pieces and is cut off at the limit
            r = c.post(
                "/api/articles",
                content=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
                headers={"content-type": "application/json"},
            )
    assert r.status_code == 413, r.text
    assert "over the 1 MB limit (NEWSQA_MAX_REQUEST_MB)" in r.json()["error"]
    assert app.stored() == before


def test_question_bodies_have_their_own_smaller_limit(app):
    with app.client() as c:
        r = c.post("/api/ask", json={"question": "What happened?", "history": ["x" * 70_000]})
    assert r.status_code == 413 and "NEWSQA_MAX_BODY_KB" in r.json()["error"]


def test_more_records_than_the_cap_are_refused(app):
    before = app.stored()
    with app.client() as c:
        r = c.post("/api/articles", json=[_article(i, 2) for i in range(21)])  # the cap is 20
        assert r.status_code == 413 and "NEWSQA_MAX_RECORDS" in r.json()["error"]
        files = [("files", (f"n{i}.txt", f"Note {i}\nBody of note {i}.".encode(), "text/plain")) for i in range(21)]
        r = c.post("/api/articles", files=files)
        assert r.status_code == 413 and "NEWSQA_MAX_RECORDS" in r.json()["error"]
        lines = "\n".join(json.dumps(_article(i, 2)) for i in range(21)).encode()
        r = c.post("/api/articles", files=[("files", ("many.jsonl", lines, "application/jsonl"))])
        assert r.status_code == 413 and "NEWSQA_MAX_RECORDS" in r.json()["error"]
    assert app.stored() == before


@pytest.mark.parametrize(
    "body, message",
    [
        (b'{"title": "caf\xe9", "body": "not UTF-8"}', "JSON in UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"{oops", "must be a JSON article"),
    ],
)
def test_bodies_that_are_not_json_get_the_error_shape(app, body, message):
    before = app.stored()
    with app.client() as c:
        r = c.post("/api/articles", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and set(r.json()) == {"error"} and message in r.json()["error"], r.text
    assert app.stored() == before


@pytest.mark.parametrize("path", ["/api/ask", "/api/search"])
@pytest.mark.parametrize("body", [b'{"question": "caf\xe9", "query": "caf\xe9"}', b"[" * 50_000 + b"]" * 50_000])
def test_typed_routes_answer_bad_json_in_the_error_shape(app, path, body):
    with app.client() as c:
        r = c.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500 and set(r.json()) == {"error"}, r.text


@pytest.mark.parametrize(
    "field, value",
    [
        ("title", "Harbour\x00news"),
        ("source", "Harbour\x07Times"),
        ("author", "Ann\x1b[31m Reporter"),
        ("url", "https://harbour.example/a\nSet-Cookie: x=1"),
        ("title", "half a pair \ud800"),
    ],
)
def test_control_characters_in_fields_are_refused(app, field, value):
    before = app.stored()
    record = _article(900) | {field: value}
    with app.client() as c:
        r = c.post("/api/articles", content=json.dumps(record), headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    got = r.json()
    assert "no article could be added" in got["error"] and got["added"] == 0
    assert field in got["failed"][0]["reason"] and (
        "control character" in got["failed"][0]["reason"]
        or "NUL" in got["failed"][0]["reason"]
        or "surrogate" in got["failed"][0]["reason"]
    )
    assert app.stored() == before


def test_a_request_whose_every_record_fails_is_a_4xx_with_the_report(app):
    before = app.stored()
    with app.client() as c:
        r = c.post("/api/articles", json=[{"title": "no body"}, 42, {"body": "x", "published_at": "someday"}])
        assert r.status_code == 422
        got = r.json()
        assert got["added"] == got["updated"] == got["unchanged"] == 0 and len(got["failed"]) == 3
        r = c.post("/api/articles", files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))])
        assert r.status_code == 422 and "unsupported file type" in r.json()["failed"][0]["reason"]
    assert app.stored() == before


def test_a_large_addition_is_a_job_to_poll_and_the_server_stays_responsive(app):
    records = [_article(100 + i, 60) for i in range(12)]  # about 30,000 characters: over the 20,000 of a quick add
    with app.client() as c:
        r = c.post("/api/articles", json=records)
        assert r.status_code == 202, r.text
        job = r.json()
        assert job["status"] in ("queued", "running") and job["articles"] == 12
        assert r.headers["location"] == job["url"] == f"/api/jobs/{job['id']}"
        seen = []
        while job["status"] not in ("done", "failed"):
            assert c.get("/api/health", timeout=30).status_code == 200  # the server answers meanwhile
            job = c.get(job["url"]).json()
            seen.append((job["done"], job["total"]))
            time.sleep(0.2)
        assert job["status"] == "done" and job["report"]["added"] == 12, job
        assert job["done"] == job["total"] > 0
        assert c.get("/api/jobs/nope").status_code == 404
        hits = c.post("/api/search", json={"query": "harbour office note 105", "k": 20}).json()
    assert any(h["article"]["title"] == "Harbour note 105" for h in hits)


def test_jobs_need_the_login(app):
    assert httpx.get(f"{app.base}/api/jobs/anything").status_code == 401
