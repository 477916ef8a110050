"""Email in the recipient's language, sent by a background task after the commit.

The message is rendered at once, inside the recipient's language (callers pass the
person's `preferred_language`), so the sender's own interface language never leaks
into it. Only when the recipient has no account yet is there no language to pass:
then the caller chooses (an invitation uses the inviter's language).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import translation


def email_language(language: str | None) -> str:
    """The supported language closest to the one asked for (the site default otherwise)."""
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def render_email(*, template: str, context: dict, language: str | None) -> tuple[str, str]:
    """Render `<template>_subject.txt` and `<template>_body.txt` in the language given."""
    with translation.override(email_language(language)):
        context = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        body = render_to_string(f"{template}_body.txt", context)
    return " ".join(subject.split()), body


@task()
def send_email_task(*, to: list[str], subject: str, body: str, reply_to: list[str] | None = None):
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to or None,
    )
    message.send(using="default")


def send_templated_email(
    *, to: str | list[str] | None, template: str, context: dict, language: str | None, reply_to=None
) -> None:
    """Queue an email once the surrounding transaction commits (never for a rolled-back write)."""
    recipients = [r for r in ([to] if isinstance(to, str) else to or ()) if r]
    if not recipients:
        # A person known by name and phone only (an election worker) has no address:
        # there is nobody to write to, and nothing is queued.
        return
    subject, body = render_email(template=template, context=context, language=language)
    transaction.on_commit(
        lambda: send_email_task.enqueue(
            to=recipients, subject=subject, body=body, reply_to=reply_to
        )
    )
