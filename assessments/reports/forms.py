"""Filters for the reports. Each form limits its choices to what the user may see."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.models import Cycle
from pledges.selectors import current_cycle
from standards_portal.accounts.models import Office, User

from .permissions import MANAGER
from .selectors import team_leads


class UnknownChoice(Exception):
    """A well-formed id that names nothing the user may see: the view answers 404."""


def reportable_cycles():
    return Cycle.objects.filter(opens_on__lte=timezone.localdate()).order_by("-opens_on")


class ReportFilterForm(forms.Form):
    """Which cycle to report on, and (for an office manager) which team."""

    cycle = forms.ModelChoiceField(
        queryset=Cycle.objects.none(),
        required=False,
        empty_label=None,
        label=_("Cycle"),
        error_messages={"invalid_choice": _("Choose a cycle from the list.")},
    )
    team = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The whole office"),
        label=_("Team"),
        error_messages={"invalid_choice": _("Choose a team from the list.")},
    )

    def __init__(self, data=None, *, user: User, office: Office | None = None, scope: str = ""):
        super().__init__(data)
        self.user = user
        self.fields["cycle"].queryset = reportable_cycles()
        if office is not None and scope == MANAGER:
            leads = team_leads(office)
            self.fields["team"].queryset = User.objects.filter(pk__in=[u.pk for u in leads])
            self.fields["team"].choices = [("", self.fields["team"].empty_label)] + [
                (u.pk, _("Team of %(name)s") % {"name": u.full_name or u.email}) for u in leads
            ]
        else:
            del self.fields["team"]

    def clean_cycle(self):
        return self.cleaned_data.get("cycle") or current_cycle()

    def unknown(self) -> bool:
        """True when every error is a well-formed id naming nothing visible (404, not 400)."""
        for name in self.errors:
            raw = self.data.get(name, "")
            if not str(raw).isdigit():
                return False
        return True
