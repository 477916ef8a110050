from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.http import attachment, bound, form_view

from .bundles import bundle_downloaded, bundle_request, office_bundles
from .forms import BundleForm
from .models import RecordsBundle
from .permissions import bundle_for, bundle_office

BAD_REQUEST = 400


@require_http_methods(["GET", "POST"])
def bundle_list(request, office_id):
    """The office's records-request bundles, and the form to prepare one."""
    office = bundle_office(request.user, office_id)
    form = BundleForm(*bound(request), user=request.user, office=office)

    def done(_bundle):
        messages.info(
            request,
            _("The bundle is being prepared. It will be listed here, ready to download."),
        )
        return redirect("records:bundle-list", office_id=office.pk)

    return form_view(
        request,
        form,
        save=lambda: bundle_request(
            office=office,
            by=request.user,
            **form.cleaned_data,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            request=request,
        ),
        done=done,
        template="records/bundle_list.html",
        context={
            "office": office,
            "bundles": office_bundles(office),
            "days": settings.RECORDS_BUNDLE_DAYS,
        },
        invalid=BAD_REQUEST,
    )


@require_GET
def bundle_download(request, pk):
    bundle = bundle_for(request.user, pk)
    if bundle.status == RecordsBundle.Status.EXPIRED:
        return render(request, "records/bundle_expired.html", {"bundle": bundle}, status=410)
    if bundle.status != RecordsBundle.Status.READY:
        raise Http404(_("This bundle is not ready."))
    bundle_downloaded(bundle=bundle, by=request.user, request=request)
    return attachment(bundle.filename, "application/zip", bytes(bundle.content))
