"""Start the web app: one FastAPI app holding the REST API (/api), any extra routers,
and the Gradio UI at /, over one ``Assistant``.

    python app.py [--host 127.0.0.1] [--port 7860] [--watch]      (same as: newsqa serve)

Start-up: refuse when another app already serves this embedded data directory, open
the store, add the bundled corpus on first start, build the lexical index, check the
LLM, write ``NEWSQA_HOME/app.json`` (so the CLI goes through this process instead of
opening the embedded store a second time), serve, remove the lock.

Heavy imports (FastAPI, Gradio, uvicorn) happen inside functions: the CLI imports this
module to build its parser.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

    from index import Settings

    from ..assistant import Assistant

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
LOCK = "app.json"

RouterFactory = Callable[["Assistant", "Settings"], "APIRouter"]


# -- the app ------------------------------------------------------------------------
def quiet_environment() -> None:
    """Keep Gradio and the Hugging Face hub from calling home: set before they are imported."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


def routers() -> list[RouterFactory]:
    """Every router the app serves, each built over the Assistant and the settings and
    put behind the login. To add a door, append its ``build_router`` here."""
    from .api import build_router
    from .conversations import build_router as conversations_router
    from .feeds import build_router as feeds_router

    return [build_router, feeds_router, conversations_router]


def add_error_handlers(app: FastAPI) -> None:
    """Every error answers ``{"error": one line}``: a ``NewsqaError`` with its own status,
    an invalid request with 422 naming the field, anything else 500 (and a log line)."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import (
        HTTPException,  # FastAPI's is a subclass: this catches both
    )

    from ..errors import NewsqaError, validation_message

    @app.exception_handler(NewsqaError)
    async def _newsqa(_req, exc: NewsqaError):
        return JSONResponse({"error": str(exc)}, exc.status)

    @app.exception_handler(HTTPException)
    async def _http(_req, exc: HTTPException):
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_req, exc: RequestValidationError):
        return JSONResponse({"error": validation_message(exc.errors())}, 422)

    @app.exception_handler(Exception)
    async def _crash(_req, exc: Exception):
        print(f"newsqa: internal error: {exc!r}", file=sys.stderr)
        return JSONResponse({"error": "internal error; the server logged it"}, 500)


def add_docs(app: FastAPI, login: list) -> None:
    """/openapi.json, /docs and /redoc, behind the login when one is set (the API's
    description tells an anonymous visitor what the doors are and how to call them)."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.responses import HTMLResponse, JSONResponse

    @app.get("/openapi.json", include_in_schema=False, dependencies=login)
    def openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/docs", include_in_schema=False, dependencies=login)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - API")

    @app.get("/redoc", include_in_schema=False, dependencies=login)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url="/openapi.json", title=f"{app.title} - API")


def add_guards(app: FastAPI, settings: Settings) -> None:
    """The outer guards of qa/web/guard.py, outermost first: the login back-off, the
    cross-origin check, the body limit; then CORS for the origins NEWSQA_ALLOW_ORIGINS
    names (so Gradio's own CORS, which allows any localhost page with credentials,
    steps aside)."""
    from starlette.middleware.cors import CORSMiddleware

    from .guard import BodyLimit, LoginBackoff, OriginCheck

    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["authorization", "content-type"],
    )
    app.add_middleware(BodyLimit, settings=settings)
    app.add_middleware(OriginCheck, settings=settings)
    if settings.login:
        app.add_middleware(LoginBackoff, settings=settings)


