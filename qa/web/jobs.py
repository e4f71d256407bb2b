"""Ingestion jobs: a large ``POST /api/articles`` answers 202 at once with a job id, and
``GET /api/jobs/{id}`` reports its progress and, once done, the report.

Why: embedding a large upload takes minutes on a laptop; one long request ties up the
client, gives no progress and looks like a hung server. The jobs run one at a time (the
store takes one writer) in a daemon thread, so a stopping server is never held up by
one (what a job committed stays: ingestion commits batch by batch).
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import NewsqaError

KEEP = 200  # finished jobs remembered (oldest forgotten first)


@dataclass
class Job:
    id: str
    articles: int
    status: str = "queued"  # queued, running, done, failed
    done: int = 0  # chunks embedded so far
    total: int = 0  # chunks to embed (known once the job runs)
    report: dict[str, Any] | None = None
    error: str = ""
    created: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "articles": self.articles,
            "done": self.done,
            "total": self.total,
            "report": self.report,
            "error": self.error,
            "url": f"/api/jobs/{self.id}",
        }


def lower_priority(niceness: int = 10) -> None:
    """Give this thread (Linux schedules threads one by one) a lower CPU priority, so
    that questions asked meanwhile get the cores first; a no-op where unsupported."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):
        pass


class Jobs:
    """A queue of ingestion jobs run by one worker thread."""

    def __init__(self):
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Job, Callable]] = queue.Queue()
        self._worker: threading.Thread | None = None

    def submit(self, articles: int, work: Callable[[Callable[[int, int], None]], Any]) -> Job:
        """Queue ``work(progress)`` (it returns an IngestReport); return its job at once."""
        job = Job(uuid.uuid4().hex[:16], articles)
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.status in ("done", "failed")]
            for old in finished[: max(0, len(finished) - KEEP)]:
                del self._jobs[old.id]
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="newsqa-ingest", daemon=True)
                self._worker.start()
        self._queue.put((job, work))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self) -> None:
        lower_priority()
        while True:
            job, work = self._queue.get()
            job.status = "running"

            def progress(done: int, total: int, job=job) -> None:
                job.done, job.total = done, total

            try:
                report = work(progress)
                job.report = report.to_dict()
                job.status = "done"
            except NewsqaError as exc:  # a failed job says why; the worker goes on
                job.error, job.status = str(exc), "failed"
            except Exception as exc:  # noqa: BLE001 - a bug: logged, and the job says so without details
                print(f"newsqa: internal error in ingestion job {job.id}: {exc!r}", file=sys.stderr)
                job.error, job.status = "internal error; the server logged it", "failed"
