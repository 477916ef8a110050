"""The home page (the public welcome, or what the signed-in person has to do now) and the
personal-data download."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.services import my_data_exported
from core.http import attachment
from pledges.selectors import published_edition

from . import exports
from .dashboard import home_context


@login_not_required
@require_GET
def home(request):
    if not request.user.is_authenticated:
        return render(request, "home_public.html", {"edition": published_edition()})
    return render(request, "home.html", home_context(request.user))


@require_GET
def my_data(request):
    return render(request, "front/my_data.html")


MY_DATA_FORMATS = {"json": exports.my_data_json, "pdf": exports.my_data_pdf}


@require_GET
def my_data_download(request, kind):
    exporter = MY_DATA_FORMATS.get(kind)
    if exporter is None:
        raise Http404("No such format.")
    my_data_exported(user=request.user, format=kind, request=request)
    return attachment(*exporter(request.user))
