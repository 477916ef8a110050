"""Writes to the report summaries: the maintained path and the rebuild from scratch."""

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, ItemResponse
from pledges.models import Cycle
from standards_portal.accounts.models import Office

from .models import SUMMARY_VALUES, ItemSummary, ParticipationSummary, ReportFile
from .tasks import render_report_file

State = Assessment.State

# Submitted and accepted assessments are counted: their answers are final unless
# returned or reopened, which takes them out again (both go to "returned").
COUNTED_STATES = frozenset({State.SUBMITTED, State.ACCEPTED})


def _rating_field(response: dict) -> str | None:
    if response["not_applicable"]:
        return "count_na"
    if response["rating"] in SUMMARY_VALUES:
        return f"count_{response['rating']}"
    return None


# How long an office report's benchmarks (its associations' spreads of office averages)
# may be served from the cache; a change in the summaries of an office of one of those
# associations, or a change of an association's offices, removes them sooner.
BENCHMARK_CACHE_SECONDS = 600


def benchmark_cache_key(office_id: int, created_at, cycle_id: int) -> str:
    """The cache key of an office's benchmarks in a cycle (the creation time keeps a
    recreated office with a reused id from reading an old entry)."""
    return f"reports:benchmarks:{office_id}:{created_at.timestamp():.6f}:{cycle_id}"


def _forget_benchmarks(offices, cycle_ids) -> None:
    """Remove the cached benchmarks of these (office id, created_at) in these cycles."""
    keys = [benchmark_cache_key(pk, at, c) for pk, at in offices for c in cycle_ids]
    if keys:
        cache.delete_many(keys)
        # Again once committed: a report read in between may have cached the old figures.
        transaction.on_commit(lambda: cache.delete_many(keys))


def benchmarks_forget_association(association, *also_offices) -> None:
    """Remove the cached benchmarks of an association's offices (and of `also_offices`,
    e.g. one just removed from it) in every cycle: its membership changed."""
    _forget_benchmarks(
        Office.objects.filter(Q(associations=association) | Q(pk__in=[o.pk for o in also_offices]))
        .distinct()
        .values_list("pk", "created_at"),
        list(Cycle.objects.values_list("pk", flat=True)),
    )


@transaction.atomic
def summaries_apply(*, assessment: Assessment, from_state: str, to_state: str) -> None:
    """Add the assessment's answers to its office's summaries, or take them out, as its
    state enters or leaves the counted states. Called inside `_change_state`."""
    counted = int(to_state in COUNTED_STATES) - int(from_state in COUNTED_STATES)
    accepted = int(to_state == State.ACCEPTED) - int(from_state == State.ACCEPTED)
    if not counted and not accepted:
        return
    office_id, cycle_id = assessment.office_id, assessment.cycle_id

    # Rows are locked in one order (participation first, then items by id) so that
    # concurrent submissions in one office queue up instead of deadlocking.
    ParticipationSummary.objects.bulk_create(
        [ParticipationSummary(office_id=office_id, cycle_id=cycle_id)], ignore_conflicts=True
    )
    list(
        ParticipationSummary.objects.select_for_update()
        .filter(office_id=office_id, cycle_id=cycle_id)
        .values_list("pk", flat=True)
    )
    ParticipationSummary.objects.filter(office_id=office_id, cycle_id=cycle_id).update(
        submitted=F("submitted") + counted, accepted=F("accepted") + accepted
    )
    # This office's benchmarks, and those of every office sharing an association with it.
    _forget_benchmarks(
        Office.objects.filter(Q(pk=office_id) | Q(associations__offices=office_id))
        .distinct()
        .values_list("pk", "created_at"),
        [cycle_id],
    )
    if not counted:
        return

    by_field: dict[str, list[int]] = {}
    responses = ItemResponse.objects.filter(assessment_id=assessment.pk).values(
        "item_id", "rating", "not_applicable"
    )
    answered = []
    for response in responses:
        if response["rating"] is None and not response["not_applicable"]:
            continue
        field = _rating_field(response)
        answered.append(response["item_id"])
        if field is not None:
            by_field.setdefault(field, []).append(response["item_id"])
    if not answered:
        return
    ItemSummary.objects.bulk_create(
        [ItemSummary(office_id=office_id, cycle_id=cycle_id, item_id=i) for i in answered],
        ignore_conflicts=True,
    )
    rows = ItemSummary.objects.filter(office_id=office_id, cycle_id=cycle_id)
    list(
        rows.select_for_update()
        .filter(item_id__in=answered)
        .order_by("item_id")
        .values_list("pk", flat=True)
    )
    # One statement per rating value: every answered item is in exactly one of them,
    # except ratings off the summarised scale, which count only as respondents.
    placed = set()
    for field, item_ids in by_field.items():
        rows.filter(item_id__in=item_ids).update(
            **{field: F(field) + counted, "respondents": F("respondents") + counted}
        )
        placed.update(item_ids)
    rest = [i for i in answered if i not in placed]
    if rest:
        rows.filter(item_id__in=rest).update(respondents=F("respondents") + counted)


