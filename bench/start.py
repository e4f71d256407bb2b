"""A process start on an existing store: time until the lexical index is ready, then
search latency and memory.

    python bench/start.py --home DIR [--collection NAME] [-n 100]

Run it twice on the same store: the first start builds the lexical index from Chroma
and saves it under NEWSQA_HOME/lexical/; the second loads that copy (memory-mapped).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

T0 = time.time()
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Settings  # noqa: E402
from qa import Assistant  # noqa: E402

DATA = ROOT.parent / "shared/data/multihop-rag"


def rss_mb() -> float:
    return int(Path(f"/proc/{os.getpid()}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--home", required=True)
    p.add_argument("--collection", default="newsqa")
    p.add_argument("-n", type=int, default=100)
    args = p.parse_args()
    a = Assistant(Settings(home=Path(args.home), collection=args.collection))
    t = time.time()
    a.retriever.snapshot()
    ready = time.time() - t
    queries = [q["query"] for q in json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))][::7][: args.n + 10]
    a.search(queries[0], 10)
    print(f"lexical index ready in {ready:.1f} s; first search done {time.time() - T0:.1f} s after start")
    for q in queries[1:10]:
        a.search(q, 10)
    times = []
    for q in queries[10:]:
        t = time.perf_counter()
        a.search(q, 10)
        times.append(time.perf_counter() - t)
    times.sort()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"search n={len(times)} p50 {1000 * times[len(times) // 2]:.1f} ms p95 {1000 * times[int(0.95 * len(times))]:.1f} ms; "
          f"RSS {rss_mb():.0f} MB (peak {peak:.0f} MB)")


if __name__ == "__main__":
    main()
