"""Every route: who may really use it, the query parameters and POST fields it reads.

`test_routes.py` checks this table against the URL configuration, so a new route, a new
path parameter or a route that starts taking POSTs fails until it is described here.
"""

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from ..test_url_matrix import SKIPPED_NAMES, SKIPPED_NAMESPACES, SKIPPED_PREFIXES

# allauth's own single sign-on views, left out as its account_ views are: a POST to them
# starts a round trip to an identity provider. The portal's guards in front of them and
# every refusal are tested against real providers in tests/sso.
THIRD_PARTY_PREFIXES = ("openid_connect_", "saml_", "socialaccount_")


@dataclass(frozen=True)
class Route:
    role: str  # who may really use it (a World attribute, or "anonymous")
    path: tuple[str, ...] = ()  # the path parameters, as the URL pattern names them
    query: tuple[str, ...] = ()  # query-string parameters the view reads
    fields: tuple[str, ...] | None = None  # POST fields; None: the route refuses POST
    state: str = ""  # the assessment's state the route needs, if not "submitted"
    examples: int = 8
    files: tuple[str, ...] = field(default=())


ASSESSMENT = ("pk",)
REPORT = ("cycle", "team")
AUDIT = ("action", "start", "end", "page")
LIST = ("q", "role", "state", "page")  # every list of people (core.listing)
PROGRAM_FIELDS = (
    "name",
    "description",
    "hours_required",
    "period_months",
    "required_courses",
    "required_standards",
)
# Items and goals are added to these from the edition (see `assessment_fields`).
EDIT = ("version", "action")
REVIEW = ("decision", "note")
COURSE = (
    "owner",
    "title",
    "provider",
    "format",
    "hours",
    "ceus",
    "description",
    "standards",
    "items",
)
OFFERING = ("starts_at", "ends_at", "place", "capacity", "trainer")
SELF_REPORT = ("title", "provider", "completed_on", "hours", "standards", "evidence")
PROVIDER = (
    "name", "slug", "owner", "protocol", "enabled", "server_url", "client_id", "secret",
    "secret_env", "email_verified_claim", "metadata_url", "metadata_xml", "entity_id",
    "domains", "trust_mfa", "mfa_values", "role_claim", "role_map",
)  # fmt: skip

