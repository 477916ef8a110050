"""Every named route visited as every role, against a table of expected answers.

The routes are collected from the URL configuration, so a new route without an entry
in EXPECTED fails `test_every_route_has_an_expectation`.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import (
    Association,
    AuditEntry,
    Invitation,
    Membership,
    Office,
    RosterUpload,
)
from assessments.models import Assessment
from pledges.models import Pledge, PledgeWithdrawal
from pledges.services import pledge_withdraw
from pledges.transparency import checkpoint_publish
from records.models import RecordsBundle
from records.retention import hold_place
from reports.models import ReportFile

from .factories import MembershipFactory
from .pledges.conftest import META, fresh_login, sign
from .reports.conftest import answered

SKIPPED_NAMESPACES = {"admin"}
SKIPPED_PREFIXES = ("account_", "mfa_", "usersessions_")
SKIPPED_NAMES = {"set_language", "static"}


def _walk(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def collected_routes() -> set[str]:
    names = set()
    for name in _walk(get_resolver()):
        namespace, _, short = name.rpartition(":")
        if namespace.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        if short.startswith(SKIPPED_PREFIXES) or short in SKIPPED_NAMES:
            continue
        names.add(name)
    return names


ROLES = [
    "anonymous",
    "other_official",
    "official",
    "other_supervisor",
    "supervisor",
    "other_manager",
    "manager",
    "other_analyst",
    "analyst",
    "site_admin",
]


@pytest.fixture
def matrix(world, cycle, _no_throttle):
    """Every object a route needs: the official's pledge, submitted assessment, etc."""
    world.office.publishes_registry = True
    world.office.save(update_fields=["publishes_registry"])
    pledge = sign(world.official, cycle)
    checkpoint_publish()  # after commit in real life; the log then answers for it
    # Written directly (the services are tested elsewhere): submitted, to the supervisor.
    assessment = answered(world.official, world.office, cycle, rebuild=False)
    Assessment.objects.filter(pk=assessment.pk).update(
        reviewer=world.supervisor, submitted_at=timezone.now()
    )
    invitation = Invitation.objects.create(
        email="new.person@example.org",
        full_name="New Person",
        office=world.office,
        role=Membership.Role.OFFICIAL,
        invited_by=world.manager,
        expires_at=timezone.now() + timezone.timedelta(days=14),
    )
    roster = RosterUpload.objects.create(
        office=world.office,
        uploaded_by=world.manager,
        filename="staff.csv",
        sha256="0" * 64,
        rows=[],
    )
    report_file = ReportFile.objects.create(
        kind=ReportFile.Kind.OFFICE,
        office=world.office,
        cycle=cycle,
        identified=True,
        requested_by=world.manager,
        status=ReportFile.Status.READY,
        filename="report.pdf",
        content=b"%PDF-1.7\n",
        finished_at=timezone.now(),
    )
    # The records officer of the official's office (see RECORDS_OFFICER).
    world.records_officer = MembershipFactory(
        office=world.office, role=Membership.Role.RECORDS_OFFICER
    ).user
    bundle = RecordsBundle.objects.create(
        office=world.office,
        requested_by=world.manager,
        status=RecordsBundle.Status.READY,
        filename="records.zip",
        content=b"PK\x05\x06" + b"\x00" * 18,
        finished_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=7),
    )
    hold = hold_place(by=world.manager, reason="Records request 2026-114", office=world.office)
    membership = world.official.active_membership
    office, association = world.office.pk, world.association.pk
    kwargs = {
        "accounts:association-detail": {"pk": association},
        "accounts:association-invitation-create": {"pk": association},
        "accounts:association-office-add": {"pk": association},
        "accounts:association-office-create": {"pk": association},
        "accounts:association-office-remove": {"pk": association},
        "accounts:invitation-accept": {"token": invitation.token},
        "accounts:invitation-resend": {"pk": invitation.pk},
        "accounts:invitation-revoke": {"pk": invitation.pk},
        "accounts:membership-deactivate": {"pk": membership.pk},
        "accounts:membership-update": {"pk": membership.pk},
        "accounts:my-data-download": {"kind": "json"},
        "accounts:roster-preview": {"pk": roster.pk},
        "dev-outbox-message": {"name": "20260101T000000000000-0123abcd"},
        "pledge-verify-code": {"code": pledge.verification_code},
        "log:log-inclusion-proof": {"code": pledge.verification_code},
        "pledges:pledge-certificate": {"pk": pledge.pk},
        "pledges:pledge-detail": {"pk": pledge.pk},
        "pledges:pledge-withdraw": {"pk": pledge.pk},
        "pledges:registry-detail": {"office_id": office},
        "reports:association-report": {"association_id": association},
        "reports:association-report-csv": {"association_id": association},
        "reports:association-report-pdf": {"association_id": association},
        "reports:association-report-pdf-prepare": {"association_id": association},
        "reports:office-report": {"office_id": office},
        "reports:office-report-csv": {"office_id": office},
        "reports:office-report-pdf": {"office_id": office},
        "reports:office-report-pdf-prepare": {"office_id": office},
        "reports:report-file": {"pk": report_file.pk},
        "reports:report-file-retry": {"pk": report_file.pk},
        "reports:report-file-status": {"pk": report_file.pk},
        "records:bundle-list": {"office_id": office},
        "records:bundle-download": {"pk": bundle.pk},
        "records:retention": {"office_id": office},
        "records:hold-lift": {"pk": hold.pk},
        "records:bundle-status": {"pk": bundle.pk},
    }
    for name in (
        "copy-previous",
        "detail",
        "edit",
        "reassign",
        "reopen",
        "results",
        "results-pdf",
        "review",
        "submit",
    ):
        kwargs[f"assessments:assessment-{name}"] = {"pk": assessment.pk}
    return world, kwargs


