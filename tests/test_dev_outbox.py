"""Development email is readable: kept in the outbox, printed decoded on the console, and
listed at /dev/outbox/ with every link whole and clickable. Only under DEBUG."""

import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Invitation, Membership
from accounts.services import invitation_create
from core.outbox import OutboxBackend

OUTBOX_MAILER = {"default": {"BACKEND": "core.outbox.OutboxBackend"}}


@pytest.fixture
def outbox(settings, tmp_path):
    settings.DEV_OUTBOX_DIR = tmp_path / "dev-outbox"
    settings.MAILERS = OUTBOX_MAILER
    return settings.DEV_OUTBOX_DIR


def invite(world, *, full_name="Ana Núñez — Elections"):
    """An invitation from the manager, its email sent through the configured mailer."""
    invitation_create(
        invited_by=world.manager,
        office=world.office,
        email="ana@example.org",
        full_name=full_name,
        role=Membership.Role.OFFICIAL,
    )
    return Invitation.objects.get(email="ana@example.org")


def invitation_link(invitation) -> str:
    return settings.SITE_URL + reverse("accounts:invitation-accept", args=[invitation.token])


@override_settings(DEBUG=True)
def test_an_invitation_link_is_whole_on_the_outbox_page_and_opens(
    world, outbox, django_capture_on_commit_callbacks, capsys
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(world)
    link = invitation_link(invitation)

    # The message as it would be sent: a .eml file in the outbox folder.
    [stored] = list(outbox.glob("*.eml"))
    assert b"ana@example.org" in stored.read_bytes()

    # The console copy is decoded: the link on one line, the dash as a dash.
    console = capsys.readouterr().out
    assert link in console.splitlines()
    assert "=E2=80=94" not in console and "=\n" not in console

    client = Client()  # from this machine (127.0.0.1), not signed in: a newcomer
    listing = client.get(reverse("dev-outbox"))
    assert listing.status_code == 200
    assert "no-store" in listing["Cache-Control"]
    page_link = re.search(r'href="(/dev/outbox/[^"]+/)"', listing.content.decode()).group(1)

    page = client.get(page_link)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<a href="{link}"' in html
    assert "—" in html or "&mdash;" in html

    # The link, followed as written, is the invitation.
    accept = client.get(link.removeprefix(settings.SITE_URL))
    assert accept.status_code == 200
    assert invitation.full_name in accept.content.decode()


@override_settings(DEBUG=True)
def test_the_outbox_is_for_this_machine_or_staff_only(world, outbox):
    remote = Client(REMOTE_ADDR="203.0.113.9")
    assert remote.get(reverse("dev-outbox")).status_code == 404
    remote.force_login(world.official)
    assert remote.get(reverse("dev-outbox")).status_code == 404
    staff = Client(REMOTE_ADDR="203.0.113.9")
    world.site_admin.is_staff = True
    world.site_admin.save(update_fields=["is_staff"])
    staff.force_login(world.site_admin)
    assert staff.get(reverse("dev-outbox")).status_code == 200


@pytest.mark.django_db
def test_the_outbox_does_not_exist_in_production(outbox):
    with override_settings(DEBUG=False):
        assert Client().get(reverse("dev-outbox")).status_code == 404


@override_settings(DEBUG=True)
@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["..", "../../etc/passwd", "x" * 300, "20260101T000000000000-zzzz"]
)
def test_a_message_name_is_never_a_path(outbox, name):
    response = Client().get(reverse("dev-outbox-message", args=[name.replace("/", "%2F")]))
    assert response.status_code == 404


def test_the_backend_prints_utf_8_and_keeps_the_message(outbox):
    stream = io.StringIO()
    message = mail.EmailMessage(
        subject="Ünïcode — test",
        body="Open " + "https://portal.example.org/" + "a" * 120 + " — done.\n",
        from_email="from@example.org",
        to=["to@example.org"],
    )
    assert OutboxBackend(stream=stream).send_messages([message]) == 1
    text = stream.getvalue()
    assert "Subject: Ünïcode — test" in text
    assert "https://portal.example.org/" + "a" * 120 + " — done." in text
    assert len(list(outbox.glob("*.eml"))) == 1


def test_production_mail_is_unchanged(tmp_path):
    """DEBUG=false sends through SMTP, whatever else is set."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"EMAIL_HOST", "TESTING"}}
    env.update(
        DEBUG="false", SECRET_KEY="x" * 60, DJANGO_SETTINGS_MODULE="standards_portal.settings"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.MAILERS['default']['BACKEND'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert out == "django.core.mail.backends.smtp.EmailBackend"
