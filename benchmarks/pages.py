"""The page table of `make bench`: each page's cost as a multiple of an anonymous /healthz.

In one process (Django's test client, production settings, SQLite with the demo), every
measured request follows a save of the official's 38 answers, the unit (an anonymous
/healthz) included, so that nothing any page shows can have been kept from before and
every request starts from the same state. Rounds interleave the pages with /healthz, and each
figure is the median over rounds of (page median ÷ /healthz median) in that round, so a
busy machine moves both sides alike. Times are the process's CPU time (what the server
spends), with the wall-clock median beside them.
"""

import os
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
PER_ROUND = int(os.environ.get("BENCH_PER_ROUND", "15"))
OFFICIAL = "official@demo.test"

# The limits, as multiples of an anonymous /healthz in the same run.
LIMITS = {"form": 25, "save": 30, "home": 15, "team": 15, "pledge": 15}


@dataclass
class Page:
    name: str
    url: str
    who: str | None  # a demo email, or None for an anonymous visitor
    limit_key: str = ""
    cpu: list[float] = field(default_factory=list)  # per-round medians, ms
    wall: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    queries: int = 0
    status: int = 0

    @property
    def limit(self) -> int | None:
        return LIMITS.get(self.limit_key)


def pages() -> list[Page]:
    """Every page type of the demo, /healthz first."""
    from accounts.models import Association, User
    from assessments.models import Assessment
    from pledges.models import Pledge

    official = User.objects.get(email=OFFICIAL)
    manager = User.objects.get(email="manager@demo.test")
    draft = Assessment.objects.get(user=official, state__in=Assessment.EDITABLE_STATES)
    done = Assessment.objects.filter(user=official, state="accepted").first()
    own_pledge = Pledge.objects.filter(user=manager, withdrawn_at__isnull=True).first()
    office = manager.active_membership.office_id
    association = Association.objects.filter(roles__user__email="analyst@demo.test").first()
    return [
        Page("health check (the unit)", "/healthz", None),
        # What a signed-in request costs before any view: the session and the person.
        Page("health check — signed in", "/healthz", OFFICIAL),
        Page("public standards page", "/standards/", None),
        Page("home — anonymous", "/", None),
        Page("home — official", "/", OFFICIAL, "home"),
        Page("home — supervisor", "/", "supervisor@demo.test", "home"),
        Page("home — manager", "/", manager.email, "home"),
        Page("home — analyst", "/", "analyst@demo.test", "home"),
        Page("self-assessment form — official", f"/assessments/{draft.pk}/edit/", OFFICIAL, "form"),
        Page("results — official", f"/assessments/{done.pk}/results/", OFFICIAL),
        Page("team — supervisor", "/assessments/team/", "supervisor@demo.test", "team"),
        Page("office assessments — manager", "/assessments/office/", manager.email),
        Page("office report — manager", f"/reports/offices/{office}/", manager.email),
        Page(
            "association report — analyst",
            f"/reports/associations/{association.pk}/",
            "analyst@demo.test",
        ),
        Page("my pledges — official", "/pledges/", OFFICIAL, "pledge"),
        Page("pledge — manager", f"/pledges/{own_pledge.pk}/", manager.email, "pledge"),
        Page("office pledges — manager", "/pledges/office/", manager.email, "pledge"),
        Page("people — manager", "/people/", manager.email),
        Page("audit log — manager", "/people/audit/", manager.email),
    ]


def client_for(email: str | None) -> Client:
    from accounts.models import User

    client = Client(headers={"x-forwarded-proto": "https"})
    if email:
        client.force_login(User.objects.get(email=email))
    return client


class Saver:
    """The official saving all 38 answers, each time different, as a browser posts them."""

    def __init__(self):
        from assessments.models import Assessment
        from assessments.selectors import standards_with_items

        self.client = client_for(OFFICIAL)
        self.assessment = Assessment.objects.get(
            user__email=OFFICIAL, state__in=Assessment.EDITABLE_STATES
        )
        self.url = f"/assessments/{self.assessment.pk}/edit/"
        self.items = [
            item.pk
            for standard in standards_with_items(self.assessment.cycle.edition_id)
            for item in standard.items.all()
        ]
        self.count = 0

    def body(self) -> str:
        self.assessment.refresh_from_db(fields=["version"])
        self.count += 1
        data = {"version": str(self.assessment.version), "action": "save"}
        data.update({f"item_{i}_rating": str(1 + (self.count + i) % 4) for i in self.items})
        data.update({f"item_{i}_comment": f"Example {self.count}" for i in self.items})
        return urlencode(data)

    def post(self, body: str):
        return self.client.post(self.url, body, content_type="application/x-www-form-urlencoded")

    def save(self) -> None:
        assert self.post(self.body()).status_code == 302