@pytest.fixture
def _no_throttle():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def sign_in(client, world, role):
    if role != "anonymous":
        # Signed in as allauth does, so pages asking for a recent sign-in let them in.
        fresh_login(client, getattr(world, role))


def visit(client, kwargs, route, method="get"):
    url = reverse(route, kwargs=kwargs.get(route, {}))
    return getattr(client, method)(url)


def answer(response) -> str | int:
    if response.status_code == 302 and "/accounts/login/" in response["Location"]:
        return "login"
    return response.status_code


# One column per role, in the order of ROLES:
#   anon  oth-off  official  oth-sup  sup  oth-mgr  manager  oth-ana  analyst  site-admin
# "login" is a redirect to the sign-in page, "302" any other redirect.
# GET answers for every route. POST-only routes answer 405 to a GET from anyone signed in
# (the method is checked before the permission); who may use them is in POST_REFUSED.
POST_ONLY = "login 405 405 405 405 405 405 405 405 405"

EXPECTED = {
    # Public pages.
    "home": "200 200 200 200 200 200 200 200 200 200",
    "standards": "200 200 200 200 200 200 200 200 200 200",
    "healthz": "200 200 200 200 200 200 200 200 200 200",
    # The development outbox: only under DEBUG (never in tests or production).
    "dev-outbox": "404 404 404 404 404 404 404 404 404 404",
    "dev-outbox-message": "404 404 404 404 404 404 404 404 404 404",
    "pledge-verify-code": "200 200 200 200 200 200 200 200 200 200",
    "pledges:pledge-verify": "200 200 200 200 200 200 200 200 200 200",
    "pledges:registry-list": "200 200 200 200 200 200 200 200 200 200",
    "pledges:registry-detail": "200 200 200 200 200 200 200 200 200 200",
    # The public log of pledges: public JSON; a range or a size is required (400 without).
    "log:log-home": "200 200 200 200 200 200 200 200 200 200",
    "log:log-checkpoint": "200 200 200 200 200 200 200 200 200 200",
    "log:log-leaves": "400 400 400 400 400 400 400 400 400 400",
    "log:log-inclusion-proof": "200 200 200 200 200 200 200 200 200 200",
    "log:log-consistency-proof": "400 400 400 400 400 400 400 400 400 400",
    # Help pages: nothing private, the same for everyone.
    "help:help-index": "200 200 200 200 200 200 200 200 200 200",
    "help:help-pledge": "200 200 200 200 200 200 200 200 200 200",
    "help:help-rating-scale": "200 200 200 200 200 200 200 200 200 200",
    "help:help-review": "200 200 200 200 200 200 200 200 200 200",
    "help:help-privacy": "200 200 200 200 200 200 200 200 200 200",
    "help:help-accessibility": "200 200 200 200 200 200 200 200 200 200",
    # Dismissing the first-visit introduction: anyone signed in, for themselves.
    "help:welcome-dismiss": POST_ONLY,
    # The invitation is for someone not yet signed up: anyone signed in is the wrong person.
    "accounts:invitation-accept": "200 403 403 403 403 403 403 403 403 403",
    # One's own account and data.
    "accounts:my-account": "login 200 200 200 200 200 200 200 200 200",
    "accounts:my-data": "login 200 200 200 200 200 200 200 200 200",
    "accounts:my-data-download": "login 200 200 200 200 200 200 200 200 200",
    "accounts:my-confidential": POST_ONLY,
    # Office administration: the office's manager; other staff 403; another office's
    # manager 404 for a person or roster of this office.
    "accounts:people-list": "login 403 403 403 403 200 200 403 403 403",
    "accounts:invitation-create": "login 403 403 403 403 200 200 403 403 403",
    "accounts:invitation-list": "login 403 403 403 403 200 200 403 403 403",
    "accounts:invitation-resend": POST_ONLY,
    "accounts:invitation-revoke": POST_ONLY,
    "accounts:membership-update": "login 403 403 403 403 404 200 403 403 403",
    "accounts:membership-deactivate": "login 403 403 403 403 404 200 403 403 403",
    "accounts:roster-upload": "login 403 403 403 403 200 200 403 403 403",
    "accounts:roster-preview": "login 403 403 403 403 404 200 403 403 403",
    # The audit log: a manager reads their office's, a site administrator all.
    "accounts:audit-log": "login 403 403 403 403 200 200 403 403 200",
    "accounts:audit-log-csv": "login 403 403 403 403 200 200 403 403 200",
    # Association administration: its administrators; its analysts 403; everyone else 404.
    "accounts:association-detail": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-invitation-create": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-add": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-create": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-remove": POST_ONLY,
    # Pledges: the signer and the office's manager; anyone else 404.
    "pledges:pledge-list": "login 200 200 200 200 200 200 200 200 200",
    "pledges:pledge-sign": "login 200 302 200 200 200 200 200 200 200",
    "pledges:pledge-detail": "login 404 200 404 404 404 200 404 404 404",
    "pledges:pledge-certificate": "login 404 200 404 404 404 200 404 404 404",
    "pledges:pledge-withdraw": "login 404 200 404 404 404 403 404 404 404",
    "pledges:pledge-office": "login 403 403 403 403 200 200 403 403 403",
    "pledges:pledge-remind": "login 403 403 403 403 200 200 403 403 403",
    "pledges:pledge-registry-settings": POST_ONLY,
    # Assessments: the official, their reviewer (the supervisor) and the office's manager;
    # a submitted assessment is no longer editable, so the official is sent to read it.
    "assessments:assessment-mine": "login 200 302 200 200 200 200 200 200 200",
    "assessments:assessment-start": POST_ONLY,
    "assessments:team-list": "login 200 200 200 200 200 200 200 200 200",
    "assessments:office-list": "login 403 403 403 403 200 200 403 403 403",
    "assessments:assessment-detail": "login 404 200 404 200 404 200 404 404 404",
    "assessments:assessment-results": "login 404 200 404 200 404 200 404 404 404",
    "assessments:assessment-results-pdf": "login 404 200 404 200 404 200 404 404 404",
    "assessments:assessment-edit": "login 404 302 404 403 404 403 404 404 404",
    "assessments:assessment-submit": "login 404 302 404 403 404 403 404 404 404",
    "assessments:assessment-copy-previous": POST_ONLY,
    "assessments:assessment-review": "login 404 403 404 200 404 403 404 404 404",
    "assessments:assessment-reopen": POST_ONLY,
    "assessments:assessment-reassign": POST_ONLY,
    # Office reports: the manager (whole office) and supervisors (their team); staff
    # without a team 403; anyone outside the office 404.
    "reports:office-report-home": "login 403 403 302 302 302 302 404 404 404",
    "reports:office-report": "login 404 403 200 200 404 200 404 404 404",
    "reports:office-report-pdf": "login 404 403 200 200 404 200 404 404 404",
    "reports:office-report-csv": "login 404 403 200 200 404 200 404 404 404",
    "reports:office-report-pdf-prepare": POST_ONLY,
    # Association reports: its analysts and administrators; everyone else 404. The list
    # sends an analyst to their association and tells anyone else they have none.
    "reports:association-list": "login 200 200 200 200 200 200 302 302 200",
    "reports:association-report": "login 404 404 404 404 404 404 404 200 404",
    "reports:association-report-pdf": "login 404 404 404 404 404 404 404 200 404",
    "reports:association-report-csv": "login 404 404 404 404 404 404 404 200 404",
    "reports:association-report-pdf-prepare": POST_ONLY,
    # A prepared PDF (the manager's): only the person who asked for it.
    "reports:report-file": "login 404 404 404 404 404 200 404 404 404",
    "reports:report-file-status": "login 404 404 404 404 404 200 404 404 404",
    "reports:report-file-retry": POST_ONLY,
    # Records-request bundles: the office's manager and records officer; its other staff
    # 403; anyone outside it 404.
    "records:bundle-list": "login 404 403 403 403 404 200 404 404 404",
    "records:bundle-download": "login 404 404 404 404 404 200 404 404 404",
    # Retention and legal holds: the same people; a hold is lifted by POST only.
    "records:retention": "login 404 403 403 403 404 200 404 404 404",
    "records:hold-lift": POST_ONLY,
    "records:bundle-status": "login 404 404 404 404 404 200 404 404 404",
}

