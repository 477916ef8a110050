import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from pledges.models import PledgeReminder
from pledges.services import reminders_send

from ..factories import CycleFactory
from .conftest import fresh_login, sign


@pytest.fixture
def closing_cycle(edition):
    today = timezone.localdate()
    return CycleFactory(
        name="2026",
        opens_on=today - datetime.timedelta(days=60),
        closes_on=today + datetime.timedelta(days=10),
    )


def test_the_command_reminds_the_unsigned_once(
    world, closing_cycle, mailoutbox, capsys, django_capture_on_commit_callbacks
):
    sign(world.official, closing_cycle)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pledge_reminders", "--days", "14")
    assert "Sent 6 pledge reminders" in capsys.readouterr().out
    recipients = {m.to[0] for m in mailoutbox}
    assert world.official.email not in recipients
    assert {world.colleague.email, world.other_official.email} <= recipients
    assert "sign the 2026 Standards of Conduct pledge" in mailoutbox[0].subject
    assert "/pledges/sign/" in mailoutbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_pledge_reminders", "--days", "14")
    assert "Sent 0 pledge reminders" in capsys.readouterr().out
    assert len(mailoutbox) == 6
    assert AuditEntry.objects.filter(action="pledge.reminder_sent").count() == 6


def test_the_command_waits_until_the_cycle_is_close_to_closing(
    world, closing_cycle, mailoutbox, capsys
):
    call_command("send_pledge_reminders", "--days", "3")
    assert "closes in 10 days" in capsys.readouterr().out
    assert mailoutbox == []


def test_the_default_window_comes_from_settings(world, closing_cycle, mailoutbox, settings, capsys):
    settings.PLEDGE_REMINDER_DAYS_BEFORE_CLOSE = 5
    call_command("send_pledge_reminders")
    assert mailoutbox == []


def test_the_command_with_no_open_cycle_sends_nothing(world, edition, mailoutbox, capsys):
    call_command("send_pledge_reminders")
    assert "No cycle is open" in capsys.readouterr().out


def test_the_manager_previews_then_sends_with_one_click(
    client, world, cycle, mailoutbox, django_capture_on_commit_callbacks
):
    sign(world.official, cycle)
    fresh_login(client, world.manager)
    preview = client.get(reverse("pledges:pledge-remind"))
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Preview" in body and world.colleague.full_name in body
    assert world.other_official.full_name not in body
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pledges:pledge-remind"))
    assert response.status_code == 302
    assert len(mailoutbox) == 4  # manager, supervisor, other supervisor, colleague
    assert all(m.to[0] != world.official.email for m in mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pledges:pledge-remind"))
    assert len(mailoutbox) == 4
    office_page = client.get(reverse("pledges:pledge-office")).content.decode()
    assert timezone.localdate().strftime("%Y") in office_page


@pytest.mark.parametrize("who", ["official", "supervisor", "analyst"])
def test_only_managers_send_reminders(client, world, cycle, mailoutbox, who):
    fresh_login(client, getattr(world, who))
    assert client.get(reverse("pledges:pledge-remind")).status_code == 403
    assert client.post(reverse("pledges:pledge-remind")).status_code == 403
    assert mailoutbox == []


def test_reminders_are_recorded_with_a_unique_occasion(world, cycle):
    assert reminders_send(cycle=cycle, office=world.office, key="closing-14") == 5
    assert reminders_send(cycle=cycle, office=world.office, key="closing-14") == 0
    assert reminders_send(cycle=cycle, office=world.office, key="closing-3") == 5
    assert PledgeReminder.objects.count() == 10
