"""The association report: participation and results across the member offices, read
from the maintained summaries in a fixed number of queries whatever their number.

Offices are selected by a subquery, never a long list of ids. Every figure passes
through `reports.suppression`; an office's manager knows their own office's figures,
so a total is shown only when what the others add to it is empty or large enough.
"""

import statistics
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Max, OuterRef, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Association, Membership, Office
from assessments.models import SUMMARY_VALUES, ItemSummary, ParticipationSummary
from assessments.selectors import rating_scale, standards_with_items
from core import suppression
from pledges.models import Cycle, Pledge, RatingLevel, Standard

from .figures import (
    RATED,
    Counts,
    Figure,
    Funnel,
    ReportFigures,
    StandardRow,
    average,
    office_sums,
    pooled,
    rounded,
    standard_rows,
)
from .office import count_of


@dataclass
class Spread:
    """The distribution of office averages: shown only with at least five offices.

    With fewer, the quartiles give the others away: with three, the lowest is
    2 x lower quartile - median and the highest 2 x upper quartile - median; with four, a
    manager who knows their own office's average solves for the other three. Below five
    nothing comparative is shown, not even a position."""

    offices: int
    lowest: Decimal | None = None
    lower_quartile: Decimal | None = None
    median: Decimal | None = None
    upper_quartile: Decimal | None = None
    highest: Decimal | None = None

    MIN_OFFICES = 5

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


def spread(values: list[Decimal]) -> Spread:
    if len(values) < Spread.MIN_OFFICES:
        return Spread(len(values))
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return Spread(len(values), min(values), rounded(q1), rounded(q2), rounded(q3), max(values))


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
    # Election workers, counted apart (they take no self-assessment).
    workers: int = 0
    workers_pledged: int = 0
    workers_hidden: bool = False

    @property
    def workers_shown(self) -> bool:
        """A named office's election workers, when there are enough of them."""
        return self.named and self.workers > 0 and not self.workers_hidden

    @property
    def workers_pledged_rate(self) -> int | None:
        if not self.workers_shown:
            return None
        return round(100 * self.workers_pledged / self.workers)

    @property
    def participation_shown(self) -> bool:
        """Staff and shares are shown for named offices large enough. An unnamed office's
        shares are not: with the totals, any share of a hidden staff gives the staff away."""
        return self.named and not self.participation_hidden

    def rate(self, value: int) -> int | None:
        if not self.participation_shown or not self.staff:
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
class AssociationReport(ReportFigures):
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
    def shown_offices(self) -> list[OfficeLine]:
        return [line for line in self.offices if line.participation_shown]

    @property
    def worker_offices(self) -> list[OfficeLine]:
        """The offices whose election workers are shown, or said to be suppressed."""
        return [line for line in self.offices if line.named and line.workers]

    @property
    def not_shown(self) -> int:
        """Offices whose participation is not shown (unnamed, or too small)."""
        return len(self.offices) - len(self.shown_offices)

    @property
    def shown_totals(self) -> Funnel:
        """Participation over the offices whose own rows show it: a total that adds up the
        rows above and nothing else, so subtracting rows from it reveals nobody. A total
        over every office would give away the one left out (its staff, with its shares)."""
        lines = self.shown_offices
        return Funnel(
            staff=sum(line.staff for line in lines),
            pledged=sum(line.pledged for line in lines),
            submitted=sum(line.submitted for line in lines),
            accepted=sum(line.accepted for line in lines),
            hidden=not lines,
        )


@dataclass
class Distributions:
    """Office averages, overall and per standard, and their spreads, as shown."""

    office_average: dict[int, Decimal]
    spread: Spread
    standard_spreads: list[tuple[Standard, Spread]]


def distributions(rows: list[dict], sizes: dict[int, int], standards: list[Standard]):
    """Distributions from sums per (office, standard number) and respondents per office.

    Offices hidden by suppression (too few respondents, or their complements) are left
    out. The sums pool only the items that at least the minimum of an office's people
    rated (`figures.office_sums`), so every office or standard average here stands on
    at least that many people, however many ratings one person gives."""
    hidden = suppression.hidden_cells(sizes)
    visible = {pk for pk, n in sizes.items() if n and pk not in hidden}
    per_office: dict[int, list[int]] = {}
    per_standard: dict[int, list[Decimal]] = {}
    for row in rows:
        if row["office_id"] not in visible:
            continue
        sums = per_office.setdefault(row["office_id"], [0, 0])
        sums[0] += row["total"] or 0
        sums[1] += row["rated"] or 0
        if row["rated"] and not suppression.below_minimum(row["rated"]):
            value = average(row["total"], row["rated"])
            per_standard.setdefault(row["item__standard__number"], []).append(value)
    office_average = {
        pk: average(total, rated)
        for pk, (total, rated) in per_office.items()
        if rated and not suppression.below_minimum(rated)
    }
    return Distributions(
        office_average=office_average,
        spread=spread(list(office_average.values())),
        standard_spreads=[(s, spread(per_standard.get(s.number, []))) for s in standards],
    )


