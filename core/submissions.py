"""Each form saved once: a submission sent again is answered "already saved", not done twice.

A form carries a token made when it is shown (`{% submission_token %}`, from
`core.templatetags.submission`). The first time it comes back, the token is stored in the
same transaction as what the form saves, with the page the answer led to. Sent again —
the answer was lost because a worker died, or the person reloaded, or went back and sent
it again — the token is found: the person is sent to that same page with a message that
it was already saved, instead of a conflict or a second write. Two copies sent at the
same moment meet on the token's unique constraint: the second waits for the first to
commit, then gets the same answer.

A form posted without a token (an older page still open) is handled as before.
"""

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SubmissionToken

FIELD = "submission"
KEEP = timedelta(days=2)  # long enough for any reload; `clear_submission_tokens` drops older


def submission_token(request) -> uuid.UUID | None:
    """The token the form was sent with, if any (a malformed one counts as none)."""
    if request.method != "POST":
        return None
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def replayed(request) -> HttpResponse | None:
    """The answer to a submission already saved: back to the page the first answer showed."""
    token = submission_token(request)
    if token is None or not request.user.is_authenticated:
        return None
    redirect_to = (
        SubmissionToken.objects.filter(user=request.user, token=token)
        .values_list("redirect_to", flat=True)
        .first()
    )
    if redirect_to is None:
        return None
    messages.info(request, _("This form had already been sent and saved. Nothing was saved twice."))
    return HttpResponseRedirect(redirect_to)


def save_once[T](
    request, *, save: Callable[[], T], done: Callable[[T], HttpResponse]
) -> HttpResponse:
    """`save()` (a service) and its answer `done(result)` (a redirect), once per token.

    The token is claimed first, inside the transaction, so that a copy sent at the same
    moment waits on it rather than on the service's own locks. A ValidationError or any
    other refusal from `save()` rolls the claim back with the rest: the form can be
    corrected and sent again.
    """
    token = submission_token(request)
    if token is None:
        return done(save())
    try:
        with transaction.atomic():
            claim = SubmissionToken.objects.create(user=request.user, token=token)
            response = done(save())
            claim.redirect_to = response["Location"]
            claim.save(update_fields=["redirect_to"])
    except IntegrityError:
        if (answer := replayed(request)) is not None:
            return answer
        raise
    return response


@transaction.atomic
def submission_tokens_clear(*, now=None) -> int:
    """Forget the submissions saved more than KEEP ago; returns how many."""
    before = (now or timezone.now()) - KEEP
    deleted, _per_model = SubmissionToken.objects.filter(created_at__lt=before).delete()
    return deleted
