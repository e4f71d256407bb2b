"""newsqa as llama-index components (qa.engines), on the real store and model.

What is checked: the retriever's nodes point at the exact span of the article body and
carry the article's fields; filters and k hold; the query and chat engines give the
cited answer with the quotes as source nodes; the chat engine passes its history so a
follow-up is understood, and its stream adds up to the answer; llama-index's global
defaults are newsqa's own (not OpenAI's), unless the program set its own; and the
README's llama-index program runs as written.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re

import pytest
from llama_index.core import Settings as LlamaSettings
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.chat_engine.types import BaseChatEngine
from llama_index.core.llms import MockLLM
from llama_index.core.schema import NodeWithScore, TextNode

from index import Settings
from qa import Assistant, BadRequest
from qa.engines import (
    NewsEmbedding,
    history_pairs,
    node_passage,
    passage_node,
    shown_text,
)
from qa.schema import Answer
from tests.fake_llm import FakeLLM, Reply
from tests.helpers import CORPUS, ROOT, multihop_records

pytestmark = pytest.mark.integration

FRANCE = "What did France say about the withdrawal?"
KULEBA = "And what did Kuleba say?"


@pytest.fixture(scope="module")
def a(tmp_path_factory, embedder) -> Assistant:
    a = Assistant(Settings(home=tmp_path_factory.mktemp("engines")), embedder=embedder)
    assert a.add([CORPUS]).added == 1
    assert a.add_articles(multihop_records()).added == 3
    return a


@pytest.fixture
def fresh_llama_settings(monkeypatch):
    """llama-index's globals as a new program has them (unset: they would become OpenAI)."""
    monkeypatch.setattr(LlamaSettings, "_llm", None)
    monkeypatch.setattr(LlamaSettings, "_embed_model", None)


def check_node(a: Assistant, node: TextNode) -> dict:
    article = a.article(node.metadata["article_id"])
    assert article["body"][node.start_char_idx : node.end_char_idx] == node.text
    for key in ("title", "source", "url", "published_at", "author"):
        assert node.metadata[key] == (article.get(key) or ""), key
    return article


