"""Chinese is the default language: every message in the catalogue has a Chinese translation."""

import subprocess
from pathlib import Path
from shutil import which

import pytest

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.skipif(which("msgattrib") is None, reason="gettext tools are not installed")
def test_every_message_has_a_chinese_translation():
    untranslated = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(CATALOGUE)], capture_output=True, text=True, check=True
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(CATALOGUE)], capture_output=True, text=True, check=True
    ).stdout
    assert not untranslated.strip(), f"untranslated messages:\n{untranslated[:2000]}"
    assert not fuzzy.strip(), f"fuzzy (unchecked) translations:\n{fuzzy[:2000]}"
