"""Small writes at scale: 10 new articles added to a ~200,000-chunk store, and the time
until other processes find them (issue 11, item 4).

    python bench/incremental.py --from-home DIR --work WORKDIR [--copies 27] [--articles 10]
    python bench/incremental.py --quality DIR [--share 0.1]

The two synthetic stores of bench/scale.py (MultiHop-RAG's chunks copied --copies times,
embedded and on a `chroma run` server) are built in WORKDIR if missing. Then:

- embedded store: one process opens it (the saved lexical index loaded, or built and
  saved on the very first run), runs 100 MultiHop-RAG searches (p50 before), adds the
  articles itself (real model), and searches until it finds all of them; then 100
  searches again (p50 with the delta live), deletes the articles and searches until
  none is found;
- Chroma server: two reader processes do the same searches and poll, while a third
  process writes (adds, later deletes) through the server.

"Found" is one search for a word only the new articles hold (in the first sentence of
each, so one chunk per article): all of them in its top 10. Times are from the moment
the write returned (committed) to the search that found them, wall clock; each poll is
one search, every 0.1 s. The new articles are ~1,850 words of MultiHop sentences mixed
from many articles (so that none folds into a stored story), 10-15 chunks each. Search
p50 is taken over the same 100 questions before and after the write (after 10 for
warm-up), each time with the embedder's cache of recent query vectors emptied.

--quality: MultiHop-RAG retrieval metrics (all queries, hybrid) in one process with the
full build, then with the last tenth of the articles indexed as a delta on top of a main
segment built without them: what ranking quality the delta costs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = Path(os.environ.get("NEWSQA_SHARED", ROOT.parent / "shared")) / "data/multihop-rag"
CODEWORD = "Quillonbay"


def new_articles(n: int, run: str) -> list[dict]:
    """n articles of mixed MultiHop sentences, each opening with the code word."""
    import re

    corpus = json.loads((DATA / "corpus.json").read_text("utf-8"))
    pool = [s for a in corpus for s in re.split(r"(?<=[.!?])\s+", a["body"]) if 40 < len(s) < 400]
    rng = random.Random(run)
    out = []
    for i in range(n):
        sents = [f"The {CODEWORD} {run} report number {i} opens here."] + rng.sample(pool, 90)
        paras = [" ".join(sents[j : j + 6]) for j in range(0, len(sents), 6)]
        out.append(
            {
                "title": f"Regional digest {run}-{i}",
                "body": "\n".join(paras),
                "source": f"Bench Wire {i}",
                "url": f"https://bench.example/{run}/{i}",
                "published_at": "2023-12-01T08:00:00+00:00",
            }
        )
    return out


def article_ids(recs: list[dict]) -> list[str]:
    """The ids the store gives these articles (from their URLs), known before the write:
    listing the store's articles after it would take seconds at this size."""
    from index.article import Article

    return [Article(title=r["title"], body=r["body"], url=r["url"]).id for r in recs]


def queries(offset: int = 0) -> list[str]:
    """110 MultiHop-RAG questions (the same before and after the write)."""
    return [q["query"] for q in json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))][offset::23][:110]


