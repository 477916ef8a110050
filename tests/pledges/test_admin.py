import datetime

from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEntry
from pledges.models import Cycle, Pledge

from .conftest import sign


def test_the_admin_reads_pledges_but_cannot_add_change_or_delete(client, world, cycle):
    pledge = sign(world.official, cycle)
    client.force_login(world.site_admin)
    assert client.get(reverse("admin:pledges_pledge_changelist")).status_code == 200
    page = client.get(reverse("admin:pledges_pledge_change", args=[pledge.pk]))
    assert page.status_code == 200
    assert 'name="typed_name"' not in page.content.decode()
    assert client.get(reverse("admin:pledges_pledge_add")).status_code == 403
    response = client.post(
        reverse("admin:pledges_pledge_change", args=[pledge.pk]), {"typed_name": "Forged"}
    )
    assert response.status_code == 403
    assert client.post(reverse("admin:pledges_pledge_delete", args=[pledge.pk])).status_code == 403
    pledge.refresh_from_db()
    assert pledge.typed_name == world.official.full_name
    assert Pledge.objects.count() == 1


def test_the_admin_closes_a_cycle_now(client, world, cycle):
    client.force_login(world.site_admin)
    response = client.post(
        reverse("admin:pledges_cycle_changelist"),
        {"action": "close_now", "_selected_action": [cycle.pk]},
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.closed_early_at is not None
    assert AuditEntry.objects.filter(action="pledge.cycle_closed").count() == 1


def test_the_admin_opens_a_cycle(client, world, edition):
    client.force_login(world.site_admin)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:pledges_cycle_add"),
        {
            "name": "2027",
            "edition": edition.pk,
            "opens_on": (today + datetime.timedelta(days=30)).isoformat(),
            "closes_on": (today + datetime.timedelta(days=400)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert Cycle.objects.get(name="2027").is_open() is False


def test_a_cycle_with_pledges_keeps_its_edition(client, world, cycle):
    sign(world.official, cycle)
    client.force_login(world.site_admin)
    page = client.get(reverse("admin:pledges_cycle_change", args=[cycle.pk])).content.decode()
    assert 'name="edition"' not in page
    assert client.post(reverse("admin:pledges_cycle_delete", args=[cycle.pk])).status_code == 403


def test_cycles_cannot_overlap(client, world, cycle, edition):
    client.force_login(world.site_admin)
    response = client.post(
        reverse("admin:pledges_cycle_add"),
        {
            "name": "Overlap",
            "edition": edition.pk,
            "opens_on": cycle.closes_on.isoformat(),
            "closes_on": (cycle.closes_on + datetime.timedelta(days=90)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "overlap the 2026 cycle" in response.content.decode()
    assert not Cycle.objects.filter(name="Overlap").exists()
