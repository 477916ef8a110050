"""The self-assessment form's grid: 38 items, each with its rating scale, a reason for
"not applicable" and a comment, grouped by standard.

What belongs to the edition (each item's legend and text, and its radio buttons for a
given choice) is rendered from templates once per edition, language and process and kept
in memory: a published edition cannot change, and a new text is a new edition. What
belongs to the person (which button is checked, their reasons, comments, goals and
errors) is rendered on every request by `assessment_edit.html`.
"""

from django.template.loader import render_to_string
from django.utils import translation

from pledges.models import ApplicationItem, Edition, RatingLevel, Standard

from .forms import NA
from .selectors import per_edition


def _fragment(template: str, edition: Edition, parts: tuple, context: dict) -> str:
    return per_edition(
        ("fragment", edition.pk, translation.get_language(), template, *parts),
        lambda: render_to_string(template, {"edition": edition, **context}),
    )


def item_head(edition, standard, item, *, invalid: bool, rating_invalid: bool) -> str:
    """The item's fieldset opening, legend and text (marked invalid when it has errors)."""
    return _fragment(
        "assessments/_grid_item_head.html",
        edition,
        (item.pk, invalid, rating_invalid),
        {"standard": standard, "item": item, "invalid": invalid, "rating_invalid": rating_invalid},
    )


def rating_options(edition, item, scale, *, chosen: str, invalid: bool) -> str:
    """The item's radio buttons, one per level and "not applicable", with `chosen` checked."""
    return _fragment(
        "assessments/_grid_options.html",
        edition,
        (item.pk, chosen, invalid),
        {"item": item, "scale": scale, "chosen": chosen, "invalid": invalid, "na": NA},
    )


def label(edition: Edition, item: ApplicationItem, *, comment: bool) -> str:
    """The label of the item's "not applicable" reason, or of its comment."""
    return _fragment(
        "assessments/_grid_labels.html",
        edition,
        (item.pk, comment),
        {"item": item, "comment": comment},
    )


def _row(edition, standard, item, scale, read, feedback, changed) -> dict:
    """One item as the template reads it: plain keys, one lookup each (38 of them a page)."""
    rating = read(f"item_{item.pk}_rating")
    reason = read(f"item_{item.pk}_na_reason")
    comment = read(f"item_{item.pk}_comment")
    chosen = rating["value"] if rating["value"] in values_offered(scale) else ""
    invalid = bool(rating["errors"] or reason["errors"] or comment["errors"])
    return {
        "item": item,
        "head": item_head(
            edition, standard, item, invalid=invalid, rating_invalid=bool(rating["errors"])
        ),
        "options": rating_options(
            edition, item, scale, chosen=chosen, invalid=bool(rating["errors"])
        ),
        "na_label": label(edition, item, comment=False),
        "comment_label": label(edition, item, comment=True),
        "invalid": invalid,
        "answered": bool(rating["value"]),
        "rating": rating,
        "na_reason": reason,
        "comment": comment,
        "feedback": feedback.get(item.pk),
        "changed": changed.get(item.pk),
    }


def values_from_answers(answers: list[tuple], goals: list[tuple]) -> dict[str, str]:
    """What the form shows for saved answers and goals (`selectors.saved_answers`)."""
    values = {}
    for item_id, rating, not_applicable, reason, comment in answers:
        if not_applicable:
            values[f"item_{item_id}_rating"] = NA
        elif rating:
            values[f"item_{item_id}_rating"] = str(rating)
        values[f"item_{item_id}_na_reason"] = reason
        values[f"item_{item_id}_comment"] = comment
    for standard_id, goal, target_date in goals:
        values[f"goal_{standard_id}_text"] = goal
        if target_date is not None:
            values[f"goal_{standard_id}_date"] = target_date.isoformat()
    return values


def groups(
    edition: Edition,
    standards: list[Standard],
    scale: list[RatingLevel],
    values,
    errors,
    *,
    feedback: dict | None = None,
    changed: dict | None = None,
    training: dict | None = None,
) -> list[dict]:
    """The grid for the template, by standard: `values` and `errors` by field name, as
    saved or as sent; `training`: the person's training since their last self-assessment
    by standard number (`selectors.training_beside`), shown beside each standard."""
    feedback, changed, training = feedback or {}, changed or {}, training or {}

    def read(name: str) -> dict:
        return {
            "name": name,
            "id": f"id_{name}",
            "value": str(values.get(name, "") or ""),
            "errors": list(errors.get(name, ())),
        }

    result = []
    for standard in standards:
        rows = [
            _row(edition, standard, item, scale, read, feedback, changed)
            for item in standard.items.all()
        ]
        result.append(
            {
                "standard": standard,
                "rows": rows,
                "answered": sum(row["answered"] for row in rows),
                "total": len(rows),
                "goal": read(f"goal_{standard.pk}_text"),
                "goal_date": read(f"goal_{standard.pk}_date"),
                # The person's own, so never part of the edition's cached fragments.
                "training": training.get(standard.number),
            }
        )
    return result


def values_offered(scale: list[RatingLevel]) -> set[str]:
    return {str(level.value) for level in scale} | {NA}