def timed(call) -> tuple[float, float]:
    """CPU and wall milliseconds of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    call()
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def _one_round(page: Page, client: Client, saver: Saver) -> tuple[float, float]:
    cpus, walls = [], []
    for _ in range(PER_ROUND):
        if page.limit_key == "save":
            body = saver.body()
            cpu, wall = timed(lambda b=body: saver.post(b))
        else:
            saver.save()
            cpu, wall = timed(lambda: client.get(page.url))
        cpus.append(cpu)
        walls.append(wall)
    return statistics.median(cpus), statistics.median(walls)


def _count_queries(page: Page, client: Client, saver: Saver) -> None:
    saver.save()
    if page.limit_key == "save":
        body = saver.body()
        with CaptureQueriesContext(connection) as ctx:
            page.status = saver.post(body).status_code
    else:
        with CaptureQueriesContext(connection) as ctx:
            page.status = client.get(page.url).status_code
    page.queries = len(ctx.captured_queries)


def measure(page_list: list[Page]) -> list[Page]:
    """Fill in each page's figures; the save of 38 answers is measured as one more page."""
    saver = Saver()
    save = Page("save all 38 answers (one POST)", saver.url, OFFICIAL, "save")
    page_list = [*page_list, save]
    clients = {page.name: client_for(page.who) for page in page_list}
    clients[save.name] = saver.client
    for page in page_list:
        # Warm first: templates, the edition, and each session's one-off work (the
        # second-step decision, kept in the session once made).
        _count_queries(page, clients[page.name], saver)
        _count_queries(page, clients[page.name], saver)
    for _ in range(ROUNDS):
        unit = None
        for page in page_list:
            cpu, wall = _one_round(page, clients[page.name], saver)
            page.cpu.append(cpu)
            page.wall.append(wall)
            unit = cpu if unit is None else unit  # /healthz comes first in every round
            page.ratios.append(cpu / unit)
    return page_list


def sign_in_cost() -> dict:
    """CPU of one sign-in with the password (the whole request), and of checking the
    password alone, with the production hasher (Argon2id)."""
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    from accounts.models import User

    hasher = get_hasher()
    encoded = make_password("standards-demo-2026")
    User.objects.filter(email=OFFICIAL).update(password=encoded)
    checks = [timed(lambda: check_password("standards-demo-2026", encoded))[0] for _ in range(9)]
    requests = []
    for _ in range(5):
        client = Client(headers={"x-forwarded-proto": "https"})
        cpu, _wall = timed(
            lambda c=client: c.post(
                "/accounts/login/", {"login": OFFICIAL, "password": "standards-demo-2026"}
            )
        )
        requests.append(cpu)
        client.post("/accounts/logout/")  # allauth looks at each open session at sign-in
    return {
        "hasher": f"{hasher.algorithm} ({encoded.split('$')[1]}, {encoded.split('$')[3]})",
        "check_ms": statistics.median(checks),
        "request_ms": statistics.median(requests),
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def table(page_list: list[Page], sign_in: dict) -> list[str]:
    """The Markdown of the page table and the sign-in cost."""
    lines = [
        "| page | URL | CPU ms (median) | wall ms (median) | times /healthz | limit | result "
        "| queries | status |",
        "|---|---|---:|---:|---:|---|---|---:|---:|",
    ]
    for page in page_list:
        ratio = statistics.median(page.ratios)
        limit = page.limit
        result = verdict(ratio <= limit) if limit else ""
        lines.append(
            f"| {page.name} | `{page.url}` | {statistics.median(page.cpu):.2f} "
            f"| {statistics.median(page.wall):.2f} | {ratio:.1f} "
            f"| {f'≤ {limit} times' if limit else ''} | {result} | {page.queries} | {page.status} |"
        )
    lines += [
        "",
        f"Sign-in: {sign_in['hasher']}. Checking the password costs "
        f"**{sign_in['check_ms']:.0f} ms** of CPU; the whole sign-in request "
        f"{sign_in['request_ms']:.0f} ms. Thirty people signing in together in a training "
        f"room: about {30 * sign_in['request_ms'] / 1000:.1f} CPU-seconds.",
    ]
    return lines
