"""Who may see and do what in continuing education. Deny by default: 404 when the person
may not know the object exists, 403 when they may see it but not act on it.

Each topic has its own section below.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from accounts.models import Association, AssociationRole, Membership, Office, User
from accounts.permissions import association_for, managed_office, reads_office_records

from .models import (
    Completion,
    Course,
    CourseImport,
    Enrollment,
    Offering,
    Program,
    Registration,
    SelfReport,
)
from .selectors import visible_courses

# --- courses, offerings, registrations, attendance, calendar ---


@dataclass(frozen=True)
class Owner:
    """Whom a course belongs to: one office or one association."""

    office: Office | None = None
    association: Association | None = None

    @property
    def key(self) -> str:
        """How a form names this owner: "office-3" or "association-7"."""
        if self.office is not None:
            return f"office-{self.office.pk}"
        return f"association-{self.association.pk}"

    @property
    def name(self) -> str:
        return self.office.name if self.office is not None else self.association.name

    @property
    def filter(self) -> dict:
        if self.office is not None:
            return {"office": self.office}
        return {"association": self.association}


def publishing_owners(user: User) -> list[Owner]:
    """The offices and associations the person publishes courses for: the office they
    manage, and the associations they administer."""
    if not user.is_authenticated:
        return []
    owners = []
    membership = user.active_membership
    if membership is not None and membership.role == Membership.Role.MANAGER:
        owners.append(Owner(office=membership.office))
    administered = Association.objects.filter(
        roles__user=user, roles__role=AssociationRole.Role.ADMINISTRATOR
    ).order_by("name")
    owners += [Owner(association=association) for association in administered]
    return owners


def publishes_for(user: User) -> Owner:
    """403 unless the person publishes courses for some office or association."""
    owners = publishing_owners(user)
    if not owners:
        raise PermissionDenied("Only office managers and association administrators publish.")
    return owners[0]


def _published_by(user: User) -> Q:
    """Courses whose owner the person publishes for (none for anyone else)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    condition = Q(
        association__in=AssociationRole.objects.filter(
            user=user, role=AssociationRole.Role.ADMINISTRATOR
        ).values("association_id")
    )
    membership = user.active_membership
    if membership is not None and membership.role == Membership.Role.MANAGER:
        condition |= Q(office_id=membership.office_id)
    return condition


def published_courses(user: User):
    """Every course the person publishes for, archived ones included."""
    return Course.objects.filter(_published_by(user))


def may_publish(user: User, course: Course) -> bool:
    if not user.is_authenticated:
        return False
    membership = user.active_membership
    if course.office_id is not None:
        return (
            membership is not None
            and membership.role == Membership.Role.MANAGER
            and membership.office_id == course.office_id
        )
    return AssociationRole.objects.filter(
        user=user, association_id=course.association_id, role=AssociationRole.Role.ADMINISTRATOR
    ).exists()


def _course(user: User, pk) -> Course:
    """A course the person can see: one offered to them, or one they publish; 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        return (
            Course.objects.filter(
                Q(pk__in=visible_courses(user).values("pk")) | _published_by(user)
            )
            .select_related("office", "association")
            .get(pk=pk)
        )
    except (Course.DoesNotExist, ValueError, TypeError):
        raise Http404("No such course.") from None


def course_for_viewer(user: User, pk) -> Course:
    """A course offered to the person or published by them; 404 otherwise."""
    return _course(user, pk)


def course_for_publisher(user: User, pk) -> Course:
    """A course the person publishes; 403 for one they only see; 404 otherwise."""
    course = _course(user, pk)
    if not may_publish(user, course):
        raise PermissionDenied("Only the course's publishers can change it.")
    return course


def offering_for_publisher(user: User, pk) -> Offering:
    """An offering of a course the person publishes; 403 / 404 as for the course."""
    try:
        offering = Offering.objects.select_related("course", "trainer").get(pk=pk)
    except (Offering.DoesNotExist, ValueError, TypeError):
        raise Http404("No such course date.") from None
    offering.course = course_for_publisher(user, offering.course_id)
    return offering


def offering_for_registrant(user: User, pk) -> Offering:
    """An offering of a course offered to the person (the one they register for); 404."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Offering.objects.select_related("course").get(
            pk=pk, course__in=visible_courses(user).values("pk")
        )
    except (Offering.DoesNotExist, ValueError, TypeError):
        raise Http404("No such course date.") from None


