"""An office beside each of its associations: where its averages sit among the member
offices' averages (the spread), for the office report.

The spreads are cached in the shared cache, keyed on what they are computed from: the
office, the cycle and its associations' version (`figures.associations_version`, read
with the office report), which moves whenever an office joins or leaves one of them or a
member office's summaries change. A change makes a new key, so a cached spread is never
older than the data it stands for.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Association, Office
from assessments.models import ParticipationSummary
from pledges.models import Cycle, Standard

from .association import Spread, distributions
from .figures import office_sums
from .office import OfficeReport

# How long an unused entry stays; entries are never stale, so this only bounds memory.
BENCHMARK_CACHE_SECONDS = 24 * 60 * 60


@dataclass
class Benchmark:
    association: Association
    spread: Spread
    office_average: Decimal | None
    standards: list[dict]

    @property
    def position(self) -> str | None:
        return self.spread.position(self.office_average)


def benchmark_cache_key(report: OfficeReport) -> str:
    """The cache key of the office's benchmarks as its report found the data."""
    office = report.office
    # The creation time keeps a recreated office with a reused id from an old entry.
    return (
        f"reports:benchmarks:{office.pk}:{office.created_at.timestamp():.6f}:"
        f"{report.cycle.pk}:{report.associations_version}"
    )


def office_benchmarks(office: Office, cycle: Cycle, report: OfficeReport) -> list[Benchmark]:
    """The office beside each of its associations' spread of office averages, from the
    whole office's report: no query while the spreads are cached, two to compute them."""
    if report.associations_version is None:
        raise ValueError("Benchmarks need the whole office's report, not a team's.")
    key = benchmark_cache_key(report)
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
    rows = list(office_sums([cycle.pk], member_ids, ("office_id", "item__standard__number")))
    spreads = []
    for association in sorted(associations.values(), key=lambda a: (a.name, a.pk)):
        members = sizes[association.pk]
        dist = distributions([r for r in rows if r["office_id"] in members], members, standards)
        by_number = {s.number: spread for s, spread in dist.standard_spreads}
        spreads.append((association, dist.spread, by_number))
    return spreads
