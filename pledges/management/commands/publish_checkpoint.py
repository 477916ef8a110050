from django.core.management.base import BaseCommand

from pledges.transparency import checkpoint_publish


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the public log of pledges (size, root hash, time). Run it "
        "daily; signatures also queue one shortly after they are made."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-grown",
            action="store_true",
            help="Sign only if the log grew since the latest checkpoint.",
        )

    def handle(self, *args, **options):
        checkpoint = checkpoint_publish(only_if_grown=options["if_grown"])
        if checkpoint is None:
            self.stdout.write("The log has not grown since the latest checkpoint.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint signed: {checkpoint.tree_size} entries, root {checkpoint.root_hash}."
            )
        )
