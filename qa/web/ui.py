"""The Gradio UI: one function per tab, listed in ``TABS``.

A tab function is called inside its ``gr.Tab`` with the Blocks (for ``blocks.load``
events), the Assistant and the settings, and builds its components and events there.
To add a tab, write ``def my_tab(blocks, assistant, settings)`` in its own module and
append ``("Title", my_tab)`` to ``TABS`` (or pass ``tabs=`` to ``build_ui``).
Every handler calls the Assistant and formats its results; a ``NewsqaError`` is shown
to the user as its message.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import NewsqaError
from ..history import message_text
from .format import (
    CITE_JS,
    answer_text,
    conversation_markdown,
    conversation_sources_html,
    plain_text,
    question_text,
    sources_html,
)
from .uploads import received_uploads

Tab = Callable[[gr.Blocks, Any, Any], None]

EXAMPLES = [
    "What did France say about the withdrawal?",
    "What did Stoltenberg say?",
    "And what did Kuleba say?",
    "What did Boris Johnson say about the border?",
]
FEEDBACK = ("Like", "Dislike", "Wrong source", "Missed the point")
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]


def _owner(request: gr.Request | None, settings) -> str:
    from .conversations import current_user

    return current_user(request, settings)


def _history_from_chat(history: list[dict[str, Any]] | None) -> list[tuple[str, str] | str]:
    """The chat component's messages as (question, answer) turns in plain text (for a
    caller that holds its chat but no stored conversation, e.g. gradio_client)."""
    turns: list[tuple[str, str] | str] = []
    for m in history or []:
        text = plain_text(message_text(m.get("content") if isinstance(m, dict) else getattr(m, "content", "")))
        role = m.get("role") if isinstance(m, dict) else getattr(m, "role", "")
        if role == "user":
            turns.append(text)
        elif role == "assistant" and turns and isinstance(turns[-1], str) and not text.startswith("⚠️"):
            turns[-1] = (turns[-1], text)
    return turns


def conversation_view(conv) -> tuple[list[dict[str, str]], str]:
    """A stored conversation as the chat's messages and the sources panel."""
    chat: list[dict[str, str]] = []
    for t, turn in enumerate(conv.turns):
        chat.append({"role": "user", "content": question_text(turn.question)})
        chat.append({"role": "assistant", "content": answer_text(turn.answer.text, turn.answer.note, t)})
    return chat, conversation_sources_html([(t.question, t.answer) for t in conv.turns])


def _export_file(conv) -> str:
    """The conversation's Markdown in a fresh temporary file (what the Export button downloads)."""
    folder = Path(tempfile.mkdtemp(prefix="newsqa-export-"))
    slug = re.sub(r"[^A-Za-z0-9]+", "-", conv.title).strip("-")[:50] or "conversation"
    path = folder / f"{slug}.md"
    path.write_text(conversation_markdown(conv), encoding="utf-8")
    return str(path)


