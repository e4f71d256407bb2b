"""The newsqa web app: a Gradio chat with cited answers and a sources panel, corpus
management, and a REST API under /api, in one process.

    python app.py [--host 127.0.0.1] [--port 7860]

Thin over ``qa.Assistant``: everything here is input checking and formatting.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from fastapi import Depends, FastAPI, HTTPException, Request  # noqa: E402
from fastapi.exceptions import RequestValidationError  # noqa: E402
from fastapi.responses import JSONResponse, StreamingResponse  # noqa: E402
from fastapi.security import HTTPBasic, HTTPBasicCredentials  # noqa: E402
from pydantic import BaseModel, Field  # noqa: E402

CORPUS = Path(__file__).resolve().parent / "corpus"
EXAMPLES = [
    "What did France say about the withdrawal?",
    "What did Stoltenberg say?",
    "And what did Kuleba say?",
    "What did Boris Johnson say about the border?",
]
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]


# -- formatting ---------------------------------------------------------------------
def sources_html(answer) -> str:
    """The sources of an answer: title, outlet, date, link, and the passage with the
    quoted span highlighted. Everything from articles is escaped."""
    if answer is None:
        return "<p class='nq-empty'>Sources of the answer appear here.</p>"
    if answer.refused or not answer.citations:
        return "<p class='nq-empty'>No sources: the articles do not hold an answer.</p>"
    parts = []
    for c in answer.citations:
        p, a = c.passage, c.passage.article
        lo, hi = c.start - p.start, c.end - p.start
        passage = (
            html.escape(p.text[:lo]) + "<mark>" + html.escape(p.text[lo:hi]) + "</mark>" + html.escape(p.text[hi:])
        )
        meta = " · ".join(html.escape(x) for x in (a.source, a.published_at[:10]) if x)
        title = html.escape(a.title or "(untitled)")
        if a.url.startswith(("http://", "https://")):
            title = f"<a href='{html.escape(a.url, quote=True)}' target='_blank' rel='noopener noreferrer'>{title}</a>"
        parts.append(
            f"<details class='nq-source' open><summary>[{c.n}] {title}"
            + (f" <span class='nq-meta'>{meta}</span>" if meta else "")
            + f"</summary><p class='nq-passage'>{passage}</p></details>"
        )
    return "\n".join(parts)


def _text(content: Any) -> str:
    """A chat message's text: Gradio 6 gives a string or a list of typed parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""


def _history_questions(history: list[dict[str, Any]]) -> list[str]:
    """The user's earlier questions, oldest first: what follow-ups are resolved against."""
    return [_text(m.get("content")) for m in history or [] if m.get("role") == "user"]


def _filters(sources: list[str] | None, since: str | None, until: str | None) -> dict[str, Any]:
    return {"sources": list(sources or []), "since": (since or "").strip() or None, "until": (until or "").strip() or None}


# -- REST API -----------------------------------------------------------------------
class AskBody(BaseModel):
    question: str = Field(..., description="the question")
    history: list[str | list[str]] = Field(default_factory=list, description="earlier questions (or [question, answer] pairs), oldest first")
    filters: dict[str, Any] | None = Field(None, description="sources (outlet names), since, until (YYYY-MM-DD)")


class SearchBody(BaseModel):
    query: str
    k: int = 10
    filters: dict[str, Any] | None = None