def _member_offices(association: Association, cycle: Cycle) -> list[Office]:
    """The member offices with their current staff and pledges in the cycle, election
    workers and their pledges apart (one query)."""
    worker = Membership.Role.ELECTION_WORKER
    current = Membership.objects.filter(office=OuterRef("pk"), ended_at__isnull=True)
    pledges = Pledge.objects.filter(office=OuterRef("pk"), cycle=cycle, withdrawn_at__isnull=True)
    by_workers = pledges.filter(
        user__memberships__office=OuterRef("pk"),
        user__memberships__ended_at__isnull=True,
        user__memberships__role=worker,
    )
    offices = list(
        association.offices.order_by("state", "name").annotate(
            staff_n=count_of(current.exclude(role=worker)),
            workers_n=count_of(current.filter(role=worker)),
            all_pledged_n=count_of(pledges),
            workers_pledged_n=count_of(by_workers),
        )
    )
    for office in offices:
        office.pledged_n = office.all_pledged_n - office.workers_pledged_n
    return offices


def _participation(office_ids) -> dict[tuple[int, int], tuple[int, int]]:
    """(submitted, accepted) by (cycle id, office id), every cycle (1 query)."""
    return {
        (cycle_id, office_id): (submitted, accepted)
        for cycle_id, office_id, submitted, accepted in ParticipationSummary.objects.filter(
            office_id__in=office_ids
        ).values_list("cycle_id", "office_id", "submitted", "accepted")
    }


def _office_lines(offices, dist: Distributions, respondents, accepted) -> list[OfficeLine]:
    """One line per member office, named ones first; unnamed ones get a number."""
    results_hidden = suppression.hidden_cells(respondents)
    participation_hidden = suppression.hidden_cells({o.pk: o.staff_n for o in offices})
    workers_hidden = suppression.hidden_cells({o.pk: o.workers_n for o in offices})
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
                staff=office.staff_n,
                pledged=office.pledged_n,
                submitted=respondents[office.pk],
                accepted=accepted[office.pk],
                participation_hidden=office.pk in participation_hidden,
                average=dist.office_average.get(office.pk),
                results_hidden=office.pk in results_hidden,
                workers=office.workers_n,
                workers_pledged=office.workers_pledged_n,
                workers_hidden=office.pk in workers_hidden,
            )
        )
    return lines


def _totals(offices: list[Office], respondents: dict, accepted: dict) -> Funnel:
    """The association's funnel, hidden when the offices other than the largest are few."""
    staff = {o.pk: o.staff_n for o in offices}
    total_staff = sum(staff.values())
    hidden = suppression.too_small(total_staff) or suppression.rest_too_small(staff)
    return Funnel(
        staff=total_staff,
        pledged=None if hidden else sum(o.pledged_n for o in offices),
        submitted=None if hidden else sum(respondents.values()),
        accepted=None if hidden else sum(accepted.values()),
        hidden=hidden,
    )


def _item_counts(cycle_ids: list[int], member_ids) -> dict[int, tuple[dict, frozenset]]:
    """Per cycle: counts per item key over the member offices, and the item keys to hide
    because an office's manager, who knows their own office's figures, would learn that
    the other offices hold a small group for it (one query).

    Counted in people, both those who rated the item and those who answered it (a share
    of N/A is a figure too). The largest office leaves the smallest rest: when the rest
    without it is empty or large enough, so is the rest without any other office."""
    # Aliases differ from the field names: an alias named like a field would shadow it in RATED.
    fields = {f"sum_{v}": Sum(f"count_{v}") for v in SUMMARY_VALUES}
    rows = (
        ItemSummary.objects.filter(cycle_id__in=cycle_ids, office_id__in=member_ids)
        .values("cycle_id", "item__standard__number", "item__number")
        .annotate(
            **fields,
            sum_na=Sum("count_na"),
            largest=Max(RATED),
            largest_answered=Max(RATED + F("count_na")),
        )
        .order_by()
    )
    found: dict[int, tuple[dict, set]] = {pk: ({}, set()) for pk in cycle_ids}
    for r in rows:
        key = (r["item__standard__number"], r["item__number"])
        counts = Counts.from_row(r, "sum_")
        by_key, hidden = found.setdefault(r["cycle_id"], ({}, set()))
        by_key[key] = counts
        if suppression.complement_too_small(
            counts.rated, r["largest"] or 0
        ) or suppression.complement_too_small(counts.answered, r["largest_answered"] or 0):
            hidden.add(key)
    return {pk: (by_key, frozenset(hidden)) for pk, (by_key, hidden) in found.items()}


