"""Every named route visited as every role, against a table of expected answers.

The routes are collected from the URL configuration, so a new route without an entry
in EXPECTED fails `test_every_route_has_an_expectation`.
"""

import base64
import copy
import datetime
import functools
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
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
from assessments.models import Assessment, StandardGoal
from education.courses_csv import courses_parse
from education.evidence import check_evidence
from education.models import Completion, Program
from education.services import (
    calendar_feed_reset,
    course_import_create,
    course_publish,
    offering_create,
    registration_create,
    self_report_submit,
)
from education.services import enrol as program_enrol
from pledges.models import Pledge, PledgeWithdrawal, Standard
from pledges.services import addendum_create, pledge_withdraw
from pledges.transparency import checkpoint_publish
from records.models import RecordsBundle
from records.retention import hold_place
from reports.models import ReportFile
from signing.services import session_create as signing_session_create
from sso.models import IdentityProvider, RoleSuggestion, ScimUser

from .conftest import build_world, rolled_back_afterwards
from .factories import CycleFactory, MembershipFactory, load_edition
from .pledges.conftest import META, fresh_login, sign
from .reports.conftest import answered


@functools.cache
def saml_metadata_xml() -> str:
    """An identity provider's SAML metadata with a certificate of its own, made once."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Matrix IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    body = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.gov/saml">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        f'<md:SingleLogoutService Binding="{redirect}" Location="https://idp.example.gov/slo"/>'
        f'<md:SingleSignOnService Binding="{redirect}" Location="https://idp.example.gov/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def world_standard(number: int) -> Standard:
    return Standard.objects.get(edition__code="2024-en", number=number)


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
    return build_matrix(world, cycle)


@pytest.fixture(scope="module")
def matrix_once(django_db_setup, django_db_blocker):
    """The matrix's objects made once per module; a test's changes are rolled back after it."""
    from django.core.cache import cache

    with rolled_back_afterwards(django_db_blocker):
        with django_db_blocker.unblock():
            cache.clear()
            built = build_matrix(build_world(), CycleFactory(name="2026", edition=load_edition()))
        yield built


@pytest.fixture
def shared_matrix(matrix_once, db, _no_throttle):
    """A copy of the once-made matrix, so no test sees another's changes in memory either."""
    return copy.deepcopy(matrix_once)


