"""Reads for the office and association reports, in a fixed number of queries each.

Whole-office and association figures come from the maintained summaries; a team's
figures from its members' answers (a team is one supervisor's direct reports).
Every figure passes through `suppression` before it reaches a page or a file.
"""

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone

from assessments.models import Assessment, ItemResponse, Review, ReviewItem
from pledges.models import ApplicationItem, Cycle, RatingLevel, Standard
from pledges.selectors import edition_standards, previous_cycle
from standards_portal.accounts.models import Association, Membership, Office, User

from .models import SUMMARY_VALUES, ItemSummary, ParticipationSummary
from .services import COUNTED_STATES
from .suppression import hidden_cells, minimum, subset_hidden, too_small

COUNTED = list(COUNTED_STATES)
HIGHLIGHTS = 5  # strongest items, items most in need of training, largest gaps


def _round(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Counts:
    """How many people gave each rating (1..4) and how many said not applicable."""

    ratings: list[int] = field(default_factory=lambda: [0] * len(SUMMARY_VALUES))
    na: int = 0

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    @property
    def answered(self) -> int:
        return self.rated + self.na

    @property
    def total(self) -> int:
        return sum(v * c for v, c in zip(SUMMARY_VALUES, self.ratings, strict=True))

    @property
    def average(self) -> Decimal | None:
        return _round(Decimal(self.total) / self.rated) if self.rated else None

    def add(self, other: "Counts") -> None:
        self.ratings = [a + b for a, b in zip(self.ratings, other.ratings, strict=True)]
        self.na += other.na

    @classmethod
    def from_row(cls, row: dict) -> "Counts":
        return cls([row[f"count_{v}"] or 0 for v in SUMMARY_VALUES], row["count_na"] or 0)


@dataclass
class Figure:
    """A distribution as shown: `hidden` when too few people stand behind it."""

    counts: Counts
    hidden: bool

    @property
    def average(self) -> Decimal | None:
        return None if self.hidden else self.counts.average

    @property
    def percents(self) -> list[int]:
        """Shares of 1..4 and N/A among those who answered, whole percent."""
        if self.hidden or not self.counts.answered:
            return []
        n = self.counts.answered
        return [round(100 * c / n) for c in [*self.counts.ratings, self.counts.na]]

    @property
    def low_share(self) -> int | None:
        """Percent of ratings at 1 or 2: the training need."""
        if self.hidden or not self.counts.rated:
            return None
        return round(100 * (self.counts.ratings[0] + self.counts.ratings[1]) / self.counts.rated)


def _figure(counts: Counts, population_hidden: bool) -> Figure:
    return Figure(counts, population_hidden or counts.rated < minimum())


@dataclass
class ItemRow:
    item: ApplicationItem
    figure: Figure
    previous_average: Decimal | None = None
    gap: "Gap | None" = None

    @property
    def change(self) -> Decimal | None:
        if self.figure.average is None or self.previous_average is None:
            return None
        return self.figure.average - self.previous_average


@dataclass
class StandardRow:
    standard: Standard
    items: list[ItemRow]
    figure: Figure
    previous_average: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        if self.figure.average is None or self.previous_average is None:
            return None
        return self.figure.average - self.previous_average


@dataclass
class Gap:
    """Self and supervisor ratings of one item among reviewed assessments."""

    item: ApplicationItem
    pairs: int
    self_average: Decimal
    supervisor_average: Decimal

    @property
    def difference(self) -> Decimal:
        return self.supervisor_average - self.self_average


@dataclass
class Funnel:
    staff: int
    pledged: int | None
    submitted: int | None
    accepted: int | None
    hidden: bool

    def percent(self, value: int | None) -> int | None:
        if value is None or self.hidden or not self.staff:
            return None
        return round(100 * value / self.staff)

    @property
    def steps(self) -> list[dict]:
        return [
            {"key": "staff", "value": self.staff, "percent": 100 if self.staff else None},
            {"key": "pledged", "value": self.pledged, "percent": self.percent(self.pledged)},
            {"key": "submitted", "value": self.submitted, "percent": self.percent(self.submitted)},
            {"key": "accepted", "value": self.accepted, "percent": self.percent(self.accepted)},
        ]


@dataclass
class PersonRow:
    membership: Membership
    state: str | None
    averages: list[Decimal | None]


@dataclass
class OfficeReport:
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

    @property
    def items(self) -> list[ItemRow]:
        return [row for s in self.standards for row in s.items]

    @property
    def minimum(self) -> int:
        return minimum()


def _key(item: ApplicationItem) -> tuple[int, int]:
    return (item.standard.number, item.number)


def _summary_counts(cycle: Cycle, office_ids: list[int]) -> dict[tuple[int, int], Counts]:
    """Counts per (standard number, item number), summed over the offices: one query."""
    fields = {f"count_{v}": Sum(f"count_{v}") for v in SUMMARY_VALUES}
    rows = (
        ItemSummary.objects.filter(cycle=cycle, office_id__in=office_ids)
        .values("item__standard__number", "item__number")
        .annotate(**fields, count_na=Sum("count_na"))
        .order_by()
    )
    return {
        (r["item__standard__number"], r["item__number"]): Counts.from_row(r) for r in rows
    }


def _answer_counts(assessments) -> dict[tuple[int, int], Counts]:
    """Counts per item among the given assessments' answers: one query."""
    fields = {
        f"count_{v}": Count("pk", filter=Q(rating=v, not_applicable=False))
        for v in SUMMARY_VALUES
    }
    rows = (
        ItemResponse.objects.filter(assessment__in=assessments)
        .values("item__standard__number", "item__number")
        .annotate(**fields, count_na=Count("pk", filter=Q(not_applicable=True)))
        .order_by()
    )
    return {
        (r["item__standard__number"], r["item__number"]): Counts.from_row(r) for r in rows
    }


def _standard_rows(
    standards: list[Standard],
    counts: dict[tuple[int, int], Counts],
    previous: dict[tuple[int, int], Counts] | None,
    *,
    hidden: bool,
    previous_hidden: bool,
) -> list[StandardRow]:
    """Item and standard figures. A standard pools only its visible items, so that
    subtracting visible items from a standard can never reveal a hidden one."""
    rows = []
    for standard in standards:
        items = []
        pooled, previous_pooled = Counts(), Counts()
        for item in standard.items.all():
            key = (standard.number, item.number)
            figure = _figure(counts.get(key, Counts()), hidden)
            before = (previous or {}).get(key)
            before_figure = _figure(before, previous_hidden) if before else None
            items.append(
                ItemRow(
                    item=item,
                    figure=figure,
                    previous_average=before_figure.average if before_figure else None,
                )
            )
            if not figure.hidden:
                pooled.add(figure.counts)
            if before_figure is not None and not before_figure.hidden:
                previous_pooled.add(before_figure.counts)
        rows.append(
            StandardRow(
                standard=standard,
                items=items,
                figure=Figure(pooled, hidden or pooled.rated == 0),
                previous_average=None if previous_hidden else previous_pooled.average,
            )
        )
    return rows


def _pooled(standards: list[StandardRow], *, previous: bool = False):
    total = Counts()
    for row in standards:
        if not row.figure.hidden:
            total.add(row.figure.counts)
    return total


def _gaps(assessments, items_by_id: dict[int, ApplicationItem], hidden: bool) -> dict[int, Gap]:
    """Per item, self against supervisor ratings in each assessment's latest review (3 queries)."""
    if hidden:
        return {}
    latest: dict[int, int] = {}
    for review_id, assessment_id in (
        Review.objects.filter(assessment__in=assessments)
        .order_by("created_at", "id")
        .values_list("id", "assessment_id")
    ):
        latest[assessment_id] = review_id
    if not latest:
        return {}
    supervisor = {
        (a, i): r
        for a, i, r in ReviewItem.objects.filter(
            review_id__in=latest.values(), rating__isnull=False
        ).values_list("review__assessment_id", "item_id", "rating")
    }
    sums: dict[int, list[int]] = {}
    for a, i, r in ItemResponse.objects.filter(
        assessment_id__in=latest.keys(), rating__isnull=False
    ).values_list("assessment_id", "item_id", "rating"):
        if (a, i) in supervisor:
            entry = sums.setdefault(i, [0, 0, 0])
            entry[0] += 1
            entry[1] += r
            entry[2] += supervisor[(a, i)]
    return {
        item_id: Gap(
            item=items_by_id[item_id],
            pairs=n,
            self_average=_round(Decimal(own) / n),
            supervisor_average=_round(Decimal(theirs) / n),
        )
        for item_id, (n, own, theirs) in sums.items()
        if n >= minimum() and item_id in items_by_id
    }


def _people(memberships: list[Membership], assessments, standards: list[Standard]):
    """Each person's own average per standard (identified: managers only). Two queries."""
    states = dict(assessments.values_list("user_id", "state"))
    averages: dict[tuple[int, int], Decimal] = {}
    rows = (
        ItemResponse.objects.filter(
            assessment__in=assessments.filter(state__in=COUNTED), rating__isnull=False
        )
        .values("assessment__user_id", "item__standard_id")
        .annotate(total=Sum("rating"), n=Count("pk"))
        .order_by()
    )
    for row in rows:
        averages[(row["assessment__user_id"], row["item__standard_id"])] = _round(
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


def team_leads(office: Office) -> list[User]:
    """People in the office with direct reports: the teams a manager can filter by."""
    ids = (
        Membership.objects.filter(office=office, ended_at__isnull=True, reports_to__isnull=False)
        .values("reports_to_id")
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids).order_by("full_name", "email"))


def office_report(
    office: Office,
    cycle: Cycle,
    *,
    team_lead: User | None = None,
    identified: bool = False,
) -> OfficeReport:
    """The office's results for a cycle, or one team's when `team_lead` is given."""
    standards = edition_standards(cycle.edition)
    scale = list(RatingLevel.objects.filter(edition_id=cycle.edition_id).order_by("value"))
    items_by_id = {item.pk: item for s in standards for item in s.items.all()}
    for s in standards:
        for item in s.items.all():
            item.standard = s  # joined already: item codes need no further query
    earlier = previous_cycle(cycle)

    memberships = list(
        Membership.objects.filter(office=office, ended_at__isnull=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    office_staff = len(memberships)
    if team_lead is not None:
        memberships = [m for m in memberships if m.reports_to_id == team_lead.pk]
    user_ids = [m.user_id for m in memberships]
    staff = len(memberships)

    from pledges.models import Pledge

    pledges = Pledge.objects.filter(cycle=cycle, office=office, withdrawn_at__isnull=True)
    assessments = Assessment.objects.filter(cycle=cycle, office=office)
    if team_lead is not None:
        pledges = pledges.filter(user_id__in=user_ids)
        assessments = assessments.filter(user_id__in=user_ids)
        counts_row = assessments.aggregate(
            submitted=Count("pk", filter=Q(state__in=COUNTED)),
            accepted=Count("pk", filter=Q(state=Assessment.State.ACCEPTED)),
        )
        office_respondents = (
            ParticipationSummary.objects.filter(office=office, cycle=cycle)
            .values_list("submitted", flat=True)
            .first()
            or 0
        )
        submitted, accepted = counts_row["submitted"], counts_row["accepted"]
        hidden = subset_hidden(submitted, office_respondents) or submitted < minimum()
        funnel_hidden = subset_hidden(staff, office_staff) or staff < minimum()
        counted = assessments.filter(state__in=COUNTED)
        counts = {} if hidden else _answer_counts(counted)
    else:
        participation = (
            ParticipationSummary.objects.filter(office=office, cycle=cycle)
            .values_list("submitted", "accepted")
            .first()
        ) or (0, 0)
        submitted, accepted = participation
        hidden = submitted < minimum()
        funnel_hidden = staff < minimum()
        counted = assessments.filter(state__in=COUNTED)
        counts = {} if hidden else _summary_counts(cycle, [office.pk])
    pledged = pledges.count()

    previous_counts, previous_hidden = None, True
    if earlier is not None and not hidden:
        before = Assessment.objects.filter(cycle=earlier, office=office, state__in=COUNTED)
        if team_lead is not None:
            before = before.filter(user_id__in=user_ids)
            n_before = before.count()
            previous_hidden = n_before < minimum()
            previous_counts = {} if previous_hidden else _answer_counts(before)
        else:
            n_before = (
                ParticipationSummary.objects.filter(office=office, cycle=earlier)
                .values_list("submitted", flat=True)
                .first()
                or 0
            )
            previous_hidden = n_before < minimum()
            previous_counts = {} if previous_hidden else _summary_counts(earlier, [office.pk])

    rows = _standard_rows(
        standards, counts, previous_counts, hidden=hidden, previous_hidden=previous_hidden
    )
    gaps = _gaps(counted, items_by_id, hidden)
    for s in rows:
        for row in s.items:
            row.gap = gaps.get(row.item.pk)
    visible = [r for s in rows for r in s.items if r.figure.average is not None]
    strongest = sorted(visible, key=lambda r: (-r.figure.average, _key(r.item)))[:HIGHLIGHTS]
    weakest = sorted(visible, key=lambda r: (r.figure.average, _key(r.item)))[:HIGHLIGHTS]
    with_gaps = [r for s in rows for r in s.items if r.gap is not None]
    with_gaps.sort(key=lambda r: (-abs(r.gap.difference), _key(r.item)))
    overall = _pooled(rows)
    previous_overall = None
    if previous_counts and not previous_hidden:
        pooled = Counts()
        for s in rows:
            for r in s.items:
                if r.previous_average is not None:
                    pooled.add(previous_counts[_key(r.item)])
        previous_overall = pooled.average
    return OfficeReport(
        office=office,
        cycle=cycle,
        previous=earlier,
        team_lead=team_lead,
        scale=scale,
        funnel=Funnel(
            staff=staff,
            pledged=None if funnel_hidden else pledged,
            submitted=None if funnel_hidden else submitted,
            accepted=None if funnel_hidden else accepted,
            hidden=funnel_hidden,
        ),
        respondents=submitted,
        hidden=hidden,
        standards=rows,
        overall=Figure(overall, hidden or overall.rated == 0),
        previous_overall=previous_overall,
        strongest=strongest,
        weakest=weakest,
        gaps=with_gaps[:HIGHLIGHTS],
        people=_people(memberships, assessments, standards) if identified else None,
        generated_at=timezone.now(),
    )
