"""The Gradio UI: one function per tab, listed in ``TABS``.

A tab function is called inside its ``gr.Tab`` with the Blocks (for ``blocks.load``
events), the Assistant and the settings, and builds its components and events there.
To add a tab, write ``def my_tab(blocks, assistant, settings)`` in its own module and
append ``("Title", my_tab)`` to ``TABS`` (or pass ``tabs=`` to ``build_ui``).
Every handler calls the Assistant and formats its results; a ``NewsqaError`` is shown
to the user as its message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gradio as gr

from ..errors import NewsqaError
from .format import answer_text, sources_html
from .uploads import received_uploads

Tab = Callable[[gr.Blocks, Any, Any], None]

EXAMPLES = [
    "What did France say about the withdrawal?",
    "What did Stoltenberg say?",
    "And what did Kuleba say?",
    "What did Boris Johnson say about the border?",
]
UPLOAD_TYPES = [".txt", ".md", ".html", ".htm", ".json", ".jsonl"]


def chat_tab(blocks: gr.Blocks, assistant, settings) -> None:
    """The chat: cited answers streamed into the conversation, sources beside it, filters."""

    def ask(message: str, history: list[dict[str, Any]], sources: list[str] | None, since: str, until: str):
        """Answer a question with cited sources; streams the answer text."""
        earlier = list(history or [])
        chat = earlier + [{"role": "user", "content": message}, {"role": "assistant", "content": ""}]
        filters = {"sources": list(sources or []), "since": (since or "").strip() or None,
                   "until": (until or "").strip() or None}
        streamed, answer = "", None
        try:
            for item in assistant.ask_stream(message, history=earlier, filters=filters):
                if isinstance(item, str):  # an LLM's checked sentences as they come
                    streamed += item
                    chat[-1]["content"] = answer_text(streamed)
                    yield chat, "", sources_html(None)
                else:
                    answer = item
        except NewsqaError as exc:
            chat[-1]["content"] = f"⚠️ {exc}"
            yield chat, "", sources_html(None)
            return
        text = answer_text(answer.text)
        if not streamed:  # the extractive answer arrives whole: show it in a few steps
            words = text.split(" ")
            step = max(1, len(words) // 12)
            for i in range(0, len(words) - step, step):
                chat[-1]["content"] = " ".join(words[: i + step])
                yield chat, "", sources_html(None)
        chat[-1]["content"] = answer_text(answer.text, answer.note)
        yield chat, "", sources_html(answer)

    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(label="Conversation", height=440, elem_id="chat")
            box = gr.Textbox(placeholder="Ask a question about the articles…", show_label=False, elem_id="question")
            with gr.Row():
                send = gr.Button("Ask", variant="primary", elem_id="ask")
                clear = gr.Button("New conversation")
            gr.Examples(EXAMPLES, inputs=box, label="Try")
            with gr.Accordion("Filters", open=False):
                srcs = gr.Dropdown(choices=assistant.sources(), multiselect=True, label="Outlets", value=[])
                with gr.Row():
                    since = gr.Textbox(label="Since (YYYY-MM-DD)")
                    until = gr.Textbox(label="Until (YYYY-MM-DD)")
        with gr.Column(scale=2):
            gr.Markdown("### Sources")
            sources = gr.HTML(sources_html(None), elem_id="sources")
    inputs = [box, chat, srcs, since, until]
    send.click(ask, inputs, [chat, box, sources], api_name="ask")
    box.submit(ask, inputs, [chat, box, sources], api_name=False)
    clear.click(lambda: ([], "", sources_html(None)), None, [chat, box, sources], api_name=False)
    blocks.load(lambda: gr.Dropdown(choices=assistant.sources()), None, srcs, api_name=False)


def corpus_tab(blocks: gr.Blocks, assistant, settings) -> None:
    """Managing the articles: upload files, paste one, list, delete."""

    def articles_table() -> list[list[Any]]:
        return [[r["id"], r["title"], r["source"], (r["published_at"] or "")[:10], r["chunks"]] for r in assistant.articles()]

    def report_rows(report) -> list[list[str]]:
        rows = [["added", str(report.added), ""], ["updated", str(report.updated), ""], ["unchanged", str(report.unchanged), ""],
                ["folded", str(report.folded), "wire copies: another outlet carrying a stored story"]]
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
            report = assistant.add_articles([{"title": title, "body": body, "source": source, "url": url or None,
                                              "published_at": date or None}])
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
    table = gr.Dataframe(headers=["id", "title", "outlet", "date", "chunks"], value=articles_table,
                         label="Articles", elem_id="articles")
    from .feeds import corpus_links

    corpus_links(assistant, settings, result, table, articles_table, report_rows)
    with gr.Row():
        del_id = gr.Textbox(label="Article id to delete")
        del_btn = gr.Button("Delete", variant="stop")
        del_msg = gr.Markdown()
    add_btn.click(upload, [files], [result, table], api_name="upload", preprocess=False)
    paste_btn.click(paste, [t_title, t_body, t_source, t_url, t_date], [result, table], api_name="add_article")
    del_btn.click(delete, [del_id], [del_msg, table], api_name="delete")


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
