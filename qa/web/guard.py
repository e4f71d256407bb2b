"""The app's outer guards, as ASGI middleware around every door (REST, /v1, /mcp, Gradio).

Each refuses before any route runs, with the API's ``{"error": one line}`` body (OpenAI's
``{"error": {"message": ...}}`` under /v1):

- ``BodyLimit``: a request body over its limit is refused with 413 before it is read
  whole (``NEWSQA_MAX_REQUEST_MB`` for ``POST /api/articles``, Gradio's routes and /v1,
  which bounds its own bodies more tightly; ``NEWSQA_MAX_BODY_KB`` for every other call
  under /api and /mcp). A declared ``Content-Length`` is
  checked at once; a chunked body is read up to the limit and no further.
- ``OriginCheck``: a state-changing request (POST, PUT, PATCH, DELETE) sent by a web
  page of another origin is refused with 403, unless ``NEWSQA_ALLOW_ORIGINS`` names that
  origin. Browsers send ``Origin`` on such requests; tools (curl, the CLI, SDKs) do not,
  and pass. The login alone does not stop this: a browser adds remembered credentials
  to a cross-site request by itself.
- ``LoginBackoff``: after ``NEWSQA_LOGIN_BACKOFF_AFTER`` wrong logins from one client
  address, that client's next attempts are answered 429 (with ``Retry-After``) for a
  wait that doubles with each further failure, up to ``NEWSQA_LOGIN_BACKOFF_MAX``
  seconds. It watches every door's answer (401 to a request carrying credentials, or a
  refused Gradio ``/login``), so the doors keep one login check and this one count.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

Scope = dict[str, Any]

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


async def send_error(send, status: int, message: str, path: str = "", headers: dict[str, str] | None = None) -> None:
    """One JSON error answer, in the shape of the door the path belongs to."""
    payload: Any = {"error": message}
    if path.startswith("/v1/"):
        kind = "rate_limit_error" if status == 429 else "invalid_request_error"
        payload = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    body = json.dumps(payload).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# -- body size ----------------------------------------------------------------------
class BodyLimit:
    def __init__(self, app, settings):
        self.app = app
        self.settings = settings

    def limit(self, method: str, path: str) -> tuple[int, str]:
        """(bytes, the setting that says so) for a request."""
        s = self.settings
        if (method == "POST" and path.rstrip("/") == "/api/articles") or not path.startswith(("/api/", "/mcp")):
            return s.max_request_bytes, f"{s.max_request_mb:g} MB limit (NEWSQA_MAX_REQUEST_MB)"
        return s.max_body_bytes, f"{s.max_body_kb:g} KB limit (NEWSQA_MAX_BODY_KB)"

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        cap, what = self.limit(scope["method"], path)
        too_big = f"the request body is over the {what}"
        length = _headers(scope).get("content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                await send_error(send, 400, "invalid Content-Length", path)
                return
            if declared > cap:
                await send_error(send, 413, too_big, path)
                return
            await self.app(scope, receive, send)  # the server delivers no more than declared
            return
        # chunked: read it here, up to the limit, then hand it on
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > cap:
                await send_error(send, 413, too_big, path)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replay = [{"type": "http.request", "body": b"".join(chunks), "more_body": False}]

        async def again():
            return replay.pop() if replay else await receive()

        await self.app(scope, again, send)


# -- cross-origin writes ------------------------------------------------------------
def same_origin(origin: str, host: str) -> bool:
    """True when the page's origin names the host (and port) the request was sent to."""
    parts = urlsplit(origin)
    return bool(parts.scheme in ("http", "https") and parts.netloc and host) and parts.netloc.lower() == host.lower()


class OriginCheck:
    def __init__(self, app, settings):
        self.app = app
        self.allowed = set(settings.allowed_origins)

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] in UNSAFE:
            headers = _headers(scope)
            origin = headers.get("origin")
            # X-Forwarded-Host: a reverse proxy's; a foreign page cannot set it without a preflight CORS refuses
            hosts = (headers.get("host", ""), headers.get("x-forwarded-host", "").split(",")[0].strip())
            if (
                origin is not None
                and origin.rstrip("/") not in self.allowed
                and not any(same_origin(origin, h) for h in hosts)
            ):
                await send_error(
                    send,
                    403,
                    f"cross-origin request refused: {origin[:100]} may not change anything here "
                    "(NEWSQA_ALLOW_ORIGINS lists the origins that may)",
                    scope.get("path", ""),
                )
                return
        await self.app(scope, receive, send)


# -- wrong logins -------------------------------------------------------------------
class LoginBackoff:
    """Counts wrong logins per client address; see the module docstring."""

    MAX_CLIENTS = 10_000  # oldest forgotten first

    def __init__(self, app, settings, clock=time.monotonic):
        self.app = app
        self.after = settings.login_backoff_after
        self.longest = settings.login_backoff_max
        self.clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, tuple[int, float]] = OrderedDict()  # client: (failures, may retry at)

    def wait(self, client: str) -> float:
        """Seconds the client must still wait before its next login attempt."""
        with self._lock:
            _fails, until = self._clients.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def failed(self, client: str) -> None:
        with self._lock:
            fails = self._clients.pop(client, (0, 0.0))[0] + 1
            delay = 0.0 if fails < self.after else min(self.longest, 2.0 ** (fails - self.after))
            self._clients[client] = (fails, self.clock() + delay)
            while len(self._clients) > self.MAX_CLIENTS:
                self._clients.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        headers = _headers(scope)
        form_login = scope["method"] == "POST" and path.rstrip("/").endswith("/login")
        attempt = form_login or "authorization" in headers
        if not attempt:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.wait(client)
        if wait > 0:
            seconds = math.ceil(wait)
            await send_error(
                send,
                429,
                f"too many wrong logins from this address; try again in {seconds} s",
                path,
                {"Retry-After": str(seconds)},
            )
            return
        status: list[int] = []

        async def watch(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if not status:
            return
        if status[0] == 401 or (form_login and 400 <= status[0] < 500):
            self.failed(client)
        elif status[0] < 400:
            self.succeeded(client)
