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

from .errors import BadRequest


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
        "hits@4": float(any(rel[:4])),
        "hits@10": float(any(rel)),
        "mrr@10": 1.0 / first if first else 0.0,
        "map@10": ap / min(len(gold), 10) if gold else 0.0,
    }


def multihop(
    assistant, queries: list[dict[str, Any]], mode: str = "hybrid", progress: bool = True, cfg=None
) -> dict[str, Any]:
    """Retrieval metrics overall and per question type, and search latency."""
    from .retrieval import MODES

    cfg = cfg or MODES[mode]
    per_type: dict[str, list[dict[str, float]]] = defaultdict(list)
    latencies = []
    qs = [q for q in queries if q.get("question_type") != "null_query" and q.get("evidence_list")]
    for i, q in enumerate(qs):
        t0 = time.perf_counter()
        passages = assistant.retrieve(q["query"], 10, None, cfg)
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


def _key_found(key: str | list[str], hay: str) -> bool:
    """An answer key, or any of its alternatives, in the answer (case-insensitive)."""
    alts = key if isinstance(key, list) else [key]
    return any(" ".join(str(a).split()).casefold() in hay for a in alts)


def _spans_ok(assistant, answer, bodies: dict[str, str]) -> tuple[int, int]:
    """(valid, total) citations: each quote is the article body at start:end and lies
    inside its passage."""
    ok = 0
    for c in answer.citations:
        aid = c.passage.article.id
        if aid not in bodies:
            bodies[aid] = assistant.article(aid)["body"]
        p = c.passage
        ok += bodies[aid][c.start : c.end] == c.quote and p.start <= c.start and c.end <= p.end
    return ok, len(answer.citations)


class _Replay:
    """Earlier turns of a conversation asked for real, so a follow-up sees the answers
    the assistant actually gave (cached: several follow-ups share a history)."""

    def __init__(self, assistant):
        self.assistant = assistant
        self.cache: dict[tuple[str, ...], list[tuple[str, str]]] = {(): []}

    def pairs(self, questions: list[str]) -> list[tuple[str, str]]:
        key = tuple(questions)
        if key not in self.cache:
            before = self.pairs(questions[:-1])
            ans = self.assistant.ask(questions[-1], history=before)
            self.cache[key] = before + [(questions[-1], ans.text)]
        return self.cache[key]