# An empty POST from each role that must be refused; "ok" marks those allowed to post
# (an empty body then fails validation or does the permitted thing: not checked here).
POST_REFUSED = {
    "accounts:invitation-accept": "ok 403 403 403 403 403 403 403 403 403",
    "help:welcome-dismiss": "login ok ok ok ok ok ok ok ok ok",
    "accounts:my-confidential": "login ok ok ok ok ok ok ok ok ok",
    "accounts:invitation-create": "login 403 403 403 403 ok ok 403 403 403",
    "accounts:invitation-resend": "login 404 404 404 404 404 ok 404 404 404",
    "accounts:invitation-revoke": "login 404 404 404 404 404 ok 404 404 404",
    "accounts:membership-update": "login 403 403 403 403 404 ok 403 403 403",
    "accounts:membership-deactivate": "login 403 403 403 403 404 ok 403 403 403",
    "accounts:roster-upload": "login 403 403 403 403 ok ok 403 403 403",
    "accounts:roster-preview": "login 403 403 403 403 404 ok 403 403 403",
    "accounts:association-invitation-create": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-add": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-create": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-remove": "login 404 404 404 404 404 404 404 403 404",
    "pledges:pledge-sign": "login ok ok ok ok ok ok 403 403 403",
    "pledges:pledge-withdraw": "login 404 ok 404 404 404 403 404 404 404",
    "pledges:pledge-remind": "login 403 403 403 403 ok ok 403 403 403",
    "pledges:pledge-registry-settings": "login 403 403 403 403 ok ok 403 403 403",
    "assessments:assessment-start": "login ok ok ok ok ok ok 403 403 403",
    "assessments:assessment-edit": "login 404 ok 404 403 404 403 404 404 404",
    "assessments:assessment-submit": "login 404 ok 404 403 404 403 404 404 404",
    "assessments:assessment-copy-previous": "login 404 ok 404 403 404 403 404 404 404",
    "assessments:assessment-review": "login 404 403 404 ok 404 403 404 404 404",
    "assessments:assessment-reopen": "login 404 403 404 403 404 ok 404 404 404",
    "assessments:assessment-reassign": "login 404 403 404 403 404 ok 404 404 404",
    "reports:office-report-pdf-prepare": "login 404 403 ok ok 404 ok 404 404 404",
    "reports:association-report-pdf-prepare": "login 404 404 404 404 404 404 404 ok 404",
    "reports:report-file-retry": "login 404 404 404 404 404 ok 404 404 404",
    "records:bundle-list": "login 404 403 403 403 404 ok 404 404 404",
    "records:retention": "login 404 403 403 403 404 ok 404 404 404",
    "records:hold-lift": "login 404 403 403 403 404 ok 404 404 404",
}