def build_api(assistant, settings) -> FastAPI:
    from index import parse_bytes
    from index.loaders import Failure, Loaded, LoadError
    from qa import BadRequest, NotFound

    basic = HTTPBasic(auto_error=False)

    def check_auth(creds: HTTPBasicCredentials | None = Depends(basic)) -> None:
        if not settings.auth:
            return
        user, _, pw = settings.auth.partition(":")
        ok = creds is not None and secrets.compare_digest(creds.username, user) and secrets.compare_digest(creds.password, pw)
        if not ok:
            raise HTTPException(401, "login required", headers={"WWW-Authenticate": "Basic"})

    api = FastAPI(title="newsqa", description="Ask questions about news articles; answers cite their passages.",
                  dependencies=[Depends(check_auth)] if settings.auth else [])

    @api.exception_handler(BadRequest)
    async def _bad(_req, exc):
        return JSONResponse({"error": str(exc)}, 400)

    @api.exception_handler(NotFound)
    async def _nf(_req, exc):
        return JSONResponse({"error": str(exc)}, 404)

    @api.exception_handler(HTTPException)
    async def _http(_req, exc):
        return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=getattr(exc, "headers", None))

    @api.exception_handler(RequestValidationError)
    async def _invalid(_req, exc):
        e = exc.errors()[0] if exc.errors() else {"loc": [], "msg": "invalid request"}
        if e.get("type") == "json_invalid":
            return JSONResponse({"error": "the request body is not valid JSON"}, 422)
        where = ".".join(str(x) for x in e.get("loc", []) if x != "body")
        return JSONResponse({"error": f"{where}: {e.get('msg')}" if where else str(e.get("msg"))}, 422)

    @api.exception_handler(Exception)
    async def _crash(_req, exc):
        print(f"newsqa: internal error: {exc!r}", file=sys.stderr)
        return JSONResponse({"error": "internal error; the server logged it"}, 500)

    @api.post("/api/ask")
    def ask(body: AskBody) -> dict[str, Any]:
        history = [tuple(h) if isinstance(h, list) else h for h in body.history]
        return assistant.ask(body.question, history=history, filters=body.filters).to_dict()

    @api.post("/api/ask/stream", response_class=StreamingResponse)
    def ask_stream(body: AskBody) -> StreamingResponse:
        """Newline-delimited JSON: {"text": ...} for each checked piece an LLM writes,
        then {"answer": <the /api/ask object>}. Bad input is a 4xx before the stream."""
        history = [tuple(h) if isinstance(h, list) else h for h in body.history]
        items = assistant.ask_stream(body.question, history=history, filters=body.filters)

        def lines():
            for item in items:
                obj = {"text": item} if isinstance(item, str) else {"answer": item.to_dict()}
                yield json.dumps(obj, ensure_ascii=False) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @api.post("/api/search")
    def search(body: SearchBody) -> list[dict[str, Any]]:
        return [p.to_dict() for p in assistant.search(body.query, k=body.k, filters=body.filters)]

    @api.get("/api/articles")
    def articles() -> list[dict[str, Any]]:
        return assistant.articles()

    @api.post("/api/articles")
    async def add_articles(request: Request) -> dict[str, Any]:
        """A JSON article or array of them, or a multipart upload of files (field ``files``)."""
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            uploads = [f for f in form.getlist("files") + form.getlist("file") if hasattr(f, "read")]
            if not uploads:
                raise BadRequest("no files in the upload (use the form field 'files')")
            loaded = Loaded()
            for up in uploads:
                name = Path(up.filename or "upload").name  # never a path on this machine
                data = await up.read(settings.max_file_bytes + 1)
                try:
                    loaded.extend(parse_bytes(data, name, settings.max_file_bytes))
                except LoadError as exc:
                    loaded.failures.append(Failure(name, str(exc)))
            return assistant.add_loaded(loaded).to_dict()
        try:
            payload = await request.json()
        except Exception:
            raise BadRequest("the body must be a JSON article, an array of articles, or a multipart file upload") from None
        if isinstance(payload, dict) and ("url" in payload or "urls" in payload) and not (
                {"body", "text", "content"} & payload.keys()):
            return await _add_urls(payload)
        records = payload if isinstance(payload, list) else [payload]
        if not records:
            raise BadRequest("no articles given")
        return assistant.add_articles(records).to_dict()

    async def _add_urls(payload: dict[str, Any]) -> dict[str, Any]:
        """{"url": "..."} or {"urls": [...]}: fetched off the event loop, public
        addresses only unless NEWSQA_FETCH_ALLOW_PRIVATE=1."""
        from starlette.concurrency import run_in_threadpool

        urls = payload.get("urls", [payload.get("url")] if "url" in payload else [])
        if isinstance(urls, str):
            urls = [urls]
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u.strip() for u in urls):
            raise BadRequest("url must be a non-empty string (or urls a list of them)")
        if len(urls) > 100:
            raise BadRequest(f"{len(urls)} URLs in one request; the limit is 100")
        report = await run_in_threadpool(assistant.add_urls, urls, None, bool(settings.fetch_allow_private))
        return report.to_dict()

    @api.delete("/api/articles/{article_id}")
    def delete(article_id: str) -> dict[str, Any]:
        assistant.delete(article_id)
        return {"deleted": article_id}

    from qa.web.feeds import build_router as feeds_router

    api.include_router(feeds_router(assistant, settings))

    @api.get("/api/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "articles": len(assistant.store.versions()), "chunks": assistant.store.count_chunks(),
                "answers": settings.llm}

    return api


