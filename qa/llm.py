"""Chat models that may write the answer, as llama-index LLMs.

- ``NEWSQA_LLM=openai``: any OpenAI-compatible server (vLLM, llama.cpp's llama-server,
  LM Studio, Ollama's /v1, a hosted API) through ``OpenAILike``;
- ``NEWSQA_LLM=ollama``: Ollama's own API (/api/chat, NDJSON streaming) through ``Ollama``;
- ``NEWSQA_LLM=llamacpp``: a local GGUF file run in this process through ``LlamaCPP``.

The answer writer needs only three things from a model (stream a reply, complete a short
one, say at start-up whether it can be used), so ``ChatModel`` wraps the llama-index LLM
behind exactly those. Whatever goes wrong (server down, HTTP error, timeout, missing
extra, missing file) becomes one ``LLMError`` whose message is a single line a user can
act on; the caller falls back to the extractive answer. Each backend is one small
function picked from the settings with a ``match``, as PrivateGPT's components are.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from typing import TYPE_CHECKING, Any

from index import Settings, Unavailable

if TYPE_CHECKING:
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.core.llms import LLM

Messages = list[dict[str, str]]

OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


class LLMError(Unavailable):
    """The configured LLM cannot answer now (one line, fit to show the user)."""


class ChatModel:
    """A llama-index LLM behind the small interface the answer writer uses.

    The LLM is built on first use (a GGUF file loads then, not at start-up), one per
    answer length for the HTTP backends, whose integrations fix the length at
    construction; ``translate`` turns the backend's own exceptions into ``LLMError``.
    """

    def __init__(
        self,
        build: Callable[[int], LLM],
        translate: Callable[[BaseException], LLMError | None],
        probe: Callable[[ChatModel], None],
        serial: bool = False,
    ):
        self._build = build
        self._translate = translate
        self._probe = probe
        self._llms: dict[int, LLM] = {}
        self._lock = threading.Lock()
        # llama.cpp contexts are not thread-safe: one answer at a time in this process
        self._serial = threading.Lock() if serial else None

    def llm(self, max_tokens: int) -> LLM:
        """The llama-index LLM that writes at most ``max_tokens`` tokens."""
        with self._lock:
            if max_tokens not in self._llms:
                self._llms[max_tokens] = self._call(self._build, max_tokens)
            return self._llms[max_tokens]

    def stream(self, messages: Messages, max_tokens: int) -> Iterator[str]:
        """The reply's text, piece by piece (``stream_chat`` deltas)."""
        llm = self.llm(max_tokens)
        with self._one_at_a_time():
            replies = self._call(llm.stream_chat, _chat_messages(messages), max_tokens=max_tokens)
            while True:
                reply = self._call(next, replies, None)
                if reply is None:
                    return
                if reply.delta:
                    yield reply.delta

    def complete(self, messages: Messages, max_tokens: int) -> str:
        """The whole reply at once (short calls such as condensing a follow-up)."""
        llm = self.llm(max_tokens)
        with self._one_at_a_time():
            reply = self._call(llm.chat, _chat_messages(messages), max_tokens=max_tokens)
        return str(reply.message.content or "")

    def probe(self) -> None:
        """Raise ``LLMError`` if the model cannot be used (called once at start-up)."""
        self._call(self._probe, self)

    def _one_at_a_time(self) -> AbstractContextManager:
        return self._serial if self._serial is not None else nullcontext()

    def _call(self, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LLMError:
            raise
        except Exception as exc:
            error = self._translate(exc)
            if error is None:
                raise
            raise error from None


def make_chat_model(settings: Settings) -> ChatModel | None:
    """The configured chat model, or None for the extractive answerer."""
    match settings.llm:
        case "openai":
            return _openai_model(settings)
        case "ollama":
            return _ollama_model(settings)
        case "llamacpp":
            return _llamacpp_model(settings)
        case _:
            return None


def set_llama_index_defaults(llm: LLM | None = None, embed_model: BaseEmbedding | None = None) -> None:
    """Set llama-index's global ``Settings.llm`` / ``embed_model`` where a program has not.

    Their defaults are OpenAI's hosted models: a llama-index component that falls back on
    them would fail offline (or send the articles out). So newsqa names its own: the
    configured LLM (or ``MockLLM``, which writes nothing) and the bundled embedding model.
    """
    from llama_index.core import Settings as LlamaSettings
    from llama_index.core.llms import MockLLM

    if LlamaSettings._llm is None:
        LlamaSettings.llm = llm if llm is not None else MockLLM()
    if LlamaSettings._embed_model is None and embed_model is not None:
        LlamaSettings.embed_model = embed_model


def _chat_messages(messages: Messages) -> list:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]