def test_retriever_gives_text_nodes_that_point_into_the_article(a, fresh_llama_settings):
    retriever = a.as_retriever(k=4)
    assert isinstance(retriever, BaseRetriever)
    hits = retriever.retrieve(FRANCE)
    assert len(hits) == 4 and all(isinstance(h, NodeWithScore) and isinstance(h.node, TextNode) for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for h in hits:
        check_node(a, h.node)
    assert "Gabriel Attal" in " ".join(h.node.text for h in hits[:2])
    # the same passages as Assistant.search, and a node converts back without loss
    passages = a.search(FRANCE, k=4)
    assert [h.node.text for h in hits] == [p.text for p in passages]
    assert [node_passage(passage_node(p), p.score) for p in passages] == passages


def test_retriever_honours_filters_and_checks_its_arguments(a):
    outlet = next(r["source"] for r in a.articles() if r["source"])
    hits = a.as_retriever(k=10, filters={"sources": [outlet]}).retrieve("Russia troops")
    assert hits and {h.node.metadata["source"] for h in hits} == {outlet}
    assert a.as_retriever(k=10, filters={"until": "2000-01-01"}).retrieve("Russia troops") == []
    with pytest.raises(BadRequest, match="k must be between 1 and 100"):
        a.as_retriever(k=0)
    with pytest.raises(BadRequest, match="unknown filter"):
        a.as_retriever(filters={"colour": "red"})
    with pytest.raises(BadRequest, match="the question is empty"):
        a.as_retriever().retrieve("   ")


def test_async_retrieval_gives_the_same_nodes(a):
    r = a.as_retriever(k=3)
    assert [h.node.node_id for h in asyncio.run(r.aretrieve(FRANCE))] == [h.node.node_id for h in r.retrieve(FRANCE)]


def test_llama_index_defaults_are_newsqa_own_not_openai(a, fresh_llama_settings, embedder):
    a.as_retriever()
    assert isinstance(LlamaSettings._llm, MockLLM)  # no LLM configured: one that writes nothing
    emb = LlamaSettings._embed_model
    assert isinstance(emb, NewsEmbedding)
    assert emb.get_query_embedding("Kuleba") == pytest.approx([float(x) for x in embedder.embed_query("Kuleba")])
    assert len(emb.get_text_embedding_batch(["one", "two"])) == 2


def test_a_program_s_own_llama_index_settings_are_kept(a, fresh_llama_settings):
    own = MockLLM(max_tokens=7)
    LlamaSettings.llm = own
    a.as_query_engine()
    assert LlamaSettings.llm is own


def test_configured_llm_becomes_llama_index_default(a, fresh_llama_settings, embedder):
    with FakeLLM() as fake:
        b = Assistant(
            Settings(
                **{**a.settings.model_dump(), "llm": "ollama", "llm_url": fake.ollama_url, "llm_model": "fake-model"}
            ),
            store=a.store,
            embedder=embedder,
        )
        b.as_chat_engine()
        assert type(LlamaSettings._llm).__name__ == "Ollama" and LlamaSettings._llm.model == "fake-model"


def test_query_engine_answers_with_the_quotes_as_source_nodes(a):
    response = a.as_query_engine().query(FRANCE)
    expected = a.ask(FRANCE)
    assert str(response) == expected.text and "[1]" in str(response)
    assert len(response.source_nodes) == len(expected.citations) >= 1
    for hit, c in zip(response.source_nodes, expected.citations):
        body = check_node(a, hit.node)["body"]
        assert hit.node.text == c.quote == body[c.start : c.end] and hit.node.metadata["n"] == c.n
    assert "Gabriel Attal" in response.source_nodes[0].node.text
    assert (
        response.metadata["refused"] is False
        and response.metadata["citations"][0]["quote"] == expected.citations[0].quote
    )


def test_query_engine_refusal_has_no_sources(a):
    response = asyncio.run(a.as_query_engine().aquery("What did Brazil say about the withdrawal?"))
    assert response.metadata["refused"] is True and response.source_nodes == [] and "Brazil" in str(response)


def test_chat_engine_passes_its_history_so_follow_ups_work(a):
    chat = a.as_chat_engine()
    assert isinstance(chat, BaseChatEngine)
    first = chat.chat(FRANCE)
    second = chat.chat(KULEBA)
    assert second.response == a.ask(KULEBA, history=[(FRANCE, first.response)]).text
    assert any("Kuleba" in n.node.text for n in second.source_nodes)
    # understood through the history: alone, the same words are not about the withdrawal
    understood = second.metadata["question"].lower()
    assert "kuleba" in understood and "withdrawal" in understood
    assert "withdrawal" not in a.ask(KULEBA).question.lower()
    assert [(m.role.value, m.content) for m in chat.chat_history] == [
        ("user", FRANCE),
        ("assistant", first.response),
        ("user", KULEBA),
        ("assistant", second.response),
    ]
    chat.reset()
    assert chat.chat_history == []


def test_chat_history_given_by_the_caller_is_used(a):
    first = a.ask(FRANCE)
    from llama_index.core.llms import ChatMessage

    history = [ChatMessage(role="user", content=FRANCE), ChatMessage(role="assistant", content=first.text)]
    reply = asyncio.run(a.as_chat_engine().achat(KULEBA, chat_history=history))
    assert reply.response == a.ask(KULEBA, history=[(FRANCE, first.text)]).text
    assert "kuleba" in reply.metadata["question"].lower() and "withdrawal" in reply.metadata["question"].lower()


def test_stream_chat_adds_up_to_the_answer_with_its_sources(a):
    chat = a.as_chat_engine()
    stream = chat.stream_chat(FRANCE)
    text = "".join(stream.response_gen)
    assert text == a.ask(FRANCE).text
    assert stream.source_nodes and stream.metadata["citations"][0]["quote"] == stream.source_nodes[0].node.text
    assert chat.chat_history[-1].content == text


def test_stream_chat_with_an_llm_streams_checked_sentences(a, embedder):
    first = "Russia annexed the Crimean peninsula in 2014 [1]."
    second = "Moscow deployed more than 100,000 troops near the borders with Ukraine [1]."
    with FakeLLM() as fake:
        b = Assistant(
            Settings(**{**a.settings.model_dump(), "llm": "openai", "llm_url": fake.url, "llm_model": "fake-model"}),
            store=a.store,
            embedder=embedder,
        )
        fake.script(Reply(f"{first} {second}"))
        stream = b.as_chat_engine().stream_chat("What has Russia done in Ukraine since 2014?")
        pieces = list(stream.response_gen)
    text = "".join(pieces)
    assert pieces[0] == first and len(pieces) == 2 and "100,000 troops" in pieces[1]
    assert [n.node.metadata["n"] for n in stream.source_nodes] == [int(n) for n in re.findall(r"\[(\d+)\]", text)]
    assert "Crimean" in stream.source_nodes[0].node.text


def test_shown_text_never_takes_back_what_was_sent():
    whole = Answer("A [1].", False)
    assert list(shown_text(iter([whole]))) == ["A [1].", whole]
    grown = Answer("A [1]. B [1].", False)
    assert list(shown_text(iter(["A [1].", grown]))) == ["A [1].", " B [1].", grown]
    fallback = Answer(
        "Extractive [1].", False, note="The LLM could not answer (timeout); this is the extractive answer."
    )
    out = list(shown_text(iter(["A [1].", fallback])))
    assert (
        "".join(out[:-1])
        == "A [1].\n\n(The LLM could not answer (timeout); this is the extractive answer.)\n\nExtractive [1]."
    )


def test_history_pairs_from_chat_turns():
    turns = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "q1"},
        {"role": "assistant", "content": "a1"},
        {"role": "user", "content": "q2"},
        {"role": "user", "content": "q3"},
    ]
    assert history_pairs(turns) == [("q1", "a1"), "q2", "q3"]


def test_readme_llama_index_program_runs_as_written(a, monkeypatch, fresh_llama_settings):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Use it from llama-index", 1)[1]
    program = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    assert "as_retriever(" in program and "RetrieverQueryEngine" in program
    monkeypatch.setattr(Assistant, "open", classmethod(lambda cls, *args, **kw: a))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(program, "README.md", "exec"), {"__name__": "__main__"})  # noqa: S102 - the README's own program
    lines = out.getvalue().splitlines()
    assert len(lines) == 10  # five hits, two lines each
    best = a.search(FRANCE, k=1)[0]
    assert lines[0].startswith(f"{best.score:.3f}  {best.article.title} ({best.article.published_at[:10]})")
    assert lines[0].endswith(f"chars {best.start}-{best.end}") and "Gabriel Attal" in best.text
    assert lines[1].strip() == best.text[:100].replace("\n", " ").strip()
