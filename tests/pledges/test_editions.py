import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from pledges.editions import edition_load
from pledges.models import ApplicationItem, Edition, Standard

SEED_DIR = settings.BASE_DIR.parent / "shared" / "seeds"


def seed_text() -> str | None:
    paths = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.exists() else []
    return paths[0].read_text(encoding="utf-8") if paths else None


def test_edition_has_ten_standards_and_38_items(edition):
    assert Standard.objects.filter(edition=edition).count() == 10
    items = ApplicationItem.objects.filter(standard__edition=edition)
    assert items.count() == 38
    assert sorted(items.values_list("position", flat=True)) == list(range(1, 39))
    assert list(edition.rating_levels.values_list("value", flat=True)) == [1, 2, 3, 4]


def test_loading_twice_changes_nothing(edition):
    again, created = edition_load(path=settings.BASE_DIR / "fixtures" / "edition-2024-en.json")
    assert (again.pk, created) == (edition.pk, False)
    assert Edition.objects.count() == 1
    assert ApplicationItem.objects.count() == 38


def test_a_changed_text_under_the_same_code_is_refused(edition, tmp_path):
    data = json.loads((settings.BASE_DIR / "fixtures" / "edition-2024-en.json").read_text())
    data["standards"][0]["statement"] = "I uphold something else."
    changed = tmp_path / "edition-2024-en.json"
    changed.write_text(json.dumps(data))
    with pytest.raises(Exception, match="new edition"):
        edition_load(path=changed)
    assert Standard.objects.get(edition=edition, number=1).statement.startswith("I uphold the")


def test_load_standards_command_reports_what_it_did(db, capsys):
    call_command("load_standards")
    call_command("load_standards")
    out = capsys.readouterr().out
    assert "Loaded: 2024-en" in out
    assert "Already loaded: 2024-en" in out


def test_load_standards_fails_loudly_on_conflict(edition, settings, tmp_path):
    data = json.loads((settings.BASE_DIR / "fixtures" / "edition-2024-en.json").read_text())
    data["title"] = "Another title"
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "edition-2024-en.json").write_text(json.dumps(data))
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="different text"):
        call_command("load_standards")


@pytest.mark.skipif(seed_text() is None, reason="the shared seed text is not beside the repo")
def test_fixture_carries_the_seed_text_word_for_word(edition):
    seed = seed_text()
    for standard in Standard.objects.filter(edition=edition):
        assert f"“{standard.statement}”" in seed
    for item in ApplicationItem.objects.filter(standard__edition=edition):
        pattern = re.escape(f"**{item.title}:**") + r"\s*" + re.escape(item.text)
        assert re.search(pattern, seed), item.title
    for paragraph in edition.preamble.split("\n\n"):
        assert paragraph in seed