# -- Gradio UI ----------------------------------------------------------------------
CSS = """
.nq-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; margin: 6px 0; }
.nq-source mark { background: #ffe58a; color: inherit; padding: 0 2px; }
.nq-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.nq-passage { white-space: pre-wrap; font-size: 0.95em; }
"""


def build_ui(assistant, settings):
    import gradio as gr

    from index import parse_bytes
    from index.loaders import Failure, Loaded, LoadError
    from qa import BadRequest

    def outlets() -> list[str]:
        return assistant.retriever.sources()

    def ask(message: str, history: list[dict[str, Any]], sources: list[str] | None, since: str, until: str):
        """Answer a question with cited sources; streams the answer text."""
        history = list(history or [])
        try:
            stream = assistant.ask_stream(message, history=_history_questions(history), filters=_filters(sources, since, until))
        except BadRequest as exc:
            history += [{"role": "user", "content": message}, {"role": "assistant", "content": f"⚠️ {exc}"}]
            yield history, "", sources_html(None)
            return
        history += [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        streamed = ""
        answer = None
        for item in stream:  # an LLM's checked sentences as they come, then the Answer
            if isinstance(item, str):
                streamed += item
                history[-1]["content"] = html.escape(streamed)
                yield history, "", sources_html(None)
            else:
                answer = item
        text = html.escape(answer.text)
        if not streamed:  # the extractive answer arrives whole: show it in a few steps
            words = text.split(" ")
            step = max(1, len(words) // 12)
            for i in range(0, len(words) - step, step):
                history[-1]["content"] = " ".join(words[: i + step])
                yield history, "", sources_html(None)
        if answer.note:
            text += f"\n\n*{html.escape(answer.note)}*"
        history[-1]["content"] = text
        yield history, "", sources_html(answer)

    def articles_table() -> list[list[Any]]:
        return [[r["id"], r["title"], r["source"], (r["published_at"] or "")[:10], r["chunks"]] for r in assistant.articles()]

    def _report_rows(report) -> list[list[str]]:
        rows = [["added", str(report.added), ""], ["updated", str(report.updated), ""], ["unchanged", str(report.unchanged), ""],
                ["folded", str(report.folded), "wire copies: another outlet carrying a stored story"]]
        rows += [["failed", f.source, f.reason] for f in report.failed]
        return rows

    def upload(files: list[str] | None, progress=gr.Progress()):
        """Add uploaded article files (.txt .md .html .json .jsonl)."""
        if not files:
            return [["failed", "-", "no files chosen"]], articles_table()
        loaded = Loaded()
        for f in files:
            path = Path(f if isinstance(f, str) else f.name)
            name = path.name
            try:
                if path.stat().st_size > settings.max_file_bytes:
                    raise LoadError(f"file is over the {settings.max_file_mb:.0f} MB limit")
                loaded.extend(parse_bytes(path.read_bytes(), name, settings.max_file_bytes))
            except LoadError as exc:
                loaded.failures.append(Failure(name, str(exc)))
        report = assistant.add_loaded(loaded, lambda d, t: progress((d, t), unit="chunks") if t else None)
        return _report_rows(report), articles_table()

    def paste(title: str, body: str, source: str, url: str, date: str):
        """Add one pasted article."""
        report = assistant.add_articles([{"title": title, "body": body, "source": source, "url": url or None,
                                          "published_at": date or None}])
        return _report_rows(report), articles_table()

    def delete(article_id: str):
        """Delete an article by id."""
        try:
            assistant.delete((article_id or "").strip())
            msg = f"deleted {article_id}"
        except Exception as exc:
            msg = str(exc)
        return msg, articles_table()

    with gr.Blocks(title="newsqa") as ui:
        gr.Markdown("## newsqa — ask the news\nEvery answer cites the passages it comes from.")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chat = gr.Chatbot(label="Conversation", height=440, elem_id="chat")
                    box = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False, elem_id="question")
                    with gr.Row():
                        send = gr.Button("Ask", variant="primary", elem_id="ask")
                        clear = gr.Button("New conversation")
                    gr.Examples(EXAMPLES, inputs=box, label="Try")
                    with gr.Accordion("Filters", open=False):
                        srcs = gr.Dropdown(choices=outlets(), multiselect=True, label="Outlets", value=[])
                        with gr.Row():
                            since = gr.Textbox(label="Since (YYYY-MM-DD)")
                            until = gr.Textbox(label="Until (YYYY-MM-DD)")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(sources_html(None), elem_id="sources")
            inputs = [box, chat, srcs, since, until]
            send.click(ask, inputs, [chat, box, sources], api_name="ask")
            box.submit(ask, inputs, [chat, box, sources], api_name=False)
            clear.click(lambda: ([], "", sources_html(None)), None, [chat, box, sources], api_name=False)
        with gr.Tab("Corpus"):
            with gr.Row():
                with gr.Column():
                    files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="Upload articles", elem_id="upload")
                    add_btn = gr.Button("Add files", variant="primary", elem_id="add-files")
                with gr.Column():
                    t_title = gr.Textbox(label="Title")
                    t_body = gr.Textbox(label="Text", lines=6)
                    with gr.Row():
                        t_source = gr.Textbox(label="Outlet")
                        t_url = gr.Textbox(label="URL")
                        t_date = gr.Textbox(label="Date (YYYY-MM-DD)")
                    paste_btn = gr.Button("Add pasted article")
            result = gr.Dataframe(headers=["result", "file", "reason"], label="Result", elem_id="result")
            table = gr.Dataframe(headers=["id", "title", "outlet", "date", "chunks"], value=articles_table,
                                 label="Articles", elem_id="articles")
            from qa.web.feeds import corpus_links

            corpus_links(assistant, settings, result, table, articles_table, _report_rows)
            with gr.Row():
                del_id = gr.Textbox(label="Article id to delete")
                del_btn = gr.Button("Delete", variant="stop")
                del_msg = gr.Markdown()
            add_btn.click(upload, [files], [result, table], api_name="upload")
            paste_btn.click(paste, [t_title, t_body, t_source, t_url, t_date], [result, table], api_name="add_article")
            del_btn.click(delete, [del_id], [del_msg, table], api_name="delete")
        ui.load(lambda: gr.Dropdown(choices=outlets()), None, srcs, api_name=False)
    ui.queue(default_concurrency_limit=8)
    return ui