def chat_tab(blocks: gr.Blocks, assistant, settings) -> None:
    """The chat: cited answers streamed into the conversation, the sources beside it
    ([n] opens source n), conversations kept in a sidebar (reopen, rename, delete,
    share, export), thumbs up/down on answers, filters."""

    def store():
        return assistant.conversations

    def conversation_choices(owner: str) -> list[tuple[str, str]]:
        return [(f"{c.title} ({c.turn_count})", c.id) for c in store().list(owner)]

    def sidebar(conv, owner: str, request: gr.Request | None = None):
        """The sidebar's state for ``conv`` (None: no conversation yet)."""
        choices = conversation_choices(owner)
        if conv is None:
            return (
                gr.Radio(choices=choices, value=None),
                gr.Textbox(value=""),
                gr.Textbox(value=""),
                gr.DownloadButton(value=None, interactive=False),
            )
        link = _share_url(request, conv.share_id) if conv.share_id else ""
        return (
            gr.Radio(choices=choices, value=conv.id),
            gr.Textbox(value=conv.title),
            gr.Textbox(value=link),
            gr.DownloadButton(value=_export_file(conv), interactive=True),
        )

    def ask(
        message: str,
        history: list[dict[str, Any]],
        sources: list[str] | None,
        since: str,
        until: str,
        conv_id: str | None,
        request: gr.Request,
    ):
        """Answer a question with cited sources; streams the answer text."""
        owner = _owner(request, settings)
        conv = None
        if conv_id:
            try:
                conv = store().get(conv_id, owner)
            except NewsqaError:  # deleted meanwhile: start a new one
                conv, conv_id = None, None
        earlier = conv.history() if conv else _history_from_chat(history)
        turn = len(conv.turns) if conv else 0
        chat = list(history or []) + [
            {"role": "user", "content": question_text(message)},
            {"role": "assistant", "content": ""},
        ]
        before = conversation_sources_html([(t.question, t.answer) for t in conv.turns]) if conv else sources_html(None)
        filters = {
            "sources": list(sources or []),
            "since": (since or "").strip() or None,
            "until": (until or "").strip() or None,
        }
        streamed, answer = "", None
        try:
            for item in assistant.ask_stream(message, history=earlier, filters=filters):
                if isinstance(item, str):  # an LLM's checked sentences as they come
                    streamed += item
                    chat[-1]["content"] = answer_text(streamed, turn=turn)
                    yield chat, "", before, conv_id
                else:
                    answer = item
        except NewsqaError as exc:
            chat[-1]["content"] = f"⚠️ {exc}"
            yield chat, "", before, conv_id
            return
        if not streamed:  # the extractive answer arrives whole: show it in a few steps
            words = answer.text.split(" ")
            step = max(1, len(words) // 12)
            for i in range(0, len(words) - step, step):
                chat[-1]["content"] = answer_text(" ".join(words[: i + step]), turn=turn)
                yield chat, "", before, conv_id
        chat[-1]["content"] = answer_text(answer.text, answer.note, turn)
        if conv_id is None:
            conv_id = store().create(owner, message).id
        store().append(conv_id, owner, message, answer)
        conv = store().get(conv_id, owner)
        yield chat, "", conversation_sources_html([(t.question, t.answer) for t in conv.turns]), conv_id

    def after_answer(conv_id: str | None, request: gr.Request):
        owner = _owner(request, settings)
        try:
            conv = store().get(conv_id, owner) if conv_id else None
        except NewsqaError:
            conv = None
        return sidebar(conv, owner, request)

    def open_conversation(conv_id: str | None, request: gr.Request):
        """Reopen a conversation from the sidebar: its messages and its sources."""
        owner = _owner(request, settings)
        try:
            conv = store().get(conv_id, owner) if conv_id else None
        except NewsqaError as exc:
            return ([], sources_html(None), None, *sidebar(None, owner, request), str(exc))
        if conv is None:
            return ([], sources_html(None), None, *sidebar(None, owner, request), "")
        chat, panel = conversation_view(conv)
        return (chat, panel, conv.id, *sidebar(conv, owner, request), "")

    def new_conversation(request: gr.Request):
        """An empty chat (a question already typed stays in the box)."""
        return ([], sources_html(None), None, *sidebar(None, _owner(request, settings), request), "")

    def rename(conv_id: str | None, title: str, request: gr.Request):
        owner = _owner(request, settings)
        if not conv_id:
            return (*sidebar(None, owner, request), "Ask a question first: there is no conversation to rename.")
        try:
            conv = store().rename(conv_id, owner, title)
        except NewsqaError as exc:
            return (*sidebar(None, owner, request), str(exc))
        return (*sidebar(conv, owner, request), "Renamed.")

    def delete(conv_id: str | None, request: gr.Request):
        owner = _owner(request, settings)
        msg = ""
        if conv_id:
            try:
                store().delete(conv_id, owner)
                msg = "Conversation deleted."
            except NewsqaError as exc:
                msg = str(exc)
        return ([], sources_html(None), None, *sidebar(None, owner, request), msg)

    def share(conv_id: str | None, request: gr.Request):
        owner = _owner(request, settings)
        if not conv_id:
            return gr.Textbox(value=""), "Ask a question first: there is nothing to share yet."
        try:
            share_id = store().share(conv_id, owner)
        except NewsqaError as exc:
            return gr.Textbox(value=""), str(exc)
        return (
            gr.Textbox(value=_share_url(request, share_id)),
            "Anyone with this link can read this conversation (not ask, nor see anything else). "
            "Stop sharing to revoke it.",
        )

    def unshare(conv_id: str | None, request: gr.Request):
        if not conv_id:
            return gr.Textbox(value=""), ""
        try:
            store().unshare(conv_id, _owner(request, settings))
        except NewsqaError as exc:
            return gr.Textbox(value=""), str(exc)
        return gr.Textbox(value=""), "No longer shared: the link answers 404 now."

    def feedback(conv_id: str | None, chat: list[dict[str, Any]], data: gr.LikeData, request: gr.Request):
        """Thumbs up/down (or a reason) on an answer: stored with its question, answer and citations."""
        if not conv_id:
            return "Feedback is kept with saved conversations: ask a question first."
        index = data.index if isinstance(data.index, int) else data.index[0]
        # which stored answer: the assistant messages before it that are answers (not errors)
        answers = [
            i
            for i, m in enumerate(chat or [])
            if m.get("role") == "assistant" and not message_text(m.get("content")).startswith("⚠️")
        ]
        if index not in answers:
            return "That message is not an answer."
        liked = data.liked
        if liked is True or liked == "Like":
            rating, reason = "up", ""
        elif liked is False or liked == "Dislike":
            rating, reason = "down", ""
        else:
            rating, reason = "down", str(liked).lower()
        stored = store().get(conv_id, _owner(request, settings))
        position = answers.index(index) - (
            len(answers) - len(stored.turns)
        )  # chat may hold answers from before it was saved
        try:
            fb = store().give_feedback(conv_id, _owner(request, settings), position, rating, reason)
        except NewsqaError as exc:
            return str(exc)
        thumbs = "👍" if fb.rating == "up" else "👎"
        return f"Thanks: {thumbs} recorded for answer {position + 1}" + (f" ({fb.reason})." if fb.reason else ".")

    conv_id = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1, min_width=220):
            new = gr.Button("New conversation", elem_id="new-conversation")
            convs = gr.Radio(choices=[], label="Conversations", elem_id="conversations")
            with gr.Accordion("This conversation", open=True):
                title = gr.Textbox(label="Title", elem_id="conversation-title")
                with gr.Row():
                    rename_btn = gr.Button("Rename", size="sm", elem_id="rename")
                    delete_btn = gr.Button("Delete", size="sm", variant="stop", elem_id="delete-conversation")
                with gr.Row():
                    share_btn = gr.Button("Share", size="sm", elem_id="share")
                    unshare_btn = gr.Button("Stop sharing", size="sm", elem_id="unshare")
                link = gr.Textbox(label="Read-only link", interactive=False, elem_id="share-link", buttons=["copy"])
                export = gr.DownloadButton(
                    "Export Markdown", value=None, interactive=False, size="sm", elem_id="export"
                )
            note = gr.Markdown(elem_id="conversation-note")
        with gr.Column(scale=3):
            chat = gr.Chatbot(
                label="Conversation",
                height=440,
                elem_id="chat",
                latex_delimiters=[],
                feedback_options=FEEDBACK,
                buttons=["copy", "copy_all"],
            )
            box = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False, elem_id="question")
            with gr.Row():
                send = gr.Button("Ask", variant="primary", elem_id="ask")
            gr.Examples(EXAMPLES, inputs=box, label="Try")
            with gr.Accordion("Filters", open=False):
                srcs = gr.Dropdown(choices=assistant.sources(), multiselect=True, label="Outlets", value=[])
                with gr.Row():
                    since = gr.Textbox(label="Since (YYYY-MM-DD)")
                    until = gr.Textbox(label="Until (YYYY-MM-DD)")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_html(None), elem_id="sources", js_on_load=CITE_JS)
    side = [convs, title, link, export]
    inputs = [box, chat, srcs, since, until, conv_id]
    send.click(ask, inputs, [chat, box, sources, conv_id], api_name="ask").then(
        after_answer, [conv_id], side, api_name=False
    )
    box.submit(ask, inputs, [chat, box, sources, conv_id], api_name=False).then(
        after_answer, [conv_id], side, api_name=False
    )
    new.click(new_conversation, None, [chat, sources, conv_id, *side, note], api_name=False)
    chat.clear(new_conversation, None, [chat, sources, conv_id, *side, note], api_name=False)  # its bin icon
    convs.input(open_conversation, [convs], [chat, sources, conv_id, *side, note], api_name=False)
    rename_btn.click(rename, [conv_id, title], [*side, note], api_name=False)
    delete_btn.click(delete, [conv_id], [chat, sources, conv_id, *side, note], api_name=False)
    share_btn.click(share, [conv_id], [link, note], api_name=False)
    unshare_btn.click(unshare, [conv_id], [link, note], api_name=False)
    chat.like(feedback, [conv_id, chat], note, api_name=False)
    blocks.load(lambda: gr.Dropdown(choices=assistant.sources()), None, srcs, api_name=False)

    def list_conversations(request: gr.Request):
        return sidebar(None, _owner(request, settings), request)[0]

    blocks.load(list_conversations, None, convs, api_name=False)


