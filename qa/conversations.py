"""Conversations kept between visits: their turns (question and cited answer), share
links, and feedback on answers, in one SQLite file in the data directory.

    store = ConversationStore(settings.home / "conversations.sqlite3")
    conv = store.create("alice", "What did France say?")
    store.append(conv.id, "alice", "What did France say?", answer)
    store.get(conv.id, "alice").turns[0].answer.citations

Why SQLite from the standard library: conversations are small, written one turn at a
time, read by one person, and must outlive the process; a file beside the app's own
state needs no server. Every call opens its own short connection (cheap, and safe from
any thread or process: the app's worker threads and ``newsqa feedback export`` meet
only through SQLite's locking; WAL lets readers go on while a turn is written).

Every record has an ``owner`` (the login's user name, "" without a login): one user
never sees, changes or shares another's conversations; asking for one that is not
yours is the same ``NotFound`` as asking for one that does not exist. A share link's
id is ``secrets.token_urlsafe(18)`` (144 random bits), separate from the conversation
id so revoking it (``unshare``) leaves the conversation as it was.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from .errors import BadRequest, NotFound
from .schema import Answer

FILE = "conversations.sqlite3"
TITLE_CHARS = 80
REASONS = ("wrong source", "missed the point")
Rating = Literal["up", "down"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    share_id TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner, updated_at);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
CREATE TABLE IF NOT EXISTS feedback (
    conversation_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    owner TEXT NOT NULL,
    rating TEXT NOT NULL,
    reason TEXT NOT NULL,
    question TEXT NOT NULL,
    history TEXT NOT NULL,
    answer TEXT NOT NULL,
    given_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position, owner)
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass
class Turn:
    """One question and the answer it got, as shown at the time."""

    question: str
    answer: Answer
    asked_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "asked_at": self.asked_at, "answer": self.answer.to_dict()}


@dataclass
class Conversation:
    id: str
    owner: str
    title: str
    created_at: str
    updated_at: str
    share_id: str | None = None
    turns: list[Turn] = field(default_factory=list)
    turn_count: int = 0  # filled by ``list`` (which does not load the turns)

    def history(self) -> list[tuple[str, str]]:
        """The turns as (question, answer text) pairs, for ``Assistant.ask``'s follow-ups."""
        return [(t.question, t.answer.text) for t in self.turns]

    def to_dict(self, turns: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "shared": self.share_id is not None,
            "share_id": self.share_id,
            "turns": len(self.turns) if turns else self.turn_count,
        }
        if turns:
            out["messages"] = [t.to_dict() for t in self.turns]
        return out


@dataclass
class Feedback:
    """A thumbs up or down on one answer, with what was asked and answered then (the
    conversation may be deleted later; the feedback keeps its own copy)."""

    conversation_id: str
    position: int  # which turn of the conversation, from 0
    owner: str
    rating: Rating
    reason: str
    question: str
    history: list[str]  # the conversation's earlier questions, oldest first
    answer: Answer
    given_at: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "turn": self.position,
            "user": self.owner,
            "rating": self.rating,
            "reason": self.reason,
            "question": self.question,
            "history": self.history,
            "given_at": self.given_at,
            "answer": self.answer.to_dict(),
        }

    def question_row(self) -> dict[str, Any]:
        """A line of a question file ``newsqa eval qa`` runs: answer keys left empty for a
        person to fill in; what was answered and cited kept alongside (eval ignores them)."""
        return {
            "id": f"feedback-{self.conversation_id[:8]}-{self.position}",
            "question": self.question,
            "history": self.history,
            "answerable": not self.answer.refused if self.rating == "up" else True,
            "answer_keys": [],
            "kind": "feedback",
            "rating": self.rating,
            "reason": self.reason,
            "answer": self.answer.text,
            "refused": self.answer.refused,
            "citations": [
                {
                    "n": c.n,
                    "article_id": c.passage.article.id,
                    "title": c.passage.article.title,
                    "quote": c.quote,
                    "start": c.start,
                    "end": c.end,
                }
                for c in self.answer.citations
            ],
        }


def title_from(question: str) -> str:
    q = " ".join(question.split())
    return q if len(q) <= TITLE_CHARS else q[: TITLE_CHARS - 1].rstrip() + "…"