# The records officer of the official's office: one more column, kept as its own table.
# They read the office's records (pledges, the audit log, bundles) and act on nobody.
RECORDS_OFFICER = {
    "home": "200",
    "standards": "200",
    "healthz": "200",
    "dev-outbox": "404",
    "dev-outbox-message": "404",
    "pledge-verify-code": "200",
    "pledges:pledge-verify": "200",
    "pledges:registry-list": "200",
    "pledges:registry-detail": "200",
    "log:log-home": "200",
    "log:log-checkpoint": "200",
    "log:log-leaves": "400",
    "log:log-inclusion-proof": "200",
    "log:log-consistency-proof": "400",
    "help:help-index": "200",
    "help:help-pledge": "200",
    "help:help-rating-scale": "200",
    "help:help-review": "200",
    "help:help-privacy": "200",
    "help:help-accessibility": "200",
    "help:welcome-dismiss": "405",
    "accounts:invitation-accept": "403",
    "accounts:my-account": "200",
    "accounts:my-data": "200",
    "accounts:my-data-download": "200",
    "accounts:my-confidential": "405",
    "accounts:people-list": "403",
    "accounts:invitation-create": "403",
    "accounts:invitation-list": "403",
    "accounts:invitation-resend": "405",
    "accounts:invitation-revoke": "405",
    "accounts:membership-update": "403",
    "accounts:membership-deactivate": "403",
    "accounts:roster-upload": "403",
    "accounts:roster-preview": "403",
    "accounts:audit-log": "200",
    "accounts:audit-log-csv": "200",
    "accounts:association-detail": "404",
    "accounts:association-invitation-create": "404",
    "accounts:association-office-add": "404",
    "accounts:association-office-create": "404",
    "accounts:association-office-remove": "405",
    "pledges:pledge-list": "200",
    "pledges:pledge-sign": "200",
    "pledges:pledge-detail": "200",
    "pledges:pledge-certificate": "200",
    "pledges:pledge-withdraw": "403",
    "pledges:pledge-office": "403",
    "pledges:pledge-remind": "403",
    "pledges:pledge-registry-settings": "405",
    "assessments:assessment-mine": "200",
    "assessments:assessment-start": "405",
    "assessments:team-list": "200",
    "assessments:office-list": "403",
    "assessments:assessment-detail": "404",
    "assessments:assessment-results": "404",
    "assessments:assessment-results-pdf": "404",
    "assessments:assessment-edit": "404",
    "assessments:assessment-submit": "404",
    "assessments:assessment-copy-previous": "405",
    "assessments:assessment-review": "404",
    "assessments:assessment-reopen": "405",
    "assessments:assessment-reassign": "405",
    "reports:office-report-home": "403",
    "reports:office-report": "403",
    "reports:office-report-pdf": "403",
    "reports:office-report-csv": "403",
    "reports:office-report-pdf-prepare": "405",
    "reports:association-list": "200",
    "reports:association-report": "404",
    "reports:association-report-pdf": "404",
    "reports:association-report-csv": "404",
    "reports:association-report-pdf-prepare": "405",
    "reports:report-file": "404",
    "reports:report-file-status": "404",
    "reports:report-file-retry": "405",
    "records:bundle-list": "200",
    "records:bundle-download": "200",
    "records:retention": "200",
    "records:hold-lift": "405",
    "records:bundle-status": "200",
}

