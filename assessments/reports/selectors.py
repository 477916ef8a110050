"""Reads for the office and association reports, in a fixed number of queries each.

Whole-office and association figures come from the maintained summaries; a team's
figures from its members' answers (a team is one supervisor's direct reports).
Every figure passes through `suppression` before it reaches a page or a file.
"""

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Count, F, Func, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Assessment, ItemResponse, Review, ReviewItem
from assessments.selectors import rating_scale, standards_with_items
from pledges.models import ApplicationItem, Cycle, Pledge, RatingLevel, Standard
from pledges.selectors import previous_cycle
from standards_portal.accounts.models import Association, Membership, Office, User

from .models import SUMMARY_VALUES, ItemSummary, ParticipationSummary, ReportFile
from .services import BENCHMARK_CACHE_SECONDS, COUNTED_STATES, benchmark_cache_key
from .suppression import hidden_cells, minimum, too_small

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
    def from_row(cls, row: dict, prefix: str = "count_") -> "Counts":
        return cls([row[f"{prefix}{v}"] or 0 for v in SUMMARY_VALUES], row[f"{prefix}na"] or 0)


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
    return {(r["item__standard__number"], r["item__number"]): Counts.from_row(r) for r in rows}


def _summary_counts_by_cycle(cycles: list[Cycle], office_id: int) -> dict[int, dict]:
    """As `_summary_counts` for one office, for several cycles in one query."""
    fields = {f"count_{v}": Sum(f"count_{v}") for v in SUMMARY_VALUES}
    rows = (
        ItemSummary.objects.filter(cycle__in=cycles, office_id=office_id)
        .values("cycle_id", "item__standard__number", "item__number")
        .annotate(**fields, count_na=Sum("count_na"))
        .order_by()
    )
    by_cycle: dict[int, dict] = {c.pk: {} for c in cycles}
    for r in rows:
        key = (r["item__standard__number"], r["item__number"])
        by_cycle[r["cycle_id"]][key] = Counts.from_row(r)
    return by_cycle


def _answer_counts_by_cycle(assessments) -> dict[int, dict]:
    """As `_answer_counts`, per cycle of the assessments, in one query (none if None)."""
    if assessments is None:
        return {}
    fields = {
        f"count_{v}": Count("pk", filter=Q(rating=v, not_applicable=False)) for v in SUMMARY_VALUES
    }
    rows = (
        ItemResponse.objects.filter(assessment__in=assessments)
        .values("assessment__cycle_id", "item__standard__number", "item__number")
        .annotate(**fields, count_na=Count("pk", filter=Q(not_applicable=True)))
        .order_by()
    )
    by_cycle: dict[int, dict] = {}
    for r in rows:
        key = (r["item__standard__number"], r["item__number"])
        by_cycle.setdefault(r["assessment__cycle_id"], {})[key] = Counts.from_row(r)
    return by_cycle


def _answer_counts(assessments) -> dict[tuple[int, int], Counts]:
    """Counts per item among the given assessments' answers: one query."""
    fields = {
        f"count_{v}": Count("pk", filter=Q(rating=v, not_applicable=False)) for v in SUMMARY_VALUES
    }
    rows = (
        ItemResponse.objects.filter(assessment__in=assessments)
        .values("item__standard__number", "item__number")
        .annotate(**fields, count_na=Count("pk", filter=Q(not_applicable=True)))
        .order_by()
    )
    return {(r["item__standard__number"], r["item__number"]): Counts.from_row(r) for r in rows}


def _standard_rows(
    standards: list[Standard],
    counts: dict[tuple[int, int], Counts],
    previous: dict[tuple[int, int], Counts] | None,
    *,
    hidden: bool,
    previous_hidden: bool,
    also_hidden: frozenset = frozenset(),
) -> list[StandardRow]:
    """Item and standard figures. A standard pools only its visible items, so that
    subtracting visible items from a standard can never reveal a hidden one."""
    rows = []
    for standard in standards:
        items = []
        pooled, previous_pooled = Counts(), Counts()
        for item in standard.items.all():
            key = (standard.number, item.number)
            figure = _figure(counts.get(key, Counts()), hidden or key in also_hidden)
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


