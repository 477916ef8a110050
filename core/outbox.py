"""Development email: every message kept as a file and shown decoded, never sent.

In development (DEBUG without EMAIL_HOST) the portal's mailer is `OutboxBackend`. Each
message is written whole to the outbox folder (`.eml`, as it would be sent) and printed on
the console decoded, as UTF-8 text with its links on one line each, so a link can be
copied; `/dev/outbox/` lists the messages with their links clickable. Production sends
through SMTP and never uses this module.
"""

import email
import email.policy
import re
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

NAME_RE = re.compile(r"^[0-9]{8}T[0-9]{12}-[0-9a-f]{8}$")


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    sent_at: datetime
    sender: str
    to: str
    subject: str
    body: str


def outbox_directory() -> Path:
    return Path(settings.DEV_OUTBOX_DIR)


def read_message(path: Path) -> OutboxMessage:
    """A stored message, decoded: headers as text, the plain-text body as UTF-8."""
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    part = parsed.get_body(preferencelist=("plain",))
    body = part.get_content() if part is not None else ""
    stamp = datetime.strptime(path.stem.split("-")[0], "%Y%m%dT%H%M%S%f")
    return OutboxMessage(
        name=path.stem,
        sent_at=stamp.replace(tzinfo=UTC),
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        subject=str(parsed.get("Subject", "")),
        body=body,
    )


def outbox_messages(*, limit: int = 200) -> list[OutboxMessage]:
    """The newest messages first."""
    directory = outbox_directory()
    if not directory.is_dir():
        return []
    paths = sorted(
        (p for p in directory.glob("*.eml") if NAME_RE.fullmatch(p.stem)),
        reverse=True,
    )
    return [read_message(path) for path in paths[:limit]]


def outbox_message(name: str) -> OutboxMessage | None:
    """One message by its name, or None (a name is never a path)."""
    if not NAME_RE.fullmatch(name):
        return None
    path = outbox_directory() / f"{name}.eml"
    return read_message(path) if path.is_file() else None


def console_text(message: OutboxMessage) -> str:
    """The message as a person reads it in the `make run` output."""
    link = settings.SITE_URL + reverse("dev-outbox-message", args=[message.name])
    rule = "-" * 79
    return (
        f"{rule}\nFrom: {message.sender}\nTo: {message.to}\nSubject: {message.subject}\n"
        f"(Also at {link})\n\n{message.body.rstrip()}\n{rule}\n"
    )


class OutboxBackend(BaseEmailBackend):
    """Writes each message to the outbox folder and prints it decoded on the console."""

    def __init__(self, *, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages) -> int:
        sent = 0
        with self._lock:
            directory = outbox_directory()
            directory.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
                path = directory / f"{name}.eml"
                path.write_bytes(message.message().as_bytes())
                self.stream.write(console_text(read_message(path)))
                self.stream.flush()
                sent += 1
        return sent
