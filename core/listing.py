"""Lists of people, one page at a time: the page asked for, the search and filter form,
and the query string the page links keep.

Every list of people (an office's staff, its pledges, its assessments, a team) reads
`request.GET` through one `ListFilterForm` and `list_page()`: `page` that is not a
number shows the first page, one past the end the last, so a link kept from a longer
list, or a typed address, never fails. The form's choices (roles, states) come from the
app that owns them; core knows no app.
"""

from dataclasses import dataclass

from django import forms
from django.core.paginator import Page, Paginator
from django.utils.translation import gettext_lazy as _

PAGE_SIZE = 50
SEARCH_MAX = 100  # characters: a longer search is refused, not silently cut


class ListFilterForm(forms.Form):
    """Search (`q`) and two filters (`role`, `state`) read from the query string.

    `roles` and `states` are the choices the list offers, without the "any" choice; a
    list that filters by neither passes none and the field is left out."""

    q = forms.CharField(
        label=_("Search"),
        max_length=SEARCH_MAX,
        required=False,
        strip=True,
        help_text=_("A name, email address or phone number, or part of one."),
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    state = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data=None, *, roles=(), states=(), state_label=None, search_help=None):
        # An empty query string is a valid (unfiltered) form, not an unbound one.
        super().__init__(data if data is not None else {})
        if roles:
            self.fields["role"].choices = [("", _("Any role")), *roles]
        else:
            del self.fields["role"]
        if states:
            self.fields["state"].choices = [("", _("Any status")), *states]
            if state_label:
                self.fields["state"].label = state_label
        else:
            del self.fields["state"]
        if search_help is not None:
            self.fields["q"].help_text = search_help
        self.fields["q"].widget.attrs.update(
            {"type": "search", "autocomplete": "off", "class": "form-control"}
        )
        for name in ("role", "state"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-select"

    def value(self, name: str) -> str:
        """A cleaned filter, "" when absent or when the form is invalid."""
        if not self.is_valid():
            return ""
        return self.cleaned_data.get(name) or ""

    @property
    def active(self) -> bool:
        """Whether any search or filter narrows the list."""
        return any(self.value(name) for name in self.fields)


@dataclass
class ListPage:
    """One page of a list, with what its template needs to link to the others."""

    page: Page
    query: str  # the query string without `page`, for the page links
    links: list  # page numbers, and Paginator.ELLIPSIS where numbers are left out
    ellipsis: str = Paginator.ELLIPSIS

    @property
    def objects(self) -> list:
        return self.page.object_list

    @property
    def count(self) -> int:
        return self.page.paginator.count


def list_page(request, objects, *, per_page: int = PAGE_SIZE) -> ListPage:
    """The page of `objects` (an ordered queryset) that `?page=` asks for: the first
    when it is not a number, the last when it is past the end. Two queries: the count
    and the page."""
    paginator = Paginator(objects, per_page)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    links = list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))
    # The page's rows are read now, so that callers reading what is on it (their
    # pledges, their assessments) use the same rows the template shows.
    page.object_list = list(page.object_list)
    return ListPage(page=page, query=query.urlencode(), links=links)
