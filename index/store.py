"""The Chroma store: one collection of chunks, one of articles.

Chroma is the only durable state, so embedded mode and server mode behave the same and
several processes can share one server. The article record is the commit marker: an
article's chunks are written first (ids derived from the article id, its version and
the chunk number, so a rerun overwrites rather than duplicates), then its record, then
the chunks of older versions are deleted. Readers only trust chunks whose version
matches a committed article record, so a crash at any point leaves nothing visible
that is half-written, and the next ingestion of the same input completes it.

A generation token in the articles collection's metadata changes on every write; other
processes compare it to refresh derived state (the lexical index). Each write also adds
one entry to a change log (a third collection): the new generation, the time, and the
ids of the articles whose record or chunks it changed, so that a process can update
its derived state by reading only those (``changes_since``) instead of every record.
Entries older than a day are pruned; a process that has not looked for that long
compares every record instead.

Wire copies (index.dedup): a story carried by several outlets has one set of chunks,
under the article that came first (the story). Every other carrier is an article record
of its own (its id, version, outlet, URL, date, title and body, so re-adding it is
"unchanged" and it can be deleted), with ``folded_into`` naming the story and no
chunks. The story's record lists the other carriers in ``carriers`` (JSON), and both
the story's record and each of its chunks hold ``source_keys``, the outlet keys of all
carriers, so an outlet filter finds the story through any of them.
"""

from __future__ import annotations

import functools
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import vectors
from .article import Article
from .chunking import Chunk
from .dedup import band_field
from .errors import StoreError
from .records import ChunkMeta, format_spans
from .settings import Settings

MAX_BATCH = 5000  # Chroma takes at most 5,461 records per call
GENERATION = "newsqa:generation"
LOG_KEEP_S = 86400.0  # change-log entries older than this are pruned
LOG_MAX_IDS = 5000  # a write changing more articles logs "everything" (readers compare all records)
PRUNED = "newsqa:pruned_before"


def _store_failures() -> tuple[type[BaseException], ...]:
    """What Chroma raises when the store itself fails mid-run: its own errors, the HTTP
    client's (server mode) and the operating system's (disk, sockets)."""
    import httpx
    from chromadb.errors import ChromaError

    return ChromaError, httpx.HTTPError, OSError


class _Guarded:
    """A Chroma collection (or client) whose failures surface as one ``StoreError``
    instead of chromadb's many exception types, whoever calls it."""

    def __init__(self, target: Any, where: str):
        self._target, self._where = target, where

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except _store_failures() as exc:
                msg = " ".join(str(exc).split()) or type(exc).__name__
                raise StoreError(f"the Chroma store failed ({self._where}.{name}): {msg}") from exc

        return call


@dataclass
class ArticleWrite:
    article: Article
    chunks: list[Chunk]
    embeddings: np.ndarray
    sentence_embeddings: list[np.ndarray] | None = None  # per chunk, one row per sentence
    signature: str = ""  # the MinHash of its text (index.dedup); "" when too short to compare
    bands: list[str] = field(default_factory=list)  # its LSH band keys
    carriers: list[dict[str, Any]] = field(default_factory=list)  # other outlets' copies folded into it


def carrier_ref(a: Article) -> dict[str, Any]:
    """What a story records about each other outlet that carries it."""
    return {
        "id": a.id,
        "title": a.title,
        "source": a.source,
        "url": a.url or "",
        "published_at": a.published_iso,
        "author": a.author,
    }


def carrier_keys(source: str, carriers: Sequence[dict[str, Any]]) -> list[str]:
    """Outlet keys of a story and all its carriers (never empty: Chroma refuses empty lists)."""
    return list(dict.fromkeys([source_key(source)] + [source_key(c.get("source", "")) for c in carriers]))


def chunk_id(article_id: str, version: str, index: int) -> str:
    return f"{article_id}:{version}:{index:04d}"


def source_key(source: str) -> str:
    """Outlets compare case- and space-insensitively ("the verge" == "The Verge")."""
    return " ".join(source.casefold().split())