ROUTES = {
    "home": Route("official"),
    "standards": Route("anonymous"),
    "healthz": Route("anonymous"),
    "sso:signin": Route("anonymous", query=("next",), fields=("email",), examples=25),
    "dev-outbox": Route("anonymous"),
    "dev-outbox-message": Route("anonymous", path=("name",)),
    "set_language": Route("anonymous", fields=("language", "next"), examples=25),
    "help:help-index": Route("anonymous"),
    "help:help-pledge": Route("anonymous"),
    "help:help-rating-scale": Route("anonymous"),
    "help:help-review": Route("anonymous"),
    "help:help-privacy": Route("anonymous"),
    "help:help-accessibility": Route("anonymous"),
    "help:welcome-dismiss": Route("official", fields=()),
    "pledge-verify-code": Route("anonymous", path=("code",), examples=25),
    "pledges:pledge-verify": Route("anonymous", query=("code",), examples=25),
    "pledges:registry-list": Route("anonymous"),
    "pledges:registry-detail": Route("anonymous", path=("office_id",)),
    "log:log-home": Route("anonymous"),
    "log:log-checkpoint": Route("anonymous"),
    "log:log-leaves": Route("anonymous", query=("start", "end"), examples=25),
    "log:log-inclusion-proof": Route(
        "anonymous", path=("code",), query=("tree_size",), examples=25
    ),
    "log:log-consistency-proof": Route("anonymous", query=("first", "second"), examples=25),
    "accounts:invitation-accept": Route(
        "anonymous", path=("token",), fields=("full_name", "password1", "password2"), examples=25
    ),
    "accounts:my-account": Route("official"),
    "accounts:my-confidential": Route("official", fields=("is_confidential",)),
    "accounts:my-data": Route("official"),
    "accounts:my-data-download": Route("official", path=("kind",), examples=6),
    "accounts:people-list": Route("manager", query=LIST, examples=25),
    "accounts:invitation-create": Route(
        "manager", fields=("full_name", "email", "role", "reports_to"), examples=25
    ),
    "accounts:invitation-list": Route("manager"),
    "accounts:invitation-resend": Route("manager", path=("pk",), fields=()),
    "accounts:invitation-revoke": Route("manager", path=("pk",), fields=()),
    "accounts:membership-update": Route(
        "manager", path=("pk",), fields=("role", "reports_to", "is_confidential"), examples=25
    ),
    "accounts:membership-deactivate": Route("manager", path=("pk",), fields=()),
    "accounts:roster-upload": Route("manager", fields=("file",), files=("file",)),
    "accounts:roster-preview": Route("manager", path=("pk",), fields=()),
    "accounts:election-workers-deactivate": Route(
        "manager", query=("q", "page"), fields=("expected", "chosen"), examples=25
    ),
    "accounts:audit-log": Route("manager", query=AUDIT, examples=25),
    "accounts:audit-log-csv": Route("site_admin", query=AUDIT, examples=25),
    "accounts:association-detail": Route("association_admin", path=("pk",)),
    "accounts:association-invitation-create": Route(
        "association_admin", path=("pk",), fields=("full_name", "email", "role"), examples=25
    ),
    "accounts:association-office-add": Route(
        "association_admin", path=("pk",), query=("q",), fields=("office",), examples=25
    ),
    "accounts:association-office-create": Route(
        "association_admin",
        path=("pk",),
        fields=("name", "state", "kind", "manager_name", "manager_email"),
        examples=25,
    ),
    "accounts:association-office-remove": Route(
        "association_admin", path=("pk",), fields=("office",)
    ),
    "pledges:pledge-list": Route("official"),
    "pledges:pledge-sign": Route(
        "colleague",
        fields=(
            "consent",
            "typed_name",
            "name_confirmed",
            "list_publicly",
            "text_sha256",
            "addendum_sha256",
        ),
        examples=25,
    ),
    "pledges:pledge-detail": Route("official", path=("pk",)),
    "pledges:pledge-certificate": Route("official", path=("pk",), examples=4),
    "pledges:pledge-withdraw": Route("official", path=("pk",), fields=("reason",), examples=25),
    "pledges:pledge-office": Route("manager", query=LIST, examples=25),
    "pledges:pledge-remind": Route("manager", fields=()),
    "pledges:pledge-registry-settings": Route("manager", fields=("publishes_registry",)),
    "pledges:addendum-office": Route("manager", query=("page",)),
    "pledges:addendum-create-office": Route(
        "manager", fields=("title", "text", "language"), examples=25
    ),
    "pledges:addendum-requirement": Route("manager", fields=("requirement",)),
    "pledges:addendum-association": Route(
        "association_admin", path=("association_id",), query=("page",)
    ),
    "pledges:addendum-create-association": Route(
        "association_admin", path=("association_id",), fields=("title", "text", "language")
    ),
    "pledges:addendum-detail": Route("manager", path=("pk",)),
    "pledges:addendum-edit": Route(
        "manager", path=("pk",), fields=("title", "text", "language", "revision"), examples=25
    ),
    "pledges:addendum-publish": Route("manager", path=("pk",), fields=("revision",)),
    "assessments:assessment-mine": Route("colleague"),
    "assessments:assessment-start": Route("colleague", fields=("copy_previous",)),
    "assessments:team-list": Route("supervisor", query=LIST, examples=25),
    "assessments:office-list": Route("manager", query=LIST, examples=25),
    "assessments:assessment-detail": Route("official", path=ASSESSMENT),
    "assessments:assessment-edit": Route(
        "official", path=ASSESSMENT, fields=EDIT, state="draft", examples=30
    ),
    "assessments:assessment-submit": Route(
        "official", path=ASSESSMENT, fields=("note",), state="draft", examples=20
    ),
    "assessments:assessment-copy-previous": Route(
        "official", path=ASSESSMENT, fields=("version",), state="draft"
    ),
    "assessments:assessment-results": Route("official", path=ASSESSMENT),
    "assessments:assessment-results-pdf": Route("official", path=ASSESSMENT, examples=3),
    "assessments:assessment-goal-registration": Route(
        "official", path=("pk", "standard"), fields=("registration",)
    ),
    "assessments:assessment-review": Route(
        "supervisor", path=ASSESSMENT, fields=REVIEW, examples=30
    ),
    "assessments:assessment-reopen": Route("manager", path=ASSESSMENT, fields=("note",)),
    "assessments:assessment-reassign": Route("manager", path=ASSESSMENT, fields=("reviewer",)),
    "reports:office-report-home": Route("manager"),
    "reports:office-report": Route("manager", path=("office_id",), query=REPORT, examples=25),
    "reports:office-report-pdf": Route("manager", path=("office_id",), query=REPORT, examples=3),
    "reports:office-report-csv": Route("manager", path=("office_id",), query=REPORT),
    "reports:office-report-pdf-prepare": Route(
        "manager", path=("office_id",), fields=REPORT, examples=20
    ),
    "reports:association-list": Route("analyst"),
    "reports:association-report": Route(
        "analyst", path=("association_id",), query=("cycle",), examples=20
    ),
    "reports:association-report-pdf": Route(
        "analyst", path=("association_id",), query=("cycle",), examples=3
    ),
    "reports:association-report-csv": Route("analyst", path=("association_id",), query=("cycle",)),
    "reports:association-report-pdf-prepare": Route(
        "analyst", path=("association_id",), fields=("cycle",)
    ),
    "reports:report-file": Route("manager", path=("pk",)),
    "reports:report-file-status": Route("manager", path=("pk",)),
    "reports:report-file-retry": Route("manager", path=("pk",), fields=()),
    "records:bundle-list": Route(
        "manager",
        path=("office_id",),
        fields=(
            "person",
            "starts_on",
            "ends_on",
            "request_reference",
            "redact_email",
            "redact_ip_address",
            "redact_browser",
            "redact_confidential",
        ),
        examples=25,
    ),
    "records:bundle-download": Route("manager", path=("pk",), examples=3),
    "records:retention": Route(
        "manager", path=("office_id",), fields=("person", "starts_on", "ends_on", "reason")
    ),
    "records:hold-lift": Route("manager", path=("pk",), fields=("lift_reason",)),
    "records:bundle-status": Route("manager", path=("pk",)),
    "signing:session-list": Route("manager", query=("page",)),
    "signing:session-create": Route(
        "manager",
        fields=("title", "place", "starts_at", "ends_at", "cycle", "audience", "capacity"),
        examples=25,
    ),
    "signing:conference-create": Route(
        "association_admin",
        path=("association_id",),
        fields=("title", "place", "starts_at", "ends_at", "cycle", "audience", "capacity"),
        examples=25,
    ),
    "signing:session-detail": Route("manager", path=("pk",), query=("page",)),
    "signing:session-projector": Route("manager", path=("pk",)),
    "signing:session-count": Route("manager", path=("pk",)),
    "signing:roster": Route(
        "manager", path=("pk",), fields=("rows", "file"), files=("file",), examples=25
    ),
    "signing:roster-people": Route("manager", path=("pk",), fields=("people",)),
    "signing:roster-remove": Route("manager", path=("pk",), fields=("entry",)),
    "signing:attendance-csv": Route("manager", path=("pk",)),
    "signing:attendance-pdf": Route("manager", path=("pk",), examples=3),
    "signing:kiosk-unlock": Route("manager", path=("pk",), fields=()),
    "signing:kiosk-lock": Route("manager", path=("pk",), fields=()),
    "signing:join": Route("official", path=("token",), fields=(), examples=25),
    "signing:join-identify": Route(
        "anonymous",
        path=("token",),
        fields=(
            "way",
            "code-full_name",
            "code-contact",
            "trainer-full_name",
            "trainer-trainer_code",
        ),
        examples=25,
    ),
    "signing:join-code": Route("anonymous", path=("token",), fields=("code",), examples=25),
    "signing:join-sign": Route(
        "official",
        path=("token",),
        fields=(
            "consent",
            "typed_name",
            "name_confirmed",
            "list_publicly",
            "text_sha256",
            "addendum_sha256",
        ),
        examples=25,
    ),
    "signing:kiosk-start": Route("anonymous"),
    "signing:kiosk-identify": Route(
        "anonymous", fields=("trainer-full_name", "trainer-trainer_code")
    ),
    "signing:kiosk-sign-in": Route("anonymous", fields=("account-email", "account-password")),
    "signing:kiosk-sign": Route(
        "anonymous", fields=("consent", "typed_name", "text_sha256", "addendum_sha256")
    ),
    "signing:kiosk-reset": Route("anonymous", fields=()),
    "education:program-list": Route("official"),
    "education:program-create": Route(
        "association_admin",
        fields=("association", *PROGRAM_FIELDS),
        examples=25,
    ),
    "education:program-detail": Route("official", path=("pk",)),
    "education:program-edit": Route(
        "association_admin", path=("pk",), fields=(*PROGRAM_FIELDS, "version"), examples=25
    ),
    "education:program-close": Route("association_admin", path=("pk",), fields=()),
    "education:program-enrol": Route(
        "colleague", path=("pk",), fields=("started_on",), examples=25
    ),
    "education:program-leave": Route("official", path=("pk",), fields=()),
    "education:completion-certificate": Route("official", path=("pk",), examples=3),
    "education:completion-verify": Route("anonymous", path=("code",), examples=25),
    "education:office-programs": Route("manager"),
    "education:office-program": Route(
        "manager", path=("program_id",), query=("page",), examples=20
    ),
    "education:office-program-csv": Route("manager", path=("program_id",)),
    "education:association-program": Route("analyst", path=("association_id", "program_id")),
    "education:association-program-csv": Route("analyst", path=("association_id", "program_id")),
    # Self-reported training: the evidence is a file (sent here as hostile text, refused).
    "education:my-training": Route("official"),
    "education:selfreport-create": Route(
        "official", fields=SELF_REPORT, files=("evidence",), examples=25
    ),
    "education:selfreport-detail": Route("official", path=("pk",)),
    "education:selfreport-evidence": Route("manager", path=("pk",), examples=3),
    "education:selfreport-edit": Route(
        "official", path=("pk",), fields=(*SELF_REPORT, "version"), files=("evidence",)
    ),
    "education:selfreport-withdraw": Route("official", path=("pk",), fields=("version",)),
    "education:selfreport-decide": Route(
        "manager", path=("pk",), fields=("decision", "note", "version"), examples=25
    ),
    "education:selfreport-reverse": Route("manager", path=("pk",), fields=("note", "version")),
    "education:selfreport-queue": Route("manager", query=("q", "state", "page"), examples=25),
    "education:office-hours": Route("manager", query=("q", "role", "page"), examples=25),
    "education:office-hours-csv": Route("manager", query=("q", "role")),
    # Courses, dates, registrations, attendance and the calendar (education).
    "education:home": Route("official", query=("q", "standard", "format", "page"), examples=25),
    "education:course-published": Route("manager", query=("page",)),
    "education:course-create": Route("manager", fields=COURSE, examples=25),
    "education:course-import": Route("manager", fields=("owner", "file"), files=("file",)),
    "education:course-import-preview": Route("manager", path=("pk",), fields=()),
    "education:course-detail": Route("official", path=("pk",)),
    "education:course-edit": Route(
        "manager", path=("pk",), fields=(*COURSE, "version"), examples=25
    ),
    "education:course-archive": Route("manager", path=("pk",), fields=("archive",)),
    "education:offering-create": Route("manager", path=("pk",), fields=OFFERING, examples=25),
    "education:offering-edit": Route(
        "manager", path=("pk",), fields=(*OFFERING, "version"), examples=25
    ),
    "education:offering-cancel": Route("manager", path=("pk",), fields=()),
    "education:offering-register": Route("official", path=("pk",), fields=()),
    "education:offering-attendance": Route(
        "supervisor", path=("pk",), query=("q",), fields=("listed", "present"), examples=25
    ),
    "education:offering-attendance-add": Route("supervisor", path=("pk",), fields=("person",)),
    "education:offering-attendance-session": Route("supervisor", path=("pk",), fields=()),
    "education:registration-cancel": Route("official", path=("pk",), fields=()),
    "education:registration-ics": Route("official", path=("pk",), examples=4),
    "education:calendar-feed-reset": Route("official", fields=()),
    "education:calendar-feed": Route("anonymous", path=("token",), examples=25),
    # Identity providers and the roles they suggest (sso.views).
    "sso:provider-list": Route("manager"),
    "sso:provider-create": Route("site_admin", fields=PROVIDER, examples=25),
    "sso:provider-detail": Route("manager", path=("pk",)),
    "sso:provider-update": Route("site_admin", path=("pk",), fields=PROVIDER, examples=25),
    "sso:provider-remove": Route("site_admin", path=("pk",), fields=()),
    "sso:saml-logout": Route("anonymous", path=("slug",), query=("token",)),
    "sso:signed-out": Route("anonymous", query=("to",)),
    "sso:scim-settings": Route("manager", fields=("creates",)),
    "sso:scim-token-rotate": Route("manager", fields=()),
    "sso:scim-pending": Route("manager"),
    "sso:scim-pending-confirm": Route("manager", path=("pk",), fields=()),
    "sso:scim-pending-decline": Route("manager", path=("pk",), fields=()),
    # SCIM answers only its bearer token: every signed-in session here gets a 401, and the
    # token-bearing requests, bad JSON and bad filters included, are in tests/sso.
    "scim-service-provider-config": Route("anonymous"),
    "scim-resource-types": Route("anonymous"),
    "scim-resource-type": Route("anonymous", path=("name",)),
    "scim-schemas": Route("anonymous"),
    "scim-schema": Route("anonymous", path=("schema_id",)),
    "scim-users": Route(
        "anonymous", query=("filter", "startIndex", "count", "attributes"), fields=()
    ),
    "scim-user": Route("anonymous", path=("pk",), fields=()),
    "sso:suggestions": Route("manager"),
    "sso:suggestion-decide": Route("manager", path=("pk",), fields=("decision",)),
}

# Parameters no view reads: sent to every route, they must be ignored.
STRAY_QUERY = ("page", "sort", "format", "team", "cycle", "office", "next", "lang", "q")


def patterns(resolver=None, namespace=""):
    """(name, URLPattern) for every named route the URL matrix covers."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            top = name.rpartition(":")[0].split(":")[0]
            short = name.rpartition(":")[2]
            if top in SKIPPED_NAMESPACES:
                continue
            if short.startswith(SKIPPED_PREFIXES) or short in SKIPPED_NAMES - {"set_language"}:
                continue
            if short.startswith(THIRD_PARTY_PREFIXES):
                continue
            yield name, pattern


def converters() -> dict[str, dict]:
    """Route name -> {path parameter: converter}."""
    return {name: dict(pattern.pattern.converters) for name, pattern in patterns()}


def is_int(converter) -> bool:
    return isinstance(converter, IntConverter)
