"""Chat models that may write the answer: an OpenAI-compatible server, or a local GGUF file.

Both stream text deltas for a list of chat messages. Whatever goes wrong (server down,
HTTP error, timeout, missing extra, missing file) becomes one ``LLMError`` whose message
is a single line a user can act on; the caller falls back to the extractive answer.
The backend is picked from the settings, as PrivateGPT's components are.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Protocol

from index import Settings, Unavailable

Messages = list[dict[str, str]]


class LLMError(Unavailable):
    """The configured LLM cannot answer now (one line, fit to show the user)."""


class ChatModel(Protocol):
    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        """The reply's text, piece by piece."""
        ...

    def complete(self, messages: Messages, max_tokens: int) -> str:
        """The whole reply at once (short calls such as condensing a follow-up)."""
        ...

    def probe(self) -> None:
        """Raise ``LLMError`` if the model cannot be used (called once at start-up)."""
        ...


def make_chat_model(settings: Settings) -> ChatModel | None:
    """The configured chat model, or None for the extractive answerer."""
    match settings.llm:
        case "openai":
            return OpenAIChat(settings)
        case "llamacpp":
            return LlamaCppChat(settings)
        case _:
            return None


class OpenAIChat:
    """``POST {NEWSQA_LLM_URL}/chat/completions`` with server-sent events, over httpx:
    Ollama, vLLM, llama.cpp's server, LM Studio and hosted APIs all speak it."""

    def __init__(self, settings: Settings):
        import httpx

        self.settings = settings
        self.url = settings.llm_url
        headers = {}
        if settings.llm_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
        timeout = httpx.Timeout(connect=min(5.0, settings.llm_timeout), read=settings.llm_timeout, write=10.0, pool=5.0)
        self.client = httpx.Client(base_url=self.url or "http://invalid", headers=headers, timeout=timeout)

    def _body(self, messages: Messages, max_tokens: int, stream: bool) -> dict:
        body = {"messages": messages, "max_tokens": max_tokens, "temperature": self.settings.llm_temperature, "stream": stream}
        if self.settings.llm_model:
            body["model"] = self.settings.llm_model
        return body

    def _check_configured(self) -> None:
        if not self.url:
            raise LLMError("NEWSQA_LLM=openai needs NEWSQA_LLM_URL (for example http://127.0.0.1:11434/v1)")

    def _translate(self, exc: Exception) -> LLMError:
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return LLMError(f"the LLM server at {self.url} did not answer within {self.settings.llm_timeout:g} s")
        if isinstance(exc, (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):
            return LLMError(f"cannot reach the LLM server at {self.url} ({type(exc).__name__})")
        return LLMError(f"the LLM request failed: {type(exc).__name__}: {exc}".splitlines()[0])

    @staticmethod
    def _status_error(status: int, body: bytes) -> LLMError:
        detail = body.decode("utf-8", "replace")
        try:
            err = json.loads(detail).get("error", detail)
            detail = err.get("message", str(err)) if isinstance(err, dict) else str(err)
        except (ValueError, AttributeError):
            pass
        detail = " ".join(detail.split())[:200]
        return LLMError(f"the LLM server answered HTTP {status}" + (f": {detail}" if detail else ""))

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        import httpx

        self._check_configured()
        try:
            with self.client.stream("POST", "/chat/completions", json=self._body(messages, max_tokens, True)) as r:
                if r.status_code >= 400:
                    raise self._status_error(r.status_code, r.read())
                for line in r.iter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, ": keep-alive" comments, "event:" lines
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    piece = _delta(data)
                    if piece:
                        yield piece
        except httpx.HTTPError as exc:
            raise self._translate(exc) from None

    def complete(self, messages: Messages, max_tokens: int) -> str:
        import httpx

        self._check_configured()
        try:
            r = self.client.post("/chat/completions", json=self._body(messages, max_tokens, False))
        except httpx.HTTPError as exc:
            raise self._translate(exc) from None
        if r.status_code >= 400:
            raise self._status_error(r.status_code, r.content)
        try:
            return str(r.json()["choices"][0]["message"]["content"] or "")
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError("the LLM server sent a reply that is not an OpenAI chat completion") from None

    def probe(self) -> None:
        import httpx

        self._check_configured()
        try:
            self.client.get("/models", timeout=3.0)
        except httpx.HTTPError as exc:
            raise self._translate(exc) from None


def _delta(data: str) -> str:
    try:
        choice = json.loads(data)["choices"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMError("the LLM server sent a stream event that is not an OpenAI chat completion chunk") from None
    if not isinstance(choice, dict):
        return ""
    delta = choice.get("delta") or {}
    return str(delta.get("content") or "") if isinstance(delta, dict) else ""


class LlamaCppChat:
    """A GGUF file run in this process by llama-cpp-python (``pip install 'newsqa[llamacpp]'``).

    The model loads on first use and is shared; llama.cpp contexts are not thread-safe,
    so one answer is generated at a time."""

    _lock = threading.Lock()

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.llm_gguf
        self._model = None

    def _load(self):
        if self._model is not None:
            return self._model
        if self.path is None:
            raise LLMError("NEWSQA_LLM=llamacpp needs NEWSQA_LLM_GGUF, the path of a .gguf model file")
        if not self.path.is_file():
            raise LLMError(f"no GGUF model file at {self.path}")
        try:
            import llama_cpp
        except ImportError:
            raise LLMError(
                "NEWSQA_LLM=llamacpp needs llama-cpp-python: pip install 'newsqa[llamacpp]' (it compiles llama.cpp)"
            ) from None
        try:
            self._model = llama_cpp.Llama(
                model_path=str(self.path), n_ctx=self.settings.llm_context,
                n_threads=self.settings.llm_threads or None, verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise LLMError(f"cannot load the GGUF model {self.path}: {exc}".splitlines()[0]) from None
        return self._model

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        with self._lock:
            model = self._load()
            try:
                chunks = model.create_chat_completion(
                    messages=messages, max_tokens=max_tokens, temperature=self.settings.llm_temperature, stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0].get("delta", {}).get("content")
                    if piece:
                        yield piece
            except (ValueError, RuntimeError) as exc:  # e.g. the prompt exceeds the context window
                raise LLMError(f"the GGUF model failed: {exc}".splitlines()[0]) from None

    def complete(self, messages: Messages, max_tokens: int) -> str:
        return "".join(self.stream(messages, max_tokens))

    def probe(self) -> None:
        self._load()
