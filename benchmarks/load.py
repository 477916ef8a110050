"""`make load`: how many people 2 gunicorn workers on 2 cores hold, with Locust.

Creates its own PostgreSQL database on 127.0.0.1 (standards_portal_load, dropped and
created), migrates it, seeds the demo and a population of load offices in the demo
association (each with a manager, supervisors and officials with open assessments; one
office large enough that its report PDF is prepared by the worker), starts gunicorn (2
sync workers, production settings, `MFA_REQUIRED=false`), one background worker and an
SMTP sink for the email it sends, then:

1. Calibration: one client sends each page type on its own, one request at a time; the
   CPU time gunicorn's workers (and PostgreSQL's backends) spent on it, read from /proc,
   gives the CPU milliseconds per request by page.
2. Steps: Locust (benchmarks/locustfile.py) runs headless with more and more simulated
   people (officials 20 : supervisors 3 : managers 1, and one analyst), each step ramping
   up, warming up, then measured; it stops at the first step whose p95 is above 250 ms
   or that has any failure or lost save. Between steps the assessments are put back in
   play: supervisors get a queue of submitted assessments, the rest is editable.
3. After each step, every official's stored answers are compared with their last
   acknowledged save (and no item may have two rows).

Writes benchmarks/LOAD.md; Locust's CSV files and the logs go to benchmarks/out/.

    .venv/bin/python benchmarks/load.py [--quick] [--steps 60,120,...] [--seconds 120]

Talks to 127.0.0.1 only. Every process it starts is stopped when it ends, fails or is
interrupted, and the whole run is capped (--max-minutes).
"""

import argparse
import csv
import http.client
import json
import logging
import math
import os
import random
import re
import signal
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # benchmarks/harness.py

ROOT = harness.ROOT
OUT = harness.OUT
LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"
LOCUST = str(harness.BIN / "locust")
DOMAIN = "load.test"
WEIGHTS = {"officials": 20, "supervisors": 3, "managers": 1}  # and one analyst
SUPERVISORS_PER_OFFICE = 4
OFFICE_OFFICIALS = 60  # an ordinary office's officials, about
LARGE_OFFICE_OFFICIALS = 120  # more than REPORT_PDF_BACKGROUND_PEOPLE (100)
P95_LIMIT_MS = 250
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
CYCLE_FIELD = re.compile(r'<input type="hidden" name="cycle" value="(\d+)">')
REPORT_FILE = re.compile(r'data-report-file="(/reports/files/\d+/status)"')


class Timeout(Exception):
    pass


# --------------------------------------------------------------------------- the people


def cast(users: int) -> dict:
    """About how Locust splits `users` by the user classes' weights (the analyst is one)."""
    rest = max(0, users - 1)
    total = sum(WEIGHTS.values())
    return {name: math.ceil(rest * weight / total) for name, weight in WEIGHTS.items()}


@dataclass
class Plan:
    """The load offices, sized for the largest step."""

    offices: int  # ordinary offices (plus one large one)
    officials_per_office: int
    supervisors: int  # how many supervisors (in roster order) are given a queue
    queue: int  # submitted assessments waiting for each of them when a step starts

    @classmethod
    def for_run(cls, args) -> "Plan":
        biggest = cast(max(args.steps))
        step_seconds = max(args.steps) / args.spawn_rate + args.warmup + args.seconds
        think = sum(args.think) / 2
        session = args.saves * think + 15  # sign in, save N times, submit
        sessions = 1 + step_seconds / session  # officials per Locust official in a step
        # A supervisor reviews one assessment every three pauses (of think / 2 on average).
        queue = 1 + math.ceil(step_seconds / (1.5 * think))
        supervisors = biggest["supervisors"] + 1
        officials = math.ceil(biggest["officials"] * sessions * 1.2) + supervisors * queue
        offices = max(2, math.ceil(officials / OFFICE_OFFICIALS))
        per_office = max(
            OFFICE_OFFICIALS // 2, math.ceil((officials - LARGE_OFFICE_OFFICIALS) / offices)
        )
        return cls(
            offices=offices, officials_per_office=per_office, supervisors=supervisors, queue=queue
        )


def person(email: str, name: str, password_hash: str):
    from accounts.services import user_create

    user = user_create(email=email, full_name=name)
    user.password = password_hash
    user.save(update_fields=["password"])
    return user


