"""The figures every report shows: distributions of ratings, as counted and as shown.

A `Figure` is hidden when too few people stand behind it (see `reports.suppression`);
standards pool only their visible items, so subtracting visible items from a standard
can never reveal a hidden one.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    StringAgg,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat
from django.db.models.lookups import GreaterThanOrEqual

from accounts.models import Association
from assessments.models import SUMMARY_VALUES, ItemResponse, ItemSummary, ParticipationSummary
from core.suppression import minimum
from pledges.models import ApplicationItem, Cycle, Standard
from pledges.selectors import previous_cycle

HIGHLIGHTS = 5  # strongest items, items most in need of training, largest gaps

# Per summary row: how many rated the item (not N/A), and the sum of their ratings.
RATED = sum((F(f"count_{v}") for v in SUMMARY_VALUES[1:]), F(f"count_{SUMMARY_VALUES[0]}"))
TOTAL = sum((v * F(f"count_{v}") for v in SUMMARY_VALUES[1:]), F(f"count_{SUMMARY_VALUES[0]}"))


def rounded(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def average(total, rated) -> Decimal | None:
    return rounded(Decimal(total) / rated) if rated else None


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
        return average(self.total, self.rated)

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


def figure(counts: Counts, population_hidden: bool, floor: int | None = None) -> Figure:
    """Hidden when the population is, or fewer than `floor` people (default: the
    minimum) rated it; an identified report passes 1: only an empty figure is hidden."""
    floor = minimum() if floor is None else floor
    return Figure(counts, population_hidden or counts.rated < floor)


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


class _Change:
    """The change of a row's average since the previous cycle (None when either is missing)."""

    figure: Figure
    previous_average: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.figure.average is None or self.previous_average is None:
            return None
        return self.figure.average - self.previous_average


@dataclass
class ItemRow(_Change):
    item: ApplicationItem
    figure: Figure
    previous_average: Decimal | None = None
    gap: Gap | None = None


@dataclass
class StandardRow(_Change):
    standard: Standard
    items: list[ItemRow]
    figure: Figure
    previous_average: Decimal | None = None


@dataclass
class Funnel:
    """Staff, and how many of them pledged, submitted and were accepted; election workers
    apart: how many, and how many of them pledged (they take no self-assessment)."""

    staff: int
    pledged: int | None
    submitted: int | None
    accepted: int | None
    hidden: bool
    workers: int = 0
    workers_pledged: int | None = None
    workers_hidden: bool = False

    @property
    def workers_percent(self) -> int | None:
        if self.workers_pledged is None or self.workers_hidden or not self.workers:
            return None
        return round(100 * self.workers_pledged / self.workers)

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


class ReportFigures:
    """What the office and association reports share: their standards' rows of items."""

    standards: list[StandardRow]

    @property
    def items(self) -> list[ItemRow]:
        return [row for s in self.standards for row in s.items]

    @property
    def minimum(self) -> int:
        """Fewer people than this stand behind no figure."""
        return minimum()


def item_key(item: ApplicationItem) -> tuple[int, int]:
    """An item across editions: its standard's number and its own."""
    return (item.standard.number, item.number)


def _counts_by_cycle(rows, cycle_key: str) -> dict[int, dict]:
    """Counts per cycle and item key, from rows of per-item sums."""
    by_cycle: dict[int, dict] = {}
    for r in rows:
        key = (r["item__standard__number"], r["item__number"])
        by_cycle.setdefault(r[cycle_key], {})[key] = Counts.from_row(r)
    return by_cycle


def summary_counts_by_cycle(cycles: list[Cycle], office_id: int) -> dict[int, dict]:
    """Counts per item key from one office's summaries, for several cycles (one query)."""
    fields = {f"count_{v}": Sum(f"count_{v}") for v in SUMMARY_VALUES}
    rows = (
        ItemSummary.objects.filter(cycle__in=cycles, office_id=office_id)
        .values("cycle_id", "item__standard__number", "item__number")
        .annotate(**fields, count_na=Sum("count_na"))
        .order_by()
    )
    return {c.pk: {} for c in cycles} | _counts_by_cycle(rows, "cycle_id")


def answer_counts_by_cycle(assessments) -> dict[int, dict]:
    """Counts per item key among the given assessments' answers, per cycle (one query)."""
    fields = {
        f"count_{v}": Count("pk", filter=Q(rating=v, not_applicable=False)) for v in SUMMARY_VALUES
    }
    rows = (
        ItemResponse.objects.filter(assessment__in=assessments)
        .values("assessment__cycle_id", "item__standard__number", "item__number")
        .annotate(**fields, count_na=Count("pk", filter=Q(not_applicable=True)))
        .order_by()
    )
    return _counts_by_cycle(rows, "assessment__cycle_id")


