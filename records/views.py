from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import submissions
from core.http import add_errors, attachment, bound, form_view

from .bundles import bundle_downloaded, bundle_request, office_bundles
from .forms import BundleForm, HoldForm, HoldLiftForm
from .models import RecordsBundle
from .permissions import bundle_for, bundle_office, office_hold_for
from .retention import hold_lift, hold_place
from .selectors import office_holds, office_schedule

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


@require_GET
def bundle_status(request, pk):
    """Where a bundle's build is, for the list page to offer it without a reload."""
    bundle = bundle_for(request.user, pk)
    ready = bundle.status == RecordsBundle.Status.READY
    until = ""
    if ready and bundle.expires_at:
        date = formats.date_format(timezone.localtime(bundle.expires_at), "DATE_FORMAT")
        until = _("Until %(date)s") % {"date": date}
    return JsonResponse(
        {
            "status": bundle.status,
            "label": str(bundle.get_status_display()),
            "error": bundle.error if bundle.status == RecordsBundle.Status.FAILED else "",
            "url": reverse("records:bundle-download", args=[bundle.pk]) if ready else "",
            "until": until,
        }
    )


# --- Retention schedule and legal holds --------------------------------------------------


def _retention_page(request, office, *, form=None, lift_form=None, status=200):
    holds = []
    for hold in office_holds(office):
        # Only holds placed on this office are lifted here; the others by an administrator.
        liftable = hold.is_active and hold.office_id == office.pk
        if lift_form is not None and lift_form.hold.pk == hold.pk:
            holds.append((hold, lift_form))
        else:
            holds.append((hold, HoldLiftForm(user=request.user, hold=hold) if liftable else None))
    return render(
        request,
        "records/retention.html",
        {
            "office": office,
            "schedule": office_schedule(office),
            "holds": holds,
            "form": form or HoldForm(user=request.user, office=office),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def retention(request, office_id):
    """The retention periods in force, the office's legal holds, what the next run would
    erase here; and the form to place a hold on the office or one of its people."""
    office = bundle_office(request.user, office_id)
    if replay := submissions.replayed(request):
        return replay
    form = HoldForm(*bound(request), user=request.user, office=office)
    if request.method == "POST" and form.is_valid():

        def placed(_hold):
            messages.success(
                request,
                _("The legal hold is placed: nothing it covers is erased until it is lifted."),
            )
            return redirect("records:retention", office_id=office.pk)

        try:
            return submissions.save_once(
                request,
                save=lambda: hold_place(
                    by=request.user, office=office, request=request, **form.cleaned_data
                ),
                done=placed,
            )
        except ValidationError as error:
            add_errors(form, error)
    return _retention_page(request, office, form=form, status=BAD_REQUEST if form.is_bound else 200)


@require_POST
def hold_lift_view(request, pk):
    """Lift one of the office's holds, saying why."""
    hold = office_hold_for(request.user, pk)
    if replay := submissions.replayed(request):
        return replay
    form = HoldLiftForm(request.POST, user=request.user, hold=hold)
    if not form.is_valid():
        return _retention_page(request, hold.office, lift_form=form, status=BAD_REQUEST)

    def lifted(_hold):
        messages.success(
            request, _("The legal hold is lifted: what it kept is erased on schedule again.")
        )
        return redirect("records:retention", office_id=hold.office_id)

    if not hold.is_active:
        messages.info(request, _("This hold had already been lifted."))
        return redirect("records:retention", office_id=hold.office_id)
    return submissions.save_once(
        request,
        save=lambda: hold_lift(
            hold=hold, by=request.user, reason=form.cleaned_data["lift_reason"], request=request
        ),
        done=lifted,
    )
