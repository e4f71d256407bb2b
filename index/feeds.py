"""Follow RSS and Atom feeds: poll, fetch each new entry's linked article, add it.

A poll of one feed:
1. conditional GET of the feed (ETag / Last-Modified from the last good poll): a 304
   costs one request and nothing else;
2. feedparser reads RSS 0.9x/1.0/2.0 and Atom; entries already stored (by GUID, or by
   the canonical URL of their link) are skipped without a request;
3. each new entry's linked page is fetched (at most ``fetch_per_host`` requests per host
   at once, robots.txt honoured) and extracted as in index.fetch; when the page cannot be
   had, the entry's own text from the feed is used instead, and the report says why;
4. the articles go in through the one write path (wire copies folded there), and only
   then are the entries marked seen and the feed's validators saved. A crash at any
   point loses nothing (the next poll fetches the feed whole and finds what is already
   stored) and duplicates nothing (article ids are stable).

A feed that fails (unreachable, an error status, not a feed) waits ``every * 2**n``
minutes after its n-th failure in a row (at most ``feed_max_backoff``) instead of being
asked again at every round.

Feed state (the feeds, their validators, last poll, errors, and the entries seen) lives
in ``NEWSQA_HOME/feeds.sqlite``; with a Chroma server (``NEWSQA_CHROMA_URL``) it lives
in a collection on that server instead, so every process sharing the store shares the
feeds too. Both survive restarts.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import urlsplit

from .article import Article, canonical_url
from .fetch import FEED_TYPES, Fetcher, FetchError, Policy, Robots, article_from_page, clean_url
from .ingest import IngestReport
from .loaders import Failure, Loaded, LoadError, article_from_record
from .settings import Settings


class FeedError(LoadError):
    """A feed that cannot be added or found; the message is the one-line reason."""


def feed_id(url: str) -> str:
    """A short stable id for a feed, from its normalised URL."""
    return hashlib.sha256((canonical_url(url) or url).encode("utf-8")).hexdigest()[:12]


def _now() -> float:
    return time.time()


def _iso(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="seconds") if ts else ""


@dataclass
class Feed:
    """A followed feed and what the last polls found."""

    url: str
    name: str = ""
    allow_private: bool = False  # decided by the door it was added through
    added_at: float = 0.0
    etag: str = ""
    last_modified: str = ""
    last_poll: float = 0.0
    last_ok: float = 0.0
    last_error: str = ""
    failures: int = 0  # in a row; drives the back-off
    next_poll: float = 0.0
    new_articles: int = 0  # in the last poll that found something
    total_articles: int = 0

    @property
    def id(self) -> str:
        return feed_id(self.url)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Feed:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})

    def public(self) -> dict[str, Any]:
        """What interfaces show: no validators, times as ISO 8601."""
        return {
            "id": self.id,
            "url": self.url,
            "name": self.name,
            "added_at": _iso(self.added_at),
            "last_poll": _iso(self.last_poll),
            "last_ok": _iso(self.last_ok),
            "last_error": self.last_error,
            "failures": self.failures,
            "next_poll": _iso(self.next_poll) if self.failures else "",
            "new_articles": self.new_articles,
            "total_articles": self.total_articles,
        }


# -- state ----------------------------------------------------------------------------
class KeyValue(Protocol):
    def get_many(self, table: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]: ...
    def put_many(self, table: str, items: dict[str, dict[str, Any]]) -> None: ...
    def delete_many(self, table: str, keys: Sequence[str]) -> None: ...
    def all(self, table: str) -> dict[str, dict[str, Any]]: ...


class SqliteKV:
    """Small JSON records in one SQLite file (WAL, so a reader never waits for a writer)."""

    def __init__(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        with self._db() as db:
            db.execute("CREATE TABLE IF NOT EXISTS kv (tbl TEXT, key TEXT, value TEXT, PRIMARY KEY (tbl, key))")

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def get_many(self, table, keys):
        out: dict[str, dict[str, Any]] = {}
        keys = list(keys)
        db = self._db()
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            rows = db.execute(
                f"SELECT key, value FROM kv WHERE tbl = ? AND key IN ({','.join('?' * len(part))})", [table, *part]
            ).fetchall()
            out.update((k, json.loads(v)) for k, v in rows)
        return out

    def put_many(self, table, items):
        with self._db() as db:
            db.executemany(
                "INSERT OR REPLACE INTO kv (tbl, key, value) VALUES (?, ?, ?)",
                [(table, k, json.dumps(v)) for k, v in items.items()],
            )

    def delete_many(self, table, keys):
        with self._db() as db:
            db.executemany("DELETE FROM kv WHERE tbl = ? AND key = ?", [(table, k) for k in keys])

    def all(self, table):
        rows = self._db().execute("SELECT key, value FROM kv WHERE tbl = ?", [table]).fetchall()
        return {k: json.loads(v) for k, v in rows}


class ChromaKV:
    """The same records in a collection on the Chroma server, shared by every process
    that uses it. (Chroma wants a vector per record: each gets the same unit vector.)"""

    def __init__(self, client, name: str):
        self.col = client.get_or_create_collection(name, embedding_function=None)

    def get_many(self, table, keys):
        keys = list(keys)
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(keys), 1000):
            got = self.col.get(ids=[f"{table}:{k}" for k in keys[i : i + 1000]], include=["documents"])
            out.update((cid.split(":", 1)[1], json.loads(doc)) for cid, doc in zip(got["ids"], got["documents"]))
        return out

    def put_many(self, table, items):
        if not items:
            return
        ids = [f"{table}:{k}" for k in items]
        self.col.upsert(
            ids=ids,
            documents=[json.dumps(v) for v in items.values()],
            metadatas=[{"tbl": table}] * len(ids),
            embeddings=[[1.0]] * len(ids),
        )

    def delete_many(self, table, keys):
        if keys:
            self.col.delete(ids=[f"{table}:{k}" for k in keys])

    def all(self, table):
        got = self.col.get(where={"tbl": table}, include=["documents"])
        return {cid.split(":", 1)[1]: json.loads(doc) for cid, doc in zip(got["ids"], got["documents"])}


class FeedState:
    """The followed feeds and the entries each has delivered."""

    FEEDS, ENTRIES = "feed", "entry"

    def __init__(self, kv: KeyValue):
        self.kv = kv
        self._lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings, chroma_client=None) -> FeedState:
        if settings.chroma_url:
            if chroma_client is None:
                from .store import open_client

                chroma_client = open_client(settings)
            return cls(ChromaKV(chroma_client, f"{settings.collection}_feeds"))
        return cls(SqliteKV(settings.home / "feeds.sqlite"))

    def feeds(self) -> list[Feed]:
        return sorted((Feed.from_dict(v) for v in self.kv.all(self.FEEDS).values()), key=lambda f: f.added_at)

    def get(self, ident: str) -> Feed | None:
        """By id or by URL."""
        got = self.kv.get_many(self.FEEDS, [ident]) or self.kv.get_many(self.FEEDS, [feed_id(ident)])
        return Feed.from_dict(next(iter(got.values()))) if got else None

    def save(self, feed: Feed) -> None:
        self.kv.put_many(self.FEEDS, {feed.id: feed.to_dict()})

    def remove(self, ident: str) -> Feed | None:
        feed = self.get(ident)
        if feed is not None:
            self.kv.delete_many(self.FEEDS, [feed.id])
            seen = [k for k in self.kv.all(self.ENTRIES) if k.startswith(feed.id + ":")]
            self.kv.delete_many(self.ENTRIES, seen)
        return feed

    @staticmethod
    def _entry_key(fid: str, key: str) -> str:
        return f"{fid}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:24]}"

    def seen(self, fid: str, keys: Iterable[str]) -> set[str]:
        keys = list(keys)
        got = self.kv.get_many(self.ENTRIES, [self._entry_key(fid, k) for k in keys])
        return {k for k in keys if self._entry_key(fid, k) in got}

    def mark_seen(self, fid: str, entries: dict[str, str]) -> None:
        """entry key (GUID or link) -> article id, written once the article is stored."""
        self.kv.put_many(
            self.ENTRIES, {self._entry_key(fid, k): {"article": v, "at": _now()} for k, v in entries.items()}
        )


# -- reading a feed ---------------------------------------------------------------------
@dataclass
class Entry:
    key: str  # GUID, else the link
    link: str
    title: str
    published_at: str
    author: str
    content_html: str  # the entry's own text, for when the page cannot be fetched


_TAGS_BREAK = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6]|/blockquote)\s*/?>")


def html_to_text(fragment: str) -> str:
    """Feed HTML (already sanitised by feedparser) to plain text, one paragraph a line."""
    if not fragment or not fragment.strip():
        return ""
    import lxml.html

    try:
        root = lxml.html.fromstring(f"<div>{_TAGS_BREAK.sub(lambda m: m.group(0) + chr(10), fragment)}</div>")
        text = root.text_content()
    except Exception:  # lxml on odd fragments: fall back to dropping the tags
        text = re.sub(r"<[^>]+>", " ", fragment)
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def parse_feed(body: bytes, url: str, content_type: str = "application/xml") -> tuple[str, list[Entry], str]:
    """(feed title, entries, note): a malformed feed that still yields entries is read,
    with a note; one that yields none is an error."""
    import feedparser

    parsed = feedparser.parse(
        io.BytesIO(body), response_headers={"content-location": url, "content-type": content_type}, sanitize_html=True
    )
    entries = []
    for e in parsed.entries:
        link = (e.get("link") or "").strip()
        key = (e.get("id") or e.get("guid") or link or "").strip()
        if not key:
            continue
        content = ""
        if e.get("content"):
            content = max((c.get("value", "") for c in e.content), key=len)
        content = content or e.get("summary", "") or ""
        when = e.get("published_parsed") or e.get("updated_parsed")
        published = datetime(*when[:6], tzinfo=timezone.utc).isoformat() if when else ""
        entries.append(
            Entry(
                key,
                link,
                " ".join((e.get("title") or "").split()),
                published,
                " ".join((e.get("author") or "").split()),
                content,
            )
        )
    note = ""
    benign = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)  # labels, not damage
    if parsed.bozo and not isinstance(parsed.get("bozo_exception"), benign):
        reason = " ".join(str(getattr(parsed, "bozo_exception", "")).split())[:160] or "unreadable"
        if not entries:
            raise FetchError(f"not a readable feed: {reason}")
        note = f"feed is not well-formed ({reason}); {len(entries)} entries read anyway"
    if not entries and not parsed.get("version"):
        raise FetchError("not a feed: no RSS or Atom found")
    return " ".join((parsed.feed.get("title") or "").split()), entries, note


# -- polling ----------------------------------------------------------------------------
@dataclass
class PollReport:
    feed: str  # the feed's URL
    status: str = "ok"  # ok | not modified | failed | backing off
    entries: int = 0
    skipped: int = 0  # already stored
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    folded: int = 0
    from_feed_text: list[Failure] = field(default_factory=list)  # pages not fetched: the feed's own text used
    failed: list[Failure] = field(default_factory=list)
    error: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["from_feed_text"] = [{"source": f.source, "reason": f.reason} for f in self.from_feed_text]
        d["failed"] = [{"source": f.source, "reason": f.reason} for f in self.failed]
        return d


class Target(Protocol):
    """Where articles go: an Assistant (or the CLI's view of the running app)."""

    def add_loaded(self, loaded: Loaded, progress=None) -> IngestReport: ...


def _stored_ids(target: Any, ids: Sequence[str]) -> set[str]:
    store = getattr(target, "store", None)
    return set(store.versions(ids)) if store is not None and ids else set()


class Watcher:
    """Polls followed feeds into a target. Thread-safe: one poll at a time."""

    def __init__(self, settings: Settings, target: Target, state: FeedState | None = None):
        self.settings = settings
        self.target = target
        self.state = state or FeedState.open(settings, getattr(getattr(target, "store", None), "client", None))
        self._poll_lock = threading.Lock()

    # -- managing feeds ----------------------------------------------------------------
    def add_feed(self, url: str, name: str = "", allow_private: bool | None = None, check: bool = True) -> Feed:
        """Follow a feed. It is fetched once now (through the same guarded fetcher the
        polls use) so a wrong URL is refused at once with the reason."""
        if not isinstance(url, str) or not url.strip():
            raise FeedError("the feed URL is empty")
        url = url.strip()
        try:
            Fetcher.check_url(url)
        except FetchError as exc:
            raise FeedError(str(exc)) from None
        if name and (len(name) > 200 or not name.isprintable()):
            raise FeedError("the feed name must be printable text of at most 200 characters")
        allow = bool(self.settings.fetch_allow_private) if allow_private is None else allow_private
        existing = self.state.get(url)
        if existing is not None:
            if name and name != existing.name:
                existing.name = name
                self.state.save(existing)
            return existing
        title = ""
        if check:
            with Fetcher(self.settings, Policy.from_settings(self.settings, allow)) as f:
                try:
                    page = f.get(url, FEED_TYPES, what="a feed")
                    title, _entries, _note = parse_feed(page.body, page.url, page.content_type)
                except FetchError as exc:
                    raise FeedError(f"cannot follow {url}: {exc}") from None
        feed = Feed(
            url=url, name=name or title or (urlsplit(url).hostname or url), allow_private=allow, added_at=_now()
        )
        self.state.save(feed)
        return feed

    def remove_feed(self, ident: str) -> Feed:
        feed = self.state.remove(ident)
        if feed is None:
            raise FeedError(f"no feed {ident!r}")
        return feed

    def feeds(self) -> list[Feed]:
        return self.state.feeds()

    # -- polling -----------------------------------------------------------------------
    def due(self, now: float) -> list[Feed]:
        """Feeds to poll now: all but those backing off after failures."""
        return [f for f in self.state.feeds() if f.failures == 0 or f.next_poll <= now]

    def poll(
        self, feeds: Sequence[Feed] | None = None, progress: Callable[[PollReport], None] | None = None
    ) -> list[PollReport]:
        """One round: each due feed (or the given ones) polled, in turn."""
        with self._poll_lock:
            now = _now()
            todo = list(feeds) if feeds is not None else self.due(now)
            reports = []
            for feed in todo:
                rep = self.poll_feed(feed)
                reports.append(rep)
                if progress:
                    progress(rep)
            return reports

    def poll_feed(self, feed: Feed) -> PollReport:
        s = self.settings
        rep = PollReport(feed.url)
        started = _now()
        fetcher = Fetcher(s, Policy.from_settings(s, feed.allow_private))
        try:
            try:
                page = fetcher.get(feed.url, FEED_TYPES, feed.etag or None, feed.last_modified or None, what="a feed")
                if page.status == 304:
                    rep.status = "not modified"
                    self._succeeded(feed, started, rep, page.etag, page.last_modified)
                    return rep
                title, entries, rep.note = parse_feed(page.body, page.url, page.content_type)
            except FetchError as exc:
                return self._failed(feed, started, rep, str(exc))
            if not feed.name and title:
                feed.name = title
            rep.entries = len(entries)
            todo = self._new_entries(feed, entries, rep)
            loaded, keys = self._articles(fetcher, feed, todo, rep)
            if loaded.articles:
                result = self.target.add_loaded(loaded)
                rep.added, rep.updated, rep.unchanged, rep.folded = (
                    result.added,
                    result.updated,
                    result.unchanged,
                    result.folded,
                )
                rep.failed += result.failed
                if hasattr(self.target, "store"):
                    stored = _stored_ids(self.target, [a.id for a in loaded.articles])
                else:  # through the running app: what it did not refuse is stored
                    refused = {f.source for f in result.failed}  # the app names records "record N"
                    stored = {a.id for i, a in enumerate(loaded.articles) if f"record {i}" not in refused}
            else:
                stored = set()
            self.state.mark_seen(feed.id, {k: aid for k, aid in keys.items() if aid in stored})
            self._succeeded(feed, started, rep, page.etag, page.last_modified)
            return rep
        finally:
            fetcher.close()

    def _new_entries(self, feed: Feed, entries: list[Entry], rep: PollReport) -> list[Entry]:
        """Entries not seen before (by GUID) and whose link is not already stored."""
        unique = list({e.key: e for e in entries}.values())
        seen = self.state.seen(feed.id, [e.key for e in unique])
        fresh = [e for e in unique if e.key not in seen]
        by_link = {Article(title="", body="", url=clean_url(e.link)).id: e for e in fresh if e.link}
        stored = _stored_ids(self.target, list(by_link))
        if stored:
            self.state.mark_seen(feed.id, {by_link[aid].key: aid for aid in stored})
        todo = [e for e in fresh if not e.link or Article(title="", body="", url=clean_url(e.link)).id not in stored]
        rep.skipped = len(entries) - len(todo)
        return todo

    def _articles(
        self, fetcher: Fetcher, feed: Feed, entries: list[Entry], rep: PollReport
    ) -> tuple[Loaded, dict[str, str]]:
        """Fetch each entry's page (parallel, per-host limited, robots.txt honoured), or
        fall back to the entry's own text. Returns the articles and entry key -> article id."""
        robots = Robots(fetcher)
        source = feed.name or urlsplit(feed.url).hostname or ""

        def one(e: Entry) -> tuple[Entry, Article | None, str]:
            fallback = {"title": e.title, "published_at": e.published_at or None, "author": e.author, "source": source}
            reason = ""
            if e.link:
                try:
                    Fetcher.check_url(e.link)
                    if not robots.allowed(e.link):
                        raise FetchError("robots.txt does not allow fetching it")
                    page = fetcher.get(e.link)
                    return e, article_from_page(page, fallback), ""
                except (FetchError, LoadError) as exc:
                    reason = str(exc)
                except Exception as exc:  # one odd page must not stop the feed
                    reason = f"could not read the page: {type(exc).__name__}"
            else:
                reason = "the entry has no link"
            text = html_to_text(e.content_html)
            if not text:
                return e, None, reason + "; the feed gives no text for it either"
            try:
                record = dict(fallback, body=text, url=clean_url(e.link) if e.link else None)
                if not record.get("title"):
                    record.pop("title")
                return e, article_from_record(record, e.link or e.key), reason
            except LoadError as exc:
                return e, None, f"{reason}; {exc}"

        loaded = Loaded()
        keys: dict[str, str] = {}
        if not entries:
            return loaded, keys
        workers = min(self.settings.fetch_workers, len(entries))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for e, art, reason in pool.map(one, entries):
                where = e.link or e.key
                if art is None:
                    rep.failed.append(Failure(where, reason))
                    continue
                if reason:
                    rep.from_feed_text.append(Failure(where, reason))
                loaded.articles.append(art)
                keys[e.key] = art.id
        return loaded, keys

    def _succeeded(
        self, feed: Feed, started: float, rep: PollReport, etag: str | None, last_modified: str | None
    ) -> None:
        current = self.state.get(feed.id)
        if current is None:  # removed while it was polled: nothing to save
            return
        current.name = current.name or feed.name
        feed = current
        feed.etag, feed.last_modified = etag or "", last_modified or ""
        feed.last_poll = feed.last_ok = started
        feed.last_error, feed.failures, feed.next_poll = "", 0, 0.0
        if rep.status == "ok":
            new = rep.added + rep.updated + rep.folded
            feed.new_articles = new
            feed.total_articles += new
            if rep.failed:
                feed.last_error = (
                    f"{len(rep.failed)} entries failed; first: {rep.failed[0].source}: {rep.failed[0].reason}"
                )
        else:
            feed.new_articles = 0
        self.state.save(feed)

    def _failed(self, feed: Feed, started: float, rep: PollReport, error: str) -> PollReport:
        rep.status, rep.error = "failed", error
        current = self.state.get(feed.id)
        if current is not None:
            current.last_poll = started
            current.last_error = error
            current.failures += 1
            every = self.settings.watch_every * 60
            wait = min(every * 2 ** (current.failures - 1), self.settings.feed_max_backoff * 60)
            current.next_poll = started + wait
            self.state.save(current)
        return rep

    # -- the loop ------------------------------------------------------------------------
    def run(
        self,
        every_minutes: float | None = None,
        stop: threading.Event | None = None,
        progress: Callable[[PollReport], None] | None = None,
    ) -> None:
        """Poll every ``every_minutes`` until ``stop`` is set."""
        stop = stop or threading.Event()
        every = (every_minutes or self.settings.watch_every) * 60
        while not stop.is_set():
            try:
                self.poll(progress=progress)
            except Exception as exc:  # the store down for a moment must not end the watcher
                if progress:
                    progress(PollReport("*", status="failed", error=f"{type(exc).__name__}: {exc}"[:300]))
            stop.wait(every)
