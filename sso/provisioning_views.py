"""An office manager's SCIM pages: the endpoint and its token, what a create does, and the
people the identity provider created who wait for a manager."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import ConfirmForm
from accounts.models import Invitation
from accounts.permissions import managed_office
from accounts.reauth import recent_authentication_required
from core.http import bound, form_view

from . import provisioning
from .models import ScimClient, ScimUser


class ScimSettingsForm(forms.Form):
    creates = forms.ChoiceField(
        label=_lazy("People the identity provider creates are"),
        choices=ScimClient.Creates.choices,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": "", "data-submit-once": ""}
        self.helper.add_input(Submit("submit", _lazy("Save")))


def _client(office) -> ScimClient | None:
    return ScimClient.objects.filter(office=office).select_related("rotated_by").first()


def _pending(office):
    return ScimUser.objects.filter(office=office, state=ScimUser.State.PENDING, active=True)


def scim_base_url() -> str:
    """The Tenant URL (SCIM base URL) to copy into the identity provider: built from
    SITE_URL like every address given to a provider, never from the request's Host."""
    return settings.SITE_URL + reverse("scim-users").removesuffix("Users")


@never_cache
@require_http_methods(["GET", "POST"])
def scim_settings(request):
    office = managed_office(request.user)
    client = _client(office)
    form = ScimSettingsForm(
        *bound(request),
        user=request.user,
        initial={"creates": client.creates if client else ScimClient.Creates.PENDING},
    )

    def done(client):
        messages.success(request, _("The SCIM setting has been saved."))
        return redirect("sso:scim-settings")

    return form_view(
        request,
        form,
        save=lambda: provisioning.scim_settings_set(
            office=office, creates=form.cleaned_data["creates"], by=request.user, request=request
        ),
        done=done,
        template="sso/scim_settings.html",
        context={
            "office": office,
            "client": client,
            "endpoint": scim_base_url(),
            "pending_count": _pending(office).count(),
        },
    )


@never_cache
@require_POST
@recent_authentication_required
def scim_token_rotate(request):
    """Issue a new token and show it, once: the page is the only place it is ever shown."""
    office = managed_office(request.user)
    if not ConfirmForm(request.POST, user=request.user).is_valid():
        return redirect("sso:scim-settings")
    client, token = provisioning.scim_client_rotate(office=office, by=request.user, request=request)
    return render(
        request,
        "sso/scim_settings.html",
        {
            "office": office,
            "client": client,
            "token": token,
            "endpoint": scim_base_url(),
            "pending_count": _pending(office).count(),
        },
    )


@require_GET
def scim_pending(request):
    office = managed_office(request.user)
    # Confirmed people have an invitation: listed apart until they accept, then gone
    # (they are of the office, under People).
    invitations = Invitation.objects.filter(office=office, email=OuterRef("email"))
    people = _pending(office).annotate(
        invited=Exists(invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)),
        joined=Exists(invitations.filter(accepted_at__isnull=False)),
    )
    people = list(people.filter(joined=False).order_by("user_name"))
    return render(
        request,
        "sso/scim_pending.html",
        {
            "office": office,
            "people": [p for p in people if not p.invited],
            "invited": [p for p in people if p.invited],
        },
    )


def _pending_for_manager(request, pk) -> ScimUser:
    """A person of the manager's own office waiting for a decision; 404 otherwise."""
    office = managed_office(request.user)
    try:
        return _pending(office).get(pk=pk)
    except ScimUser.DoesNotExist:
        raise Http404("No such person waiting.") from None


def _decide(request, pk, service, success: str):
    scim_user = _pending_for_manager(request, pk)
    if ConfirmForm(request.POST, user=request.user).is_valid():
        try:
            service(scim_user=scim_user, by=request.user, request=request)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success % {"name": scim_user.user_name})
    return redirect("sso:scim-pending")


@require_POST
def scim_pending_confirm(request, pk):
    return _decide(
        request,
        pk,
        provisioning.scim_pending_confirm,
        _(
            "%(name)s has been confirmed; without an account in the office yet, they are "
            "sent an invitation."
        ),
    )


@require_POST
def scim_pending_decline(request, pk):
    return _decide(
        request,
        pk,
        provisioning.scim_pending_decline,
        _("%(name)s has been declined."),
    )