def answer_counts_split(assessments, user_ids: list[int]) -> tuple[dict, dict]:
    """Counts per cycle and item key among the assessments' answers: of the given people,
    and of everyone else apart (one query)."""
    fields = {
        f"count_{v}": Count("pk", filter=Q(rating=v, not_applicable=False)) for v in SUMMARY_VALUES
    }
    part = Case(When(assessment__user_id__in=user_ids, then=Value(1)), default=Value(0))
    rows = list(
        ItemResponse.objects.filter(assessment__in=assessments)
        .annotate(part=part)
        .values("assessment__cycle_id", "item__standard__number", "item__number", "part")
        .annotate(**fields, count_na=Count("pk", filter=Q(not_applicable=True)))
        .order_by()
    )
    return (
        _counts_by_cycle([r for r in rows if r["part"]], "assessment__cycle_id"),
        _counts_by_cycle([r for r in rows if not r["part"]], "assessment__cycle_id"),
    )


def office_sums(cycle_ids: list[int], office_ids, by: tuple[str, ...]):
    """Rating totals and how many rated, from the summaries, grouped `by` (a queryset).

    Each office pools only the items that at least the minimum of its people rated, as its
    own report does: a standard's average stands on people, never on one person's many
    ratings."""
    shown = GreaterThanOrEqual(RATED, minimum())
    return (
        ItemSummary.objects.filter(cycle_id__in=cycle_ids, office_id__in=office_ids)
        .values(*by)
        .annotate(
            total=Sum(Case(When(shown, then=TOTAL), default=Value(0))),
            rated=Sum(Case(When(shown, then=RATED), default=Value(0))),
        )
        .order_by()
    )


def _standard_row(standard, counts, previous, hidden, previous_hidden, also_hidden, floor):
    items = []
    pooled, previous_pooled = Counts(), Counts()
    also_hidden, previous_also_hidden = also_hidden
    for item in standard.items.all():
        key = (standard.number, item.number)
        shown = figure(counts.get(key, Counts()), hidden or key in also_hidden, floor)
        before = (previous or {}).get(key)
        before_figure = (
            figure(before, previous_hidden or key in previous_also_hidden, floor)
            if before
            else None
        )
        items.append(
            ItemRow(
                item=item,
                figure=shown,
                previous_average=before_figure.average if before_figure else None,
            )
        )
        if not shown.hidden:
            pooled.add(shown.counts)
        if before_figure is not None and not before_figure.hidden:
            previous_pooled.add(before_figure.counts)
    return StandardRow(
        standard=standard,
        items=items,
        figure=Figure(pooled, hidden or pooled.rated == 0),
        previous_average=None if previous_hidden else previous_pooled.average,
    )


def standard_rows(
    standards: list[Standard],
    counts: dict[tuple[int, int], Counts],
    previous: dict[tuple[int, int], Counts] | None,
    *,
    hidden: bool,
    previous_hidden: bool,
    also_hidden: frozenset = frozenset(),
    previous_also_hidden: frozenset = frozenset(),
    floor: int | None = None,
) -> list[StandardRow]:
    """Item and standard figures. A standard pools only its visible items, so that
    subtracting visible items from a standard can never reveal a hidden one.

    `also_hidden` (`previous_also_hidden`): item keys hidden this cycle (the last) for a
    reason outside their own counts; `floor`: see `figure`."""
    hidden_keys = (also_hidden, previous_also_hidden)
    return [
        _standard_row(standard, counts, previous, hidden, previous_hidden, hidden_keys, floor)
        for standard in standards
    ]


def pooled(standards: list[StandardRow]) -> Counts:
    """The visible standards' counts added together."""
    total = Counts()
    for row in standards:
        if not row.figure.hidden:
            total.add(row.figure.counts)
    return total


def previous_cycle_in(cycle: Cycle, cycles: list[Cycle] | None) -> Cycle | None:
    """The cycle before this one, from the caller's list of opened cycles if it has one."""
    if cycles is None:
        return previous_cycle(cycle)
    return next((c for c in cycles if c.opens_on < cycle.opens_on), None)


def associations_version(cycle: Cycle):
    """An annotation for an Office queryset: what the figures across the office's
    associations in the cycle stand on, as text ("association.members.changes,...").

    It changes whenever an office joins or leaves one of them (accounts raises the
    association's `members_version`) and whenever a member office's summaries change
    (assessments raises `ParticipationSummary.version`), so a cache keyed on it cannot
    serve figures older than the data.
    """
    changes = (
        ParticipationSummary.objects.filter(cycle=cycle, office__associations=OuterRef("pk"))
        .order_by()
        .values("cycle")
        .annotate(total=Sum("version"))
        .values("total")
    )
    parts = (
        Association.objects.filter(offices=OuterRef("pk"))
        .annotate(
            part=Concat(
                Cast("pk", CharField()),
                Value("."),
                Cast("members_version", CharField()),
                Value("."),
                Cast(Coalesce(Subquery(changes), 0), CharField()),
                output_field=CharField(),
            )
        )
        .order_by()
        .values("offices")
        # Unordered (SQLite before 3.44 cannot order an aggregate): each part names its
        # association, so the same parts in another order mean the same data.
        .annotate(version=StringAgg("part", Value(",")))
        .values("version")
    )
    return Coalesce(Subquery(parts), Value(""), output_field=CharField())