RECORDS_OFFICER_POST_REFUSED = {
    "accounts:invitation-accept": "403",
    "accounts:invitation-create": "403",
    "accounts:invitation-resend": "404",
    "accounts:invitation-revoke": "404",
    "accounts:membership-update": "403",
    "accounts:membership-deactivate": "403",
    "accounts:roster-upload": "403",
    "accounts:roster-preview": "403",
    "accounts:association-invitation-create": "404",
    "accounts:association-office-add": "404",
    "accounts:association-office-create": "404",
    "accounts:association-office-remove": "404",
    "pledges:pledge-withdraw": "403",
    "pledges:pledge-remind": "403",
    "pledges:pledge-registry-settings": "403",
    "assessments:assessment-edit": "404",
    "assessments:assessment-submit": "404",
    "assessments:assessment-copy-previous": "404",
    "assessments:assessment-review": "404",
    "assessments:assessment-reopen": "404",
    "assessments:assessment-reassign": "404",
    "reports:office-report-pdf-prepare": "403",
    "reports:association-report-pdf-prepare": "404",
    "reports:report-file-retry": "404",
}


def _row(line: str) -> dict[str, str]:
    tokens = line.split()
    assert len(tokens) == len(ROLES), line
    return dict(zip(ROLES, tokens, strict=True))