def create_population(plan: Plan) -> dict:
    """The load offices in the demo association, their people and open assessments."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import Association, AssociationRole, Membership, Office, User
    from accounts.services import association_office_create, membership_start
    from assessments.services import assessment_start
    from pledges.selectors import current_cycle

    cycle = current_cycle()
    association = Association.objects.get(name__startswith="Centennial")
    by = User.objects.get(email="association.admin@demo.test")
    password_hash = make_password(harness.PASSWORD)
    sizes = [LARGE_OFFICE_OFFICIALS] + [plan.officials_per_office] * plan.offices
    people = 0
    for n, size in enumerate(sizes):
        with transaction.atomic():
            office = association_office_create(
                association=association,
                name=f"Load County {n:02} Elections" if n else "Load Metro Elections",
                state="CO",
                kind=Office.Kind.COUNTY,
                by=by,
            )
            manager = person(f"manager.{n}@{DOMAIN}", f"Load Manager {n}", password_hash)
            membership_start(user=manager, office=office, role=Membership.Role.MANAGER)
            supervisors = []
            for k in range(SUPERVISORS_PER_OFFICE):
                supervisor = person(
                    f"supervisor.{n}.{k}@{DOMAIN}", f"Load Supervisor {n}.{k}", password_hash
                )
                membership_start(
                    user=supervisor,
                    office=office,
                    role=Membership.Role.SUPERVISOR,
                    reports_to=manager,
                )
                supervisors.append(supervisor)
            for k in range(size):
                official = person(
                    f"official.{n}.{k}@{DOMAIN}", f"Load Official {n}.{k}", password_hash
                )
                membership_start(
                    user=official,
                    office=office,
                    role=Membership.Role.OFFICIAL,
                    reports_to=supervisors[k % SUPERVISORS_PER_OFFICE],
                )
                assessment_start(user=official, cycle=cycle)
            people += 1 + SUPERVISORS_PER_OFFICE + size
    analyst = person(f"analyst@{DOMAIN}", "Load Analyst", password_hash)
    AssociationRole.objects.create(
        user=analyst, association=association, role=AssociationRole.Role.ANALYST
    )
    return {"offices": len(sizes), "people": people + 1, "sizes": sizes}


def load_assessments():
    from assessments.models import Assessment
    from pledges.selectors import current_cycle

    return Assessment.objects.filter(
        cycle=current_cycle(), user__email__endswith=f"@{DOMAIN}"
    ).select_related("user", "office", "reviewer", "cycle")


def complete_answers(assessment, rng: random.Random) -> dict:
    from assessments.services import Answer
    from pledges.models import ApplicationItem

    items = ApplicationItem.objects.filter(standard__edition_id=assessment.cycle.edition_id)
    return {
        item.pk: Answer(rating=rng.randint(1, 4), comment=f"Prepared answer {rng.randint(0, 999)}.")
        for item in items
    }


def roster():
    """The load supervisors in the order they play: the first of every office, then the
    second..., so that the supervisors of a step are spread over the offices."""
    from accounts.models import Membership

    supervisors = Membership.objects.filter(
        role=Membership.Role.SUPERVISOR, ended_at__isnull=True, user__email__endswith=f"@{DOMAIN}"
    ).select_related("user")

    def place(membership):
        _word, office, k = membership.user.email.split("@")[0].split(".")
        return int(k), int(office)

    return [m.user for m in sorted(supervisors, key=place)]


def rebalance(plan: Plan, seed: int) -> dict:
    """Before a step: reopen the accepted assessments; give the first `plan.supervisors`
    supervisors of the roster `plan.queue` submitted assessments to review (returning any
    beyond that, filling in and submitting open ones of their staff when short) and return
    what waits for the others. Through the portal's services, as the people would."""
    from accounts.models import Membership
    from assessments.models import Assessment
    from assessments.services import (
        assessment_reopen,
        assessment_review,
        assessment_save,
        assessment_submit,
    )

    rng = random.Random(seed)
    done = {"reopened": 0, "returned": 0, "submitted": 0}
    managers = {
        m.office_id: m.user
        for m in Membership.objects.filter(
            role=Membership.Role.MANAGER,
            ended_at__isnull=True,
            user__email__endswith=f"@{DOMAIN}",
        ).select_related("user")
    }
    for assessment in load_assessments().filter(state=Assessment.State.ACCEPTED):
        assessment_reopen(
            assessment=assessment,
            by=managers[assessment.office_id],
            note="Reopened for the next load step.",
        )
        done["reopened"] += 1
    for n, supervisor in enumerate(roster()):
        queue = plan.queue if n < plan.supervisors else 0
        waiting = list(
            load_assessments()
            .filter(state=Assessment.State.SUBMITTED, reviewer=supervisor)
            .order_by("submitted_at")
        )
        for assessment in waiting[queue:]:
            assessment_review(
                assessment=assessment,
                by=supervisor,
                decision="return",
                note="Returned between load steps.",
            )
            done["returned"] += 1
        missing = queue - len(waiting)
        if missing <= 0:
            continue
        staff = list(
            load_assessments()
            .filter(
                state__in=Assessment.EDITABLE_STATES,
                user__memberships__reports_to=supervisor,
                user__memberships__ended_at__isnull=True,
            )
            .order_by("pk")
        )
        for assessment in rng.sample(staff, min(missing, len(staff))):
            assessment = assessment_save(
                assessment=assessment,
                by=assessment.user,
                version=assessment.version,
                answers=complete_answers(assessment, rng),
            )
            assessment_submit(assessment=assessment, by=assessment.user, note="Prepared.")
            done["submitted"] += 1
    return done


def accounts(seed: int) -> dict:
    """Who plays in a step: every open assessment (shuffled), the supervisors in roster
    order, the managers (the large office's first) and the analyst."""
    from accounts.models import Association, Membership
    from assessments.models import Assessment

    officials = [
        (a.user.email, a.pk)
        for a in load_assessments().filter(state__in=Assessment.EDITABLE_STATES).order_by("pk")
    ]
    random.Random(seed).shuffle(officials)
    managers = [
        (m.user.email, m.office_id)
        for m in Membership.objects.filter(
            role=Membership.Role.MANAGER,
            ended_at__isnull=True,
            user__email__endswith=f"@{DOMAIN}",
        )
        .select_related("user")
        .order_by("office_id")
    ]
    association = Association.objects.get(name__startswith="Centennial")
    return {
        "password": harness.PASSWORD,
        "officials": officials,
        "supervisors": [user.email for user in roster()],
        "managers": managers,
        "analysts": [[f"analyst@{DOMAIN}", association.pk]],
    }


def stored(pks: list[int]) -> dict:
    """Each assessment's answers and goals as the form shows them (see locustfile)."""
    from assessments.models import ItemResponse, StandardGoal
    from pledges.models import ApplicationItem, Standard

    out = {}
    rows = ItemResponse.objects.filter(assessment_id__in=pks)
    goals = StandardGoal.objects.filter(assessment_id__in=pks)
    items = list(ApplicationItem.objects.values_list("pk", flat=True))
    standards = list(Standard.objects.values_list("pk", flat=True))
    for pk in pks:
        out[str(pk)] = {
            "items": {str(i): ["", "", ""] for i in items},
            "goals": {str(s): ["", ""] for s in standards},
        }
    for r in rows:
        rating = "na" if r.not_applicable else (str(r.rating) if r.rating else "")
        out[str(r.assessment_id)]["items"][str(r.item_id)] = [rating, r.na_reason, r.comment]
    for g in goals:
        date = g.target_date.isoformat() if g.target_date else ""
        out[str(g.assessment_id)]["goals"][str(g.standard_id)] = [g.goal, date]
    return out


