"""The demo's election workers: sixty poll workers of Riverside County Elections, added
the way a manager adds them, from a roster CSV with phone numbers (`roster_parse`,
`roster_upload_create`, `roster_confirm`).

A third of them have no email address (known by name and phone), so the lists show
"no email on file"; there are more than fifty, so the office's lists of people have a
second page. They report to the supervisor, whose team list shows them as not asked for
the self-assessment. Idempotent: once the office has election workers, nothing is added.
"""

from accounts.models import Membership
from accounts.roster import roster_parse
from accounts.services import roster_confirm, roster_upload_create

from .base import Demo

WORKERS = 60
FIRST = ["Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jamie", "Kendall",
         "Logan", "Morgan", "Parker", "Quinn", "Reese", "Rowan", "Skyler", "Taylor", "Jordan",
         "Drew", "Sage"]  # fmt: skip
LAST = ["Alvarado", "Brennan", "Castillo", "Dawson", "Ellis", "Foster", "Garza", "Hayes"]


def roster_text(supervisor_email: str) -> str:
    """The roster CSV a manager would upload: name, email, phone, role, reports_to_email."""
    lines = ["name,email,phone,role,reports_to_email"]
    for n in range(WORKERS):
        name = f"{FIRST[n % len(FIRST)]} {LAST[n % len(LAST)]}-{n + 1:02d}"
        email = "" if n % 3 == 0 else f"worker{n + 1:02d}@demo.test"
        phone = f"(720) 555-{n + 400:04d}"
        lines.append(f"{name},{email},{phone},election_worker,{supervisor_email}")
    return "\n".join(lines) + "\n"


def seed_workers(demo: Demo) -> None:
    office = demo.offices["riverside"]
    if Membership.objects.filter(office=office, role=Membership.Role.ELECTION_WORKER).exists():
        return
    manager, supervisor = demo.people["manager"], demo.people["supervisor"]
    data = roster_text(supervisor.email).encode()
    parsed = roster_parse(data)
    upload = roster_upload_create(
        office=office,
        uploaded_by=manager,
        filename="poll-workers.csv",
        sha256=parsed.sha256,
        rows=parsed.rows,
    )
    roster_confirm(upload=upload, by=manager)