def _share_url(request: gr.Request | None, share_id: str) -> str:
    """The shared page's full address, as this browser reached the app."""
    path = f"/shared/{share_id}"
    if request is None:
        return path
    headers = request.headers
    host = headers.get("x-forwarded-host") or headers.get("host")
    if not host:
        return path
    scheme = headers.get("x-forwarded-proto")
    if not scheme:
        raw = getattr(request, "request", None)
        scheme = raw.url.scheme if raw is not None and hasattr(raw, "url") else "http"
    return f"{scheme}://{host}{path}"


def corpus_tab(blocks: gr.Blocks, assistant, settings) -> None:
    """Managing the articles: upload files, paste one, list, delete."""

    def articles_table() -> list[list[Any]]:
        return [
            [r["id"], r["title"], r["source"], (r["published_at"] or "")[:10], r["chunks"]]
            for r in assistant.articles()
        ]

    def report_rows(report) -> list[list[str]]:
        rows = [
            ["added", str(report.added), ""],
            ["updated", str(report.updated), ""],
            ["unchanged", str(report.unchanged), ""],
            ["folded", str(report.folded), "wire copies: another outlet carrying a stored story"],
        ]
        return rows + [["failed", f.source, f.reason] for f in report.failed]

    def upload(files: list[dict[str, Any]] | None, progress=gr.Progress()):
        """Add uploaded article files (.txt .md .html .json .jsonl)."""
        if not files:
            return [["failed", "-", "no files chosen"]], articles_table()
        # raw FileData (preprocess=False): only files Gradio received for this app are read
        received, refused = received_uploads(blocks, files, settings.max_file_bytes)
        try:
            report = assistant.add_uploads(received, lambda d, t: progress((d, t), unit="chunks") if t else None)
        except NewsqaError as exc:
            return [["failed", "-", str(exc)]], articles_table()
        report.failed += refused
        return report_rows(report), articles_table()

    def paste(title: str, body: str, source: str, url: str, date: str):
        """Add one pasted article."""
        try:
            report = assistant.add_articles(
                [{"title": title, "body": body, "source": source, "url": url or None, "published_at": date or None}]
            )
        except NewsqaError as exc:
            return [["failed", "-", str(exc)]], articles_table()
        return report_rows(report), articles_table()

    def delete(article_id: str):
        """Delete an article by id."""
        try:
            assistant.delete((article_id or "").strip())
            msg = f"deleted {article_id}"
        except NewsqaError as exc:
            msg = str(exc)
        return msg, articles_table()

    with gr.Row():
        with gr.Column():
            files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="Upload articles", elem_id="upload")
            add_btn = gr.Button("Add files", variant="primary", elem_id="add-files")
        with gr.Column():
            t_title = gr.Textbox(label="Title")
            t_body = gr.Textbox(label="Text", lines=6)
            with gr.Row():
                t_source = gr.Textbox(label="Outlet")
                t_url = gr.Textbox(label="URL")
                t_date = gr.Textbox(label="Date (YYYY-MM-DD)")
            paste_btn = gr.Button("Add pasted article")
    result = gr.Dataframe(headers=["result", "file", "reason"], label="Result", elem_id="result")
    table = gr.Dataframe(
        headers=["id", "title", "outlet", "date", "chunks"], value=articles_table, label="Articles", elem_id="articles"
    )
    from .feeds import corpus_links

    corpus_links(assistant, settings, result, table, articles_table, report_rows)
    with gr.Row():
        del_id = gr.Textbox(label="Article id to delete")
        del_btn = gr.Button("Delete", variant="stop")
        del_msg = gr.Markdown()
    with gr.Accordion("Articles per day, by outlet", open=True):
        per_day = gr.BarPlot(
            articles_per_day(assistant),
            x="day",
            y="articles",
            color="outlet",
            x_bin="1d",
            y_aggregate="sum",
            height=260,
            elem_id="per-day",
            show_label=False,
        )
    table.change(lambda: articles_per_day(assistant), None, per_day, api_name=False)
    add_btn.click(upload, [files], [result, table], api_name="upload", preprocess=False)
    paste_btn.click(paste, [t_title, t_body, t_source, t_url, t_date], [result, table], api_name="add_article")
    del_btn.click(delete, [del_id], [del_msg, table], api_name="delete")


