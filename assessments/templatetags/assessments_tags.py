from django import template

from accounts.models import Membership

register = template.Library()


@register.simple_tag(takes_context=True)
def has_team(context) -> bool:
    """Whether the signed-in person has direct reports (one query, only for those who might)."""
    request = context.get("request")
    membership = context.get("nav_membership")
    if request is None or membership is None:
        return False
    if membership.role in (Membership.Role.OFFICIAL, Membership.Role.ELECTION_WORKER):
        return False
    cached = getattr(membership, "has_reports", None)  # see Membership.current()
    if cached is None:
        cached = getattr(request, "_assessments_has_team", None)
    if cached is None:
        cached = Membership.objects.filter(
            reports_to=request.user, office_id=membership.office_id, ended_at__isnull=True
        ).exists()
        request._assessments_has_team = cached
    return cached


@register.filter
def rating_label(value, scale):
    """The label of a rating value on the scale."""
    for level in scale:
        if level.value == value:
            return level.label
    return ""


@register.simple_tag
def own_pages() -> tuple[str, ...]:
    """URL names under "My assessment" in the navigation."""
    return ("assessment-mine", "assessment-edit", "assessment-submit")