def p50(a, qs: list[str]) -> float:
    # the embedder keeps the vectors of recent queries: emptied so that every search
    # before and after the write includes encoding its question (a bench-only reach inside)
    a.embedder._recent.clear()
    for q in qs[:10]:
        a.search(q, 10)
    times = []
    for q in qs[10:]:
        t = time.perf_counter()
        a.search(q, 10)
        times.append(time.perf_counter() - t)
    times.sort()
    return round(1000 * times[len(times) // 2], 1)


def found(a, ids: set[str]) -> int:
    return len(ids & {p.article.id for p in a.search(CODEWORD, max(10, len(ids)))})


def wait_until(a, ids: set[str], want: int, timeout: float = 600) -> tuple[float, int]:
    """Poll (one search every 0.1 s) until ``want`` of ``ids`` are found: (wall time, polls)."""
    polls = 0
    end = time.time() + timeout
    while time.time() < end:
        polls += 1
        if found(a, ids) == want:
            return time.time(), polls
        time.sleep(0.1)
    raise SystemExit(f"gave up after {timeout} s")


def emit(**kw) -> None:
    print(json.dumps(kw), flush=True)


def role_embedded(cfg: dict) -> None:
    """One process on the embedded store: it writes and reads."""
    from index import Settings
    from qa import Assistant

    t0 = time.perf_counter()
    a = Assistant.open(Settings(**cfg["settings"]))
    a.warm_up()
    ready = time.perf_counter() - t0
    before = p50(a, queries())
    recs = new_articles(cfg["articles"], cfg["run"])
    ids = set(article_ids(recs))
    t = time.perf_counter()
    report = a.add_articles(recs)
    commit = time.time()
    write_s = time.perf_counter() - t
    seen, polls = wait_until(a, ids, len(ids))
    after = p50(a, queries())
    t = time.perf_counter()
    for i in ids:
        a.delete(i)
    gone_commit, delete_s = time.time(), time.perf_counter() - t
    gone, _ = wait_until(a, ids, 0)
    lex = a.retriever.snapshot().lexical
    emit(
        role="embedded",
        ready_s=round(ready, 1),
        added=report.added,
        folded=report.folded,
        write_s=round(write_s, 1),
        found_after_commit_s=round(seen - commit, 2),
        polls=polls,
        gone_after_commit_s=round(gone - gone_commit, 2),
        delete_s=round(delete_s, 1),
        search_p50_ms_before=before,
        search_p50_ms_after=after,
        chunks=lex.live_count(),
        delta_chunks=lex.delta_size(),
        keeper=a.retriever.keeper.stats,
    )


def role_reader(cfg: dict) -> None:
    """A process on the server that only reads: it polls for what another writes."""
    from index import Settings
    from qa import Assistant

    t0 = time.perf_counter()
    a = Assistant.open(Settings(**cfg["settings"]))
    a.warm_up()
    before = p50(a, queries())
    emit(event="ready", ready_s=round(time.perf_counter() - t0, 1), search_p50_ms_before=before)
    ids = set(json.loads(sys.stdin.readline()))  # the writer's article ids, once it has committed
    seen, polls = wait_until(a, ids, len(ids))
    emit(event="found", at=seen, polls=polls)
    sys.stdin.readline()  # measure now (one reader at a time, as before the write)
    emit(event="measured", search_p50_ms_after=p50(a, queries()))
    sys.stdin.readline()  # deleted
    gone, _ = wait_until(a, ids, 0)
    lex = a.retriever.snapshot().lexical
    emit(event="gone", at=gone, chunks=lex.live_count(), delta_chunks=lex.delta_size(), keeper=a.retriever.keeper.stats)


def spawn(role: str, cfg: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, "--role", role, "--cfg", json.dumps(cfg)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_event(p: subprocess.Popen) -> dict:
    line = p.stdout.readline()
    if not line:
        raise SystemExit(f"a reader died (exit {p.wait()})")
    return json.loads(line)


def run_server(served: dict, articles: int, run: str) -> None:
    from index import Settings
    from qa import Assistant

    readers = []
    for n in range(2):  # one after the other: the first start builds and saves the index, the next loads it
        r = spawn("reader", {"settings": served})
        ev = read_event(r)
        print(
            f"server reader {n + 1}: ready in {ev['ready_s']} s, search p50 {ev['search_p50_ms_before']} ms", flush=True
        )
        readers.append((r, ev))
    w = Assistant.open(Settings(**served))  # the writer: another process on the same server
    recs = new_articles(articles, run)
    ids = article_ids(recs)
    t = time.perf_counter()
    report = w.add_articles(recs)
    commit = time.time()
    for r, _ in readers:  # they start polling now
        r.stdin.write(json.dumps(ids) + "\n")
        r.stdin.flush()
    print(f"server writer: {report.added} added, {report.folded} folded in {time.perf_counter() - t:.1f} s", flush=True)
    found_at = [read_event(r) for r, _ in readers]
    after = []  # p50 with the delta live, before the deletion: one reader at a time
    for r, _ in readers:
        r.stdin.write("\n")
        r.stdin.flush()
        after.append(read_event(r))
    t = time.perf_counter()
    for i in ids:
        w.delete(i)
    gone_commit = time.time()
    print(f"server writer: deleted in {time.perf_counter() - t:.1f} s", flush=True)
    for r, _ in readers:
        r.stdin.write("\n")
        r.stdin.flush()
    for n, ((r, ready), f, m) in enumerate(zip(readers, found_at, after)):
        g = read_event(r)
        r.wait(timeout=60)
        print(
            json.dumps(
                {
                    "role": f"server reader {n + 1}",
                    "found_after_commit_s": round(f["at"] - commit, 2),
                    "polls": f["polls"],
                    "gone_after_commit_s": round(g["at"] - gone_commit, 2),
                    "search_p50_ms_before": ready["search_p50_ms_before"],
                    "search_p50_ms_after": m["search_p50_ms_after"],
                    "chunks": g["chunks"],
                    "delta_chunks": g["delta_chunks"],
                    "keeper": g["keeper"],
                }
            ),
            flush=True,
        )


def quality(home: str, share: float) -> None:
    """MultiHop-RAG retrieval with the last ``share`` of the articles in the delta (the
    main segment built without them) against the full build, in one process."""
    from index import Settings
    from qa import Assistant
    from qa.evaluation import multihop
    from qa.lexical import LexicalIndex
    from qa.retrieval.snapshot import Snapshot, fingerprint

    a = Assistant.open(Settings(home=Path(home)))
    qs = json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))
    full = multihop(a, qs, "hybrid", progress=False)
    snap = a.retriever.snapshot()
    records = snap.articles
    fps = {aid: fingerprint(r) for aid, r in records.items()}
    late = set(sorted(records)[int(len(records) * (1 - share)) :])
    rows = list(a.store.iter_chunks())
    t = time.perf_counter()
    main = LexicalIndex.build(
        "", [r for r in rows if r[2]["article_id"] not in late], {k: v for k, v in fps.items() if k not in late}
    )
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    lex = main.with_changes(a.store.generation(), fps, [r for r in rows if r[2]["article_id"] in late])
    delta_s = time.perf_counter() - t
    a.retriever.keeper._snap = Snapshot(lex, records, lex.positions(), snap.aliases)
    inc = multihop(a, qs, "hybrid", progress=False)
    print(
        f"{len(late)} of {len(records)} articles ({lex.delta_size()} chunks) in the delta; main built in {build_s:.1f} s, "
        f"delta applied in {delta_s:.2f} s"
    )
    for name, r in (("full build", full), ("main + delta", inc)):
        m = r["overall"]
        print(
            f"| {name} | {m['n']} | {m['hits@4']:.4f} | {m['hits@10']:.4f} | {m['mrr@10']:.4f} | {m['map@10']:.4f} | {r['search_ms_p50']} |"
        )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--from-home")
    p.add_argument("--work")
    p.add_argument("--copies", type=int, default=27)
    p.add_argument("--articles", type=int, default=10)
    p.add_argument("--only", choices=["embedded", "server"])
    p.add_argument("--quality", metavar="HOME", help="retrieval metrics with part of HOME's articles in the delta")
    p.add_argument("--share", type=float, default=0.1, help="with --quality: the share of articles in the delta")
    p.add_argument("--role", help=argparse.SUPPRESS)
    p.add_argument("--cfg", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.role:
        {"embedded": role_embedded, "reader": role_reader}[args.role](json.loads(args.cfg))
        return
    if args.quality:
        quality(args.quality, args.share)
        return
    from bench.scale import build
    from index import Settings
    from tests.helpers import start_chroma, stop

    work = Path(args.work)
    run = time.strftime("%H%M%S")
    embedded = {"home": str(work / "embedded"), "collection": "scale"}
    if not (work / "embedded.done").exists():
        t = time.perf_counter()
        build(Path(args.from_home), Settings(**embedded), args.copies)
        (work / "embedded.done").write_text("ok")
        print(f"built the embedded store in {time.perf_counter() - t:.0f} s", flush=True)
    if args.only != "server":
        r = spawn("embedded", {"settings": embedded, "articles": args.articles, "run": run})
        print(r.stdout.read().strip(), flush=True)
        r.wait()
    if args.only == "embedded":
        return
    url, server = start_chroma(work / "server", timeout=120)
    try:
        served = {"home": str(work / "client"), "collection": "scale", "chroma_url": url}
        if not (work / "server.done").exists():
            t = time.perf_counter()
            build(Path(args.from_home), Settings(**served), args.copies)
            (work / "server.done").write_text("ok")
            print(f"built the server store in {time.perf_counter() - t:.0f} s", flush=True)
        run_server(served, args.articles, run)
    finally:
        stop(server)


if __name__ == "__main__":
    main()
