"""The SCIM 2.0 endpoint (RFC 7643/7644) an office's identity provider provisions through.

Resources and messages are scim2-models' (User, ListResponse, PatchOp, Error, ...);
filters are parsed by its ScimFilter and translated into a Django Q here. Every request
carries the office's bearer token, which selects the office: a token for office A sees
only office A's people, and anything else is "not found". Writes go through
sso.provisioning. Answers are application/scim+json, never cached, and every error is a
SCIM Error with its status.
"""

import json
import uuid
from functools import wraps

import pydantic
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    Email,
    Error,
    ETag,
    Filter,
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    Meta,
    Name,
    NotFoundException,
    Patch,
    PatchOp,
    PreconditionFailedException,
    ResourceType,
    SCIMException,
    ScimFilter,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
    UniquenessException,
    User,
)
from scim2_models.path.expressions import CompareOperator, LogicalOperator
from scim2_models.path.visitor import FilterVisitor

from . import provisioning
from .models import ScimClient, ScimUser

CONTENT_TYPE = "application/scim+json"
MAX_RESULTS = 200
MAX_BODY = 1_000_000
MAX_FILTER = 2_000
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
EXTENSION_PREFIX = "urn:ietf:params:scim:schemas:extension:"


class _Problem(SCIMException):
    """A SCIM error with a status and type of our choosing."""

    def __init__(self, *, status: int, scim_type: str = "", detail: str):
        super().__init__(detail=detail)
        self.status = status
        self.scim_type = scim_type


def _json(payload: dict, *, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(payload), status=status, content_type=CONTENT_TYPE)
    for key, value in (headers or {}).items():
        response[key] = value
    # Personal data and tokens: no cache, shared or private, keeps a copy.
    patch_cache_control(response, no_store=True, no_cache=True, private=True, max_age=0)
    return response


def _error(error: SCIMException) -> HttpResponse:
    body = error.to_error().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    headers = {"WWW-Authenticate": 'Bearer realm="SCIM"'} if error.status == 401 else None
    return _json(body, status=int(error.status), headers=headers)


def _client(request) -> ScimClient:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedException(detail="A bearer token is required.")
    client = provisioning.scim_client_for_token(token.strip())
    if client is None:
        raise UnauthorizedException(detail="The bearer token is not valid.")
    provisioning.scim_client_used(client=client)
    return client


def scim_view(*methods):
    """Decorator: a SCIM endpoint. Authenticates the office's token (passed on as
    `client`), refuses other methods, and answers every failure with a SCIM Error."""

    def decorate(view):
        @login_not_required
        @csrf_exempt
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                client = _client(request)
                if request.method not in methods:
                    raise _Problem(status=405, detail=f"{request.method} is not supported here.")
                return view(request, client, *args, **kwargs)
            except SCIMException as error:
                return _error(error)
            except pydantic.ValidationError as error:
                first = Error.from_validation_errors(error)[0]
                return _error(
                    _Problem(
                        status=400,
                        scim_type=first.scim_type or "invalidValue",
                        detail=first.detail or "The request is not valid.",
                    )
                )
            except ValidationError as error:
                if error.code == provisioning.CONFLICT:
                    return _error(UniquenessException(detail=" ".join(error.messages)))
                return _error(InvalidValueException(detail=" ".join(error.messages)))

        return wrapped

    return decorate


