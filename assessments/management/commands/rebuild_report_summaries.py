from django.core.management.base import BaseCommand

from assessments.summaries import summaries_rebuild


class Command(BaseCommand):
    help = "Recompute the report summaries from every submitted and accepted assessment."

    def handle(self, *args, **options):
        items, offices = summaries_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {items} item summaries and {offices} participation summaries."
            )
        )