@transaction.atomic
def summaries_rebuild(*, batch_size: int = 5000) -> tuple[int, int]:
    """Recompute every summary from the answers: (item rows, participation rows)."""
    ItemSummary.objects.all().delete()
    ParticipationSummary.objects.all().delete()
    counted = list(COUNTED_STATES)
    participation = (
        Assessment.objects.filter(state__in=counted)
        .values("office_id", "cycle_id")
        .annotate(submitted=Count("pk"), accepted=Count("pk", filter=Q(state=State.ACCEPTED)))
        .order_by()
    )
    created_participation = ParticipationSummary.objects.bulk_create(
        (ParticipationSummary(**row) for row in participation.iterator()), batch_size=batch_size
    )
    counts = {
        f"count_{v}": Count("pk", filter=Q(rating=v, not_applicable=False)) for v in SUMMARY_VALUES
    }
    items = (
        ItemResponse.objects.filter(assessment__state__in=counted)
        .filter(Q(rating__isnull=False) | Q(not_applicable=True))
        .values("assessment__office_id", "assessment__cycle_id", "item_id")
        .annotate(
            **counts,
            count_na=Count("pk", filter=Q(not_applicable=True)),
            respondents=Count("pk"),
        )
        .order_by()
    )
    created_items = ItemSummary.objects.bulk_create(
        (
            ItemSummary(
                office_id=row.pop("assessment__office_id"),
                cycle_id=row.pop("assessment__cycle_id"),
                **row,
            )
            for row in items.iterator(chunk_size=batch_size)
        ),
        batch_size=batch_size,
    )
    _forget_benchmarks(
        Office.objects.values_list("pk", "created_at"),
        list(Cycle.objects.values_list("pk", flat=True)),
    )
    return len(created_items), len(created_participation)


# ----------------------------------------------------------------------------- background PDFs


@transaction.atomic
def report_file_request(
    *,
    by,
    cycle,
    office=None,
    association=None,
    team_lead=None,
    identified: bool = False,
    language: str = "en",
) -> ReportFile:
    """Record a PDF to prepare and queue its rendering once the request commits."""
    report_file = ReportFile(
        kind=ReportFile.Kind.OFFICE if office is not None else ReportFile.Kind.ASSOCIATION,
        office=office,
        association=association,
        cycle=cycle,
        team_lead=team_lead,
        identified=identified,
        language=language,
        requested_by=by,
    )
    report_file.full_clean()
    report_file.save()
    transaction.on_commit(lambda: render_report_file.enqueue(report_file.pk))
    return report_file


STALLED_ERROR = _(
    "The PDF was not finished: the background worker stopped. Try again; "
    "if it fails again, tell us."
)


def report_files_fail_stalled(*, files: list[ReportFile]) -> list[ReportFile]:
    """Mark PDFs whose worker stopped mid-way as failed, so the page offers a retry."""
    now = timezone.now()
    stalled = [f.pk for f in files if f.is_stalled(now)]
    if stalled:
        # Only rows still pending: a worker that finished meanwhile keeps its result.
        ReportFile.objects.filter(pk__in=stalled, status=ReportFile.Status.PENDING).update(
            status=ReportFile.Status.FAILED, error=str(STALLED_ERROR), finished_at=now
        )
        for f in files:
            if f.pk in stalled:
                f.status, f.error, f.finished_at = ReportFile.Status.FAILED, str(STALLED_ERROR), now
    return files


@transaction.atomic
def report_file_retry(*, report_file: ReportFile) -> ReportFile:
    """Queue a failed PDF again."""
    report_file = ReportFile.objects.select_for_update().get(pk=report_file.pk)
    if report_file.status != ReportFile.Status.FAILED and not report_file.is_stalled():
        return report_file
    report_file.status = ReportFile.Status.PENDING
    report_file.error = ""
    report_file.finished_at = None
    report_file.queued_at = timezone.now()
    report_file.save(update_fields=["status", "error", "finished_at", "queued_at"])
    transaction.on_commit(lambda: render_report_file.enqueue(report_file.pk))
    return report_file
