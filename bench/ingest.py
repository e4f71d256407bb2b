"""Ingestion throughput against the physical limit, the raw encode rate.

    python bench/ingest.py [--corpus ../shared/data/multihop-rag/corpus.json] [--home DIR]

Ingests the corpus into a fresh data directory (or --home), then encodes the very same
chunk texts with a bare SentenceTransformer.encode in the same process, and prints
articles/s, chunks/s, tokens/s for both, their ratio, and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Settings, article_from_record  # noqa: E402
from qa import Assistant  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", default=str(ROOT.parent / "shared/data/multihop-rag/corpus.json"))
    p.add_argument("--home", default=None)
    p.add_argument("--limit", type=int, default=None)
    args = p.parse_args()

    records = json.loads(Path(args.corpus).read_text("utf-8"))[: args.limit]
    home = Path(args.home or tempfile.mkdtemp(prefix="newsqa-bench-"))
    a = Assistant.open(Settings(home=home))
    articles = [article_from_record(r, f"record {i}") for i, r in enumerate(records)]
    a.load_model()  # outside the timed part, as the raw run does

    t0 = time.perf_counter()
    report = a.add_articles(articles)
    ingest_s = time.perf_counter() - t0
    ingest_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if report.added == 0:
        sys.exit(f"nothing added: {home} already holds this corpus; use a fresh --home")

    # the baseline reaches below the facade on purpose: the very texts the indexer embedded,
    # encoded by the same model object with nothing else around it
    texts = [a.indexer.embed_text(x, c) for x in articles for c in a.indexer.chunk(x)]
    tokens = sum(a.indexer.counter.count_many(texts))
    model = a.embedder.model
    import torch

    torch.set_num_threads(a.settings.ingest_threads or torch.get_num_threads())
    t0 = time.perf_counter()
    model.encode(texts, batch_size=a.settings.embed_batch_size, normalize_embeddings=True, show_progress_bar=False)
    raw_s = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    n = len(articles)
    print(f"articles {n}  chunks {len(texts)}  tokens {tokens}  (home {home})")
    print(
        f"ingest     {ingest_s:8.1f} s  {n / ingest_s:6.2f} articles/s  {len(texts) / ingest_s:6.2f} chunks/s  {tokens / ingest_s:8.0f} tokens/s"
    )
    print(
        f"raw encode {raw_s:8.1f} s  {n / raw_s:6.2f} articles/s  {len(texts) / raw_s:6.2f} chunks/s  {tokens / raw_s:8.0f} tokens/s"
    )
    print(f"ingest rate / raw encode rate: {raw_s / ingest_s:.3f}   (target >= 0.90)")
    print(f"peak resident memory: ingestion {ingest_peak_mb:.0f} MB, whole run {peak_mb:.0f} MB   (target < 2048 MB)")


if __name__ == "__main__":
    main()
