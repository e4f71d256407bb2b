"""Threat: a logged-in (or, without a login, any) client points Gradio's upload event
at files of the server (FileData paths it did not upload: the app's README, /etc files,
relative paths, symlinks into the upload folder) to have them added and searchable.
Only files Gradio received for this app are read; every other path gets one reason,
the same whether it exists or not."""

from __future__ import annotations

import os

import pytest

from qa.web.uploads import REFUSED
from tests.helpers import ROOT

pytestmark = pytest.mark.integration


def _client(app):
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from gradio_client import Client

    return Client(app.base + "/", auth=app.auth, verbose=False)


def _filedata(path: str, name: str = "") -> dict:
    return {"path": path, "orig_name": name or os.path.basename(path), "meta": {"_type": "gradio.FileData"}}


def _reasons(result) -> dict[str, str]:
    rows = result[0]["data"] if isinstance(result[0], dict) else result[0]
    return {r[1]: r[2] for r in rows if r[0] == "failed"}


def test_server_paths_are_refused_alike_and_nothing_is_added(app, tmp_path):
    secret = tmp_path / "secret-notes.txt"
    secret.write_text("Payroll secrets\nThe director's salary is 1,234,567 crowns a year.\n")
    link_dir = tmp_path / "in-upload"
    before = app.stored()
    paths = [
        str(ROOT / "README.md"),  # exists, supported type
        str(secret),  # exists
        str(tmp_path / "missing.txt"),  # does not exist
        "../../README.md",  # relative
        "/etc/hostname.txt",
    ]
    from gradio.utils import get_upload_folder

    # a symlink planted inside Gradio's upload folder, pointing out of it
    link_dir = os.path.join(get_upload_folder(), f"planted-{os.getpid()}")
    os.makedirs(link_dir, exist_ok=True)
    link = os.path.join(link_dir, "link.txt")
    if not os.path.lexists(link):
        os.symlink(secret, link)
    paths.append(link)
    result = app.call("upload", [[_filedata(p) for p in paths]])
    reasons = _reasons(result)
    assert set(reasons.values()) == {REFUSED}, reasons  # one reason, whether the file exists or not
    assert len(reasons) == len({os.path.basename(p) for p in paths})
    assert app.stored() == before
    with app.client() as c:
        hits = c.post("/api/search", json={"query": "director salary crowns", "k": 5}).json()
    assert not any("crowns" in h["text"] for h in hits)


def test_a_file_really_uploaded_goes_in(app, tmp_path):
    from gradio_client import handle_file

    page = tmp_path / "ferry.txt"
    page.write_text("Island ferry timetable changes\nThe island ferry will sail hourly from the west pier from May.\n")
    before_ids = {row[0] for row in app.stored()[0]}
    result = _client(app).predict([handle_file(str(page))], api_name="/upload")
    rows = result[0]["data"] if isinstance(result[0], dict) else result[0]
    assert ["added", "1", ""] in [list(r) for r in rows], rows
    titles = {row[1] for row in app.stored()[0] if row[0] not in before_ids}
    assert titles == {"Island ferry timetable changes"}
