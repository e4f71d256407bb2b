"""The threat model's shared parts: one real app process on loopback, with a login (a
non-ASCII password) and small limits so each refusal is cheap to reach, and a way to
see that a refused request changed nothing stored.

Each module of tests/security/ is one door or one threat; every test asserts the
refusal and that the store is as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.helpers import start_app, stop

USER, PASSWORD = "editor", "sécret-ü"
ORIGIN_ALLOWED = "https://tools.example"
LIMITS = {  # the app's limits in these tests (settings: index/settings.py)
    "NEWSQA_MAX_REQUEST_MB": "1",
    "NEWSQA_MAX_BODY_KB": "64",
    "NEWSQA_MAX_RECORDS": "20",
    "NEWSQA_INGEST_WAIT_CHARS": "20000",
    "NEWSQA_MAX_FILE_MB": "0.5",
    "NEWSQA_ALLOW_ORIGINS": ORIGIN_ALLOWED,
    "NEWSQA_LOGIN_BACKOFF_AFTER": "1000",  # the back-off has its own app (test_login_backoff.py)
}


@dataclass
class App:
    base: str
    home: Path
    auth: tuple[str, str]

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.base, auth=self.auth, timeout=120, **kw)

    def gradio(self) -> httpx.Client:
        """A client logged in to the Gradio UI (its cookie), as a browser would be."""
        c = httpx.Client(base_url=self.base, timeout=120)
        r = c.post("/login", data={"username": self.auth[0], "password": self.auth[1]})
        assert r.status_code == 200, r.text
        return c

    def call(self, api_name: str, data: list, client: httpx.Client | None = None) -> list:
        """Call a Gradio event by its API name over Gradio's raw HTTP API (what an
        attacker would post, not what gradio_client would send); its output values."""
        import json

        c = client or self.gradio()
        r = c.post(f"/gradio_api/call/{api_name}", json={"data": data})
        assert r.status_code == 200, r.text
        event = r.json()["event_id"]
        kind = None
        with c.stream("GET", f"/gradio_api/call/{api_name}/{event}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    kind = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and kind in ("complete", "error"):
                    payload = line.split(":", 1)[1].strip()
                    if kind == "error":
                        raise AssertionError(f"the Gradio event failed: {payload}")
                    return json.loads(payload)
        raise AssertionError("the Gradio event never completed")

    def stored(self) -> tuple[list[tuple], int]:
        """Everything stored that a request could change: each article's id, title,
        source, author, url and chunk count, and the number of chunks."""
        with self.client() as c:
            rows = c.get("/api/articles").json()
            chunks = c.get("/api/health").json()["chunks"]
        return sorted((r["id"], r["title"], r["source"], r["author"], r["url"], r["chunks"]) for r in rows), chunks


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    home = tmp_path_factory.mktemp("secure-app")
    base, proc = start_app(home, NEWSQA_AUTH=f"{USER}:{PASSWORD}", **LIMITS)
    yield App(base, home, (USER, PASSWORD))
    stop(proc)
