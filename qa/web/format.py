"""What the web shows of answers and conversations: chat message text, the sources panel
(with each answer's timeline), the read-only shared page, and the Markdown export.

Article text, titles, outlets and URLs come from whoever wrote the articles, so
everything is escaped: HTML is escaped everywhere, the chat's markdown punctuation is
escaped so an answer is text only, and only http(s) URLs become links. The one link
newsqa itself writes into an answer is a citation marker: ``[n]`` of answer ``t``
links to ``#nq-t{t}-s{n}``, the id of that source in the panel; ``CITE_JS`` (one
delegated click handler) opens, scrolls to and highlights it, also for markers of
earlier answers and for the timeline's points.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

CSS = """
.nq-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; margin: 6px 0; }
.nq-source mark { background: #ffe58a; color: inherit; padding: 0 2px; }
.nq-source.nq-active { border-color: #e0a800; box-shadow: 0 0 0 3px #ffe58a; }
.nq-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.nq-passage { white-space: pre-wrap; font-size: 0.95em; }
.nq-turn-head { font-size: 0.9em; margin: 2px 0 6px; }
.nq-turns a { margin-right: 6px; }
.nq-timeline { width: 100%; max-width: 520px; height: auto; margin: 4px 0; }
.nq-timeline text { font-size: 10px; fill: currentColor; }
.nq-timeline text.nq-num { fill: #fff; pointer-events: none; }
.nq-timeline .nq-dot { fill: #3b82f6; stroke: #fff; stroke-width: 1.5; cursor: pointer; }
.nq-timeline a:hover .nq-dot { fill: #e0a800; }
.nq-timeline .nq-axis { stroke: currentColor; stroke-opacity: 0.3; }
#conversations { max-height: 420px; overflow-y: auto; }
"""

# One delegated click handler for citation markers, the panel's answer links and the
# timeline's points: show that answer's sources, open the source, scroll to it and
# highlight it. Installed once per page (the Gradio UI runs it from the sources panel's
# js_on_load; the shared page has it inline).
CITE_JS = """
(() => {
  if (window.__nqCite) return;
  window.__nqCite = true;
  function show(turn, n) {
    const section = document.getElementById('nq-t' + turn);
    if (!section) return;
    document.querySelectorAll('.nq-turn').forEach((s) => { s.hidden = s !== section; });
    if (!n) { section.scrollIntoView({block: 'nearest'}); return; }
    const source = document.getElementById('nq-t' + turn + '-s' + n);
    if (!source) return;
    document.querySelectorAll('.nq-source.nq-active').forEach((s) => s.classList.remove('nq-active'));
    source.open = true;
    source.classList.add('nq-active');
    source.scrollIntoView({block: 'center'});
  }
  document.addEventListener('click', (ev) => {
    const link = ev.target && ev.target.closest ? ev.target.closest('a[href^="#nq-t"]') : null;
    if (!link) return;
    const m = /^#nq-t(\\d+)(?:-s(\\d+))?$/.exec(link.getAttribute('href') || '');
    if (!m) return;
    ev.preventDefault();
    ev.stopPropagation();
    show(m[1], m[2]);
  }, true);
})();
"""

_MARKER = re.compile(r"\[(\d{1,3})\]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]~])")
_MARKER_LINK = re.compile(r"\[\[(\d{1,3})\]\]\(#nq-t\d+-s\d+\)")
_MD_UNESCAPE = re.compile(r"\\([\\`*_\[\]~])")


def _is_http(url: str) -> bool:
    return isinstance(url, str) and url.startswith(("http://", "https://"))


def _link(url: str, label_html: str) -> str:
    """``label_html`` (already escaped) as a link to ``url`` when it is http(s), else as is."""
    if not _is_http(url):
        return label_html
    return f"<a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener noreferrer'>{label_html}</a>"


# -- chat messages ---------------------------------------------------------------------
def _md_text(text: str) -> str:
    """Text for the chat's markdown: HTML escaped, the punctuation that makes links,
    images, emphasis or code escaped, and no bare URL left for a linkifier to find, so
    it shows as written and links nowhere."""
    out = html.escape(_MD_SPECIAL.sub(r"\\\1", text))
    return _BARE_URL.sub(lambda m: f"{m.group(1)}&#58;" if m.group(1) else f"{m.group(3)}&#46;", out)


_BARE_URL = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data|file)(:)|\b(www)(\.)")


def answer_text(text: str, note: str = "", turn: int = 0) -> str:
    """An answer as a chat message: its text only (escaped), each ``[n]`` marker a link
    to source n of answer ``turn`` in the sources panel, the note in italics."""
    parts, last = [], 0
    for m in _MARKER.finditer(text):
        parts.append(_md_text(text[last : m.start()]))
        parts.append(f"[[{m.group(1)}]](#nq-t{turn}-s{m.group(1)})")
        last = m.end()
    parts.append(_md_text(text[last:]))
    out = "".join(parts)
    return out + (f"\n\n*{_md_text(note)}*" if note else "")


def plain_text(message: str) -> str:
    """A chat message written by ``answer_text`` back as the answer's plain text (for a
    follow-up's history): marker links become ``[n]`` again, escapes are undone."""
    text = _MARKER_LINK.sub(r"[\1]", message)
    return html.unescape(_MD_UNESCAPE.sub(r"\1", text))


def question_text(text: str) -> str:
    """A user's question as a chat message: shown as typed."""
    return _md_text(text)


# -- the sources panel -----------------------------------------------------------------
def sources_html(answer, turn: int = 0) -> str:
    """The sources of one answer: title (linking to the article), outlet, date, and the
    passage with the quoted span highlighted; each with the id its markers link to."""
    if answer is None:
        return "<p class='nq-empty'>Sources of the answer appear here.</p>"
    if answer.refused or not answer.citations:
        return "<p class='nq-empty'>No sources: the articles do not hold an answer.</p>"
    return "\n".join(_source(c, turn) for c in answer.citations)


def conversation_sources_html(turns: Sequence[tuple[str, Any]], active: int | None = None) -> str:
    """Every answer's sources, one section per answer; only the ``active`` one (default
    the last) shown. A marker of an earlier answer switches the panel to its section."""
    if not turns:
        return sources_html(None)
    active = len(turns) - 1 if active is None else active
    out = []
    for t, (question, answer) in enumerate(turns):
        nav = ""
        if len(turns) > 1:
            links = " ".join(
                f"<a href='#nq-t{i}'>{'<b>' if i == t else ''}{i + 1}{'</b>' if i == t else ''}</a>"
                for i in range(len(turns))
            )
            nav = f"<span class='nq-turns nq-meta'>answer {links}</span><br>"
        head = f"<p class='nq-turn-head'>{nav}<span class='nq-meta'>Q: {html.escape(_short(question, 140))}</span></p>"
        out.append(
            f"<section class='nq-turn' id='nq-t{t}' data-turn='{t}'{'' if t == active else ' hidden'}>"
            f"{head}{timeline_svg(answer, t)}{sources_html(answer, t)}</section>"
        )
    return "\n".join(out)


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _source(c, turn: int) -> str:
    p, a = c.passage, c.passage.article
    lo, hi = c.start - p.start, c.end - p.start
    passage = html.escape(p.text[:lo]) + "<mark>" + html.escape(p.text[lo:hi]) + "</mark>" + html.escape(p.text[hi:])
    meta = " · ".join(html.escape(x) for x in (a.source, a.published_at[:10]) if x)
    title = _link(a.url, html.escape(a.title or "(untitled)"))
    also = ""
    if a.also_carried_by:
        names = [
            _link(o.get("url", ""), html.escape(o.get("source") or o.get("url") or "another outlet"))
            for o in a.also_carried_by
        ]
        also = f" <span class='nq-meta nq-also'>also carried by {', '.join(names)}</span>"
    return (
        f"<details class='nq-source' id='nq-t{turn}-s{c.n}' data-n='{c.n}' open><summary>[{c.n}] {title}"
        + (f" <span class='nq-meta'>{meta}</span>" if meta else "")
        + also
        + f"</summary><p class='nq-passage'>{passage}</p></details>"
    )


# -- the timeline ----------------------------------------------------------------------
def _day(published_at: str) -> date | None:
    try:
        return datetime.fromisoformat(published_at[:10]).date() if published_at else None
    except ValueError:
        return None


def timeline_points(answer) -> list[dict[str, Any]]:
    """The answer's sources by publication day and outlet, oldest first (undated ones left out)."""
    pts = []
    for c in getattr(answer, "citations", None) or []:
        a = c.passage.article
        day = _day(a.published_at)
        if day is not None:
            pts.append({"n": c.n, "day": day, "outlet": a.source or "(unknown outlet)", "title": a.title})
    return sorted(pts, key=lambda p: (p["day"], p["n"]))


def timeline_svg(answer, turn: int = 0) -> str:
    """A small SVG plot of the answer's sources: publication day across, one row per
    outlet, a numbered point per source linking to it in the panel (so a reader sees how
    the story moved, and a click opens that source). Empty when no source is dated."""
    pts = timeline_points(answer)
    if not pts:
        return ""
    outlets: list[str] = []
    for p in pts:
        if p["outlet"] not in outlets:
            outlets.append(p["outlet"])
    lo, hi = pts[0]["day"], pts[-1]["day"]
    span = max((hi - lo).days, 1)
    left, right, top, row = 110, 340, 14, 22
    height = top + row * len(outlets) + 24
    out = [f"<svg class='nq-timeline' viewBox='0 0 360 {height}' role='img' aria-label='sources by date and outlet'>"]
    for i, name in enumerate(outlets):
        y = top + row * i
        out.append(f"<line class='nq-axis' x1='{left}' y1='{y}' x2='{right}' y2='{y}'/>")
        out.append(f"<text x='{left - 8}' y='{y + 3}' text-anchor='end'>{html.escape(_short(name, 18))}</text>")
    base = top + row * len(outlets) - 6
    out.append(f"<text x='{left}' y='{base + 14}' text-anchor='start'>{lo.isoformat()}</text>")
    if hi != lo:
        out.append(f"<text x='{right}' y='{base + 14}' text-anchor='end'>{hi.isoformat()}</text>")
    seen: dict[tuple[float, int], int] = {}
    for p in pts:
        x = left + (right - left) * ((p["day"] - lo).days / span) if hi != lo else (left + right) / 2
        r = outlets.index(p["outlet"])
        k = seen.get((x, r), 0)
        seen[(x, r)] = k + 1
        x += 13 * k  # several sources on one day and outlet: side by side
        y = top + row * r
        tip = html.escape(f"[{p['n']}] {p['title']} ({p['outlet']}, {p['day'].isoformat()})")
        out.append(
            f"<a href='#nq-t{turn}-s{p['n']}' class='nq-point' data-n='{p['n']}'><title>{tip}</title>"
            f"<circle class='nq-dot' cx='{x:.1f}' cy='{y}' r='7'/>"
            f"<text class='nq-num' x='{x:.1f}' y='{y + 3.5}' text-anchor='middle'>{p['n']}</text></a>"
        )
    out.append("</svg>")
    return "".join(out)


# -- the shared page and the Markdown export -------------------------------------------
def shared_page(conv, nonce: str) -> str:
    """A conversation as a read-only page: its questions, answers (markers linking to
    the sources) and every answer's sources; nothing to ask with and no other links."""
    body = []
    for t, turn in enumerate(conv.turns):
        ans = turn.answer
        body.append(f"<div class='nq-q'><b>Q:</b> {html.escape(turn.question)}</div>")
        body.append(
            f"<div class='nq-a'>{_answer_html(ans.text, t)}"
            + (f"<br><i>{html.escape(ans.note)}</i>" if ans.note else "")
            + "</div>"
        )
    panel = conversation_sources_html([(t.question, t.answer) for t in conv.turns])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{html.escape(conv.title)} · newsqa</title>
<style nonce="{nonce}">
body {{ font-family: system-ui, sans-serif; margin: 0; color: #1f2937; }}
header {{ padding: 10px 20px; border-bottom: 1px solid #e5e7eb; }}
main {{ display: flex; gap: 24px; padding: 12px 20px; flex-wrap: wrap; }}
#chat {{ flex: 3 1 420px; }} #sources {{ flex: 2 1 320px; }}
.nq-q {{ margin: 14px 0 4px; }} .nq-a {{ background: #f3f4f6; border-radius: 8px; padding: 8px 12px; }}
:root {{ --border-color-primary: #d1d5db; --body-text-color-subdued: #6b7280; }}
{CSS}
</style></head>
<body><header><b>newsqa</b> · shared conversation (read-only): {html.escape(conv.title)}</header>
<main><section id="chat">{"".join(body)}</section>
<aside id="sources"><h3>Sources</h3>{panel}</aside></main>
<script nonce="{nonce}">{CITE_JS}</script></body></html>"""


def _answer_html(text: str, turn: int) -> str:
    parts, last = [], 0
    for m in _MARKER.finditer(text):
        parts.append(html.escape(text[last : m.start()]))
        parts.append(f"<a href='#nq-t{turn}-s{m.group(1)}' class='nq-cite'>[{m.group(1)}]</a>")
        last = m.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


_MD_META = re.compile(r"([\\`*_\[\]<>#|~!])")


def _md(text: str) -> str:
    return _MD_META.sub(r"\\\1", " ".join(str(text).split()))


def conversation_markdown(conv) -> str:
    """A conversation as Markdown: each question, its answer with its ``[n]`` markers,
    and a numbered list of that answer's sources (title, outlet, date, URL) each with its
    exact quote as a block quote (the quote itself is left exactly as in the article;
    titles, outlets and answers have their Markdown punctuation escaped; only http(s)
    URLs are written, as autolinks)."""
    lines = [f"# {_md(conv.title)}", "", f"*Exported from newsqa; conversation started {conv.created_at[:10]}.*", ""]
    for t, turn in enumerate(conv.turns, 1):
        ans = turn.answer
        lines += [f"## {t}. {_md(turn.question)}", ""]
        text = _MARKER.sub(lambda m: f"\x00{m.group(1)}\x01", ans.text)
        lines += [_md(text).replace("\x00", "[").replace("\x01", "]"), ""]
        if ans.note:
            lines += [f"*{_md(ans.note)}*", ""]
        if not ans.citations:
            continue
        lines += ["Sources:", ""]
        for c in ans.citations:
            a = c.passage.article
            meta = ", ".join(_md(x) for x in (a.source, a.published_at[:10]) if x)
            url = a.url if _is_http(a.url) and not re.search(r"[\s<>]", a.url) else ""
            lines.append(
                f"{c.n}. **{_md(a.title or '(untitled)')}**"
                + (f" — {meta}" if meta else "")
                + (f" <{url}>" if url else "")
            )
            lines += ["", *[f"   > {line}" if line else "   >" for line in c.quote.split("\n")], ""]
    return "\n".join(lines).rstrip() + "\n"


def quotes_in_markdown(markdown: str) -> list[str]:
    """The block quotes of ``conversation_markdown`` as the exact quotes they hold."""
    quotes, cur = [], None
    for line in markdown.split("\n"):
        if line.startswith("   >"):
            text = line[5:] if line.startswith("   > ") else ""
            cur = text if cur is None else cur + "\n" + text
        elif cur is not None:
            quotes.append(cur)
            cur = None
    if cur is not None:
        quotes.append(cur)
    return quotes
