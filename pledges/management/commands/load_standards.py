from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pledges.editions import EditionConflict, edition_load, fixture_paths


class Command(BaseCommand):
    help = "Load every edition of the standards found in fixtures/ (idempotent)."

    def handle(self, *args, **options):
        paths = fixture_paths(settings.BASE_DIR / "fixtures")
        if not paths:
            raise CommandError("No edition fixtures (fixtures/edition-*.json) were found.")
        for path in paths:
            try:
                edition, created = edition_load(path=path)
            except EditionConflict as error:
                raise CommandError(str(error)) from None
            verb = "Loaded" if created else "Already loaded"
            self.stdout.write(f"{verb}: {edition.code} ({edition.title})")
