"""Demo: the assessments demo writes answers directly, so the summaries are rebuilt after it."""

from .services import summaries_rebuild


def seed_demo(demo) -> None:
    """Rebuild the report summaries from the demo's submitted and accepted assessments."""
    summaries_rebuild()
