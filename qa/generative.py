"""Answers written by an LLM, held to the same rule as the extractive ones: every
sentence shown is supported by a cited passage.

question -> (LLM) condense the follow-up -> retrieve and score the evidence (the
extractive answerer's stages, including its calibrated decision that the articles hold
no answer) -> grounded prompt -> stream the reply through the citation checker -> the
checked answer. If the model cannot be reached or writes nothing the passages support,
the extractive answer is given instead, with a note saying why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from .citecheck import CitationChecker
from .llm import ChatModel, LLMError
from .prompts import answer_messages, condense_messages
from .reader import Answerer, Condensed, Evidence, condense, is_follow_up
from .schema import Answer, Filters

log = logging.getLogger("newsqa.llm")


class GenerativeAnswerer:
    def __init__(self, extractive: Answerer, model: ChatModel, passages: int = 5, max_tokens: int = 320):
        self.extractive = extractive
        self.model = model
        self.passages = passages
        self.max_tokens = max_tokens

    def ask(self, question: str, history: list, filters: Filters) -> Answer:
        answer = None
        for item in self.stream(question, history, filters):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(self, question: str, history: list, filters: Filters) -> Iterator[str | Answer]:
        """Checked pieces of the answer as the model writes them, then the ``Answer``
        (whose text is the pieces joined, unless it fell back or refused)."""
        ev = self.extractive.gather(question, history, filters, self._condense(question, history))
        if ev.refusal is not None:
            yield self.extractive.write(ev)
            return
        passages = ev.passages[: self.passages]
        checker = CitationChecker(
            passages, ev.sentences, ev.lexical.query_terms, ev.lexical.idf
        )  # it keeps their sentences
        messages = answer_messages(question, ev.question, passages)
        try:
            for delta in self.model.stream(messages, self.max_tokens):
                yield from checker.feed(delta)
            yield from checker.flush()
        except LLMError as exc:
            log.warning("LLM answer failed: %s", exc)
            yield self._fallback(ev, f"The LLM could not answer ({exc}); this is the extractive answer.")
            return
        log.debug("citation check: %s", dict(checker.stats), extra={"stats": dict(checker.stats), "raw": checker.raw})
        answer = checker.answer(ev.question)
        if answer is None:
            yield self._fallback(
                ev,
                "The LLM's answer had no sentence the articles support; this is the extractive answer.",
                checker.unsupported,
            )
            return
        yield answer

    def _condense(self, question: str, history: list) -> Condensed | None:
        """The follow-up rewritten by the LLM, or None to let the rule-based
        condensation do it (no history, not a follow-up, LLM down)."""
        if not history or not is_follow_up(question):
            return None
        rule_based = condense(question, history)
        earlier = [str(h[0] if isinstance(h, (tuple, list)) else h) for h in history][-4:]
        try:
            text = self.model.complete(condense_messages(question, earlier), 64)
        except LLMError as exc:
            log.warning("LLM condensation failed: %s", exc)
            return None
        lines = [ln.strip().strip('"“”').strip() for ln in text.strip().splitlines() if ln.strip()]
        standalone = lines[0] if lines else ""
        if not standalone or len(standalone) > 400 or len(lines) > 3:
            return None  # not a one-line question: keep the rule-based one
        return Condensed(standalone, rule_based.previous, rule_based.previous_answer)

    def _fallback(self, ev: Evidence, note: str, unsupported: list[str] | None = None) -> Answer:
        answer = self.extractive.write(ev)
        answer.note = note
        answer.unsupported = list(unsupported or [])
        return answer