def _body(request) -> dict:
    try:
        body = request.body
    except RequestDataTooBig:
        body = None
    if body is None or len(body) > MAX_BODY:
        raise _Problem(status=413, detail="The request is too large.")
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntaxException(detail="The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise InvalidSyntaxException(detail="The request body must be a JSON object.")
    return payload


def _is_extension(key) -> bool:
    return isinstance(key, str) and key.lower().startswith(EXTENSION_PREFIX)


def _core_only(payload: dict) -> dict:
    """The request without schema extensions (Entra ID and Okta send the enterprise
    extension's department, manager, ...): the portal keeps none of them, so they are
    accepted and ignored rather than refused."""
    payload = {k: v for k, v in payload.items() if not _is_extension(k)}
    if isinstance(payload.get("schemas"), list):
        payload["schemas"] = [s for s in payload["schemas"] if not _is_extension(s)]
    return payload


def _core_patch(payload: dict) -> dict:
    """A PatchOp without operations on schema extensions, which the portal ignores."""
    payload = dict(payload)
    operations = payload.get("Operations")
    if isinstance(operations, list):
        kept = []
        for operation in operations:
            if isinstance(operation, dict):
                if _is_extension(operation.get("path")):
                    continue
                if isinstance(operation.get("value"), dict):
                    operation = {**operation, "value": _core_only(operation["value"])}
            kept.append(operation)
        payload["Operations"] = kept
    return payload


def _location(request, scim_user: ScimUser) -> str:
    return request.build_absolute_uri(reverse("scim-user", args=[scim_user.pk]))


def _etag(scim_user: ScimUser) -> str:
    return f'W/"{scim_user.version}"'


def _resource(request, scim_user: ScimUser) -> User:
    """The SCIM User resource of a ScimUser."""
    name = None
    if scim_user.given_name or scim_user.family_name or scim_user.full_name:
        name = Name(
            given_name=scim_user.given_name or None,
            family_name=scim_user.family_name or None,
            formatted=scim_user.full_name or None,
        )
    return User(
        id=str(scim_user.pk),
        external_id=scim_user.external_id or None,
        user_name=scim_user.user_name,
        name=name,
        display_name=scim_user.full_name or None,
        active=scim_user.active,
        emails=[Email(value=scim_user.email, type="work", primary=True)]
        if scim_user.email
        else None,
        meta=Meta(
            resource_type="User",
            created=scim_user.created_at,
            last_modified=scim_user.updated_at,
            location=_location(request, scim_user),
            version=_etag(scim_user),
        ),
    )


def _user_response(request, scim_user: ScimUser, *, status: int = 200) -> HttpResponse:
    body = _resource(request, scim_user).model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    headers = {"ETag": _etag(scim_user), "Location": _location(request, scim_user)}
    return _json(body, status=status, headers=headers)


def _values(resource: User) -> dict:
    """The plain values a User resource sets, for sso.provisioning."""
    emails = resource.emails or []
    email = next((e for e in emails if e.primary), None) or next(
        (e for e in emails if str(e.type or "") == "work"), None
    )
    email = email or (emails[0] if emails else None)
    name = resource.name
    return {
        "user_name": resource.user_name or "",
        "external_id": resource.external_id or "",
        "email": str(email.value) if email and email.value else "",
        # Entra ID and Okta keep displayName current; name.formatted is often left as it was.
        "full_name": resource.display_name or (name.formatted if name else "") or "",
        "given_name": (name.given_name if name else "") or "",
        "family_name": (name.family_name if name else "") or "",
    }


# Filters -----------------------------------------------------------------------------

# SCIM attribute (lower case) -> (model field, compared case-insensitively).
FILTER_FIELDS = {
    "id": ("pk", False),
    "username": ("user_name", True),
    "externalid": ("external_id", False),
    "emails": ("email", True),
    "emails.value": ("email", True),
    "displayname": ("full_name", True),
    "name.formatted": ("full_name", True),
    "name.givenname": ("given_name", True),
    "name.familyname": ("family_name", True),
    "active": ("active", False),
    "meta.created": ("created_at", False),
    "meta.lastmodified": ("updated_at", False),
}
LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}