def offering_for_attendance(user: User, pk) -> Offering:
    """An offering whose attendance the person records: its trainer or the course's
    publishers. 403 for someone who sees the course; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    try:
        offering = Offering.objects.select_related(
            "course", "course__office", "course__association", "trainer", "signing_session"
        ).get(pk=pk)
    except (Offering.DoesNotExist, ValueError, TypeError):
        raise Http404("No such course date.") from None
    if offering.trainer_id == user.pk or may_publish(user, offering.course):
        return offering
    _course(user, offering.course_id)  # 404 when the course is not theirs to see
    raise PermissionDenied("Only the trainer and the course's publishers record attendance.")


def registration_for_owner(user: User, pk) -> Registration:
    """One of the person's own registrations; 404 for anyone else's."""
    if not user.is_authenticated:
        raise Http404
    try:
        return Registration.objects.select_related("offering", "offering__course").get(
            pk=pk, user=user
        )
    except (Registration.DoesNotExist, ValueError, TypeError):
        raise Http404("No such registration.") from None


def course_import_for(user: User, pk) -> CourseImport:
    """A course file this person uploaded, for an owner they still publish for; 404."""
    publishes_for(user)
    try:
        upload = CourseImport.objects.select_related("office", "association").get(
            pk=pk, uploaded_by=user
        )
    except (CourseImport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such file.") from None
    owner = Owner(office=upload.office, association=upload.association)
    if owner.key not in {o.key for o in publishing_owners(user)}:
        raise Http404("No such file.")
    return upload


# --- self-reported training, approvals, my training, office hours (D2) ---


def _self_report(pk) -> SelfReport:
    try:
        return SelfReport.objects.select_related("user", "office", "decided_by").get(pk=pk)
    except (SelfReport.DoesNotExist, ValueError, TypeError):
        raise Http404("No such report.") from None


def _manages(user: User, office_id: int) -> bool:
    membership = user.active_membership if user.is_authenticated else None
    return (
        membership is not None
        and membership.role == Membership.Role.MANAGER
        and membership.office_id == office_id
    )


def self_report_for_viewer(user: User, pk) -> SelfReport:
    """A report its author, or a manager of the office it was made in, may read (with its
    evidence); 404 for anyone else."""
    if not user.is_authenticated:
        raise Http404
    report = _self_report(pk)
    if report.user_id != user.pk and not _manages(user, report.office_id):
        raise Http404("No such report.")
    return report


def self_report_for_author(user: User, pk) -> SelfReport:
    """The person's own report, which they correct or withdraw; 403 for the managers who
    read it, 404 for anyone else."""
    report = self_report_for_viewer(user, pk)
    if report.user_id != user.pk:
        raise PermissionDenied("Only the person who reported the training can change it.")
    return report


def self_report_for_decider(user: User, pk) -> SelfReport:
    """A report a manager of its office decides on; 403 for its author (a manager's own
    report is decided by another manager), 404 for anyone else."""
    report = self_report_for_viewer(user, pk)
    if report.user_id == user.pk or not _manages(user, report.office_id):
        raise PermissionDenied("Only another manager of the office can decide on this report.")
    return report


def self_report_reporter(user: User) -> Membership:
    """The current membership of a person who may report training: anyone with an
    office; 403 for someone without one."""
    membership = user.active_membership if user.is_authenticated else None
    if membership is None:
        raise PermissionDenied("Only a person who belongs to an office can report training.")
    return membership


def approvals_office(user: User) -> Office:
    """The office whose reported training the user approves: its manager's; 403 otherwise."""
    return managed_office(user)


# --- certification programs (E) ---


def _program(pk) -> Program:
    try:
        return Program.objects.select_related("association").get(pk=pk)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise Http404("No such program.") from None


def _association_roles(user: User, association_id: int) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(
        AssociationRole.objects.filter(user=user, association_id=association_id).values_list(
            "role", flat=True
        )
    )