def create_app(assistant, settings):
    """The FastAPI app with the REST API and the Gradio UI mounted at /."""
    import gradio as gr

    api = build_api(assistant, settings)
    ui = build_ui(assistant, settings)
    auth = None
    if settings.auth:
        user, _, pw = settings.auth.partition(":")
        auth = (user, pw)
    return gr.mount_gradio_app(api, ui, path="/", auth=auth, max_file_size=settings.max_file_bytes, css=CSS,
                               footer_links=["api"])


def load_bundled_corpus(assistant) -> None:
    """First start on an empty store: add the bundled articles, showing progress."""
    if not assistant.is_empty():
        return
    print(f"newsqa: empty store, adding the bundled corpus from {CORPUS} …", file=sys.stderr)
    report = assistant.add([CORPUS], lambda d, t: print(f"  embedded {d}/{t} chunks", file=sys.stderr))
    print(f"newsqa: added {report.added} articles ({len(report.failed)} failed)", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    from index import Settings
    from qa import Assistant

    p = argparse.ArgumentParser(prog="newsqa serve", description="Run the newsqa web app and REST API.")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1, or NEWSQA_HOST)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860, or NEWSQA_PORT)")
    p.add_argument("--watch", action="store_true", help="poll the followed feeds in the app (every NEWSQA_WATCH_EVERY minutes)")
    args = p.parse_args(argv)
    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    settings = Settings(**overrides)
    from qa.remote import remove_lock, running_app, write_lock

    other = running_app(settings)
    if other:
        print(f"newsqa: error: another app already serves this data directory at {other}; "
              "to run several app processes, share a Chroma server (NEWSQA_CHROMA_URL)", file=sys.stderr)
        return 2
    assistant = Assistant.open(settings)
    load_bundled_corpus(assistant)
    assistant.retriever.snapshot()  # build the lexical index before the first question
    if settings.llm != "extractive":
        problem = assistant.check_llm()  # loads a GGUF model now rather than at the first question
        print(f"newsqa: LLM ({settings.llm}) " + (f"unavailable: {problem}; answers fall back to extractive"
                                                   if problem else "ready"), file=sys.stderr)
    import uvicorn

    app = create_app(assistant, settings)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}"
    if not settings.chroma_url:
        write_lock(settings, url)  # other processes on this data directory go through us
    stop_watch = None
    if args.watch:
        from qa.web.feeds import start_watcher

        stop_watch = start_watcher(assistant, settings)
    print(f"newsqa: serving on {url}/ (REST API under /api, docs at /docs)", file=sys.stderr)
    try:
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
    finally:
        if stop_watch is not None:
            stop_watch.set()
        remove_lock(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
