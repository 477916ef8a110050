"""The office report: a whole office from the maintained summaries, or one team (one
supervisor's direct reports) from its members' answers.

The two paths gather their numbers apart (`_office_numbers`, `_team_numbers`) and leave
every decision about what to hide to `reports.suppression`.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Count, F, Func, OuterRef, Q, StringAgg, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from accounts.models import Membership, Office, User
from accounts.selectors import staff_listed
from assessments.models import Assessment, ItemResponse, ParticipationSummary, Review, ReviewItem
from assessments.selectors import rating_scale, standards_with_items
from core import suppression
from education.models import Course, Credit
from education.selectors import courses_for_office, ids_of, with_addressed
from pledges.models import ApplicationItem, Cycle, Pledge, RatingLevel, Standard

from .figures import (
    HIGHLIGHTS,
    Counts,
    Figure,
    Funnel,
    Gap,
    ItemRow,
    ReportFigures,
    StandardRow,
    answer_counts_by_cycle,
    answer_counts_split,
    associations_version,
    item_key,
    pooled,
    previous_cycle_in,
    rounded,
    standard_rows,
    summary_counts_by_cycle,
)

COUNTED = list(Assessment.COUNTED_STATES)


@dataclass
class PersonRow:
    membership: Membership
    state: str | None
    averages: list[Decimal | None]


@dataclass
class OfficeReport(ReportFigures):
    office: Office
    cycle: Cycle
    previous: Cycle | None
    team_lead: User | None
    scale: list[RatingLevel]
    funnel: Funnel
    respondents: int
    hidden: bool
    standards: list[StandardRow]
    overall: Figure
    previous_overall: Decimal | None
    strongest: list[ItemRow]
    weakest: list[ItemRow]
    gaps: list[ItemRow]
    people: list[PersonRow] | None
    generated_at: object = None
    # The whole office's report only: see `figures.associations_version`.
    associations_version: str | None = None
    # For the office's manager, who may open every assessment: nothing is suppressed.
    identified: bool = False
    # Items many people rated low, beside the courses that address them (`training_needs`).
    training_needs: list = field(default_factory=list)


@dataclass
class _Numbers:
    """What the funnel and the figures rest on, and what suppression hides of them."""

    staff: int
    submitted: int
    accepted: int
    pledged: int
    before: int  # counted in the cycle before
    hidden: bool  # the results
    funnel_hidden: bool
    associations_version: str = ""  # see `figures.associations_version`
    workers: int = 0  # election workers, counted apart
    workers_pledged: int = 0
    workers_hidden: bool = False

    def funnel(self) -> Funnel:
        hidden = self.funnel_hidden
        return Funnel(
            staff=self.staff,
            pledged=None if hidden else self.pledged,
            submitted=None if hidden else self.submitted,
            accepted=None if hidden else self.accepted,
            hidden=hidden,
            workers=self.workers,
            workers_pledged=None if self.workers_hidden else self.workers_pledged,
            workers_hidden=self.workers_hidden,
        )


WORKER = Membership.Role.ELECTION_WORKER


def is_worker(membership: Membership) -> bool:
    return membership.role == WORKER


def office_staff(office: Office) -> list[Membership]:
    """The office's current memberships with their people's names, by name (1 query)."""
    return list(staff_listed(office))


def team_leads(office: Office, staff: list[Membership] | None = None) -> list[User]:
    """People in the office with direct reports: the teams a manager can filter by.

    With the office's `staff` already read, no query unless a lead is not on the staff.
    """
    if staff is not None:
        lead_ids = {m.reports_to_id for m in staff if m.reports_to_id is not None}
        leads = [m.user for m in staff if m.user_id in lead_ids]
        if len(leads) == len(lead_ids):
            return sorted(leads, key=lambda u: (u.full_name, u.email))
    ids = (
        Membership.objects.filter(office=office, ended_at__isnull=True, reports_to__isnull=False)
        .values("reports_to_id")
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "email"))


def count_of(queryset) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (filtered on an OuterRef) as an annotation."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted), 0)


def _office_numbers(
    office: Office, cycle: Cycle, earlier: Cycle | None, staff: int, workers: int, floor: int
) -> _Numbers:
    """The whole office: participation from the summaries, its pledges (its election
    workers' apart) and the version of its associations' figures (one query). `floor`:
    fewer people than this hide a figure."""

    def summary(cycle_id, name):
        rows = ParticipationSummary.objects.filter(office=OuterRef("pk"), cycle_id=cycle_id)
        return Coalesce(Subquery(rows.values(name)[:1]), 0)

    pledges = Pledge.objects.filter(office=OuterRef("pk"), cycle=cycle, withdrawn_at__isnull=True)
    # A pledge counts as an election worker's while its signer is one in this office.
    by_workers = pledges.filter(
        user__memberships__office=OuterRef("pk"),
        user__memberships__ended_at__isnull=True,
        user__memberships__role=WORKER,
    )
    submitted, accepted, pledged, workers_pledged, before, version = (
        Office.objects.filter(pk=office.pk)
        .annotate(
            submitted_n=summary(cycle.pk, "submitted"),
            accepted_n=summary(cycle.pk, "accepted"),
            pledged_n=count_of(pledges),
            workers_pledged_n=count_of(by_workers),
            before_n=summary(earlier.pk if earlier else None, "submitted"),
            associations_version=associations_version(cycle),
        )
        .values_list(
            "submitted_n",
            "accepted_n",
            "pledged_n",
            "workers_pledged_n",
            "before_n",
            "associations_version",
        )
        .get()
    )
    return _Numbers(
        staff=staff,
        submitted=submitted,
        accepted=accepted,
        pledged=pledged - workers_pledged,
        before=before,
        hidden=submitted < floor,
        funnel_hidden=staff < floor,
        associations_version=version,
        workers=workers,
        workers_pledged=workers_pledged,
        workers_hidden=workers < floor,
    )


def _team_numbers(
    office: Office,
    cycle: Cycle,
    earlier: Cycle | None,
    staff: list[Membership],
    lead: User,
    identified: bool,
) -> _Numbers:
    """One team, from its members' assessments (one query for this cycle and the last,
    one for pledges). The office's teams partition it, people who left forming one more
    part: a team is shown only if no combination of visible parts isolates a small one."""
    workers_of = {m.user_id: m.reports_to_id for m in staff if is_worker(m)}
    team_workers = {u for u, boss in workers_of.items() if boss == lead.pk}
    staff = [m for m in staff if not is_worker(m)]
    team_of = {m.user_id: m.reports_to_id for m in staff}
    team = {m.user_id for m in staff if m.reports_to_id == lead.pk}
    submitted = accepted = before = 0
    respondents_by_team: dict = {}
    for cycle_id, user_id, state in Assessment.objects.filter(
        cycle_id__in=[c.pk for c in (cycle, earlier) if c is not None], office=office
    ).values_list("cycle_id", "user_id", "state"):
        counted = state in COUNTED
        if cycle_id != cycle.pk:
            before += user_id in team and counted
            continue
        if counted:
            key = team_of.get(user_id, "left")
            respondents_by_team[key] = respondents_by_team.get(key, 0) + 1
        if user_id in team:
            submitted += counted
            accepted += state == Assessment.State.ACCEPTED
    staff_by_team: dict = {}
    for key in team_of.values():
        staff_by_team[key] = staff_by_team.get(key, 0) + 1
    signers = set(
        Pledge.objects.filter(
            cycle=cycle, office=office, withdrawn_at__isnull=True, user_id__in=team | team_workers
        ).values_list("user_id", flat=True)
    )
    pledged = len(signers & team)
    workers_by_team: dict = {}
    for key in workers_of.values():
        workers_by_team[key] = workers_by_team.get(key, 0) + 1
    return _Numbers(
        staff=len(team),
        submitted=submitted,
        accepted=accepted,
        pledged=pledged,
        before=before,
        hidden=submitted == 0
        if identified
        else suppression.part_hidden(lead.pk, submitted, respondents_by_team),
        funnel_hidden=False
        if identified
        else suppression.part_hidden(lead.pk, len(team), staff_by_team),
        workers=len(team_workers),
        workers_pledged=len(signers & team_workers),
        workers_hidden=False
        if identified
        else suppression.part_hidden(lead.pk, len(team_workers), workers_by_team),
    )


def _gaps(
    assessments,
    items_by_id: dict[int, ApplicationItem],
    floor: int,
    team: set[int] | None = None,
) -> dict[int, Gap]:
    """Per item, self against supervisor ratings in each assessment's latest review (1 query).

    With a `team` (and the whole office's `assessments`), the team's gaps, each hidden as
    well when the rest of the office reviewed for it is a small group."""
    # Each rated item of each assessment's latest review, with the person's own rating of
    # that item beside it.
    latest = Review.objects.filter(assessment=OuterRef("review__assessment")).order_by(
        "-created_at", "-id"
    )
    own = ItemResponse.objects.filter(
        assessment=OuterRef("review__assessment"), item=OuterRef("item")
    ).values("rating")[:1]
    pairs = (
        ReviewItem.objects.filter(review__assessment__in=assessments, rating__isnull=False)
        .filter(review=Subquery(latest.values("pk")[:1]))
        .annotate(own=Subquery(own))
        .values_list("item_id", "own", "rating", "review__assessment__user_id")
    )
    sums: dict[int, list[int]] = {}
    rest: dict[int, int] = {}
    for i, mine, theirs, user_id in pairs:
        if mine is None:
            continue
        if team is not None and user_id not in team:
            rest[i] = rest.get(i, 0) + 1
            continue
        entry = sums.setdefault(i, [0, 0, 0])
        entry[0] += 1
        entry[1] += mine
        entry[2] += theirs
    return {
        item_id: Gap(
            item=items_by_id[item_id],
            pairs=n,
            self_average=rounded(Decimal(own) / n),
            supervisor_average=rounded(Decimal(theirs) / n),
        )
        for item_id, (n, own, theirs) in sums.items()
        if n >= floor and not suppression.too_small(rest.get(item_id, 0)) and item_id in items_by_id
    }


def _people(memberships: list[Membership], assessments, standards: list[Standard]):
    """Each person's state and own average per standard (identified: managers only), in
    one query: the assessments, each joined to its rated answers when counted."""
    counted = Q(state__in=COUNTED, responses__rating__isnull=False)
    rows = (
        assessments.values("user_id", "state", "responses__item__standard_id")
        .annotate(
            total=Sum("responses__rating", filter=counted),
            n=Count("responses__pk", filter=counted),
        )
        .order_by()
    )
    states: dict[int, str] = {}
    averages: dict[tuple[int, int], Decimal] = {}
    for row in rows:
        states[row["user_id"]] = row["state"]
        if row["n"]:
            averages[(row["user_id"], row["responses__item__standard_id"])] = rounded(
                Decimal(row["total"]) / row["n"]
            )
    return [
        PersonRow(
            membership=m,
            state=states.get(m.user_id),
            averages=[averages.get((m.user_id, s.pk)) for s in standards],
        )
        for m in memberships
    ]


def _previous_overall(rows: list[StandardRow], previous_counts: dict | None) -> Decimal | None:
    """Last cycle's overall average over the items whose previous figure is shown."""
    if not previous_counts:
        return None
    total = Counts()
    for s in rows:
        for r in s.items:
            if r.previous_average is not None:
                total.add(previous_counts[item_key(r.item)])
    return total.average


def _highlights(rows: list[StandardRow]) -> tuple[list, list, list]:
    """The strongest items, the weakest, and those with the largest self/supervisor gaps."""
    visible = [r for s in rows for r in s.items if r.figure.average is not None]
    strongest = sorted(visible, key=lambda r: (-r.figure.average, item_key(r.item)))
    weakest = sorted(visible, key=lambda r: (r.figure.average, item_key(r.item)))
    with_gaps = [r for s in rows for r in s.items if r.gap is not None]
    with_gaps.sort(key=lambda r: (-abs(r.gap.difference), item_key(r.item)))
    return strongest[:HIGHLIGHTS], weakest[:HIGHLIGHTS], with_gaps[:HIGHLIGHTS]


def _counts_by_cycle(
    office, numbers: _Numbers, cycle, earlier, team: list[int] | None, floor: int, identified
):
    """This cycle's and the last's counts per item, for those shown (one query or none):
    the office's from its summaries, a team's from its members' answers.

    Also the item keys of each cycle to hide because the rest of the office is a small
    group for them: office minus team would give them away (teams, unidentified)."""
    previous_hidden = earlier is None or numbers.hidden or numbers.before < floor
    wanted = [
        c for c, shown in ((cycle, not numbers.hidden), (earlier, not previous_hidden)) if shown
    ]
    rest_small: dict[int, frozenset] = {}
    if not wanted:
        by_cycle = {}
    elif team is None:
        by_cycle = summary_counts_by_cycle(wanted, office.pk)
    elif identified:
        by_cycle = answer_counts_by_cycle(
            Assessment.objects.filter(
                cycle__in=wanted, office=office, user_id__in=team, state__in=COUNTED
            )
        )
    else:
        by_cycle, rest = answer_counts_split(
            Assessment.objects.filter(cycle__in=wanted, office=office, state__in=COUNTED), team
        )
        rest_small = {
            cycle_id: frozenset(
                key
                for key, c in counts.items()
                if suppression.too_small(c.rated) or suppression.too_small(c.answered)
            )
            for cycle_id, counts in rest.items()
        }
    previous = by_cycle.get(earlier.pk, {}) if earlier is not None and not numbers.hidden else None
    return (
        by_cycle.get(cycle.pk, {}),
        previous,
        previous_hidden,
        rest_small.get(cycle.pk, frozenset()),
        rest_small.get(earlier.pk, frozenset()) if earlier is not None else frozenset(),
    )


def office_report(
    office: Office,
    cycle: Cycle,
    *,
    team_lead: User | None = None,
    identified: bool = False,
    cycles: list[Cycle] | None = None,
    staff: list[Membership] | None = None,
) -> OfficeReport:
    """The office's results for a cycle, or one team's when `team_lead` is given.

    `cycles` (every cycle opened so far, newest first) and `staff` (`office_staff`): when
    the caller has read them already. `identified`: for the office's manager, who may open
    every self-assessment; such a report names people and suppresses nothing.
    """
    standards = standards_with_items(cycle.edition_id)  # read once per process
    earlier = previous_cycle_in(cycle, cycles)
    everyone = office_staff(office) if staff is None else list(staff)
    # Election workers take no self-assessment: only the staff stand behind the figures.
    memberships = [m for m in everyone if not is_worker(m)]
    workers = len(everyone) - len(memberships)
    assessments = Assessment.objects.filter(cycle=cycle, office=office)
    floor = 1 if identified else suppression.minimum()
    office_assessments = assessments
    if team_lead is None:
        numbers = _office_numbers(office, cycle, earlier, len(memberships), workers, floor)
        team = None
    else:
        numbers = _team_numbers(office, cycle, earlier, everyone, team_lead, identified)
        memberships = [m for m in memberships if m.reports_to_id == team_lead.pk]
        team = [m.user_id for m in memberships]
        assessments = assessments.filter(user_id__in=team)
    counts, previous_counts, previous_hidden, rest_small, previous_rest_small = _counts_by_cycle(
        office, numbers, cycle, earlier, team, floor, identified
    )
    rows = standard_rows(
        standards,
        counts,
        previous_counts,
        hidden=numbers.hidden,
        previous_hidden=previous_hidden,
        also_hidden=rest_small,
        previous_also_hidden=previous_rest_small,
        floor=floor,
    )
    if not numbers.hidden:
        items_by_id = {item.pk: item for s in standards for item in s.items.all()}
        if team is None or identified:
            gaps = _gaps(assessments.filter(state__in=COUNTED), items_by_id, floor)
        else:
            gaps = _gaps(
                office_assessments.filter(state__in=COUNTED), items_by_id, floor, set(team)
            )
        for row in (r for s in rows for r in s.items):
            row.gap = gaps.get(row.item.pk)
    strongest, weakest, gaps = _highlights(rows)
    overall = pooled(rows)
    needs = training_needs(office, rows, memberships, identified=identified)
    return OfficeReport(
        office=office,
        cycle=cycle,
        previous=earlier,
        team_lead=team_lead,
        scale=rating_scale(cycle.edition_id),
        funnel=numbers.funnel(),
        respondents=numbers.submitted,
        hidden=numbers.hidden,
        standards=rows,
        overall=Figure(overall, numbers.hidden or overall.rated == 0),
        previous_overall=None if previous_hidden else _previous_overall(rows, previous_counts),
        strongest=strongest,
        weakest=weakest,
        gaps=gaps,
        people=_people(memberships, assessments, standards) if identified else None,
        generated_at=timezone.now(),
        associations_version=numbers.associations_version if team_lead is None else None,
        identified=identified,
        training_needs=needs,
    )


# ----------------------------------------------------------------------------- training needs
# docs/education.md, "Training needs in the office report". An item is a training need when
# at least NEED_PEOPLE of the people who rated it gave it a 1 or a 2, or when at least
# NEED_SHARE percent of them did; only items whose figure is shown count, so a suppressed
# item is never named as a need.

NEED_PEOPLE = 3
NEED_SHARE = 30
# The most courses listed beside one item.
NEED_COURSES = 5


@dataclass
class NeedCourse:
    """A course that addresses a training need, and who of the people in the report took it:
    named for the office's manager, counted (and suppressed when small) for anyone else."""

    course: Course
    takers: list[Membership] | None
    taken: int | None
    taken_hidden: bool


@dataclass
class TrainingNeed:
    row: ItemRow
    low: int  # people who rated the item 1 or 2
    share: int  # ... as a percent of those who rated it
    courses: list[NeedCourse]


def is_training_need(row: ItemRow) -> bool:
    counts, rated = row.figure.counts, row.figure.counts.rated
    if row.figure.hidden or not rated:
        return False
    low = counts.ratings[0] + counts.ratings[1]
    return low > 0 and (low >= NEED_PEOPLE or 100 * low >= NEED_SHARE * rated)


def training_needs(
    office: Office, rows: list[StandardRow], memberships: list[Membership], *, identified: bool
) -> list[TrainingNeed]:
    """The items many people rated low, most in need first, each beside the courses the
    office's staff may take that address it (the item or its standard) and who of
    `memberships` earned hours from them: one query, none when there is no need."""
    needed = [r for s in rows for r in s.items if is_training_need(r)]
    if not needed:
        return []
    people = {m.user_id: m for m in memberships}
    took = Credit.objects.filter(course=OuterRef("pk"), user_id__in=list(people))
    takers = (
        took.order_by()
        .values("course_id")
        .annotate(ids=StringAgg(Cast("user_id", CharField()), Value(",")))
        .values("ids")
    )
    item_ids = [r.item.pk for r in needed]
    standard_ids = sorted({r.item.standard_id for r in needed})
    courses = list(
        with_addressed(
            courses_for_office(office).filter(Q(items__in=item_ids) | Q(standards__in=standard_ids))
        )
        .distinct()
        .annotate(taker_ids=Subquery(takers[:1], output_field=CharField()))
        .order_by("title", "id")
    )
    lines = []
    for course in courses:
        ids = sorted(ids_of(course.taker_ids))
        members = [people[i] for i in ids if i in people]
        hidden = not identified and suppression.too_small(len(members))
        lines.append(
            (
                ids_of(course.item_ids),
                ids_of(course.standard_ids),
                NeedCourse(
                    course=course,
                    takers=sorted(members, key=lambda m: (m.user.full_name, m.user_id))
                    if identified
                    else None,
                    taken=None if hidden else len(members),
                    taken_hidden=hidden,
                ),
            )
        )
    needs = []
    for row in needed:
        counts = row.figure.counts
        low = counts.ratings[0] + counts.ratings[1]
        needs.append(
            TrainingNeed(
                row=row,
                low=low,
                share=round(100 * low / counts.rated),
                courses=[
                    line
                    for items, standards, line in lines
                    if row.item.pk in items or row.item.standard_id in standards
                ][:NEED_COURSES],
            )
        )
    needs.sort(key=lambda n: (-n.share, -n.low, item_key(n.row.item)))
    return needs
