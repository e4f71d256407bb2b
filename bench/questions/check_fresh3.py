#!/usr/bin/env python3
"""Checker for reader_fresh3.jsonl (100 reader-style questions over 30 articles)."""

import collections
import json
import os
import re
import sys

CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/multihop-rag/corpus.json"
QFILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reader_fresh3.jsonl")
ALLOWED = [
    "https://www.theverge.com/2023/11/17/23951181/tires-sustainable-rubber-bridgestone-michelin",
    "https://www.ft.com/content/40225f2c-e10f-47b3-a3ce-cdf9b15d66b3",
    "https://techcrunch.com/2023/10/02/sbf-60-minutes/",
    "https://www.livescience.com/animals/extinct-species/they-seemed-primed-to-take-over-how-the-great-dying-doomed-the-beast-tooth-and-set-the-stage-for-the-dawn-of-the-dinosaurs",
    "https://theathletic.com/5061878/2023/11/14/uswnt-emma-hayes-hire-chelsea/",
    "https://www.cnbc.com/2023/09/28/nike-nke-earnings-q1-2024.html",
    "https://www.sportingnews.com/us/soccer/news/inter-miami-friendly-matches-2024-preseason-lionel-messi/4c4d6891ade0c8ddd2512bf7",
    "https://www.zeebiz.com/trending/sports/news-icc-cricket-world-cup-2023-final-ind-vs-aus-head-to-head-record-in-odi-world-cup-check-india-vs-australia-match-stats-in-odi-series-265043",
    "https://www.polygon.com/what-to-watch/23959772/best-noir-movies-watch-streaming-neo-noir",
    "https://www.independent.co.uk/life-style/will-smith-jada-pinket-marriage-b2432586.html",
    "https://fortune.com/2023/11/17/jeffrey-epstein-us-virgin-islands-jpmorgan-attorney-general-investigation-fired/",
    "https://www.foxnews.com/lifestyle/meet-american-made-cranberries-turkey-day-tradition-marcus-urann-farmer-with-can-do-spirit",
    "https://techcrunch.com/2023/09/28/norway-meta-ads-edpb-referral/",
    "https://www.cnbc.com/2023/11/14/us-china-relations-are-now-more-about-crisis-prevention.html",
    "https://www.polygon.com/23989600/rogue-trader-warhammer-40k-crpg-combat-characters-impressions",
    "https://www.independent.co.uk/sport/football/newcastle-ac-milan-result-champions-league-b2463663.html",
    "https://www.theage.com.au/lifestyle/life-and-relationships/is-this-worth-it-the-difficult-questions-the-shameless-founders-have-had-to-ask-each-other-20230926-p5e7sv.html?ref=rss&utm_medium=rss&utm_source=rss_lifestyle",
    "https://www.smh.com.au/business/markets/asx-set-for-bright-start-a-drops-20231206-p5epbi.html?ref=rss&utm_medium=rss&utm_source=rss_business",
    "https://www.livescience.com/health/hiv/we-could-end-the-aids-epidemic-in-less-than-a-decade-heres-how",
    "https://www.foxnews.com/lifestyle/christmas-proves-love-triumphs-hate-amid-war-suffering-tragedy-turmoil",
    "https://www.theverge.com/c/features/23903125/lurker-online-harassment-stalking-asian-academics",
    "https://www.essentiallysports.com/nfl-active-perspective-news-is-the-coverage-on-taylor-swift-and-travis-kelces-romance-nothing-but-hype-or-a-pivotal-shift-in-nfls-century-old-game-plan-towards-global-recognition/",
    "https://www.sportingnews.com/us/boxing/news/canelo-alvarez-vs-jermell-charlo-updates-results-highlights/fa89de539f8e4132e0ffa8c1",
    "https://www.theguardian.com/football/2023/oct/20/pochettino-reece-james-mistake-future-chelsea-dna-arsenal",
    "https://talksport.com/football/1659923/man-utd-defending-scars-champions-league/",
    "https://www.nbcnews.com/news/us-news/epoch-times-falun-gong-growth-rcna111373",
    "https://www.foxnews.com/health/suicide-prevention-program-nebraska-childrens-hospital-encouraging-life-saving-notes",
    "https://www.foxnews.com/health/pittsburgh-boy-10-needs-second-liver-transplant-save-life-possible-love",
    "https://www.engadget.com/hitting-the-books-democracy-in-a-hotter-time-david-orr-mit-press-143034391.html?src=rss",
    "https://www.engadget.com/teenage-engineerings-ko-ii-sampler-review-150038528.html?src=rss",
]
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
    corpus = {a["url"]: a for a in json.load(open(CORPUS))}
    allowed = set(ALLOWED)
    errs = []
    assert len(allowed) == 30, "allowed list must have 30 urls"
    for u in allowed:
        if u not in corpus:
            errs.append(f"allowed url not in corpus: {u}")
    bodies = {u: corpus[u]["body"] for u in allowed if u in corpus}
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