def build_matrix(world, cycle):
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
    # A goal of the official's, to link a course registration to (docs/education.md).
    goal = StandardGoal.objects.create(
        assessment=assessment, standard=world_standard(2), goal="Take a course on custody."
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
    # A draft of the office's own oath addendum, written by its manager.
    addendum = addendum_create(
        by=world.manager, office=world.office, title="Example oath", text="Text", language="en"
    )
    # A signing session of the official's office, running now.
    signing_session = signing_session_create(
        by=world.manager,
        office=world.office,
        title="Poll worker training",
        place="Room B",
        starts_at=timezone.now() - timezone.timedelta(minutes=5),
        ends_at=timezone.now() + timezone.timedelta(hours=2),
        cycle=cycle,
        audience="staff",
        capacity=40,
    )
    # Certification programs: the association's program, the official enrolled in it, and
    # a period they completed (its certificate).
    program = Program.objects.create(
        association=world.association,
        name="Certified Elections Administrator",
        hours_required=40,
        period_months=24,
        created_by=world.association_admin,
    )
    program_enrol(user=world.official, program=program)
    completion = Completion.objects.create(
        program=program,
        user=world.official,
        period_start=timezone.localdate() - timezone.timedelta(days=800),
        period_end=timezone.localdate() - timezone.timedelta(days=70),
        hours=40,
        code="ABCDEFGHJKLMNPQR",
    )
    # Training the official reported, with a PDF as evidence, waiting for the manager.
    self_report = self_report_submit(
        user=world.official,
        title="Election law update",
        provider="Secretary of State",
        completed_on=timezone.localdate() - timezone.timedelta(days=10),
        hours=3,
        evidence=check_evidence(SimpleUploadedFile("certificate.pdf", _blank_pdf())),
    )
    # Courses: one of the official's office, a date ahead taught by the supervisor, the
    # official registered with a calendar address, and the manager's course file preview.
    course = course_publish(
        by=world.manager,
        office=world.office,
        title="Chain of custody",
        provider="Riverside County Elections",
        format="in_person",
        hours=3,
        standards=[world_standard(2)],
    )
    offering = offering_create(
        course=course,
        by=world.manager,
        starts_at=timezone.now() + timezone.timedelta(days=5),
        ends_at=timezone.now() + timezone.timedelta(days=5, hours=3),
        capacity=10,
        trainer=world.supervisor,
    )
    registration, _created = registration_create(offering=offering, user=world.official)
    feed = calendar_feed_reset(user=world.official)
    course_import = course_import_create(
        owner_filter={"office": world.office},
        uploaded_by=world.manager,
        filename="courses.csv",
        sha256="0" * 64,
        rows=courses_parse(
            b"title,provider,format,hours,standards\nBallot security,Riverside,online,2,4\n"
        ).rows,
    )
    # A person the office's identity provider created, waiting for its manager.
    scim_person = ScimUser.objects.create(
        office=world.office, user_name="scim.person@example.org", state=ScimUser.State.PENDING
    )
    # The office's identity provider (registered by a site administrator), and a role its
    # group claim suggested for the official, waiting for the manager.
    provider = IdentityProvider.objects.create(
        name="Riverside Entra ID",
        slug="riverside-entra",
        protocol="oidc",
        office=world.office,
        server_url="https://login.example.gov",
        client_id="portal",
    )
    # A SAML provider of the office, for allauth's SAML addresses and single logout.
    IdentityProvider.objects.create(
        name="Riverside SAML",
        slug="riverside-saml",
        protocol="saml",
        office=world.office,
        entity_id="https://idp.example.gov/saml",
        metadata_xml=saml_metadata_xml(),
    )
    suggestion = RoleSuggestion.objects.create(
        membership=world.official.active_membership,
        provider=provider,
        role=Membership.Role.SUPERVISOR,
        claim_value="Elections-Supervisors",
    )
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
        "pledges:addendum-association": {"association_id": association},
        "pledges:addendum-create-association": {"association_id": association},
        "pledges:addendum-detail": {"pk": addendum.pk},
        "pledges:addendum-edit": {"pk": addendum.pk},
        "pledges:addendum-publish": {"pk": addendum.pk},
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
        "signing:conference-create": {"association_id": association},
    }
    for name in (
        "session-detail",
        "session-projector",
        "session-count",
        "roster",
        "roster-people",
        "roster-remove",
        "attendance-csv",
        "attendance-pdf",
        "kiosk-unlock",
        "kiosk-lock",
    ):
        kwargs[f"signing:{name}"] = {"pk": signing_session.pk}
    for name in ("join", "join-identify", "join-code", "join-sign"):
        kwargs[f"signing:{name}"] = {"token": signing_session.join_token}
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
    kwargs["assessments:assessment-goal-registration"] = {
        "pk": assessment.pk,
        "standard": goal.standard_id,
    }
    for name in ("detail", "edit", "close", "enrol", "leave"):
        kwargs[f"education:program-{name}"] = {"pk": program.pk}
    kwargs["education:completion-certificate"] = {"pk": completion.pk}
    kwargs["education:completion-verify"] = {"code": completion.code}
    for name in ("office-program", "office-program-csv"):
        kwargs[f"education:{name}"] = {"program_id": program.pk}
    for name in ("association-program", "association-program-csv"):
        kwargs[f"education:{name}"] = {"association_id": association, "program_id": program.pk}
    for name in ("detail", "evidence", "edit", "withdraw", "decide", "reverse"):
        kwargs[f"education:selfreport-{name}"] = {"pk": self_report.pk}
    for name in ("detail", "edit", "archive"):
        kwargs[f"education:course-{name}"] = {"pk": course.pk}
    kwargs["education:offering-create"] = {"pk": course.pk}
    for name in (
        "edit",
        "cancel",
        "register",
        "attendance",
        "attendance-add",
        "attendance-session",
    ):
        kwargs[f"education:offering-{name}"] = {"pk": offering.pk}
    for name in ("cancel", "ics"):
        kwargs[f"education:registration-{name}"] = {"pk": registration.pk}
    kwargs["education:calendar-feed"] = {"token": feed.token}
    kwargs["education:course-import-preview"] = {"pk": course_import.pk}
    kwargs["sso:scim-pending-confirm"] = {"pk": scim_person.pk}
    kwargs["sso:scim-pending-decline"] = {"pk": scim_person.pk}
    kwargs["scim-resource-type"] = {"name": "User"}
    kwargs["scim-schema"] = {"schema_id": "urn:ietf:params:scim:schemas:core:2.0:User"}
    kwargs["scim-user"] = {"pk": str(scim_person.pk)}
    for name in ("provider-detail", "provider-update", "provider-remove"):
        kwargs[f"sso:{name}"] = {"pk": provider.pk}
    kwargs["sso:suggestion-decide"] = {"pk": suggestion.pk}
    for name in ("openid_connect_login", "openid_connect_callback"):
        kwargs[name] = {"provider_id": provider.slug}
    for name in ("saml_login", "saml_acs", "saml_finish_acs", "saml_metadata", "saml_sls"):
        kwargs[name] = {"organization_slug": "riverside-saml"}
    kwargs["sso:saml-logout"] = {"slug": "riverside-saml"}
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


