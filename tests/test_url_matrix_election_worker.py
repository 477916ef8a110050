"""Every route as an election worker of the official's office: one more column of the URL
x role matrix (tests/test_url_matrix.py), kept in its own table as the records officer's is.

An election worker signs the pledge and sees only their own things: official-or-less
rights, never the self-assessment. A route without an entry here fails
`test_every_route_has_the_election_workers_answer`.
"""

import pytest

from accounts.models import Membership

from .factories import MembershipFactory
from .test_url_matrix import (
    EXPECTED,
    POST_REFUSED,
    _no_throttle,
    answer,
    collected_routes,
    matrix_once,
    shared_matrix,
    sign_in,
    snapshot,
    visit,
)

__all__ = ["_no_throttle", "matrix_once", "shared_matrix"]  # fixtures used by name

ELECTION_WORKER = {
    "home": "200",
    "standards": "200",
    "healthz": "200",
    "sso:signin": "200",
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
    "accounts:election-workers-deactivate": "403",
    "accounts:audit-log": "403",
    "accounts:audit-log-csv": "403",
    "accounts:association-detail": "404",
    "accounts:association-invitation-create": "404",
    "accounts:association-office-add": "404",
    "accounts:association-office-create": "404",
    "accounts:association-office-remove": "405",
    # Their own pledge: they have not signed yet, so the form is shown.
    "pledges:pledge-list": "200",
    "pledges:pledge-sign": "200",
    "pledges:pledge-detail": "404",
    "pledges:pledge-certificate": "404",
    "pledges:pledge-withdraw": "404",
    "pledges:pledge-office": "403",
    "pledges:pledge-remind": "403",
    "pledges:pledge-registry-settings": "405",
    # The self-assessment: the page says they are not asked; nobody else's is theirs.
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
    "records:bundle-list": "403",
    "records:bundle-download": "404",
    "records:retention": "403",
    "records:hold-lift": "405",
    "records:bundle-status": "404",
    # Certification programs: an election worker of a member office may read and enrol.
    "education:program-list": "200",
    "education:program-create": "403",
    "education:program-detail": "200",
    "education:program-edit": "404",
    "education:program-close": "405",
    "education:program-enrol": "405",
    "education:program-leave": "405",
    "education:completion-certificate": "404",
    "education:completion-verify": "200",
    "education:office-programs": "403",
    "education:office-program": "403",
    "education:office-program-csv": "403",
    "education:association-program": "404",
    "education:association-program-csv": "404",
    # Courses, sessions, addenda as the official has them; the official's own self-report,
    # registration and goal are someone else's to an election worker.
    "assessments:assessment-goal-registration": "404",
    "education:calendar-feed": "200",
    "education:calendar-feed-reset": "405",
    "education:course-archive": "405",
    "education:course-create": "403",
    "education:course-detail": "200",
    "education:course-edit": "403",
    "education:course-import": "403",
    "education:course-import-preview": "403",
    "education:course-published": "403",
    "education:home": "200",
    "education:my-training": "200",
    "education:offering-attendance": "403",
    "education:offering-attendance-add": "405",
    "education:offering-attendance-session": "405",
    "education:offering-cancel": "405",
    "education:offering-create": "403",
    "education:offering-edit": "403",
    "education:offering-register": "405",
    "education:office-hours": "403",
    "education:office-hours-csv": "403",
    "education:registration-cancel": "405",
    "education:registration-ics": "404",
    "education:selfreport-create": "200",
    "education:selfreport-decide": "405",
    "education:selfreport-detail": "404",
    "education:selfreport-edit": "404",
    "education:selfreport-evidence": "404",
    "education:selfreport-queue": "403",
    "education:selfreport-reverse": "405",
    "education:selfreport-withdraw": "405",
    "pledges:addendum-association": "404",
    "pledges:addendum-create-association": "404",
    "pledges:addendum-create-office": "403",
    "pledges:addendum-detail": "404",
    "pledges:addendum-edit": "404",
    "pledges:addendum-office": "403",
    "pledges:addendum-publish": "404",
    "pledges:addendum-requirement": "403",
    "signing:attendance-csv": "404",
    "signing:attendance-pdf": "404",
    "signing:conference-create": "404",
    "signing:join": "200",
    "signing:join-code": "302",
    "signing:join-identify": "302",
    "signing:join-sign": "302",
    "signing:kiosk-identify": "405",
    "signing:kiosk-lock": "405",
    "signing:kiosk-reset": "405",
    "signing:kiosk-sign": "403",
    "signing:kiosk-sign-in": "405",
    "signing:kiosk-start": "403",
    "signing:kiosk-unlock": "405",
    "signing:roster": "404",
    "signing:roster-people": "405",
    "signing:roster-remove": "405",
    "signing:session-count": "404",
    "signing:session-create": "403",
    "signing:session-detail": "404",
    "signing:session-list": "403",
    "signing:session-projector": "404",
    # Identity providers and role suggestions: administrators' and managers' pages.
    "sso:provider-list": "403",
    "sso:provider-create": "403",
    "sso:provider-detail": "403",
    "sso:provider-update": "403",
    "sso:provider-remove": "405",
    "sso:suggestions": "403",
    "sso:suggestion-decide": "405",
    # SCIM: the manager's pages; the protocol endpoint answers only a bearer token.
    "sso:scim-settings": "403",
    "sso:scim-pending": "403",
    "sso:scim-token-rotate": "405",
    "sso:scim-pending-confirm": "405",
    "sso:scim-pending-decline": "405",
    "scim-service-provider-config": "401",
    "scim-resource-types": "401",
    "scim-resource-type": "401",
    "scim-schemas": "401",
    "scim-schema": "401",
    "scim-users": "401",
    "scim-user": "401",
    # allauth's addresses for sign-in through a provider, and single logout.
    "openid_connect_login": "200",
    "openid_connect_callback": "401",
    "saml_login": "200",
    "saml_acs": "302",
    "saml_finish_acs": "401",
    "saml_metadata": "200",
    "saml_sls": "400",
    "socialaccount_connections": "200",
    "socialaccount_login_cancelled": "200",
    "socialaccount_login_error": "401",
    "socialaccount_signup": "login",
    "sso:saml-logout": "302",
    "sso:signed-out": "302",
}