def qa_file(assistant, path: Path, progress: bool = False, split: str | None = None) -> dict[str, Any]:
    """A question file (JSON lines of {question, history, answerable, answer_keys, kind}):
    answer-key recall, false refusals, unanswerable questions refused, follow-ups right,
    citation validity, overall and per kind. A question is right when an answerable one
    is answered with all its keys (in the answer or its quotes), or an unanswerable one
    refused. String history items are earlier questions, replayed to get their answers.
    ``split`` keeps the rows whose "split" field is that (a file holding dev and test)."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    if split is not None:
        rows = [r for r in rows if r.get("split") == split]
        if not rows:
            raise BadRequest(f"no question in {path.name} has split {split!r}")
    replay = _Replay(assistant)
    bodies: dict[str, str] = {}
    per_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    results = []
    latencies = []
    for i, row in enumerate(rows):
        history = row.get("history") or []
        if history and all(isinstance(h, str) for h in history):
            history = replay.pairs(list(history))
        t0 = time.perf_counter()
        ans = assistant.ask(row["question"], history=history)
        latencies.append(time.perf_counter() - t0)
        answerable = bool(row.get("answerable", True))
        keys = row.get("answer_keys", []) if answerable else []
        hay = " ".join((ans.text + " " + " ".join(c.quote for c in ans.citations)).split()).casefold()
        found = [k for k in keys if not ans.refused and _key_found(k, hay)]
        ok_spans, n_spans = _spans_ok(assistant, ans, bodies)
        right = (not ans.refused and len(found) == len(keys)) if answerable else ans.refused
        r = {
            "id": row.get("id", str(i)),
            "question": row["question"],
            "kind": row.get("kind", ""),
            "followup": bool(row.get("history")),
            "answerable": answerable,
            "refused": ans.refused,
            "keys": len(keys),
            "found": len(found),
            "right": right,
            "spans_ok": ok_spans,
            "spans": n_spans,
            "answer": ans.text,
            "understood": ans.question,
            "missing": [k for k in keys if k not in found],
        }
        results.append(r)
        per_kind[r["kind"] or "-"].append(r)
        if progress and (i + 1) % 25 == 0:
            print(f"  {i + 1}/{len(rows)}", file=sys.stderr)
    summary = _qa_summary(results)
    lat = sorted(latencies)
    summary["ask_ms_p50"] = round(1000 * lat[len(lat) // 2], 1) if lat else None
    summary["by_kind"] = {k: _qa_summary(v) for k, v in sorted(per_kind.items())}
    summary["results"] = results
    return summary


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _qa_summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in results if r["answerable"]]
    unanswerable = [r for r in results if not r["answerable"]]
    followups = [r for r in results if r["followup"]]
    return {
        "questions": len(results),
        "answer_key_recall": _ratio(sum(r["found"] for r in answerable), sum(r["keys"] for r in answerable)),
        "false_refusals": _ratio(sum(r["refused"] for r in answerable), len(answerable)),
        "unanswerable_refused": _ratio(sum(r["refused"] for r in unanswerable), len(unanswerable)),
        "followups_right": _ratio(sum(r["right"] for r in followups), len(followups)),
        "right": _ratio(sum(r["right"] for r in results), len(results)),
        "citation_validity": _ratio(sum(r["spans_ok"] for r in results), sum(r["spans"] for r in results)),
    }


def multihop_answers(assistant, queries: list[dict[str, Any]], progress: bool = True) -> dict[str, Any]:
    """MultiHop-RAG through ``ask``: for the answerable queries, the share of gold facts
    found (whitespace-insensitive) inside the answer's cited quotes, the share of queries
    with every fact cited, the share refused; for the null queries, the share refused;
    and whether every cited quote is an exact span of its article."""
    per_type: dict[str, list[dict[str, float]]] = defaultdict(list)
    bodies: dict[str, str] = {}
    spans_ok = spans = 0
    latencies = []
    for i, q in enumerate(queries):
        t0 = time.perf_counter()
        ans = assistant.ask(q["query"])
        latencies.append(time.perf_counter() - t0)
        ok, n = _spans_ok(assistant, ans, bodies)
        spans_ok += ok
        spans += n
        quotes = [_norm(c.quote) for c in ans.citations]
        facts = [_norm(e["fact"]) for e in q.get("evidence_list") or []]
        found = sum(any(f in t for t in quotes) for f in facts)
        per_type[q["question_type"]].append(
            {
                "refused": float(ans.refused),
                "facts": len(facts),
                "found": found,
                "all": float(bool(facts) and found == len(facts)),
            }
        )
        if progress and (i + 1) % 100 == 0:
            print(f"  {i + 1}/{len(queries)}", file=sys.stderr)

    def summary(rows: list[dict[str, float]]) -> dict[str, Any]:
        n_facts = sum(r["facts"] for r in rows)
        return {
            "n": len(rows),
            "fact_recall": _ratio(sum(r["found"] for r in rows), n_facts),
            "all_facts_cited": _ratio(sum(r["all"] for r in rows), len(rows)) if n_facts else None,
            "refused": _ratio(sum(r["refused"] for r in rows), len(rows)),
        }

    answerable = [r for t, rows in per_type.items() if t != "null_query" for r in rows]
    lat = sorted(latencies)
    return {
        "answerable": summary(answerable) if answerable else None,
        "null": summary(per_type["null_query"]) if per_type.get("null_query") else None,
        "by_type": {t: summary(rows) for t, rows in sorted(per_type.items())},
        "exact_spans": _ratio(spans_ok, spans),
        "ask_ms_p50": round(1000 * lat[len(lat) // 2], 1) if lat else None,
        "ask_ms_p95": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1) if lat else None,
    }


def split_queries(queries: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The development split is every fifth query of the file (the reader was tuned on it
    only); "test" is the other four fifths."""
    if split == "dev":
        return queries[::5]
    if split == "test":
        return [q for i, q in enumerate(queries) if i % 5]
    return queries