def open_client(settings: Settings):
    """An embedded PersistentClient under the data directory, or an HttpClient when
    ``NEWSQA_CHROMA_URL`` names a server."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlsplit

        url = urlsplit(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:  # chromadb raises several types for a dead server
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from None
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def _article_meta(
    a: Article, chunks: int, carriers: str, source_keys: list[str], minhash: str, folded_into: str = ""
) -> dict[str, Any]:
    """An article record's metadata: its fields, its chunk count, its carriers (JSON) and
    the outlets that find it, its MinHash signature; ``folded_into`` for a wire copy."""
    return {
        "title": a.title,
        "source": a.source,
        "source_key": source_key(a.source),
        "url": a.url or "",
        "published_at": a.published_iso,
        "published_ts": a.published_ts,
        "author": a.author,
        "category": a.category,
        "version": a.version,
        "chunks": chunks,
        "origin": a.origin,
        "folded_into": folded_into,
        "carriers": carriers,
        "source_keys": source_keys,
        "minhash": minhash,
    }


class ChromaStore:
    def __init__(self, settings: Settings, client=None):
        self.settings = settings
        self.client = _Guarded(client or open_client(settings), "client")
        cfg = {"hnsw": {"space": "cosine"}}
        self.chunks = _Guarded(
            self.client.get_or_create_collection(
                f"{settings.collection}_chunks", embedding_function=None, configuration=cfg
            ),
            "chunks",
        )
        self.articles_col = _Guarded(
            self.client.get_or_create_collection(
                f"{settings.collection}_articles", embedding_function=None, configuration=cfg
            ),
            "articles",
        )
        # the change log: one record per write (id: the generation it made; Chroma wants a
        # vector per record, so each gets the same one-dimensional one)
        self.changes = _Guarded(
            self.client.get_or_create_collection(f"{settings.collection}_changes", embedding_function=None), "changes"
        )
        self._touched: set[str] = set()  # articles changed since the last generation bump

    # -- generation -------------------------------------------------------------
    def generation(self) -> str:
        """Changes whenever any process writes; cheap enough to check per query."""
        col = self.client.get_collection(self.articles_col.name, embedding_function=None)
        return str((col.metadata or {}).get(GENERATION, ""))

    def _touch(self, ids: Sequence[str]) -> None:
        self._touched.update(ids)

    def _bump(self) -> None:
        """A new generation, its change-log entry written first (a reader that sees the
        generation finds the entry)."""
        gen, now = uuid.uuid4().hex, time.time()
        ids = sorted(self._touched)
        self._touched.clear()
        doc = json.dumps(ids if len(ids) <= LOG_MAX_IDS else None)
        self.changes.add(ids=[gen], documents=[doc], metadatas=[{"ts": now}], embeddings=[[1.0]])
        self.articles_col.modify(metadata={GENERATION: gen})
        if int(now) % 64 == 0:  # now and then: prune, noting up to when
            cutoff = now - LOG_KEEP_S
            self.changes.modify(metadata={PRUNED: cutoff})
            self.changes.delete(where={"ts": {"$lt": cutoff}})

    def changes_since(self, ts: float) -> list[tuple[str, float, list[str] | None]] | None:
        """Change-log entries written at or after ``ts``: (generation, time, ids of the
        articles changed, or None for "any"), oldest first. None when entries that old
        were pruned: the caller must compare every record."""
        col = self.client.get_collection(self.changes.name, embedding_function=None)
        if ts < float((col.metadata or {}).get(PRUNED, 0.0)):
            return None
        got = self.changes.get(where={"ts": {"$gte": ts}}, include=["documents", "metadatas"])
        out = [(g, float(m["ts"]), json.loads(d)) for g, m, d in zip(got["ids"], got["metadatas"], got["documents"])]
        return sorted(out, key=lambda e: e[1])

    # -- reads ------------------------------------------------------------------
    def versions(self, ids: Sequence[str] | None = None) -> dict[str, str]:
        """article id -> committed version (all articles when ids is None)."""
        out: dict[str, str] = {}
        if ids is not None:
            ids = list(dict.fromkeys(ids))
            for i in range(0, len(ids), MAX_BATCH):
                got = self.articles_col.get(ids=ids[i : i + MAX_BATCH], include=["metadatas"])
                out.update((k, m["version"]) for k, m in zip(got["ids"], got["metadatas"]))
            return out
        for ids_, metas, _ in self._scan(self.articles_col, ["metadatas"]):
            out.update((k, m["version"]) for k, m in zip(ids_, metas))
        return out

    def list_articles(self) -> list[dict[str, Any]]:
        """Every committed article's metadata (no body), with its id."""
        rows = []
        for ids_, metas, _ in self._scan(self.articles_col, ["metadatas"]):
            rows.extend({"id": k, **m} for k, m in zip(ids_, metas))
        return rows

    def get_article(self, article_id: str) -> dict[str, Any] | None:
        got = self.articles_col.get(ids=[article_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        return {"id": article_id, **got["metadatas"][0], "body": got["documents"][0]}

    def iter_chunks(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of every committed chunk, for rebuilding the lexical index."""
        current = self.versions()
        for ids_, metas, docs in self._scan(self.chunks, ["metadatas", "documents"]):
            for cid, meta, doc in zip(ids_, metas, docs):
                if current.get(meta["article_id"]) == meta["version"]:
                    yield cid, doc, meta

    def chunks_of(self, articles: dict[str, tuple[str, int]]) -> list[tuple[str, str, dict[str, Any]]]:
        """(id, text, metadata) of the committed chunks of these articles (article id ->
        (committed version, number of chunks)), for updating the lexical index after a
        small write: looked up by chunk id (a metadata filter costs seconds at 200,000
        chunks), by article id only for an article whose chunks are not all found so."""
        want = [chunk_id(a, v, i) for a, (v, n) in articles.items() for i in range(n)]
        out = []
        for i in range(0, len(want), MAX_BATCH):
            got = self.chunks.get(ids=want[i : i + MAX_BATCH], include=["metadatas", "documents"])
            out.extend(zip(got["ids"], got["documents"], got["metadatas"]))
        found: dict[str, int] = {}
        for _, _, m in out:
            found[m["article_id"]] = found.get(m["article_id"], 0) + 1
        rest = [a for a, (_, n) in articles.items() if found.get(a, 0) != n]
        again = set(rest)
        out = [r for r in out if r[2]["article_id"] not in again]
        for i in range(0, len(rest), 500):
            got = self.chunks.get(where={"article_id": {"$in": rest[i : i + 500]}}, include=["metadatas", "documents"])
            out.extend(zip(got["ids"], got["documents"], got["metadatas"]))
        return [(cid, doc, meta) for cid, doc, meta in out if articles[meta["article_id"]][0] == meta["version"]]

    def count_chunks(self) -> int:
        return self.chunks.count()

    def count_articles(self) -> int:
        return self.articles_col.count()

    def query(self, embedding: np.ndarray, k: int, where: dict | None = None) -> list[tuple[str, str, dict, float]]:
        """Nearest chunks as (id, text, metadata, cosine similarity), best first.
        (Chroma returns fewer than k when the store holds fewer; counting first would
        cost a round trip per query.)"""
        res = self.chunks.query(
            query_embeddings=[embedding],
            n_results=k,
            where=where or None,
            include=["metadatas", "documents", "distances"],
        )
        return [
            (cid, doc, meta, 1.0 - float(dist))
            for cid, doc, meta, dist in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0]
            )
        ]

    def _scan(self, col, include: list[str], page: int = MAX_BATCH):
        offset = 0
        while True:
            got = col.get(include=include, limit=page, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got.get("metadatas") or [], got.get("documents") or []
            if len(got["ids"]) < page:
                return
            offset += page

    # -- writes -----------------------------------------------------------------
    def write(self, batch: Sequence[ArticleWrite]) -> None:
        """Chunks first, then the article records (the commit), then stale chunks."""
        if not batch:
            return
        ids, docs, metas, vecs = [], [], [], []
        for w in batch:
            a = w.article
            aid, version = a.id, a.version
            sentence_vecs = w.sentence_embeddings or [None] * len(w.chunks)
            for c, v, sv in zip(w.chunks, w.embeddings, sentence_vecs):
                ids.append(chunk_id(aid, version, c.index))
                docs.append(c.text)
                vecs.append(v)
                metas.append(
                    ChunkMeta(
                        article_id=aid,
                        version=version,
                        chunk=c.index,
                        start=c.start,
                        end=c.end,
                        title=a.title,
                        source=a.source,
                        source_key=source_key(a.source),
                        source_keys=tuple(carrier_keys(a.source, w.carriers)),
                        published_ts=a.published_ts,
                        header=a.header(),
                        sentence_field=format_spans(c.sentences),
                        sentence_vectors=vectors.pack(sv) if sv is not None else "",
                    ).to_dict()
                )
        for i in range(0, len(ids), MAX_BATCH):
            j = i + MAX_BATCH
            self.chunks.upsert(
                ids=ids[i:j], documents=docs[i:j], metadatas=metas[i:j], embeddings=np.asarray(vecs[i:j])
            )

        art_ids, art_docs, art_metas, art_vecs = [], [], [], []
        for w in batch:
            a = w.article
            mean = w.embeddings.mean(axis=0)
            art_ids.append(a.id)
            art_docs.append(a.body)
            art_vecs.append(mean / (np.linalg.norm(mean) or 1.0))
            meta = _article_meta(
                a,
                len(w.chunks),
                json.dumps(w.carriers, ensure_ascii=False),
                carrier_keys(a.source, w.carriers),
                w.signature,
            )
            meta.update({band_field(i): key for i, key in enumerate(w.bands)})
            art_metas.append(meta)
        for i in range(0, len(art_ids), MAX_BATCH):
            j = i + MAX_BATCH
            self.articles_col.upsert(
                ids=art_ids[i:j],
                documents=art_docs[i:j],
                metadatas=art_metas[i:j],
                embeddings=np.asarray(art_vecs[i:j]),
            )
        self._delete_stale({w.article.id: w.article.version for w in batch})
        self._touch([w.article.id for w in batch])
        self._bump()

    def put_raw(self, chunks: dict[str, Any] | None = None, articles: dict[str, Any] | None = None) -> None:
        """Upsert records exactly as Chroma holds them (``ids``, ``embeddings``,
        ``documents``, ``metadatas``), then mark the store changed: for tools that copy
        a store without embedding again (bench/cluster.py, bench/scale.py). The caller
        keeps the commit order: chunks and their article records together."""
        for col, recs in ((self.chunks, chunks), (self.articles_col, articles)):
            if not recs or not len(recs["ids"]):
                continue
            for i in range(0, len(recs["ids"]), MAX_BATCH):
                col.upsert(**{k: v[i : i + MAX_BATCH] for k, v in recs.items()})
        self._touch(
            list((articles or {}).get("ids", [])) + [m["article_id"] for m in (chunks or {}).get("metadatas", [])]
        )
        self._bump()

    def _delete_stale(self, keep: dict[str, str]) -> None:
        aids = list(keep)
        for i in range(0, len(aids), 500):
            part = aids[i : i + 500]
            got = self.chunks.get(where={"article_id": {"$in": part}}, include=["metadatas"])
            stale = [cid for cid, m in zip(got["ids"], got["metadatas"]) if keep.get(m["article_id"]) != m["version"]]
            for s in range(0, len(stale), MAX_BATCH):
                self.chunks.delete(ids=stale[s : s + MAX_BATCH])

    # -- wire copies ---------------------------------------------------------------
    def records(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """article id -> record metadata, for those stored."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), MAX_BATCH):
            got = self.articles_col.get(ids=ids[i : i + MAX_BATCH], include=["metadatas"])
            out.update(zip(got["ids"], got["metadatas"]))
        return out

    def stories_sharing_bands(self, bands: Sequence[Sequence[str]]) -> dict[str, dict[str, Any]]:
        """Stored stories that share at least one LSH band with any of the given band
        lists (one query per band position for the whole batch): id -> record metadata."""
        out: dict[str, dict[str, Any]] = {}
        width = max((len(b) for b in bands), default=0)
        for i in range(width):
            keys = sorted({b[i] for b in bands if len(b) > i})
            for j in range(0, len(keys), 1000):
                got = self.articles_col.get(where={band_field(i): {"$in": keys[j : j + 1000]}}, include=["metadatas"])
                out.update(zip(got["ids"], got["metadatas"]))
        return out

    def set_carriers(self, story_id: str, carriers: list[dict[str, Any]]) -> None:
        """Replace a story's list of other carriers, on its record and its chunks."""
        got = self.articles_col.get(ids=[story_id], include=["metadatas"])
        if not got["ids"]:
            return
        meta = got["metadatas"][0]
        keys = carrier_keys(meta.get("source", ""), carriers)
        chunk_ids = self.chunks.get(where={"article_id": story_id}, include=[])["ids"]
        for i in range(0, len(chunk_ids), MAX_BATCH):
            part = chunk_ids[i : i + MAX_BATCH]
            self.chunks.update(ids=part, metadatas=[{"source_keys": keys}] * len(part))
        self.articles_col.update(
            ids=[story_id], metadatas=[{"carriers": json.dumps(carriers, ensure_ascii=False), "source_keys": keys}]
        )
        self._touch([story_id])

    def write_folded(self, folds: Sequence[tuple[Article, str]]) -> None:
        """Record articles as carriers of stories already stored: each story's carrier
        list first, then the carrier's own record (its commit), so a crash in between
        leaves a list entry that the next add of the same article completes."""
        if not folds:
            return
        stories = self.articles_col.get(ids=list({sid for _, sid in folds}), include=["metadatas", "embeddings"])
        by_id = {sid: (m, e) for sid, m, e in zip(stories["ids"], stories["metadatas"], stories["embeddings"])}
        added: dict[str, list[dict[str, Any]]] = {}
        for a, sid in folds:
            if sid in by_id:
                added.setdefault(sid, []).append(carrier_ref(a))
        for sid, refs in added.items():
            current = json.loads(by_id[sid][0].get("carriers") or "[]")
            ids = {r["id"] for r in refs}
            self.set_carriers(sid, [c for c in current if c["id"] not in ids] + refs)
        ids, docs, metas, vecs = [], [], [], []
        for a, sid in folds:
            if sid not in by_id:
                continue
            ids.append(a.id)
            docs.append(a.body)
            vecs.append(np.asarray(by_id[sid][1], dtype=np.float32))
            metas.append(_article_meta(a, 0, "[]", [source_key(a.source)], "", folded_into=sid))
        if ids:
            self.articles_col.upsert(ids=ids, documents=docs, metadatas=metas, embeddings=np.asarray(vecs))
            self.chunks.delete(where={"article_id": {"$in": ids}})  # a former story of its own, now folded
        self._touch(ids)
        self._bump()

    def remove_carrier(self, story_id: str, carrier_id: str) -> None:
        got = self.articles_col.get(ids=[story_id], include=["metadatas"])
        if got["ids"]:
            current = json.loads(got["metadatas"][0].get("carriers") or "[]")
            if any(c["id"] == carrier_id for c in current):
                self.set_carriers(story_id, [c for c in current if c["id"] != carrier_id])
                self._bump()

    def set_folded_into(self, ids: Sequence[str], story_id: str) -> None:
        if ids:
            self.articles_col.update(ids=list(ids), metadatas=[{"folded_into": story_id}] * len(ids))
            self._touch(ids)

    def delete_record(self, article_id: str) -> None:
        """Drop a carrier's record (it has no chunks)."""
        self.articles_col.delete(ids=[article_id])
        self._touch([article_id])
        self._bump()

    def delete(self, article_id: str) -> bool:
        """Remove an article and all its chunks; False when it is not stored."""
        existed = bool(self.articles_col.get(ids=[article_id], include=[])["ids"])
        if existed:
            self.articles_col.delete(ids=[article_id])
        self.chunks.delete(where={"article_id": article_id})
        if existed:
            self._touch([article_id])
            self._bump()
        return existed
