"""kill -9 during an ingestion, then the same `newsqa add` again: the store ends
complete, with no duplicate chunks, no chunk without its article and no article
without its chunks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from index import Settings
from qa import Assistant
from tests.conftest import multihop_records
from tests.index.test_ingest import _consistent


def _add(home, path):
    env = dict(os.environ, NEWSQA_HOME=str(home))
    return subprocess.Popen([sys.executable, "-m", "qa.cli", "add", str(path), "--json"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_mid_ingestion_then_rerun_completes(tmp_path, embedder):
    records = multihop_records(range(0, 600, 25))  # 24 articles, a few hundred chunks
    src = tmp_path / "batch.json"
    src.write_text(json.dumps(records))
    home = tmp_path / "home"
    for delay in (9.0, 16.0):  # model loading takes several seconds; then it is writing
        p = _add(home, src)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    p = _add(home, src)
    out, err = p.communicate(timeout=900)
    assert p.returncode == 0, err
    report = json.loads(out)
    assert report["added"] + report["unchanged"] == len(records) and report["updated"] == 0

    a = Assistant(Settings(home=home), embedder=embedder)
    assert len(a.articles()) == len(records)
    _consistent(a)
    got = a.store.chunks.get(include=["metadatas"])
    keys = [(m["article_id"], m["chunk"]) for m in got["metadatas"]]
    assert len(keys) == len(set(keys)), "duplicate chunks"
    assert a.search("touchdown", k=3)  # and the store still answers
