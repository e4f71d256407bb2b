"""newsqa as a Model Context Protocol server, built with the ``mcp`` SDK.

An MCP host (Claude Desktop, an IDE, an agent framework) can then search the articles,
ask cited questions, add articles and list them. Tools:

- ``search_news(query, k, sources, since, until)``: passages, best first;
- ``ask_news(question, history, sources, since, until)``: a cited answer (each
  citation with its exact quote and offsets) or a refusal;
- ``add_article(url | title + body + source, published_at, author, category)``;
- ``list_articles(source, limit)``: stored articles, newest first.

Each returns the same JSON objects as the REST API. A bad argument is a tool error
(``isError`` with a one-line message), never a crash of the server. ``newsqa mcp``
serves stdio; the web app serves streamable HTTP at ``/mcp`` (``McpDoor``), behind the
same login as the rest when ``NEWSQA_AUTH`` is set. The tools are plain functions, which
the SDK runs in worker threads: answering never blocks its event loop.
"""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

INSTRUCTIONS = """newsqa answers questions about a collection of news articles.
Use ask_news for a question: its answer cites passages as [n], and each citation carries the exact quote from the article.
Use search_news to see the best passages for a query, list_articles to see what is stored, add_article to add one.
Quote the citations' text when you report what the articles say; say so when ask_news refuses (the articles do not hold the answer)."""

MAX_LIST = 1000

Sources = Annotated[list[str] | None, Field(description="only these outlets (source names as in list_articles)")]
Since = Annotated[str | None, Field(description="published on or after this date, YYYY-MM-DD")]
Until = Annotated[str | None, Field(description="published on or before this date, YYYY-MM-DD")]


def mcp_server(assistant) -> MCPServer:
    """The MCP server over ``assistant`` (a ``qa.Assistant``, or the CLI's remote one)."""
    server = MCPServer("newsqa", instructions=INSTRUCTIONS, log_level="WARNING")

    def guarded(fn, *args, **kwargs):
        """The assistant's one-line errors as tool errors the model can read."""
        from index import LoadError
        from qa import BadRequest, NotFound

        try:
            return fn(*args, **kwargs)
        except (BadRequest, NotFound, LoadError) as exc:
            raise ToolError(str(exc)) from None

    @server.tool()
    def search_news(
        query: Annotated[str, Field(description="what to look for")],
        k: Annotated[int, Field(description="how many passages (1-100)")] = 10,
        sources: Sources = None,
        since: Since = None,
        until: Until = None,
    ) -> list[dict[str, Any]]:
        """The k best passages for a query, best first. Each has text, score, start/end
        (character offsets into the article body) and the article (id, title, source,
        url, published_at, author)."""
        filters = {"sources": sources or [], "since": since, "until": until}
        return [p.to_dict() for p in guarded(assistant.search, query, k=k, filters=filters)]

    @server.tool()
    def ask_news(
        question: Annotated[str, Field(description="the question")],
        history: Annotated[
            list[str | list[str]] | None,
            Field(
                description="earlier turns of the conversation, oldest first: questions, or [question, answer] pairs"
            ),
        ] = None,
        sources: Sources = None,
        since: Since = None,
        until: Until = None,
    ) -> dict[str, Any]:
        """A short answer whose every sentence cites a passage as [n], or a refusal when
        the articles do not hold the answer. Returns answer, refused, the question as
        understood (follow-ups resolved with the history) and citations: n, article_id,
        title, source, url, published_at, the passage, and the exact quote with its
        start/end offsets in the article body."""
        pairs = [tuple(h) if isinstance(h, list) else h for h in history or []]
        if any(isinstance(h, tuple) and len(h) != 2 for h in pairs):
            raise ToolError("history items are questions or [question, answer] pairs")
        filters = {"sources": sources or [], "since": since, "until": until}
        return guarded(assistant.ask, question, history=pairs, filters=filters).to_dict()

    @server.tool()
    def add_article(
        url: Annotated[
            str | None, Field(description="a web page to fetch; with title and body, the article's own link")
        ] = None,
        title: Annotated[str | None, Field(description="the article's title (with body)")] = None,
        body: Annotated[str | None, Field(description="the article's text")] = None,
        source: Annotated[str, Field(description="the outlet")] = "",
        published_at: Annotated[str | None, Field(description="publication date, ISO 8601")] = None,
        author: str = "",
        category: str = "",
    ) -> dict[str, Any]:
        """Add one article: give its text (title and body, with source, published_at,
        author, url when known), or only a url to fetch the page. Adding the same
        article again changes nothing. Returns counts: added, updated, unchanged, and
        failed with a reason."""
        if body is None:
            if not url:
                raise ToolError("give title and body, or a url")
            add_urls = getattr(assistant, "add_urls", None)
            if add_urls is None:
                raise ToolError("adding by URL is not available yet; give title and body")
            return guarded(add_urls, [url]).to_dict()
        if len(body.encode("utf-8", "replace")) > assistant.settings.max_file_bytes:
            raise ToolError(f"the body is over {assistant.settings.max_file_mb:g} MB")
        record = {
            "title": title or "",
            "body": body,
            "source": source,
            "url": url,
            "published_at": published_at,
            "author": author,
            "category": category,
        }
        report = guarded(assistant.add_articles, [record])
        if report.failed and not (report.added or report.updated or report.unchanged):
            raise ToolError(f"the article was not added: {report.failed[0].reason}")
        return report.to_dict()

    @server.tool()
    def list_articles(
        source: Annotated[str | None, Field(description="only this outlet")] = None,
        limit: Annotated[int, Field(description=f"at most this many (1-{MAX_LIST})")] = 100,
    ) -> list[dict[str, Any]]:
        """Stored articles, newest first: id, title, source, url, published_at, author,
        category and their number of chunks."""
        if not 1 <= limit <= MAX_LIST:
            raise ToolError(f"limit must be between 1 and {MAX_LIST}")
        rows = guarded(assistant.articles)
        if source:
            rows = [r for r in rows if (r.get("source") or "").casefold() == source.casefold()]
        return [r.to_dict() for r in rows[:limit]]

    return server


def serve_stdio(assistant) -> None:
    """``newsqa mcp``: speak MCP on stdin/stdout until the host closes them."""
    mcp_server(assistant).run("stdio")


# -- over HTTP, inside the web app ---------------------------------------------------
class McpDoor:
    """Streamable HTTP at ``/mcp`` for the web app.

    The door itself is the ASGI app to route ``/mcp`` to (with the login in front of it
    when ``NEWSQA_AUTH`` is set): ``app.add_route(McpDoor.path, door)``; an object, not
    a function, so Starlette passes it every method. ``lifespan()`` must run for as long
    as the app serves (the SDK's session manager: it bounds the sessions and closes
    idle ones).
    """

    path = "/mcp"

    def __init__(self, assistant):
        self.settings = assistant.settings
        self.server = mcp_server(assistant)
        self.app = self.server.streamable_http_app(streamable_http_path=self.path, host=self.settings.host)

    def lifespan(self) -> contextlib.AbstractAsyncContextManager:
        return self.server.session_manager.run()

    async def __call__(self, scope, receive, send) -> None:
        from .openai import login_ok

        if scope["type"] == "http" and self.settings.auth:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
            if not login_ok(self.settings, headers.get("authorization", "")):
                body = json.dumps(
                    {"error": "login required: Authorization: Bearer <password>, or the basic login"}
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"www-authenticate", b'Bearer realm="newsqa"'),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
