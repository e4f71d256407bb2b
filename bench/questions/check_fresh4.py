#!/usr/bin/env python3
"""Checker for reader_fresh4.jsonl (80 questions about when to refuse: per article of the
20 that `select_fresh.py --fourth` picks, two answerable questions and one near miss;
then 20 off-corpus questions, each checked against the whole corpus by its telling
words). Usage: python3 bench/questions/check_fresh4.py [corpus.json]"""

import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_fresh3 import alts, ngrams, words
from select_fresh import pick_fourth

CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/multihop-rag/corpus.json"
QFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reader_fresh4.jsonl")
FIELDS = ["id", "question", "history", "answerable", "answer_keys", "kind", "articles", "split"]
REFUSED = {"near_miss", "off_corpus"}
# the words that would tell an off-corpus question's answer: in no article of the corpus
OFF_TERMS = {
    "k061": ["Paris Masters", "Dimitrov"], "k062": ["Kissinger"], "k063": ["Braverman"], "k064": ["Wilders"],
    "k065": ["Colorado Supreme", "14th Amendment"], "k066": ["Milei"], "k067": ["Kfar Aza"], "k068": ["Lewiston"],
    "k069": ["WarGames", "War Games"], "k070": ["MacGowan"], "k071": ["Putin will run", "re-election bid"],
    "k072": ["George Santos"], "k073": ["Kenya visit", "state visit to Kenya"], "k074": ["Luxon"],
    "k075": ["Sinner beat Medvedev", "Medvedev in the semi"], "k076": ["Grindavik"], "k077": ["One and All", "Yaamava"],
    "k078": ["Hurricane Otis", "Acapulco"], "k079": ["Golden Globe"], "k080": ["Uttarakhand", "Silkyara"],
}  # fmt: skip


def main() -> None:
    articles = json.load(open(CORPUS))
    picked = [articles[i]["url"] for i in pick_fourth(articles)]
    by_url = {a["url"]: a for a in articles}
    rows = [json.loads(line) for line in open(QFILE, encoding="utf-8") if line.strip()]
    errs = []
    for n, r in enumerate(rows):

        def E(m, rid=r.get("id")):
            errs.append(f"{rid}: {m}")

        if list(r) != FIELDS:
            E(f"fields {list(r)}")
            continue
        if r["id"] != f"k{n + 1:03d}" or r["history"] != []:
            E("id out of order or history given")
        if r["answerable"] == (r["kind"] in REFUSED) or (not r["answerable"] and r["answer_keys"]):
            E("answerable does not match its kind or keys")
        split = ("dev" if n < 30 else "test") if n < 60 else ("dev" if n < 70 else "test")
        if r["split"] != split or (n < 60) == (r["kind"] == "off_corpus"):
            E("split or layout")
        if r["kind"] == "off_corpus":
            for term in OFF_TERMS.get(r["id"], []):
                if any(term.lower() in (a["title"] + " " + a["body"]).lower() for a in articles):
                    E(f"off-corpus term in the corpus: {term!r}")
            continue
        if r["articles"] != [picked[n // 3]]:
            E("not the article select_fresh.py --fourth picks for it")
            continue
        a = by_url[r["articles"][0]]
        text = a["title"] + "\n" + a["body"]
        for key in r["answer_keys"]:
            for alt in alts(key):
                if alt not in text:
                    E(f"key not verbatim in its article: {alt!r}")
        if ngrams(words(r["question"])) & ngrams(words(text)):
            E("shares a 6-word run with its article")
    print("per kind:", dict(sorted(collections.Counter(r["kind"] for r in rows).items())))
    print("per split:", dict(collections.Counter((r["split"], r["answerable"]) for r in rows)))
    print("\n".join(errs) or "no problems")
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