class ConversationStore:
    """The conversations, share links and feedback of one data directory."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @classmethod
    def for_settings(cls, settings: Any) -> ConversationStore:
        return cls(Path(settings.home) / FILE)

    @contextmanager
    def _db(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction; ``write`` takes the write lock at once, so a
        read-then-write (the next turn's position) cannot interleave with another writer."""
        db = sqlite3.connect(self.path, timeout=30)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=NORMAL")  # with WAL: a commit waits for no fsync, the file stays consistent
        try:
            if write:
                db.execute("BEGIN IMMEDIATE")
            with db:  # one transaction: committed on success, rolled back on error
                yield db
        finally:
            db.close()

    # -- conversations -------------------------------------------------------------
    def create(self, owner: str, title: str = "") -> Conversation:
        now = _now()
        conv = Conversation(secrets.token_hex(8), owner, title_from(title) or "New conversation", now, now)
        with self._db() as db:
            db.execute(
                "INSERT INTO conversations (id, owner, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (conv.id, owner, conv.title, now, now),
            )
        return conv

    def list(self, owner: str) -> list[Conversation]:
        """The owner's conversations, last used first, without their turns."""
        with self._db() as db:
            rows = db.execute(
                "SELECT c.*, (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id) AS n FROM conversations c "
                "WHERE owner = ? ORDER BY updated_at DESC, rowid DESC",
                (owner,),
            ).fetchall()
        return [self._conv(r, turn_count=r["n"]) for r in rows]

    def get(self, conversation_id: str, owner: str) -> Conversation:
        """One of the owner's conversations with its turns; NotFound otherwise."""
        with self._db() as db:
            row = db.execute(
                "SELECT * FROM conversations WHERE id = ? AND owner = ?", (str(conversation_id), owner)
            ).fetchone()
            if row is None:
                raise NotFound(f"no conversation with id {conversation_id!r}")
            return self._with_turns(db, row)

    def shared(self, share_id: str) -> Conversation:
        """The conversation a share link shows; NotFound once the link is revoked."""
        with self._db() as db:
            row = db.execute("SELECT * FROM conversations WHERE share_id = ?", (str(share_id),)).fetchone()
            if row is None:
                raise NotFound("no such shared conversation (the link may have been revoked)")
            return self._with_turns(db, row)

    def append(self, conversation_id: str, owner: str, question: str, answer: Answer) -> int:
        """Add a turn to the owner's conversation; its position (from 0)."""
        now = _now()
        with self._db(write=True) as db:
            self._check(db, conversation_id, owner)
            pos = db.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?)",
                (conversation_id, pos, question, json.dumps(answer.to_dict(), ensure_ascii=False), now),
            )
            db.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
        return pos

    def rename(self, conversation_id: str, owner: str, title: str) -> Conversation:
        title = title_from(title or "")
        if not title:
            raise BadRequest("the title is empty")
        with self._db() as db:
            self._check(db, conversation_id, owner)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))
        return self.get(conversation_id, owner)

    def delete(self, conversation_id: str, owner: str) -> None:
        """Delete a conversation, its turns and its share link (feedback given on it stays)."""
        with self._db() as db:
            self._check(db, conversation_id, owner)
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def share(self, conversation_id: str, owner: str) -> str:
        """The conversation's share id (made now if it has none)."""
        with self._db(write=True) as db:
            row = self._check(db, conversation_id, owner)
            if row["share_id"]:
                return str(row["share_id"])
            share_id = secrets.token_urlsafe(18)
            db.execute("UPDATE conversations SET share_id = ? WHERE id = ?", (share_id, conversation_id))
        return share_id

    def unshare(self, conversation_id: str, owner: str) -> None:
        """Revoke the share link: it answers 404 from now on."""
        with self._db() as db:
            self._check(db, conversation_id, owner)
            db.execute("UPDATE conversations SET share_id = NULL WHERE id = ?", (conversation_id,))

    # -- feedback --------------------------------------------------------------------
    def give_feedback(
        self, conversation_id: str, owner: str, position: int, rating: Rating, reason: str = ""
    ) -> Feedback:
        """Record (or change) the owner's rating of one answer of their conversation."""
        if rating not in ("up", "down"):
            raise BadRequest("rating must be 'up' or 'down'")
        reason = " ".join((reason or "").split())[:200]
        conv = self.get(conversation_id, owner)
        if not 0 <= position < len(conv.turns):
            raise NotFound(f"the conversation has no answer number {position + 1}")
        turn = conv.turns[position]
        fb = Feedback(
            conversation_id,
            position,
            owner,
            rating,
            reason,
            turn.question,
            [t.question for t in conv.turns[:position]],
            turn.answer,
            _now(),
        )
        with self._db() as db:
            db.execute(
                "INSERT OR REPLACE INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    conversation_id,
                    position,
                    owner,
                    rating,
                    reason,
                    fb.question,
                    json.dumps(fb.history),
                    json.dumps(turn.answer.to_dict(), ensure_ascii=False),
                    fb.given_at,
                ),
            )
        return fb

    def feedback(self, rating: Rating | None = None) -> list[Feedback]:
        """Every user's feedback (oldest first), or only the ups or the downs."""
        sql, args = "SELECT * FROM feedback", ()
        if rating:
            sql, args = sql + " WHERE rating = ?", (rating,)
        with self._db() as db:
            rows = db.execute(sql + " ORDER BY given_at, rowid", args).fetchall()
        return [
            Feedback(
                r["conversation_id"],
                r["position"],
                r["owner"],
                r["rating"],
                r["reason"],
                r["question"],
                json.loads(r["history"]),
                Answer.from_dict(json.loads(r["answer"])),
                r["given_at"],
            )
            for r in rows
        ]

    # -- rows ------------------------------------------------------------------------
    @staticmethod
    def _check(db: sqlite3.Connection, conversation_id: str, owner: str) -> sqlite3.Row:
        row = db.execute(
            "SELECT * FROM conversations WHERE id = ? AND owner = ?", (str(conversation_id), owner)
        ).fetchone()
        if row is None:
            raise NotFound(f"no conversation with id {conversation_id!r}")
        return row

    @staticmethod
    def _conv(row: sqlite3.Row, turn_count: int = 0) -> Conversation:
        return Conversation(
            row["id"],
            row["owner"],
            row["title"],
            row["created_at"],
            row["updated_at"],
            row["share_id"],
            turn_count=turn_count,
        )

    def _with_turns(self, db: sqlite3.Connection, row: sqlite3.Row) -> Conversation:
        conv = self._conv(row)
        rows = db.execute("SELECT * FROM turns WHERE conversation_id = ? ORDER BY position", (conv.id,)).fetchall()
        conv.turns = [Turn(r["question"], Answer.from_dict(json.loads(r["answer"])), r["asked_at"]) for r in rows]
        conv.turn_count = len(conv.turns)
        return conv
