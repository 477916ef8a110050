"""How people's names are shown: `{{ membership|shown_name:user }}`."""

from django import template

from accounts import permissions

register = template.Library()


@register.filter
def shown_name(record, viewer) -> str:
    """The name of `record.user` (a membership, assessment or pledge, which also carry
    `office_id`) as the viewer may read it: a confidential participant's name only for
    themselves, and their office's manager and records officer."""
    return permissions.shown_name(record.user, viewer, office_id=record.office_id)


@register.simple_tag
def name_for(person, viewer, record) -> str:
    """`person`'s name (a reviewer, whoever took a step) as the viewer may read it where
    `record` (an assessment) belongs to an office:
    `{% name_for assessment.reviewer user assessment as reviewer_name %}`."""
    if person is None:
        return ""
    return permissions.shown_name(person, viewer, office_id=record.office_id)
