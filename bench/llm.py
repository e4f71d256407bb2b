"""LLM-written answers against the extractive baseline, on our own 20 questions.

    python bench/llm.py --home DIR --gguf MODEL.gguf [--gguf OTHER.gguf ...]
    python bench/llm.py --home DIR --url http://127.0.0.1:11434/v1 --model NAME

DIR holds the MultiHop-RAG corpus and the bundled article (both are added if missing).
For each writer (extractive, then each model) and each question of
bench/questions_llm.jsonl: correct (answerable: not refused and an expected phrase in
the answer; unanswerable: refused), the share of the answer's sentences that end with a
citation to a passage (after checking), what the model wrote before checking (claims,
supported by its own markers, by another passage, by none), fallbacks, and seconds per
answer. Runs on the CPU; never in CI.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Settings  # noqa: E402
from qa import Assistant  # noqa: E402

DATA = ROOT.parent / "shared/data/multihop-rag"


class Stats(logging.Handler):
    """Collects the citation checker's counts that qa.generative logs per answer."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.total: Counter[str] = Counter()
        self.raw: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "stats"):
            self.total.update(record.stats)
            self.raw.append(record.raw)


def cited_share(text: str, citations: int) -> float:
    """Share of the answer's stretches of text that end in valid [n] markers: the text
    between markers is what each marker cites (an extractive quote may hold several
    sentences under one marker); text after the last marker is uncited."""
    parts = re.split(r"((?:\s*\[\d+\])+)", text)
    stretches = [(parts[i], parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)]
    claims = [(t, m) for t, m in stretches if re.search(r"[A-Za-z0-9]", t)]
    ok = [1 for _, m in claims if m and all(1 <= int(n) <= citations for n in re.findall(r"\d+", m))]
    return len(ok) / len(claims) if claims else 1.0


def run(a: Assistant, questions: list[dict], label: str, show: bool) -> dict:
    stats = Stats()
    log = logging.getLogger("newsqa.llm")
    log.addHandler(stats)
    log.setLevel(logging.DEBUG)
    correct, own, shares, times, fallbacks = 0, 0, [], [], 0
    for q in questions:
        t0 = time.perf_counter()
        ans = a.ask(q["question"], history=q["history"])
        times.append(time.perf_counter() - t0)
        text = ans.text.lower()
        ok = (not ans.refused and any(k.lower() in text for k in q["answer_keys"])) if q["answerable"] else ans.refused
        correct += ok
        fell_back = "extractive answer" in ans.note
        fallbacks += fell_back
        own += ok and q["answerable"] and not fell_back  # answered right in the writer's own words
        if not ans.refused:
            shares.append(cited_share(ans.text, len(ans.citations)))
        if show:
            print(
                f"  [{'ok' if ok else '--'}] {q['question']}\n       {ans.text[:300]}"
                + (f"\n       note: {ans.note}" if ans.note else "")
            )
    log.removeHandler(stats)
    t = stats.total
    row = {
        "writer": label,
        "correct": f"{correct}/{len(questions)}",
        "answerable right, own words": f"{own}/{sum(q['answerable'] for q in questions)}",
        "cited sentences": f"{100 * sum(shares) / max(1, len(shares)):.0f}%",
        "s/answer p50": f"{sorted(times)[len(times) // 2]:.2f}",
        "s/answer max": f"{max(times):.2f}",
        "fallbacks": fallbacks,
        "model claims": t["claims"],
        "as cited": t["as cited"],
        "cited anew": t["cited anew"],
        "unsupported": t["unsupported"],
        "markers pointing nowhere": t["markers pointing nowhere"],
    }
    print(json.dumps(row))
    return row


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--home", required=True)
    p.add_argument("--gguf", action="append", default=[], type=Path, help="GGUF model(s) to run with llama-cpp-python")
    p.add_argument("--url", help="an OpenAI-compatible server instead")
    p.add_argument("--model", default="")
    p.add_argument("--show", action="store_true", help="print every answer")
    args = p.parse_args()
    settings = Settings(home=Path(args.home))
    base = Assistant(settings)
    if base.is_empty():
        base.add([DATA / "corpus.json"])
    base.add([ROOT / "corpus"])
    questions = [json.loads(line) for line in (ROOT / "bench/questions_llm.jsonl").read_text().splitlines()]
    print(f"corpus: {base.stats().articles} articles; {len(questions)} questions")
    base.search("warm up the model and the lexical index")
    rows = [run(base, questions, "extractive", args.show)]
    writers = [(f"llamacpp {g.name}", {"llm": "llamacpp", "llm_gguf": g}) for g in args.gguf]
    if args.url:
        writers.append((f"openai {args.model}", {"llm": "openai", "llm_url": args.url, "llm_model": args.model}))
    for label, over in writers:
        a = base.with_settings(**over)
        t0 = time.perf_counter()
        problem = a.check_llm()
        print(f"{label}: loaded in {time.perf_counter() - t0:.1f} s" + (f" — {problem}" if problem else ""))
        rows.append(run(a, questions, label, args.show))
    print("\n| " + " | ".join(rows[0]) + " |\n|" + "---|" * len(rows[0]))
    for r in rows:
        print("| " + " | ".join(str(v) for v in r.values()) + " |")


if __name__ == "__main__":
    main()
