"""Calibrate the wire-copy threshold of index/dedup.py on pairs built and labelled here.

Positives (same story): a MultiHop-RAG article and a copy of it with the small edits
outlets make to agency copy: a dateline or agency credit, a few words swapped (1-4 %),
the last paragraph(s) cut (up to a quarter of the text), an extra local sentence.
Negatives (different stories on the same topic): for each article, the most similar
article of the same category from *another outlet* by shingle Jaccard (the hardest
negative there is in the corpus); their titles are printed so the labels can be checked
by eye. (Pairs from one outlet are never folded: an outlet does not carry one story
twice; its near-copies, such as a deals list redone for Cyber Monday, are its own
articles. The most similar same-outlet pair is printed too.)

    python bench/dedup.py [--corpus ../shared/data/multihop-rag/corpus.json] [--n 200]

Prints, for 3- and 5-word shingles, the range of exact Jaccard similarity over the
positives and negatives, the MinHash estimate's error, and how the chosen THRESHOLD
splits them (including through the LSH candidate step).
"""

from __future__ import annotations

import argparse
import json
import random
import zlib
from pathlib import Path

import numpy as np

from index.dedup import NUM_PERM, THRESHOLD, BatchIndex, shingles, signature

ROOT = Path(__file__).resolve().parents[1]
SWAPS = [
    "said",
    "told",
    "reported",
    "announced",
    "noted",
    "added",
    "stated",
    "explained",
    "claimed",
    "week",
    "Tuesday",
    "company",
    "officials",
    "government",
    "people",
    "year",
    "new",
    "former",
    "major",
    "local",
]
DATELINES = ["LONDON (Reuters) - ", "NEW YORK (AP) — ", "PARIS (AFP) - ", "WASHINGTON (Reuters) - ", ""]
CREDITS = [
    "",
    "Reporting by Anna Kell; Editing by Tom Brand",
    "The Associated Press contributed to this report.",
    "(c) Copyright Agence France-Presse.",
]
EXTRA = [
    "The story was updated with comments from local officials.",
    "Readers can follow live updates on our website.",
    "It was not immediately clear how the decision would affect residents in the region.",
]


def wire_copy(body: str, rng: random.Random) -> tuple[str, dict]:
    """A copy of ``body`` with the small edits a second outlet makes."""
    paras = [p for p in body.split("\n") if p.strip()]
    cut = 0
    if len(paras) >= 4 and rng.random() < 0.6:  # cut from the end, up to a quarter of the text
        total = sum(len(p) for p in paras)
        while len(paras) > 3 and sum(len(p) for p in paras[-1:]) + cut <= total * 0.25 and rng.random() < 0.7:
            cut += len(paras.pop())
    words_rate = rng.choice([0.01, 0.02, 0.03, 0.04])
    out = []
    for p in paras:
        words = p.split(" ")
        for i in range(len(words)):
            if rng.random() < words_rate:
                words[i] = rng.choice(SWAPS)
        out.append(" ".join(words))
    if rng.random() < 0.4:
        out.insert(rng.randrange(1, len(out) + 1), rng.choice(EXTRA))
    text = rng.choice(DATELINES) + "\n".join(out)
    credit = rng.choice(CREDITS)
    if credit:
        text += "\n" + credit
    return text, {"swap_rate": words_rate, "cut_chars": cut}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default=str(ROOT.parent / "shared/data/multihop-rag/corpus.json"))
    p.add_argument("--n", type=int, default=200, help="articles used as positives' originals")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    records = [r for r in json.loads(Path(args.corpus).read_text("utf-8")) if len(r["body"].split()) > 150]
    rng = random.Random(args.seed)
    originals = rng.sample(records, min(args.n, len(records)))
    for k in (3, 5):
        sh = [shingles(r["body"], k) for r in records]
        pos = []
        for r in originals:
            copy, _ = wire_copy(r["body"], random.Random(zlib.crc32(f"{args.seed}{r['url']}".encode())))
            pos.append(jaccard(shingles(r["body"], k), shingles(copy, k)))
        neg, neg_pairs = [], []
        for i, r in enumerate(records):
            best, bj = None, -1.0
            for j, o in enumerate(records):
                if i != j and o["category"] == r["category"] and o["source"] != r["source"]:
                    s = jaccard(sh[i], sh[j])
                    if s > bj:
                        best, bj = j, s
            if best is None:
                continue
            neg.append(bj)
            neg_pairs.append((bj, r["title"], records[best]["title"]))
        if k == 3:
            same = max(
                (jaccard(sh[i], sh[j]), records[i]["source"], records[i]["title"], records[j]["title"])
                for i in range(len(records))
                for j in range(i + 1, len(records))
                if records[i]["source"] == records[j]["source"] and records[i]["category"] == records[j]["category"]
            )
            print(
                f"  most similar same-outlet pair (never folded): {same[0]:.3f} {same[1]}: {same[2][:50]!r} vs {same[3][:50]!r}"
            )
        pos_a, neg_a = np.array(pos), np.array(neg)
        print(
            f"{k}-word shingles: positives {len(pos)} (wire copies)  Jaccard min {pos_a.min():.3f} "
            f"p5 {np.percentile(pos_a, 5):.3f} median {np.median(pos_a):.3f}"
        )
        print(
            f"{k}-word shingles: negatives {len(neg)} (nearest other story, same category)  Jaccard max "
            f"{neg_a.max():.3f} p99 {np.percentile(neg_a, 99):.3f} median {np.median(neg_a):.3f}"
        )
        if k == 3:
            print("  hardest negatives (check by eye that they are different stories):")
            for bj, t1, t2 in sorted(neg_pairs, reverse=True)[:6:2]:
                print(f"    {bj:.3f}  {t1[:60]!r}  vs  {t2[:60]!r}")

    # the real path: MinHash signatures and LSH candidates, at the chosen threshold
    sigs = [signature(r["body"]) for r in records]
    index = BatchIndex()
    for i, s in enumerate(sigs):
        if s is not None:
            index.add(str(i), s)
    found = missed = 0
    est_err = []
    for r in originals:
        copy, _ = wire_copy(r["body"], random.Random(zlib.crc32(f"{args.seed}{r['url']}".encode())))
        s = signature(copy)
        m = index.best(s)
        if m is not None and records[int(m.story_id)]["url"] == r["url"]:
            found += 1
        else:
            missed += 1
        est_err.append(abs(s.jaccard(sigs[records.index(r)]) - jaccard(shingles(r["body"]), shingles(copy))))
    false_folds = 0
    for i, s in enumerate(sigs):
        if s is None:
            continue
        others = [
            k for k in index.lsh.query(s.minhash()) if k != str(i) and records[int(k)]["source"] != records[i]["source"]
        ]
        if any(index.sigs[k].jaccard(s) >= THRESHOLD for k in others):
            false_folds += 1
    print(
        f"THRESHOLD {THRESHOLD} with MinHash ({NUM_PERM} permutations) + LSH: wire copies folded "
        f"{found}/{found + missed}; corpus articles folded into a different story {false_folds}/{len(records)}; "
        f"MinHash estimate error mean {np.mean(est_err):.3f} max {np.max(est_err):.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
