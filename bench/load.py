"""The web app under load: time to first answer, then N concurrent HTTP clients.

    python bench/load.py --home DIR [--clients 16] [--seconds 60]

Starts `python app.py` on an existing store (DIR, e.g. the one bench/retrieval.py
filled with MultiHop-RAG), times how long until the first answer comes back, then has
--clients threads asking questions over HTTP for --seconds and prints throughput,
p50/p95 latency and errors. Everything stays on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import ask_load  # noqa: E402
from tests.helpers import free_port  # noqa: E402

DATA = ROOT.parent / "shared/data/multihop-rag"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--home", required=True)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60)
    args = p.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    questions = [q["query"] for q in json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))][::11][:200]
    questions += [json.loads(x)["question"] for x in (ROOT / "tests/data/questions.jsonl").read_text().splitlines()]

    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--port", str(port)],
        env=dict(os.environ, NEWSQA_HOME=args.home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                r = httpx.post(
                    f"{base}/api/ask", json={"question": "What did France say about the withdrawal?"}, timeout=30
                )
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 300:
                sys.exit("the app did not answer within 300 s")
            time.sleep(0.2)
        first = time.perf_counter() - t0
        articles = httpx.get(f"{base}/api/health").json()["articles"]
        print(f"time from `python app.py` to first answer: {first:.1f} s  (store: {articles} articles)")

        print(ask_load([base], questions, args.clients, args.seconds).summary(args.clients))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
