"""The web doors for links and feeds: REST routes, the Corpus tab's "Add a link" box
and feed list, and the watcher thread of ``python app.py --watch``.

Kept in one module so the web app registers it with a line or two: ``build_router``
(include it in the FastAPI app), ``corpus_links`` (call it inside the Corpus tab) and
``start_watcher``. Everything here goes through ``qa.Assistant``; fetching and
ingesting are blocking, so they run in FastAPI's thread pool (sync routes) or Gradio's
workers, never on the event loop. The web doors fetch public addresses only, unless
``NEWSQA_FETCH_ALLOW_PRIVATE=1``.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field


class FeedIn(BaseModel):
    url: str = Field(..., min_length=1, max_length=4096, description="the RSS or Atom feed's URL (http/https)")
    name: str = Field("", max_length=200, description="what to call it; default: the feed's own title")


class FeedOut(BaseModel):
    id: str
    url: str
    name: str
    added_at: str
    last_poll: str = Field(description="ISO 8601, empty before the first poll")
    last_ok: str
    last_error: str = Field(description="why the last poll failed, or how many entries it could not add")
    failures: int = Field(description="failed polls in a row (each doubles the wait before the next)")
    next_poll: str = Field(description="when a failing feed is tried again; empty when it is not failing")
    new_articles: int = Field(description="articles the last poll added")
    total_articles: int


def web_allows_private(settings) -> bool:
    """The web doors refuse private addresses unless the setting says 1."""
    return bool(settings.fetch_allow_private)


MAX_URLS = 100


def add_urls_body(assistant, settings, payload: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/articles`` with ``{"url": ...}`` or ``{"urls": [...]}`` (at most 100):
    fetched with the web doors' address policy. Blocking: call it off the event loop."""
    from ..errors import BadRequest

    urls = payload.get("urls", [payload.get("url")] if "url" in payload else [])
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u.strip() for u in urls):
        raise BadRequest("url must be a non-empty string (or urls a list of them)")
    if len(urls) > MAX_URLS:
        raise BadRequest(f"{len(urls)} URLs in one request; the limit is {MAX_URLS}")
    return assistant.add_urls(urls, None, allow_private=web_allows_private(settings)).to_dict()


def build_router(assistant, settings) -> APIRouter:
    """``GET|POST /api/feeds``, ``DELETE /api/feeds/{id}``."""
    api = APIRouter(prefix="/api")

    @api.get("/feeds", response_model=list[FeedOut])
    def list_feeds() -> list[dict[str, Any]]:
        """Followed feeds with their last poll, new articles and last error."""
        return assistant.feeds()

    @api.post("/feeds", response_model=FeedOut)
    def add_feed(body: FeedIn) -> dict[str, Any]:
        """Follow a feed. It is fetched once now (public addresses only), so a wrong URL
        is a 400 with the reason; following the same feed again changes nothing."""
        return assistant.add_feed(body.url, body.name, allow_private=web_allows_private(settings))

    @api.delete("/feeds/{feed_id}")
    def remove_feed(feed_id: str) -> dict[str, Any]:
        """Stop following a feed; the articles it brought stay."""
        return {"removed": assistant.remove_feed(feed_id)["id"]}

    return api


FEED_HEADERS = ["id", "name", "url", "last poll", "new articles", "total", "last error"]


def feed_rows(assistant) -> list[list[Any]]:
    return [
        [
            f["id"],
            f["name"],
            f["url"],
            f["last_poll"][:16].replace("T", " ") or "never",
            f["new_articles"],
            f["total_articles"],
            f["last_error"],
        ]
        for f in assistant.feeds()
    ]


