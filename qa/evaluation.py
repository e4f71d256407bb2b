"""``newsqa eval``: MultiHop-RAG retrieval metrics, and answer quality on a question file.

MultiHop-RAG scoring follows the benchmark's retrieval_evaluate.py: null queries are
skipped; spaces and newlines are removed from gold facts and retrieved text; a chunk is
relevant when any gold fact is a substring of it; Hits@k, MRR@10, and MAP@10 where each
rank r adds (gold facts first found at r) / r, divided by min(#facts, 10).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any


def _norm(s: str) -> str:
    return s.replace(" ", "").replace("\n", "")


def score_ranking(texts: list[str], facts: list[str]) -> dict[str, float]:
    """Official metrics for one query: ``texts`` are the retrieved chunks, best first."""
    gold = [_norm(f) for f in facts]
    top = [_norm(t) for t in texts[:10]]
    rel = [any(g in t for g in gold) for t in top]
    first = next((r for r, ok in enumerate(rel, 1) if ok), None)
    found: set[int] = set()
    ap = 0.0
    for r, t in enumerate(top, 1):
        new = [i for i, g in enumerate(gold) if i not in found and g in t]
        found.update(new)
        ap += len(new) / r
    return {
        "hits@4": float(any(rel[:4])), "hits@10": float(any(rel)),
        "mrr@10": 1.0 / first if first else 0.0, "map@10": ap / min(len(gold), 10) if gold else 0.0,
    }


def multihop(assistant, queries: list[dict[str, Any]], mode: str = "hybrid", progress: bool = True, cfg=None) -> dict[str, Any]:
    """Retrieval metrics overall and per question type, and search latency."""
    from .retrieval import MODES

    cfg = cfg or MODES[mode]
    per_type: dict[str, list[dict[str, float]]] = defaultdict(list)
    latencies = []
    qs = [q for q in queries if q.get("question_type") != "null_query" and q.get("evidence_list")]
    for i, q in enumerate(qs):
        t0 = time.perf_counter()
        passages = assistant.retriever.search(q["query"], 10, None, cfg)
        latencies.append(time.perf_counter() - t0)
        m = score_ranking([p.text for p in passages], [e["fact"] for e in q["evidence_list"]])
        per_type[q["question_type"]].append(m)
        if progress and (i + 1) % 250 == 0:
            print(f"  {i + 1}/{len(qs)}", file=sys.stderr)

    def mean(rows: list[dict[str, float]]) -> dict[str, float]:
        return {k: round(sum(r[k] for r in rows) / len(rows), 4) for k in rows[0]} | {"n": len(rows)}

    all_rows = [r for rows in per_type.values() for r in rows]
    lat = sorted(latencies)
    return {
        "mode": mode,
        "overall": mean(all_rows),
        "by_type": {t: mean(rows) for t, rows in sorted(per_type.items())},
        "search_ms_p50": round(1000 * lat[len(lat) // 2], 1),
    }


def qa_file(assistant, path: Path) -> dict[str, Any]:
    """Answer-key recall (answerable questions), citation validity (every quote is
    the article body at start:end and lies inside its passage), refusal accuracy."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    key_hits = key_total = cites_ok = cites_total = refusal_ok = 0
    failures = []
    bodies: dict[str, str] = {}
    for row in rows:
        ans = assistant.ask(row["question"], history=row.get("history") or [])
        answerable = bool(row.get("answerable", True))
        if ans.refused != answerable:
            refusal_ok += 1
        else:
            failures.append({"question": row["question"], "problem": "refused" if ans.refused else "answered an unanswerable question"})
        if answerable and not ans.refused:
            hay = (ans.text + " " + " ".join(c.quote for c in ans.citations)).casefold()
            for key in row.get("answer_keys", []):
                key_total += 1
                if key.casefold() in hay:
                    key_hits += 1
                else:
                    failures.append({"question": row["question"], "problem": f"missing {key!r}"})
        elif answerable:
            key_total += len(row.get("answer_keys", []))
        for c in ans.citations:
            cites_total += 1
            aid = c.passage.article.id
            if aid not in bodies:
                bodies[aid] = assistant.article(aid)["body"]
            p = c.passage
            if bodies[aid][c.start : c.end] == c.quote and p.start <= c.start and c.end <= p.end:
                cites_ok += 1
    return {
        "questions": len(rows),
        "answer_key_recall": round(key_hits / key_total, 4) if key_total else None,
        "citation_validity": round(cites_ok / cites_total, 4) if cites_total else None,
        "refusal_accuracy": round(refusal_ok / len(rows), 4) if rows else None,
        "failures": failures,
    }


def main(args) -> int:
    from index import Settings

    from .assistant import Assistant

    if args.suite == "qa":
        report = qa_file(Assistant.open(Settings.load()), Path(args.file))
        if args.json:
            print(json.dumps(report, indent=2))
        else:
            for k in ("questions", "answer_key_recall", "citation_validity", "refusal_accuracy"):
                print(f"{k:20} {report[k]}")
            for f in report["failures"]:
                print(f"  {f['problem']}: {f['question']}")
        return 0

    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="newsqa-eval-"))
    a = Assistant.open(Settings.load(home=home))
    t0 = time.perf_counter()
    report = a.add([args.corpus])
    print(f"corpus: added {report.added}, unchanged {report.unchanged}, failed {len(report.failed)} "
          f"({time.perf_counter() - t0:.0f} s, data in {home})", file=sys.stderr)
    queries = json.loads(Path(args.queries).read_text("utf-8"))[: args.limit]
    result = multihop(a, queries, args.mode)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"MultiHop-RAG retrieval ({result['mode']}), {result['overall']['n']} queries, search p50 {result['search_ms_p50']} ms")
    print(f"{'type':20} {'n':>5} {'Hits@4':>7} {'Hits@10':>7} {'MRR@10':>7} {'MAP@10':>7}")
    for name, m in [("overall", result["overall"]), *result["by_type"].items()]:
        print(f"{name:20} {m['n']:5} {m['hits@4']:7.4f} {m['hits@10']:7.4f} {m['mrr@10']:7.4f} {m['map@10']:7.4f}")
    return 0