def _blank_pdf() -> bytes:
    """A whole one-page PDF, as evidence that every reader of downloads can open."""
    from pypdf import PdfWriter

    writer, buffer = PdfWriter(), io.BytesIO()
    writer.add_blank_page(612, 792)
    writer.write(buffer)
    return buffer.getvalue()


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

SCIM_401 = "401 401 401 401 401 401 401 401 401 401"

EXPECTED = {
    # SCIM provisioning: the office manager's pages; the protocol endpoint answers only
    # the office's bearer token, never a signed-in session (401 for everyone).
    "sso:scim-settings": "login 403 403 403 403 200 200 403 403 403",
    "sso:scim-pending": "login 403 403 403 403 200 200 403 403 403",
    "sso:scim-token-rotate": POST_ONLY,
    "sso:scim-pending-confirm": POST_ONLY,
    "sso:scim-pending-decline": POST_ONLY,
    "scim-service-provider-config": SCIM_401,
    "scim-resource-types": SCIM_401,
    "scim-resource-type": SCIM_401,
    "scim-schemas": SCIM_401,
    "scim-schema": SCIM_401,
    "scim-users": SCIM_401,
    "scim-user": SCIM_401,
    # Identity providers: a site administrator registers and changes them (an association's
    # administrators theirs: not a column here); the office's manager reads the office's;
    # another office's manager 404; everyone else 403. Role suggestions: the office's
    # manager and site administrators decide them.
    "sso:provider-list": "login 403 403 403 403 200 200 403 403 200",
    "sso:provider-create": "login 403 403 403 403 403 403 403 403 200",
    "sso:provider-detail": "login 403 403 403 403 404 200 403 403 200",
    "sso:provider-update": "login 403 403 403 403 404 403 403 403 200",
    "sso:provider-remove": POST_ONLY,
    "sso:suggestions": "login 403 403 403 403 200 200 403 403 200",
    "sso:suggestion-decide": POST_ONLY,
    # allauth's addresses for each provider, public by nature (the provider's browser
    # round trip): the confirmation before leaving for the provider; a callback, ACS or
    # logout answer without the state of a sign-in started here is refused (401/400) or
    # sent on (302); the SAML metadata the provider's administrator reads.
    "openid_connect_login": "200 200 200 200 200 200 200 200 200 200",
    "openid_connect_callback": "401 401 401 401 401 401 401 401 401 401",
    "saml_login": "200 200 200 200 200 200 200 200 200 200",
    "saml_acs": "302 302 302 302 302 302 302 302 302 302",
    "saml_finish_acs": "401 401 401 401 401 401 401 401 401 401",
    "saml_metadata": "200 200 200 200 200 200 200 200 200 200",
    "saml_sls": "400 400 400 400 400 400 400 400 400 400",
    # allauth's pages around a sign-in through a provider; the list of one's own links.
    "socialaccount_connections": "login 200 200 200 200 200 200 200 200 200",
    "socialaccount_login_cancelled": "200 200 200 200 200 200 200 200 200 200",
    "socialaccount_login_error": "login 401 401 401 401 401 401 401 401 401",
    "socialaccount_signup": "login login login login login login login login login login",
    # After the portal's sign-out: on to the provider's single logout, or home (302).
    "sso:saml-logout": "302 302 302 302 302 302 302 302 302 302",
    "sso:signed-out": "302 302 302 302 302 302 302 302 302 302",
    # Public pages.
    "home": "200 200 200 200 200 200 200 200 200 200",
    "standards": "200 200 200 200 200 200 200 200 200 200",
    "healthz": "200 200 200 200 200 200 200 200 200 200",
    # Signing in through one's organisation: public, like the sign-in page.
    "sso:signin": "200 200 200 200 200 200 200 200 200 200",
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
    # Each manager's own office's election workers (another office's manager sees theirs).
    "accounts:election-workers-deactivate": "login 403 403 403 403 200 200 403 403 403",
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
    # Oath addenda: an office's, its manager's (anyone else 403 for the office's pages, 404
    # for one of its versions); an association's, its administrators' (its analysts 403).
    "pledges:addendum-office": "login 403 403 403 403 200 200 403 403 403",
    "pledges:addendum-create-office": "login 403 403 403 403 200 200 403 403 403",
    "pledges:addendum-requirement": "login 403 403 403 403 200 200 403 403 403",
    "pledges:addendum-association": "login 404 404 404 404 404 404 404 403 404",
    "pledges:addendum-create-association": "login 404 404 404 404 404 404 404 403 404",
    "pledges:addendum-detail": "login 404 404 404 404 404 200 404 404 404",
    "pledges:addendum-edit": "login 404 404 404 404 404 200 404 404 404",
    "pledges:addendum-publish": "login 404 404 404 404 404 200 404 404 404",
    # Assessments: the official, their reviewer (the supervisor) and the office's manager;
    # a submitted assessment is no longer editable, so the official is sent to read it.
    "assessments:assessment-mine": "login 200 302 200 200 200 200 200 200 200",
    "assessments:assessment-start": POST_ONLY,
    "assessments:team-list": "login 200 200 200 200 200 200 200 200 200",
    "assessments:office-list": "login 403 403 403 403 200 200 403 403 403",
    "assessments:assessment-detail": "login 404 200 404 200 404 200 404 404 404",
    "assessments:assessment-results": "login 404 200 404 200 404 200 404 404 404",
    "assessments:assessment-results-pdf": "login 404 200 404 200 404 200 404 404 404",
    # Only the person links a course registration to their own goal.
    "assessments:assessment-goal-registration": "login 404 200 404 403 404 403 404 404 404",
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
    # Signing sessions: an office's are run by its manager (its records officer reads the
    # attendance); a conference's by the association's administrators; anyone else 404.
    "signing:session-list": "login 403 403 403 403 200 200 403 403 403",
    "signing:session-create": "login 403 403 403 403 200 200 403 403 403",
    "signing:conference-create": "login 404 404 404 404 404 404 404 403 404",
    "signing:session-detail": "login 404 404 404 404 404 200 404 404 404",
    "signing:session-projector": "login 404 404 404 404 404 200 404 404 404",
    "signing:session-count": "login 404 404 404 404 404 200 404 404 404",
    "signing:roster": "login 404 404 404 404 404 200 404 404 404",
    "signing:roster-people": POST_ONLY,
    "signing:roster-remove": POST_ONLY,
    "signing:attendance-csv": "login 404 404 404 404 404 200 404 404 404",
    "signing:attendance-pdf": "login 404 404 404 404 404 200 404 404 404",
    "signing:kiosk-unlock": POST_ONLY,
    "signing:kiosk-lock": POST_ONLY,
    # Joining is by the link, public; the roster's pages are for people not signed in,
    # the code page for those who asked for a code, the pledge page for those who joined.
    "signing:join": "200 200 200 200 200 200 200 200 200 200",
    "signing:join-identify": "200 302 302 302 302 302 302 302 302 302",
    "signing:join-code": "302 302 302 302 302 302 302 302 302 302",
    "signing:join-sign": "login 302 302 302 302 302 302 302 302 302",
    # The kiosk answers only on a device a manager unlocked (its own cookie): 403 elsewhere.
    "signing:kiosk-start": "403 403 403 403 403 403 403 403 403 403",
    "signing:kiosk-sign": "403 403 403 403 403 403 403 403 403 403",
    "signing:kiosk-identify": "405 405 405 405 405 405 405 405 405 405",
    "signing:kiosk-sign-in": "405 405 405 405 405 405 405 405 405 405",
    "signing:kiosk-reset": "405 405 405 405 405 405 405 405 405 405",
    # Certification programs: anyone signed in lists them; the association's administrators
    # define and change them (its analysts 403); the people of member offices, and the
    # association's readers, read one (anyone else 404) and its staff enrol.
    "education:program-list": "login 200 200 200 200 200 200 200 200 200",
    "education:program-create": "login 403 403 403 403 403 403 403 403 403",
    "education:program-detail": "login 404 200 200 200 404 200 404 200 404",
    "education:program-edit": "login 404 404 404 404 404 404 404 403 404",
    "education:program-close": POST_ONLY,
    "education:program-enrol": POST_ONLY,
    "education:program-leave": POST_ONLY,
    # A certificate of completion: the person and their office's manager; checked by anyone.
    "education:completion-certificate": "login 404 200 404 404 404 200 404 404 404",
    "education:completion-verify": "200 200 200 200 200 200 200 200 200 200",
    # The office's standing in programs: its manager (staff 403, another office 404).
    "education:office-programs": "login 403 403 403 403 200 200 403 403 403",
    "education:office-program": "login 403 403 403 403 404 200 403 403 403",
    "education:office-program-csv": "login 403 403 403 403 404 200 403 403 403",
    # Aggregate progress across member offices: the association's analysts and administrators.
    "education:association-program": "login 404 404 404 404 404 404 404 200 404",
    "education:association-program-csv": "login 404 404 404 404 404 404 404 200 404",
    # Self-reported training (the official's, waiting): "my training" is everyone's own;
    # anyone with an office reports; the report is read by its author and the managers of
    # its office (anyone else 404), corrected only once returned (a waiting one sends its
    # author to read it), decided by a manager of the office (its author 403).
    "education:my-training": "login 200 200 200 200 200 200 200 200 200",
    "education:selfreport-create": "login 200 200 200 200 200 200 403 403 403",
    "education:selfreport-detail": "login 404 200 404 404 404 200 404 404 404",
    "education:selfreport-evidence": "login 404 200 404 404 404 200 404 404 404",
    "education:selfreport-edit": "login 404 302 404 404 404 403 404 404 404",
    "education:selfreport-withdraw": POST_ONLY,
    "education:selfreport-decide": POST_ONLY,
    "education:selfreport-reverse": POST_ONLY,
    # The approvals queue and hours per person: an office's manager, for their own office.
    "education:selfreport-queue": "login 403 403 403 403 200 200 403 403 403",
    "education:office-hours": "login 403 403 403 403 200 200 403 403 403",
    "education:office-hours-csv": "login 403 403 403 403 200 200 403 403 403",
    # Courses (education): the catalogue for everyone signed in; a course of the
    # official's office for its staff, changed by its manager (403 for its staff, 404
    # outside); attendance by the date's trainer (the supervisor) and the manager; a
    # registration and its .ics for the person only; the calendar feed by its token.
    "education:home": "login 200 200 200 200 200 200 200 200 200",
    "education:course-published": "login 403 403 403 403 200 200 403 403 403",
    "education:course-create": "login 403 403 403 403 200 200 403 403 403",
    "education:course-import": "login 403 403 403 403 200 200 403 403 403",
    "education:course-import-preview": "login 403 403 403 403 404 200 403 403 403",
    "education:course-detail": "login 404 200 200 200 404 200 404 404 404",
    "education:course-edit": "login 404 403 403 403 404 200 404 404 404",
    "education:course-archive": POST_ONLY,
    "education:offering-create": "login 404 403 403 403 404 200 404 404 404",
    "education:offering-edit": "login 404 403 403 403 404 200 404 404 404",
    "education:offering-cancel": POST_ONLY,
    "education:offering-register": POST_ONLY,
    "education:offering-attendance": "login 404 403 403 200 404 200 404 404 404",
    "education:offering-attendance-add": POST_ONLY,
    "education:offering-attendance-session": POST_ONLY,
    "education:registration-cancel": POST_ONLY,
    "education:registration-ics": "login 404 200 404 404 404 404 404 404 404",
    "education:calendar-feed-reset": POST_ONLY,
    "education:calendar-feed": "200 200 200 200 200 200 200 200 200 200",
}