def administered_associations(user: User):
    """The associations whose programs the person defines: those they administer."""
    if not user.is_authenticated:
        return Association.objects.none()
    return Association.objects.filter(
        roles__user=user, roles__role=AssociationRole.Role.ADMINISTRATOR
    ).order_by("name")


def program_definer(user: User) -> None:
    """Only association administrators define programs; 403 for everyone else."""
    if not administered_associations(user).exists():
        raise PermissionDenied("Only an association administrator can define programs.")


def program_for_administrator(user: User, pk) -> Program:
    """A program of an association the person administers; 403 for its analysts, 404 for
    everyone else."""
    program = _program(pk)
    roles = _association_roles(user, program.association_id)
    if AssociationRole.Role.ADMINISTRATOR in roles:
        return program
    if roles:
        raise PermissionDenied("Only an association administrator can change a program.")
    raise Http404("No such program.")


def program_for_reader(user: User, pk) -> Program:
    """A program the person may read: its association's administrators and analysts, the
    people of its member offices, and anyone enrolled in it or who completed a period of
    it; 404 for everyone else. What the person is to it comes with it, in one query:
    `viewer_member`, `viewer_administers`, `viewer_reads` (any association role),
    `viewer_enrolled`, `viewer_completed`."""
    if not user.is_authenticated:
        raise Http404("No such program.")
    membership = user.active_membership
    roles = AssociationRole.objects.filter(user=user, association=OuterRef("association_id"))
    try:
        program = (
            Program.objects.select_related("association")
            .annotate(
                viewer_member=Exists(
                    Association.offices.through.objects.filter(
                        association_id=OuterRef("association_id"),
                        office_id=membership.office_id if membership is not None else None,
                    )
                ),
                viewer_administers=Exists(roles.filter(role=AssociationRole.Role.ADMINISTRATOR)),
                viewer_reads=Exists(roles),
                viewer_enrolled=Exists(
                    Enrollment.objects.filter(
                        program=OuterRef("pk"), user=user, ended_at__isnull=True
                    )
                ),
                viewer_completed=Exists(
                    Completion.objects.filter(program=OuterRef("pk"), user=user)
                ),
            )
            .get(pk=pk)
        )
    except (Program.DoesNotExist, ValueError, TypeError):
        raise Http404("No such program.") from None
    if not (
        program.viewer_member
        or program.viewer_reads
        or program.viewer_enrolled
        or program.viewer_completed
    ):
        raise Http404("No such program.")
    return program


def program_for_enrolment(user: User, pk) -> Program:
    """A program the person may enrol in or leave: one they may read, and someone with an
    office or already enrolled (association staff without an office have nothing to
    enrol); 403 otherwise."""
    program = program_for_reader(user, pk)
    if user.active_membership is None and not program.viewer_enrolled:
        raise PermissionDenied("Only people of a member office can enrol.")
    return program


def program_for_association(user: User, association_id, program_id) -> tuple:
    """(association, program) for the association's administrators and analysts; 404 for
    anyone else, and for a program of another association."""
    association = association_for(user, association_id)
    program = _program(program_id)
    if program.association_id != association.pk:
        raise Http404("No such program.")
    return association, program


def program_for_office_manager(user: User, program_id) -> tuple:
    """(office, program) for the manager of an office that belongs to the program's
    association or has people counted in it; 403 for staff who do not manage, 404 for
    another association's program."""
    office = managed_office(user)
    program = _program(program_id)
    member = program.association.offices.filter(pk=office.pk).exists()
    if not member and not Enrollment.objects.filter(program=program, office=office).exists():
        raise Http404("No such program.")
    return office, program


def completion_for_viewer(user: User, pk) -> Completion:
    """A completion's certificate: the person, and the manager or records officer of their
    current office; 404 for anyone else."""
    try:
        completion = Completion.objects.select_related(
            "program", "program__association", "user"
        ).get(pk=pk)
    except (Completion.DoesNotExist, ValueError, TypeError):
        raise Http404("No such certificate.") from None
    if not user.is_authenticated:
        raise Http404("No such certificate.")
    if completion.user_id == user.pk:
        return completion
    membership = completion.user.active_membership
    if membership is not None and reads_office_records(user, membership.office_id):
        return completion
    raise Http404("No such certificate.")
