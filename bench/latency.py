"""search and ask latency on the full MultiHop corpus, in one process, after warm-up.

    python bench/latency.py --home DIR [-n 200]

Uses MultiHop-RAG queries (questions as users would type them are shorter; these are
long, so this is a pessimistic figure) and our own question set for ask.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Settings  # noqa: E402
from qa import Assistant  # noqa: E402

DATA = ROOT.parent / "shared/data/multihop-rag"


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return 1000 * xs[min(len(xs) - 1, int(q * len(xs)))]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--home", required=True)
    p.add_argument("-n", type=int, default=200)
    args = p.parse_args()
    a = Assistant.open(Settings(home=Path(args.home)))
    a.add([DATA / "corpus.json"])
    queries = [q["query"] for q in json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))][::7][: args.n]
    own = [json.loads(line)["question"] for line in (ROOT / "tests/data/questions.jsonl").read_text().splitlines()]
    for q in queries[:10]:  # warm-up: model, lexical index, Chroma caches
        a.ask(q)
    stats = a.stats()
    print(f"corpus: {stats.articles} articles, {stats.chunks} chunks")
    for name, fn, qs in [
        ("search", lambda q: a.search(q, 10), queries),
        ("ask", lambda q: a.ask(q), queries),
        ("ask (short questions)", lambda q: a.ask(q), own * 4),
    ]:
        times = []
        for q in qs:
            t0 = time.perf_counter()
            fn(q)
            times.append(time.perf_counter() - t0)
        print(f"{name:22} n={len(times):4}  p50 {pct(times, 0.5):6.1f} ms  p95 {pct(times, 0.95):6.1f} ms")


if __name__ == "__main__":
    main()
