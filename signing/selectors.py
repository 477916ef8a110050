"""Reads of signing sessions, already scoped and joined."""

from dataclasses import dataclass

from django.db.models import Count, Q

from accounts.models import Association, AssociationRole, User
from accounts.permissions import shown_name

from .models import Attendance, SigningSession
from .permissions import sessions_visible_to


def session_list(user: User):
    """The sessions the user runs or reads, with their counts, newest first."""
    return (
        sessions_visible_to(user)
        .annotate(
            joined=Count("attendances", distinct=True),
            signed=Count("attendances", filter=Q(attendances__pledge__isnull=False), distinct=True),
        )
        .order_by("-starts_at", "-id")
    )


def administered_associations(user: User):
    return Association.objects.filter(
        roles__user=user, roles__role=AssociationRole.Role.ADMINISTRATOR
    ).order_by("name")


def session_by_token(token: str) -> SigningSession | None:
    if not token or len(token) > 64:
        return None
    return (
        SigningSession.objects.select_related("office", "association", "cycle", "edition")
        .filter(join_token=token)
        .first()
    )


@dataclass(frozen=True)
class SessionCounts:
    joined: int
    signed: int
    capacity: int


def session_counts(session: SigningSession) -> SessionCounts:
    """How many joined and signed: one query."""
    counts = session.attendances.aggregate(
        joined=Count("id"), signed=Count("id", filter=Q(pledge__isnull=False))
    )
    return SessionCounts(
        joined=counts["joined"], signed=counts["signed"], capacity=session.capacity
    )


@dataclass(frozen=True)
class SheetLine:
    number: int
    name: str
    office: str
    joined_at: object
    identified_by: str
    shared_device: bool
    signed_at: object
    code: str
    signed_before: bool


def attendance_lines(session: SigningSession, viewer: User) -> list[SheetLine]:
    """The sign-in sheet: one numbered line per person, in the order they joined."""
    attendances = (
        Attendance.objects.filter(session=session)
        .select_related("user", "pledge__office", "roster_entry")
        .order_by("joined_at", "id")
    )
    lines = []
    for number, attendance in enumerate(attendances, start=1):
        pledge = attendance.pledge
        office = pledge.office if pledge is not None else session.office
        lines.append(
            SheetLine(
                number=number,
                name=shown_name(
                    attendance.user, viewer, office_id=office.pk if office is not None else None
                ),
                office=office.name if office is not None else "",
                joined_at=attendance.joined_at,
                identified_by=attendance.get_identified_by_display(),
                shared_device=attendance.shared_device,
                signed_at=pledge.signed_at if pledge is not None else None,
                code=pledge.code_display if pledge is not None else "",
                signed_before=attendance.signed_before,
            )
        )
    return lines


def roster_entries(session: SigningSession):
    """The roster with whether each person has joined."""
    return session.roster.select_related("user").annotate(joined=Count("attendances"))
