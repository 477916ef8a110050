import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.forms import MembershipForm
from accounts.models import AuditEntry, Membership

from ..factories import PASSWORD, AssociationRoleFactory, MembershipFactory


def membership(user):
    user.__dict__.pop("active_membership", None)
    return user.active_membership


def edit_url(user):
    return reverse("accounts:membership-update", args=[membership(user).pk])


def deactivate_url(user):
    return reverse("accounts:membership-deactivate", args=[membership(user).pk])


# Services


def test_role_and_reporting_line_change_is_audited(world):
    services.membership_update(
        membership=membership(world.official),
        role=Membership.Role.SUPERVISOR,
        reports_to=world.other_supervisor,
        by=world.manager,
    )
    changed = membership(world.official)
    assert (changed.role, changed.reports_to) == ("supervisor", world.other_supervisor)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"membership.role_changed", "membership.reports_to_changed"} <= actions


def test_nobody_reports_to_someone_below_them(world):
    # manager ← supervisor ← official; making the supervisor report to... the official
    # is impossible (an official cannot lead), so promote the official first.
    services.membership_update(
        membership=membership(world.official),
        role=Membership.Role.SUPERVISOR,
        reports_to=world.supervisor,
        by=world.manager,
    )
    with pytest.raises(ValidationError, match="already reports to this person"):
        services.membership_update(
            membership=membership(world.supervisor),
            role=Membership.Role.SUPERVISOR,
            reports_to=world.official,
            by=world.manager,
        )
    with pytest.raises(ValidationError, match="already reports to this person"):
        services.membership_update(
            membership=membership(world.manager),
            role=Membership.Role.MANAGER,
            reports_to=world.official,
            by=world.manager,
        )
    assert membership(world.supervisor).reports_to == world.manager


@pytest.mark.parametrize("who", ["other_manager", "colleague"])
def test_reports_to_must_be_a_leader_of_the_same_office(world, who):
    with pytest.raises(ValidationError) as caught:
        services.membership_update(
            membership=membership(world.official),
            role="official",
            reports_to=getattr(world, who),
            by=world.manager,
        )
    assert "reports_to" in caught.value.message_dict


def test_the_last_manager_cannot_step_down_or_leave(world):
    with pytest.raises(ValidationError, match="at least one manager"):
        services.membership_update(
            membership=membership(world.manager),
            role="supervisor",
            reports_to=None,
            by=world.manager,
        )
    with pytest.raises(ValidationError, match="at least one manager"):
        services.membership_deactivate(membership=membership(world.manager), by=world.manager)
    assert membership(world.manager).role == "manager"


def test_a_manager_may_step_down_when_another_remains(world):
    services.membership_update(
        membership=membership(world.supervisor), role="manager", reports_to=None, by=world.manager
    )
    services.membership_deactivate(membership=membership(world.manager), by=world.manager)
    world.manager.refresh_from_db()
    assert not world.manager.is_active


def test_a_supervisor_with_reports_cannot_become_an_official(world):
    with pytest.raises(ValidationError, match="People report to this person"):
        services.membership_update(
            membership=membership(world.supervisor),
            role="official",
            reports_to=world.manager,
            by=world.manager,
        )


def test_deactivation_ends_membership_and_sign_in_but_keeps_records(world):
    services.membership_deactivate(membership=membership(world.supervisor), by=world.manager)
    world.supervisor.refresh_from_db()
    assert not world.supervisor.is_active
    assert world.supervisor.memberships.get().ended_at is not None
    # Their report moves up to the departing supervisor's own supervisor.
    assert membership(world.official).reports_to == world.manager
    entry = AuditEntry.objects.get(action="membership.deactivated")
    assert entry.details["account_disabled"] is True


def test_deactivation_keeps_an_account_with_an_association_role(world):
    AssociationRoleFactory(user=world.colleague, association=world.association)
    services.membership_deactivate(membership=membership(world.colleague), by=world.manager)
    world.colleague.refresh_from_db()
    assert world.colleague.is_active


def test_deactivating_twice_is_refused(world):
    stale = membership(world.colleague)
    services.membership_deactivate(membership=stale, by=world.manager)
    with pytest.raises(ValidationError, match="no longer a member"):
        services.membership_deactivate(membership=stale, by=world.manager)
    assert AuditEntry.objects.filter(action="membership.deactivated").count() == 1


# Forms