# An empty POST from each role that must be refused; "ok" marks those allowed to post
# (an empty body then fails validation or does the permitted thing: not checked here).
POST_REFUSED = {
    "sso:scim-settings": "login 403 403 403 403 ok ok 403 403 403",
    "sso:scim-token-rotate": "login 403 403 403 403 ok ok 403 403 403",
    "sso:scim-pending-confirm": "login 403 403 403 403 404 ok 403 403 403",
    "sso:scim-pending-decline": "login 403 403 403 403 404 ok 403 403 403",
    "scim-users": SCIM_401,
    "scim-user": SCIM_401,
    "sso:provider-create": "login 403 403 403 403 403 403 403 403 ok",
    "sso:provider-update": "login 403 403 403 403 404 403 403 403 ok",
    "sso:provider-remove": "login 403 403 403 403 404 403 403 403 ok",
    "sso:suggestion-decide": "login 403 403 403 403 404 ok 403 403 ok",
    "accounts:invitation-accept": "ok 403 403 403 403 403 403 403 403 403",
    "help:welcome-dismiss": "login ok ok ok ok ok ok ok ok ok",
    "accounts:my-confidential": "login ok ok ok ok ok ok ok ok ok",
    "accounts:invitation-create": "login 403 403 403 403 ok ok 403 403 403",
    "accounts:invitation-resend": "login 404 404 404 404 404 ok 404 404 404",
    "accounts:invitation-revoke": "login 404 404 404 404 404 ok 404 404 404",
    "accounts:membership-update": "login 403 403 403 403 404 ok 403 403 403",
    "accounts:membership-deactivate": "login 403 403 403 403 404 ok 403 403 403",
    "accounts:roster-upload": "login 403 403 403 403 ok ok 403 403 403",
    "accounts:election-workers-deactivate": "login 403 403 403 403 ok ok 403 403 403",
    "accounts:roster-preview": "login 403 403 403 403 404 ok 403 403 403",
    "accounts:association-invitation-create": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-add": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-create": "login 404 404 404 404 404 404 404 403 404",
    "accounts:association-office-remove": "login 404 404 404 404 404 404 404 403 404",
    "pledges:pledge-sign": "login ok ok ok ok ok ok 403 403 403",
    "pledges:pledge-withdraw": "login 404 ok 404 404 404 403 404 404 404",
    "pledges:pledge-remind": "login 403 403 403 403 ok ok 403 403 403",
    "pledges:pledge-registry-settings": "login 403 403 403 403 ok ok 403 403 403",
    "pledges:addendum-create-office": "login 403 403 403 403 ok ok 403 403 403",
    "pledges:addendum-requirement": "login 403 403 403 403 ok ok 403 403 403",
    "pledges:addendum-create-association": "login 404 404 404 404 404 404 404 403 404",
    "pledges:addendum-edit": "login 404 404 404 404 404 ok 404 404 404",
    "pledges:addendum-publish": "login 404 404 404 404 404 ok 404 404 404",
    "assessments:assessment-start": "login ok ok ok ok ok ok 403 403 403",
    "assessments:assessment-edit": "login 404 ok 404 403 404 403 404 404 404",
    "assessments:assessment-submit": "login 404 ok 404 403 404 403 404 404 404",
    "assessments:assessment-copy-previous": "login 404 ok 404 403 404 403 404 404 404",
    "assessments:assessment-goal-registration": "login 404 ok 404 403 404 403 404 404 404",
    "assessments:assessment-review": "login 404 403 404 ok 404 403 404 404 404",
    "assessments:assessment-reopen": "login 404 403 404 403 404 ok 404 404 404",
    "assessments:assessment-reassign": "login 404 403 404 403 404 ok 404 404 404",
    "reports:office-report-pdf-prepare": "login 404 403 ok ok 404 ok 404 404 404",
    "reports:association-report-pdf-prepare": "login 404 404 404 404 404 404 404 ok 404",
    "reports:report-file-retry": "login 404 404 404 404 404 ok 404 404 404",
    "records:bundle-list": "login 404 403 403 403 404 ok 404 404 404",
    "records:retention": "login 404 403 403 403 404 ok 404 404 404",
    "records:hold-lift": "login 404 403 403 403 404 ok 404 404 404",
    "signing:session-create": "login 403 403 403 403 ok ok 403 403 403",
    "signing:conference-create": "login 404 404 404 404 404 404 404 403 404",
    "signing:roster": "login 404 404 404 404 404 ok 404 404 404",
    "signing:roster-people": "login 404 404 404 404 404 ok 404 404 404",
    "signing:roster-remove": "login 404 404 404 404 404 ok 404 404 404",
    "signing:kiosk-unlock": "login 404 404 404 404 404 ok 404 404 404",
    "signing:kiosk-lock": "login 404 404 404 404 404 ok 404 404 404",
    # Only people of the office (or on its roster) join an office's session.
    "signing:join": "login 403 ok ok ok 403 ok 403 403 403",
    "signing:join-identify": "ok 302 302 302 302 302 302 302 302 302",
    "signing:join-code": "302 302 302 302 302 302 302 302 302 302",
    "signing:join-sign": "login 302 302 302 302 302 302 302 302 302",
    "signing:kiosk-identify": "403 403 403 403 403 403 403 403 403 403",
    "signing:kiosk-sign-in": "403 403 403 403 403 403 403 403 403 403",
    "signing:kiosk-sign": "403 403 403 403 403 403 403 403 403 403",
    "signing:kiosk-reset": "403 403 403 403 403 403 403 403 403 403",
    "education:program-create": "login 403 403 403 403 403 403 403 403 403",
    "education:program-edit": "login 404 404 404 404 404 404 404 403 404",
    "education:program-close": "login 404 404 404 404 404 404 404 403 404",
    "education:program-enrol": "login 404 ok ok ok 404 ok 404 403 404",
    "education:program-leave": "login 404 ok ok ok 404 ok 404 403 404",
    "education:selfreport-create": "login ok ok ok ok ok ok 403 403 403",
    # A waiting report cannot be corrected: its author gets 409, the page as it is now.
    "education:selfreport-edit": "login 404 409 404 404 404 403 404 404 404",
    "education:selfreport-withdraw": "login 404 ok 404 404 404 403 404 404 404",
    "education:selfreport-decide": "login 404 403 404 404 404 ok 404 404 404",
    "education:selfreport-reverse": "login 404 403 404 404 404 ok 404 404 404",
    "education:course-create": "login 403 403 403 403 ok ok 403 403 403",
    "education:course-import": "login 403 403 403 403 ok ok 403 403 403",
    "education:course-import-preview": "login 403 403 403 403 404 ok 403 403 403",
    "education:course-edit": "login 404 403 403 403 404 ok 404 404 404",
    "education:course-archive": "login 404 403 403 403 404 ok 404 404 404",
    "education:offering-create": "login 404 403 403 403 404 ok 404 404 404",
    "education:offering-edit": "login 404 403 403 403 404 ok 404 404 404",
    "education:offering-cancel": "login 404 403 403 403 404 ok 404 404 404",
    "education:offering-register": "login 404 ok ok ok 404 ok 404 404 404",
    "education:offering-attendance": "login 404 403 403 ok 404 ok 404 404 404",
    "education:offering-attendance-add": "login 404 403 403 ok 404 ok 404 404 404",
    "education:offering-attendance-session": "login 404 403 403 ok 404 ok 404 404 404",
    "education:registration-cancel": "login 404 ok 404 404 404 404 404 404 404",
    "education:calendar-feed-reset": "login ok ok ok ok ok ok 403 403 403",
}

