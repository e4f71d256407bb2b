"""Threat: a login that is not one. ``NEWSQA_AUTH=alice`` (no colon) ran with an empty
password; a non-ASCII password made every wrong REST login a 500 (and the right one a
401). The first refuses to start; the second compares bytes."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import httpx
import pytest

from index import Settings
from qa import SettingsError
from tests.helpers import ROOT, free_port

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("auth", ["alice", "alice:", ":s3cret"])
def test_a_login_without_user_or_password_is_refused(tmp_path, auth):
    with pytest.raises(SettingsError, match="NEWSQA_AUTH must be user:password"):
        Settings.load(home=tmp_path, auth=auth)


def test_the_app_refuses_to_start_with_it(tmp_path):
    env = dict(os.environ, NEWSQA_HOME=str(tmp_path), NEWSQA_AUTH="alice")
    p = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--port", str(free_port())],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2 and "NEWSQA_AUTH must be user:password" in p.stderr
    assert not (tmp_path / "chroma").exists()  # refused before anything was opened


def test_non_ascii_password_over_rest(app):
    user, password = app.auth
    assert any(ord(ch) > 127 for ch in password)
    before = app.stored()
    for wrong in ["sécret-x", "secret-u", password + "!", "ü" * 40]:
        r = httpx.get(f"{app.base}/api/articles", auth=(user, wrong))
        assert r.status_code == 401, (wrong, r.status_code)
        r = httpx.post(f"{app.base}/api/articles", auth=(user, wrong), json={"title": "T", "body": "Nope."})
        assert r.status_code == 401
    latin1 = base64.b64encode(f"{user}:{password}".encode("latin-1")).decode()  # not UTF-8: not this password
    assert httpx.get(f"{app.base}/api/health", headers={"Authorization": f"Basic {latin1}"}).status_code == 401
    assert httpx.get(f"{app.base}/api/health", auth=app.auth).status_code == 200
    assert (
        httpx.get(f"{app.base}/v1/models", headers={"Authorization": f"Bearer {password}x".encode()}).status_code == 401
    )
    assert (
        httpx.get(f"{app.base}/v1/models", headers={"Authorization": f"Bearer {password}".encode()}).status_code == 200
    )
    assert app.stored() == before
