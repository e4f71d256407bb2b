"""Threat: article text is quoted into the chat, which renders markdown: a
``[click me](javascript:...)`` or a look-alike login link written into an article
became a live link in the answer. Quoted text is escaped so that it cannot make a link,
an image or a bare URL link, and reads the same."""

from __future__ import annotations

import re

import pytest

from qa.web.format import answer_text, plain_text

pytestmark = pytest.mark.unit

EVIL = (
    "Officials said [click me](javascript:alert(6)) and ![x](https://evil.example/p.png) "
    "[Log in again](https://evil.example/login) or visit www.evil.example, https://evil.example/reset [1]. "
    "[ref]: https://evil.example <b>bold</b>"
)


def test_quoted_text_cannot_make_a_link_or_markup():
    from markdown_it import MarkdownIt

    out = answer_text(EVIL, note="see [here](https://evil.example)")
    rendered = MarkdownIt("commonmark").render(out)
    links = re.findall(r"<a [^>]*>", rendered)
    assert links == ['<a href="#nq-t0-s1">']  # the citation marker, into the sources panel, and nothing else
    assert "<img" not in rendered and "<b>" not in rendered
    assert "://" not in out and "www." not in out  # no bare URL for a linkifier to find


def test_ordinary_answers_read_the_same():
    text = "Gabriel Attal said the withdrawal was a positive sign [1]. Kuleba agreed [2]."
    assert plain_text(answer_text(text)) == text
    assert plain_text(answer_text(EVIL)) == EVIL  # escaped for display, never changed
