"""kill -9 during an ingestion, then the same `newsqa add` again: the store ends
complete, with no duplicate chunks, no chunk without its article and no article
without its chunks. The kills land at known points of the write path
(tests/killpoint.py): after a batch's chunks are written but before any article record
commits them, and after some batches have committed but not all."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from index import Settings
from qa import Assistant
from tests.helpers import check_store_consistent, invented_records, multihop_records, run_until_write

pytestmark = pytest.mark.slow


def _state(home) -> tuple[int, int]:
    """(chunks, committed articles) as a fresh process sees them: an embedded Chroma
    client caches what it read, so this process does not open the store it inspects."""
    code = (
        "import json, sys; from index import Settings; from index.store import ChromaStore; "
        "s = ChromaStore(Settings(home=sys.argv[1])); print(json.dumps([s.count_chunks(), len(s.versions())]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(home)], capture_output=True, text=True, timeout=120, check=True
    )
    chunks, committed = json.loads(out.stdout)
    return chunks, committed


def test_sigkill_mid_ingestion_then_rerun_completes(tmp_path, embedder):
    records = invented_records() + multihop_records()  # 13 articles, some dozens of chunks
    src = tmp_path / "batch.json"
    src.write_text(json.dumps(records))
    home = tmp_path / "home"
    env = dict(os.environ, NEWSQA_HOME=str(home))
    add = ["add", str(src), "--json"]

    # 1. killed once the first batch's chunks are in, before its article records
    run_until_write(add, env, "chunks", 1, embed_group=16)
    chunks, committed = _state(home)
    assert chunks > 0 and committed == 0, "the kill was to land between the chunks and their commit"

    # 2. killed again after the second batch committed: some articles stored, not all
    run_until_write(add, env, "articles", 2, embed_group=16)
    _, committed = _state(home)
    assert 0 < committed < len(records)

    # 3. the same command again completes the store
    p = subprocess.run([sys.executable, "-m", "qa.cli", *add], env=env, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["added"] + report["unchanged"] == len(records) and report["updated"] == 0
    assert report["unchanged"] == committed  # what the second run committed is not embedded again

    a = Assistant(Settings(home=home), embedder=embedder)
    assert len(a.articles()) == len(records)
    check_store_consistent(a.store)
    assert a.search("flash flood", k=3)  # and the store still answers
