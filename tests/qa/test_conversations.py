"""Conversations kept in SQLite (qa.conversations), and how the web shows them
(qa.web.format): citation links, escaping, the shared page, the Markdown export, the
timeline. Hand-made answers on a temporary file: no model, no store, no network."""

from __future__ import annotations

import re
import threading

import pytest

from index import Settings
from qa import Answer, ArticleRef, BadRequest, Citation, NotFound, Passage
from qa.conversations import ConversationStore
from qa.web.auth import credentials_ok
from qa.web.format import (
    answer_text,
    conversation_markdown,
    conversation_sources_html,
    plain_text,
    quotes_in_markdown,
    shared_page,
    timeline_svg,
)

pytestmark = pytest.mark.unit

BODY = (
    "The council met on Monday.\nMayor Ann Lee said the park opens in May. "
    "Critics said the cost, $4 million, was too high."
)
BODY2 = "Rail drivers walked out on Friday. The union said talks had failed."


def _cite(n: int, body: str, quote: str, ref: ArticleRef, passage_start: int = 0) -> Citation:
    start = body.index(quote)
    p = Passage(body[passage_start:], 0.5, passage_start, len(body), ref)
    return Citation(n, p, quote, start, start + len(quote))


REF1 = ArticleRef(
    "a1", "Park to open in May", "Harbour Times", "https://harbour.example/park", "2023-11-02T10:00:00+00:00"
)
REF2 = ArticleRef("a2", "Rail strike", "Daily Rail", "https://rail.example/strike", "2023-11-05")


def _answer() -> Answer:
    q1 = "Mayor Ann Lee said the park opens in May."
    q2 = "Rail drivers walked out on Friday."
    return Answer(
        f"{q1} [1] {q2} [2]",
        False,
        [_cite(1, BODY, q1, REF1, passage_start=27), _cite(2, BODY2, q2, REF2)],
        question="When does the park open?",
    )


@pytest.fixture
def store(tmp_path):
    return ConversationStore(tmp_path / "conversations.sqlite3")


def test_a_conversation_keeps_its_turns_with_exact_spans(store, tmp_path):
    conv = store.create("alice", "When does the park open?")
    assert store.append(conv.id, "alice", "When does the park open?", _answer()) == 0
    assert store.append(conv.id, "alice", "And the strike?", Answer("I can't answer that.", True)) == 1
    again = ConversationStore(tmp_path / "conversations.sqlite3").get(conv.id, "alice")  # a new process, say
    assert [t.question for t in again.turns] == ["When does the park open?", "And the strike?"]
    c = again.turns[0].answer.citations[0]
    assert (
        BODY[c.start : c.end] == c.quote
        and c.passage.start == 27
        and BODY[c.passage.start : c.passage.end] == c.passage.text
    )
    assert again.turns[1].answer.refused
    assert again.history() == [
        ("When does the park open?", _answer().text),
        ("And the strike?", "I can't answer that."),
    ]
    assert again.turns[0].answer.to_dict() == _answer().to_dict()  # stored and read back losslessly


def test_list_rename_delete_and_owners_are_kept_apart(store):
    a = store.create("alice", "first question " + "x" * 200)
    b = store.create("alice", "second")
    store.append(a.id, "alice", "first", _answer())  # a is now the last used
    other = store.create("bob", "bob's")
    assert [c.id for c in store.list("alice")] == [a.id, b.id]
    assert store.list("alice")[0].turn_count == 1 and len(store.list("alice")[0].title) <= 80
    assert [c.id for c in store.list("bob")] == [other.id]
    for call in (
        lambda: store.get(a.id, "bob"),
        lambda: store.rename(a.id, "bob", "mine now"),
        lambda: store.delete(a.id, "bob"),
        lambda: store.share(a.id, "bob"),
        lambda: store.append(a.id, "bob", "q", _answer()),
        lambda: store.give_feedback(a.id, "bob", 0, "down"),
    ):
        with pytest.raises(NotFound):
            call()
    assert store.rename(a.id, "alice", "  Park   plans ").title == "Park plans"
    with pytest.raises(BadRequest):
        store.rename(a.id, "alice", "   ")
    store.delete(b.id, "alice")
    assert [c.id for c in store.list("alice")] == [a.id]
    with pytest.raises(NotFound):
        store.get(b.id, "alice")


