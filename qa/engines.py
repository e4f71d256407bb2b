"""newsqa's parts as llama-index components, for programs that compose their own pipeline.

- ``NewsRetriever``: a ``BaseRetriever`` over the hybrid search; its ``NodeWithScore``
  hold ``TextNode``s whose ``start_char_idx`` / ``end_char_idx`` point into the article
  body and whose metadata are the article's fields.
- ``NewsQueryEngine``: a ``CustomQueryEngine`` whose ``Response`` is the cited answer,
  with one source node per citation holding the exact quote.
- ``NewsChatEngine``: a ``BaseChatEngine`` that keeps the conversation and passes it to
  ``Assistant.ask`` as history, so follow-ups work.
- ``NewsEmbedding``: the bundled embedding model as a ``BaseEmbedding``.

They are built from ``Assistant.search`` / ``ask`` / ``ask_stream``, so every check the
assistant makes (input limits, the citation check, refusals) holds here too. Creating
one sets llama-index's global ``Settings.llm`` / ``embed_model`` where the program has
not, because their defaults are OpenAI's hosted models (see ``qa.llm``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.response.schema import Response
from llama_index.core.chat_engine.types import (
    AgentChatResponse,
    BaseChatEngine,
    StreamingAgentChatResponse,
)
from llama_index.core.llms import ChatMessage, ChatResponse, MessageRole
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import (
    NodeRelationship,
    NodeWithScore,
    QueryBundle,
    RelatedNodeInfo,
    TextNode,
)

from .history import normalise_history
from .schema import Answer, ArticleRef, Citation, Filters, Passage

if TYPE_CHECKING:
    from .assistant import Assistant

ARTICLE_FIELDS = ("article_id", "title", "source", "url", "published_at", "author")
# what an LLM prompt or an embedding built from a node should not see
_HIDDEN = ["article_id", "url", "n"]


# -- records <-> nodes ----------------------------------------------------------------
def passage_node(p: Passage) -> TextNode:
    """A retrieved passage as a ``TextNode``: ``text == body[start_char_idx:end_char_idx]``."""
    return TextNode(
        id_=p.chunk_id or f"{p.article.id}:{p.start}-{p.end}",
        text=p.text,
        start_char_idx=p.start,
        end_char_idx=p.end,
        metadata=p.article.flat(),
        excluded_llm_metadata_keys=_HIDDEN,
        excluded_embed_metadata_keys=_HIDDEN,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=p.article.id)},
    )


def node_passage(node: TextNode, score: float | None = None) -> Passage:
    """The inverse of ``passage_node`` (lossless for what a ``Passage`` holds)."""
    m = node.metadata
    ref = ArticleRef.from_dict({**m, "id": m["article_id"]})
    return Passage(node.text, float(score or 0.0), int(node.start_char_idx), int(node.end_char_idx), ref, node.node_id)


def citation_node(c: Citation) -> NodeWithScore:
    """A citation as a source node: the exact quote (``body[start:end]``) that supports
    the answer's ``[n]``; its parent is the retrieved passage it lies in."""
    node = TextNode(
        id_=f"{c.passage.article.id}:{c.start}-{c.end}",
        text=c.quote,
        start_char_idx=c.start,
        end_char_idx=c.end,
        metadata={"n": c.n, **c.passage.article.flat()},
        excluded_llm_metadata_keys=_HIDDEN,
        excluded_embed_metadata_keys=_HIDDEN,
        relationships={
            NodeRelationship.SOURCE: RelatedNodeInfo(node_id=c.passage.article.id),
            NodeRelationship.PARENT: RelatedNodeInfo(node_id=passage_node(c.passage).node_id),
        },
    )
    return NodeWithScore(node=node, score=c.passage.score)


def answer_metadata(ans: Answer) -> dict[str, Any]:
    """The rest of the answer (refused, the question as understood, citations as the
    REST API gives them, a note), for ``response.metadata``."""
    out = ans.to_dict()
    out.pop("answer")
    return out


# -- the components -------------------------------------------------------------------
class NewsRetriever(BaseRetriever):
    """The k best passages for a query (``Assistant.search``), best first."""

    def __init__(self, assistant: Assistant, k: int = 10, filters: Filters | dict | None = None):
        super().__init__()
        self.assistant = assistant
        self.k = k
        self.filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self.assistant.search(query_bundle.query_str, k=self.k, filters=self.filters)
        return [NodeWithScore(node=passage_node(p), score=p.score) for p in passages]

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await asyncio.to_thread(self._retrieve, query_bundle)  # search is CPU work: off the event loop


class NewsQueryEngine(CustomQueryEngine):
    """A cited answer (``Assistant.ask``): ``str(response)`` is the text with its ``[n]``
    markers, ``source_nodes`` the quotes in marker order, ``metadata`` the rest."""

    assistant: Any
    filters: Any = None

    def custom_query(self, query_str: str) -> Response:
        ans = self.assistant.ask(query_str, filters=self.filters)
        return Response(ans.text, source_nodes=[citation_node(c) for c in ans.citations], metadata=answer_metadata(ans))

    async def acustom_query(self, query_str: str) -> Response:
        return await asyncio.to_thread(self.custom_query, query_str)


