"""Adding articles: load -> chunk -> embed -> store, idempotent at the article level.

Unchanged articles (same id, same version) cost one lookup and no embedding; changed
ones replace their chunks; new ones are embedded in large batches (the model is the
bottleneck, so everything else is kept out of its way) and committed batch by batch,
so an interrupted run keeps what it finished and a rerun does only the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .article import Article
from .chunking import Chunk, TokenCounter, chunk_body, token_counter
from .embedding import Embedder
from .loaders import Failure, Loaded, load_paths
from .settings import Settings
from .store import ArticleWrite, ChromaStore

Progress = Callable[[int, int], None]  # (chunks done, chunks total)

EMBED_GROUP = 1024  # chunks per encode call: the model sorts a call by length, so bigger calls pad less


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[Failure] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)
    chunks: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "unchanged": self.unchanged,
            "failed": [{"source": f.source, "reason": f.reason} for f in self.failed],
        }


class Indexer:
    """Owns the write path; the Assistant and the CLI hand it paths or articles."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._counter: TokenCounter | None = None

    @property
    def counter(self) -> TokenCounter:
        if self._counter is None:
            self._counter = token_counter(self.embedder.model_path)
        return self._counter

    def chunk(self, article: Article) -> list[Chunk]:
        """Chunks sized so that header + chunk fit the model window ([CLS] and [SEP] included)."""
        header_tokens = self.counter.count(article.header()) if article.header() else 0
        budget = self.settings.max_tokens - 2 - header_tokens
        budget = max(budget, self.settings.max_tokens // 2)  # absurdly long titles get truncated by the model instead
        return chunk_body(article.body, self.counter, budget, overlap_tokens=budget // 6)

    @staticmethod
    def embed_text(article: Article, chunk: Chunk) -> str:
        header = article.header()
        return f"{header}\n{chunk.text}" if header else chunk.text

    def add_paths(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        loaded = load_paths(paths, self.settings.max_file_bytes)
        return self.add_loaded(loaded, progress)

    def add_articles(self, articles: Sequence[Article], progress: Progress | None = None) -> IngestReport:
        return self.add_loaded(Loaded(articles=list(articles)), progress)

    def add_loaded(self, loaded: Loaded, progress: Progress | None = None) -> IngestReport:
        report = IngestReport(failed=list(loaded.failures))
        by_id: dict[str, Article] = {}
        for a in loaded.articles:
            if a.id in by_id:
                report.unchanged += 1  # the same article twice in one call counts once
            by_id[a.id] = a
        report.article_ids = list(by_id)
        stored = self.store.versions(list(by_id))
        todo: list[tuple[Article, list[Chunk], bool]] = []
        for aid, a in by_id.items():
            if stored.get(aid) == a.version:
                report.unchanged += 1
                continue
            try:
                chunks = self.chunk(a)
            except Exception as exc:  # a text the chunker cannot handle must not stop the rest
                report.failed.append(Failure(a.origin or a.title, f"cannot chunk: {exc}"))
                continue
            if not chunks:
                report.failed.append(Failure(a.origin or a.title, "no text to index"))
                continue
            todo.append((a, chunks, aid in stored))

        total = sum(len(c) for _, c, _ in todo)
        done = 0
        if progress:
            progress(0, total)
        group: list[tuple[Article, list[Chunk], bool]] = []
        size = 0
        for item in todo + [None]:  # type: ignore[list-item]
            if item is not None:
                group.append(item)
                size += len(item[1])
                if size < EMBED_GROUP:
                    continue
            if not group:
                break
            texts, spans = [], []
            for a, chunks, _ in group:
                shift = len(a.header()) + 1 if a.header() else 0  # the sentences sit after the header line
                for c in chunks:
                    texts.append(self.embed_text(a, c))
                    spans.append([(s + shift, e + shift) for s, e in c.sentences])
            vecs, sentence_vecs = self.embedder.embed_with_sentences(texts, spans)
            writes, offset = [], 0
            for a, chunks, _ in group:
                end = offset + len(chunks)
                writes.append(ArticleWrite(a, chunks, vecs[offset:end], sentence_vecs[offset:end]))
                offset = end
            self.store.write(writes)
            for _, _, existed in group:
                if existed:
                    report.updated += 1
                else:
                    report.added += 1
            report.chunks += size
            done += size
            if progress:
                progress(done, total)
            group, size = [], 0
        return report
