"""Turn files, folders and JSON records into Articles.

Every problem with one input becomes a one-line ``Failure`` naming the file (and
record), and loading goes on with the rest: one bad file in a folder must not stop the
good ones.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .article import Article, parse_date
from .errors import LoadError

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES
SIDECAR = ".meta.json"  # metadata for the text file of the same stem


@dataclass
class Failure:
    source: str
    reason: str


@dataclass
class Loaded:
    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    def extend(self, other: Loaded) -> None:
        self.articles.extend(other.articles)
        self.failures.extend(other.failures)


def _clean(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value if v)
    return " ".join(str(value).split())


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # control characters but tab and line ends
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # half a UTF-16 pair: not text, and the store cannot hold it
_FIELDS = ("title", "source", "url", "author", "category")


def _check_text(name: str, value: Any) -> None:
    """Refuse what no article field should hold: NUL, lone surrogates and (outside the
    body, whose text is kept as given) control characters; in a URL, any white space."""
    if not isinstance(value, str):
        return
    if "\x00" in value:
        raise LoadError(f"record {name!r} contains NUL bytes")
    if _SURROGATE.search(value):
        raise LoadError(f"record {name!r} is not valid Unicode (a lone surrogate)")
    if name == "body":
        return
    bad = _CONTROL.search(value) or (re.search(r"[\t\n\r]", value.strip()) if name == "url" else None)
    if bad:
        raise LoadError(f"record {name!r} contains the control character U+{ord(bad.group()):04X}")


def article_from_record(record: Any, origin: str = "") -> Article:
    """A JSON object with the contract's fields (title, body, source, url,
    published_at, author, category); ``text`` or ``content`` stand in for ``body``."""
    if not isinstance(record, dict):
        raise LoadError(f"expected a JSON object, got {type(record).__name__}")
    body = record.get("body")
    if body is None:
        body = record.get("text", record.get("content"))
    if not isinstance(body, str) or not body.strip():
        raise LoadError("record has no 'body' text")
    _check_text("body", body)
    for name in _FIELDS:
        values = record.get(name)
        for value in values if isinstance(values, list) else [values]:
            _check_text(name, value)
    raw_date = record.get("published_at", record.get("date"))
    published = parse_date(raw_date)
    if raw_date not in (None, "") and published is None:
        raise LoadError(
            f"unreadable published_at {str(raw_date)[:40]!r} (use ISO 8601, e.g. 2023-11-27T08:45:59+00:00)"
        )
    title = _clean(record.get("title")) or _first_words(body)
    url = record.get("url")
    return Article(
        title=title,
        body=body.strip("\n\r\ufeff"),
        source=_clean(record.get("source")),
        url=str(url).strip() if url else None,
        published_at=published,
        author=_clean(record.get("author")),
        category=_clean(record.get("category")),
        origin=origin,
    )


def _first_words(body: str, n: int = 12) -> str:
    words = body.split()
    return " ".join(words[:n]) + (" …" if len(words) > n else "")


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM, else the legacy
    encoding charset-normalizer finds (cp1252 and Latin-1 files are common in news
    archives). Only input that is not text at all is refused, with a precise reason."""
    if not data.strip():
        raise LoadError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise LoadError("not text: a UTF-16 mark followed by invalid UTF-16") from None
    elif b"\x00" in data[:8192]:
        raise LoadError("binary file (contains NUL bytes), not text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _legacy_decode(data, exc)
    if not text.strip():
        raise LoadError("empty file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _legacy_decode(data: bytes, exc: UnicodeDecodeError) -> str:
    """Not UTF-8: ask charset-normalizer. Short Western texts often fit several code
    pages equally well; among equally good guesses cp1252 wins (it is what browsers,
    following HTML5, read Latin-1 as, and by far the commonest legacy encoding)."""
    from charset_normalizer import from_bytes

    results = []
    for r in from_bytes(data):  # its fallback guesses may not decode the bytes at all
        try:
            data.decode(r.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        results.append(r)
    if not results:
        raise LoadError(
            f"not text: neither UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}) nor any known encoding"
        ) from None
    best = min(results, key=lambda r: (r.chaos, -r.coherence))
    tied = [r for r in results if abs(r.chaos - best.chaos) < 1e-9 and abs(r.coherence - best.coherence) < 1e-9]
    try:
        western = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    if western is not None and len(tied) > 1 and any(str(r) == western for r in tied):
        return western  # (charset-normalizer lists one code page per distinct decoding)
    return data.decode(best.encoding)


def parse_text(text: str, origin: str, meta: dict[str, Any] | None = None) -> Article:
    """.txt/.md: the first line is the title and the rest the body, unless a
    sidecar ``NAME.meta.json`` gives the title, in which case all of it is body."""
    meta = dict(meta or {})
    if meta.get("title"):
        body = text
    else:
        lines = text.strip("\n").split("\n", 1)
        title = lines[0].strip().lstrip("#").strip()
        body = lines[1] if len(lines) > 1 else ""
        if not body.strip():
            raise LoadError("no body after the title line (first line is the title)")
        meta["title"] = title
    meta["body"] = body
    return article_from_record(meta, origin)


def parse_html(text: str, origin: str) -> Article:
    """Main text, title, date, author, outlet and canonical URL via trafilatura."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            text, with_metadata=True, include_comments=False, include_tables=False, favor_recall=True
        )
    except ImportError:
        raise  # an install problem, not this file's fault: say so loudly
    except Exception as exc:  # lxml and friends raise many types on odd markup
        raise LoadError(f"could not extract an article from the HTML ({type(exc).__name__})") from None
    if doc is None:
        raise LoadError("no article text found in the HTML")
    data = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    body = data.get("text") or ""
    if not body.strip():
        raise LoadError("no article text found in the HTML")
    return article_from_record(
        {
            "title": data.get("title"),
            "body": body,
            "source": data.get("sitename") or data.get("hostname"),
            "url": data.get("url"),
            "published_at": data.get("date"),
            "author": data.get("author"),
            "category": data.get("categories"),
        },
        origin,
    )


def parse_json(text: str, origin: str) -> Loaded:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    records = data if isinstance(data, list) else [data]
    if not records:
        raise LoadError("empty JSON array")
    return load_records(records, origin)


def parse_jsonl(text: str, origin: str) -> Loaded:
    out = Loaded()
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            out.failures.append(Failure(f"{origin}:{lineno}", f"malformed JSON: {exc.msg} (column {exc.colno})"))
            continue
        out.extend(load_records([record], f"{origin}:{lineno}", numbered=False))
    if not out.articles and not out.failures:
        raise LoadError("no JSON lines")
    return out


def load_records(records: Iterable[Any], origin: str = "record", numbered: bool = True) -> Loaded:
    """JSON objects (or ready ``Article``s) as articles; a bad record becomes a
    ``Failure`` named ``origin[i]`` and the rest go on."""
    out = Loaded()
    for i, record in enumerate(records):
        if isinstance(record, Article):
            out.articles.append(record)
            continue
        where = f"{origin}[{i}]" if numbered else origin
        try:
            out.articles.append(article_from_record(record, where))
        except LoadError as exc:
            out.failures.append(Failure(where, str(exc)))
    return out


def check_size(size: int, max_bytes: int) -> None:
    """The one file-size rule (files, folders, uploads): at most ``max_bytes``."""
    if size > max_bytes:
        raise LoadError(f"file is over the {max_bytes / 2**20:g} MB limit (NEWSQA_MAX_FILE_MB)")


def parse_bytes(data: bytes, name: str, max_bytes: int, meta: dict[str, Any] | None = None) -> Loaded:
    """Parse one file's content by its name's suffix (used for uploads too, where
    there is no path on this machine to read)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"unsupported file type {suffix or '(none)'!r}; use .txt .md .html .json .jsonl")
    check_size(len(data), max_bytes)
    text = decode(data)
    if suffix in JSON_SUFFIXES:
        return parse_json(text, name)
    if suffix in JSONL_SUFFIXES:
        return parse_jsonl(text, name)
    if suffix in HTML_SUFFIXES:
        return Loaded(articles=[parse_html(text, name)])
    return Loaded(articles=[parse_text(text, name, meta)])


def load_bytes(data: bytes, name: str, max_bytes: int, meta: dict[str, Any] | None = None) -> Loaded:
    """One file's content; failures are returned, never raised."""
    try:
        return parse_bytes(data, name, max_bytes, meta)
    except LoadError as exc:
        return Loaded(failures=[Failure(name, str(exc))])
    except Exception as exc:  # a parser bug on one odd file must not stop the others
        return Loaded(failures=[Failure(name, f"could not parse: {type(exc).__name__}: {exc}".splitlines()[0])])


def load_uploads(files: Iterable[tuple[str, bytes]], max_bytes: int) -> Loaded:
    """Files received over the network as (name, content): only the name's last part
    is kept, so a client's name never points at a path on this machine."""
    out = Loaded()
    for name, data in files:
        out.extend(load_bytes(data, Path(name or "upload").name or "upload", max_bytes))
    return out


def shown(path: str | Path) -> str:
    """A path as text fit for reports and the store: a file name that is not valid
    UTF-8 keeps its bytes as ``\\xNN`` escapes (Python holds them as lone surrogates,
    which JSON output and the store refuse)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def load_file(path: Path, max_bytes: int) -> Loaded:
    """One file; failures are returned, never raised."""
    name = shown(path)
    try:
        if not path.exists():
            raise LoadError(_missing_reason(path))
        if not path.is_file():
            raise LoadError(f"not a regular file ({_kind(path)})")
        check_size(path.stat().st_size, max_bytes)
        meta = _sidecar(path)
        data = path.read_bytes()
    except LoadError as exc:
        return Loaded(failures=[Failure(name, str(exc))])
    except OSError as exc:
        return Loaded(failures=[Failure(name, exc.strerror or str(exc))])
    return load_bytes(data, name, max_bytes, meta)


def _missing_reason(path: Path) -> str:
    """Why a path that does not exist (as followed) does not: no such file, a broken
    symbolic link, or a loop of links."""
    if not path.is_symlink():
        return "no such file or directory"
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link (its target does not exist)"


def _kind(path: Path) -> str:
    try:
        mode = path.stat().st_mode
    except OSError:
        return "unreadable"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _sidecar(path: Path) -> dict[str, Any] | None:
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return None
    side = path.with_name(path.stem + SIDECAR)
    if not side.exists():
        return None
    try:
        meta = json.loads(side.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LoadError(f"unreadable metadata file {side.name}: {exc}") from None
    if not isinstance(meta, dict):
        raise LoadError(f"metadata file {side.name} must hold a JSON object")
    return {k: v for k, v in meta.items() if k in ("title", "source", "url", "published_at", "author", "category")}


def iter_files(root: Path) -> Iterator[Path | Failure]:
    """Article files under a folder, recursively, in a stable order, and a ``Failure``
    for every entry that cannot be one and would otherwise be passed over without a word:
    a subfolder that cannot be read, a FIFO or device, a broken link, a loop of links.
    Hidden files and folders, metadata sidecars and other file types are not articles.
    Linked folders are followed, each real folder once."""
    seen: set[tuple[int, int]] = set()
    problems: list[Failure] = []

    def unreadable(err: OSError) -> None:
        problems.append(Failure(shown(err.filename or root), f"folder cannot be read ({err.strerror or err})"))

    for folder, dirs, files in os.walk(root, topdown=True, onerror=unreadable, followlinks=True):
        yield from problems
        problems.clear()
        try:
            st = os.stat(folder)
            here = (st.st_dev, st.st_ino)
        except OSError:
            continue
        if here in seen:  # a link back to a folder already walked
            yield Failure(shown(folder), "symbolic link loop (a link to a folder already read)")
            dirs[:] = []
            continue
        seen.add(here)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            if path.is_file():
                if path.suffix.lower() in SUPPORTED and not name.endswith(SIDECAR):
                    yield path
            elif not path.exists():
                yield Failure(shown(path), _missing_reason(path))
            elif not path.is_dir():
                yield Failure(shown(path), f"not a regular file ({_kind(path)})")
    yield from problems


def load_paths(paths: Iterable[str | Path], max_bytes: int) -> Loaded:
    """Files and folders (recursively) given by the user."""
    out = Loaded()
    for p in paths:
        path = Path(p).expanduser()
        if path.is_dir():
            found = False
            for item in iter_files(path):
                found = True
                if isinstance(item, Failure):
                    out.failures.append(item)
                else:
                    out.extend(load_file(item, max_bytes))
            if not found:
                out.failures.append(Failure(shown(path), "folder holds no article files (.txt .md .html .json .jsonl)"))
        else:
            out.extend(load_file(path, max_bytes))
    return out
