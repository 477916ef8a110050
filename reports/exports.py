"""Office and association reports as PDF and CSV, and the chart data pages share.

Exports return (filename, content type, bytes or an iterator of str); views only wrap them.
"""

from collections.abc import Iterator

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.models import Membership
from assessments.models import Assessment, ItemResponse
from core.documents import csv_stream, pdf_from_html

from . import charts
from .selectors import AssociationReport, Figure, OfficeReport
from .selectors import office as office_selectors

# ----------------------------------------------------------------------------- charts


def _scale_top(report) -> int:
    return report.scale[-1].value if report.scale else 4


def _hidden_note(figure, identified: bool) -> str:
    if identified:  # the manager's own office: nothing is suppressed, the figure is empty
        return _("no ratings")
    return _("fewer than %(n)s people") % {"n": settings.SMALL_CELL_MINIMUM}


def _stacked_rows(rows, label, *, lang: str, identified: bool = False) -> list[dict]:
    return [
        {
            "label": label(row),
            "lang": lang,
            "percents": row.figure.percents,
            "note": _hidden_note(row.figure, identified) if row.figure.hidden else "",
        }
        for row in rows
    ]


# Whole labels: the charts wrap them over lines rather than cut them.
def _item_label(row) -> str:
    return f"{row.item.standard.number}.{row.item.number} {row.item.title}"


def _standard_label(row) -> str:
    return f"{row.standard.number}. {row.standard.short_title}"


def report_charts(report) -> dict:
    """Chart coordinates for an office or association report."""
    top = _scale_top(report)
    # Standards and items are labelled in the edition's words, marked with its language.
    lang = report.cycle.edition.language
    return {
        "averages": charts.bars(
            [
                {
                    "label": _standard_label(s),
                    "lang": lang,
                    "value": s.figure.average,
                    "marker": s.previous_average if s.figure.average is not None else None,
                }
                for s in report.standards
            ],
            top=top,
        ),
        "standards": charts.stacked(
            _stacked_rows(
                report.standards,
                _standard_label,
                lang=lang,
                identified=getattr(report, "identified", False),
            )
        ),
        # One chart per standard: a page can break between them, never inside one.
        "items": [
            {
                "standard": s.standard,
                "chart_id": f"items-chart-{s.standard.number}",
                "chart": charts.stacked(
                    _stacked_rows(
                        s.items,
                        _item_label,
                        lang=lang,
                        identified=getattr(report, "identified", False),
                    )
                ),
            }
            for s in report.standards
        ],
    }


def funnel_chart(funnel) -> dict:
    labels = {
        "staff": _("Staff"),
        "pledged": pgettext("participation", "Pledged"),
        "submitted": pgettext("participation", "Submitted"),
        "accepted": pgettext("participation", "Accepted"),
    }
    return charts.bars(
        [{"label": labels[step["key"]], "value": step["value"]} for step in funnel.steps],
        top=max(funnel.staff, 1),
    )


def office_context(report: OfficeReport, *, benchmarks=None) -> dict:
    return {
        "report": report,
        "need_rule": {
            "people": office_selectors.NEED_PEOPLE,
            "share": office_selectors.NEED_SHARE,
        },
        "charts": report_charts(report),
        "funnel_chart": funnel_chart(report.funnel),
        "benchmarks": benchmarks or [],
        "colours": charts.COLOURS,
    }


def association_context(report: AssociationReport) -> dict:
    top = _scale_top(report)
    return {
        "report": report,
        "charts": report_charts(report),
        "offices_chart": charts.bars(
            [{"label": line.label, "value": line.average} for line in report.offices],
            top=top,
        ),
        "trend_chart": charts.bars(
            [{"label": point.cycle.name, "value": point.average} for point in report.trend],
            top=top,
        ),
        "colours": charts.COLOURS,
    }


# ----------------------------------------------------------------------------- PDF


def _pdf(template: str, context: dict, *, language: str) -> bytes:
    with translation.override(language):
        html = render_to_string(template, {**context, "language": language})
    return pdf_from_html(html)


