"""Report figures for `make bench`, called from run.py once the demo is seeded.

Generates, in the bench's own database, a synthetic association of offices with one
cycle of submitted assessments, then measures (min / median over BENCH_REPEAT rounds):

1. the association report (from the maintained summaries) against a plain SQL
   GROUP BY over the item answers computing the same figures;
2. the office report PDF for a 50-person office against WeasyPrint rendering the
   same saved HTML;
3. peak Python memory (tracemalloc) while streaming the CSV of a large office.

Sizes come from the environment (BENCH_OFFICES, BENCH_OFFICE_STAFF, BENCH_BIG_OFFICE).
"""

import os
import statistics
import time
import tracemalloc

from django.db import connection
from django.utils import timezone

REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
OFFICES = int(os.environ.get("BENCH_OFFICES", "200"))
OFFICE_STAFF = int(os.environ.get("BENCH_OFFICE_STAFF", "25"))
BIG_OFFICE = int(os.environ.get("BENCH_BIG_OFFICE", "5000"))
PDF_OFFICE = 50


def _timed(fn, repeat=REPEAT) -> tuple[float, float]:
    fn()  # warm
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def _generate(cycle, items):
    """Offices, people, memberships, submitted assessments and answers, in bulk."""
    import random

    from assessments.models import Assessment, ItemResponse
    from assessments.reports.services import summaries_rebuild
    from standards_portal.accounts.models import Association, Membership, Office, User

    rng = random.Random(42)
    sizes = [OFFICE_STAFF] * OFFICES + [PDF_OFFICE, BIG_OFFICE]
    offices = Office.objects.bulk_create(
        Office(name=f"Bench office {n:05d}", state="CO", named_in_benchmarks=n % 7 != 0)
        for n in range(len(sizes))
    )
    association = Association.objects.create(name="Bench association")
    association.offices.add(*offices[:OFFICES])
    now = timezone.now()
    for office, size in zip(offices, sizes, strict=True):
        users = User.objects.bulk_create(
            User(
                email=f"b{office.pk}.{n}@bench.test",
                full_name=f"Bench {office.pk} {n}",
                password="!",
            )
            for n in range(size)
        )
        Membership.objects.bulk_create(Membership(user=u, office=office) for u in users)
        assessments = Assessment.objects.bulk_create(
            Assessment(user=u, office=office, cycle=cycle, state="submitted", submitted_at=now)
            for u in users
        )
        base = rng.uniform(1.8, 3.4)
        ItemResponse.objects.bulk_create(
            (
                ItemResponse(
                    assessment=a,
                    item=item,
                    rating=max(1, min(4, round(base + rng.uniform(-1, 1)))),
                )
                for a in assessments
                for item in items
            ),
            batch_size=5000,
        )
    summaries_rebuild()
    return association, offices[OFFICES], offices[OFFICES + 1]


SCAN_SQL = """
SELECT r.item_id, r.rating, r.not_applicable, COUNT(*)
FROM assessments_itemresponse r JOIN assessments_assessment a ON a.id = r.assessment_id
WHERE a.cycle_id = %s AND a.state IN ('submitted', 'accepted')
  AND a.office_id IN (SELECT office_id FROM accounts_association_offices WHERE association_id = %s)
GROUP BY r.item_id, r.rating, r.not_applicable
"""
OFFICE_SQL = """
SELECT a.office_id, SUM(r.rating), COUNT(r.rating)
FROM assessments_itemresponse r JOIN assessments_assessment a ON a.id = r.assessment_id
WHERE a.cycle_id = %s AND a.state IN ('submitted', 'accepted')
  AND a.office_id IN (SELECT office_id FROM accounts_association_offices WHERE association_id = %s)
GROUP BY a.office_id
"""


def run() -> list[str]:
    """Generate, measure, and return the Markdown section for RESULTS.md."""
    import weasyprint
    from django.conf import settings
    from django.template.loader import render_to_string

    from assessments.exports import _static_fetcher
    from assessments.models import ItemResponse
    from assessments.reports import exports, selectors
    from pledges.models import ApplicationItem
    from pledges.selectors import current_cycle

    cycle = current_cycle()
    items = list(ApplicationItem.objects.filter(standard__edition_id=cycle.edition_id))
    started = time.perf_counter()
    association, pdf_office, big_office = _generate(cycle, items)
    generate_seconds = time.perf_counter() - started
    answers = ItemResponse.objects.count()
    print(f"reports: generated {answers} answers in {generate_seconds:.1f} s")

    def report():
        selectors.association_report(association, cycle)

    def scan():
        with connection.cursor() as cursor:
            cursor.execute(SCAN_SQL, [cycle.pk, association.pk])
            cursor.fetchall()
            cursor.execute(OFFICE_SQL, [cycle.pk, association.pk])
            cursor.fetchall()

    report_ms = _timed(report)
    scan_ms = _timed(scan)

    def pdf():
        data = selectors.office_report(pdf_office, cycle, identified=True)
        exports.office_report_pdf(data, benchmarks=[])

    data = selectors.office_report(pdf_office, cycle, identified=True)
    html = render_to_string(
        "reports/office_report_pdf.html", {**exports.office_context(data), "language": "en"}
    )

    def weasy():
        weasyprint.HTML(
            string=html, base_url=settings.SITE_URL + "/", url_fetcher=_static_fetcher()
        ).write_pdf(pdf_tags=True, custom_metadata=True)

    pdf_ms = _timed(pdf, repeat=max(3, REPEAT // 2))
    weasy_ms = _timed(weasy, repeat=max(3, REPEAT // 2))

    tracemalloc.start()
    big = selectors.office_report(big_office, cycle, identified=True)
    _name, _type, chunks = exports.office_report_csv(big)
    size = sum(len(chunk) for chunk in chunks)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    ratio = report_ms[1] / scan_ms[1]
    pdf_ratio = pdf_ms[1] / weasy_ms[1]
    return [
        "",
        "## Reports",
        "",
        f"Synthetic data in the bench database: {OFFICES} member offices of {OFFICE_STAFF}, "
        f"a {PDF_OFFICE}-person and a {BIG_OFFICE:,}-person office, one cycle of submitted "
        f"assessments: {answers:,} item answers (generated in {generate_seconds:.1f} s). "
        f"SQLite, in-process; min / median of {REPEAT} runs.",
        "",
        "| measure | min | median | target | result |",
        "|---|---:|---:|---|---|",
        f"| association report from summaries ({OFFICES} offices) | {report_ms[0]:.1f} ms "
        f"| {report_ms[1]:.1f} ms | ≤ 0.5 x scan | {ratio:.2f} x scan |",
        f"| plain SQL GROUP BY over the answers (same figures) | {scan_ms[0]:.1f} ms "
        f"| {scan_ms[1]:.1f} ms | | |",
        f"| office report PDF, {PDF_OFFICE} people (data + template + render) "
        f"| {pdf_ms[0]:.0f} ms | {pdf_ms[1]:.0f} ms | ≤ 1.25 x WeasyPrint, < 1.5 s "
        f"| {pdf_ratio:.2f} x |",
        f"| WeasyPrint alone on the same saved HTML | {weasy_ms[0]:.0f} ms "
        f"| {weasy_ms[1]:.0f} ms | | |",
        f"| peak Python memory streaming the CSV of {BIG_OFFICE:,} people "
        f"({size / 1e6:.1f} MB of CSV) | | {peak / 1e6:.1f} MB | < 50 MB | |",
        "",
        "Not measured here: gunicorn throughput of the report pages, and the full-size "
        "PostgreSQL run (100,000 officials, 2,000 offices) the issue asks for.",
    ]