class QueryVisitor(FilterVisitor[Q]):
    """Translates a SCIM filter into a Q on ScimUser. Unknown attributes are refused
    (invalidFilter) rather than silently matching nothing."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix

    def _field(self, attr_path) -> tuple[str, bool] | None:
        key = attr_path.attr.lower()
        if attr_path.sub_attr:
            key = f"{key}.{attr_path.sub_attr.lower()}"
        if self.prefix:
            # Inside emails[...]: we keep one work email, so type and primary always hold.
            if key in ("type", "primary", "display"):
                return None
            key = f"{self.prefix}.{key}"
        if key not in FILTER_FIELDS:
            raise InvalidFilterException(detail=f"Filtering on {attr_path} is not supported.")
        return FILTER_FIELDS[key]

    def visit_comparison(self, node) -> Q:
        field = self._field(node.attr_path)
        if field is None:
            return Q()
        name, folded = field
        value = node.value
        if name == "pk":
            try:
                value = uuid.UUID(str(value))
            except ValueError:
                return Q(pk__in=[])
        if node.op == CompareOperator.ne:
            return ~self._lookup(name, "exact", value, folded)
        return self._lookup(name, LOOKUPS[node.op], value, folded)

    @staticmethod
    def _lookup(name: str, lookup: str, value, folded: bool) -> Q:
        if folded and lookup in ("exact", "contains", "startswith", "endswith"):
            lookup = "i" + lookup
        return Q(**{f"{name}__{lookup}": value})

    def visit_present(self, node) -> Q:
        field = self._field(node.attr_path)
        if field is None:
            return Q()
        name = field[0]
        if name in ("pk", "active", "user_name", "created_at", "updated_at"):
            return Q()
        return ~Q(**{name: ""})

    def visit_not(self, node) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node) -> Q:
        result = None
        for term in node.terms:
            q = self.visit(term)
            if result is None:
                result = q
            elif node.op == LogicalOperator.and_:
                result &= q
            else:
                result |= q
        return result if result is not None else Q()

    def visit_value_path(self, node) -> Q:
        if node.attr_path.attr.lower() != "emails" or node.sub_attr not in (None, "value"):
            raise InvalidFilterException(detail=f"Filtering on {node.attr_path} is not supported.")
        return QueryVisitor(prefix="emails").visit(node.val_filter)


def filter_q(text: str) -> Q:
    """The Q for a SCIM filter, or invalidFilter."""
    if len(text) > MAX_FILTER:
        raise InvalidFilterException(detail="The filter is too long.")
    try:
        parsed = ScimFilter[User](text)
        return QueryVisitor().visit(parsed.ast)
    except SCIMException:
        raise
    except (ValueError, TypeError) as error:
        raise InvalidFilterException(detail=f"The filter is not valid: {error}") from None


def _int_param(request, name: str, default: int) -> int:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidValueException(detail=f"{name} must be a whole number.") from None


# Endpoints -----------------------------------------------------------------------------


@scim_view("GET")
def service_provider_config(request, client):
    config = ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="The office's token, issued on the portal's SCIM page.",
                primary=True,
            )
        ],
        meta=Meta(
            resource_type="ServiceProviderConfig",
            location=request.build_absolute_uri(reverse("scim-service-provider-config")),
        ),
    )
    return _json(config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _resource_type(request) -> dict:
    resource_type = ResourceType.from_resource(User)
    resource_type.meta = Meta(
        resource_type="ResourceType",
        location=request.build_absolute_uri(reverse("scim-resource-type", args=["User"])),
    )
    return resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _schema(request) -> dict:
    schema = User.to_schema()
    schema.meta = Meta(
        resource_type="Schema",
        location=request.build_absolute_uri(reverse("scim-schema", args=[USER_SCHEMA])),
    )
    return schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def _list(items: list[dict]) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(items),
        "startIndex": 1,
        "itemsPerPage": len(items),
        "Resources": items,
    }


@scim_view("GET")
def resource_types(request, client):
    return _json(_list([_resource_type(request)]))


@scim_view("GET")
def resource_type(request, client, name):
    if name != "User":
        raise NotFoundException(detail="No such resource type.")
    return _json(_resource_type(request))


@scim_view("GET")
def schemas(request, client):
    return _json(_list([_schema(request)]))


@scim_view("GET")
def schema(request, client, schema_id):
    if schema_id != USER_SCHEMA:
        raise NotFoundException(detail="No such schema.")
    return _json(_schema(request))


@scim_view("GET", "POST")
def users(request, client):
    if request.method == "POST":
        return _user_create(request, client)
    people = ScimUser.objects.filter(office=client.office)
    if text := request.GET.get("filter", "").strip():
        people = people.filter(filter_q(text))
    # startIndex is 1-based; a value below 1 means 1, a negative count means 0 (RFC 7644
    # §3.4.2.4).
    start = max(_int_param(request, "startIndex", 1), 1)
    count = min(max(_int_param(request, "count", MAX_RESULTS), 0), MAX_RESULTS)
    total = people.count()
    page = list(people.order_by("user_name", "pk")[start - 1 : start - 1 + count])
    listing = ListResponse[User](
        total_results=total,
        start_index=start,
        items_per_page=len(page),
        resources=[_resource(request, p) for p in page],
    )
    return _json(listing.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


def _user_create(request, client):
    resource = User.model_validate(
        _core_only(_body(request)), scim_ctx=Context.RESOURCE_CREATION_REQUEST
    )
    scim_user = provisioning.scim_user_create(
        client=client,
        values=_values(resource),
        active=resource.active is not False,
        request=request,
    )
    return _user_response(request, scim_user, status=201)


def _scim_user(client: ScimClient, pk) -> ScimUser:
    """One of the office's people; anyone else's is "not found"."""
    try:
        return ScimUser.objects.select_related("office").get(pk=uuid.UUID(pk), office=client.office)
    except (ScimUser.DoesNotExist, ValueError):
        raise NotFoundException(detail="No such user.") from None


def _check_version(request, scim_user: ScimUser) -> None:
    """Honour If-Match, so that a stale write does not overwrite a newer one."""
    expected = request.headers.get("If-Match")
    if expected and expected.strip() != "*" and _etag(scim_user) not in expected:
        raise PreconditionFailedException(detail="The user has changed since it was read.")


@scim_view("GET", "PUT", "PATCH", "DELETE")
def user(request, client, pk):
    scim_user = _scim_user(client, pk)
    if request.method == "GET":
        return _user_response(request, scim_user)
    _check_version(request, scim_user)
    if request.method == "DELETE":
        provisioning.scim_user_delete(scim_user=scim_user, request=request)
        response = HttpResponse(status=204)
        patch_cache_control(response, no_store=True, private=True, max_age=0)
        return response
    if request.method == "PUT":
        resource = User.model_validate(
            _core_only(_body(request)), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
    else:
        body = _body(request)
        core = _core_patch(body)
        if body.get("Operations") and not core.get("Operations"):
            # Only extension attributes changed: nothing the portal keeps.
            return _user_response(request, scim_user)
        patch = PatchOp[User].model_validate(core, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        resource = _resource(request, scim_user)
        patch.patch(resource)
    # A PUT without `active` leaves it as it is.
    scim_user = provisioning.scim_user_update(
        scim_user=scim_user,
        values=_values(resource),
        active=resource.active,
        request=request,
    )
    return _user_response(request, scim_user)
