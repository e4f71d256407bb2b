"""A small chat server on loopback with scripted replies, speaking two protocols.

No model can run in CI, so the LLM path is tested against this: real HTTP, the real
protocols, errors and delays on demand:
- OpenAI's ``/v1/chat/completions`` (JSON replies, or server-sent events when the request
  asks to stream) and ``/v1/models``;
- Ollama's own ``/api/chat`` (one JSON object, or NDJSON lines ending with
  ``"done": true`` when the request streams, as Ollama does by default), ``/api/tags``
  and ``/api/version``.
Every request body is kept so a test can read the prompt the client sent.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Reply:
    text: str | Callable[[dict[str, Any]], str] = ""  # or a function of the request body
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    chunk_delay: float = 0.0  # seconds between streamed pieces
    pause_after: int | None = None  # streamed pieces to send before waiting for `gate`
    gate: threading.Event = field(default_factory=threading.Event)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # a client that gave up (a timeout test) is expected


class FakeLLM:
    """``with FakeLLM() as llm:`` serves OpenAI's protocol on ``llm.url``
    (``http://127.0.0.1:PORT/v1``) and Ollama's on ``llm.ollama_url`` (the same server's root)."""

    models = ("fake-model",)

    def __init__(self, default: Reply | None = None):
        self.replies: deque[Reply] = deque()
        self.default = default or Reply("I can't answer that from the articles I have.")
        self.requests: list[dict[str, Any]] = []
        self.headers: list[Message] = []
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self.ollama_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.url = f"{self.ollama_url}/v1"

    def script(self, *replies: Reply | str) -> None:
        self.replies.extend(r if isinstance(r, Reply) else Reply(r) for r in replies)

    def __enter__(self) -> Self:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        for r in self.replies:
            r.gate.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _json(self, status: int, obj: Any) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path = self.path.rstrip("/")
                if path == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.models]})
                elif path == "/api/tags":
                    self._json(200, {"models": [{"name": m, "model": m, "size": 1} for m in fake.models]})
                elif path == "/api/version":
                    self._json(200, {"version": "0.0.0-fake"})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path not in ("/v1/chat/completions", "/api/chat"):
                    self._json(404, {"error": {"message": "not found"}})
                    return
                ollama = self.path == "/api/chat"
                fake.requests.append(body)
                fake.headers.append(self.headers)  # an HTTPMessage: names case-insensitive
                reply = fake.replies.popleft() if fake.replies else fake.default
                time.sleep(reply.delay)
                if reply.status != 200:
                    error = "scripted failure" if ollama else {"message": "scripted failure", "type": "server_error"}
                    self._json(reply.status, {"error": error})
                    return
                text = reply.text(body) if callable(reply.text) else reply.text
                if ollama:
                    self._ollama(body, reply, text)
                    return
                if not body.get("stream"):
                    self._json(
                        200,
                        {
                            "id": "chatcmpl-fake",
                            "object": "chat.completion",
                            "model": "fake-model",
                            "choices": [
                                {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                            ],
                        },
                    )
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Connection", "close")
                self.end_headers()
                self._event({"role": "assistant", "content": ""})
                for piece in _pieces(text, reply):
                    self._event({"content": piece})
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                self.close_connection = True

            def _ollama(self, body: dict[str, Any], reply: Reply, text: str) -> None:
                """Ollama streams unless the request says ``"stream": false``."""
                base = {"model": body.get("model", ""), "created_at": "2024-01-01T00:00:00Z"}
                done = {
                    **base,
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                    "prompt_eval_count": 10,
                    "eval_count": max(1, len(text.split())),
                }
                if body.get("stream") is False:
                    self._json(200, {**done, "message": {"role": "assistant", "content": text}})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Connection", "close")
                self.end_headers()
                for piece in _pieces(text, reply):
                    self._line({**base, "message": {"role": "assistant", "content": piece}, "done": False})
                self._line(done)
                self.close_connection = True

            def _line(self, obj: dict[str, Any]) -> None:
                self.wfile.write(json.dumps(obj).encode() + b"\n")
                self.wfile.flush()

            def _event(self, delta: dict[str, str]) -> None:
                chunk = {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion.chunk",
                    "model": "fake-model",
                    "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()

        return Handler


def _pieces(text: str, reply: Reply):
    """The reply word by word, held at ``pause_after`` until the test opens the gate."""
    pieces = [w + " " for w in text.split(" ")]
    pieces[-1] = pieces[-1][:-1]
    for i, piece in enumerate(pieces):
        if reply.pause_after is not None and i == reply.pause_after:
            reply.gate.wait(30)
        yield piece
        time.sleep(reply.chunk_delay)