def _pooled(standards: list[StandardRow]) -> Counts:
    total = Counts()
    for row in standards:
        if not row.figure.hidden:
            total.add(row.figure.counts)
    return total


def _gaps(assessments, items_by_id: dict[int, ApplicationItem], hidden: bool) -> dict[int, Gap]:
    """Per item, self against supervisor ratings in each assessment's latest review (1 query)."""
    if hidden:
        return {}
    # One query: each rated item of each assessment's latest review, with the person's own
    # rating of that item beside it.
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
        .values_list("item_id", "own", "rating")
    )
    sums: dict[int, list[int]] = {}
    for i, mine, theirs in pairs:
        if mine is not None:
            entry = sums.setdefault(i, [0, 0, 0])
            entry[0] += 1
            entry[1] += mine
            entry[2] += theirs
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
            averages[(row["user_id"], row["responses__item__standard_id"])] = _round(
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


def office_staff(office: Office) -> list[Membership]:
    """The office's current memberships with their people, by name (1 query)."""
    return list(
        Membership.objects.filter(office=office, ended_at__isnull=True)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


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
    the caller has read them already.
    """
    standards = standards_with_items(cycle.edition_id)  # read once per process
    scale = rating_scale(cycle.edition_id)
    items_by_id = {item.pk: item for s in standards for item in s.items.all()}
    earlier = _previous(cycle, cycles)

    memberships = office_staff(office) if staff is None else list(staff)
    team_of = {m.user_id: m.reports_to_id for m in memberships}
    if team_lead is not None:
        memberships = [m for m in memberships if m.reports_to_id == team_lead.pk]
    user_ids = [m.user_id for m in memberships]
    staff = len(memberships)

    assessments = Assessment.objects.filter(cycle=cycle, office=office)
    cycle_ids = [cycle.pk] + ([earlier.pk] if earlier is not None else [])
    if team_lead is not None:
        assessments = assessments.filter(user_id__in=user_ids)
        team = set(user_ids)
        # One query: the office's assessments this cycle and the last (user, cycle, state).
        submitted = accepted = n_before = 0
        respondents_by_team: dict = {}
        for cycle_id, user_id, state in Assessment.objects.filter(
            cycle_id__in=cycle_ids, office=office
        ).values_list("cycle_id", "user_id", "state"):
            if cycle_id != cycle.pk:
                n_before += user_id in team and state in COUNTED
                continue
            if state in COUNTED:
                # The office's teams partition it (people who left form one more part):
                # a team is shown only if no combination of visible parts isolates a
                # small one.
                key = team_of.get(user_id, "left")
                respondents_by_team[key] = respondents_by_team.get(key, 0) + 1
            if user_id in team:
                submitted += state in COUNTED
                accepted += state == Assessment.State.ACCEPTED
        staff_by_team: dict = {}
        for key in team_of.values():
            staff_by_team[key] = staff_by_team.get(key, 0) + 1
        hidden = submitted < minimum() or team_lead.pk in hidden_cells(respondents_by_team)
        funnel_hidden = staff < minimum() or team_lead.pk in hidden_cells(staff_by_team)
        previous_hidden = earlier is None or hidden or n_before < minimum()
        wanted = [c for c, shown in ((cycle, not hidden), (earlier, not previous_hidden)) if shown]
        by_cycle = _answer_counts_by_cycle(
            Assessment.objects.filter(
                cycle__in=wanted, office=office, user_id__in=user_ids, state__in=COUNTED
            )
            if wanted
            else None
        )
        pledged = Pledge.objects.filter(
            cycle=cycle, office=office, withdrawn_at__isnull=True, user_id__in=user_ids
        ).count()
    else:
        # The office's participation (this cycle and the last) and pledges in one query.
        def summary(cycle_id, name):
            rows = ParticipationSummary.objects.filter(office=OuterRef("pk"), cycle_id=cycle_id)
            return Coalesce(Subquery(rows.values(name)[:1]), 0)

        submitted, accepted, pledged, n_before = (
            Office.objects.filter(pk=office.pk)
            .annotate(
                submitted_n=summary(cycle.pk, "submitted"),
                accepted_n=summary(cycle.pk, "accepted"),
                pledged_n=_count(
                    Pledge.objects.filter(
                        office=OuterRef("pk"), cycle=cycle, withdrawn_at__isnull=True
                    )
                ),
                before_n=summary(earlier.pk if earlier else None, "submitted"),
            )
            .values_list("submitted_n", "accepted_n", "pledged_n", "before_n")
            .get()
        )
        hidden = submitted < minimum()
        funnel_hidden = staff < minimum()
        previous_hidden = earlier is None or hidden or n_before < minimum()
        wanted = [c for c, shown in ((cycle, not hidden), (earlier, not previous_hidden)) if shown]
        by_cycle = _summary_counts_by_cycle(wanted, office.pk) if wanted else {}
    counted = assessments.filter(state__in=COUNTED)
    counts = by_cycle.get(cycle.pk, {})
    previous_counts = None
    if earlier is not None and not hidden:
        previous_counts = by_cycle.get(earlier.pk, {})

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


# ----------------------------------------------------------------------------- association


@dataclass
class Spread:
    """The distribution of office averages: shown only with at least three offices."""

    offices: int
    lowest: Decimal | None = None
    lower_quartile: Decimal | None = None
    median: Decimal | None = None
    upper_quartile: Decimal | None = None
    highest: Decimal | None = None

    MIN_OFFICES = 3

    @property
    def shown(self) -> bool:
        return self.offices >= self.MIN_OFFICES

    def position(self, value: Decimal | None) -> str | None:
        """Where a value sits: "low" (bottom quarter), "middle" or "high" (top quarter)."""
        if value is None or not self.shown:
            return None
        if value < self.lower_quartile:
            return "low"
        if value > self.upper_quartile:
            return "high"
        return "middle"


def _spread(values: list[Decimal]) -> Spread:
    if len(values) < Spread.MIN_OFFICES:
        return Spread(len(values))
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(len(values), min(values), _round(q1), _round(q2), _round(q3), max(values))


@dataclass
class OfficeLine:
    office: Office
    label: str
    named: bool
    staff: int
    pledged: int
    submitted: int
    accepted: int
    participation_hidden: bool
    average: Decimal | None
    results_hidden: bool

    def rate(self, value: int) -> int | None:
        if self.participation_hidden or not self.staff:
            return None
        return round(100 * value / self.staff)

    @property
    def pledged_rate(self):
        return self.rate(self.pledged)

    @property
    def submitted_rate(self):
        return self.rate(self.submitted)

    @property
    def accepted_rate(self):
        return self.rate(self.accepted)


@dataclass
class TrendPoint:
    cycle: Cycle
    respondents: int | None
    average: Decimal | None


@dataclass
class AssociationReport:
    association: Association
    cycle: Cycle
    scale: list[RatingLevel]
    offices: list[OfficeLine]
    totals: Funnel
    respondents: int
    hidden: bool
    standards: list[StandardRow]
    overall: Figure
    spread: Spread
    standard_spreads: list[tuple[Standard, Spread]]
    trend: list[TrendPoint]
    generated_at: object = None

    @property
    def items(self) -> list[ItemRow]:
        return [row for s in self.standards for row in s.items]

    @property
    def minimum(self) -> int:
        return minimum()

    @property
    def staff_total_shown(self) -> bool:
        """Unnamed offices' staff counts are left out, so the total would give them away."""
        return all(line.named for line in self.offices)


_RATED = sum((F(f"count_{v}") for v in SUMMARY_VALUES[1:]), F(f"count_{SUMMARY_VALUES[0]}"))
_TOTAL = sum((v * F(f"count_{v}") for v in SUMMARY_VALUES[1:]), F(f"count_{SUMMARY_VALUES[0]}"))


def _office_sums(cycle_ids: list[int], office_ids: list[int], by: tuple[str, ...]):
    return (
        ItemSummary.objects.filter(cycle_id__in=cycle_ids, office_id__in=office_ids)
        .values(*by)
        .annotate(total=Sum(_TOTAL), rated=Sum(_RATED))
        .order_by()
    )


def _average(total, rated) -> Decimal | None:
    return _round(Decimal(total) / rated) if rated else None


@dataclass
class _Distributions:
    visible_offices: set
    office_average: dict[int, Decimal | None]
    spread: Spread
    standard_spreads: list[tuple[Standard, Spread]]
    office_standard_average: dict[tuple[int, int], Decimal]


def _opens(cycle: Cycle):
    return cycle.opens_on


def _distributions(
    cycle: Cycle,
    offices: list[Office],
    standards: list[Standard],
    *,
    respondents: dict[int, int] | None = None,
    office_ids=None,
):
    """Office averages (overall and per standard) and their spread, suppressed.

    One query for the sums per office and standard (the office's overall figure is their
    total), and one for the respondents unless given. `office_ids`: a subquery selecting
    the same offices, cheaper than a long list of ids.
    """
    if office_ids is None:
        office_ids = [o.pk for o in offices]
    if respondents is None:
        respondents = dict(
            ParticipationSummary.objects.filter(cycle=cycle, office_id__in=office_ids).values_list(
                "office_id", "submitted"
            )
        )
    sizes = {o.pk: respondents.get(o.pk, 0) for o in offices}
    rows = _office_sums([cycle.pk], office_ids, ("office_id", "item__standard__number"))
    return _spreads(list(rows), sizes, standards), sizes, hidden_cells(sizes)


def _spreads(rows: list[dict], sizes: dict[int, int], standards: list[Standard]):
    """_Distributions from sums per (office, standard number) and respondents per office."""
    hidden = hidden_cells(sizes)
    visible = {pk for pk, n in sizes.items() if n and pk not in hidden}
    per_office: dict[int, list[int]] = {}
    per_standard: dict[int, list[Decimal]] = {}
    office_standard_average = {}
    for row in rows:
        if row["office_id"] not in visible:
            continue
        sums = per_office.setdefault(row["office_id"], [0, 0])
        sums[0] += row["total"] or 0
        sums[1] += row["rated"] or 0
        if row["rated"] and row["rated"] >= minimum():
            value = _average(row["total"], row["rated"])
            per_standard.setdefault(row["item__standard__number"], []).append(value)
            office_standard_average[(row["office_id"], row["item__standard__number"])] = value
    office_average = {
        pk: _average(total, rated)
        for pk, (total, rated) in per_office.items()
        if rated and rated >= minimum()
    }
    return _Distributions(
        visible_offices=visible,
        office_average=office_average,
        spread=_spread([v for v in office_average.values() if v is not None]),
        standard_spreads=[(s, _spread(per_standard.get(s.number, []))) for s in standards],
        office_standard_average=office_standard_average,
    )


def _previous(cycle: Cycle, cycles: list[Cycle] | None) -> Cycle | None:
    """The cycle before this one, from the caller's list of opened cycles if it has one."""
    if cycles is None:
        return previous_cycle(cycle)
    return next((c for c in cycles if c.opens_on < cycle.opens_on), None)


def _count(queryset) -> Subquery:
    """A correlated COUNT(*) of `queryset` (filtered on an OuterRef) as an annotation."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted), 0)


def association_report(
    association: Association, cycle: Cycle, *, cycles: list[Cycle] | None = None
) -> AssociationReport:
    """Participation and results across the association's member offices, from summaries.

    A fixed number of queries whatever the number of offices; the offices are selected
    by a subquery, not a list of ids. `cycles`: every cycle opened so far, newest first,
    when the caller has read them.
    """
    standards = standards_with_items(cycle.edition_id)  # read once per process
    scale = rating_scale(cycle.edition_id)
    member_ids = association.offices.through.objects.filter(association=association).values(
        "office_id"
    )
    offices = list(
        association.offices.order_by("state", "name").annotate(
            staff_n=_count(Membership.objects.filter(office=OuterRef("pk"), ended_at__isnull=True)),
            pledged_n=_count(
                Pledge.objects.filter(office=OuterRef("pk"), cycle=cycle, withdrawn_at__isnull=True)
            ),
        )
    )
    office_ids = [o.pk for o in offices]
    staff = {o.pk: o.staff_n for o in offices}
    pledged = {o.pk: o.pledged_n for o in offices}
    participation = _participation(member_ids)
    respondents = {pk: participation.get((cycle.pk, pk), (0, 0))[0] for pk in office_ids}
    accepted = {pk: participation.get((cycle.pk, pk), (0, 0))[1] for pk in office_ids}
    dist, respondents, results_hidden = _distributions(
        cycle, offices, standards, respondents=respondents, office_ids=member_ids
    )
    staff_sizes = {pk: staff.get(pk, 0) for pk in office_ids}
    participation_hidden = hidden_cells(staff_sizes)

    lines, unnamed = [], 0
    for office in sorted(offices, key=lambda o: (not o.named_in_benchmarks, o.state, o.name)):
        if office.named_in_benchmarks:
            label = office.name
        else:
            unnamed += 1
            label = _("Unnamed office %(n)s") % {"n": unnamed}
        lines.append(
            OfficeLine(
                office=office,
                label=label,
                named=office.named_in_benchmarks,
                staff=staff_sizes[office.pk],
                pledged=pledged.get(office.pk, 0),
                submitted=respondents.get(office.pk, 0),
                accepted=accepted.get(office.pk, 0),
                participation_hidden=office.pk in participation_hidden,
                average=dist.office_average.get(office.pk),
                results_hidden=office.pk in results_hidden,
            )
        )

    total_staff = sum(staff_sizes.values())
    total_respondents = sum(respondents.values())
    # An office's manager knows their own office: what the association adds to it must
    # itself be empty or large enough, or the total would reveal the others.
    totals_hidden = too_small(total_staff) or _rest_too_small(staff_sizes)
    hidden = total_respondents < minimum() or _rest_too_small(respondents)

    # Aliases differ from the field names: an alias named like a field would shadow it in _RATED.
    fields = {f"sum_{v}": Sum(f"count_{v}") for v in SUMMARY_VALUES}
    rows = (
        ItemSummary.objects.filter(cycle=cycle, office_id__in=member_ids)
        .values("item__standard__number", "item__number")
        .annotate(**fields, sum_na=Sum("count_na"), largest=Max(_RATED))
        .order_by()
    )
    counts, largest = {}, {}
    for r in rows:
        key = (r["item__standard__number"], r["item__number"])
        counts[key] = Counts.from_row(r, "sum_")
        largest[key] = r["largest"] or 0
    # A manager knows their own office's figures: what remains without the largest
    # office must itself be empty or large enough.
    complement = frozenset(k for k, c in counts.items() if too_small(c.rated - largest[k]))
    standard_rows = _standard_rows(
        standards, counts, None, hidden=hidden, previous_hidden=True, also_hidden=complement
    )
    overall = _pooled(standard_rows)

    return AssociationReport(
        association=association,
        cycle=cycle,
        scale=scale,
        offices=lines,
        totals=Funnel(
            staff=total_staff,
            pledged=None if totals_hidden else sum(pledged.values()),
            submitted=None if totals_hidden else total_respondents,
            accepted=None if totals_hidden else sum(accepted.values()),
            hidden=totals_hidden,
        ),
        respondents=total_respondents,
        hidden=hidden,
        standards=standard_rows,
        overall=Figure(overall, hidden or overall.rated == 0),
        spread=dist.spread,
        standard_spreads=dist.standard_spreads,
        trend=_trend(cycle, member_ids, participation, cycles),
        generated_at=timezone.now(),
    )


def _rest_too_small(sizes: dict) -> bool:
    """True when the total minus its largest part is a small group."""
    values = list(sizes.values())
    return bool(values) and too_small(sum(values) - max(values))


def _participation(office_ids) -> dict[tuple[int, int], tuple[int, int]]:
    """(submitted, accepted) by (cycle id, office id), every cycle (1 query)."""
    return {
        (cycle_id, office_id): (submitted, accepted)
        for cycle_id, office_id, submitted, accepted in ParticipationSummary.objects.filter(
            office_id__in=office_ids
        ).values_list("cycle_id", "office_id", "submitted", "accepted")
    }


def _trend(cycle: Cycle, office_ids, participation, cycles=None) -> list[TrendPoint]:
    """The association's overall average in every cycle up to this one (1 or 2 queries)."""
    if cycles is None:
        cycles = list(Cycle.objects.filter(opens_on__lte=cycle.opens_on).order_by("opens_on"))
    else:
        cycles = sorted((c for c in cycles if c.opens_on <= cycle.opens_on), key=_opens)
    per_office: dict[int, dict[int, int]] = {}
    for (cycle_id, office_id), (n, _accepted) in participation.items():
        per_office.setdefault(cycle_id, {})[office_id] = n
    respondents = {cycle_id: sum(sizes.values()) for cycle_id, sizes in per_office.items()}
    sums = {
        row["cycle_id"]: row
        for row in _office_sums([c.pk for c in cycles], office_ids, ("cycle_id",))
    }
    points = []
    for c in cycles:
        n = respondents.get(c.pk, 0)
        row = sums.get(c.pk)
        hidden = too_small(n) or _rest_too_small(per_office.get(c.pk, {}))
        if hidden or n < minimum() or row is None:
            points.append(TrendPoint(c, None if hidden else n, None))
        else:
            points.append(TrendPoint(c, n, _average(row["total"], row["rated"])))
    return points


@dataclass
class Benchmark:
    association: Association
    spread: Spread
    office_average: Decimal | None
    standards: list[dict]

    @property
    def position(self) -> str | None:
        return self.spread.position(self.office_average)


def office_benchmarks(office: Office, cycle: Cycle, report: OfficeReport) -> list[Benchmark]:
    """The office beside each of its associations' spread of office averages.

    The spreads are kept in the shared cache per office and cycle until a submission,
    acceptance or reopening in an office of one of its associations changes them
    (`services.summaries_apply`), or for BENCHMARK_CACHE_SECONDS at most. Computing them
    takes two queries whatever the number of associations and offices.
    """
    key = benchmark_cache_key(office.pk, office.created_at, cycle.pk)
    spreads = cache.get(key)
    if spreads is None:
        spreads = _association_spreads(office, cycle, [row.standard for row in report.standards])
        cache.set(key, spreads, BENCHMARK_CACHE_SECONDS)
    return [
        Benchmark(
            association=association,
            spread=overall,
            office_average=report.overall.average,
            standards=[
                {
                    "standard": row.standard,
                    "average": row.figure.average,
                    "spread": by_number[row.standard.number],
                    "position": by_number[row.standard.number].position(row.figure.average),
                }
                for row in report.standards
            ],
        )
        for association, overall, by_number in spreads
    ]


def _association_spreads(office: Office, cycle: Cycle, standards: list[Standard]) -> list:
    """[(association, overall spread, {standard number: spread})] by association name:
    one query for the associations, their offices and respondents, one for the sums."""
    through = Association.offices.through
    summary = ParticipationSummary.objects.filter(office=OuterRef("office_id"), cycle=cycle)
    links = (
        through.objects.filter(association__in=office.associations.values("pk"))
        .select_related("association")
        .annotate(submitted=Coalesce(Subquery(summary.values("submitted")[:1]), 0))
    )
    associations: dict[int, Association] = {}
    sizes: dict[int, dict[int, int]] = {}
    for link in links:
        associations.setdefault(link.association_id, link.association)
        sizes.setdefault(link.association_id, {})[link.office_id] = link.submitted
    if not associations:
        return []
    member_ids = through.objects.filter(association_id__in=list(associations)).values("office_id")
    rows = list(_office_sums([cycle.pk], member_ids, ("office_id", "item__standard__number")))
    spreads = []
    for association in sorted(associations.values(), key=lambda a: (a.name, a.pk)):
        members = sizes[association.pk]
        dist = _spreads([r for r in rows if r["office_id"] in members], members, standards)
        by_number = {s.number: spread for s, spread in dist.standard_spreads}
        spreads.append((association, dist.spread, by_number))
    return spreads


def report_files(user: User, *, cycle: Cycle, office=None, association=None, team_lead=None):
    """The user's latest background PDFs of this report, without their content (1 query)."""
    files = ReportFile.objects.filter(requested_by=user, cycle=cycle).defer("content")
    if office is not None:
        files = files.filter(office=office, team_lead=team_lead)
    else:
        files = files.filter(association=association)
    return list(files.order_by("-created_at", "-id")[:3])
