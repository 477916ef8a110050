"""The summaries the reports read instead of every answer: kept by the code that writes
the answers, in the same transaction.

An assessment counts while it is submitted or accepted (`Assessment.COUNTED_STATES`); its
answers cannot change in those states, so what is taken out when it leaves them is
exactly what was added when it entered. Each change raises the office's
`ParticipationSummary.version` in the cycle, which caches of figures derived from the
summaries key on (the office benchmarks in `reports.benchmarks`).
"""

from django.db import transaction
from django.db.models import Count, F, Q

from .models import SUMMARY_VALUES, Assessment, ItemResponse, ItemSummary, ParticipationSummary

State = Assessment.State


def _rating_field(response: dict) -> str | None:
    if response["not_applicable"]:
        return "count_na"
    if response["rating"] in SUMMARY_VALUES:
        return f"count_{response['rating']}"
    return None


def _participation_apply(office_id: int, cycle_id: int, counted: int, accepted: int) -> None:
    # Rows are locked in one order (participation first, then items by id) so that
    # concurrent submissions in one office queue up instead of deadlocking.
    ParticipationSummary.objects.bulk_create(
        [ParticipationSummary(office_id=office_id, cycle_id=cycle_id)], ignore_conflicts=True
    )
    rows = ParticipationSummary.objects.filter(office_id=office_id, cycle_id=cycle_id)
    list(rows.select_for_update().values_list("pk", flat=True))
    rows.update(
        submitted=F("submitted") + counted,
        accepted=F("accepted") + accepted,
        version=F("version") + 1,
    )


def _answered_by_field(assessment: Assessment) -> tuple[list[int], dict[str, list[int]]]:
    """The items the assessment answered, and those items by the summary count they add to."""
    by_field: dict[str, list[int]] = {}
    answered = []
    responses = ItemResponse.objects.filter(assessment_id=assessment.pk).values(
        "item_id", "rating", "not_applicable"
    )
    for response in responses:
        if response["rating"] is None and not response["not_applicable"]:
            continue
        answered.append(response["item_id"])
        field = _rating_field(response)
        if field is not None:
            by_field.setdefault(field, []).append(response["item_id"])
    return answered, by_field


@transaction.atomic
def summaries_apply(*, assessment: Assessment, from_state: str, to_state: str) -> None:
    """Add the assessment's answers to its office's summaries, or take them out, as its
    state enters or leaves the counted states."""
    counted_states = Assessment.COUNTED_STATES
    counted = int(to_state in counted_states) - int(from_state in counted_states)
    accepted = int(to_state == State.ACCEPTED) - int(from_state == State.ACCEPTED)
    if not counted and not accepted:
        return
    office_id, cycle_id = assessment.office_id, assessment.cycle_id
    _participation_apply(office_id, cycle_id, counted, accepted)
    if not counted:
        return
    answered, by_field = _answered_by_field(assessment)
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


def _participation_rebuild(batch_size: int) -> int:
    """Participation recounted from the assessments. Rows are updated in place and their
    versions raised, never reset, so a cache keyed on them cannot mistake new for old."""
    counts = {
        (row["office_id"], row["cycle_id"]): (row["submitted"], row["accepted"])
        for row in Assessment.objects.filter(state__in=Assessment.COUNTED_STATES)
        .values("office_id", "cycle_id")
        .annotate(submitted=Count("pk"), accepted=Count("pk", filter=Q(state=State.ACCEPTED)))
        .order_by()
    }
    existing = list(ParticipationSummary.objects.select_for_update())
    for row in existing:
        row.submitted, row.accepted = counts.pop((row.office_id, row.cycle_id), (0, 0))
        row.version += 1
    ParticipationSummary.objects.bulk_update(
        existing, ["submitted", "accepted", "version"], batch_size=batch_size
    )
    created = ParticipationSummary.objects.bulk_create(
        [
            ParticipationSummary(
                office_id=office_id, cycle_id=cycle_id, submitted=n, accepted=a, version=1
            )
            for (office_id, cycle_id), (n, a) in counts.items()
        ],
        batch_size=batch_size,
    )
    return len(existing) + len(created)


@transaction.atomic
def summaries_rebuild(*, batch_size: int = 5000) -> tuple[int, int]:
    """Recompute every summary from the answers: (item rows, participation rows)."""
    ItemSummary.objects.all().delete()
    participation = _participation_rebuild(batch_size)
    counts = {
        f"count_{v}": Count("pk", filter=Q(rating=v, not_applicable=False)) for v in SUMMARY_VALUES
    }
    items = (
        ItemResponse.objects.filter(assessment__state__in=Assessment.COUNTED_STATES)
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
    return len(created_items), participation
