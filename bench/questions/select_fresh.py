"""Pick the 20 MultiHop-RAG articles of reader_fresh.jsonl: the same filters as
select_multihop.py, a different shuffle (random.Random(2027)), none of its picks, at most
two per outlet, quotas sports 5, technology 5, entertainment 4, business 4, science 1,
health 1.

Usage: python3 bench/questions/select_fresh.py [corpus.json]
"""

import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import select_multihop as sm

QUOTA = {"sports": 5, "technology": 5, "entertainment": 4, "business": 4, "science": 1, "health": 1}


def pick(corpus: list[dict]) -> list[int]:
    used = {corpus[i]["url"] for i in sm.pick(corpus)}
    order = list(range(len(corpus)))
    random.Random(2027).shuffle(order)
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
        if per_cat.get(cat, 0) >= QUOTA.get(cat, 0) or per_src.get(src, 0) >= 2:
            continue
        per_cat[cat] = per_cat.get(cat, 0) + 1
        per_src[src] = per_src.get(src, 0) + 1
        taken.append(i)
    return taken


if __name__ == "__main__":
    corpus = json.load(open(sys.argv[1] if len(sys.argv) > 1 else sm.CORPUS))
    for n, i in enumerate(pick(corpus), 1):
        a = corpus[i]
        print(n, a["source"], a["published_at"][:10], a["category"], a["title"][:70], a["url"])
