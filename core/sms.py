"""Text messages (SMS), through a backend named by the SMS_BACKEND setting.

The portal sends few texts: the one-time codes of signing sessions. A backend is a class
with `send_messages(messages) -> int`, like Django's email backends. Two ship here:

- `ConsoleBackend` (development): writes each text to the log, so `make run` prints it;
  nothing leaves the machine.
- `LocmemBackend` (tests): keeps each text in `core.sms.outbox`.

A real provider is a class of your own with the same method, calling the provider's API
with credentials read from the environment, named in SMS_BACKEND (docs/sessions.md).
Texts are sent by a background task after the transaction commits, as email is.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# What LocmemBackend has sent, for tests to read (like django.core.mail.outbox).
outbox: list["TextMessage"] = []


@dataclass(frozen=True)
class TextMessage:
    to: str  # E.164, e.g. +17205550123
    body: str


class BaseBackend:
    def send_messages(self, messages: list[TextMessage]) -> int:
        """Send the messages; return how many were sent."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Development: each text is written to the log (and so to the console), not sent."""

    def send_messages(self, messages: list[TextMessage]) -> int:
        for message in messages:
            logger.info("Text message to %s (not sent, development): %s", message.to, message.body)
        return len(messages)


class LocmemBackend(BaseBackend):
    """Tests: texts are kept in `core.sms.outbox`."""

    def send_messages(self, messages: list[TextMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


@task()
def send_sms_task(*, to: str, body: str) -> None:
    get_backend().send_messages([TextMessage(to=to, body=body)])


def send_sms(*, to: str, body: str) -> None:
    """Queue a text message once the surrounding transaction commits."""
    transaction.on_commit(lambda: send_sms_task.enqueue(to=str(to), body=body))