def create_app(assistant: Assistant, settings: Settings, extra: Sequence[RouterFactory] = ()) -> FastAPI:
    """The FastAPI app: the routers of ``routers()`` (and ``extra``) behind the login,
    one error handling, the OpenAI-compatible /v1 and MCP's /mcp (each checks the login
    itself), the API docs (behind the login), the guards, and the Gradio UI mounted at /
    (mounted last: it takes every path no router claimed)."""
    quiet_environment()
    import gradio as gr
    from fastapi import Depends, FastAPI

    from . import openai
    from .auth import gradio_auth, login_dependency
    from .format import CSS
    from .mcp import McpDoor
    from .ui import build_ui

    mcp = McpDoor(assistant)  # its session manager runs while the app serves
    app = FastAPI(
        title="newsqa",
        description="Ask questions about news articles; answers cite their passages.",
        lifespan=lambda _app: mcp.lifespan(),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    add_error_handlers(app)
    login = [Depends(login_dependency(settings))] if settings.login else []
    add_docs(app, login)
    for build in [*routers(), *extra]:
        app.include_router(build(assistant, settings), dependencies=login)
    # doors with their own login (a bearer password or the basic login) and their protocol's errors
    app.include_router(openai.build_router(assistant, settings))
    app.add_route(McpDoor.path, mcp, include_in_schema=False)
    from .conversations import share_router

    app.include_router(share_router(assistant, settings))  # read-only shared pages: the link is the key, no login
    ui = build_ui(assistant, settings)
    add_guards(app, settings)
    return gr.mount_gradio_app(
        app,
        ui,
        path="/",
        auth=gradio_auth(settings),
        max_file_size=settings.max_file_bytes,
        css=CSS,
        footer_links=["api"],
    )


# -- the app.json lock --------------------------------------------------------------
def lock_path(settings: Settings) -> Path:
    return settings.home / LOCK


def write_lock(settings: Settings, url: str) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    lock_path(settings).write_text(json.dumps({"url": url, "pid": os.getpid()}))


def remove_lock(settings: Settings) -> None:
    """Remove the lock if this process wrote it."""
    try:
        if json.loads(lock_path(settings).read_text()).get("pid") == os.getpid():
            lock_path(settings).unlink()
    except (OSError, ValueError):
        pass


def running_app(settings: Settings) -> str | None:
    """The URL of a live app serving this embedded data directory, else None.

    None only when no app holds it: no ``app.json``, its process gone, or nothing
    listening at its address (a stale lock whose process id was reused). When a live
    app is there but cannot be used (a wrong login, an error, no answer in time), this
    raises ``Unavailable``: opening the embedded store behind the app's back would
    corrupt it."""
    if settings.chroma_url:
        return None
    try:
        info = json.loads(lock_path(settings).read_text())
        pid, url = int(info["pid"]), str(info["url"])
        os.kill(pid, 0)
    except PermissionError:  # a live process of another user
        pid, url = int(info["pid"]), str(info["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    import httpx

    from ..errors import Unavailable

    try:
        r = httpx.get(f"{url}/api/health", timeout=10, auth=settings.login)
    except httpx.ConnectError:
        return None  # nothing listens there: the lock is stale
    except httpx.HTTPError as exc:
        raise Unavailable(
            f"the app (pid {pid}) that owns this data directory at {url} does not answer "
            f"({type(exc).__name__}); not opening its store behind its back"
        ) from None
    if r.status_code == 200:
        return url
    why = (
        "the login is wrong: set NEWSQA_AUTH as the app has it"
        if r.status_code in (401, 429)
        else f"HTTP {r.status_code}"
    )
    raise Unavailable(
        f"the app (pid {pid}) that owns this data directory at {url} refuses this process ({why}); "
        "not opening its store behind its back"
    )


# -- start-up -----------------------------------------------------------------------
def load_bundled_corpus(assistant: Assistant) -> None:
    """First start on an empty store: add the bundled articles, showing progress."""
    if not assistant.is_empty():
        return
    print(f"newsqa: empty store, adding the bundled corpus from {CORPUS} …", file=sys.stderr)
    report = assistant.add([CORPUS], lambda d, t: print(f"  embedded {d}/{t} chunks", file=sys.stderr))
    print(f"newsqa: added {report.added} articles ({len(report.failed)} failed)", file=sys.stderr)


def serve(settings: Settings, watch: bool = False) -> int:
    """Run the app until interrupted; 2 when another app owns this data directory."""
    quiet_environment()
    from ..assistant import Assistant

    other = running_app(settings)
    if other:
        print(
            f"newsqa: error: another app already serves this data directory at {other}; "
            "to run several app processes, share a Chroma server (NEWSQA_CHROMA_URL)",
            file=sys.stderr,
        )
        return 2
    assistant = Assistant.open(settings)
    load_bundled_corpus(assistant)
    if settings.ingest_threads == 0:  # serving: ingestion leaves a core to the questions asked meanwhile
        assistant.embedder.ingest_threads = max(1, (os.cpu_count() or 1) - 1)
    assistant.warm_up()  # build the lexical index before the first question
    if settings.llm != "extractive":
        problem = assistant.check_llm()  # loads a GGUF model now rather than at the first question
        print(
            f"newsqa: LLM ({settings.llm}) "
            + (f"unavailable: {problem}; answers fall back to extractive" if problem else "ready"),
            file=sys.stderr,
        )
    import uvicorn

    app = create_app(assistant, settings)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}"
    if not settings.chroma_url:
        write_lock(settings, url)  # other processes on this data directory go through us
    stop_watch = None
    if watch:  # the feed watcher, in its own thread (never on the event loop)
        from .feeds import start_watcher

        stop_watch = start_watcher(assistant, settings)
    print(f"newsqa: serving on {url}/ (REST API under /api, docs at /docs)", file=sys.stderr)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    finally:
        if stop_watch is not None:
            stop_watch.set()
        remove_lock(settings)
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The serve options, shared by `python app.py` and `newsqa serve`."""
    parser.add_argument("--host", default=None, help="address to bind (default 127.0.0.1, or NEWSQA_HOST)")
    parser.add_argument("--port", type=int, default=None, help="port (default 7860, or NEWSQA_PORT)")
    parser.add_argument(
        "--watch",
        action="store_true",
        help="also poll the followed feeds, every NEWSQA_WATCH_EVERY minutes (default 30)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings from the environment, with the command line's --host and --port."""
    from index import Settings

    overrides: dict[str, Any] = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    return Settings.load(**overrides)


def main(argv: list[str] | None = None) -> NoReturn:
    """`python app.py`: parse the serve options, serve, exit with the code."""
    from ..errors import NewsqaError

    parser = argparse.ArgumentParser(prog="app.py", description="Run the newsqa web app and REST API.")
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        code = serve(settings_from(args), watch=args.watch)
    except NewsqaError as exc:
        print(f"newsqa: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    sys.exit(code)
