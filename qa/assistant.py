"""``qa.Assistant``: the public API every interface sits on."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from index import Article, ChromaStore, Indexer, IngestReport, Loaded, Settings, load_records, load_uploads
from index.embedding import Embedder

from .errors import BadRequest, NotFound
from .history import normalise_history
from .schema import Answer, ArticleInfo, ArticleText, Filters, Passage, Stats

History = Sequence[Any]  # questions, (question, answer) pairs or chat messages: see qa.history


class Assistant:
    """Adds articles and answers questions about them with cited passages.

    One instance per process; safe to share between threads: writes are serialised,
    and readers see a consistent lexical index (it is swapped whole when the store's
    generation changes, whoever wrote).
    """

    def __init__(self, settings: Settings, store: ChromaStore | None = None, embedder: Embedder | None = None):
        self.settings = settings
        self.store = store or ChromaStore(settings)
        self.embedder = embedder or Embedder(
            settings.model_path(), settings.embed_batch_size, settings.ingest_threads, settings.query_threads
        )
        self.indexer = Indexer(settings, self.store, self.embedder)
        self._write_lock = threading.Lock()
        self._retriever = None
        self._answerer = None
        self._watcher = None
        self._conversations = None

    @classmethod
    def open(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """Settings from the environment (``NEWSQA_*``), with keyword overrides."""
        if settings is None:
            settings = Settings.load(**overrides)
        elif overrides:
            settings = settings.model_copy(update=overrides)
        return cls(settings)

    # -- adding -----------------------------------------------------------------
    def add(self, paths: Iterable[str | Path], progress=None) -> IngestReport:
        """Files and folders (recursively): .txt .md .html .json .jsonl."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        with self._write_lock:
            return self.indexer.add_paths(paths, progress)

    def add_articles(self, records: Iterable[dict[str, Any] | Article], progress=None) -> IngestReport:
        """Article objects or dicts with the contract's fields (title, body, source,
        url, published_at, author, category)."""
        return self.add_loaded(load_records(records), progress)

    def add_uploads(self, files: Iterable[tuple[str, bytes]], progress=None) -> IngestReport:
        """Files received over the network, as (file name, content): parsed by the
        name's suffix, never looked up on this machine; each bad one is a failure."""
        return self.add_loaded(load_uploads(files, self.settings.max_file_bytes), progress)

    def add_urls(self, urls: Iterable[str], progress=None, allow_private: bool | None = None) -> IngestReport:
        """Fetch news pages and add their articles (keyed by canonical URL). Each URL
        that cannot be fetched or read is one line in ``failed``; the rest go in.
        Private and loopback addresses are refused unless ``allow_private`` (default:
        the ``NEWSQA_FETCH_ALLOW_PRIVATE`` setting)."""
        from index.fetch import fetch_articles

        if isinstance(urls, str):
            urls = [urls]
        loaded = fetch_articles(list(urls), self.settings, allow_private)  # no lock held while fetching
        with self._write_lock:
            return self.indexer.add_loaded(loaded, progress)

    def add_loaded(self, loaded: Loaded, progress=None) -> IngestReport:
        with self._write_lock:
            return self.indexer.add_loaded(loaded, progress)

    # -- conversations ------------------------------------------------------------
    @property
    def conversations(self):
        """Saved conversations, share links and feedback (qa.conversations): a SQLite file
        in this process's data directory (also with a Chroma server: per app)."""
        if self._conversations is None:
            from .conversations import ConversationStore

            self._conversations = ConversationStore.for_settings(self.settings)
        return self._conversations

    # -- feeds ------------------------------------------------------------------
    @property
    def watcher(self):
        """The feed watcher (index.feeds), adding through this Assistant's write path."""
        if self._watcher is None:
            from index.feeds import FeedState, Watcher

            self._watcher = Watcher(self.settings, self, FeedState.open(self.settings, self.store.client))
        return self._watcher

    def feeds(self) -> list[dict[str, Any]]:
        """Followed feeds: id, url, name, last_poll, last_error, new_articles, total_articles, ..."""
        return [f.public() for f in self.watcher.feeds()]

    def add_feed(self, url: str, name: str = "", allow_private: bool | None = None) -> dict[str, Any]:
        """Follow a feed; it is fetched once now, so a wrong URL is refused at once.
        Private addresses as in ``add_urls`` (and remembered for the feed's polls)."""
        from index.feeds import FeedError

        try:
            return self.watcher.add_feed(url, name, allow_private).public()
        except FeedError as exc:
            raise BadRequest(str(exc)) from None

    def remove_feed(self, ident: str) -> dict[str, Any]:
        """Stop following a feed (by id or URL); its articles stay."""
        from index.feeds import FeedError

        try:
            return self.watcher.remove_feed(ident).public()
        except FeedError as exc:
            raise NotFound(str(exc)) from None

    def poll_feeds(self, progress=None) -> list:
        """One round over the feeds (those backing off after failures wait): a PollReport each."""
        return self.watcher.poll(progress=progress)

    def watch(self, every_minutes: float | None = None, stop=None, progress=None) -> None:
        """Poll the feeds every ``every_minutes`` (default ``NEWSQA_WATCH_EVERY``) until ``stop`` is set."""
        self.watcher.run(every_minutes, stop, progress)

    def articles(self) -> list[ArticleInfo]:
        """Stored articles, newest first (a wire copy's ``folded_into`` names the story
        it was folded into)."""
        rows = self.store.list_articles()
        rows.sort(key=lambda r: (r.get("published_ts", 0), r.get("title", "")), reverse=True)
        return [ArticleInfo.from_record(r) for r in rows]

    def article(self, article_id: str) -> ArticleText:
        """One stored article with its body."""
        got = self.store.get_article(article_id)
        if got is None:
            raise NotFound(f"no article with id {article_id!r}")
        return ArticleText.from_record(got)

    def delete(self, article_id: str) -> None:
        with self._write_lock:
            if not self.indexer.delete(article_id):
                raise NotFound(f"no article with id {article_id!r}")

    def is_empty(self) -> bool:
        return self.store.count_chunks() == 0

    def stats(self) -> Stats:
        """What the store holds and who writes answers (the health check's figures)."""
        return Stats(articles=self.store.count_articles(), chunks=self.store.count_chunks(), answers=self.settings.llm)

    def sources(self) -> list[str]:
        """The outlet names in the store, for filter choices."""
        return self.retriever.sources()

    def warm_up(self) -> None:
        """Build (or load) the lexical index now rather than at the first question."""
        self.retriever.snapshot()

    def load_model(self) -> None:
        """Load the embedding model and its tokenizer now (e.g. in a thread while feeds
        are fetched) rather than at the first article or question."""
        _ = self.embedder.model
        _ = self.indexer.counter

    def with_settings(self, **overrides: Any) -> Assistant:
        """Another Assistant on the same store and loaded model, with some settings
        changed (e.g. another LLM): for comparisons and tests."""
        return Assistant(self.settings.model_copy(update=overrides), store=self.store, embedder=self.embedder)

    # -- asking -----------------------------------------------------------------
    @property
    def retriever(self):
        if self._retriever is None:
            from .retrieval import HybridRetriever

            self._retriever = HybridRetriever(self.settings, self.store, self.embedder)
        return self._retriever

    @property
    def answerer(self):
        """The extractive answerer, or the LLM writer (which falls back to it) when
        ``NEWSQA_LLM`` names one."""
        if self._answerer is None:
            from .llm import make_chat_model
            from .reader import Answerer, ReaderConfig

            extractive = Answerer(self.retriever, ReaderConfig(rerank_top=self.settings.rerank))
            model = make_chat_model(self.settings)
            if model is None:
                self._answerer = extractive
            else:
                from .generative import GenerativeAnswerer

                s = self.settings
                self._answerer = GenerativeAnswerer(extractive, model, s.llm_passages, s.llm_max_tokens)
        return self._answerer

    def check_llm(self) -> str | None:
        """Why the configured LLM cannot be used, in one line; None if it can (or none is set)."""
        from .llm import LLMError

        model = getattr(self.answerer, "model", None)
        if model is None:
            return None
        try:
            model.probe()
        except LLMError as exc:
            return str(exc)
        return None

    def check_question(self, question: str) -> str:
        if not isinstance(question, str):
            raise BadRequest("the question must be text")
        q = " ".join("".join(ch if ch.isprintable() else " " for ch in question).split())
        if not q:
            raise BadRequest("the question is empty")
        if len(q) > self.settings.max_question_chars:
            raise BadRequest(
                f"the question is {len(q):,} characters; the limit is {self.settings.max_question_chars:,}"
            )
        return q

    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None) -> list[Passage]:
        """The k best passages for a query, best first."""
        from .filters import parse_filters

        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 100:
            raise BadRequest("k must be between 1 and 100")
        return self.retriever.search(self.check_question(query), k, parse_filters(filters))

    def retrieve(self, query: str, k: int = 10, filters: Filters | None = None, config=None) -> list[Passage]:
        """The retrieval stage alone, the query taken as given and ``config`` (a
        ``qa.retrieval.RetrievalConfig``, e.g. one of its ``MODES``) choosing how: for
        evaluations that compare retrieval modes. Users' questions go through ``search``."""
        return self.retriever.search(query, k, filters, config)

    def ask(self, question: str, history: History | None = None, filters: Filters | dict | None = None) -> Answer:
        """A short answer whose every sentence is cited, or a refusal."""
        from .filters import parse_filters

        question = self.check_question(question)
        return self._echo(self.answerer.ask(question, self.check_history(history), parse_filters(filters)))

    def ask_stream(
        self,
        question: str,
        history: History | None = None,
        filters: Filters | dict | None = None,
    ) -> Iterator[str | Answer]:
        """The answer as it is written: checked pieces of text (only when an LLM writes
        it), then the ``Answer`` itself, always last. Bad input raises before the first item."""
        from .filters import parse_filters

        question = self.check_question(question)
        items = self.answerer.stream(question, self.check_history(history), parse_filters(filters))
        return (self._echo(item) if isinstance(item, Answer) else item for item in items)

    def check_history(self, history: History | None) -> list:
        """The history as turns, within NEWSQA_MAX_HISTORY_TURNS and NEWSQA_MAX_HISTORY_CHARS."""
        s = self.settings
        return normalise_history(history, s.max_history_turns, s.max_history_chars)

    def _echo(self, answer: Answer) -> Answer:
        """The question as understood, as echoed to the caller: the condensed question,
        cut to twice the question limit (a long chain of follow-ups carries its context)."""
        limit = 2 * self.settings.max_question_chars
        if len(answer.question) > limit:
            answer.question = answer.question[: limit - 1] + "…"
        return answer

    # -- llama-index components (qa.engines) ----------------------------------------
    def as_retriever(self, k: int = 10, filters: Filters | dict | None = None):
        """A llama-index ``BaseRetriever``: ``search`` as ``NodeWithScore`` of ``TextNode``s."""
        from .engines import NewsRetriever, install_defaults
        from .filters import parse_filters

        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 100:
            raise BadRequest("k must be between 1 and 100")
        install_defaults(self)
        return NewsRetriever(self, k, parse_filters(filters))

    def as_query_engine(self, filters: Filters | dict | None = None):
        """A llama-index query engine: ``ask`` as a ``Response`` with the quotes as ``source_nodes``."""
        from .engines import NewsQueryEngine, install_defaults
        from .filters import parse_filters

        install_defaults(self)
        return NewsQueryEngine(assistant=self, filters=parse_filters(filters))

    def as_chat_engine(self, filters: Filters | dict | None = None, chat_history=None):
        """A llama-index chat engine that keeps the conversation (follow-ups work)."""
        from .engines import NewsChatEngine, install_defaults
        from .filters import parse_filters

        install_defaults(self)
        return NewsChatEngine(self, parse_filters(filters), chat_history)
