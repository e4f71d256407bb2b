"""Adding articles: load -> chunk -> embed -> store, idempotent at the article level.

Unchanged articles (same id, same version) cost one lookup and no embedding; changed
ones replace their chunks; new ones are embedded in large batches (the model is the
bottleneck, so everything else is kept out of its way) and committed batch by batch,
so an interrupted run keeps what it finished and a rerun does only the rest.

Wire copies (index.dedup) are folded before anything is embedded: an article that is a
near-copy of a story from another outlet is recorded as one more carrier of that story
and costs no embedding.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .article import Article, parse_date
from .chunking import Chunk, TokenCounter, chunk_body, token_counter
from .dedup import BatchIndex, Match, Signature, best_stored, lsh_params, signature
from .embedding import Embedder
from .loaders import Failure, Loaded, load_paths
from .settings import Settings
from .store import ArticleWrite, ChromaStore, carrier_ref, source_key

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
    folded: int = 0  # wire copies: recorded as one more outlet carrying a story, not embedded again

    def merge(self, other: IngestReport) -> IngestReport:
        """The two reports of one user action (e.g. files and URLs) as one."""
        return IngestReport(
            self.added + other.added,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.failed + other.failed,
            self.article_ids + other.article_ids,
            self.chunks + other.chunks,
            self.folded + other.folded,
        )

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        """The public form (CLI ``--json``, REST). ``article_ids`` and ``chunks`` stay in
        the process: a report of a large ingestion would otherwise list every id."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "folded": self.folded,
            "failed": [{"source": f.source, "reason": f.reason} for f in self.failed],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IngestReport:
        """The inverse of ``to_dict`` (a report received from a running app)."""
        return cls(
            int(d["added"]),
            int(d["updated"]),
            int(d["unchanged"]),
            [Failure(f["source"], f["reason"]) for f in d.get("failed", [])],
            folded=int(d.get("folded", 0)),
        )


def embed_groups(
    todo: Sequence[tuple[Article, list[Chunk], bool]], group_chunks: int
) -> Iterator[list[tuple[Article, list[Chunk], bool]]]:
    """Consecutive articles in groups of at least ``group_chunks`` chunks (the last
    group may be smaller): each group is embedded in one call and committed at once."""
    group: list[tuple[Article, list[Chunk], bool]] = []
    size = 0
    for item in todo:
        group.append(item)
        size += len(item[1])
        if size >= group_chunks:
            yield group
            group, size = [], 0
    if group:
        yield group


@dataclass
class FoldPlan:
    """Which articles of a batch become stories (chunked and embedded) and which are
    carriers of a story (stored or in the batch) and cost no embedding."""

    stories: list[Article] = field(default_factory=list)
    signatures: dict[str, Signature] = field(default_factory=dict)
    carriers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # stored carriers an updated story keeps
    stored_folds: list[tuple[Article, str]] = field(default_factory=list)
    batch_folds: dict[str, list[Article]] = field(default_factory=dict)
    unfolded: list[tuple[str, str]] = field(default_factory=list)  # (story, carrier) no longer a copy there


