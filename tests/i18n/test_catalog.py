"""The Spanish catalogue is complete, current and compiled.

The messages are extracted again from the code and templates, exactly as `make messages`
does, into a copy of the catalogue: every message found must have a Spanish translation
that is not fuzzy, and the compiled .mo must say the same as the .po.
"""

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from .pofile import read_po

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "es" / "LC_MESSAGES" / "django.mo"
# What `make messages` leaves out of the extraction (see the Makefile).
NOT_SCANNED = {".git", ".venv", "staticfiles", "node_modules", "tests", "benchmarks", "locale"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi%]|\{\w*\}|__\w+__|</?[a-zA-Z][^>]*>")


@pytest.fixture(scope="module")
def gettext_tools():
    if shutil.which("msgfmt") and shutil.which("xgettext"):
        return
    message = "GNU gettext (msgfmt, xgettext) is needed to check the translation catalogue."
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def extracted(gettext_tools, tmp_path_factory):
    """The catalogue as `make messages` would leave it now, built in a scratch copy."""
    root = tmp_path_factory.mktemp("messages")
    for entry in Path(settings.BASE_DIR).iterdir():
        if entry.name not in NOT_SCANNED and not entry.name.startswith("."):
            (root / entry.name).symlink_to(entry)
    shutil.copytree(LOCALE, root / "locale")
    previous = os.getcwd()
    os.chdir(root)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "LOCALE_PATHS", [str(root / "locale")])
            call_command(
                "makemessages",
                locale=["es"],
                symlinks=True,
                no_obsolete=True,
                add_location="file",
                ignore_patterns=sorted(NOT_SCANNED),
                verbosity=0,
            )
    finally:
        os.chdir(previous)
    return read_po(root / "locale" / "es" / "LC_MESSAGES" / "django.po")


def _describe(entry) -> str:
    where = ", ".join(entry.references[:2]) or "?"
    return f"{entry.msgid[:70]!r} ({where})"


def test_every_message_in_the_code_has_a_spanish_translation(extracted):
    messages = [entry for entry in extracted if entry.msgid and not entry.obsolete]
    assert len(messages) > 500
    missing = [_describe(entry) for entry in messages if not entry.translated]
    assert not missing, (
        f"{len(missing)} message(s) without a Spanish translation; run `make messages` and "
        "translate them in locale/es/LC_MESSAGES/django.po:\n" + "\n".join(missing)
    )


def test_the_committed_catalogue_is_the_extracted_one(extracted):
    current = {entry.key for entry in extracted if entry.msgid and not entry.obsolete}
    committed = {entry.key for entry in read_po(PO) if entry.msgid and not entry.obsolete}
    assert current - committed == set(), "New messages: run `make messages` and translate them."


def test_the_committed_catalogue_has_no_fuzzy_or_empty_entry():
    entries = [entry for entry in read_po(PO) if entry.msgid and not entry.obsolete]
    assert [_describe(e) for e in entries if not e.translated] == []
    header = read_po(PO)[0]
    assert "fuzzy" not in header.flags
    assert "Language: es" in header.msgstr[0]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def test_translations_keep_every_placeholder_and_tag():
    wrong = []
    for entry in read_po(PO):
        if not entry.msgid or not entry.translated:
            continue
        pairs = [(entry.msgid, entry.msgstr[0])]
        pairs += [(entry.msgid_plural, text) for index, text in entry.msgstr.items() if index]
        for original, translation in pairs:
            if _placeholders(original) != _placeholders(translation):
                wrong.append(f"{original[:60]!r} → {translation[:60]!r}")
    assert wrong == []


def test_the_placeholder_check_notices_a_lost_variable():
    assert _placeholders("Hello %(name)s, <em>now</em>") != _placeholders("Hola, <em>ya</em>")
    assert _placeholders("%(n)s of %(total)s") == _placeholders("%(total)s: %(n)s")


def test_the_compiled_catalogue_matches_the_po(gettext_tools, tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(PO)], check=True)
    with MO.open("rb") as committed, fresh.open("rb") as compiled:
        committed_catalog = gettext.GNUTranslations(committed)._catalog
        compiled_catalog = gettext.GNUTranslations(compiled)._catalog
    assert committed_catalog == compiled_catalog, "Run `make messages` to compile django.mo."
