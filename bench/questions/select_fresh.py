"""Pick the MultiHop-RAG articles of the fresh question sets, with the same filters as
select_multihop.py, another shuffle and none of the earlier sets' picks:

- reader_fresh.jsonl: 20 articles, random.Random(2027), at most two per outlet, quotas
  sports 5, technology 5, entertainment 4, business 4, science 1, health 1;
- reader_fresh2.jsonl: 30 articles, random.Random(2028), none of the above, at most two
  per outlet, quotas sports 7, technology 7, entertainment 6, business 6, science 2,
  health 2;
- reader_fresh3.jsonl: 30 articles, random.Random(2029), none of the above, the same
  quotas as the second;
- reader_fresh4.jsonl: 20 articles, random.Random(2030), none of the above, the first
  set's quotas (a set about when to refuse: near misses, off-corpus questions and
  answerable controls).

Usage: python3 bench/questions/select_fresh.py [corpus.json] [--second | --third | --fourth]
"""

import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import select_multihop as sm

QUOTA = {"sports": 5, "technology": 5, "entertainment": 4, "business": 4, "science": 1, "health": 1}
QUOTA2 = {"sports": 7, "technology": 7, "entertainment": 6, "business": 6, "science": 2, "health": 2}


def _walk(corpus: list[dict], seed: int, quota: dict, used: set) -> list[int]:
    order = list(range(len(corpus)))
    random.Random(seed).shuffle(order)
    taken, per_cat, per_src = [], {}, {}
    for i in order:
        a = corpus[i]
        if (
            a["url"] in used
            or a["url"] in sm.MANUAL_SKIP
            or len(a["body"].split()) < 300
            or sm.LISTY.search(a["title"])
        ):
            continue
        cat, src = a["category"], a["source"]
        if per_cat.get(cat, 0) >= quota.get(cat, 0) or per_src.get(src, 0) >= 2:
            continue
        per_cat[cat] = per_cat.get(cat, 0) + 1
        per_src[src] = per_src.get(src, 0) + 1
        taken.append(i)
    return taken


def pick(corpus: list[dict]) -> list[int]:
    """The 20 articles of reader_fresh.jsonl."""
    return _walk(corpus, 2027, QUOTA, {corpus[i]["url"] for i in sm.pick(corpus)})


def pick_second(corpus: list[dict]) -> list[int]:
    """The 30 articles of reader_fresh2.jsonl: none of reader_{dev,test} or reader_fresh."""
    used = {corpus[i]["url"] for i in sm.pick(corpus) + pick(corpus)}
    return _walk(corpus, 2028, QUOTA2, used)


def pick_third(corpus: list[dict]) -> list[int]:
    """The 30 articles of reader_fresh3.jsonl: none of the earlier sets'."""
    used = {corpus[i]["url"] for i in sm.pick(corpus) + pick(corpus) + pick_second(corpus)}
    return _walk(corpus, 2029, QUOTA2, used)


def pick_fourth(corpus: list[dict]) -> list[int]:
    """The 20 articles of reader_fresh4.jsonl: none of the earlier sets'."""
    used = {corpus[i]["url"] for i in sm.pick(corpus) + pick(corpus) + pick_second(corpus) + pick_third(corpus)}
    return _walk(corpus, 2030, QUOTA, used)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    corpus = json.load(open(args[0] if args else "/work/shared/data/multihop-rag/corpus.json"))
    flags = {"--second": pick_second, "--third": pick_third, "--fourth": pick_fourth}
    chosen = next((f for flag, f in flags.items() if flag in sys.argv), pick)(corpus)
    for n, i in enumerate(chosen, 1):
        a = corpus[i]
        print(n, a["source"], a["published_at"][:10], a["category"], a["title"][:70], a["url"])