class Indexer:
    """Owns the write path; the Assistant and the CLI hand it paths or articles."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder):
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._counter: TokenCounter | None = None
        self._lsh: tuple[int, int] | None = None

    @property
    def lsh_params(self) -> tuple[int, int]:
        if self._lsh is None:
            self._lsh = lsh_params()
        return self._lsh

    def plan_folds(self, articles: Sequence[Article], stored_ids: set[str]) -> FoldPlan:
        """Find wire copies among new (and changed, formerly folded) articles: each is
        folded into the most similar story, stored or earlier in the batch, whose
        outlets do not include its own; the rest become stories. A stored story that
        changed stays a story and keeps its carriers."""
        plan = FoldPlan()
        records = self.store.records([a.id for a in articles if a.id in stored_ids])
        candidates: list[Article] = []
        for a in articles:
            rec = records.get(a.id)
            if rec is not None and not rec.get("folded_into"):
                plan.stories.append(a)
                plan.carriers[a.id] = json.loads(rec.get("carriers") or "[]")
                sig = signature(a.body)
                if sig is not None:
                    plan.signatures[a.id] = sig
            else:
                candidates.append(a)
        sigs = {a.id: signature(a.body) for a in candidates}
        b, r = self.lsh_params
        near = self.store.stories_sharing_bands([s.bands(b, r) for s in sigs.values() if s is not None])
        stored_sigs = {sid: Signature.decode(m["minhash"]) for sid, m in near.items() if m.get("minhash")}
        batch = BatchIndex()
        batch_keys: dict[str, set[str]] = {}
        for a in candidates:
            sig = sigs[a.id]
            was = (records.get(a.id) or {}).get("folded_into") or ""
            key = source_key(a.source)
            match = None
            if sig is not None:

                def allowed(sid: str, a: Article = a, key: str = key) -> bool:
                    if sid == a.id:
                        return False
                    if sid in near:
                        m = near[sid]
                        others = json.loads(m.get("carriers") or "[]")
                        keys = {source_key(m.get("source", ""))} | {
                            source_key(c.get("source", "")) for c in others if c.get("id") != a.id
                        }
                    else:
                        keys = batch_keys.get(sid, set())
                    return not key or key not in keys

                options = [best_stored(sig, {k: v for k, v in stored_sigs.items() if allowed(k)})]
                found = [(batch.sigs[k].jaccard(sig), k) for k in batch.lsh.query(sig.minhash()) if allowed(k)]
                found = [(j, k) for j, k in found if j >= batch.threshold]
                if found:
                    j, k = max(found)
                    options.append(Match(k, j))
                options = [o for o in options if o is not None]
                match = max(options, key=lambda o: o.similarity) if options else None
            if was and (match is None or match.story_id != was):
                plan.unfolded.append((was, a.id))
            if match is None:
                plan.stories.append(a)
                if sig is not None:
                    plan.signatures[a.id] = sig
                    batch.add(a.id, sig)
                    batch_keys[a.id] = {key}
            elif match.story_id in near:
                plan.stored_folds.append((a, match.story_id))
            else:
                plan.batch_folds.setdefault(match.story_id, []).append(a)
                batch_keys[match.story_id].add(key)
        return plan

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
        changed = [a for aid, a in by_id.items() if stored.get(aid) != a.version]
        report.unchanged += len(by_id) - len(changed)
        plan = self.plan_folds(changed, set(stored))

        todo: list[tuple[Article, list[Chunk], bool]] = []
        for a in plan.stories:
            try:
                chunks = self.chunk(a)
            except Exception as exc:  # a text the chunker cannot handle must not stop the rest
                chunks, reason = [], f"cannot chunk: {exc}"
            else:
                reason = "no text to index"
            if not chunks:
                report.failed.append(Failure(a.origin or a.title, reason))
                for c in plan.batch_folds.pop(a.id, []):  # its copies cannot be stored without it
                    report.failed.append(Failure(c.origin or c.title, reason))
                continue
            todo.append((a, chunks, a.id in stored))

        total = sum(len(c) for _, c, _ in todo)
        done = 0
        if progress:
            progress(0, total)
        for group in embed_groups(todo, EMBED_GROUP):
            size = sum(len(chunks) for _, chunks, _ in group)
            vecs, sentence_vecs = self.embed([(a, chunks) for a, chunks, _ in group])
            writes, offset = [], 0
            for a, chunks, _ in group:
                end = offset + len(chunks)
                sig = plan.signatures.get(a.id)
                carriers = plan.carriers.get(a.id, []) + [carrier_ref(c) for c in plan.batch_folds.get(a.id, [])]
                writes.append(
                    ArticleWrite(
                        a,
                        chunks,
                        vecs[offset:end],
                        sentence_vecs[offset:end],
                        signature=sig.encode() if sig else "",
                        bands=sig.bands(*self.lsh_params) if sig else [],
                        carriers=carriers,
                    )
                )
                offset = end
            self.store.write(writes)  # one commit per group: an interrupted run keeps what it finished
            for _, _, existed in group:
                if existed:
                    report.updated += 1
                else:
                    report.added += 1
            report.chunks += size
            done += size
            if progress:
                progress(done, total)

        for story_id, old_id in plan.unfolded:
            self.store.remove_carrier(story_id, old_id)
        folds = plan.stored_folds + [(c, sid) for sid, cs in plan.batch_folds.items() for c in cs]
        self.store.write_folded(folds)
        report.folded += len(folds)
        return report

    def embed(self, items: Sequence[tuple[Article, list[Chunk]]]):
        """Chunk vectors and, per chunk, its sentences' vectors, in one encode call."""
        texts, spans = [], []
        for a, chunks in items:
            shift = len(a.header()) + 1 if a.header() else 0  # the sentences sit after the header line
            for c in chunks:
                texts.append(self.embed_text(a, c))
                spans.append([(s + shift, e + shift) for s, e in c.sentences])
        return self.embedder.embed_with_sentences(texts, spans)

    def delete(self, article_id: str) -> bool:
        """Remove an article. A carrier of a wire story leaves the story's list; a
        story other outlets also carry passes to the next carrier, whose own text is
        indexed in its place (new chunks first, then the old story removed, so a crash
        leaves at worst the story twice, never lost). False when not stored."""
        rec = self.store.records([article_id]).get(article_id)
        if rec is None:
            self.store.delete(article_id)  # stray chunks of a half-written article, if any
            return False
        story = rec.get("folded_into") or ""
        if story:
            self.store.remove_carrier(story, article_id)
            self.store.delete_record(article_id)
            return True
        carriers = json.loads(rec.get("carriers") or "[]")
        while carriers:
            heir = self.store.get_article(carriers[0]["id"])
            if heir is None:  # listed but never committed (a crash mid-fold): skip it
                carriers = carriers[1:]
                continue
            article = Article(
                title=heir.get("title", ""),
                body=heir["body"],
                source=heir.get("source", ""),
                url=heir.get("url") or None,
                published_at=parse_date(heir.get("published_at")),
                author=heir.get("author", ""),
                category=heir.get("category", ""),
                origin=heir.get("origin", ""),
            )
            rest = carriers[1:]
            chunks = self.chunk(article)
            vecs, sentence_vecs = self.embed([(article, chunks)])
            sig = signature(article.body)
            self.store.write(
                [
                    ArticleWrite(
                        article,
                        chunks,
                        vecs,
                        sentence_vecs,
                        signature=sig.encode() if sig else "",
                        bands=sig.bands(*self.lsh_params) if sig else [],
                        carriers=rest,
                    )
                ]
            )
            self.store.set_folded_into([c["id"] for c in rest], article.id)
            break
        return self.store.delete(article_id)