def check_saves(results: dict) -> dict:
    """Every official's stored answers against their last acknowledged save."""
    from django.db.models import Count

    from assessments.models import ItemResponse

    acknowledged = results.get("acknowledged", {})
    pending = results.get("pending", {})
    pks = [int(pk) for pk in acknowledged]
    now = stored(pks)
    check = {"officials": len(pks), "answers": 0, "lost": 0, "unacknowledged": 0, "details": []}
    for pk, expected in acknowledged.items():
        shown = now[pk]
        fields = {f"item {k}": v for k, v in expected["items"].items()} | {
            f"goal {k}": v for k, v in expected["goals"].items()
        }
        check["answers"] += len(expected["items"])
        held = {f"item {k}": v for k, v in shown["items"].items()} | {
            f"goal {k}": v for k, v in shown["goals"].items()
        }
        wrong = [k for k, v in fields.items() if held.get(k) != v]
        if not wrong:
            continue
        late = pending.get(pk)
        if late is not None and all(
            held.get(k) == v
            for k, v in ({f"item {k}": v for k, v in late["items"].items()}).items()
        ):
            check["unacknowledged"] += 1  # sent as the step ended, applied, never answered
            continue
        check["lost"] += 1
        if len(check["details"]) < 10:
            check["details"].append(f"assessment {pk}: {', '.join(wrong[:5])}")
    check["duplicates"] = (
        ItemResponse.objects.filter(assessment_id__in=pks)
        .values("assessment_id", "item_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return check


# --------------------------------------------------------------------------- calibration


class Browser:
    """One person's browser for the calibration: cookies, an address, CSRF tokens."""

    _addresses = iter(range(1, 1 << 16))

    def __init__(self, port: int):
        self.port = port
        n = next(self._addresses)
        self.address = f"10.250.{n >> 8}.{n & 255}"
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def request(self, method: str, path: str, form: dict | None = None):
        """(status, text or PDF bytes, Location)."""
        headers, body = harness.browser_request(
            self.port,
            path,
            self.cookies,
            form,
            **{
                "X-Forwarded-For": self.address,
                "User-Agent": "standards-portal-load (calibration)",
            },
        )
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(raw).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        if content.startswith(b"%PDF"):
            return response.status, content, ""
        text = content.decode("utf-8", "replace")
        token = CSRF.search(text)
        if token:
            self.csrf = token.group(1)
        return response.status, text, response.getheader("Location", "")

    def post(self, path: str, form: dict):
        return self.request("POST", path, {"csrfmiddlewaretoken": self.csrf, **form})

    def sign_in(self, email: str) -> "Browser":
        self.request("GET", "/accounts/login/")
        status, _text, location = self.post(
            "/accounts/login/", {"login": email, "password": harness.PASSWORD}
        )
        if status != 302 or "/accounts/login" in location:
            raise RuntimeError(f"calibration: {email} could not sign in (HTTP {status})")
        return self


def full_form(items: list[int], version: int, round_no: int, **extra) -> dict:
    """A browser's POST of the 38-item form: every item rated, three comments new."""
    form = {"version": str(version), "action": "save", **extra}
    for n, item in enumerate(items):
        form[f"item_{item}_rating"] = str(1 + (n + round_no) % 4)
        fresh = n % 13 == round_no % 13
        form[f"item_{item}_comment"] = f"Calibration {round_no if fresh else 0}, item {item}."
    return form


def calibrate(port: int, database: str, master: int, worker: int, k: int, k_pdf: int):
    """CPU per request by page: each page on its own, one client, one request at a time.

    The CPU time of gunicorn's workers and of the database's backends is read from /proc
    just before and just after each request and summed; what the client does between
    measured requests (signing in, reading a token) is not counted."""
    from django.db import connections

    from accounts.models import Association, Membership
    from assessments.models import Assessment
    from assessments.services import assessment_save
    from pledges.models import ApplicationItem

    office = Membership.objects.get(user__email=f"manager.1@{DOMAIN}").office_id
    association = Association.objects.get(name__startswith="Centennial").pk
    large = Membership.objects.get(user__email=f"manager.0@{DOMAIN}").office_id
    drafts = load_assessments().filter(state=Assessment.State.DRAFT).order_by("pk")
    saver = drafts.filter(office_id=office).first()
    submitters = list(drafts.exclude(office_id=large).exclude(pk=saver.pk)[: k + 2])
    if len(submitters) < k + 2:
        raise RuntimeError("calibration: not enough open assessments")
    items = list(
        ApplicationItem.objects.filter(standard__edition_id=saver.cycle.edition_id)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    rng = random.Random(7)
    for assessment in submitters:  # complete answers, saved beforehand (not measured)
        assessment_save(
            assessment=assessment,
            by=assessment.user,
            version=assessment.version,
            answers=complete_answers(assessment, rng),
        )
    supervisor = f"supervisor.1.0@{DOMAIN}"
    waiting = (
        load_assessments()
        .filter(state=Assessment.State.SUBMITTED, reviewer__email=supervisor)
        .first()
    )
    submitter_emails = [(a.user.email, a.pk) for a in submitters]
    saver_pk, saver_email = saver.pk, saver.user.email
    connections.close_all()  # this process's own backend must not count

    pages: dict[str, dict] = {}
    groups = {
        "gunicorn": lambda: harness.worker_pids(master),
        "postgres": lambda: harness.backend_pids(database),
    }

    def measure(name, n, act, setup=lambda i: None, extra=None, warm=2):
        """`n` requests measured, after `warm` that are not (both workers load their code
        and caches on first use)."""
        meter = harness.CpuMeter(groups | (extra or {}))
        totals: dict[str, float] = {}
        statuses: dict[int, int] = {}
        for i in range(warm + n):
            prepared = setup(i)
            meter.begin()
            status = act(prepared)
            time.sleep(0.03)  # what the worker does after answering
            spent = meter.end()
            if i < warm:
                continue
            for key, value in spent.items():
                totals[key] = totals.get(key, 0.0) + value
            statuses[status] = statuses.get(status, 0) + 1
        pages[name] = {"n": n, "statuses": statuses, **totals}
        per = {
            key: f"{1000 * value / n:.1f}"
            for key, value in totals.items()
            if key not in ("elapsed", "machine")
        }
        print(f"   {name}: CPU ms per request {per}, statuses {statuses}")

    signed_in: list[Browser] = []

    def sign_out_all():
        """Sign out (not measured), as at a shared desk, so that the person's open sessions
        do not pile up: allauth looks at each of them at every sign-in."""
        while signed_in:
            leaving = signed_in.pop()
            leaving.request("GET", "/")  # the token was renewed at sign-in
            leaving.post("/accounts/logout/", {})

    def fresh(_i):
        """A new browser at the sign-in page; the one before signs out first."""
        sign_out_all()
        browser = Browser(port)
        browser.request("GET", "/accounts/login/")
        signed_in.append(browser)
        return browser

    measure("sign-in page", k, lambda _p: Browser(port).request("GET", "/accounts/login/")[0])
    measure(
        "sign in",
        k,
        lambda b: b.post("/accounts/login/", {"login": saver_email, "password": harness.PASSWORD})[
            0
        ],
        setup=fresh,
    )
    sign_out_all()

    def desk(_i):
        browser = Browser(port).sign_in(saver_email)
        browser.request("GET", "/")
        return browser

    measure("sign out", k, lambda b: b.post("/accounts/logout/", {})[0], setup=desk)
    official = Browser(port).sign_in(saver_email)
    edit = f"/assessments/{saver_pk}/edit/"
    measure("home", k, lambda _p: official.request("GET", "/")[0])
    measure("assessment form", k, lambda _p: official.request("GET", edit)[0])
    version = int(VERSION.findall(official.request("GET", edit)[1])[-1])
    state = {"version": version, "round": 0}

    def save(_p):
        state["round"] += 1
        status, _text, _loc = official.post(
            edit, full_form(items, state["version"], state["round"])
        )
        if status == 302:
            state["version"] += 1
        return status

    measure("assessment form: save", k, save)
    measure(
        "assessment form: stale save (409 expected)",
        k,
        lambda _p: official.post(edit, full_form(items, state["version"] - 1, 10_000))[0],
    )
    official.request("GET", edit)
    measure(
        "submit page", k, lambda _p: official.request("GET", f"/assessments/{saver_pk}/submit/")[0]
    )

    def ready_to_submit(i):
        email, pk = submitter_emails[i]
        browser = Browser(port).sign_in(email)
        browser.request("GET", f"/assessments/{pk}/submit/")
        return browser, pk

    measure(
        "submit",
        k,
        lambda p: p[0].post(f"/assessments/{p[1]}/submit/", {"note": "Ready."})[0],
        setup=ready_to_submit,
    )
    lead = Browser(port).sign_in(supervisor)
    measure("team list", k, lambda _p: lead.request("GET", "/assessments/team/")[0])
    if waiting is not None:
        path = f"/assessments/{waiting.pk}/review/"
        measure("review page", k, lambda _p: lead.request("GET", path)[0])
    reviewers: dict[str, Browser] = {}

    def ready_to_review(i):
        from assessments.models import Assessment as A

        assessment = A.objects.select_related("reviewer").get(pk=submitter_emails[i][1])
        connections.close_all()
        email = assessment.reviewer.email
        browser = reviewers.get(email) or Browser(port).sign_in(email)
        reviewers[email] = browser
        _status, text, _loc = browser.request("GET", f"/assessments/{assessment.pk}/review/")
        ids = sorted(set(re.findall(r'name="review_(\d+)_rating"', text)))
        return browser, assessment.pk, ids

    def review(decision):
        def act(p):
            browser, pk, ids = p
            form = {"decision": decision, "note": "Please say more about 2.3."}
            form |= {f"review_{i}_rating": str(1 + int(i) % 4) for i in ids}
            form |= {f"review_{i}_comment": "" for i in ids}
            return browser.post(f"/assessments/{pk}/review/", form)[0]

        return act

    half = k // 2
    measure("review: accept", half, review("accept"), setup=ready_to_review)
    measure(
        "review: return",
        k - half,
        review("return"),
        setup=lambda i: ready_to_review(half + 2 + i),
        warm=0,
    )
    manager = Browser(port).sign_in(f"manager.1@{DOMAIN}")
    report = f"/reports/offices/{office}/"
    measure("office report", k, lambda _p: manager.request("GET", report)[0])
    measure(
        "office report PDF",
        k_pdf,
        lambda _p: manager.request("GET", report + "report.pdf")[0],
        warm=1,
    )
    analyst = Browser(port).sign_in(f"analyst@{DOMAIN}")
    measure(
        "association report",
        k,
        lambda _p: analyst.request("GET", f"/reports/associations/{association}/")[0],
    )

    # The large office: its PDF is prepared by the worker, which the page then offers. The
    # request is measured in gunicorn; the rendering in the worker, until the file is ready.
    connections.close_all()
    metro = Browser(port).sign_in(f"manager.0@{DOMAIN}")
    metro_report = f"/reports/offices/{large}/"
    request_meter = harness.CpuMeter(groups)
    worker_meter = harness.CpuMeter({"worker": lambda: [worker]})
    spent = {"gunicorn": 0.0, "postgres": 0.0, "worker": 0.0}
    statuses: dict[int, int] = {}
    ready = None
    for i in range(1 + k_pdf):  # the first is not measured
        _status, text, _loc = metro.request("GET", metro_report)
        cycle = CYCLE_FIELD.search(text)
        before = set(REPORT_FILE.findall(text))
        worker_meter.begin()
        request_meter.begin()
        status, _text, _loc = metro.post(
            f"{metro_report}report.pdf/prepare", {"cycle": cycle.group(1) if cycle else ""}
        )
        time.sleep(0.03)
        request_spent = request_meter.end()
        if i:
            for key, value in request_spent.items():
                spent[key] = spent.get(key, 0.0) + value
            statuses[status] = statuses.get(status, 0) + 1
        _status, text, _loc = metro.request("GET", metro_report)
        new = sorted(set(REPORT_FILE.findall(text)) - before)
        deadline = time.monotonic() + 120
        while new and time.monotonic() < deadline:
            time.sleep(0.1)
            _status, body, _loc = metro.request("GET", new[-1])
            if json.loads(body).get("status") in ("ready", "failed"):
                if json.loads(body)["status"] == "ready":
                    ready = new[-1]
                break
        worker_spent = worker_meter.end()["worker"]
        if i:
            spent["worker"] += worker_spent
    pages["office report PDF: prepare"] = {"n": k_pdf, "statuses": statuses, **spent}
    print(
        f"   office report PDF: prepare: CPU ms per request gunicorn "
        f"{1000 * spent['gunicorn'] / k_pdf:.1f}, worker per PDF "
        f"{1000 * spent['worker'] / k_pdf:.0f}, statuses {statuses}"
    )
    if ready:
        measure("report file status", k, lambda _p: metro.request("GET", ready)[0])
        download = ready.removesuffix("status")
        measure("report file (prepared PDF)", k_pdf, lambda _p: metro.request("GET", download)[0])
    return pages


# --------------------------------------------------------------------------- the steps


@dataclass
class Step:
    users: int
    run_time: int
    stats: dict  # page name -> Locust's row (the measured window)
    results: dict  # what the locustfile wrote
    cpu: dict  # CPU seconds by process group in the measured window, and its length
    check: dict = None  # the database afterwards
    prepared: dict = None  # what rebalance did before the step
    attempt: int = 1

    @property
    def total(self) -> dict:
        return self.stats.get("Aggregated", {})

    @property
    def failures(self) -> int:
        return int(self.results.get("counts", {}).get("failures", 0))

    @property
    def lost(self) -> int:
        return int(self.results.get("counts", {}).get("lost saves", 0)) + (
            self.check["lost"] if self.check else 0
        )

    @property
    def held(self) -> bool:
        total = self.total
        return (
            bool(total)
            and float(total["95%"]) <= P95_LIMIT_MS
            and self.failures == 0
            and int(total["Failure Count"]) == 0
            and self.lost == 0
            and (not self.check or self.check["duplicates"] == 0)
        )


def read_stats(path: Path) -> dict:
    if not path.exists():
        return {}
    with open(path, newline="") as f:
        return {row["Name"]: row for row in csv.DictReader(f)}


def run_step(args, users: int, port: int, master: int, worker: int, account_file: Path) -> Step:
    prefix = OUT / f"locust-{users}"
    results = OUT / f"locust-{users}.json"
    mark = OUT / f"locust-{users}.measuring"
    for path in (results, mark, Path(f"{prefix}_stats.csv")):
        path.unlink(missing_ok=True)
    run_time = math.ceil(users / args.spawn_rate + args.warmup + args.seconds)
    env = dict(os.environ)
    env.update(
        LOAD_ACCOUNTS=str(account_file),
        LOAD_RESULTS=str(results),
        LOAD_MARK=str(mark),
        LOAD_THINK=f"{args.think[0]:g},{args.think[1]:g}",
        LOAD_SAVES=str(args.saves),
        LOAD_WARMUP=str(args.warmup),
        LOAD_PDF_EVERY=str(args.pdf_every),
    )
    process = harness.spawn(
        [
            LOCUST,
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            f"{args.spawn_rate:g}",
            "--run-time",
            f"{run_time}s",
            "--host",
            f"http://127.0.0.1:{port}",
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
        ],
        env=env,
        log=OUT / f"locust-{users}.log",
    )
    meter = harness.CpuMeter(
        {
            "gunicorn": lambda: harness.worker_pids(master),
            "postgres": lambda: harness.backend_pids(args.database),
            "worker": lambda: [worker],
            "locust": lambda: [process.pid],
        }
    )
    measuring = False
    cpu: dict = {}
    try:
        deadline = time.monotonic() + run_time + 120
        while process.poll() is None:
            if not measuring and mark.exists():
                meter.begin()
                measuring = True
            # The last reading just before Locust stops its users.
            if measuring and not cpu and time.monotonic() >= meter.started + args.seconds - 1:
                cpu = meter.end()
            if time.monotonic() > deadline:
                raise RuntimeError(f"Locust did not stop after {run_time} s")
            time.sleep(0.25)
    finally:
        harness.stop(process)
    if measuring and not cpu:
        cpu = meter.end()
    return Step(
        users=users,
        run_time=run_time,
        stats=read_stats(Path(f"{prefix}_stats.csv")),
        results=json.loads(results.read_text()) if results.exists() else {},
        cpu=cpu,
    )


# --------------------------------------------------------------------------- the report


PAGES = [  # the order of the by-page tables
    "sign-in page",
    "sign in",
    "home",
    "assessment form",
    "assessment form: save",
    "assessment form: stale save (409 expected)",
    "assessment form: save and continue",
    "submit page",
    "submit",
    "sign out",
    "team list",
    "review page",
    "review: accept",
    "review: return",
    "office report",
    "office report PDF",
    "office report PDF: prepare",
    "report file status",
    "report file (prepared PDF)",
    "association report",
]
CALIBRATED_AS = {"assessment form: save and continue": "assessment form: save"}


def ms(value) -> str:
    try:
        return f"{float(value):.0f}"
    except (TypeError, ValueError):
        return "-"


def cores(step: Step, group: str) -> str:
    if not step.cpu or not step.cpu.get("elapsed"):
        return "-"
    if group == "other":  # the rest of the machine: whatever else runs on it
        ours = sum(step.cpu.get(g, 0) for g in ("gunicorn", "postgres", "worker", "locust"))
        return f"{max(0.0, step.cpu.get('machine', 0) - ours) / step.cpu['elapsed']:.2f}"
    return f"{step.cpu.get(group, 0) / step.cpu['elapsed']:.2f}"


def per_request(pages: dict, name: str, group: str) -> str:
    page = pages.get(CALIBRATED_AS.get(name, name))
    if not page or group not in page:
        return "-"
    return f"{1000 * page[group] / page['n']:.1f}"


def people(step: Step) -> str:
    counts = step.results.get("users", {})
    if not counts:
        split = cast(step.users)
        return f"~{split['officials']} / ~{split['supervisors']} / ~{split['managers']} / 1"
    return " / ".join(
        str(counts.get(name, 0)) for name in ("Official", "Supervisor", "Manager", "Analyst")
    )


def report(
    args, *, started_at, host, versions, population, plan, pages, steps, prepared, mails, note
) -> tuple[str, bool]:
    held = [s for s in steps if s.held]
    best = max(held, key=lambda s: s.users) if held else None
    first_failed = steps[-1] if steps and not steps[-1].held else None
    reloads = sum(s.results.get("counts", {}).get("reloads checked", 0) for s in steps)
    lost_in_run = sum(s.results.get("counts", {}).get("lost saves", 0) for s in steps)
    compared = sum(s.check["officials"] for s in steps if s.check)
    answers = sum(s.check["answers"] for s in steps if s.check)
    lost_db = sum(s.check["lost"] for s in steps if s.check)
    unacknowledged = sum(s.check["unacknowledged"] for s in steps if s.check)
    duplicates = sum(s.check["duplicates"] for s in steps if s.check)
    stale_refused = sum(
        s.results.get("counts", {}).get("stale saves refused (409)", 0) for s in steps
    )
    stale_accepted = sum(
        s.results.get("counts", {}).get("stale saves not refused", 0) for s in steps
    )
    saves = sum(s.results.get("counts", {}).get("saves acknowledged", 0) for s in steps)
    no_loss = lost_in_run == 0 and lost_db == 0 and duplicates == 0 and stale_accepted == 0
    shown_args = []
    skip = False
    for arg in args.argv:  # where the files go is nobody else's business
        if skip or arg in ("--output", "--database"):
            skip = not skip and "=" not in arg
            continue
        if not arg.startswith(("--output=", "--database=")):
            shown_args.append(arg)
    command = "make load" + (f' LOAD_ARGS="{" ".join(shown_args)}"' if shown_args else "")
    lines = [
        "# Load: officials, supervisors, managers and an analyst at once (Locust)",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', started_at)}",
        f"- Machine: {host}",
        f"- Versions: {versions}",
        f"- Run: `{command}`{' (a quick smoke run, not a measurement)' if args.quick else ''}",
        "- Server: gunicorn with 2 sync workers on the same 2 cores as PostgreSQL 15, one "
        "background worker (`manage.py db_worker`) and Locust itself; production settings "
        "(`DEBUG=false`, psycopg pool, hashed static files through whitenoise) with "
        "`MFA_REQUIRED=false` (the simulated supervisors, managers and analyst have no "
        "authenticator) and `TRUSTED_PROXY_COUNT=1` (each simulated person comes from an "
        "address of their own in `X-Forwarded-For`, as behind the proxy, so the sign-in rate "
        "limit applies per person); email goes to an SMTP sink on 127.0.0.1 "
        f"({mails} messages).",
        f"- People: the demo plus {population['people']} load accounts in "
        f"{population['offices']} offices of the demo association (one of "
        f"{population['sizes'][0]} officials, whose report PDF the worker prepares, and "
        f"{population['offices'] - 1} of {plan.officials_per_office}), each office with a "
        f"manager and {SUPERVISORS_PER_OFFICE} supervisors.",
        f"- Cast (`benchmarks/locustfile.py`): officials 20 : supervisors 3 : managers 1, "
        f"and one analyst. An official signs in, opens the form, and every "
        f"{args.think[0]:g}-{args.think[1]:g} s changes a few answers (filling in the rest "
        f"over the saves), saves, reloads the form and checks it shows exactly that save; "
        f"every 4th save a second tab opened before the previous save tries to save first "
        f"(409 expected); after {args.saves} saves the official submits and the next "
        f"official takes the desk. A supervisor opens the team list, a submitted "
        f"assessment's review page and accepts or returns it, pausing "
        f"{args.think[0] / 2:g}-{args.think[1] / 2:g} s between pages. A manager opens the "
        f"office report every {args.think[0]:g}-{args.think[1]:g} s and every "
        f"{args.pdf_every}th time its "
        f"PDF (in the large office: prepared by the worker, status polled every 2 s, then "
        f"downloaded). The analyst opens the association report every "
        f"{args.think[0]:g}-{args.think[1]:g} s.",
        f"- Steps: {', '.join(map(str, args.steps))} people, each ramped up at "
        f"{args.spawn_rate:g} people/s, {args.warmup:g} s of warm-up, then {args.seconds:g} s "
        f"measured (Locust's statistics restart when the warm-up ends); the run stops at the "
        f"first step with p95 > {P95_LIMIT_MS} ms, a failed request or a lost save"
        + (
            f" (such a step is run {args.retries} more time(s) first, as other processes on "
            f"the machine can spoil a step; never after a lost save)"
            if args.retries
            else ""
        )
        + ". Before "
        f"each step the first {plan.supervisors} supervisors are given {plan.queue} submitted "
        f"assessments each to review and every other assessment is made editable again "
        f"(returned or reopened through the portal's services).",
        "",
    ]
    if best is not None:
        total = best.total
        lines.append(
            f"**Capacity: {best.users} simulated people** (officials / supervisors / managers / "
            f"analyst: {people(best)}) with p95 {ms(total['95%'])} ms ≤ {P95_LIMIT_MS} ms and "
            f"0 failures, at {float(total['Requests/s']):.1f} requests/s."
        )
    else:
        lines.append(f"**Capacity: no step held p95 ≤ {P95_LIMIT_MS} ms with 0 failures.**")
    if first_failed is not None:
        total = first_failed.total
        again = " either time it ran; the second time" if first_failed.attempt > 1 else ""
        lines.append(
            f"The next step, {first_failed.users} people, did not hold{again}: p95 "
            f"{ms(total.get('95%'))} ms, {first_failed.failures} failed requests, "
            f"{first_failed.lost} lost saves, at "
            f"{float(total.get('Requests/s', 0) or 0):.1f} requests/s."
        )
    elif steps:
        lines.append(f"Every step held; the largest tried was {steps[-1].users} people.")
    if note:
        lines.append(note)
    lines += [
        "",
        f"**Lost saves: {lost_in_run + lost_db}** — {saves} saves acknowledged; "
        f"{reloads} forms reloaded after a save showed exactly that save; every official's "
        f"stored answers equal their last acknowledged save "
        f"({'PASS' if no_loss else 'FAIL'}; details below).",
        "",
        "## Steps",
        "",
        "Measured window only (after ramp-up and warm-up). Latency is client side, with the "
        "queueing for the 2 workers. CPU in cores (CPU seconds per second) over the window; "
        "*other* is whatever else ran on the machine meanwhile (from /proc/stat).",
        "",
        "| people | officials / supervisors / managers / analyst | requests/s | p50 ms | p95 ms "
        "| p99 ms | max ms | failures (whole step) | lost saves | stale saves refused (409) "
        "| CPU gunicorn | CPU PostgreSQL | CPU worker | CPU Locust | CPU other | held |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for step in steps:
        total = step.total
        steady = step.results.get("steady", {})
        lines.append(
            f"| {step.users}{' (again)' if step.attempt > 1 else ''} | {people(step)} "
            f"| {float(total.get('Requests/s', 0) or 0):.1f} "
            f"| {ms(total.get('50%'))} | {ms(total.get('95%'))} | {ms(total.get('99%'))} "
            f"| {ms(total.get('Max Response Time'))} "
            f"| {total.get('Failure Count', '-')} ({step.failures}) | {step.lost} "
            f"| {steady.get('stale saves refused (409)', 0)} "
            f"| {cores(step, 'gunicorn')} | {cores(step, 'postgres')} "
            f"| {cores(step, 'worker')} | {cores(step, 'locust')} | {cores(step, 'other')} "
            f"| {'yes' if step.held else '**no**'} |"
        )
    busy = [s for s in steps if cores(s, "other") not in ("-",) and float(cores(s, "other")) > 0.25]
    if busy:
        lines += [
            "",
            f"The machine was not ours alone: other processes used up to "
            f"{max(float(cores(s, 'other')) for s in busy):.2f} of the 2 cores during "
            f"{len(busy)} of the {len(steps)} steps, so latencies are higher and the capacity "
            f"lower than on a machine running only this.",
        ]
    shown = best or (steps[-1] if steps else None)
    lines += [
        "",
        "## By page",
        "",
        (
            f"Requests/s and latency at {shown.users} people "
            f"({'the largest step held' if shown is best else 'the last step'}); CPU "
            f"milliseconds per request from the calibration: each page alone, one client, "
            f"one request at a time, {args.calibrate} requests ({args.calibrate_pdf} for "
            f"PDFs), the CPU time of gunicorn's workers and of the database's PostgreSQL "
            f"backends read from /proc before and after each."
            if shown
            else "No step ran."
        ),
        "",
        "| page | requests/s | p50 ms | p95 ms | p99 ms | CPU ms/request gunicorn "
        "| CPU ms/request PostgreSQL | share of gunicorn's CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    stats = shown.stats if shown else {}
    names = PAGES + sorted(
        n for n in set(stats) | set(pages) if n not in PAGES and n != "Aggregated"
    )

    def load_of(name):  # CPU ms per second that the page costs gunicorn in this mix
        cpu = per_request(pages, name, "gunicorn")
        rate = float(stats.get(name, {}).get("Requests/s", 0) or 0)
        return rate * float(cpu) if cpu != "-" else 0.0

    all_load = sum(load_of(name) for name in names) or 1.0
    for name in names:
        row = stats.get(name, {})
        if not row and name not in pages:
            continue
        lines.append(
            f"| {name} | {float(row.get('Requests/s', 0) or 0):.2f} | {ms(row.get('50%'))} "
            f"| {ms(row.get('95%'))} | {ms(row.get('99%'))} "
            f"| {per_request(pages, name, 'gunicorn')} | {per_request(pages, name, 'postgres')} "
            f"| {100 * load_of(name) / all_load:.0f} % |"
        )
    prepared_pdf = pages.get("office report PDF: prepare")
    if prepared_pdf and prepared_pdf.get("worker") is not None:
        lines += [
            "",
            f"A PDF of the large office ({population['sizes'][0]} officials) prepared in the "
            f"background costs the worker {1000 * prepared_pdf['worker'] / prepared_pdf['n']:.0f}"
            f" ms of CPU.",
        ]
    if shown and shown.cpu and shown.cpu.get("elapsed"):
        total = shown.total
        requests = float(total.get("Requests/s", 0) or 0) * shown.cpu["elapsed"]
        if requests:
            predicted = sum(
                float(row.get("Requests/s", 0) or 0)
                * float(per_request(pages, name, "gunicorn").replace("-", "0"))
                for name, row in stats.items()
                if name != "Aggregated"
            ) / float(total["Requests/s"])
            lines += [
                "",
                f"Each simulated person sent {float(total['Requests/s']) / shown.users:.3f} "
                f"requests/s on average. "
                f"Under load at {shown.users} people gunicorn's workers spent "
                f"{1000 * shown.cpu['gunicorn'] / requests:.1f} ms of CPU per request of the "
                f"mix (the calibration predicts {predicted:.1f} ms for this mix); PostgreSQL "
                f"{1000 * shown.cpu['postgres'] / requests:.1f} ms.",
            ]
    lines += [
        "",
        "## Saves: nothing lost",
        "",
        "| check | result |",
        "|---|---:|",
        f"| saves acknowledged (302), all steps | {saves} |",
        f"| forms reloaded after a save and compared field by field (rating, reason, comment "
        f"of 38 items, goals) / showing anything but that save | {reloads} / {lost_in_run} |",
        f"| officials whose stored answers were compared with their last acknowledged save "
        f"after each step (answers) | {compared} ({answers}) |",
        f"| … differing from it (lost) | {lost_db} |",
        f"| … holding instead a save sent as the step ended, applied but never answered "
        f"(not lost) | {unacknowledged} |",
        f"| items with more than one stored row | {duplicates} |",
        f"| saves from a stale second tab refused with 409 / accepted | {stale_refused} / "
        f"{stale_accepted} |",
    ]
    details = [d for s in steps if s.check for d in s.check["details"]]
    details += [
        f"assessment {x['assessment']}: {'; '.join(x['problems'])}"
        for s in steps
        for x in s.results.get("lost", [])
    ]
    if details:
        lines += ["", "Lost saves:", "", *[f"- {d}" for d in details[:20]]]
    failed = {}
    for s in steps:
        for name, n in s.results.get("failed", {}).items():
            failed[f"{s.users} people: {name}"] = n
    if failed:
        lines += [
            "",
            "Failed requests (whole steps; Locust's CSV and log in `benchmarks/out/`):",
            "",
            *[f"- {k}: {v}" for k, v in failed.items()],
        ]
    lines += [
        "",
        "## Before each step",
        "",
        "| people | reopened | returned | filled in and submitted | open assessments "
        "(officials' accounts) | of which not yet used when the step ended |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for step in steps:
        p = step.prepared or {}
        lines.append(
            f"| {step.users}{' (again)' if step.attempt > 1 else ''} | {p.get('reopened', 0)} "
            f"| {p.get('returned', 0)} "
            f"| {p.get('submitted', 0)} | {p.get('officials', 0)} "
            f"| {step.results.get('officials_left', '-')} |"
        )
    lines.append("")
    ok = best is not None and no_loss
    return "\n".join(lines), ok


# --------------------------------------------------------------------------- main


def arguments(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--steps", help="people per step, e.g. 60,120,180")
    parser.add_argument("--spawn-rate", type=float, help="people started per second")
    parser.add_argument("--warmup", type=float, help="seconds after ramp-up, not measured")
    parser.add_argument("--seconds", type=float, help="seconds measured per step")
    parser.add_argument("--think", help="an official's pause between saves: low,high seconds")
    parser.add_argument("--saves", type=int, help="saves before an official submits")
    parser.add_argument("--pdf-every", type=int, default=4, help="a manager's Nth visit: PDF")
    parser.add_argument("--calibrate", type=int, help="requests per page in the calibration")
    parser.add_argument("--calibrate-pdf", type=int, help="... for the PDFs")
    parser.add_argument("--max-minutes", type=float, help="no step starts after this")
    parser.add_argument("--retries", type=int, help="a step that does not hold is run again")
    parser.add_argument("--database", default="standards_portal_load")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "LOAD.md"))
    args = parser.parse_args(argv)
    quick = {
        "steps": "20,40",
        "spawn_rate": 5,
        "warmup": 10,
        "seconds": 30,
        "think": "4,8",
        "saves": 3,
        "calibrate": 6,
        "calibrate_pdf": 2,
        "max_minutes": 15,
        "retries": 0,
    }
    full = {
        "steps": "60,120,180,240,360,480,600,720,840,960,1200",
        "spawn_rate": 10,
        "warmup": 60,
        "seconds": 120,
        "think": "30,60",
        "saves": 5,
        "calibrate": 40,
        "calibrate_pdf": 10,
        "max_minutes": 120,
        "retries": 1,
    }
    for key, value in (quick if args.quick else full).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.steps = sorted({int(n) for n in str(args.steps).split(",")})
    args.think = tuple(float(v) for v in str(args.think).split(","))
    args.argv = argv
    if not args.steps or args.steps[0] < 2 or args.steps[-1] > 5000:
        parser.error("steps must be 2-5000 people")
    if len(args.think) != 2 or not 0 < args.think[0] <= args.think[1]:
        parser.error("--think is low,high seconds")
    if args.calibrate < 2 or args.calibrate_pdf < 1:
        parser.error("--calibrate needs at least 2 requests, --calibrate-pdf 1")
    return args


def main(argv: list[str]) -> int:
    args = arguments(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    started_at = time.gmtime()
    host = harness.machine()
    port = harness.free_port()
    budget = args.max_minutes * 60

    def interrupted(signum, _frame):
        raise Timeout(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGALRM, interrupted)
    signal.alarm(int(budget + 15 * 60))  # the hard cap: every process is stopped on the way out
    steps: list[Step] = []
    note = ""
    plan = Plan.for_run(args)
    print(f"== database {args.database} on 127.0.0.1 (dropped and created)")
    harness.recreate_database(args.database)
    try:
        with harness.SmtpSink() as sink:
            mail = sink.env()
            # This process seeds and rebalances; its email is sent at once, to the sink.
            harness.setup_django(args.database, port, TASKS_IMMEDIATE="true", **mail)
            logging.getLogger("django.tasks").setLevel(logging.WARNING)
            t0 = time.monotonic()
            harness.prepare_demo()
            population = create_population(plan)
            prepared = rebalance(plan, seed=0)
            print(
                f"   demo and {population['people']} load accounts in "
                f"{population['offices']} offices in {time.monotonic() - t0:.0f} s; "
                f"{prepared['submitted']} submitted for review"
            )
            versions = harness.versions("locust")
            from django.db import connections

            connections.close_all()
            server_extra = {"TRUSTED_PROXY_COUNT": "1", **mail}
            log = OUT / "gunicorn-load.log"
            with (
                harness.gunicorn(args.database, port, log, **server_extra) as server,
                harness.db_worker(
                    args.database, port, OUT / "worker-load.log", **server_extra
                ) as worker,
            ):
                print(f"== calibration: CPU per request by page, against 127.0.0.1:{port}")
                pages = calibrate(
                    port, args.database, server.pid, worker.pid, args.calibrate, args.calibrate_pdf
                )
                n = 0
                for users in args.steps:
                    step = None
                    for attempt in range(1, args.retries + 2):
                        estimate = users / args.spawn_rate + args.warmup + args.seconds + 60
                        if time.monotonic() - began + estimate > budget:
                            note = (
                                f"The time cap ({args.max_minutes:g} min) stopped the run "
                                f"before the {users}-people step."
                            )
                            break
                        n += 1
                        done = rebalance(plan, seed=n)
                        playing = accounts(seed=n)
                        done["officials"] = len(playing["officials"])
                        account_file = OUT / "load-accounts.json"
                        account_file.write_text(json.dumps(playing))
                        connections.close_all()
                        print(f"== {users} people, attempt {attempt} ({done})")
                        step = run_step(args, users, port, server.pid, worker.pid, account_file)
                        step.prepared, step.attempt = done, attempt
                        step.check = check_saves(step.results)
                        connections.close_all()
                        steps.append(step)
                        total = step.total
                        print(
                            f"   {float(total.get('Requests/s', 0) or 0):.1f} requests/s, p95 "
                            f"{ms(total.get('95%'))} ms, {step.failures} failures, "
                            f"{step.lost} lost saves, CPU {step.cpu} -> "
                            f"{'held' if step.held else 'NOT held'}"
                        )
                        # A lost or duplicated answer is never tried again: it is the finding.
                        if step.held or step.lost or step.check["duplicates"]:
                            break
                    if step is None or not step.held:
                        break
            mails = sink.messages
    except Timeout as error:
        note = f"The run was cut short ({error}); the steps before it are reported."
        mails = 0
        if not steps:
            raise
    finally:
        signal.alarm(0)
        if not args.keep:
            harness.drop_database(args.database)
    text, ok = report(
        args,
        started_at=started_at,
        host=host,
        versions=versions,
        population=population,
        plan=plan,
        pages=pages,
        steps=steps,
        prepared=prepared,
        mails=mails,
        note=note,
    )
    Path(args.output).write_text(text)
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
