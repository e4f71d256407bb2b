"""HTML the web UI shows: the sources panel and chat message text.

Article text, titles, outlets and URLs come from whoever wrote the articles, so
everything is escaped, and only http(s) URLs become links.
"""

from __future__ import annotations

import html
import re

CSS = """
.nq-source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 6px 10px; margin: 6px 0; }
.nq-source mark { background: #ffe58a; color: inherit; padding: 0 2px; }
.nq-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.nq-passage { white-space: pre-wrap; font-size: 0.95em; }
"""


def sources_html(answer) -> str:
    """The sources of an answer: title, outlet, date, link, and the passage with the
    quoted span highlighted."""
    if answer is None:
        return "<p class='nq-empty'>Sources of the answer appear here.</p>"
    if answer.refused or not answer.citations:
        return "<p class='nq-empty'>No sources: the articles do not hold an answer.</p>"
    return "\n".join(_source(c) for c in answer.citations)


def _source(c) -> str:
    p, a = c.passage, c.passage.article
    lo, hi = c.start - p.start, c.end - p.start
    passage = html.escape(p.text[:lo]) + "<mark>" + html.escape(p.text[lo:hi]) + "</mark>" + html.escape(p.text[hi:])
    meta = " · ".join(html.escape(x) for x in (a.source, a.published_at[:10]) if x)
    title = html.escape(a.title or "(untitled)")
    if a.url.startswith(("http://", "https://")):
        title = f"<a href='{html.escape(a.url, quote=True)}' target='_blank' rel='noopener noreferrer'>{title}</a>"
    also = ""
    if a.also_carried_by:
        names = []
        for o in a.also_carried_by:
            name = html.escape(o.get("source") or o.get("url") or "another outlet")
            url = o.get("url", "")
            if url.startswith(("http://", "https://")):
                name = f"<a href='{html.escape(url, quote=True)}' target='_blank' rel='noopener noreferrer'>{name}</a>"
            names.append(name)
        also = f" <span class='nq-meta nq-also'>also carried by {', '.join(names)}</span>"
    return (
        f"<details class='nq-source' open><summary>[{c.n}] {title}"
        + (f" <span class='nq-meta'>{meta}</span>" if meta else "")
        + also
        + f"</summary><p class='nq-passage'>{passage}</p></details>"
    )


def answer_text(text: str, note: str = "") -> str:
    """An answer as a chat message (the chat renders markdown: the text is escaped,
    the note shown in italics)."""
    out = markdown_safe(text)
    return out + (f"\n\n*{markdown_safe(note)}*" if note else "")


_BARE_URL = re.compile(r"(?i)\b(https?|ftp|mailto|javascript|data|file)(:)|\b(www)(\.)")


def markdown_safe(text: str) -> str:
    """Text quoted from articles, made unable to become markup where the chat renders
    markdown: HTML escaped, no ``[text](url)`` link or image, no ``[ref]: url``
    definition, no bare URL turned into a link. It reads the same (``[1]`` markers
    too): only what would make a link is escaped."""
    out = html.escape(text)
    out = out.replace("](", "]\\(").replace("]:", "]\\:")
    return _BARE_URL.sub(lambda m: f"{m.group(1)}&#58;" if m.group(1) else f"{m.group(3)}&#46;", out)
