"""Door: the CLI on the data directory of a running app. Threat: the CLI cannot talk to
the app that owns the embedded store (a wrong or non-ASCII login, an app that answers
errors) and falls back to opening the store itself, behind the app's back (the app
later fails "Error finding id"). It refuses to write instead; with the right login
it works through the app."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def _cli(app, *args, auth: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NEWSQA_AUTH"}
    env["NEWSQA_HOME"] = str(app.home)
    if auth is not None:
        env["NEWSQA_AUTH"] = auth
    return subprocess.run(
        [sys.executable, "-m", "qa.cli", *args], check=False, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("auth", [None, "editor:secret-u", "editor:sécret-x"])
def test_cli_refuses_to_write_behind_an_app_it_cannot_use(app, tmp_path, auth):
    art = tmp_path / "pier.txt"
    art.write_text("West pier closes for repairs\nThe west pier will close for six weeks of repairs from June.\n")
    before = app.stored()
    p = _cli(app, "add", str(art), "--json", auth=auth)
    assert p.returncode == 3, p.stderr
    assert "not opening its store behind its back" in p.stderr and "NEWSQA_AUTH" in p.stderr
    assert "Traceback" not in p.stderr
    assert app.stored() == before  # and the app still reads its store
    p = _cli(app, "list", "--json", auth=auth)
    assert p.returncode == 3 and p.stdout == ""


def test_cli_with_the_non_ascii_login_goes_through_the_app(app, tmp_path):
    art = tmp_path / "lido.txt"
    art.write_text("Lido reopens\nThe town lido reopened on Saturday after a winter of repairs to its pool.\n")
    p = _cli(app, "add", str(art), "--json", auth=":".join(app.auth))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["added"] == 1 and "working through it" in p.stderr
    assert "Lido reopens" in {row[1] for row in app.stored()[0]}
