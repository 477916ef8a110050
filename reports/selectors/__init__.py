"""Reads for the office and association reports, in a fixed number of queries each, by
concept: the figures every report shows (`figures`), the office report (`office`), the
association report (`association`), an office beside its associations (`benchmarks`)
and the background PDFs (`files`).

Whole-office and association figures come from the summaries that assessments keep; a
team's figures from its members' answers. Every figure passes through
`reports.suppression` before it reaches a page or a file.
"""

from .association import AssociationReport, OfficeLine, Spread, TrendPoint, association_report
from .benchmarks import Benchmark, office_benchmarks
from .figures import Counts, Figure, Funnel, Gap, ItemRow, StandardRow
from .files import report_files
from .office import OfficeReport, PersonRow, office_report, office_staff, team_leads

__all__ = [
    "AssociationReport",
    "Benchmark",
    "Counts",
    "Figure",
    "Funnel",
    "Gap",
    "ItemRow",
    "OfficeLine",
    "OfficeReport",
    "PersonRow",
    "Spread",
    "StandardRow",
    "TrendPoint",
    "association_report",
    "office_benchmarks",
    "office_report",
    "office_staff",
    "report_files",
    "team_leads",
]
