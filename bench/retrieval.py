"""MultiHop-RAG retrieval quality of every pipeline stage, in one run.

    python bench/retrieval.py --home DIR [--corpus ...] [--queries ...]

Ingests the corpus into DIR if needed (reruns skip it), then prints the official metrics
(Hits@4, Hits@10, MRR@10, MAP@10) overall and per question type for each ablation mode,
plus the same on the development split the weights were chosen on (every fifth
non-null query) and on the rest (held out).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Settings  # noqa: E402
from qa import Assistant  # noqa: E402
from qa.evaluation import multihop  # noqa: E402
from qa.retrieval import MODES  # noqa: E402

DATA = ROOT.parent / "shared/data/multihop-rag"


def row(name: str, m: dict) -> str:
    return f"| {name} | {m['n']} | {m['hits@4']:.4f} | {m['hits@10']:.4f} | {m['mrr@10']:.4f} | {m['map@10']:.4f} |"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--home", required=True)
    p.add_argument("--corpus", default=str(DATA / "corpus.json"))
    p.add_argument("--queries", default=str(DATA / "MultiHopRAG.json"))
    p.add_argument("--modes", default=",".join(MODES))
    args = p.parse_args()
    a = Assistant.open(Settings(home=Path(args.home)))
    a.add([args.corpus])
    queries = [q for q in json.loads(Path(args.queries).read_text("utf-8")) if q["question_type"] != "null_query"]
    dev, held = queries[::5], [q for i, q in enumerate(queries) if i % 5]
    print("| mode | n | Hits@4 | Hits@10 | MRR@10 | MAP@10 |\n|---|---|---|---|---|---|")
    for mode in args.modes.split(","):
        r = multihop(a, queries, mode, progress=False)
        print(row(f"{mode} (all)", r["overall"]))
        if mode == "hybrid":
            for t, m in r["by_type"].items():
                print(row(f"hybrid: {t}", m))
            print(row("hybrid: dev split", multihop(a, dev, mode, progress=False)["overall"]))
            print(row("hybrid: held-out split", multihop(a, held, mode, progress=False)["overall"]))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
