"""Pages to register and manage identity providers, and to decide role suggestions."""

import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.reauth import recent_authentication_required
from core.http import INVALID, bound, form_view

from . import services
from .forms import ProviderForm, SuggestionDecideForm
from .permissions import (
    may_edit_provider,
    may_register_providers,
    provider_for_editor,
    provider_for_reader,
    suggestion_for_decider,
    suggestions_office,
)
from .selectors import (
    decided_suggestions,
    open_suggestions,
    portal_values,
    provider_domains,
    providers_listed,
)


@require_GET
def provider_list(request):
    return render(
        request,
        "sso/provider_list.html",
        {
            "providers": providers_listed(request.user),
            "may_register": may_register_providers(request.user),
        },
    )


def _warn_unset_variable(request, provider) -> None:
    # Named ahead of the deployment is fine; say so, so that nobody is surprised.
    if provider.secret_env and provider.secret_env not in os.environ:
        messages.warning(
            request,
            _("The environment variable %(name)s is not set on this server yet.")
            % {"name": provider.secret_env},
        )


def _provider_form(request, form, *, provider, service, message: str):
    """The provider form, for registering (`provider` None) or changing one."""

    def done(saved):
        messages.success(request, message % {"name": saved.name})
        _warn_unset_variable(request, saved)
        return redirect("sso:provider-detail", saved.pk)

    return form_view(
        request,
        form,
        save=lambda: service(
            values=form.values,
            domains=form.cleaned_data["domains"],
            secret=form.cleaned_data["secret"],
            secret_env=form.cleaned_data.get("secret_env", ""),
            by=request.user,
            request=request,
        ),
        done=done,
        template="sso/provider_form.html",
        context={"provider": provider},
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def provider_create(request):
    form = ProviderForm(*bound(request), user=request.user)
    # The owner is read when the form is saved, after it has been validated.
    return _provider_form(
        request,
        form,
        provider=None,
        service=lambda **kwargs: services.provider_create(
            owner=form.cleaned_data["owner"], **kwargs
        ),
        message=_("%(name)s has been registered."),
    )


@require_http_methods(["GET", "POST"])
@recent_authentication_required
def provider_update(request, pk):
    provider = provider_for_editor(request.user, pk)
    form = ProviderForm(*bound(request), user=request.user, provider=provider)
    return _provider_form(
        request,
        form,
        provider=provider,
        service=lambda **kwargs: services.provider_update(provider=provider, **kwargs),
        message=_("%(name)s has been saved."),
    )


@require_GET
def provider_detail(request, pk):
    provider = provider_for_reader(request.user, pk)
    return render(
        request,
        "sso/provider_detail.html",
        {
            "provider": provider,
            "domains": provider_domains(provider),
            "portal_values": portal_values(provider),
            # As pairs: a group named "items" must not shadow the dict's method in a template.
            "role_map": list(provider.role_map.items()),
            "may_edit": may_edit_provider(request.user, provider),
        },
    )


@require_POST
@recent_authentication_required
def provider_remove(request, pk):
    provider = provider_for_editor(request.user, pk)
    name = provider.name
    services.provider_remove(provider=provider, by=request.user, request=request)
    messages.success(
        request, _("%(name)s has been removed. Nobody can sign in through it now.") % {"name": name}
    )
    return redirect("sso:provider-list")


def _suggestions_page(request, *, status: int = 200):
    office = suggestions_office(request.user)
    return render(
        request,
        "sso/suggestions.html",
        {
            "office": office,
            "suggestions": open_suggestions(office),
            "decided": decided_suggestions(office),
        },
        status=status,
    )


@require_GET
def suggestions(request):
    return _suggestions_page(request)


@require_POST
@recent_authentication_required
def suggestion_decide(request, pk):
    suggestion = suggestion_for_decider(request.user, pk)
    form = SuggestionDecideForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to dismiss the suggestion."))
        return _suggestions_page(request, status=400)
    accept = form.cleaned_data["decision"] == "accept"
    person = suggestion.membership.user.full_name
    try:
        services.role_suggestion_decide(
            suggestion=suggestion, accept=accept, by=request.user, request=request
        )
    except ValidationError as error:
        # The office's rules refuse the change (its last manager, people reporting to
        # them): nothing was decided.
        messages.error(request, " ".join(error.messages))
        return _suggestions_page(request, status=INVALID)
    if accept:
        messages.success(
            request,
            _("%(name)s is now %(role)s.")
            % {"name": person, "role": suggestion.get_role_display().lower()},
        )
    else:
        messages.success(
            request, _("The suggestion for %(name)s has been dismissed.") % {"name": person}
        )
    return redirect("sso:suggestions")
