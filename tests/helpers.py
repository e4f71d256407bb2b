"""Helpers shared by the tests (and a few bench scripts): the small test corpus, ports,
waiting for a condition, starting the app or a Chroma server, killing a process at a
chosen store write, and the checks several test modules make of an answer or a store.

Fixtures live in conftest.py; test modules import helpers from here only (never from
conftest or from another test module). Everything the tests read lies in tests/data,
so a fresh clone runs them all with no data set beside it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import httpx

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
# three MultiHop-RAG articles (corpus.json indices 160, 360, 560), vendored with their
# ODC-BY attribution in tests/data/multihop/README.md
MULTIHOP = DATA / "multihop" / "articles.json"
INVENTED = DATA / "articles"
KILLPOINT = Path(__file__).resolve().parent / "killpoint.py"
# Debian's Chromium for the browser tests (skipped, with that reason, where it is missing)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# how the browser tests launch it: headless in a container, nothing fetched in the background
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

T = TypeVar("T")


# -- the small test corpus ---------------------------------------------------------------
def multihop_records() -> list[dict]:
    """The three vendored MultiHop-RAG articles, as the data set publishes them."""
    return json.loads(MULTIHOP.read_text("utf-8"))


def invented_records() -> list[dict]:
    """The ten invented articles of tests/data/articles (fictional, written for the reader)."""
    return [json.loads(p.read_text("utf-8")) for p in sorted(INVENTED.glob("*.json"))]


# -- chunk rows and small lexical indexes (no model, no store) -----------------------------
def chunk_row(
    aid: str,
    n: int,
    text: str,
    *,
    start: int = 0,
    version: str = "v",
    spans: Sequence[tuple[int, int]] = (),
    source: str = "",
    carriers: tuple[str, ...] = (),
    published_ts: int = 0,
    sentence_vectors: str = "",
) -> tuple[str, str, dict]:
    """A chunk as the lexical index reads it from Chroma (id, text, metadata), its outlet
    keys filled in as ingestion fills them; ``spans`` are its sentences (one by default)."""
    from index.records import ChunkMeta

    key = source.casefold()
    meta = ChunkMeta(
        aid,
        version,
        n,
        start,
        start + len(text),
        source=source,
        source_key=key,
        source_keys=(key, *carriers) if source else (),
        published_ts=published_ts,
        header=f"{aid} | {source}" if source else "",
        sentence_field=",".join(f"{a}-{b}" for a, b in (spans or [(0, len(text))])),
        sentence_vectors=sentence_vectors,
    )
    return (f"{aid}:{version}:{n:04d}", text, meta.to_dict())


def article_index(chunks: Sequence[Sequence[str]], title: str = "t"):
    """A lexical index over one article ("a") whose chunks hold these sentences (sentences
    and chunks joined by a space make its body), and a Passage for each chunk."""
    from qa.lexical import LexicalIndex
    from qa.schema import ArticleRef, Passage

    rows, passages, start = [], [], 0
    article = ArticleRef(id="a", title=title, source="s")
    for n, sentences in enumerate(chunks):
        text = " ".join(sentences)
        offsets = [text.index(s) for s in sentences]
        rows.append(chunk_row("a", n, text, start=start, spans=[(o, o + len(s)) for o, s in zip(offsets, sentences)]))
        passages.append(Passage(text, 1.0, start, start + len(text), article, rows[-1][0]))
        start += len(text) + 1
    return LexicalIndex.build("g", rows, {"a": "x"}), passages


# -- waiting -----------------------------------------------------------------------------
def wait_for(
    check: Callable[[], T], timeout: float, what: str, every: float = 0.1, proc: subprocess.Popen | None = None
) -> T:
    """Call ``check`` until it returns something true and return that; raise
    ``AssertionError`` naming ``what`` if ``timeout`` seconds pass or ``proc`` exits first.
    The one polling loop of the tests: a condition, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: {proc.args[0]} exited with {proc.returncode} first")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(
    url: str,
    timeout: float = 180,
    proc: subprocess.Popen | None = None,
    auth: tuple[str, str] | None = None,
    ok: Callable[[httpx.Response], bool] | None = None,
) -> None:
    """Poll ``url`` until it answers 200 (or ``ok(response)``); raise if ``proc`` exits
    first or ``timeout`` seconds pass."""

    def up() -> bool:
        try:
            r = httpx.get(url, timeout=2, auth=auth)
        except httpx.HTTPError:
            return False
        return ok(r) if ok else r.status_code == 200

    try:
        wait_for(up, timeout, f"{url} answering", every=0.25, proc=proc)
    except AssertionError as exc:
        raise RuntimeError(str(exc)) from None


def start_app(
    home: Path, log: Path | None = None, args: Sequence[str] = (), **env_extra: str
) -> tuple[str, subprocess.Popen]:
    """``python app.py`` (plus ``args``) on a free port with NEWSQA_HOME=home, once it
    answers /api/health (with NEWSQA_AUTH's login if given); returns (base URL, process).
    Its output goes to ``log`` (default home/server.log), shown if it fails to start."""
    port = free_port()
    env = dict(os.environ, NEWSQA_HOME=str(home), **env_extra)
    log = log or home / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=out,
            cwd=home,
        )
    base = f"http://127.0.0.1:{port}"
    auth = tuple(env_extra["NEWSQA_AUTH"].split(",")[0].split(":", 1)) if "NEWSQA_AUTH" in env_extra else None
    try:
        wait_until_up(f"{base}/api/health", timeout=360, proc=proc, auth=auth)
    except RuntimeError as exc:
        proc.kill()
        raise RuntimeError(f"{exc}\n{log.read_text()}") from None
    return base, proc


