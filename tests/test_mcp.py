"""The MCP server, driven by the ``mcp`` SDK's own client: over stdio against a real
``newsqa mcp`` subprocess, and over streamable HTTP against the real app's /mcp.

What is checked: the four tools are listed with their parameters; each call returns the
REST API's JSON (a cited answer with exact quotes, passages with offsets, an ingest
report, the article list); a bad argument (wrong type, empty question, bad date, a url
while adding by URL is not available) is a tool error with a one-line message and the
server keeps answering; and /mcp is behind the login when NEWSQA_AUTH is set.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from index import Settings
from qa import Assistant
from tests.helpers import CORPUS, ROOT, multihop_records, serve_app

pytestmark = pytest.mark.integration

FRANCE = "What did France say about the withdrawal?"
TOOLS = {"search_news", "ask_news", "add_article", "list_articles"}


def corpus_article() -> dict:
    """The bundled article as add_article's arguments (title and body, with its fields)."""
    text = (CORPUS / "nato-russia-withdrawal.txt").read_text("utf-8")
    meta = json.loads((CORPUS / "nato-russia-withdrawal.meta.json").read_text("utf-8"))
    return {"title": meta["title"], "body": text, "author": meta["author"], "published_at": meta["published_at"]}


def result(call) -> object:
    """A successful tool call's JSON: the structured content (a list comes wrapped in
    ``result``), which is also the text content (a list: one text block per item)."""
    assert not call.is_error, call.content[0].text
    data = call.structured_content
    if isinstance(data, dict) and set(data) == {"result"}:
        data = data["result"]
        assert [json.loads(c.text) for c in call.content] == data
    else:
        assert json.loads(call.content[0].text) == data
    return data


def tool_error(call) -> str:
    """A failed call's one-line message (after the SDK's "Error executing tool X: ")."""
    assert call.is_error
    text = call.content[0].text
    assert "\n" not in text.strip() or "validation error" in text
    return re.sub(r"^Error executing tool \w+: ", "", text)


async def exercise(client: Client, check_body) -> dict:
    """List the tools and call each, including bad calls; returns what came back."""
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == TOOLS
    assert set(tools["search_news"].input_schema["properties"]) == {"query", "k", "sources", "since", "until"}
    assert {"question", "history"} <= set(tools["ask_news"].input_schema["properties"])
    assert {"url", "title", "body"} <= set(tools["add_article"].input_schema["properties"])

    out = {}
    out["added"] = result(await client.call_tool("add_article", corpus_article()))
    out["again"] = result(await client.call_tool("add_article", corpus_article()))
    articles = result(await client.call_tool("list_articles", {}))
    assert any(a["title"] == corpus_article()["title"] for a in articles)
    assert result(await client.call_tool("list_articles", {"limit": 1})) == articles[:1]
    hits = result(await client.call_tool("search_news", {"query": "Gabriel Attal France", "k": 3}))
    assert 1 <= len(hits) <= 3 and {"text", "score", "start", "end", "article"} <= set(hits[0])
    check_body(hits[0]["article"]["id"], hits[0]["start"], hits[0]["end"], hits[0]["text"])
    answer = result(await client.call_tool("ask_news", {"question": FRANCE}))
    assert answer["refused"] is False and "[1]" in answer["answer"] and answer["citations"]
    for c in answer["citations"]:
        check_body(c["article_id"], c["start"], c["end"], c["quote"])
    assert any("Gabriel Attal" in c["quote"] for c in answer["citations"])
    follow = result(
        await client.call_tool(
            "ask_news", {"question": "And what did Stoltenberg say?", "history": [[FRANCE, answer["answer"]]]}
        )
    )
    assert any("Stoltenberg" in c["quote"] for c in follow["citations"])
    assert result(await client.call_tool("ask_news", {"question": "What did Brazil say about the withdrawal?"}))[
        "refused"
    ]

    # bad arguments: a tool error each, and the server keeps answering
    assert "k" in tool_error(await client.call_tool("search_news", {"query": "x", "k": "many"}))
    assert (
        tool_error(await client.call_tool("search_news", {"query": "troops", "k": 500}))
        == "k must be between 1 and 100"
    )
    assert tool_error(await client.call_tool("ask_news", {"question": "   "})) == "the question is empty"
    assert "since must be a date" in tool_error(
        await client.call_tool("ask_news", {"question": FRANCE, "since": "soon"})
    )
    if not hasattr(Assistant, "add_urls"):  # fetching pages is the feeds helper's (index/fetch.py)
        assert (
            tool_error(await client.call_tool("add_article", {"url": "https://example.com/news/1"}))
            == "adding by URL is not available yet; give title and body"
        )
    assert tool_error(await client.call_tool("add_article", {})) == "give title and body, or a url"
    assert "no 'body' text" in tool_error(await client.call_tool("add_article", {"title": "Empty", "body": "  "}))
    assert "limit must be between" in tool_error(await client.call_tool("list_articles", {"limit": 0}))
    assert "question" in tool_error(await client.call_tool("ask_news", {}))
    assert result(await client.call_tool("search_news", {"query": "Stoltenberg", "k": 1}))  # still up
    return out


