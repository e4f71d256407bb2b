"""Files that came over the network: Gradio's uploads and REST multipart bodies.

Gradio's upload event names its files by server path (a ``FileData`` whose ``path`` the
client sends back after uploading). Mounted with ``mount_gradio_app``, Gradio skips its
own allowed-path check (``blocks.has_launched`` stays false) and would copy any server
file it is pointed at. So the upload event takes the raw ``FileData`` (``preprocess=False``)
and ``received_uploads`` reads a file only when Gradio's upload route wrote it for this
app (``blocks.upload_file_set``) and it lies, symlinks resolved, in Gradio's upload
folder. Anything else gets one reason that says nothing about the path, whether it
exists or not.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from index import Failure

from ..errors import BadRequest, TooLarge

REFUSED = "not a file received with this upload"


def _upload_folder() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder()).resolve()


def _name(item: Any, path: str) -> str:
    orig = item.get("orig_name") if isinstance(item, dict) else None
    name = Path(str(orig or path or "upload").replace("\\", "/")).name
    return name or "upload"


def received_uploads(
    blocks, items: Iterable[Any] | None, max_bytes: int
) -> tuple[list[tuple[str, bytes]], list[Failure]]:
    """(name, content) of each file Gradio received for this app; a ``Failure`` with the
    one ``REFUSED`` reason for every other ``path`` given."""
    folder = _upload_folder()
    uploaded = {str(p) for p in getattr(blocks, "upload_file_set", ())}
    received: list[tuple[str, bytes]] = []
    refused: list[Failure] = []
    for item in items or []:
        path = item.get("path") if isinstance(item, dict) else item
        name = _name(item, path if isinstance(path, str) else "")
        data = _read_received(path, uploaded, folder, max_bytes)
        if data is None:
            refused.append(Failure(name, REFUSED))
        else:
            received.append((name, data))
    return received, refused


def _read_received(path: Any, uploaded: set[str], folder: Path, max_bytes: int) -> bytes | None:
    if not isinstance(path, str) or path not in uploaded:
        return None
    try:
        real = Path(path).resolve(strict=True)
        real.relative_to(folder)
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError, RuntimeError):
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        return fh.read(max_bytes + 1)


# -- REST multipart -----------------------------------------------------------------
def parse_multipart(content_type: str, body: bytes, max_files: int) -> list[tuple[str, bytes]]:
    """The files of a ``multipart/form-data`` body (fields ``files`` or ``file``), parsed
    from bytes already read (and bounded) by the caller: call it off the event loop."""
    from python_multipart import parse_form
    from python_multipart.exceptions import FormParserError

    files: list[tuple[str, bytes]] = []

    def on_file(f) -> None:
        if (f.field_name or b"") not in (b"files", b"file"):
            return
        if len(files) >= max_files:
            raise TooLarge(
                f"more than {max_files:,} files in one upload; the limit is {max_files:,} (NEWSQA_MAX_RECORDS)"
            )
        f.file_object.seek(0)
        name = (f.file_name or b"upload").decode("utf-8", "replace")
        files.append((name, f.file_object.read()))

    headers = {"Content-Type": content_type.encode("latin-1"), "Content-Length": str(len(body)).encode()}
    try:
        parse_form(headers, io.BytesIO(body), lambda _field: None, on_file)
    except (FormParserError, ValueError) as exc:
        raise BadRequest(f"unreadable multipart upload: {str(exc).splitlines()[0][:200]}") from None
    if not files:
        raise BadRequest("no files in the upload (use the form field 'files')")
    return files
