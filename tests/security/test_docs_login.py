"""Door: the API documentation (/docs, /redoc, /openapi.json). Threat: with a login
set, the docs told anyone every route and field. They are behind the same login."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json"])
def test_docs_need_the_login(app, path):
    r = httpx.get(app.base + path)
    assert r.status_code == 401 and r.json() == {"error": "login required"}
    assert r.headers["www-authenticate"] == "Basic"
    ok = httpx.get(app.base + path, auth=app.auth)
    assert ok.status_code == 200
    if path == "/openapi.json":
        assert "/api/jobs/{job_id}" in ok.json()["paths"]
    else:
        assert "/openapi.json" in ok.text