@pytest.fixture(scope="module")
def news(tmp_path_factory, embedder) -> Assistant:
    a = Assistant(Settings(home=tmp_path_factory.mktemp("mcp")), embedder=embedder)
    assert a.add_articles(multihop_records()).added == 3  # the bundled article is added through the tool
    return a


def body_checker(a: Assistant):
    def check(article_id: str, start: int, end: int, text: str) -> None:
        assert a.article(article_id)["body"][start:end] == text

    return check


def test_stdio_server_in_a_subprocess(tmp_path):
    """``newsqa mcp`` as an MCP host runs it: a subprocess speaking on stdin/stdout."""
    home = tmp_path / "home"
    env = {**os.environ, "NEWSQA_HOME": str(home), "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "qa.cli", "mcp"], env=env, cwd=str(tmp_path))

    async def run():
        async with Client(params, read_timeout_seconds=300) as client:
            return await exercise(client, check_body)

    def check_body(article_id, start, end, text):  # the subprocess owns the store: read its files afterwards
        seen.append((article_id, start, end, text))

    seen: list = []
    out = asyncio.run(run())
    assert out["added"] == {"added": 1, "updated": 0, "unchanged": 0, "folded": 0, "failed": []}
    assert out["again"] == {"added": 0, "updated": 0, "unchanged": 1, "folded": 0, "failed": []}
    stored = Assistant(Settings(home=home))
    for article_id, start, end, text in seen:
        assert stored.article(article_id)["body"][start:end] == text


def test_streamable_http_in_the_app(news):
    with serve_app(news) as url:

        async def run():
            async with Client(f"{url}/mcp", read_timeout_seconds=120) as client:
                return await exercise(client, body_checker(news))

        out = asyncio.run(run())
    assert out["added"]["added"] == 1 and out["again"]["unchanged"] == 1


def test_http_mcp_is_behind_the_login(news, embedder):
    import httpx
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    guarded = Assistant(
        Settings(**{**news.settings.model_dump(), "auth": "reader:s3cret"}), store=news.store, embedder=embedder
    )
    with serve_app(guarded) as url:
        r = httpx.post(f"{url}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=10)
        assert r.status_code == 401 and "login required" in r.json()["error"]
        assert httpx.post(f"{url}/mcp", json={}, auth=("reader", "wrong"), timeout=10).status_code == 401

        async def tools(headers: dict) -> set[str]:
            http = httpx2.AsyncClient(headers=headers, timeout=60)
            async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
                return {t.name for t in (await client.list_tools()).tools}

        assert asyncio.run(tools({"Authorization": "Bearer s3cret"})) == TOOLS
        basic = "Basic " + base64.b64encode(b"reader:s3cret").decode()
        assert asyncio.run(tools({"Authorization": basic})) == TOOLS


def test_instructions_name_every_tool():
    from qa.web.mcp import INSTRUCTIONS

    assert all(name in INSTRUCTIONS for name in TOOLS)