def office_report_pdf(
    report: OfficeReport, *, benchmarks=None, language: str = ""
) -> tuple[str, str, bytes]:
    """The office (or team) report as a tagged PDF with a cover page."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    content = _pdf(
        "reports/office_report_pdf.html",
        office_context(report, benchmarks=benchmarks),
        language=language,
    )
    return f"{_office_stem(report)}.pdf", "application/pdf", content


def association_report_pdf(
    report: AssociationReport, *, language: str = ""
) -> tuple[str, str, bytes]:
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    content = _pdf(
        "reports/association_report_pdf.html", association_context(report), language=language
    )
    stem = f"association-report-{slugify(report.association.name)}-{slugify(report.cycle.name)}"
    return f"{stem}.pdf", "application/pdf", content


def _office_stem(report: OfficeReport) -> str:
    stem = f"office-report-{slugify(report.office.name)}-{slugify(report.cycle.name)}"
    if report.team_lead is not None:
        stem += f"-team-{report.team_lead.pk}"
    return stem


# ----------------------------------------------------------------------------- CSV


def _figure_cells(figure: Figure) -> list:
    if figure.hidden:
        return ["", "", "", "", "", "", _("suppressed")]
    c = figure.counts
    return [*c.ratings, c.na, figure.average if figure.average is not None else "", ""]


FIGURE_HEADER = ["rated_1", "rated_2", "rated_3", "rated_4", "not_applicable", "average", "note"]


def _aggregate_rows(report) -> Iterator[list]:
    yield ["level", "code", "title", *FIGURE_HEADER]
    for s in report.standards:
        yield ["standard", str(s.standard.number), s.standard.short_title, *_figure_cells(s.figure)]
        for row in s.items:
            code = f"{s.standard.number}.{row.item.number}"
            yield ["item", code, row.item.title, *_figure_cells(row.figure)]


def _people_rows(report: OfficeReport) -> Iterator[list]:
    """One row per person and item: the identified export, for office managers only."""
    yield [
        "name", "email", "role", "state", "standard", "item", "title",
        "rating", "not_applicable", "comment",
    ]  # fmt: skip
    user_ids = [p.membership.user_id for p in report.people or []]
    people = {p.membership.user_id: p.membership for p in report.people or []}
    responses = (
        ItemResponse.objects.filter(
            assessment__cycle=report.cycle,
            assessment__office=report.office,
            assessment__user_id__in=user_ids,
            assessment__state__in=list(Assessment.COUNTED_STATES),
        )
        .order_by("assessment__user__full_name", "assessment__user_id", "item__position")
        .values_list(
            "assessment__user_id",
            "assessment__state",
            "item__standard__number",
            "item__number",
            "item__title",
            "rating",
            "not_applicable",
            "comment",
        )
    )
    roles = dict(Membership.Role.choices)
    states = dict(Assessment.State.choices)
    for user_id, state, standard, number, title, rating, na, comment in responses.iterator(
        chunk_size=2000
    ):
        m = people[user_id]
        yield [
            m.user.full_name, m.user.email, str(roles.get(m.role, m.role)),
            str(states.get(state, state)), standard, f"{standard}.{number}", title,
            "" if rating is None else rating, "yes" if na else "", comment,
        ]  # fmt: skip


def _participation_rows(report: OfficeReport) -> Iterator[list]:
    """Staff and election workers apart, suppressed as on the page: the workers sign the
    pledge and take no self-assessment."""
    funnel = report.funnel

    def cell(value):
        return "" if value is None else value

    yield []
    yield ["participation", "people", "pledged", "submitted", "accepted", "note"]
    yield [
        "staff", funnel.staff, cell(funnel.pledged), cell(funnel.submitted),
        cell(funnel.accepted), _("suppressed") if funnel.hidden else "",
    ]  # fmt: skip
    if funnel.workers:
        yield [
            "election_workers", funnel.workers, cell(funnel.workers_pledged), "", "",
            _("suppressed") if funnel.workers_hidden else _("no self-assessment"),
        ]  # fmt: skip


def _training_need_rows(report: OfficeReport) -> Iterator[list]:
    """The training needs after a blank row: one row per item and course. Who took a
    course is named in the manager's (identified) report, else counted or suppressed."""
    if not report.training_needs:
        return
    yield []
    yield [
        "training_need", "title", "rated_1_or_2", "rated_1_or_2_percent",
        "course", "provider", "took",
    ]  # fmt: skip
    for need in report.training_needs:
        item = need.row.item
        head = [f"{item.standard.number}.{item.number}", item.title, need.low, need.share]
        if not need.courses:
            yield [*head, "", "", ""]
        for line in need.courses:
            if report.identified:
                took = "; ".join(m.user.full_name or m.user.email for m in line.takers or [])
            elif line.taken_hidden:
                took = _("suppressed")
            else:
                took = line.taken
            yield [*head, line.course.title, line.course.provider, took]


