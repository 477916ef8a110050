"""Every route: who may really use it, the query parameters and POST fields it reads.

`test_routes.py` checks this table against the URL configuration, so a new route, a new
path parameter or a route that starts taking POSTs fails until it is described here.
"""

from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from ..test_url_matrix import SKIPPED_NAMES, SKIPPED_NAMESPACES, SKIPPED_PREFIXES


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
# Items and goals are added to these from the edition (see `assessment_fields`).
EDIT = ("version", "action")
REVIEW = ("decision", "note")

ROUTES = {
    "home": Route("official"),
    "standards": Route("anonymous"),
    "healthz": Route("anonymous"),
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
    "accounts:people-list": Route("manager"),
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
        fields=("consent", "typed_name", "name_confirmed", "list_publicly", "text_sha256"),
        examples=25,
    ),
    "pledges:pledge-detail": Route("official", path=("pk",)),
    "pledges:pledge-certificate": Route("official", path=("pk",), examples=4),
    "pledges:pledge-withdraw": Route("official", path=("pk",), fields=("reason",), examples=25),
    "pledges:pledge-office": Route("manager"),
    "pledges:pledge-remind": Route("manager", fields=()),
    "pledges:pledge-registry-settings": Route("manager", fields=("publishes_registry",)),
    "assessments:assessment-mine": Route("colleague"),
    "assessments:assessment-start": Route("colleague", fields=("copy_previous",)),
    "assessments:team-list": Route("supervisor"),
    "assessments:office-list": Route("manager"),
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
            yield name, pattern


def converters() -> dict[str, dict]:
    """Route name -> {path parameter: converter}."""
    return {name: dict(pattern.pattern.converters) for name, pattern in patterns()}


def is_int(converter) -> bool:
    return isinstance(converter, IntConverter)
