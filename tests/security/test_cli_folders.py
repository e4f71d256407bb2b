"""Door: ``newsqa add FOLDER`` (the CLI as a process). Threats: a folder holding a
file whose name is not valid UTF-8 crashed the command, added none of the good files
and left orphan chunks; FIFOs, broken links, link loops and unreadable subfolders were
passed over without a word (or reported as "folder holds no article files"). Every
entry now goes in or gets a reason, and the store holds no chunk without its article."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from index import ChromaStore, Settings

pytestmark = pytest.mark.integration


def _cli(home, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEWSQA_AUTH"}
    env["NEWSQA_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args], check=False, env=env, capture_output=True, timeout=600
    )


def test_every_entry_goes_in_or_gets_a_reason_and_no_chunk_is_orphaned(tmp_path):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text("Ferry fares frozen\nFerry fares will stay the same for another year.\n")
    bad_name = os.fsencode(folder) + b"/caf\xe9-menu.txt"  # Latin-1 bytes: not a UTF-8 name
    with open(bad_name, "wb") as fh:
        fh.write(b"Cafe menu changes\nThe harbour cafe adds a winter menu with fish soup.\n")
    os.mkfifo(folder / "pipe.txt")
    os.symlink(folder / "gone.txt", folder / "dangling.txt")
    os.symlink(folder / "loop-b.txt", folder / "loop-a.txt")
    os.symlink(folder / "loop-a.txt", folder / "loop-b.txt")
    os.symlink(folder, folder / "sub" / "back-up")  # a folder link back to its ancestor
    (folder / "sub" / "deep.md").write_text("# Bridge paint\nThe old bridge will be painted green in May.\n")
    home = tmp_path / "home"
    p = _cli(home, "add", str(folder), "--json")
    assert b"Traceback" not in p.stderr, p.stderr.decode()
    assert p.returncode == 1  # some entries failed
    report = json.loads(p.stdout)
    assert report["added"] == 3  # good.txt, the undecodable name, sub/deep.md
    reasons = {os.path.basename(f["source"]): f["reason"] for f in report["failed"]}
    assert reasons["pipe.txt"] == "not a regular file (a FIFO)"
    assert reasons["dangling.txt"].startswith("broken symbolic link")
    assert reasons["loop-a.txt"] == reasons["loop-b.txt"] == "symbolic link loop"
    assert "symbolic link loop" in reasons["back-up"]
    listed = json.loads(_cli(home, "list", "--json").stdout)
    assert any(a["title"] == "Cafe menu changes" for a in listed)
    store = ChromaStore(Settings(home=home))
    assert store.count_chunks() == sum(a["chunks"] for a in listed)  # no chunk without its article


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder: no unreadable folder to make")
def test_an_unreadable_subfolder_is_reported_as_such(tmp_path):
    folder = tmp_path / "articles"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "x.txt").write_text("Locked\nA locked article.\n")
    os.chmod(folder / "locked", 0)
    try:
        p = _cli(tmp_path / "home", "add", str(folder), "--json")
    finally:
        os.chmod(folder / "locked", 0o755)
    report = json.loads(p.stdout)
    assert [f["reason"] for f in report["failed"]] == ["folder cannot be read (Permission denied)"]


def test_undecodable_names_never_reach_the_store_as_lone_surrogates(tmp_path):
    """The loader's part alone (no model): the name is kept with its bytes escaped."""
    from index.loaders import load_paths

    with open(os.fsencode(tmp_path) + b"/\xff\xfe.txt", "wb") as fh:
        fh.write(b"Title\nBody text.\n")
    out = load_paths([tmp_path], 10**6)
    origin = out.articles[0].origin
    origin.encode("utf-8")  # would raise on a lone surrogate
    assert origin.endswith("\\xff\\xfe.txt")
