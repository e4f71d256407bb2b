"""Sanity checks for bench/questions/reader_{dev,test}.jsonl (does not import the project).

- ids unique; fields and kinds valid; split matches the file
- every article reference exists: corpus/nato-russia-withdrawal.txt, a url in the
  MultiHop-RAG corpus.json, or a url in tests/data/articles/*.json
- every answer key of an answerable question (or one of its alternatives) is a
  case-insensitive substring of the body of one of the question's articles;
  two-article questions have at least one key found in each article
- unanswerable questions have no keys; off_corpus questions name no article
- follow-ups carry a history, other kinds do not
- no question (or history turn) shares a run of 8+ consecutive words with its articles
- minimum counts per kind
- the dev/test split is the one random.Random(7) gives (see expected_split)

Usage: python3 bench/questions/check_questions.py [path/to/multihop/corpus.json]
"""

import glob
import json
import os
import random
import re
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/multihop-rag/corpus.json"
KINDS = {
    "quantity",
    "date",
    "person",
    "reason",
    "statement",
    "attribution",
    "paraphrase",
    "yesno",
    "multi",
    "before_after",
    "followup",
    "near_miss",
    "off_corpus",
}
MINIMUM = {k: 12 for k in KINDS}
MINIMUM.update({"followup": 35, "near_miss": 35, "off_corpus": 8})


def words(text):
    return re.findall(r"[\w'\u2019]+", text.lower())


def ngrams(ws, n=8):
    return {tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def expected_split(kind_of):
    """id -> split: per kind (kinds in sorted order, ids in id order) shuffle with one
    random.Random(7); the first half goes to dev; an odd extra goes alternately to dev
    and test, starting with dev."""
    rng = random.Random(7)
    out, extra_to_dev = {}, True
    for kind in sorted(set(kind_of.values())):
        ids = sorted(i for i, k in kind_of.items() if k == kind)
        rng.shuffle(ids)
        ndev = len(ids) // 2
        if len(ids) % 2:
            ndev += 1 if extra_to_dev else 0
            extra_to_dev = not extra_to_dev
        for n, i in enumerate(ids):
            out[i] = "dev" if n < ndev else "test"
    return out


def load_bodies():
    bodies = {}
    for path in glob.glob(os.path.join(ROOT, "corpus", "*.txt")):
        bodies[os.path.relpath(path, ROOT)] = open(path, encoding="utf-8").read()
    for a in json.load(open(CORPUS, encoding="utf-8")):
        bodies[a["url"]] = a["body"]
    for path in glob.glob(os.path.join(ROOT, "tests", "data", "articles", "*.json")):
        a = json.load(open(path, encoding="utf-8"))
        bodies[a["url"]] = a["body"]
    return bodies


def main():
    bodies = load_bodies()
    grams = {}
    errors, seen, kinds = [], set(), Counter()
    split_kind = Counter()
    kind_of, split_of = {}, {}
    for split in ("dev", "test"):
        path = os.path.join(ROOT, "bench", "questions", f"reader_{split}.jsonl")
        for n, line in enumerate(open(path, encoding="utf-8"), 1):
            q = json.loads(line)
            qid = q.get("id")
            where = f"{split}:{n} {qid}"
            if set(q) != {"id", "question", "history", "answerable", "answer_keys", "kind", "articles", "split"}:
                errors.append(f"{where}: fields {sorted(q)}")
            if qid in seen:
                errors.append(f"{where}: duplicate id")
            seen.add(qid)
            if q["split"] != split:
                errors.append(f"{where}: split field {q['split']!r} in {split} file")
            if q["kind"] not in KINDS:
                errors.append(f"{where}: kind {q['kind']!r}")
            kinds[q["kind"]] += 1
            kind_of[qid], split_of[qid] = q["kind"], split
            split_kind[(q["kind"], split)] += 1
            if (q["kind"] == "followup") != bool(q["history"]):
                errors.append(f"{where}: history/kind mismatch")
            if q["kind"] in ("near_miss", "off_corpus") and q["answerable"]:
                errors.append(f"{where}: {q['kind']} marked answerable")
            if not q["answerable"] and q["answer_keys"]:
                errors.append(f"{where}: unanswerable with keys")
            if q["answerable"] and not q["answer_keys"]:
                errors.append(f"{where}: answerable without keys")
            if q["kind"] == "off_corpus" and q["articles"]:
                errors.append(f"{where}: off_corpus names articles")
            if q["kind"] != "off_corpus" and not q["articles"]:
                errors.append(f"{where}: no article")
            missing = [a for a in q["articles"] if a not in bodies]
            if missing:
                errors.append(f"{where}: unknown article(s) {missing}")
                continue
            arts = [bodies[a].lower() for a in q["articles"]]
            per_article = [0] * len(arts)
            for key in q["answer_keys"]:
                alts = key if isinstance(key, list) else [key]
                hit = False
                for alt in alts:
                    for i, body in enumerate(arts):
                        if alt.lower() in body:
                            hit = True
                            per_article[i] += 1
                if not hit:
                    errors.append(f"{where}: key {key!r} not in its article(s)")
            if q["answerable"] and len(arts) > 1 and not all(per_article):
                errors.append(f"{where}: some article has no key {per_article}")
            for a in q["articles"]:
                if a not in grams:
                    grams[a] = ngrams(words(bodies[a]))
                for text in [q["question"]] + list(q["history"]):
                    shared = ngrams(words(text)) & grams[a]
                    if shared:
                        errors.append(f"{where}: shares 8 words with article: {' '.join(sorted(shared)[0])}")
    if expected_split(kind_of) != split_of:
        errors.append("split is not the random.Random(7) stratified split")
    for k, m in MINIMUM.items():
        if kinds[k] < m:
            errors.append(f"kind {k}: {kinds[k]} < {m}")
    print(f"{sum(kinds.values())} questions")
    for k in sorted(KINDS):
        print(f"  {k:13s} dev {split_kind[(k, 'dev')]:3d}  test {split_kind[(k, 'test')]:3d}  total {kinds[k]:3d}")
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
