"""Filters for the reports. Each form limits its choices to what the user may see."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Office, User
from pledges.models import Cycle

from .permissions import MANAGER
from .selectors import team_leads


class UnknownChoice(Exception):
    """A well-formed id that names nothing the user may see: the view answers 404."""


def reportable_cycles():
    return Cycle.objects.filter(opens_on__lte=timezone.localdate()).order_by("-opens_on")


class ReportFilterForm(forms.Form):
    """Which cycle to report on, and (for an office manager) which team.

    The choices are read once (one query each) and kept as lists: the page lists them,
    the posted values are checked against them, and the reports take their previous
    cycle and trend from `cycles` instead of asking the database again.
    """

    cycle = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Cycle"),
        error_messages={"invalid_choice": _("Choose a cycle from the list.")},
    )
    team = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label=_("Team"),
        error_messages={"invalid_choice": _("Choose a team from the list.")},
    )

    def __init__(
        self,
        data=None,
        *,
        user: User,
        office: Office | None = None,
        scope: str = "",
        staff: list | None = None,
    ):
        super().__init__(data)
        self.user = user
        # Newest first, with their edition.
        self.cycles = list(reportable_cycles().select_related("edition"))
        self.fields["cycle"].choices = [(c.pk, c.name) for c in self.cycles]
        if office is not None and scope == MANAGER:
            self.leads = {u.pk: u for u in team_leads(office, staff)}
            self.fields["team"].choices = [("", _("The whole office"))] + [
                (u.pk, _("Team of %(name)s") % {"name": u.full_name or u.email})
                for u in self.leads.values()
            ]
        else:
            del self.fields["team"]

    def clean_cycle(self):
        chosen = self.cleaned_data.get("cycle")
        if chosen is not None:
            return next(c for c in self.cycles if c.pk == chosen)
        # As pledges.selectors.current_cycle: the open cycle, else the latest opened.
        return next(
            (c for c in self.cycles if c.is_open()), self.cycles[0] if self.cycles else None
        )

    def clean_team(self):
        chosen = self.cleaned_data.get("team")
        return None if chosen is None else self.leads[chosen]

    def unknown(self) -> bool:
        """True when every error is a well-formed id naming nothing visible (404, not 400)."""
        for name in self.errors:
            raw = self.data.get(name, "")
            if not str(raw).isdigit():
                return False
        return True
