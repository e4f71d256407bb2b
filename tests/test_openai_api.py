"""The OpenAI-compatible door (/v1) of the real app, driven by the official ``openai``
client over real HTTP on loopback.

What is checked: the model list; a cited answer with its Sources list and structured
citations, streamed (OpenAI's chunks, ending with ``data: [DONE]``) and not; a
follow-up whose history is the earlier turns (our Sources list stripped); errors in
OpenAI's error object (bad question, unknown model, bad JSON, a body too large, a
conversation that does not end with the user); the login (bearer password or basic);
and that an LLM's checked sentences stream out while the model is still writing,
without blocking the server.
"""

from __future__ import annotations

import contextlib

import httpx
import openai
import pytest

from index import Settings
from qa import Assistant
from qa.web.openai import reply_content
from tests.fake_llm import FakeLLM, Reply
from tests.helpers import CORPUS, multihop_records, serve_app

pytestmark = pytest.mark.integration

FRANCE = "What did France say about the withdrawal?"
KULEBA = "And what did Kuleba say?"
ATTAL = "French government spokesman Gabriel Attal said"


@contextlib.contextmanager
def serve(assistant: Assistant):
    """The real app (create_app: REST, /v1, /mcp, the UI) on a loopback port; yields its /v1 URL."""
    with serve_app(assistant) as url:
        yield f"{url}/v1"


@pytest.fixture(scope="module")
def news(tmp_path_factory, embedder) -> Assistant:
    a = Assistant(Settings(home=tmp_path_factory.mktemp("v1")), embedder=embedder)
    assert a.add([CORPUS]).added == 1
    assert a.add_articles(multihop_records()).added == 3
    return a


@pytest.fixture(scope="module")
def v1(news):
    with serve(news) as url:
        yield url


@pytest.fixture(scope="module")
def client(v1) -> openai.OpenAI:
    return openai.OpenAI(base_url=v1, api_key="anything", max_retries=0, timeout=120)


def variant(news: Assistant, embedder, **settings) -> Assistant:
    return Assistant(Settings(**{**news.settings.model_dump(), **settings}), store=news.store, embedder=embedder)


def test_models_lists_newsqa(client):
    assert [m.id for m in client.models.list()] == ["newsqa"]
    assert client.models.retrieve("newsqa").owned_by == "newsqa"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_completion_is_the_cited_answer_with_sources(client, news):
    done = client.chat.completions.create(
        model="newsqa",
        messages=[{"role": "user", "content": FRANCE}],
        temperature=0.7,
        max_tokens=5,
        top_p=0.5,
        n=1,
        user="someone",
    )
    expected = news.ask(FRANCE)
    message = done.choices[0].message
    assert done.object == "chat.completion" and done.model == "newsqa" and done.choices[0].finish_reason == "stop"
    assert message.content == reply_content(expected)
    assert message.content.startswith(expected.text + "\n\n**Sources**\n\n- \\[1\\] ")
    assert ATTAL in message.content  # the quote is in the list
    assert message.citations == expected.to_dict()["citations"] and message.refused is False
    first = message.citations[0]
    body = news.article(first["article_id"])["body"]
    assert body[first["start"] : first["end"]] == first["quote"]


def test_stream_sends_openai_chunks_ending_with_done(client, v1, news):
    chunks = list(
        client.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": FRANCE}], stream=True)
    )
    assert all(c.object == "chat.completion.chunk" and c.model == "newsqa" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    expected = news.ask(FRANCE)
    assert text == reply_content(expected)
    last = chunks[-1].choices[0]
    assert last.finish_reason == "stop" and last.delta.citations == expected.to_dict()["citations"]
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    raw = httpx.post(
        f"{v1}/chat/completions",
        timeout=60,
        json={"model": "newsqa", "stream": True, "messages": [{"role": "user", "content": FRANCE}]},
    )
    assert raw.headers["content-type"].startswith("text/event-stream")
    events = [e for e in raw.text.split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events) and events[-1] == "data: [DONE]"


def test_follow_up_uses_the_earlier_turns(client, news):
    first = client.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": FRANCE}])
    reply = first.choices[0].message.content
    assert "**Sources**" in reply
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": FRANCE},
        {"role": "assistant", "content": reply},
        {"role": "user", "content": [{"type": "text", "text": KULEBA}]},
    ]
    second = client.chat.completions.create(model="newsqa", messages=messages).choices[0].message
    expected = news.ask(KULEBA, history=[(FRANCE, news.ask(FRANCE).text)])  # our Sources list is not history
    assert "withdrawal" in expected.question.lower() and "withdrawal" not in news.ask(KULEBA).question.lower()
    assert second.content == reply_content(expected)
    assert any("Kuleba" in c["quote"] for c in second.citations)