def _print_qa(report: dict[str, Any], verbose: bool) -> None:
    keys = (
        "questions",
        "answer_key_recall",
        "false_refusals",
        "unanswerable_refused",
        "followups_right",
        "right",
        "citation_validity",
    )
    for k in keys:
        print(f"{k:22} {report[k]}")
    print(f"{'ask_ms_p50':22} {report['ask_ms_p50']}")
    print(f"\n{'kind':14} {'n':>4} {'recall':>7} {'false_ref':>9} {'unans_ref':>9} {'right':>6}")
    for kind, m in report["by_kind"].items():
        cells = [m["answer_key_recall"], m["false_refusals"], m["unanswerable_refused"], m["right"]]
        print(
            f"{kind:14} {m['questions']:4} "
            + " ".join(f"{'-' if c is None else f'{c:.2f}':>{w}}" for c, w in zip(cells, (7, 9, 9, 6)))
        )
    if verbose:
        for r in report["results"]:
            if not r["right"]:
                why = ("refused" if r["refused"] else f"missing {r['missing']}") if r["answerable"] else "answered"
                print(
                    f"\n[{r['id']} {r['kind']}] {r['question']}\n  understood: {r['understood']}\n  {why}: {r['answer'][:400]}"
                )


def _load_store(args):
    from index import Settings

    from .assistant import Assistant

    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="newsqa-eval-"))
    a = Assistant.open(Settings.load(home=home))
    t0 = time.perf_counter()
    report = a.add([args.corpus])
    print(
        f"corpus: added {report.added}, unchanged {report.unchanged}, failed {len(report.failed)} "
        f"({time.perf_counter() - t0:.0f} s, data in {home})",
        file=sys.stderr,
    )
    return a


def main(args) -> int:
    from index import Settings

    from .assistant import Assistant

    if args.suite == "qa":
        report = qa_file(Assistant.open(Settings.load()), Path(args.file), progress=not args.json, split=args.split)
        if args.json:
            print(json.dumps(report, indent=2, ensure_ascii=False))
        else:
            _print_qa(report, args.verbose)
        return 0

    a = _load_store(args)
    queries = json.loads(Path(args.queries).read_text("utf-8"))
    if args.suite == "answers":
        queries = split_queries(queries, args.split)[: args.limit]
        result = multihop_answers(a, queries, progress=not args.json)
        if args.json:
            print(json.dumps(result, indent=2))
            return 0
        print(
            f"MultiHop-RAG answers, {len(queries)} queries ({args.split} split), exact spans {result['exact_spans']}, "
            f"ask p50 {result['ask_ms_p50']} ms, p95 {result['ask_ms_p95']} ms"
        )
        print(f"{'type':20} {'n':>5} {'facts':>7} {'all':>7} {'refused':>7}")
        for name, m in [("answerable", result["answerable"]), ("null", result["null"]), *result["by_type"].items()]:
            if m:
                cells = [m["fact_recall"], m["all_facts_cited"], m["refused"]]
                print(f"{name:20} {m['n']:5} " + " ".join(f"{'-' if c is None else f'{c:.4f}':>7}" for c in cells))
        return 0

    result = multihop(a, queries[: args.limit], args.mode)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"MultiHop-RAG retrieval ({result['mode']}), {result['overall']['n']} queries, search p50 {result['search_ms_p50']} ms"
    )
    print(f"{'type':20} {'n':>5} {'Hits@4':>7} {'Hits@10':>7} {'MRR@10':>7} {'MAP@10':>7}")
    for name, m in [("overall", result["overall"]), *result["by_type"].items()]:
        print(f"{name:20} {m['n']:5} {m['hits@4']:7.4f} {m['hits@10']:7.4f} {m['mrr@10']:7.4f} {m['map@10']:7.4f}")
    return 0