def start_chroma(path: Path, timeout: float = 60) -> tuple[str, subprocess.Popen]:
    """A real `chroma run` server on a free loopback port, storing under ``path``;
    returns (URL, process) once its heartbeat answers (within ``timeout`` seconds: a
    large store takes longer to open)."""
    port = free_port()
    # the chromadb package's own `chroma` command, run by this interpreter (a worktree's
    # venv may borrow chromadb from another venv whose bin/ is not on PATH)
    chroma = [sys.executable, "-c", "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; app()"]
    proc = subprocess.Popen(
        [*chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/v2/heartbeat", timeout=timeout, proc=proc)
    except RuntimeError:
        proc.kill()
        raise
    return url, proc


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def serve_app(assistant, settings=None) -> Iterator[str]:
    """The real web app (``qa.web.server.create_app``: REST, /v1, /mcp, Gradio) served by
    uvicorn on loopback inside the test process, so it shares the loaded model and store.
    Yields the base URL; stops it (lifespan shutdown included) after."""
    import threading

    import uvicorn

    from qa.web.server import create_app

    app = create_app(assistant, settings or assistant.settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), 60, "the app starting", every=0.05)
    assert server.started, "the app did not start"
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(15)


def unique_collection(prefix: str = "t") -> str:
    return f"{prefix}{os.getpid()}x{time.time_ns() % 10**10}"


# -- crashing at a chosen write ----------------------------------------------------------
def run_until_write(
    cli_args: Sequence[str],
    env: dict[str, str],
    collection: str,
    nth: int,
    embed_group: int | None = None,
    timeout: float = 600,
) -> subprocess.Popen:
    """Run ``newsqa CLI_ARGS`` (tests/killpoint.py) until its ``nth`` Chroma upsert into
    the ``collection`` ("chunks" or "articles") has returned, then SIGKILL it while it
    waits there: the kill lands at a known point of the write path, not after a guessed
    sleep. ``embed_group`` makes the ingestion commit every that many chunks. Returns the
    killed process; raises if the run ends without reaching that write."""
    import signal
    import threading

    cmd = [sys.executable, str(KILLPOINT), collection, str(nth), str(embed_group or 0), *cli_args]
    proc = subprocess.Popen(
        cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    watchdog = threading.Timer(timeout, proc.kill)  # a run that hangs fails instead of hanging the suite
    watchdog.start()
    seen = []
    assert proc.stderr is not None
    try:
        for line in proc.stderr:  # blocks until the child writes; the marker ends a line
            seen.append(line)
            if "newsqa-killpoint reached" in line:
                break
        else:
            proc.wait(timeout=30)
            raise AssertionError(
                f"the run ended ({proc.returncode}) before upsert {nth} into {collection}:\n" + "".join(seen)[-3000:]
            )
    finally:
        watchdog.cancel()
    assert proc.poll() is None, "the run was not held at its write"
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    proc.stdin.close()
    proc.stderr.close()
    return proc


# -- checks several modules make ---------------------------------------------------------
def check_citations(assistant, answer) -> None:
    """Every citation quotes its article exactly, lies inside its passage, whose text is
    the article's too; the markers are [1]..[n] in order, each used, none beyond n."""
    assert answer.citations, "an answer must cite"
    for c in answer.citations:
        body = assistant.article(c.passage.article.id).body
        assert body[c.start : c.end] == c.quote
        assert c.passage.start <= c.start and c.end <= c.passage.end
        assert body[c.passage.start : c.passage.end] == c.passage.text
        assert f"[{c.n}]" in answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert all(int(n) <= len(answer.citations) for n in re.findall(r"\[(\d+)\]", answer.text)), answer.text


def quotes(answer) -> str:
    """All the quotes of an answer, one string (for "the answer quotes X" checks)."""
    return " ".join(c.quote for c in answer.citations)


def check_store_consistent(store) -> dict[str, str]:
    """No chunk without its committed article, no chunk of a stale version, no article
    without all its chunks, no chunk twice; returns article id -> committed version."""
    versions = store.versions()
    got = store.chunks.get(include=["metadatas"])
    per_article: dict[str, int] = {}
    keys = set()
    for cid, m in zip(got["ids"], got["metadatas"]):
        assert m["article_id"] in versions, f"orphan chunk {cid}"
        assert versions[m["article_id"]] == m["version"], f"stale chunk {cid}"
        assert (m["article_id"], m["chunk"]) not in keys, f"duplicate chunk {cid}"
        keys.add((m["article_id"], m["chunk"]))
        per_article[m["article_id"]] = per_article.get(m["article_id"], 0) + 1
    for art in store.list_articles():
        assert per_article.get(art["id"], 0) == art["chunks"], f"article {art['id']} lacks chunks"
    return versions