def _timeout(settings: Settings):
    """Connecting must be quick; the read timeout is the wait for the next token."""
    import httpx

    t = settings.llm_timeout
    return httpx.Timeout(connect=min(5.0, t), read=t, write=10.0, pool=5.0)


def _reachable(url: str, path: str, settings: Settings) -> None:
    """A GET that only has to be answered (any status): the server is up."""
    import httpx

    try:
        httpx.get(url + path, timeout=3.0)
    except httpx.HTTPError as exc:
        raise _http_error(exc, url, settings) or LLMError(f"cannot reach the LLM server at {url}") from None


def _http_error(exc: BaseException, url: str, settings: Settings) -> LLMError | None:
    """Transport failures, in the words of both HTTP backends."""
    import httpx

    if isinstance(exc, httpx.TimeoutException):
        return LLMError(f"the LLM server at {url} did not answer within {settings.llm_timeout:g} s")
    if isinstance(exc, (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, ConnectionError)):
        return LLMError(f"cannot reach the LLM server at {url} ({type(exc).__name__})")
    if isinstance(exc, httpx.HTTPError):
        return LLMError(f"the LLM request failed: {type(exc).__name__}: {exc}".splitlines()[0])
    return None


def _status_error(status: int, detail: Any) -> LLMError:
    if isinstance(detail, dict):
        detail = detail.get("message", detail.get("error", json.dumps(detail)))
    detail = " ".join(str(detail or "").split())[:200]
    return LLMError(f"the LLM server answered HTTP {status}" + (f": {detail}" if detail else ""))


# -- any OpenAI-compatible server ---------------------------------------------------
@cache
def _openai_like_class():
    """``OpenAILike`` with today's transport: the per-token timeout (its own is one
    number for connect and read), no Authorization header when no key is set (the SDK
    insists on one), and no ``model`` field when none is configured (llama-server and a
    single-model vLLM then use theirs)."""
    import openai
    from llama_index.llms.openai_like import OpenAILike

    class ServerLLM(OpenAILike):
        transport_timeout: Any = None

        def _get_credential_kwargs(self, is_async: bool = False) -> dict[str, Any]:
            kwargs = super()._get_credential_kwargs(is_async)
            if self.transport_timeout is not None:
                kwargs["timeout"] = self.transport_timeout
            if not self.api_key:
                kwargs["_enforce_credentials"] = False
            return kwargs

        def _get_model_kwargs(self, **kwargs: Any) -> dict[str, Any]:
            out = super()._get_model_kwargs(**kwargs)
            if not self.model:
                out["model"] = openai.omit
            if not self.api_key:  # the SDK's way to send no Authorization header
                out["extra_headers"] = {**out.get("extra_headers", {}), "Authorization": openai.omit}
            return out

    return ServerLLM


def _openai_model(settings: Settings) -> ChatModel:
    url = settings.llm_url

    def build(max_tokens: int) -> LLM:
        if not url:
            raise LLMError("NEWSQA_LLM=openai needs NEWSQA_LLM_URL (for example http://127.0.0.1:11434/v1)")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else ""
        return _openai_like_class()(
            model=settings.llm_model,
            api_base=url,
            api_key=key,
            is_chat_model=True,
            context_window=settings.llm_context,
            max_tokens=max_tokens,
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout,
            transport_timeout=_timeout(settings),
            max_retries=0,
        )

    def translate(exc: BaseException) -> LLMError | None:
        import openai
        import pydantic

        if isinstance(exc, openai.APITimeoutError):
            return LLMError(f"the LLM server at {url} did not answer within {settings.llm_timeout:g} s")
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            return LLMError(f"cannot reach the LLM server at {url} ({type(cause).__name__})")
        if isinstance(exc, openai.APIStatusError):
            return _status_error(exc.status_code, exc.body)
        if isinstance(
            exc,
            (
                openai.APIResponseValidationError,
                pydantic.ValidationError,
                json.JSONDecodeError,
                IndexError,
                AttributeError,
            ),
        ):
            return LLMError("the LLM server sent a reply that is not an OpenAI chat completion")
        if isinstance(exc, openai.APIError):
            return LLMError(f"the LLM request failed: {exc}".splitlines()[0])
        return _http_error(exc, url or "", settings)

    def probe(model: ChatModel) -> None:
        model.llm(settings.llm_max_tokens)  # the configuration is complete
        _reachable(url or "", "/models", settings)

    return ChatModel(build, translate, probe)


# -- Ollama's own API -----------------------------------------------------------------
def _ollama_url(settings: Settings) -> str:
    """``NEWSQA_LLM_URL`` or Ollama's usual address; a trailing ``/v1`` (its OpenAI
    door, which a user may have copied) is dropped, the native API is at the root."""
    url = settings.llm_url or OLLAMA_DEFAULT_URL
    return url.removesuffix("/v1")


