"""Two app processes sharing one Chroma server, under load, while articles are added.

    python bench/cluster.py --from-home DIR [--clients 32] [--seconds 120] [--new 40]

Starts `chroma run` on loopback, copies an existing store's chunks and articles into it
(DIR, e.g. the one bench/retrieval.py filled: embeddings are not recomputed), starts two
`python app.py` processes on it, then for --seconds has --clients threads asking
questions round-robin over both apps while `newsqa add` ingests --new articles through
the server. Prints errors, throughput and p50/p95, then checks that every article added
during the run is found by both apps. Everything stays on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import ask_load  # noqa: E402
from tests.helpers import free_port, wait_until_up  # noqa: E402

DATA = ROOT.parent / "shared/data/multihop-rag"


def copy_store(src_home: Path, chroma_url: str, collection: str) -> None:
    """Chunks and articles, embeddings included, from an embedded store to the server."""
    from index import ChromaStore, Settings
    from index.store import MAX_BATCH

    src = ChromaStore(Settings(home=src_home))
    dst = ChromaStore(Settings(home=src_home, chroma_url=chroma_url, collection=collection))
    for col, key in ((src.chunks, "chunks"), (src.articles_col, "articles")):  # chunks first: the article is the commit
        offset = 0
        while True:
            got = col.get(include=["embeddings", "documents", "metadatas"], limit=MAX_BATCH, offset=offset)
            if not got["ids"]:
                break
            dst.put_raw(**{key: {k: got[k] for k in ("ids", "embeddings", "documents", "metadatas")}})
            offset += len(got["ids"])


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--from-home", required=True)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, default=120)
    p.add_argument("--new", type=int, default=40)
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="newsqa-cluster-"))
    procs: list[subprocess.Popen] = []
    try:
        cport = free_port()
        chroma = f"http://127.0.0.1:{cport}"
        procs.append(
            subprocess.Popen(
                ["chroma", "run", "--path", str(tmp / "chroma"), "--host", "127.0.0.1", "--port", str(cport)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        wait_until_up(f"{chroma}/api/v2/heartbeat", timeout=300, proc=procs[-1])
        t0 = time.perf_counter()
        copy_store(Path(args.from_home), chroma, "cluster")
        print(f"copied the store into the server in {time.perf_counter() - t0:.0f} s")

        env = dict(os.environ, NEWSQA_CHROMA_URL=chroma, NEWSQA_COLLECTION="cluster", NEWSQA_HOME=str(tmp / "home"))
        apps = []
        for _ in range(2):
            ap = free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, str(ROOT / "app.py"), "--port", str(ap)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            apps.append(f"http://127.0.0.1:{ap}")
        for a, proc in zip(apps, procs[1:]):
            wait_until_up(f"{a}/api/health", timeout=300, proc=proc)

        # new articles: MultiHop bodies under new titles and URLs, so each is findable by its title
        src = json.loads((DATA / "corpus.json").read_text("utf-8"))
        new = [
            {
                "title": f"Cluster check {i:03d} quokka{i:03d}",
                "body": f"Quokka{i:03d} marker. " + src[i * 7 % len(src)]["body"][:3000],
                "url": f"https://cluster.example/{i}",
                "source": "Cluster Wire",
                "published_at": "2023-12-30",
            }
            for i in range(args.new)
        ]
        (tmp / "new.json").write_text(json.dumps(new))

        questions = [q["query"] for q in json.loads((DATA / "MultiHopRAG.json").read_text("utf-8"))][::11]
        ingest: dict = {}

        def add_new() -> None:
            time.sleep(5)
            t = time.perf_counter()
            p = subprocess.run(
                [sys.executable, "-m", "qa.cli", "add", str(tmp / "new.json"), "--json"],
                env=env,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            ingest.update(out=" ".join(p.stdout.split()), seconds=time.perf_counter() - t)

        res = ask_load(apps, questions, args.clients, args.seconds, during=add_new)
        print(f"ingestion during the load: {ingest['out']} ({ingest['seconds']:.0f} s)")
        print(res.summary(args.clients, " over 2 apps"))
        missing = 0
        for a in apps:
            for rec in new:
                hits = httpx.post(f"{a}/api/search", json={"query": rec["title"], "k": 3}, timeout=60).json()
                missing += not any(h["article"]["title"] == rec["title"] for h in hits)
        print(f"articles added during the run found by both apps: {2 * len(new) - missing}/{2 * len(new)}")
    finally:
        for pr in procs[::-1]:
            pr.terminate()
        for pr in procs:
            try:
                pr.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pr.kill()


if __name__ == "__main__":
    main()