# The records officer of the official's office: one more column, kept as its own table.
# They read the office's records (pledges, the audit log, bundles) and act on nobody.
RECORDS_OFFICER = {
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
    "sso:provider-list": "403",
    "sso:provider-create": "403",
    "sso:provider-detail": "403",
    "sso:provider-update": "403",
    "sso:provider-remove": "405",
    "sso:suggestions": "403",
    "sso:suggestion-decide": "405",
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
    "pledges:addendum-office": "403",
    "pledges:addendum-create-office": "403",
    "pledges:addendum-requirement": "403",
    "pledges:addendum-association": "404",
    "pledges:addendum-create-association": "404",
    "pledges:addendum-detail": "404",
    "pledges:addendum-edit": "404",
    "pledges:addendum-publish": "404",
    "assessments:assessment-mine": "200",
    "assessments:assessment-start": "405",
    "assessments:team-list": "200",
    "assessments:office-list": "403",
    "assessments:assessment-detail": "404",
    "assessments:assessment-results": "404",
    "assessments:assessment-results-pdf": "404",
    "assessments:assessment-goal-registration": "404",
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
    "signing:session-list": "200",
    "signing:session-create": "403",
    "signing:conference-create": "404",
    "signing:session-detail": "403",
    "signing:session-projector": "403",
    "signing:session-count": "403",
    "signing:roster": "403",
    "signing:roster-people": "405",
    "signing:roster-remove": "405",
    "signing:attendance-csv": "200",
    "signing:attendance-pdf": "200",
    "signing:kiosk-unlock": "405",
    "signing:kiosk-lock": "405",
    "signing:join": "200",
    "signing:join-identify": "302",
    "signing:join-code": "302",
    "signing:join-sign": "302",
    "signing:kiosk-start": "403",
    "signing:kiosk-sign": "403",
    "signing:kiosk-identify": "405",
    "signing:kiosk-sign-in": "405",
    "signing:kiosk-reset": "405",
    "education:program-list": "200",
    "education:program-create": "403",
    "education:program-detail": "200",
    "education:program-edit": "404",
    "education:program-close": "405",
    "education:program-enrol": "405",
    "education:program-leave": "405",
    "education:completion-certificate": "200",
    "education:completion-verify": "200",
    "education:office-programs": "403",
    "education:office-program": "403",
    "education:office-program-csv": "403",
    "education:association-program": "404",
    "education:association-program-csv": "404",
    "education:my-training": "200",
    "education:selfreport-create": "200",
    "education:selfreport-detail": "404",
    "education:selfreport-evidence": "404",
    "education:selfreport-edit": "404",
    "education:selfreport-withdraw": "405",
    "education:selfreport-decide": "405",
    "education:selfreport-reverse": "405",
    "education:selfreport-queue": "403",
    "education:office-hours": "403",
    "education:office-hours-csv": "403",
    "education:home": "200",
    "education:course-published": "403",
    "education:course-create": "403",
    "education:course-import": "403",
    "education:course-import-preview": "403",
    "education:course-detail": "200",
    "education:course-edit": "403",
    "education:course-archive": "405",
    "education:offering-create": "403",
    "education:offering-edit": "403",
    "education:offering-cancel": "405",
    "education:offering-register": "405",
    "education:offering-attendance": "403",
    "education:offering-attendance-add": "405",
    "education:offering-attendance-session": "405",
    "education:registration-cancel": "405",
    "education:registration-ics": "404",
    "education:calendar-feed-reset": "405",
    "education:calendar-feed": "200",
}

