"""Concurrent HTTP clients asking questions: shared by bench/load.py and bench/cluster.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0

    def summary(self, clients: int, where: str = "") -> str:
        lat = sorted(self.latencies)
        return (
            f"{clients} clients{where} for {self.wall:.0f} s: {len(lat)} answers, {len(lat) / self.wall:.1f} answers/s, "
            f"p50 {1000 * lat[len(lat) // 2]:.0f} ms, p95 {1000 * lat[int(0.95 * (len(lat) - 1))]:.0f} ms, "
            f"errors {len(self.errors)}" + (f" (first: {self.errors[0]})" if self.errors else "")
        )


def ask_load(
    bases: list[str], questions: list[str], clients: int, seconds: float, during: Callable[[], None] | None = None
) -> LoadResult:
    """``clients`` threads POST /api/ask round-robin over ``bases`` for ``seconds``;
    ``during`` runs in this thread meanwhile (e.g. an ingestion)."""
    res = LoadResult()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        with httpx.Client(timeout=120) as c:
            n = i
            while time.perf_counter() < stop:
                base, q = bases[n % len(bases)], questions[n % len(questions)]
                n += clients
                t = time.perf_counter()
                try:
                    r = c.post(f"{base}/api/ask", json={"question": q})
                    err = None if r.status_code == 200 and "answer" in r.json() else f"HTTP {r.status_code}"
                except Exception as exc:  # noqa: BLE001 - counted, not raised
                    err = repr(exc)
                with lock:
                    res.latencies.append(time.perf_counter() - t)
                    if err:
                        res.errors.append(err)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    if during:
        during()
    for t in threads:
        t.join()
    res.wall = time.perf_counter() - t0
    return res