def test_membership_form_offers_leaders_of_the_office_except_the_person(world):
    form = MembershipForm(user=world.manager, membership=membership(world.supervisor))
    assert set(form.fields["reports_to"].queryset) == {world.manager, world.other_supervisor}


# Views


def test_manager_changes_a_role(client, world):
    client.force_login(world.manager)
    response = client.post(
        edit_url(world.official), {"role": "supervisor", "reports_to": world.manager.pk}
    )
    assert response.status_code == 302
    assert membership(world.official).role == "supervisor"


def test_a_cycle_is_refused_with_a_message(client, world, snapshot):
    services.membership_update(
        membership=membership(world.official),
        role="supervisor",
        reports_to=world.supervisor,
        by=world.manager,
    )
    client.force_login(world.manager)
    before = snapshot()
    response = client.post(
        edit_url(world.supervisor), {"role": "supervisor", "reports_to": world.official.pk}
    )
    assert response.status_code == 422
    assert "already reports to this person" in response.content.decode()
    assert snapshot() == before


def test_the_last_manager_is_told_why_they_cannot_leave(client, world, snapshot):
    client.force_login(world.manager)
    before = snapshot()
    response = client.post(deactivate_url(world.manager))
    assert response.status_code == 422
    assert "at least one manager" in response.content.decode()
    response = client.post(edit_url(world.manager), {"role": "official", "reports_to": ""})
    assert response.status_code == 422
    assert snapshot() == before


def test_bad_role_value_is_a_4xx(client, world, snapshot):
    client.force_login(world.manager)
    before = snapshot()
    response = client.post(edit_url(world.official), {"role": "mayor"})
    assert response.status_code == 422
    assert snapshot() == before


def test_manager_deactivates_a_person_who_can_then_not_sign_in(client, world):
    client.force_login(world.manager)
    assert client.get(deactivate_url(world.colleague)).status_code == 200
    response = client.post(deactivate_url(world.colleague))
    assert response.status_code == 302
    client.logout()
    assert not client.login(email=world.colleague.email, password=PASSWORD)
    response = client.post(
        reverse("account_login"), {"login": world.colleague.email, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("supervisor", 403),
        ("colleague", 403),
        ("other_manager", 404),
        ("analyst", 403),
        ("association_admin", 403),
    ],
)
def test_only_the_offices_manager_may_change_people(client, world, snapshot, who, status):
    target = membership(world.official)
    client.force_login(getattr(world, who))
    before = snapshot()
    for name in ["accounts:membership-update", "accounts:membership-deactivate"]:
        url = reverse(name, args=[target.pk])
        assert client.get(url).status_code == status
        assert client.post(url, {"role": "manager", "reports_to": ""}).status_code == status
    assert snapshot() == before


def test_people_change_pages_ask_anonymous_to_sign_in(client, world, snapshot):
    before = snapshot()
    for url in [edit_url(world.official), deactivate_url(world.official)]:
        response = client.post(url, {"role": "manager"})
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]
    assert snapshot() == before


def test_an_ended_membership_is_not_found(client, world):
    url = deactivate_url(world.colleague)
    services.membership_deactivate(membership=membership(world.colleague), by=world.manager)
    client.force_login(world.manager)
    assert client.post(url).status_code == 404


def test_unknown_membership_is_404(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("accounts:membership-update", args=[999999])).status_code == 404


def test_people_list_links_to_actions(client, world):
    MembershipFactory(office=world.office)
    client.force_login(world.manager)
    body = client.get(reverse("accounts:people-list")).content.decode()
    assert edit_url(world.official) in body
    assert reverse("accounts:invitation-create") in body


def test_a_manager_who_steps_down_goes_home(client, world):
    services.membership_update(
        membership=membership(world.supervisor), role="manager", reports_to=None, by=world.manager
    )
    client.force_login(world.manager)
    response = client.post(edit_url(world.manager), {"role": "supervisor", "reports_to": ""})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("accounts:people-list")).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_removing_each_other_at_once_leave_one_on_postgresql():
    import threading

    from django.db import connection

    from ..factories import OfficeFactory

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    office = OfficeFactory()
    first = MembershipFactory(office=office, role="manager")
    second = MembershipFactory(office=office, role="manager")
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(target, by):
        try:
            barrier.wait()
            services.membership_deactivate(membership=target, by=by)
            outcomes.append("done")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=(first, second.user)),
        threading.Thread(target=attempt, args=(second, first.user)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["done", "refused"]
    assert (
        Membership.objects.filter(office=office, ended_at__isnull=True, role="manager").count() == 1
    )
