"""Derived state: the lexical index and the article table, kept in step with the store.

Every process (embedded store or several on one Chroma server) notices a write through
the store's generation token, which changes on every write. It then reads the store's
change log for the ids of the articles written since it last looked, and only their
records and chunks (key lookups): their old chunks are masked and their current chunks
go into the index's delta segment (qa.lexical). A small write therefore costs in
proportion to its size, in every process alike. Where the log cannot tell (at a
process start, or after a day without looking), the process reads every article record
and compares each one's fingerprint with those its lexical index reflects (a scan of
the articles collection: ~20 s at 16,000 articles on this machine).

Known gap: a writer killed after committing an article record but before logging it
(a window of milliseconds at the end of ``ChromaStore.write``) leaves that article
unseen by other processes' log-based updates until they restart (a start compares
every record). A generation with no log entry (a writer running code from before the
change log) makes the process compare every record.

The main segment is rebuilt from Chroma ("compacted") in a background thread once the
delta passes ``compact_fraction`` of it (and ``compact_min`` chunks); a write larger
than that is indexed by a full rebuild at once (a bulk load: today's cost). Each main
segment is saved in ``NEWSQA_HOME/lexical/<collection>/<content key>/`` with the
fingerprints it was built from, so a process start loads the newest one (arrays
memory-mapped) and applies the difference as a delta instead of rebuilding.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index import ChromaStore, Settings

from ..lexical import LexicalIndex
from ..query import outlet_aliases

log = logging.getLogger("newsqa.retrieval")

COMPACT_FRACTION = 0.1  # of the main segment's chunks
COMPACT_MIN = 2000  # chunks: below this a delta is always cheap enough
CLOCK_SLACK_S = 600.0  # change-log entries are re-read this far back (writers' clocks may differ)


@dataclass
class Snapshot:
    """Everything derived from one generation of the store, swapped whole."""

    lexical: LexicalIndex
    articles: dict[str, dict[str, Any]]
    positions: dict[str, int]
    aliases: dict[str, list[str]]


def fingerprint(record: dict[str, Any]) -> str:
    """Changes whenever anything in an article record does (version, carriers, fold)."""
    body = json.dumps({k: v for k, v in record.items() if k != "id"}, sort_keys=True, default=str)
    return hashlib.sha1(body.encode()).hexdigest()[:16]


def content_key(fingerprints: dict[str, str]) -> str:
    """A folder name for a set of article fingerprints."""
    digest = hashlib.sha256("\n".join(sorted(f"{a}:{v}" for a, v in fingerprints.items())).encode())
    return digest.hexdigest()[:24]


def changed_articles(old: dict[str, str], new: dict[str, str]) -> set[str]:
    return {a for a in old.keys() | new.keys() if old.get(a) != new.get(a)}


class SnapshotKeeper:
    """Holds the current Snapshot of one process and brings it up to date."""

    def __init__(
        self,
        settings: Settings,
        store: ChromaStore,
        compact_fraction: float = COMPACT_FRACTION,
        compact_min: int = COMPACT_MIN,
        background: bool = True,
    ):
        self.settings = settings
        self.store = store
        self.compact_fraction = compact_fraction
        self.compact_min = compact_min
        self.background = background  # compact in a thread (False: at once, for tests)
        self._snap: Snapshot | None = None
        self._lock = threading.Lock()
        self._compacted: LexicalIndex | None = None  # a new main segment, built in the background
        self._compacting: threading.Thread | None = None
        self._log_ts: float | None = None  # change-log entries before this are reflected
        self._applied: dict[str, float] = {}  # change-log entries applied (generation -> time)
        self.stats = {"full_builds": 0, "loads": 0, "deltas": 0, "compactions": 0}

    @property
    def root(self) -> Path:
        return self.settings.home / "lexical" / self.settings.collection

    def current(self) -> Snapshot:
        """The current derived state, updated when any process changed the store."""
        gen = self.store.generation()
        snap = self._snap
        if snap is not None and snap.lexical.generation == gen and self._compacted is None:
            return snap
        with self._lock:
            snap = self._snap
            if snap is not None and snap.lexical.generation == gen and self._compacted is None:
                return snap
            started = time.time()
            logged = self._from_log(snap, gen) if snap is not None else None
            if logged is not None:
                records, fps = logged
            else:
                records = {a["id"]: a for a in self.store.list_articles()}
                fps = {aid: fingerprint(r) for aid, r in records.items()}
                self._log_ts, self._applied = started, {}
            lex = self._lexical(gen, records, fps)
            sources = sorted({a.get("source", "") for a in records.values()})
            same = snap is not None and sorted({a.get("source", "") for a in snap.articles.values()}) == sources
            self._snap = Snapshot(
                lexical=lex,
                articles=records,
                positions=lex.positions(),
                aliases=snap.aliases if same else outlet_aliases(sources),
            )
            return self._snap

    def _from_log(self, snap: Snapshot, gen: str) -> tuple[dict[str, dict[str, Any]], dict[str, str]] | None:
        """The article table and fingerprints brought up to date from the change log
        (only the records it names are read), or None when the log cannot tell: entries
        pruned, or a generation without an entry (a writer that does not log)."""
        if self._log_ts is None:
            return None
        entries = self.store.changes_since(self._log_ts - CLOCK_SLACK_S)
        if entries is None or (gen not in self._applied and all(g != gen for g, _, _ in entries)):
            return None
        fresh = [e for e in entries if e[0] not in self._applied]
        if any(ids is None for _, _, ids in fresh):
            return None
        changed = sorted({a for _, _, ids in fresh for a in ids})
        records = dict(snap.articles)
        fps = dict(snap.lexical.fingerprints)
        for aid in changed:
            records.pop(aid, None)
            fps.pop(aid, None)
        for aid, meta in self.store.records(changed).items():
            records[aid] = {"id": aid, **meta}
            fps[aid] = fingerprint(meta)
        for g, ts, _ in fresh:
            self._applied[g] = ts
            self._log_ts = max(self._log_ts, ts)
        horizon = self._log_ts - 2 * CLOCK_SLACK_S
        self._applied = {g: ts for g, ts in self._applied.items() if ts >= horizon}
        return records, fps

    def wait_for_compaction(self, timeout: float | None = None) -> None:
        t = self._compacting
        if t is not None:
            t.join(timeout)

    # -- the lexical index --------------------------------------------------------
    def _lexical(self, gen: str, records: dict[str, dict[str, Any]], fps: dict[str, str]) -> LexicalIndex:
        base = self._compacted or (self._snap.lexical if self._snap is not None else None)
        self._compacted = None
        if base is None:
            base = self._load(fps)
        if base is not None:
            changed = changed_articles(base.fingerprints, fps)
            if self._small(base, changed, records):
                lex = self._apply(base, gen, changed, records, fps)
                if lex.delta_size() > self._limit(lex):
                    self._compact()
                return lex
        return self._build(gen, fps)

    def _limit(self, lex: LexicalIndex) -> int:
        return max(self.compact_min, int(self.compact_fraction * lex.main_size))

    def _small(self, base: LexicalIndex, changed: set[str], records: dict[str, dict[str, Any]]) -> bool:
        """Whether these changes go into the delta: the write itself is under the
        compaction limit (a bulk load is indexed by a full rebuild at once), and the
        delta stays within a few times the limit (should compactions keep failing)."""
        cost = 0
        for aid in changed:
            cost += int(records.get(aid, {}).get("chunks", 0) or 0) + len(base._by_article.get(aid, ()))
        limit = self._limit(base)
        return cost <= limit and base.delta_size() + cost <= 4 * limit

    def _apply(
        self, base: LexicalIndex, gen: str, changed: set[str], records: dict[str, dict[str, Any]], fps: dict[str, str]
    ) -> LexicalIndex:
        versions = {
            aid: (records[aid]["version"], int(records[aid].get("chunks") or 0))
            for aid in changed
            if aid in records and not records[aid].get("folded_into") and records[aid].get("chunks", 1)
        }
        rows = (
            sorted(self.store.chunks_of(versions), key=lambda r: (r[2]["article_id"], r[2].get("chunk", 0)))
            if versions
            else []
        )
        if changed:
            self.stats["deltas"] += 1
        return base.with_changes(gen, fps, rows) if changed else _regenerated(base, gen)

    def _build(self, gen: str, fps: dict[str, str]) -> LexicalIndex:
        """A main segment from every committed chunk in Chroma, saved for the next start."""
        rows = list(self.store.iter_chunks())
        lex = LexicalIndex.build(gen, rows, fps)
        self.stats["full_builds"] += 1
        save(lex, self.root / content_key(fps))
        return lex

    def _load(self, fps: dict[str, str]) -> LexicalIndex | None:
        """The saved main segment for exactly these articles, else the newest one saved
        (the difference becomes its delta); None when there is none to use."""
        if not self.root.is_dir():
            return None
        exact = self.root / content_key(fps)
        saved = [p for p in self.root.iterdir() if not p.name.startswith(".tmp-") and (p / "articles.json").exists()]
        saved.sort(key=lambda p: (p != exact, -(p / "articles.json").stat().st_mtime))
        for folder in saved[:2]:
            try:
                lex = LexicalIndex.load(folder, "")
                self.stats["loads"] += 1
                return lex
            except (OSError, ValueError, KeyError) as exc:
                log.warning("lexical index at %s unusable (%s); trying another or rebuilding", folder, exc)
        return None

    def _compact(self) -> None:
        """Rebuild the main segment from Chroma; the next ``current`` swaps it in and
        applies whatever was written meanwhile as its delta."""
        if self._compacting is not None and self._compacting.is_alive():
            return

        def run() -> None:
            try:
                gen = self.store.generation()
                records = {a["id"]: a for a in self.store.list_articles()}
                lex = self._build(gen, {aid: fingerprint(r) for aid, r in records.items()})
                self._compacted = lex
                self.stats["compactions"] += 1
            except Exception as exc:  # a failed compaction only leaves the delta larger
                log.warning("compacting the lexical index failed: %s", exc)

        if self.background:
            self._compacting = threading.Thread(target=run, name="newsqa-lexical-compaction", daemon=True)
            self._compacting.start()
        else:
            run()


def _regenerated(lex: LexicalIndex, gen: str) -> LexicalIndex:
    """The same index under a new generation (a write that changed no article record)."""
    from dataclasses import replace

    return replace(lex, generation=gen)


def save(lex: LexicalIndex, folder: Path) -> None:
    """Write the index beside the others, atomically (a temporary folder renamed), then
    drop the copies made for earlier versions of the store. A failure only costs the
    next start a rebuild."""
    if folder.is_dir():
        return
    root = folder.parent
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-{os.getpid()}-{uuid.uuid4().hex}"
    try:
        lex.save(tmp)
        os.rename(tmp, folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if not folder.is_dir():
            log.warning("could not save the lexical index in %s: %s", root, exc)
        return
    _drop_others(root, keep=[folder])


def _drop_others(root: Path, keep: Iterable[Path]) -> None:
    keep = set(keep)
    for old in root.iterdir():
        if old not in keep and not old.name.startswith(".tmp-"):  # others' folders being written
            shutil.rmtree(old, ignore_errors=True)
