"""Pick the MultiHop-RAG articles the reader questions are written on.

Deterministic: random.Random(2026) shuffles the 609 articles; walk the shuffled order and
take an article when (a) its body has at least 300 words, (b) its title does not mark it as
a list / deals / betting / fantasy / live-blog / how-to page, (c) it is not in MANUAL_SKIP
(read and found to be a list, boilerplate or not English), (d) its category quota is not
full and (e) its outlet has fewer than SOURCE_CAP picks.

Usage: python3 bench/questions/select_multihop.py [corpus.json]
"""

import json
import random
import re
import sys

CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/multihop-rag/corpus.json"
QUOTA = {"sports": 11, "technology": 11, "entertainment": 8, "business": 8, "science": 4, "health": 3}
SOURCE_CAP = 4
LISTY = re.compile(
    r"\b(best|deals?|odds|picks|fantasy|dfs|props?|betting|bets|sportsbooks?|live score|"
    r"rankings?|how to|builds|lineups?|promos|cash ?back|full list|earnings week ahead|"
    r"to stream|to watch|gifts|tracker|predictions|preview:|timeline|what to know|"
    r"permutations|tips for)\b|[–-] live$|\blive:",
    re.I,
)
# read and rejected by hand: url -> reason
MANUAL_SKIP = {
    "https://www.theverge.com/23969272/black-friday-cyber-monday-tech-deals-verge-staff-favorites": "deals list",
    "https://www.thehindubusinessline.com/portfolio/personal-finance/investment-options-for-high-networth-investors/article67465515.ece": "numbered list of product types",
    "https://www.independent.co.uk/life-style/this-christmas-let-your-home-be-the-centre-of-the-celebrations-with-the-white-company-b2427930.html": "advertorial",
    "https://www.sportingnews.com/us/soccer/news/var-apology-list-premier-league-pgmol-referee-mistakes/hhw8byssj025djuce3gbd2pp": "updated list of incidents",
    "https://theathletic.com/4934692/2023/10/06/mlb-postseason-stadium-ranking/": "ranked list of ballparks",
}


def pick(corpus):
    rng = random.Random(2026)
    order = list(range(len(corpus)))
    rng.shuffle(order)
    taken, per_cat, per_src = [], {}, {}
    for i in order:
        a = corpus[i]
        cat, src = a["category"], a["source"]
        if len(a["body"].split()) < 300 or LISTY.search(a["title"]):
            continue
        if a["url"] in MANUAL_SKIP:
            continue
        if per_cat.get(cat, 0) >= QUOTA.get(cat, 0) or per_src.get(src, 0) >= SOURCE_CAP:
            continue
        taken.append(i)
        per_cat[cat] = per_cat.get(cat, 0) + 1
        per_src[src] = per_src.get(src, 0) + 1
    return taken


if __name__ == "__main__":
    corpus = json.load(open(CORPUS))
    for n, i in enumerate(pick(corpus), 1):
        a = corpus[i]
        print(
            f"{n:2d} [{i:3d}] {a['category'][:5]:5s} {a['source'][:24]:24s} "
            f"{a['published_at'][:10]} {len(a['body'].split()):5d}w {a['title'][:70]}"
        )
        print(f"      {a['url']}")
