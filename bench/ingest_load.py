"""Asking while an upload is ingested: /api/ask p95 during a 200-article upload vs idle.

    python bench/ingest_load.py [--articles 200] [--clients 2] [--idle-seconds 40]

Starts `python app.py` on a fresh data directory (the bundled corpus), then, in one run
on this machine:

1. idle: --clients threads ask the bundled corpus's questions over HTTP for
   --idle-seconds; p50/p95 latency;
2. loaded: the same clients ask while --articles MultiHop-RAG articles are posted in
   one ``POST /api/articles`` (answered 202 with a job, polled until done); p50/p95
   of the asks made while the job ran, and how long the job took.

Prints both and the ratio loaded p95 / idle p95 (the target of issue 15: <= 2). Also
checks that /api/health answered throughout (its worst time is printed). Everything
stays on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers import start_app, stop  # noqa: E402 - after the path set-up above


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(p * (len(v) - 1)))] if v else float("nan")


def asking(base: str, questions: list[str], clients: int, until) -> tuple[list[tuple[float, float]], list[str]]:
    """``clients`` threads asking round-robin until ``until()``; (start time, latency) of each ask, and errors."""
    out: list[tuple[float, float]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        n = i
        with httpx.Client(timeout=300) as c:
            while not until():
                q = questions[n % len(questions)]
                n += clients
                t = time.perf_counter()
                try:
                    r = c.post(f"{base}/api/ask", json={"question": q})
                    err = None if r.status_code == 200 else f"HTTP {r.status_code}"
                except httpx.HTTPError as exc:
                    err = repr(exc)
                with lock:
                    out.append((t, time.perf_counter() - t))
                    if err:
                        errors.append(err)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out, errors


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--articles", type=int, default=200)
    p.add_argument(
        "--corpus",
        type=Path,
        default=ROOT.parent / "shared/data/multihop-rag/corpus.json",
        help="MultiHop-RAG's corpus.json (the articles uploaded)",
    )
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--idle-seconds", type=float, default=40)
    args = p.parse_args()
    questions = [json.loads(x)["question"] for x in (ROOT / "tests/data/questions.jsonl").read_text().splitlines()]
    records = json.loads(args.corpus.read_text("utf-8"))[: args.articles]
    upload = [
        {
            "title": r["title"],
            "body": r["body"],
            "source": r.get("source"),
            "url": r.get("url"),
            "published_at": r.get("published_at"),
            "author": r.get("author"),
        }
        for r in records
    ]
    chars = sum(len(r["body"]) for r in upload)

    with tempfile.TemporaryDirectory() as home:
        base, proc = start_app(Path(home))
        try:
            for q in questions[:5]:  # warm: first answers load what they need
                httpx.post(f"{base}/api/ask", json={"question": q}, timeout=300)
            t_end = time.perf_counter() + args.idle_seconds
            idle, idle_err = asking(base, questions, args.clients, lambda: time.perf_counter() > t_end)

            state = {"done": False, "job": None, "health": []}

            def until() -> bool:
                return state["done"]

            def ingest() -> None:
                t0 = time.perf_counter()
                r = httpx.post(f"{base}/api/articles", json=upload, timeout=600)
                state["post_seconds"] = time.perf_counter() - t0
                if r.status_code == 202:
                    job = r.json()
                    while job["status"] not in ("done", "failed"):
                        time.sleep(0.5)
                        h = time.perf_counter()
                        httpx.get(f"{base}/api/health", timeout=300)
                        state["health"].append(time.perf_counter() - h)
                        job = httpx.get(f"{base}{job['url']}", timeout=300).json()
                    state["job"] = job
                else:
                    state["job"] = {"status": f"HTTP {r.status_code}", "report": r.json()}
                state["ingest_window"] = (t0, time.perf_counter())
                state["done"] = True

            worker = threading.Thread(target=ingest)
            worker.start()
            loaded_all, loaded_err = asking(base, questions, args.clients, until)
            worker.join()
        finally:
            stop(proc)

    lo, hi = state["ingest_window"]
    loaded = [lat for t, lat in loaded_all if lo <= t <= hi]
    idle_l = [lat for _t, lat in idle]
    job = state["job"]
    print(
        f"upload: {len(upload)} articles, {chars:,} characters in one POST /api/articles; answered in "
        f"{1000 * state['post_seconds']:.0f} ms ({'202 job' if 'id' in job else job['status']}), "
        f"job {job['status']} after {hi - lo:.1f} s: {json.dumps(job.get('report'))}"
    )
    print(
        f"idle:   {len(idle_l)} asks, p50 {1000 * pct(idle_l, 0.5):.0f} ms, p95 {1000 * pct(idle_l, 0.95):.0f} ms, "
        f"errors {len(idle_err)}"
    )
    print(
        f"loaded: {len(loaded)} asks, p50 {1000 * pct(loaded, 0.5):.0f} ms, p95 {1000 * pct(loaded, 0.95):.0f} ms, "
        f"errors {len(loaded_err)}"
    )
    print(f"health during the job: {len(state['health'])} checks, worst {1000 * max(state['health'] or [0]):.0f} ms")
    print(f"ratio loaded p95 / idle p95: {pct(loaded, 0.95) / pct(idle_l, 0.95):.2f}  (target <= 2)")


if __name__ == "__main__":
    main()