def _cases(table, officer_table=None):
    cases = [
        pytest.param(route, role, expected, id=f"{route}-{role}")
        for route, line in sorted(table.items())
        for role, expected in _row(line).items()
        if expected != "ok"
    ]
    cases += [
        pytest.param(route, "records_officer", expected, id=f"{route}-records_officer")
        for route, expected in sorted((officer_table or {}).items())
    ]
    return cases


def snapshot() -> dict:
    """Everything a refused POST must leave as it was."""
    from django.apps import apps

    counts = {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label not in ("sessions", "usersessions")
    }
    return {
        "counts": counts,
        "pledges": list(Pledge.objects.values_list("pk", "withdrawal__pk")),
        "withdrawals": PledgeWithdrawal.objects.count(),
        "assessments": list(
            Assessment.objects.values_list("pk", "state", "version", "reviewer_id")
        ),
        "invitations": list(
            Invitation.objects.values_list("pk", "expires_at", "revoked_at", "accepted_at")
        ),
        "memberships": list(
            Membership.objects.values_list("pk", "role", "reports_to_id", "ended_at")
        ),
        "rosters": list(RosterUpload.objects.values_list("pk", "confirmed_at")),
        "report_files": list(ReportFile.objects.values_list("pk", "status", "queued_at")),
        "offices": list(Office.objects.values_list("pk", "publishes_registry")),
        "association_offices": list(
            Association.offices.through.objects.values_list("association_id", "office_id")
        ),
        "audit": AuditEntry.objects.count(),
    }


def test_every_route_has_an_expectation():
    routes = collected_routes()
    assert routes - EXPECTED.keys() == set(), "routes without an expected answer per role"
    assert EXPECTED.keys() - routes == set(), "expectations for routes that do not exist"
    assert POST_REFUSED.keys() <= routes
    assert routes - RECORDS_OFFICER.keys() == set(), "routes without the records officer's answer"
    assert RECORDS_OFFICER.keys() - routes == set()
    assert RECORDS_OFFICER_POST_REFUSED.keys() <= routes


@pytest.mark.parametrize(("route", "role", "expected"), _cases(EXPECTED, RECORDS_OFFICER))
def test_get(client, matrix, route, role, expected):
    world, kwargs = matrix
    sign_in(client, world, role)
    assert str(answer(visit(client, kwargs, route))) == expected


@pytest.mark.parametrize(
    ("route", "role", "expected"), _cases(POST_REFUSED, RECORDS_OFFICER_POST_REFUSED)
)
def test_refused_post_changes_nothing(client, matrix, route, role, expected):
    world, kwargs = matrix
    sign_in(client, world, role)
    before = snapshot()
    assert str(answer(visit(client, kwargs, route, "post"))) == expected
    assert snapshot() == before


@pytest.mark.parametrize(
    ("route", "role", "expected"),
    [
        # A withdrawn pledge has no certificate: gone for those who may see the pledge.
        ("pledges:pledge-certificate", "official", "410"),
        ("pledges:pledge-certificate", "manager", "410"),
        ("pledges:pledge-certificate", "other_manager", "404"),
        # A revoked invitation is gone; its token still names it.
        ("accounts:invitation-accept", "anonymous", "410"),
    ],
)
def test_gone(client, matrix, route, role, expected):
    world, kwargs = matrix
    pledge = Pledge.objects.get()
    pledge_withdraw(pledge=pledge, by=world.official, reason="Left", request_meta=META)
    Invitation.objects.update(revoked_at=timezone.now())
    sign_in(client, world, role)
    assert str(answer(visit(client, kwargs, route))) == expected