def test_share_links_are_unguessable_stable_and_revocable(store):
    conv = store.create("alice", "q")
    store.append(conv.id, "alice", "q", _answer())
    share_id = store.share(conv.id, "alice")
    assert len(share_id) >= 24 and re.fullmatch(r"[A-Za-z0-9_-]+", share_id) and share_id != conv.id
    assert store.share(conv.id, "alice") == share_id  # sharing again gives the same link
    assert store.shared(share_id).turns[0].question == "q"
    store.unshare(conv.id, "alice")
    with pytest.raises(NotFound):
        store.shared(share_id)
    assert store.share(conv.id, "alice") != share_id  # a new link; the old one stays dead
    store.delete(conv.id, "alice")
    with pytest.raises(NotFound):
        store.shared(share_id)


def test_feedback_is_kept_with_question_history_answer_and_citations(store):
    conv = store.create("alice", "When does the park open?")
    store.append(conv.id, "alice", "When does the park open?", _answer())
    store.append(conv.id, "alice", "And the strike?", _answer())
    store.give_feedback(conv.id, "alice", 1, "up")
    store.give_feedback(conv.id, "alice", 1, "down", "wrong source")  # changed their mind: replaces
    store.give_feedback(conv.id, "alice", 0, "up")
    with pytest.raises(NotFound):
        store.give_feedback(conv.id, "alice", 5, "down")
    with pytest.raises(BadRequest):
        store.give_feedback(conv.id, "alice", 0, "meh")  # type: ignore[arg-type]
    downs = store.feedback("down")
    assert len(downs) == 1 and len(store.feedback()) == 2
    fb = downs[0]
    assert (fb.question, fb.history, fb.reason) == ("And the strike?", ["When does the park open?"], "wrong source")
    row = fb.question_row()
    assert row["question"] == "And the strike?" and row["history"] == ["When does the park open?"]
    assert row["answer_keys"] == [] and row["answerable"] is True and row["rating"] == "down"
    assert row["citations"][0]["quote"] == "Mayor Ann Lee said the park opens in May."
    store.delete(conv.id, "alice")
    assert len(store.feedback("down")) == 1  # feedback outlives the conversation


def test_concurrent_appends_from_threads_keep_every_turn(store):
    conv = store.create("alice", "q")
    threads = [
        threading.Thread(target=lambda i=i: store.append(conv.id, "alice", f"q{i}", _answer())) for i in range(12)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.question for t in store.get(conv.id, "alice").turns) == sorted(f"q{i}" for i in range(12))


# -- what the web shows -------------------------------------------------------------------
def test_answer_markers_link_to_their_source_and_the_text_stays_text():
    text = "Evil [click](javascript:alert(1)) *bold* <img src=x onerror=alert(2)> `code` said it [1] and [12]."
    out = answer_text(text, "a note_with_underscore", turn=3)
    assert "[[1]](#nq-t3-s1)" in out and "[[12]](#nq-t3-s12)" in out
    assert (
        not re.search(r"(?<!\\)\]\(javascript", out)
        and "<img" not in out
        and "\\*bold\\*" in out
        and "\\`code\\`" in out
    )
    # the only markdown links left are the markers
    assert re.findall(r"(?<!\\)\]\(([^)]*)\)", out) == ["#nq-t3-s1", "#nq-t3-s12"]
    assert plain_text(out) == text + "\n\n*a note_with_underscore*"


def test_the_sources_panel_has_a_section_per_answer_and_ids_the_markers_link_to():
    ans = _answer()
    html_out = conversation_sources_html([("q1", ans), ("q2 <b>", ans)])
    assert "id='nq-t0'" in html_out and "id='nq-t1'" in html_out and "id='nq-t1-s2'" in html_out
    assert re.search(r"id='nq-t0' data-turn='0' hidden", html_out) and not re.search(r"id='nq-t1'[^>]*hidden", html_out)
    assert "q2 &lt;b&gt;" in html_out and "<b>q2" not in html_out
    assert "href='https://harbour.example/park'" in html_out  # the source's title links to its article


def test_timeline_plots_sources_by_day_and_outlet_and_links_each_point():
    ref = ArticleRef("a3", "<script>x</script>", "Evil <i>Outlet</i>", "javascript:alert(1)", "2023-11-09")
    ans = _answer()
    ans.citations.append(_cite(3, BODY2, "The union said talks had failed.", ref))
    ans.citations.append(_cite(4, BODY2, "The union said", ArticleRef("a4", "undated", "X", "", "")))
    svg = timeline_svg(ans, turn=2)
    assert svg.startswith("<svg") and svg.count("<circle") == 3  # the undated source has no point
    assert [m for m in re.findall(r"href='([^']*)'", svg)] == ["#nq-t2-s1", "#nq-t2-s2", "#nq-t2-s3"]  # by date
    assert "2023-11-02" in svg and "2023-11-09" in svg and "Harbour Times" in svg
    assert "<script>" not in svg and "<i>" not in svg and "javascript:" not in svg
    assert timeline_svg(Answer("no", True)) == ""