# An empty POST from an election worker to a route that must refuse it; "ok" where they
# may post (an empty body then fails validation or does the permitted thing).
ELECTION_WORKER_POST_REFUSED = {
    "accounts:invitation-accept": "403",
    "accounts:invitation-create": "403",
    "accounts:invitation-resend": "404",
    "accounts:invitation-revoke": "404",
    "accounts:membership-update": "403",
    "accounts:membership-deactivate": "403",
    "accounts:roster-upload": "403",
    "accounts:roster-preview": "403",
    "accounts:election-workers-deactivate": "403",
    "accounts:association-invitation-create": "404",
    "accounts:association-office-add": "404",
    "accounts:association-office-create": "404",
    "accounts:association-office-remove": "404",
    "pledges:pledge-withdraw": "404",
    "pledges:pledge-remind": "403",
    "pledges:pledge-registry-settings": "403",
    # Refused with a message, nothing created (see tests/assessments/test_election_workers.py).
    "assessments:assessment-start": "403",
    "assessments:assessment-edit": "404",
    "assessments:assessment-submit": "404",
    "assessments:assessment-copy-previous": "404",
    "assessments:assessment-review": "404",
    "assessments:assessment-reopen": "404",
    "assessments:assessment-reassign": "404",
    "reports:office-report-pdf-prepare": "403",
    "reports:association-report-pdf-prepare": "404",
    "reports:report-file-retry": "404",
    "records:bundle-list": "403",
    "records:retention": "403",
    "records:hold-lift": "403",
    "education:program-create": "403",
    "education:program-edit": "404",
    "education:program-close": "404",
    # Someone else's self-report, registration or goal: not theirs to know of.
    "assessments:assessment-goal-registration": "404",
    "education:course-archive": "403",
    "education:course-create": "403",
    "education:course-edit": "403",
    "education:course-import": "403",
    "education:course-import-preview": "403",
    "education:offering-attendance": "403",
    "education:offering-attendance-add": "403",
    "education:offering-attendance-session": "403",
    "education:offering-cancel": "403",
    "education:offering-create": "403",
    "education:offering-edit": "403",
    "education:selfreport-decide": "404",
    "education:selfreport-edit": "404",
    "education:selfreport-reverse": "404",
    "pledges:addendum-create-association": "404",
    "pledges:addendum-create-office": "403",
    "pledges:addendum-edit": "404",
    "pledges:addendum-publish": "404",
    "pledges:addendum-requirement": "403",
    "signing:conference-create": "404",
    "signing:join-code": "302",
    "signing:join-identify": "302",
    "signing:join-sign": "302",
    "signing:kiosk-identify": "403",
    "signing:kiosk-lock": "404",
    "signing:kiosk-reset": "403",
    "signing:kiosk-sign": "403",
    "signing:kiosk-sign-in": "403",
    "signing:kiosk-unlock": "404",
    "signing:roster": "404",
    "signing:roster-people": "404",
    "signing:roster-remove": "404",
    "signing:session-create": "403",
    "sso:provider-create": "403",
    "sso:provider-update": "403",
    "sso:provider-remove": "403",
    "sso:suggestion-decide": "403",
    "sso:scim-settings": "403",
    "sso:scim-token-rotate": "403",
    "sso:scim-pending-confirm": "403",
    "sso:scim-pending-decline": "403",
    "scim-users": "401",
    "scim-user": "401",
}


@pytest.fixture
def worker_matrix(shared_matrix):
    world, kwargs = shared_matrix
    world.election_worker = MembershipFactory(
        office=world.office, role=Membership.Role.ELECTION_WORKER, reports_to=world.supervisor
    ).user
    return world, kwargs


def test_every_route_has_the_election_workers_answer():
    routes = collected_routes()
    assert routes - ELECTION_WORKER.keys() == set(), "routes without the election worker's answer"
    assert ELECTION_WORKER.keys() - routes == set()
    assert ELECTION_WORKER_POST_REFUSED.keys() <= POST_REFUSED.keys() | {
        "assessments:assessment-start"
    }
    assert ELECTION_WORKER.keys() <= EXPECTED.keys() | routes


@pytest.mark.parametrize(("route", "expected"), sorted(ELECTION_WORKER.items()))
def test_get_as_an_election_worker(client, worker_matrix, route, expected):
    world, kwargs = worker_matrix
    sign_in(client, world, "election_worker")
    assert str(answer(visit(client, kwargs, route))) == expected


@pytest.mark.parametrize(("route", "expected"), sorted(ELECTION_WORKER_POST_REFUSED.items()))
def test_refused_post_as_an_election_worker_changes_nothing(client, worker_matrix, route, expected):
    world, kwargs = worker_matrix
    sign_in(client, world, "election_worker")
    before = snapshot()
    assert str(answer(visit(client, kwargs, route, "post"))) == expected
    assert snapshot() == before
