"""Threat: a web page of another origin (any site the user visits, or another local
app on http://localhost:*) makes the user's browser, which holds the login, add or
delete articles. State-changing requests from a foreign Origin are refused at every
door unless NEWSQA_ALLOW_ORIGINS names it; preflights get no CORS grant."""

from __future__ import annotations

import pytest

from tests.security.conftest import ORIGIN_ALLOWED

pytestmark = pytest.mark.integration

EVIL = ["http://localhost:9999", "https://evil.example", "null"]


@pytest.mark.parametrize("origin", EVIL)
def test_cross_origin_writes_are_refused_and_change_nothing(app, origin):
    before = app.stored()
    victim = before[0][0][0]
    with app.client(headers={"Origin": origin}) as c:
        r = c.post("/api/articles", json={"title": "Planted", "body": "Planted by another site."})
        assert r.status_code == 403 and "cross-origin request refused" in r.json()["error"]
        assert c.delete(f"/api/articles/{victim}").status_code == 403
        r = c.post("/v1/chat/completions", json={"model": "newsqa", "messages": [{"role": "user", "content": "hi"}]})
        assert r.status_code == 403 and "cross-origin" in r.json()["error"]["message"]  # OpenAI's shape there
    g = app.gradio()
    r = g.post(
        "/gradio_api/call/add_article",
        json={"data": ["Planted", "Planted body text.", "", "", ""]},
        headers={"Origin": origin},
    )
    assert r.status_code == 403
    assert app.stored() == before


@pytest.mark.parametrize("origin", EVIL)
def test_preflight_from_a_foreign_origin_gets_no_grant(app, origin):
    with app.client() as c:
        r = c.options("/api/articles", headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
    assert r.status_code >= 400 and "access-control-allow-origin" not in r.headers  # no grant: the browser stops


def test_same_origin_and_allowed_origins_may_write(app):
    with app.client(headers={"Origin": app.base}) as c:
        assert c.post("/api/search", json={"query": "France", "k": 1}).status_code == 200
    with app.client(headers={"Origin": ORIGIN_ALLOWED}) as c:
        assert c.post("/api/search", json={"query": "France", "k": 1}).status_code == 200
        r = c.options("/api/search", headers={"Access-Control-Request-Method": "POST"})
        assert r.headers["access-control-allow-origin"] == ORIGIN_ALLOWED
    with app.client(headers={"Origin": "https://news.example", "X-Forwarded-Host": "news.example"}) as c:
        assert c.post("/api/search", json={"query": "France", "k": 1}).status_code == 200  # behind a proxy
