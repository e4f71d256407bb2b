#!/usr/bin/env python3
"""Checker for reader_fresh3.jsonl (100 reader-style questions over the 30 articles
`select_fresh.py --third` picks). Usage: python3 bench/questions/check_fresh3.py [corpus.json]"""

import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_questions import KINDS
from select_fresh import pick_third

CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/multihop-rag/corpus.json"
QFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reader_fresh3.jsonl")
FIELDS = {"id", "question", "history", "answerable", "answer_keys", "kind", "articles", "split"}
TWO_ARTICLE = {"multi", "before_after"}
N = 6  # forbidden shared run length


def words(s):
    s = s.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.findall(r"[a-z0-9']+", s)


def ngrams(ws, n=N):
    return {tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)}


def alts(key):
    return key if isinstance(key, list) else [key]


def main():
    articles = json.load(open(CORPUS))
    corpus = {a["url"]: a for a in articles}
    # the set's 30 articles, as select_fresh.py --third picks them
    allowed = {articles[i]["url"] for i in pick_third(articles)}
    errs = []
    assert len(allowed) == 30, "select_fresh.py --third must pick 30 articles"
    bodies = {u: corpus[u]["body"] for u in allowed}
    grams = {u: ngrams(words(b)) for u, b in bodies.items()}

    recs = [json.loads(line) for line in open(QFILE, encoding="utf-8") if line.strip()]
    ids = [r.get("id") for r in recs]
    if len(ids) != len(set(ids)):
        errs.append("duplicate ids")
    if ids != [f"h{i:03d}" for i in range(1, len(recs) + 1)]:
        errs.append("ids are not h001..hNNN in order")
    per_article = collections.Counter()
    for r in recs:
        rid = r.get("id")

        def E(m, rid=rid):
            errs.append(f"{rid}: {m}")

        if set(r) != FIELDS:
            E(f"fields {sorted(set(r) ^ FIELDS)}")
            continue
        k = r["kind"]
        if k not in KINDS:
            E(f"bad kind {k}")
        if r["split"] != "fresh3":
            E("split must be fresh3")
        if not isinstance(r["question"], str) or not r["question"].strip():
            E("empty question")
        if not isinstance(r["answerable"], bool):
            E("answerable must be bool")
        if not isinstance(r["history"], list) or not all(isinstance(h, str) and h.strip() for h in r["history"]):
            E("history must be a list of strings")
        arts = r["articles"]
        for u in arts:
            if u not in corpus:
                E(f"url not in corpus: {u}")
            elif u not in allowed:
                E(f"url not one of the 30: {u}")
            per_article[u] += 1
        if len(set(arts)) != len(arts):
            E("duplicate article urls")
        # article counts per kind
        if k == "off_corpus":
            if arts:
                E("off_corpus must have no articles")
        elif k in TWO_ARTICLE:
            if len(arts) != 2:
                E(f"{k} needs exactly 2 articles")
        elif len(arts) != 1:
            E(f"{k} needs exactly 1 article")
        # answerability
        keys = r["answer_keys"]
        if not isinstance(keys, list):
            E("answer_keys must be a list")
            keys = []
        if k in ("near_miss", "off_corpus") and r["answerable"]:
            E(f"{k} must be unanswerable")
        if not r["answerable"]:
            if keys:
                E("unanswerable question has keys")
        else:
            if not keys:
                E("answerable question without keys")
            for key in keys:
                al = alts(key)
                if not al or not all(isinstance(a, str) and a.strip() for a in al):
                    E(f"bad key {key!r}")
                    continue
                if not any(a.lower() in bodies.get(u, "").lower() for a in al for u in arts):
                    E(f"key not found verbatim in article(s): {key!r}")
                for a in al:
                    if len(a.split()) > 8:
                        E(f"key too long (>8 words): {a!r}")
            if k in TWO_ARTICLE:
                for u in arts:
                    b = bodies.get(u, "").lower()
                    if not any(a.lower() in b for key in keys for a in alts(key)):
                        E(f"{k}: no key from article {u}")
        # history rules
        if k == "followup":
            if not r["history"]:
                E("followup without history")
        elif r["history"]:
            E("non-followup with history")
        # 6-word overlap
        for text in [r["question"]] + list(r["history"]):
            g = ngrams(words(text))
            for u in arts:
                shared = g & grams.get(u, set())
                if shared:
                    E(f"shares {N}-word run with article: {' '.join(sorted(shared)[0])!r} in {text!r}")
    # every article at least twice
    for u in allowed:
        if per_article[u] < 2:
            errs.append(f"article used < 2 times: {u}")
    kinds = collections.Counter(r["kind"] for r in recs)
    ans = sum(1 for r in recs if r["answerable"])
    print("questions:", len(recs))
    print("kinds:", dict(sorted(kinds.items())))
    print(f"answerable: {ans}  unanswerable: {len(recs) - ans}")
    print(
        "follow-ups:",
        kinds["followup"],
        "(unanswerable:",
        sum(1 for r in recs if r["kind"] == "followup" and not r["answerable"]),
        ")",
    )
    print("two-article questions:", sum(1 for r in recs if len(r["articles"]) == 2))
    print("min uses per article:", min(per_article[u] for u in allowed))
    if errs:
        print(f"FAIL: {len(errs)} problem(s)")
        for e in errs:
            print("  -", e)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
