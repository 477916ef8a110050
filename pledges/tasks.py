"""Background work: signing a checkpoint of the public log after a batch of signatures."""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.tasks import task
from django.utils import timezone

from . import transparency

_PENDING = "pledges:log:checkpoint-pending"


@task()
def publish_checkpoint() -> None:
    """Sign a checkpoint if the log grew since the last one."""
    cache.delete(_PENDING)
    transparency.checkpoint_publish(only_if_grown=True)


def checkpoint_soon() -> None:
    """Queue one checkpoint for every signature of the next LOG_CHECKPOINT_DELAY seconds."""
    delay = settings.LOG_CHECKPOINT_DELAY
    # Only the first signature of a batch queues the task; it clears the mark when it runs,
    # and the mark expires by itself should the worker lose the task.
    if not cache.add(_PENDING, 1, timeout=delay + 300):
        return
    job = publish_checkpoint
    if delay and job.get_backend().supports_defer:
        job = job.using(run_after=timezone.now() + datetime.timedelta(seconds=delay))
    job.enqueue()
