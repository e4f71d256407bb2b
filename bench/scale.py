"""search at scale: a synthetic store of ~200,000 chunks, embedded vs a Chroma server.

    python bench/scale.py --from-home DIR --work WORKDIR [--copies 27]

The chunks of an existing store (DIR, e.g. MultiHop-RAG's 7,508) are copied --copies
times with perturbed text (a few words swapped per chunk) and perturbed
embeddings (Gaussian noise, renormalised), under new article ids: no model runs, the
embeddings were computed once at ingestion. The synthetic data is cached in WORKDIR.
Each store is then opened by two fresh processes in turn, each running 100 searches
after 10 for warm-up: the first builds the lexical index from Chroma and saves it in its
NEWSQA_HOME, the next loads that copy. Each prints the time until the index is ready and
until the first search is done, search p50/p95 and its resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

START = time.perf_counter()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared/data/multihop-rag"


def perturb(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    for _ in range(max(1, len(words) // 20)):
        i = rng.randrange(len(words))
        j = rng.randrange(len(words))
        words[i], words[j] = words[j], words[i]
    return " ".join(words)  # same length: the stored sentence bounds stay valid offsets


def build(from_home: Path, settings, copies: int) -> None:
    """Write the synthetic store (articles first marked committed, chunks with them)."""
    from index import ChromaStore, Settings

    src = ChromaStore(Settings(home=from_home))
    dst = ChromaStore(settings)
    chunks = src.chunks.get(include=["embeddings", "documents", "metadatas"])
    arts = src.articles_col.get(include=["embeddings", "documents", "metadatas"])
    emb = np.asarray(chunks["embeddings"], dtype=np.float32)
    rng = random.Random(7)
    nrng = np.random.default_rng(7)
    for c in range(copies):
        ids, docs, metas = [], [], []
        for cid, doc, m in zip(chunks["ids"], chunks["documents"], chunks["metadatas"]):
            aid = f"{m['article_id']}c{c}"
            ids.append(f"{aid}:{m['version']}:{m['chunk']:04d}")
            text = perturb(doc, rng) if c else doc
            docs.append(text)
            metas.append(m | {"article_id": aid})
        vec = emb + (nrng.normal(0, 0.02, emb.shape).astype(np.float32) if c else 0)
        vec /= np.linalg.norm(vec, axis=1, keepdims=True)
        dst.put_raw(
            chunks={"ids": ids, "documents": docs, "metadatas": metas, "embeddings": vec},
            articles={
                "ids": [f"{a}c{c}" for a in arts["ids"]],
                "documents": arts["documents"],
                "metadatas": [m | {"title": m["title"] + (f" ({c})" if c else "")} for m in arts["metadatas"]],
                "embeddings": arts["embeddings"],
            },
        )
        print(f"  copy {c + 1}/{copies}: {dst.count_chunks()} chunks", file=sys.stderr, flush=True)


def measure(settings_json: str) -> None:
    """In a fresh process: open, build the lexical index, search; print one JSON line."""
    from index import Settings
    from qa import Assistant

    settings = Settings(**json.loads(settings_json))
    a = Assistant.open(settings)
    t0 = time.perf_counter()
    a.warm_up()
    build_s = time.perf_counter() - t0
    queries = [q["query"] for q in json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))][::23][:110]
    a.search(queries[0], 10)
    first_s = time.perf_counter() - START
    for q in queries[1:10]:
        a.search(q, 10)
    times = []
    for q in queries[10:]:
        t = time.perf_counter()
        a.search(q, 10)
        times.append(time.perf_counter() - t)
    times.sort()
    rss_now = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    print(
        json.dumps(
            {
                "chunks": a.stats().chunks,
                "index_ready_s": round(build_s, 1),
                "first_search_s": round(first_s, 1),
                "search_p50_ms": round(1000 * times[len(times) // 2], 1),
                "search_p95_ms": round(1000 * times[int(0.95 * (len(times) - 1))], 1),
                "rss_mb": round(rss_now),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--from-home")
    p.add_argument("--work")
    p.add_argument("--copies", type=int, default=27)
    p.add_argument("--measure", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure:
        measure(args.measure)
        return
    from index import Settings

    work = Path(args.work)
    embedded = {"home": str(work / "embedded"), "collection": "scale"}
    if not (work / "embedded.done").exists():
        t = time.perf_counter()
        build(Path(args.from_home), Settings(**embedded), args.copies)
        (work / "embedded.done").write_text("ok")
        print(f"built the embedded store in {time.perf_counter() - t:.0f} s")
    from tests.helpers import start_chroma, stop

    url, server = start_chroma(work / "server", timeout=120)
    try:
        served = {"home": str(work / "client"), "collection": "scale", "chroma_url": url}
        if not (work / "server.done").exists():
            t = time.perf_counter()
            build(Path(args.from_home), Settings(**served), args.copies)
            (work / "server.done").write_text("ok")
            print(f"built the server store in {time.perf_counter() - t:.0f} s")
        for name, cfg in (("embedded", embedded), ("server", served)):
            # the first start builds the lexical index and saves it; the next one loads it
            shutil.rmtree(Path(cfg["home"]) / "lexical", ignore_errors=True)
            for start in ("first start", "next start"):
                out = subprocess.run(
                    [sys.executable, __file__, "--measure", json.dumps(cfg)], capture_output=True, text=True
                )
                line = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-500:]
                extra = ""
                if name == "server":
                    status = Path(f"/proc/{server.pid}/status").read_text()
                    extra = (
                        "  chroma server "
                        + next(x for x in status.splitlines() if x.startswith("VmRSS")).split(":")[1].strip()
                    )
                print(f"{name:9} {start:11} {line}{extra}")
    finally:
        stop(server)


if __name__ == "__main__":
    main()