def articles_per_day(assistant, top: int = 8):
    """Stored articles counted per publication day and outlet (the ``top`` outlets by
    count; the rest as "other outlets"), for the Corpus tab's plot."""
    import pandas as pd

    articles = assistant.articles()
    rows = [(r["published_at"] or "")[:10] for r in articles]
    outlets = [r["source"] or "(unknown outlet)" for r in articles]
    keep = {o for o, _ in Counter(outlets).most_common(top)}
    counts = Counter((day, o if o in keep else "other outlets") for day, o in zip(rows, outlets) if day)
    data = [{"day": pd.Timestamp(day), "outlet": o, "articles": n} for (day, o), n in sorted(counts.items())]
    return pd.DataFrame(data, columns=["day", "outlet", "articles"])


TABS: list[tuple[str, Tab]] = [("Chat", chat_tab), ("Corpus", corpus_tab)]


def build_ui(assistant, settings, tabs: Sequence[tuple[str, Tab]] | None = None) -> gr.Blocks:
    """The Blocks with a heading and one ``gr.Tab`` per entry of ``tabs`` (default ``TABS``)."""
    with gr.Blocks(title="newsqa") as blocks:
        gr.Markdown("## newsqa — ask the news\nEvery answer cites the passages it comes from.")
        for title, tab in tabs if tabs is not None else TABS:
            with gr.Tab(title):
                tab(blocks, assistant, settings)
    blocks.queue(default_concurrency_limit=8)
    return blocks
