"""Every setting is documented: the README's settings table lists each field of
``index.settings.Settings`` (as its ``NEWSQA_`` variable) with its default, and
nothing that is not a setting."""

from __future__ import annotations

import re

import pytest

from index.settings import Settings
from tests.helpers import ROOT

pytestmark = pytest.mark.unit


def _table() -> dict[str, str]:
    """variable -> default cell, from the table under "## Settings"."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"^\|\s*`(NEWSQA_[A-Z0-9_]+)`\s*\|\s*(.*?)\s*\|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    return rows


def _default(field) -> str:
    if field.default_factory is not None:
        return "factory"
    if field.default is None:
        return "unset"
    if field.default == "":
        return "empty"
    return f"`{field.default}`"


def test_the_readme_lists_every_setting_and_only_settings():
    documented = _table()
    fields = {f"NEWSQA_{name.upper()}": f for name, f in Settings.model_fields.items()}
    assert sorted(set(fields) - set(documented)) == [], "settings missing from the README's table"
    assert sorted(set(documented) - set(fields)) == [], "the README's table lists variables that are no settings"


def test_the_readme_gives_each_setting_its_default():
    documented = _table()
    for name, field in Settings.model_fields.items():
        want = _default(field)
        if want != "factory":
            assert documented[f"NEWSQA_{name.upper()}"] == want, name
