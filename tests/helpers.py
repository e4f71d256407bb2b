"""Helpers shared by the tests (and the bench scripts): ports, waiting for a server,
starting the app as a process, the small test corpus. Fixtures live in conftest.py."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
MULTIHOP = Path(os.environ.get("NEWSQA_SHARED", ROOT.parent / "shared")) / "data/multihop-rag/corpus.json"
# a few MultiHop-RAG articles (by index in corpus.json) for the small test corpus
MULTIHOP_PICK = (160, 360, 560)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 180, proc: subprocess.Popen | None = None,
                  auth: tuple[str, str] | None = None, ok: Callable[[httpx.Response], bool] | None = None) -> None:
    """Poll ``url`` until it answers 200 (or ``ok(response)``); raise if ``proc`` exits
    first or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=2, auth=auth)
            if ok(r) if ok else r.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before {url} answered")
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def start_app(home: Path, log: Path | None = None, **env_extra: str) -> tuple[str, subprocess.Popen]:
    """``python app.py`` on a free port with NEWSQA_HOME=home, once it answers /api/health
    (with NEWSQA_AUTH's login if given); returns (base URL, process). Its output goes to
    ``log`` (default home/server.log), shown if it fails to start."""
    port = free_port()
    env = dict(os.environ, NEWSQA_HOME=str(home), **env_extra)
    log = log or home / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)], env=env,
                                stdout=out, stderr=out, cwd=home)
    base = f"http://127.0.0.1:{port}"
    auth = tuple(env_extra["NEWSQA_AUTH"].split(",")[0].split(":", 1)) if "NEWSQA_AUTH" in env_extra else None
    try:
        wait_until_up(f"{base}/api/health", timeout=360, proc=proc, auth=auth)
    except RuntimeError as exc:
        proc.kill()
        raise RuntimeError(f"{exc}\n{log.read_text()}") from None
    return base, proc


def start_chroma(path: Path) -> tuple[str, subprocess.Popen]:
    """A real `chroma run` server on a free loopback port, storing under ``path``;
    returns (URL, process) once its heartbeat answers."""
    port = free_port()
    # the chromadb package's own `chroma` command, run by this interpreter (a worktree's
    # venv may borrow chromadb from another venv whose bin/ is not on PATH)
    chroma = [sys.executable, "-c", "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; app()"]
    proc = subprocess.Popen([*chroma, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/api/v2/heartbeat", timeout=60, proc=proc)
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


def multihop_records(pick=MULTIHOP_PICK) -> list[dict]:
    import pytest

    if not MULTIHOP.exists():
        pytest.skip(f"MultiHop-RAG data not found at {MULTIHOP} (set NEWSQA_SHARED)")
    records = json.loads(MULTIHOP.read_text("utf-8"))
    return [records[i] for i in pick]


def unique_collection(prefix: str = "t") -> str:
    return f"{prefix}{os.getpid()}x{time.time_ns() % 10**10}"
