"""The Simplified Chinese catalogue is complete: every string the code marks is in it, translated
and not fuzzy, and the committed .mo files (what Django reads) say what the .po files say.

gettext's own tools do the reading (msgattrib, msgfmt: scripts/ensure-i18n.sh installs them), and
makemessages runs on a copy of the tree, so the test never touches the committed catalogue.
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = Path("locale/zh_Hans/LC_MESSAGES")
DOMAINS = ("django", "djangojs")
# What makemessages reads: the Python code and templates, and the page scripts.
SOURCES = (
    "manage.py",
    "beautysite",
    "scoring",
    "operations",
    "templates",
    "static/scoring",
    "scripts/make-messages.sh",
)


def entries(po: Path, *flags: str) -> list[str]:
    """The msgids msgattrib keeps with these flags (the header aside), one string each."""
    text = subprocess.run(
        ["msgattrib", "--no-obsolete", "--no-wrap", *flags, str(po)], check=True, capture_output=True, text=True
    ).stdout
    blocks = [block for block in text.split("\n\n") if "msgid" in block]
    return [block for block in blocks if 'msgid ""\nmsgstr ""\n"' not in block and not block.startswith("#\n")]


def messages(mo: Path) -> dict:
    with mo.open("rb") as file:
        return dict(gettext.GNUTranslations(file)._catalog)


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_entry_of_the_committed_catalogue_is_translated_and_not_fuzzy(domain):
    po = ROOT / CATALOGUE / f"{domain}.po"
    assert entries(po, "--untranslated") == []
    assert entries(po, "--only-fuzzy") == []
    assert len(entries(po)) > (200 if domain == "django" else 30)  # the catalogue itself was read


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_mo_is_compiled_from_the_committed_po(domain, tmp_path):
    compiled = tmp_path / f"{domain}.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(ROOT / CATALOGUE / f"{domain}.po")], check=True)
    committed = messages(ROOT / CATALOGUE / f"{domain}.mo")
    assert committed == messages(compiled), "run `make messages` and commit the .mo files"
    assert committed[""]  # the header: the file read is a real catalogue


def test_makemessages_finds_no_string_missing_from_the_catalogue(tmp_path):
    """A string marked in code or templates but not yet in the catalogue (or changed since it was
    translated) comes out of makemessages untranslated or fuzzy: the test names it."""
    for source in SOURCES:
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, tmp_path / source, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / source, tmp_path / source)
    shutil.copytree(ROOT / CATALOGUE, tmp_path / CATALOGUE)
    env = {**os.environ, "PYTHON": sys.executable, "COMPILE": "0", "PYTHONPATH": str(ROOT)}
    env["BEAUTY_VAR_DIR"] = str(tmp_path / "var")
    subprocess.run(["bash", "scripts/make-messages.sh"], cwd=tmp_path, env=env, check=True)
    for domain in DOMAINS:
        made = tmp_path / CATALOGUE / f"{domain}.po"
        assert entries(made, "--untranslated") == [], f"{domain}: translate these, then run `make messages`"
        assert entries(made, "--only-fuzzy") == [], f"{domain}: these changed since they were translated"
        assert len(entries(made)) == len(entries(ROOT / CATALOGUE / f"{domain}.po"))  # nor any left over