def _trend_cycles(cycle: Cycle, cycles: list[Cycle] | None) -> list[Cycle]:
    """Every cycle up to this one, oldest first (one query unless the caller has them)."""
    if cycles is None:
        return list(Cycle.objects.filter(opens_on__lte=cycle.opens_on).order_by("opens_on"))
    return sorted((c for c in cycles if c.opens_on <= cycle.opens_on), key=_opens)


def _trend(
    cycles: list[Cycle], participation, item_counts, *, counts_shown: bool
) -> list[TrendPoint]:
    """The association's overall average in every cycle up to this one, pooled over the
    items that cycle's report would show: the trend's last point is the report's overall
    average, so comparing the two reveals nothing about a hidden item.

    The number of self-assessments is given only when every office shows its own
    (`counts_shown`): otherwise the total minus the offices shown is what the hidden
    offices submitted."""
    per_office: dict[int, dict[int, int]] = {}
    for (cycle_id, office_id), (n, _accepted) in participation.items():
        per_office.setdefault(cycle_id, {})[office_id] = n
    points = []
    for c in cycles:
        sizes = per_office.get(c.pk, {})
        n = sum(sizes.values())
        hidden = suppression.too_small(n) or suppression.rest_too_small(sizes)
        if hidden or suppression.below_minimum(n):
            points.append(TrendPoint(c, None if hidden else n, None))
            continue
        counts, also_hidden = item_counts.get(c.pk, ({}, frozenset()))
        shown = Counts()
        for key, item in counts.items():
            if key not in also_hidden and not suppression.below_minimum(item.rated):
                shown.add(item)
        points.append(TrendPoint(c, n if counts_shown else None, shown.average))
    return points


def _opens(cycle: Cycle):
    return cycle.opens_on


def association_report(
    association: Association, cycle: Cycle, *, cycles: list[Cycle] | None = None
) -> AssociationReport:
    """Participation and results across the association's member offices, from summaries.

    `cycles`: every cycle opened so far, newest first, when the caller has read them.
    """
    standards = standards_with_items(cycle.edition_id)  # read once per process
    member_ids = association.offices.through.objects.filter(association=association).values(
        "office_id"
    )
    offices = _member_offices(association, cycle)
    participation = _participation(member_ids)
    respondents = {o.pk: participation.get((cycle.pk, o.pk), (0, 0))[0] for o in offices}
    accepted = {o.pk: participation.get((cycle.pk, o.pk), (0, 0))[1] for o in offices}
    sums = office_sums([cycle.pk], member_ids, ("office_id", "item__standard__number"))
    dist = distributions(list(sums), respondents, standards)
    total_respondents = sum(respondents.values())
    hidden = suppression.below_minimum(total_respondents) or suppression.rest_too_small(respondents)
    trend_cycles = _trend_cycles(cycle, cycles)
    item_counts = _item_counts([c.pk for c in trend_cycles], member_ids)
    counts, also_hidden = item_counts.get(cycle.pk, ({}, frozenset()))
    rows = standard_rows(
        standards, counts, None, hidden=hidden, previous_hidden=True, also_hidden=also_hidden
    )
    overall = pooled(rows)
    lines = _office_lines(offices, dist, respondents, accepted)
    trend = _trend(
        trend_cycles,
        participation,
        item_counts,
        counts_shown=all(line.participation_shown for line in lines),
    )
    return AssociationReport(
        association=association,
        cycle=cycle,
        scale=rating_scale(cycle.edition_id),
        offices=lines,
        totals=_totals(offices, respondents, accepted),
        respondents=total_respondents,
        hidden=hidden,
        standards=rows,
        overall=Figure(overall, hidden or overall.rated == 0),
        spread=dist.spread,
        standard_spreads=dist.standard_spreads,
        trend=trend,
        generated_at=timezone.now(),
    )