def _ollama_model(settings: Settings) -> ChatModel:
    url = _ollama_url(settings)

    def build(max_tokens: int) -> LLM:
        if not settings.llm_model:
            raise LLMError("NEWSQA_LLM=ollama needs NEWSQA_LLM_MODEL (for example qwen2.5:1.5b)")
        import ollama
        from llama_index.llms.ollama import Ollama

        headers = {}
        if settings.llm_api_key is not None:
            headers["Authorization"] = f"Bearer {settings.llm_api_key.get_secret_value()}"
        client = ollama.Client(host=url, timeout=_timeout(settings), headers=headers)
        return Ollama(
            model=settings.llm_model,
            base_url=url,
            client=client,
            request_timeout=settings.llm_timeout,
            temperature=settings.llm_temperature,
            context_window=settings.llm_context,
            additional_kwargs={"num_predict": max_tokens},
            is_function_calling_model=False,
        )

    def translate(exc: BaseException) -> LLMError | None:
        import ollama
        import pydantic

        if isinstance(exc, ollama.ResponseError):
            if exc.status_code > 0:
                return _status_error(exc.status_code, exc.error)
            return LLMError(f"the Ollama server reported an error: {exc.error}".splitlines()[0][:250])
        if isinstance(exc, (pydantic.ValidationError, json.JSONDecodeError)):
            return LLMError("the LLM server sent a reply that is not an Ollama chat response")
        return _http_error(exc, url, settings)

    def probe(model: ChatModel) -> None:
        """The server answers and has the model (Ollama lists what it has pulled)."""
        llm = model.llm(settings.llm_max_tokens)
        names = {m.model for m in llm.client.list().models}
        wanted = settings.llm_model
        if names and wanted not in names and f"{wanted}:latest" not in names:
            raise LLMError(f"the Ollama server at {url} has no model {wanted!r} (ollama pull {wanted})")

    return ChatModel(build, translate, probe)


# -- a local GGUF file ----------------------------------------------------------------
@cache
def _gguf_class():
    """``LlamaCPP`` that chats through llama.cpp's ``create_chat_completion``, so the
    prompt is laid out by the model file's own chat template (the integration's default
    is a generic format the model was not trained on), and takes ``max_tokens`` per call."""
    from llama_index.core.llms import ChatMessage, ChatResponse, MessageRole
    from llama_index.core.llms.callbacks import llm_chat_callback
    from llama_index.llms.llama_cpp import LlamaCPP

    class GGUFChat(LlamaCPP):
        @llm_chat_callback()
        def stream_chat(self, messages, **kwargs):
            chunks = self._model.create_chat_completion(
                messages=[{"role": m.role.value, "content": m.content or ""} for m in messages],
                max_tokens=kwargs.get("max_tokens", self.max_new_tokens),
                temperature=self.temperature,
                stream=True,
            )

            def gen():
                text = ""
                for chunk in chunks:
                    delta = chunk["choices"][0].get("delta", {}).get("content") or ""
                    text += delta
                    yield ChatResponse(
                        message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=delta, raw=chunk
                    )

            return gen()

        @llm_chat_callback()
        def chat(self, messages, **kwargs):
            last = ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=""))
            for last in self.stream_chat(messages, **kwargs):
                pass
            return last

    return GGUFChat


def _llamacpp_model(settings: Settings) -> ChatModel:
    path = settings.llm_gguf
    loaded: list[LLM] = []  # one model in memory whatever the answer length

    def build(max_tokens: int) -> LLM:
        if loaded:
            return loaded[0]
        if path is None:
            raise LLMError("NEWSQA_LLM=llamacpp needs NEWSQA_LLM_GGUF, the path of a .gguf model file")
        if not path.is_file():
            raise LLMError(f"no GGUF model file at {path}")
        try:
            cls = _gguf_class()
        except ImportError:
            raise LLMError(
                "NEWSQA_LLM=llamacpp needs llama-cpp-python: pip install 'newsqa[llamacpp]' (it compiles llama.cpp)"
            ) from None
        try:
            llm = cls(
                model_path=str(path),
                temperature=min(settings.llm_temperature, 1.0),
                max_new_tokens=settings.llm_max_tokens,
                context_window=settings.llm_context,
                model_kwargs={"n_threads": settings.llm_threads or None},
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise LLMError(f"cannot load the GGUF model {path}: {exc}".splitlines()[0]) from None
        loaded.append(llm)
        return llm

    def translate(exc: BaseException) -> LLMError | None:
        if isinstance(exc, (ValueError, RuntimeError)):  # e.g. the prompt exceeds the context window
            return LLMError(f"the GGUF model failed: {exc}".splitlines()[0])
        return None

    def probe(model: ChatModel) -> None:
        model.llm(settings.llm_max_tokens)

    return ChatModel(build, translate, probe, serial=True)