def office_report_csv(report: OfficeReport) -> tuple[str, str, Iterator[str]]:
    """Per person and item when the report is identified (managers), else aggregate rows;
    then participation, staff and election workers apart."""

    def rows():
        yield from _people_rows(report) if report.people is not None else _aggregate_rows(report)
        yield from _participation_rows(report)
        yield from _training_need_rows(report)

    return f"{_office_stem(report)}.csv", "text/csv; charset=utf-8", csv_stream(rows())


def _association_totals(report: AssociationReport) -> Iterator[list]:
    """The totals rows of the member offices' table, in the same units as the page."""
    if not report.offices:
        return
    overall = "" if report.overall.average is None else report.overall.average
    totals = report.shown_totals
    if not totals.hidden:
        shown = len(report.shown_offices)
        label = (
            ngettext("The %(n)s office shown above", "The %(n)s offices shown above", shown)
            % {"n": shown}
            if report.not_shown
            else _("All member offices")
        )
        percents = ["" if step["percent"] is None else step["percent"] for step in totals.steps[1:]]
        yield [label, "", totals.staff, *percents, "" if report.not_shown else overall, ""]
    if report.not_shown:
        note = ngettext(
            "participation not published: %(n)s office is unnamed or too small",
            "participation not published: %(n)s offices are unnamed or too small",
            report.not_shown,
        ) % {"n": report.not_shown}
        yield [_("All member offices"), "", "", "", "", "", overall, note]


def association_report_csv(report: AssociationReport) -> tuple[str, str, Iterator[str]]:
    """Member offices then aggregates per standard and item, suppressed as on the page."""

    def rows():
        yield [
            "office", "named", "staff", "pledged_percent", "submitted_percent",
            "accepted_percent", "average", "note",
        ]  # fmt: skip
        for line in report.offices:
            note = []
            if not line.named:
                note.append(_("participation not published: unnamed office"))
            elif line.participation_hidden:
                note.append(_("participation suppressed"))
            if line.results_hidden:
                note.append(_("results suppressed"))
            yield [
                line.label,
                "yes" if line.named else "no",
                line.staff if line.participation_shown else "",
                "" if line.pledged_rate is None else line.pledged_rate,
                "" if line.submitted_rate is None else line.submitted_rate,
                "" if line.accepted_rate is None else line.accepted_rate,
                "" if line.average is None else line.average,
                "; ".join(note),
            ]
        yield from _association_totals(report)
        yield []
        yield from _aggregate_rows(report)
        if report.worker_offices:
            yield []
            yield ["office", "election_workers", "election_workers_pledged_percent", "note"]
            for line in report.worker_offices:
                yield [
                    line.label,
                    line.workers if line.workers_shown else "",
                    "" if line.workers_pledged_rate is None else line.workers_pledged_rate,
                    "" if line.workers_shown else _("suppressed"),
                ]

    stem = f"association-report-{slugify(report.association.name)}-{slugify(report.cycle.name)}"
    return f"{stem}.csv", "text/csv; charset=utf-8", csv_stream(rows())
