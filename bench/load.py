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
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared/data/multihop-rag"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--home", required=True)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=60)
    args = p.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    questions = [q["query"] for q in json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))][::11][:200]
    questions += [json.loads(x)["question"] for x in (ROOT / "tests/data/questions.jsonl").read_text().splitlines()]

    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)],
                            env=dict(os.environ, NEWSQA_HOME=args.home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                r = httpx.post(f"{base}/api/ask", json={"question": "What did France say about the withdrawal?"}, timeout=30)
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

        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop = time.perf_counter() + args.seconds

        def client(i: int) -> None:
            with httpx.Client(timeout=60) as c:
                n = i
                while time.perf_counter() < stop:
                    q = questions[n % len(questions)]
                    n += args.clients
                    t = time.perf_counter()
                    try:
                        r = c.post(f"{base}/api/ask", json={"question": q})
                        ok = r.status_code == 200 and "answer" in r.json()
                        err = None if ok else f"HTTP {r.status_code}"
                    except Exception as exc:  # noqa: BLE001 - counted, not raised
                        err = repr(exc)
                    with lock:
                        latencies.append(time.perf_counter() - t)
                        if err:
                            errors.append(err)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        t1 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t1
        lat = sorted(latencies)
        print(f"{args.clients} clients for {wall:.0f} s: {len(lat)} answers, {len(lat) / wall:.1f} answers/s, "
              f"p50 {1000 * lat[len(lat) // 2]:.0f} ms, p95 {1000 * lat[int(0.95 * (len(lat) - 1))]:.0f} ms, "
              f"errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