def test_the_shared_page_escapes_everything_and_offers_nothing_but_the_conversation(store):
    bad = ArticleRef("a9", "<script>alert(1)</script>", "Evil", "javascript:alert(2)", "2023-11-02")
    quote = "Rail drivers walked out on Friday."
    conv = store.create("alice", "<b>title</b>")
    store.append(
        conv.id, "alice", "<img src=x onerror=alert(3)>?", Answer(f"{quote} [1]", False, [_cite(1, BODY2, quote, bad)])
    )
    page = shared_page(store.get(conv.id, "alice"), "NONCE")
    assert "<script>alert" not in page and "<img" not in page and "<b>title" not in page and "javascript:" not in page
    assert "<form" not in page and "<textarea" not in page and "<input" not in page
    assert re.findall(r"<script[^>]*>", page) == ['<script nonce="NONCE">']
    hrefs = set(re.findall(r"href='([^']*)'", page))
    assert hrefs == {"#nq-t0-s1"}  # no way anywhere else: no article link here (not http), no app links


def test_markdown_export_has_questions_answers_markers_and_exact_quotes(store):
    conv = store.create("alice", "Park [plans](javascript:x)")
    store.append(conv.id, "alice", "When does the park open?", _answer())
    store.append(conv.id, "alice", "Anything else?", Answer("I can't answer that from the articles I have.", True))
    md = conversation_markdown(store.get(conv.id, "alice"))
    assert md.startswith("# Park \\[plans\\](javascript:x)")  # escaped: no link
    assert "## 1. When does the park open?" in md and "## 2. Anything else?" in md
    assert "said the park opens in May. [1] Rail drivers walked out on Friday. [2]" in md
    assert "1. **Park to open in May** — Harbour Times, 2023-11-02 <https://harbour.example/park>" in md
    assert "2. **Rail strike** — Daily Rail, 2023-11-05 <https://rail.example/strike>" in md
    assert quotes_in_markdown(md) == ["Mayor Ann Lee said the park opens in May.", "Rail drivers walked out on Friday."]
    multi = "The council met on Monday.\nMayor Ann Lee said"
    conv2 = store.create("alice", "x")
    store.append(conv2.id, "alice", "x", Answer("x [1]", False, [_cite(1, BODY, multi, REF1)]))
    assert quotes_in_markdown(conversation_markdown(store.get(conv2.id, "alice"))) == [
        multi
    ]  # a quote over a line break


def test_several_logins_each_get_in():
    s = Settings(auth="alice:pw1,bob:p,w2", home="/nonexistent")
    assert s.logins == [("alice", "pw1"), ("bob", "p,w2")] and s.login == ("alice", "pw1")
    assert credentials_ok(s, "alice", "pw1") and credentials_ok(s, "bob", "p,w2")
    assert (
        not credentials_ok(s, "alice", "p,w2") and not credentials_ok(s, "bob", "pw1") and not credentials_ok(s, "", "")
    )
    assert Settings(auth="editor:s3cret", home="/nonexistent").logins == [("editor", "s3cret")]


def test_the_chat_shows_a_stored_conversation_and_reads_its_own_messages_back(store):
    from qa.web.ui import _history_from_chat, conversation_view

    conv = store.create("alice", "q")
    store.append(conv.id, "alice", "When does the *park* open?", _answer())
    store.append(conv.id, "alice", "And the strike?", _answer())
    chat, panel = conversation_view(store.get(conv.id, "alice"))
    assert [m["role"] for m in chat] == ["user", "assistant", "user", "assistant"]
    assert "[[2]](#nq-t1-s2)" in chat[3]["content"] and "[[1]](#nq-t0-s1)" in chat[1]["content"]
    assert "id='nq-t1-s2'" in panel and "id='nq-t0' data-turn='0' hidden" in panel
    chat.append({"role": "user", "content": "bad"})
    chat.append({"role": "assistant", "content": "⚠️ the question is empty"})  # errors are not turns
    assert _history_from_chat(chat) == [
        ("When does the *park* open?", _answer().text),
        ("And the strike?", _answer().text),
        "bad",
    ]
