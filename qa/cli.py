"""The ``newsqa`` command. Thin over ``qa.Assistant``; heavy imports happen only inside
commands so ``newsqa --help`` answers at once."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _fail(msg: str, code: int = 2) -> int:
    print(f"newsqa: error: {msg}", file=sys.stderr)
    return code


def _assistant():
    """The store's owner: a running app on this data directory if there is one (an
    embedded store takes one writer process), else a local Assistant."""
    from index import Settings

    from .web.server import running_app

    settings = Settings.load()
    url = running_app(settings)
    if url:
        from .web.remote import RemoteAssistant

        print(f"newsqa: the app at {url} owns this data directory; working through it", file=sys.stderr)
        return RemoteAssistant(settings, url)
    from .assistant import Assistant

    return Assistant.open(settings)


def _filters(args) -> dict[str, Any]:
    return {"sources": args.source or [], "since": args.since, "until": args.until}


def cmd_add(args) -> int:
    from tqdm import tqdm

    a = _assistant()
    bar = tqdm(total=0, unit="chunk", desc="embedding", disable=args.json or not sys.stderr.isatty(), file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    from index.fetch import split_inputs

    paths, urls = split_inputs(args.paths)
    report = a.add(paths, progress) if paths else None
    if urls:
        from index import Settings

        # the CLI runs as its user, on its user's machine: private addresses are allowed
        # unless NEWSQA_FETCH_ALLOW_PRIVATE=0 says otherwise (the web doors refuse them)
        allow = Settings.load().fetch_allow_private is not False
        fetched = a.add_urls(urls, progress, allow_private=allow)
        report = fetched if report is None else report.merge(fetched)
    bar.close()
    if args.json:
        _print_json(report.to_dict())
    else:
        print(
            f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, failed {len(report.failed)}"
        )
        for f in report.failed:
            print(f"  failed: {f.source}: {f.reason}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_list(args) -> int:
    rows = _assistant().articles()
    if args.json:
        _print_json([r.to_dict() for r in rows])
        return 0
    for r in rows:
        day = (r["published_at"] or "")[:10] or "----------"
        print(f"{r['id']}  {day}  {(r['source'] or '-')[:20]:20}  {r['title'][:80]}")
    print(f"{len(rows)} articles", file=sys.stderr)
    return 0


def cmd_delete(args) -> int:
    from .errors import NotFound

    a = _assistant()
    failed = 0
    for aid in args.ids:
        try:
            a.delete(aid)
            if not args.json:
                print(f"deleted {aid}")
        except NotFound as exc:
            failed += 1
            print(f"newsqa: error: {exc}", file=sys.stderr)
    if args.json:
        _print_json({"deleted": len(args.ids) - failed, "failed": failed})
    return 1 if failed else 0


def _ask_and_show(a, question: str, history: list, filters: dict[str, Any], as_json: bool):
    """Ask, printing an LLM's checked sentences as they come (the extractive answer
    arrives whole); then the sources. Returns the Answer."""
    if as_json:
        ans = a.ask(question, history=history, filters=filters)
        _print_json(ans.to_dict())
        return ans
    shown = ""
    ans = None
    for item in a.ask_stream(question, history=history, filters=filters):
        if isinstance(item, str):
            print(item, end="", flush=True)
            shown += item
        else:
            ans = item
    if shown and ans.text != shown:  # it fell back after streaming began
        print()
    _show_answer(ans, streamed=bool(shown) and ans.text == shown)
    return ans


def _show_answer(ans, streamed: bool = False) -> None:
    print() if streamed else print(ans.text)
    if ans.note:
        print(f"({ans.note})")
    for c in ans.citations:
        a = c.passage.article
        meta = ", ".join(p for p in (a.source, a.published_at[:10]) if p)
        print(f"  [{c.n}] {a.title}" + (f" ({meta})" if meta else "") + (f" {a.url}" if a.url else ""))
        if a.also_carried_by:
            print("      also carried by " + ", ".join(o.get("source") or o.get("url", "") for o in a.also_carried_by))
        print(f"      “{c.quote}”")


def cmd_ask(args) -> int:
    _ask_and_show(_assistant(), args.question, [], _filters(args), args.json)
    return 0


def cmd_search(args) -> int:
    passages = _assistant().search(args.query, k=args.k, filters=_filters(args))
    if args.json:
        _print_json([p.to_dict() for p in passages])
        return 0
    for i, p in enumerate(passages, 1):
        a = p.article
        print(f"{i:2}. {p.score:.3f}  {a.title} ({a.source or '-'}, {a.published_at[:10] or '-'}) [{p.start}:{p.end}]")
        if a.also_carried_by:
            print("    also carried by " + ", ".join(o.get("source") or o.get("url", "") for o in a.also_carried_by))
        print(f"    {p.text[:300]}{'…' if len(p.text) > 300 else ''}")
    return 0


def cmd_chat(args) -> int:
    from .errors import NewsqaError

    a = _assistant()
    history: list[tuple[str, str]] = []
    print("Ask about the news (empty line or Ctrl-D to quit).")
    while True:
        try:
            q = input("> ").strip()
        except EOFError:
            break
        if not q:
            break
        try:
            ans = _ask_and_show(a, q, history, _filters(args), args.json)
        except NewsqaError as exc:
            print(f"error: {exc}")
            continue
        history.append((q, ans.text))
    return 0


def cmd_feeds(args) -> int:
    from index import Settings

    a = _assistant()
    if args.action == "add":
        # the CLI runs as its user: private addresses allowed unless NEWSQA_FETCH_ALLOW_PRIVATE=0
        allow = Settings.load().fetch_allow_private is not False
        feed = a.add_feed(args.url, args.name or "", allow_private=allow)
        if args.json:
            _print_json(feed)
        else:
            print(f"following {feed['name']!r} ({feed['url']}), id {feed['id']}; `newsqa watch` polls it")
    elif args.action == "remove":
        feed = a.remove_feed(args.url)
        print(json.dumps({"removed": feed["id"]}) if args.json else f"no longer following {feed['url']}")
    else:
        rows = a.feeds()
        if args.json:
            _print_json(rows)
            return 0
        for r in rows:
            last = r["last_poll"][:16].replace("T", " ") or "never polled"
            err = f"  error: {r['last_error']}" if r["last_error"] else ""
            print(f"{r['id']}  {r['name'][:30]:30}  {last:16}  {r['new_articles']:4} new  {r['url']}{err}")
        print(f"{len(rows)} feeds", file=sys.stderr)
    return 0


def _show_poll(rep, as_json: bool) -> None:
    if as_json:
        print(json.dumps(rep.to_dict(), ensure_ascii=False), flush=True)
        return
    if rep.status == "failed":
        print(f"{rep.feed}: failed: {rep.error}", flush=True)
        return
    if rep.status == "not modified":
        print(f"{rep.feed}: not modified", flush=True)
        return
    print(
        f"{rep.feed}: {rep.entries} entries, {rep.skipped} already stored, added {rep.added}, updated {rep.updated}, "
        f"folded {rep.folded}, from the feed's text {len(rep.from_feed_text)}, failed {len(rep.failed)}",
        flush=True,
    )
    if rep.note:
        print(f"  note: {rep.note}", file=sys.stderr)
    for f in rep.from_feed_text:
        print(f"  feed text used: {f.source}: {f.reason}", file=sys.stderr)
    for f in rep.failed:
        print(f"  failed: {f.source}: {f.reason}", file=sys.stderr)


def cmd_watch(args) -> int:
    import threading

    from index import Settings

    a = _assistant()
    if not a.feeds():
        return _fail("no feeds followed yet; add one with `newsqa feeds add URL`")
    threading.Thread(target=a.load_model, daemon=True).start()  # while the first poll fetches pages, not after
    if args.once:
        reports = a.poll_feeds(progress=lambda r: _show_poll(r, args.json))
        return 1 if any(r.status == "failed" for r in reports) else 0
    every = args.every or Settings.load().watch_every
    print(f"newsqa: polling {len(a.feeds())} feeds every {every:g} minutes (Ctrl-C to stop)", file=sys.stderr)
    a.watch(every, threading.Event(), progress=lambda r: _show_poll(r, args.json))
    return 0


def cmd_serve(args) -> int:
    from .web import server

    return server.serve(server.settings_from(args), watch=args.watch)


def cmd_mcp(args) -> int:
    from .web.mcp import serve_stdio

    serve_stdio(_assistant())  # stdout is the protocol's: everything else goes to stderr
    return 0


def cmd_eval(args) -> int:
    from . import evaluation

    return evaluation.main(args)


def cmd_feedback(args) -> int:
    """Thumbs up/down given in the web chat, as a question file ``newsqa eval qa`` runs
    (answer keys left empty for a person to fill in). Reads the data directory's
    conversation file directly: SQLite is safe beside a running app."""
    from index import Settings

    from .conversations import ConversationStore

    rating = None if args.rating == "all" else args.rating
    items = ConversationStore.for_settings(Settings.load()).feedback(rating)
    if args.json:
        text = json.dumps([f.to_dict() for f in items], ensure_ascii=False, indent=2) + "\n"
    else:
        text = "".join(json.dumps(f.question_row(), ensure_ascii=False) + "\n" for f in items)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    print(
        f"newsqa: {len(items)} answers rated"
        + (f" {rating}" if rating else "")
        + (f", written to {args.output}" if args.output else ""),
        file=sys.stderr,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .web import server  # light: its heavy imports are inside functions

    p = argparse.ArgumentParser(
        prog="newsqa", description="Ask questions about news articles; answers cite their passages."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def filt(sp):
        sp.add_argument("--source", action="append", help="only this outlet (repeatable)")
        sp.add_argument("--since", help="published on or after this date (YYYY-MM-DD)")
        sp.add_argument("--until", help="published on or before this date (YYYY-MM-DD)")

    sp = sub.add_parser("add", help="add article files, folders (.txt .md .html .json .jsonl) or news page URLs")
    sp.add_argument("paths", nargs="+", metavar="PATH|URL")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_add)

    sp = sub.add_parser("list", help="list stored articles")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_list)

    sp = sub.add_parser("delete", help="delete articles by id")
    sp.add_argument("ids", nargs="+")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_delete)

    sp = sub.add_parser("ask", help="ask a question; the answer cites its sources")
    sp.add_argument("question")
    sp.add_argument("--json", action="store_true")
    filt(sp)
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("search", help="show the best passages for a query")
    sp.add_argument("query")
    sp.add_argument("-k", type=int, default=10)
    sp.add_argument("--json", action="store_true")
    filt(sp)
    sp.set_defaults(func=cmd_search)

    sp = sub.add_parser("chat", help="a conversation in the terminal (follow-up questions work)")
    sp.add_argument("--json", action="store_true")
    filt(sp)
    sp.set_defaults(func=cmd_chat)

    sp = sub.add_parser("feeds", help="follow RSS/Atom feeds: add URL [--name N] | list | remove URL")
    fsub = sp.add_subparsers(dest="action", required=True, metavar="ACTION")
    f = fsub.add_parser("add", help="follow a feed (it is fetched once now to check it)")
    f.add_argument("url")
    f.add_argument("--name", help="what to call it (default: the feed's own title)")
    f.add_argument("--json", action="store_true")
    f = fsub.add_parser("list", help="followed feeds, with their last poll, new articles and last error")
    f.add_argument("--json", action="store_true")
    f = fsub.add_parser("remove", help="stop following a feed (its articles stay)")
    f.add_argument("url", help="the feed's URL or id")
    f.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_feeds)

    sp = sub.add_parser("watch", help="poll the followed feeds and add their new articles")
    sp.add_argument("--every", type=float, default=None, metavar="MINUTES", help="minutes between polls (default 30)")
    sp.add_argument("--once", action="store_true", help="poll once and exit")
    sp.add_argument("--json", action="store_true", help="one JSON report per feed and poll")
    sp.set_defaults(func=cmd_watch)

    sp = sub.add_parser("serve", help="start the web app (chat, corpus, REST API); same as python app.py")
    server.add_arguments(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("mcp", help="serve the Model Context Protocol on stdin/stdout (tools: search, ask, add, list)")
    sp.set_defaults(func=cmd_mcp)

    sp = sub.add_parser("eval", help="benchmarks: multihop retrieval metrics, or a QA question file")
    esub = sp.add_subparsers(dest="suite", required=True, metavar="SUITE")
    m = esub.add_parser("multihop", help="MultiHop-RAG retrieval metrics (Hits@k, MRR@10, MAP@10)")
    m.add_argument("--corpus", required=True)
    m.add_argument("--queries", required=True)
    m.add_argument("--limit", type=int, default=None)
    m.add_argument("--home", default=None, help="scratch data directory (kept, so reruns skip embedding)")
    m.add_argument(
        "--mode",
        choices=["hybrid", "bm25", "dense", "fusion", "fusion+sentence", "fusion+sentence+steer"],
        default="hybrid",
    )
    m.add_argument("--json", action="store_true")
    m = esub.add_parser("answers", help="MultiHop-RAG through ask: gold facts in the cited quotes, refusals")
    m.add_argument("--corpus", required=True)
    m.add_argument("--queries", required=True)
    m.add_argument(
        "--split",
        choices=["dev", "test", "all"],
        default="all",
        help="dev: every fifth query (what the reader was tuned on); test: the rest",
    )
    m.add_argument("--limit", type=int, default=None)
    m.add_argument("--home", default=None, help="scratch data directory (kept, so reruns skip embedding)")
    m.add_argument("--json", action="store_true")
    q = esub.add_parser(
        "qa", help="answer-key recall, refusals, follow-ups, citation validity of a JSONL question file"
    )
    q.add_argument("file")
    q.add_argument("--split", default=None, help='only the questions whose "split" field is this (dev, test)')
    q.add_argument("--json", action="store_true")
    q.add_argument("-v", "--verbose", action="store_true", help="print every question answered wrongly")
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("feedback", help="feedback given on answers in the web chat")
    fsub = sp.add_subparsers(dest="action", required=True, metavar="ACTION")
    f = fsub.add_parser("export", help="as a question file for `newsqa eval qa` (answer keys left empty to fill in)")
    f.add_argument("-o", "--output", help="write to this file (default: stdout)")
    f.add_argument(
        "--rating", choices=["down", "up", "all"], default="all", help="only thumbs down, or up (default all)"
    )
    f.add_argument("--json", action="store_true", help="the full feedback records as a JSON array instead")
    sp.set_defaults(func=cmd_feedback)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run a command; every ``NewsqaError`` becomes one line on stderr and its exit code."""
    args = build_parser().parse_args(argv)
    from .errors import NewsqaError

    try:
        return int(args.func(args) or 0)
    except NewsqaError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
