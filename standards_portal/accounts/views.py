from django.shortcuts import render

from .permissions import managed_office
from .selectors import active_memberships


def people_list(request):
    office = managed_office(request.user)
    return render(
        request,
        "accounts/people_list.html",
        {"office": office, "memberships": active_memberships(office)},
    )