class NewsChatEngine(BaseChatEngine):
    """A conversation: each reply is a cited answer, and the earlier turns are passed to
    ``Assistant.ask`` as (question, answer) history so follow-ups are understood."""

    def __init__(
        self,
        assistant: Assistant,
        filters: Filters | dict | None = None,
        chat_history: Sequence[ChatMessage] | None = None,
    ):
        self.assistant = assistant
        self.filters = filters
        self._history: list[ChatMessage] = list(chat_history or [])

    @property
    def chat_history(self) -> list[ChatMessage]:
        return list(self._history)

    def reset(self) -> None:
        self._history = []

    def chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        if chat_history is not None:
            self._history = list(chat_history)
        ans = self.assistant.ask(message, history=history_pairs(self._history), filters=self.filters)
        self._remember(message, ans)
        return AgentChatResponse(
            response=ans.text, source_nodes=[citation_node(c) for c in ans.citations], metadata=answer_metadata(ans)
        )

    def stream_chat(self, message: str, chat_history: list[ChatMessage] | None = None) -> StreamingAgentChatResponse:
        """Checked text as an LLM writes it (the extractive answer arrives whole);
        ``source_nodes`` and ``metadata`` are filled when the stream ends."""
        if chat_history is not None:
            self._history = list(chat_history)
        items = self.assistant.ask_stream(message, history=history_pairs(self._history), filters=self.filters)
        response = StreamingAgentChatResponse(is_writing_to_memory=False)
        response.metadata = None  # as on AgentChatResponse, once the answer is complete
        response.chat_stream = self._deltas(message, items, response)
        return response

    def _deltas(self, message: str, items: Iterator, response: StreamingAgentChatResponse) -> Iterator[ChatResponse]:
        text = ""
        for piece in shown_text(items):
            if isinstance(piece, str):
                text += piece
                yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text), delta=piece)
            else:
                response.source_nodes.extend(citation_node(c) for c in piece.citations)
                response.metadata = answer_metadata(piece)
                self._remember(message, piece)

    async def achat(self, message: str, chat_history: list[ChatMessage] | None = None) -> AgentChatResponse:
        return await asyncio.to_thread(self.chat, message, chat_history)

    async def astream_chat(
        self, message: str, chat_history: list[ChatMessage] | None = None
    ) -> StreamingAgentChatResponse:
        """The answer whole, computed off the event loop, as a one-piece stream."""
        done = await self.achat(message, chat_history)

        async def once():
            yield ChatResponse(
                message=ChatMessage(role=MessageRole.ASSISTANT, content=done.response), delta=done.response
            )

        response = StreamingAgentChatResponse(
            achat_stream=once(), source_nodes=done.source_nodes, is_writing_to_memory=False
        )
        response.metadata = done.metadata
        return response

    def _remember(self, message: str, ans: Answer) -> None:
        self._history += [
            ChatMessage(role=MessageRole.USER, content=message),
            ChatMessage(role=MessageRole.ASSISTANT, content=ans.text),
        ]


class NewsEmbedding(BaseEmbedding):
    """The bundled sentence-transformers model (the one the store was built with)."""

    embedder: Any = None

    @classmethod
    def class_name(cls) -> str:
        return "NewsqaEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return [float(x) for x in self.embedder.embed_query(query)]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [[float(x) for x in row] for row in self.embedder.embed_documents(texts)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await asyncio.to_thread(self._get_query_embedding, query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return await asyncio.to_thread(self._get_text_embedding, text)


# -- helpers shared by the streaming doors --------------------------------------------
def history_pairs(messages: Sequence[ChatMessage | dict]) -> list[str | tuple[str, str]]:
    """Chat turns as ``Assistant.ask`` history: each user message with the assistant's
    reply that followed it, as (question, answer); a question left without a reply
    stays a plain string. System and tool messages are not questions. (The one rule
    for every door: qa.history.)"""
    return normalise_history(messages)


def shown_text(items: Iterator[str | Answer]) -> Iterator[str | Answer]:
    """``Assistant.ask_stream`` for a door that cannot take back what it sent: text
    pieces whose concatenation is the whole reply, then the ``Answer``.

    The extractive answer arrives whole (one piece). If an LLM failed mid-answer after
    some checked sentences were sent, the fallback answer follows them, after its note."""
    sent = ""
    for item in items:
        if isinstance(item, str):
            sent += item
            yield item
            continue
        if not sent:
            yield item.text
        elif item.text.startswith(sent):
            if item.text[len(sent) :]:
                yield item.text[len(sent) :]
        else:
            yield f"\n\n({item.note or 'The answer was rewritten.'})\n\n{item.text}"
        yield item


def install_defaults(assistant: Assistant) -> None:
    """llama-index's global LLM and embedding model: newsqa's own (see ``qa.llm``)."""
    from .llm import LLMError, set_llama_index_defaults

    llm = None
    model = getattr(assistant.answerer, "model", None)
    if model is not None:
        try:
            llm = model.llm(assistant.settings.llm_max_tokens)
        except LLMError:
            llm = None
    set_llama_index_defaults(llm, NewsEmbedding(embedder=assistant.embedder))