def corpus_links(assistant, settings, result, table, articles_table, report_rows) -> None:
    """Inside the Corpus tab: an "Add a link" box, and the feed list with add/remove.
    ``result``/``table`` are the tab's report and article table components, refreshed
    with ``report_rows(report)`` and ``articles_table()``."""
    import gradio as gr

    from ..errors import BadRequest, NotFound

    with gr.Row():
        link = gr.Textbox(label="Add a link", placeholder="https://… a news page", elem_id="link", scale=4)
        link_btn = gr.Button("Add link", elem_id="add-link", scale=1)
    with gr.Accordion("Feeds", open=True):
        feeds = gr.Dataframe(
            headers=FEED_HEADERS,
            value=lambda: feed_rows(assistant),
            label="Followed feeds",
            elem_id="feeds",
            interactive=False,
        )
        with gr.Row():
            feed_url = gr.Textbox(label="Feed URL (RSS or Atom)", elem_id="feed-url", scale=3)
            feed_name = gr.Textbox(label="Name (optional)", elem_id="feed-name", scale=2)
            feed_btn = gr.Button("Follow", elem_id="follow", scale=1)
        with gr.Row():
            feed_id = gr.Textbox(label="Feed id or URL to stop following", elem_id="unfollow-id", scale=3)
            unfollow_btn = gr.Button("Stop following", variant="stop", elem_id="unfollow", scale=1)
            poll_btn = gr.Button("Poll now", elem_id="poll", scale=1)
        feed_msg = gr.Markdown(elem_id="feed-msg")

    def add_link(url: str, progress=gr.Progress()):
        """Fetch a news page and add its article."""
        url = (url or "").strip()
        if not url:
            return [["failed", "-", "no link given"]], articles_table(), ""
        report = assistant.add_urls(
            [url],
            lambda d, t: progress((d, t), unit="chunks") if t else None,
            allow_private=web_allows_private(settings),
        )
        return report_rows(report), articles_table(), ""

    def follow(url: str, name: str):
        """Follow a feed (it is fetched once now)."""
        try:
            f = assistant.add_feed(
                (url or "").strip(), (name or "").strip(), allow_private=web_allows_private(settings)
            )
            msg = f"Following **{_md(f['name'])}**; new articles arrive at the next poll."
        except BadRequest as exc:
            msg = f"⚠️ {_md(str(exc))}"
        return feed_rows(assistant), msg

    def unfollow(ident: str):
        """Stop following a feed."""
        try:
            f = assistant.remove_feed((ident or "").strip())
            msg = f"No longer following {_md(f['name'])}."
        except NotFound as exc:
            msg = f"⚠️ {_md(str(exc))}"
        return feed_rows(assistant), msg

    def poll_now():
        """Poll every feed now (those backing off after failures wait)."""
        reports = assistant.poll_feeds()
        new = sum(r.added + r.updated + r.folded for r in reports)
        failed = sum(r.status == "failed" for r in reports)
        return (
            feed_rows(assistant),
            f"Polled {len(reports)} feeds: {new} new articles, {failed} failed.",
            articles_table(),
        )

    link_btn.click(add_link, [link], [result, table, link], api_name="add_link")
    link.submit(add_link, [link], [result, table, link], api_name=False)
    feed_btn.click(follow, [feed_url, feed_name], [feeds, feed_msg], api_name="follow_feed")
    unfollow_btn.click(unfollow, [feed_id], [feeds, feed_msg], api_name="unfollow_feed")
    poll_btn.click(poll_now, None, [feeds, feed_msg, table], api_name="poll_feeds")


def _md(text: str) -> str:
    """Text from a feed or a URL, shown in Markdown as text, not markup or links."""
    import html

    escaped = html.escape(text, quote=False)
    return "".join("\\" + ch if ch in "\\`*_{}[]()#+-.!|<>~" else ch for ch in escaped)


def start_watcher(assistant, settings) -> threading.Event:
    """``python app.py --watch``: poll the feeds every ``NEWSQA_WATCH_EVERY`` minutes in a
    daemon thread (never on the event loop); set the returned event to stop it."""
    stop = threading.Event()

    def show(rep) -> None:
        if rep.status == "failed":
            print(f"newsqa: feed {rep.feed}: failed: {rep.error}", file=sys.stderr)
        elif rep.status == "ok":
            print(
                f"newsqa: feed {rep.feed}: added {rep.added}, updated {rep.updated}, folded {rep.folded}, "
                f"failed {len(rep.failed)}",
                file=sys.stderr,
            )

    thread = threading.Thread(
        target=assistant.watch, kwargs={"stop": stop, "progress": show}, daemon=True, name="newsqa-watch"
    )
    thread.start()
    print(f"newsqa: watching {len(assistant.feeds())} feeds every {settings.watch_every:g} minutes", file=sys.stderr)
    return stop
