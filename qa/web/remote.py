"""When ``python app.py`` owns an embedded store, other processes go through it.

Chroma's embedded PersistentClient is not safe for two writer processes on one path (a
second process does not even see the first one's new vectors). So the app records
where it serves in ``NEWSQA_HOME/app.json`` (server.py), and the CLI, finding a live
app there, sends its work to the app's REST API through ``RemoteAssistant``: the app
writes, and sees the new article at once. With a Chroma server (``NEWSQA_CHROMA_URL``)
every process talks to the server instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from index import IngestReport, Settings, load_paths
from index.article import Article

from ..errors import BadRequest, NewsqaError, NotFound, Unavailable
from ..schema import Answer, ArticleInfo, Passage


def _record(a: Article) -> dict[str, Any]:
    return {
        "title": a.title,
        "body": a.body,
        "source": a.source,
        "url": a.url,
        "published_at": a.published_iso or None,
        "author": a.author,
        "category": a.category,
    }


BATCH_RECORDS = 500  # articles per request to the app (its NEWSQA_MAX_RECORDS may be lower)
BATCH_BYTES = 8 * 2**20  # bytes of JSON per request


def _filters_json(filters: Any) -> Any:
    """Filters as JSON: a ``Filters`` model dumped, a dict or None as given."""
    return filters.model_dump(mode="json") if hasattr(filters, "model_dump") else filters


def _error(status: int, body: bytes) -> NewsqaError:
    """The app's ``{"error": ...}`` answer as the error the app raised."""
    try:
        message = str(json.loads(body).get("error", f"HTTP {status}"))
    except (ValueError, AttributeError):
        message = f"the app answered HTTP {status}"
    kind = NotFound if status == 404 else Unavailable if status >= 500 else BadRequest
    return kind(message)


class RemoteAssistant:
    """The CLI's view of an Assistant that lives in a running app."""

    def load_model(self) -> None:
        """Nothing to load here: the app holds the model."""

    def __init__(self, settings: Settings, url: str):
        import httpx

        self.settings = settings
        self.client = httpx.Client(base_url=url, timeout=600, auth=settings.login)

    def _call(self, method: str, path: str, **kw) -> Any:
        r = self.client.request(method, path, **kw)
        if r.status_code >= 400:
            raise _error(r.status_code, r.content)
        return r.json()

    def add(self, paths, progress=None) -> IngestReport:
        """Files are read here (sidecars and all) and their articles sent to the app."""
        return self.add_loaded(load_paths(paths, self.settings.max_file_bytes), progress)

    def add_loaded(self, loaded, progress=None) -> IngestReport:
        """Articles read or fetched here, sent to the app (the feed watcher uses this)."""
        report = IngestReport(failed=list(loaded.failures))
        if loaded.articles:
            report = report.merge(self._post_articles([_record(a) for a in loaded.articles], progress))
        return report

    def _post_articles(self, records: list[dict[str, Any]], progress=None) -> IngestReport:
        """Records sent in batches within the app's limits (NEWSQA_MAX_RECORDS,
        NEWSQA_MAX_REQUEST_MB); a batch the app queues as a job is polled until done."""
        report = IngestReport()
        limit = max(1, min(self.settings.max_records, BATCH_RECORDS))
        budget = min(self.settings.max_request_bytes // 2, BATCH_BYTES)
        batch: list[dict[str, Any]] = []
        size = 0
        for rec in [*records, None]:
            n = 0 if rec is None else len(json.dumps(rec, ensure_ascii=False).encode())
            if batch and (rec is None or len(batch) >= limit or size + n > budget):
                report = report.merge(self._post_batch(batch, progress))
                batch, size = [], 0
            if rec is not None:
                batch.append(rec)
                size += n
        return report

    def _post_batch(self, records: list[dict[str, Any]], progress=None) -> IngestReport:
        r = self.client.post("/api/articles", json=records)
        if r.status_code == 202:
            got = self._wait_for_job(r.json()["id"], progress)
        elif r.status_code == 422 and "failed" in r.json():
            got = r.json()  # nothing could be added: the report says why
        elif r.status_code >= 400:
            raise _error(r.status_code, r.content)
        else:
            got = r.json()
        return IngestReport.from_dict(got)

    def _wait_for_job(self, job_id: str, progress=None) -> dict[str, Any]:
        import time

        while True:
            job = self._call("GET", f"/api/jobs/{job_id}")
            if progress is not None and job["total"]:
                progress(job["done"], job["total"])
            if job["status"] == "done":
                return job["report"]
            if job["status"] == "failed":
                raise Unavailable(f"the app could not add the articles: {job['error']}")
            time.sleep(0.5)

    def add_urls(self, urls, progress=None, allow_private: bool | None = None) -> IngestReport:
        """Pages are fetched here, with this process's address policy, and their
        articles sent to the app (as files are)."""
        from index.fetch import fetch_articles

        return self.add_loaded(fetch_articles(list(urls), self.settings, allow_private))

    # feeds: their state is a file in NEWSQA_HOME, safe to share with the app (SQLite);
    # polls fetch here and send the articles to the app
    @property
    def watcher(self):
        if getattr(self, "_watcher", None) is None:
            from index.feeds import FeedState, Watcher

            self._watcher = Watcher(self.settings, self, FeedState.open(self.settings))
        return self._watcher

    def feeds(self) -> list[dict[str, Any]]:
        return [f.public() for f in self.watcher.feeds()]

    def add_feed(self, url: str, name: str = "", allow_private: bool | None = None) -> dict[str, Any]:
        from index.feeds import FeedError

        try:
            return self.watcher.add_feed(url, name, allow_private).public()
        except FeedError as exc:
            raise BadRequest(str(exc)) from None

    def remove_feed(self, ident: str) -> dict[str, Any]:
        from index.feeds import FeedError

        try:
            return self.watcher.remove_feed(ident).public()
        except FeedError as exc:
            raise NotFound(str(exc)) from None

    def poll_feeds(self, progress=None) -> list:
        return self.watcher.poll(progress=progress)

    def watch(self, every_minutes=None, stop=None, progress=None) -> None:
        self.watcher.run(every_minutes, stop, progress)

    def add_articles(self, records, progress=None) -> IngestReport:
        """Article dicts (the contract's fields), sent to the app as JSON."""
        return self._post_articles(list(records), progress)

    def articles(self) -> list[ArticleInfo]:
        return [ArticleInfo.from_dict(r) for r in self._call("GET", "/api/articles")]

    def delete(self, article_id: str) -> None:
        self._call("DELETE", f"/api/articles/{article_id}")

    @staticmethod
    def _ask_body(question: str, history, filters) -> dict[str, Any]:
        return {"question": question, "history": list(history or []), "filters": _filters_json(filters)}

    def ask(self, question: str, history=None, filters=None) -> Answer:
        return Answer.from_dict(self._call("POST", "/api/ask", json=self._ask_body(question, history, filters)))

    def ask_stream(self, question: str, history=None, filters=None) -> Iterator[str | Answer]:
        with self.client.stream("POST", "/api/ask/stream", json=self._ask_body(question, history, filters)) as r:
            if r.status_code >= 400:
                raise _error(r.status_code, r.read())
            for line in r.iter_lines():
                if line.strip():
                    item = json.loads(line)
                    yield item["text"] if "text" in item else Answer.from_dict(item["answer"])

    def search(self, query: str, k: int = 10, filters=None) -> list[Passage]:
        body = {"query": query, "k": k, "filters": _filters_json(filters)}
        return [Passage.from_dict(p) for p in self._call("POST", "/api/search", json=body)]