def test_refusal_has_no_sources(client):
    m = (
        client.chat.completions.create(
            model="newsqa", messages=[{"role": "user", "content": "What did Brazil say about the withdrawal?"}]
        )
        .choices[0]
        .message
    )
    assert m.refused is True and m.citations == [] and "**Sources**" not in m.content and "Brazil" in m.content


@pytest.mark.parametrize("stream", [False, True])
def test_bad_question_gets_an_openai_error(client, stream):
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="newsqa", messages=[{"role": "user", "content": "   "}], stream=stream)
    assert err.value.status_code == 400 and err.value.body["message"] == "the question is empty"
    with pytest.raises(openai.BadRequestError, match="the question is 5,000 characters; the limit is 2,000"):
        client.chat.completions.create(
            model="newsqa", messages=[{"role": "user", "content": "x" * 5000}], stream=stream
        )


def test_request_errors_are_openai_error_objects(client, v1):
    with pytest.raises(openai.NotFoundError) as err:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": FRANCE}])
    assert err.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError, match="the last message must be the user's question"):
        client.chat.completions.create(
            model="newsqa", messages=[{"role": "user", "content": FRANCE}, {"role": "assistant", "content": "ok"}]
        )
    for body, status, message in [
        (b"{not json", 400, "the request body is not valid JSON"),
        (b"[1, 2]", 400, "the request body must be a JSON object with model and messages"),
        (b'{"model": "newsqa", "messages": []}', 400, "messages: List should have at least 1 item"),
        (b'{"messages": [{"role": "user", "content": "hi"}]}', 400, "model: Field required"),
        (b'{"model": "newsqa", "messages": "hi"}', 400, "messages: Input should be a valid list"),
        (b" " * 1_000_001, 413, "the request body is over 1,000,000 bytes"),
    ]:
        r = httpx.post(f"{v1}/chat/completions", content=body, headers={"content-type": "application/json"}, timeout=30)
        assert r.status_code == status, (body[:40], r.text)
        error = r.json()["error"]
        assert error["message"].startswith(message) and set(error) == {"message", "type", "param", "code"}
    assert httpx.get(f"{v1}/models", timeout=10).status_code == 200  # and the server is still up


def test_login_takes_the_password_as_bearer_or_basic(news, embedder):
    guarded = variant(news, embedder, auth="reader:s3cret")
    with serve(guarded) as url:
        ask = {"model": "newsqa", "messages": [{"role": "user", "content": FRANCE}]}
        for key in ("wrong", "reader:s3cret"):
            with pytest.raises(openai.AuthenticationError) as err:
                openai.OpenAI(base_url=url, api_key=key, max_retries=0).chat.completions.create(**ask)
            assert err.value.code == "invalid_api_key"
        with pytest.raises(openai.AuthenticationError):
            openai.OpenAI(base_url=url, api_key="wrong", max_retries=0).models.list()
        good = openai.OpenAI(base_url=url, api_key="s3cret", max_retries=0, timeout=120)
        assert [m.id for m in good.models.list()] == ["newsqa"]
        assert good.chat.completions.create(**ask).choices[0].message.citations
        assert httpx.get(f"{url}/models", auth=("reader", "s3cret"), timeout=10).status_code == 200
        assert httpx.get(f"{url}/models", auth=("reader", "nope"), timeout=10).status_code == 401
        r = httpx.get(f"{url}/models", timeout=10)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"


def test_llm_sentences_stream_while_the_model_writes_and_the_server_stays_free(news, embedder):
    first = "Russia annexed the Crimean peninsula in 2014 [1]."
    with FakeLLM() as fake:
        writer = variant(news, embedder, llm="openai", llm_url=fake.url, llm_model="fake-model")
        reply = Reply(
            f"{first} Moscow deployed more than 100,000 troops near the borders with Ukraine [1].",
            pause_after=len(first.split()) + 1,
        )
        fake.script(reply)
        with serve(writer) as url:
            client = openai.OpenAI(base_url=url, api_key="x", max_retries=0, timeout=60)
            stream = client.chat.completions.create(
                model="newsqa",
                stream=True,
                messages=[{"role": "user", "content": "What has Russia done in Ukraine since 2014?"}],
            )
            pieces = iter(stream)
            assert next(pieces).choices[0].delta.role == "assistant"
            assert next(pieces).choices[0].delta.content == first
            assert not reply.gate.is_set()  # the model is held mid-answer...
            assert httpx.get(f"{url}/models", timeout=10).status_code == 200  # ...and the server still answers
            reply.gate.set()
            rest = [c.choices[0].delta for c in pieces]
    text = first + "".join(d.content or "" for d in rest)
    assert "100,000" in text and "**Sources**" in text and rest[-1].citations