RECORDS_OFFICER_POST_REFUSED = {
    "sso:scim-settings": "403",
    "sso:scim-token-rotate": "403",
    "sso:scim-pending-confirm": "403",
    "sso:scim-pending-decline": "403",
    "scim-users": "401",
    "scim-user": "401",
    "sso:provider-create": "403",
    "sso:provider-update": "403",
    "sso:provider-remove": "403",
    "sso:suggestion-decide": "403",
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
    "pledges:pledge-withdraw": "403",
    "pledges:pledge-remind": "403",
    "pledges:pledge-registry-settings": "403",
    "pledges:addendum-create-office": "403",
    "pledges:addendum-requirement": "403",
    "pledges:addendum-create-association": "404",
    "pledges:addendum-edit": "404",
    "pledges:addendum-publish": "404",
    "assessments:assessment-edit": "404",
    "assessments:assessment-submit": "404",
    "assessments:assessment-copy-previous": "404",
    "assessments:assessment-goal-registration": "404",
    "assessments:assessment-review": "404",
    "assessments:assessment-reopen": "404",
    "assessments:assessment-reassign": "404",
    "reports:office-report-pdf-prepare": "403",
    "reports:association-report-pdf-prepare": "404",
    "reports:report-file-retry": "404",
    "signing:session-create": "403",
    "signing:conference-create": "404",
    "signing:roster": "403",
    "signing:roster-people": "403",
    "signing:roster-remove": "403",
    "signing:kiosk-unlock": "403",
    "signing:kiosk-lock": "403",
    "signing:kiosk-identify": "403",
    "signing:kiosk-sign-in": "403",
    "signing:kiosk-reset": "403",
    "education:program-create": "403",
    "education:program-edit": "404",
    "education:program-close": "404",
    "education:selfreport-edit": "404",
    "education:selfreport-withdraw": "404",
    "education:selfreport-decide": "404",
    "education:selfreport-reverse": "404",
    "education:course-create": "403",
    "education:course-import": "403",
    "education:course-import-preview": "403",
    "education:course-edit": "403",
    "education:course-archive": "403",
    "education:offering-create": "403",
    "education:offering-edit": "403",
    "education:offering-cancel": "403",
    "education:offering-attendance": "403",
    "education:offering-attendance-add": "403",
    "education:offering-attendance-session": "403",
    "education:registration-cancel": "404",
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
def test_get(client, shared_matrix, route, role, expected):
    world, kwargs = shared_matrix
    sign_in(client, world, role)
    assert str(answer(visit(client, kwargs, route))) == expected


@pytest.mark.parametrize(
    ("route", "role", "expected"), _cases(POST_REFUSED, RECORDS_OFFICER_POST_REFUSED)
)
def test_refused_post_changes_nothing(client, shared_matrix, route, role, expected):
    world, kwargs = shared_matrix
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
def test_gone(client, shared_matrix, route, role, expected):
    world, kwargs = shared_matrix
    pledge = Pledge.objects.get()
    pledge_withdraw(pledge=pledge, by=world.official, reason="Left", request_meta=META)
    Invitation.objects.update(revoked_at=timezone.now())
    sign_in(client, world, role)
    assert str(answer(visit(client, kwargs, route))) == expected
