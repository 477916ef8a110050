"""The people of `make load`, for Locust: officials, supervisors, managers and an analyst.

Run by `benchmarks/load.py`, which prepares the accounts and reads what this writes; on
its own it needs the same environment:

    LOAD_ACCOUNTS   JSON file: {"password", "officials": [[email, assessment id], ...],
                    "supervisors": [email, ...], "managers": [[email, office id], ...],
                    "analysts": [[email, association id], ...]}
    LOAD_RESULTS    where to write the counts and every official's last acknowledged save
    LOAD_THINK      an official's pause between saves, "low,high" seconds (30,60)
    LOAD_SAVES      saves before an official submits (5)
    LOAD_STALE_EVERY  every Nth save is first tried from a stale second tab (4; 0: never)
    LOAD_WARMUP     seconds after the last user started before the statistics restart (60)
    LOAD_PDF_EVERY  a manager downloads the office report's PDF every Nth visit (4)
    LOAD_RETURN_SHARE  the share of reviews that return the assessment (0.5)
    LOAD_MARK       a file written when the statistics restart (the measured window opens)

Officials each work on their own open assessment: sign in, open the form, then again and
again think, change some answers, save (302), reload the form and check that it shows
exactly what was saved (each difference counts as a lost save and fails the request).
After LOAD_SAVES saves they submit and the next official takes the desk (a fresh account
from the pool). Supervisors open their team list, open a submitted assessment's review
page and accept it or return it with a note; managers read their office report and now
and then its PDF (prepared by the worker when the office is large); the analyst reads the
association report. Requests are named by page, so the statistics group by page.

Behind the proxy the portal expects (`TRUSTED_PROXY_COUNT=1`), each person comes from an
address of their own (X-Forwarded-For) over HTTPS (X-Forwarded-Proto).
"""

import html
import itertools
import json
import os
import random
import re
import threading
import time
from collections import Counter, deque
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gevent
from locust import FastHttpUser, between, events, task

PAGE_TIMEOUT = 60


def _range(name: str, default: str) -> tuple[float, float]:
    low, high = (float(v) for v in os.environ.get(name, default).split(","))
    return low, max(low, high)


THINK = _range("LOAD_THINK", "30,60")
SAVES = max(1, int(os.environ.get("LOAD_SAVES", "5")))
STALE_EVERY = int(os.environ.get("LOAD_STALE_EVERY", "4"))
WARMUP = float(os.environ.get("LOAD_WARMUP", "60"))
PDF_EVERY = max(1, int(os.environ.get("LOAD_PDF_EVERY", "4")))
RETURN_SHARE = float(os.environ.get("LOAD_RETURN_SHARE", "0.5"))
ACCOUNTS = json.loads(Path(os.environ["LOAD_ACCOUNTS"]).read_text())
RESULTS = Path(os.environ.get("LOAD_RESULTS", "locust-results.json"))
MARK = os.environ.get("LOAD_MARK")

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
TAG = re.compile(r"<(input|textarea)\b([^>]*)>", re.IGNORECASE)
ATTR = re.compile(r'([a-zA-Z_:][-\w:.]*)(?:="([^"]*)")?')
TEXTAREA_END = "</textarea>"
REVIEW_LINK = re.compile(r'href="/assessments/(\d+)/review/"')
REVIEW_ITEM = re.compile(r'name="review_(\d+)_rating"')
REPORT_FILE = re.compile(r'data-report-file="(/reports/files/(\d+)/status)"')
PREPARE = re.compile(r'action="(/reports/offices/\d+/report\.pdf/prepare)"')
CYCLE_FIELD = re.compile(r'<input type="hidden" name="cycle" value="(\d+)">')

# What happened, for load.py: counts (`steady` from the moment the statistics restart),
# each official's last acknowledged save, and the first few lost saves in detail.
COUNTS: Counter = Counter()
STEADY_FROM: Counter = Counter()
FAILED: Counter = Counter()  # failed requests by page, the whole step
USERS: Counter = Counter()  # simulated people by class, once all have started
ACKNOWLEDGED: dict[str, dict] = {}
PENDING: dict[str, dict] = {}
LOST: list[dict] = []
TIMES: dict[str, float] = {}
_lock = threading.Lock()


class Pool:
    """Accounts handed out in order; `shared` pools start again from the top when empty."""

    def __init__(self, accounts, *, shared: bool):
        self.accounts = list(accounts)
        self.left = deque(self.accounts)
        self.shared = shared

    def take(self):
        if not self.left and self.shared and self.accounts:
            self.left.extend(self.accounts)
        return self.left.popleft() if self.left else None

    def __len__(self):
        return len(self.left)


OFFICIALS = Pool(ACCOUNTS["officials"], shared=False)
SUPERVISORS = Pool(ACCOUNTS["supervisors"], shared=True)
MANAGERS = Pool(ACCOUNTS["managers"], shared=True)
ANALYSTS = Pool(ACCOUNTS["analysts"], shared=True)
_addresses = itertools.count(1)


def count(name: str, n: int = 1) -> None:
    COUNTS[name] += n


# --------------------------------------------------------------------------- the form


def parse_form(text: str) -> dict:
    """What the 38-item form shows: each item's rating, not-applicable reason and comment,
    each standard's goal and date, and the version it was loaded at."""
    items: dict[str, list[str]] = {}
    goals: dict[str, list[str]] = {}
    for match in TAG.finditer(text):
        kind = match.group(1).lower()
        attrs = {k.lower(): html.unescape(v or "") for k, v in ATTR.findall(match.group(2))}
        name = attrs.get("name", "")
        if not name.startswith(("item_", "goal_")):
            continue
        _prefix, key, field = name.split("_", 2)
        if kind == "textarea":
            end = text.find(TEXTAREA_END, match.end())
            value = html.unescape(text[match.end() : end])
        else:
            value = attrs.get("value", "")
        if name.startswith("item_"):
            row = items.setdefault(key, ["", "", ""])
            if field == "rating":
                if "checked" in attrs:
                    row[0] = value
            elif field == "na_reason":
                row[1] = value
            elif field == "comment":
                row[2] = value
        else:
            row = goals.setdefault(key, ["", ""])
            row[0 if field == "text" else 1] = value
    version = VERSION.findall(text)
    return {"version": int(version[-1]) if version else 0, "items": items, "goals": goals}


def normalized(state: dict) -> dict:
    """The form as the portal stores it: trimmed text, a reason only when not applicable."""
    items = {
        k: [r, (reason.strip() if r == "na" else ""), comment.strip()]
        for k, (r, reason, comment) in state["items"].items()
    }
    goals = {k: [text.strip(), date] for k, (text, date) in state["goals"].items()}
    return {"items": items, "goals": goals}


def differences(expected: dict, shown: dict) -> list[str]:
    out = []
    for part in ("items", "goals"):
        for key, value in expected[part].items():
            if shown[part].get(key) != value:
                out.append(f"{part[:-1]} {key}: saved {value!r}, shown {shown[part].get(key)!r}")
    return out


# --------------------------------------------------------------------------- the people


class Person(FastHttpUser):
    """Someone in a browser: cookies, their own address, CSRF tokens from the pages."""

    abstract = True
    network_timeout = PAGE_TIMEOUT
    connection_timeout = PAGE_TIMEOUT

    def on_start(self):
        parts = urlsplit(self.host)
        self.origin = f"https://{parts.netloc}"
        self.csrf = ""
        self.new_address()
        # The portal's cookies are HTTPS-only (`Secure`, `__Host-`); the TLS proxy is left
        # out here, so send them over the plain HTTP of the loopback as a browser would
        # over HTTPS.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(secure_protocols=("https", "http")))

    def back_in(self) -> bool:
        """Whether the person is signed in; one whose sign-in failed tries again (that is
        this visit) and is signed in from the next one on if it works."""
        if not self.signed_in:
            self.signed_in = self.sign_in(self.email)
            return False
        return True

    def new_address(self):
        n = next(_addresses)
        self.address = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"

    def think(self, scale: float = 1.0):
        gevent.sleep(scale * self.wait_time())

    def call(self, method, path, name, *, data=None, expect=(200,), check=None, binary=False):
        """One request; anything but an expected status (or a failed `check`) fails it.

        Returns (status, text, location): status 0 when there was no answer, the body as
        bytes when `binary`."""
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "User-Agent": "standards-portal-load (Locust)",
        }
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        with self.client.request(
            method,
            path,
            name=name,
            data=body,
            headers=headers,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            status = response.status_code or 0
            content = (response.content or b"") if status else b""
            text = content if binary else content.decode("utf-8", "replace")
            location = (response.headers or {}).get("Location", "") if status else ""
            if status in expect:
                problem = check(status, text, location) if check else None
                if problem:
                    response.failure(problem)
                else:
                    response.success()
            else:
                response.failure(f"HTTP {status} (expected {'/'.join(map(str, expect))})")
            token = None if binary else CSRF.search(text)
            if token:
                self.csrf = token.group(1)
            return status, text, location

    def sign_in(self, email: str) -> bool:
        self.client.cookiejar.clear()
        self.new_address()
        status, _text, _loc = self.call("GET", "/accounts/login/", "sign-in page")
        if status != 200:
            return False

        def signed_in(_status, _text, location):
            return "still at the sign-in page" if "/accounts/login" in location else None

        status, _text, location = self.call(
            "POST",
            "/accounts/login/",
            "sign in",
            data={
                "csrfmiddlewaretoken": self.csrf,
                "login": email,
                "password": ACCOUNTS["password"],
            },
            expect=(302,),
            check=signed_in,
        )
        if status != 302 or "/accounts/login" in location:
            count("sign-in refused")
            return False
        self.call("GET", "/", "home")
        return True

    def sign_out(self) -> None:
        self.call(
            "POST",
            "/accounts/logout/",
            "sign out",
            data={"csrfmiddlewaretoken": self.csrf},
            expect=(302,),
        )


class Official(Person):
    weight = 20
    wait_time = between(*THINK)

    def on_start(self):
        super().on_start()
        self.account = None
        self.first = True
        self.begin()

    def begin(self) -> None:
        """The next official at this desk: sign in and open the form (None: nobody left)."""
        while True:
            account = OFFICIALS.take()
            if account is None:
                count("official pool exhausted")
                self.account = None
                return
            email, pk = account
            if not self.sign_in(email):
                gevent.sleep(5)
                continue
            self.path = f"/assessments/{pk}/edit/"
            status, text, _loc = self.call("GET", self.path, "assessment form")
            if status != 200:
                count("form not editable")
                continue
            self.account = account
            self.pk = str(pk)
            self.form = parse_form(text)
            self.previous = None  # the form as the stale second tab still shows it
            # Those at their desks when the step starts are at every stage of their form,
            # so that submissions and the next sign-ins come at an even pace from the start.
            self.saves = random.randrange(SAVES) if self.first else 0
            self.first = False
            count("officials started")
            self.think()  # filling in before the first save
            return

    def change(self) -> dict:
        """The form after a few minutes' work: some new answers, some changed ones."""
        state = {
            "items": {k: list(v) for k, v in self.form["items"].items()},
            "goals": {k: list(v) for k, v in self.form["goals"].items()},
        }
        keys = list(state["items"])
        blank = [k for k in keys if not state["items"][k][0]]
        saves_left = max(1, SAVES - self.saves)
        last = saves_left == 1
        # Unanswered items are answered over the saves before submitting; a few others change.
        fill = blank if last else random.sample(blank, -(-len(blank) // saves_left))
        answered = [k for k in keys if k not in fill]
        touch = fill + random.sample(answered, min(len(answered), random.randint(2, 5)))
        stamp = f"{self.pk}.{self.form['version']}.{random.randint(0, 9999)}"
        for n, key in enumerate(touch):
            row = state["items"][key]
            if random.random() < 0.08:
                row[0] = "na"
                row[1] = f"Not part of my role ({stamp})"
            else:
                row[0] = str(random.randint(1, 4))
            # The first comment always changes: every save changes something (a new version).
            if n == 0 or random.random() < 0.7:
                row[2] = random.choice(
                    [
                        f"Checked against the county's procedure & logs — revision {stamp}.",
                        f'We follow the "two-person" rule; noted in the binder, {stamp}.',
                        f"Training done in spring; it's on the office calendar ({stamp}).",
                        f"Partly: the backup list <draft> still needs sign-off. {stamp}",
                    ]
                )
        if random.random() < 0.2 and state["goals"]:
            goal = state["goals"][random.choice(list(state["goals"]))]
            goal[0] = f"Cross-train one more person on this standard ({stamp})."
            goal[1] = f"{time.gmtime().tm_year}-{random.randint(10, 12)}-{random.randint(1, 28):02}"
        return state

    def post(self, state: dict, version: int, action: str, name: str, expect):
        data = {"csrfmiddlewaretoken": self.csrf, "version": str(version), "action": action}
        for key, (rating, reason, comment) in state["items"].items():
            data[f"item_{key}_rating"] = rating
            data[f"item_{key}_na_reason"] = reason
            data[f"item_{key}_comment"] = comment
        for key, (text, date) in state["goals"].items():
            data[f"goal_{key}_text"] = text
            data[f"goal_{key}_date"] = date
        # A browser sends nothing for a group of radio buttons with none checked.
        data = {k: v for k, v in data.items() if v or not k.endswith("_rating")}
        return self.call("POST", self.path, name, data=data, expect=expect)

    def stale_save(self) -> None:
        """A second tab, opened before the last save, saves what it shows: it must be
        refused (409), never applied over the newer answers."""
        state, version = self.previous
        status, _text, _loc = self.post(
            state, version, "save", "assessment form: stale save (409 expected)", expect=(409,)
        )
        count("stale saves refused (409)" if status == 409 else "stale saves not refused")

    @task
    def work(self):
        if self.account is None:
            self.begin()
            return
        submit = self.saves + 1 >= SAVES and len(OFFICIALS) > 0
        if STALE_EVERY and self.previous is not None and (self.saves + 1) % STALE_EVERY == 0:
            self.stale_save()
        loaded = self.form
        state = self.change()
        posted = normalized(state)
        version = loaded["version"]
        action = "submit" if submit else "save"
        name = "assessment form: save and continue" if submit else "assessment form: save"
        # Sent but not yet answered: if the run stops here, the save may still be applied.
        PENDING[self.pk] = posted
        status, _text, _loc = self.post(state, version, action, name, expect=(302,))
        if status:  # answered: applied (302) or refused, nothing left in flight
            PENDING.pop(self.pk, None)
        if status != 302:
            count("saves refused")
            self.reload()
            return
        self.saves += 1
        count("saves acknowledged")
        with _lock:
            ACKNOWLEDGED[self.pk] = {"email": self.account[0], **posted}
        self.previous = (loaded, version)
        if submit:
            self.submit()
            self.begin()
        else:
            self.reload(expected=posted, version=version)

    def reload(self, expected: dict | None = None, version: int = 0) -> None:
        """The form again, as after the redirect: it must show exactly the save."""

        def shows_save(_status, text, _location):
            if expected is None:
                return None
            shown = parse_form(text)
            problems = differences(expected, normalized(shown))
            if shown["version"] <= version:
                problems.append(f"version {shown['version']} after saving at {version}")
            count("reloads checked")
            if not problems:
                return None
            count("lost saves")
            with _lock:
                if len(LOST) < 20:
                    LOST.append({"assessment": self.pk, "problems": problems[:5]})
            return f"lost save: {len(problems)} field(s) differ from the save just acknowledged"

        status, text, _loc = self.call("GET", self.path, "assessment form", check=shows_save)
        if status == 200:
            self.form = parse_form(text)

    def submit(self) -> None:
        path = f"/assessments/{self.pk}/submit/"
        status, _text, _loc = self.call("GET", path, "submit page")
        if status != 200:
            return
        self.think(0.25)  # reads the summary, writes a note

        def went_to_assessment(_status, _text, location):
            return None if location.rstrip("/").endswith(self.pk) else f"went to {location}"

        status, _text, _loc = self.call(
            "POST",
            path,
            "submit",
            data={"csrfmiddlewaretoken": self.csrf, "note": "Ready for review (load test)."},
            expect=(302,),
            check=went_to_assessment,
        )
        if status == 302:
            count("assessments submitted")
        self.think(0.25)
        self.sign_out()  # the desk is shared: the next official signs in there


class Supervisor(Person):
    weight = 3
    wait_time = between(THINK[0] / 2, THINK[1] / 2)

    def on_start(self):
        super().on_start()
        self.email = SUPERVISORS.take()
        self.signed_in = self.sign_in(self.email)

    @task
    def review(self):
        if not self.back_in():
            return
        status, text, _loc = self.call("GET", "/assessments/team/", "team list")
        waiting = sorted(set(REVIEW_LINK.findall(text))) if status == 200 else []
        if not waiting:
            count("team lists with nothing to review")
            return
        pk = random.choice(waiting)
        self.think()
        path = f"/assessments/{pk}/review/"
        status, text, _loc = self.call("GET", path, "review page")
        if status != 200:
            return
        items = sorted(set(REVIEW_ITEM.findall(text)))
        self.think()
        decision = "return" if random.random() < RETURN_SHARE else "accept"
        data = {
            "csrfmiddlewaretoken": self.csrf,
            "decision": decision,
            "note": "Please say more about 2.3 and 4.1." if decision == "return" else "",
        }
        for item in items:
            data[f"review_{item}_rating"] = str(random.randint(1, 4))
            data[f"review_{item}_comment"] = (
                "Let us talk about this one." if random.random() < 0.1 else ""
            )

        def back_to_team(_status, _text, location):
            return None if location.endswith("/assessments/team/") else f"went to {location}"

        status, _text, _loc = self.call(
            "POST",
            path,
            f"review: {decision}",
            data=data,
            expect=(302,),
            check=back_to_team,
        )
        if status == 302:
            count(f"reviews: {decision}")


class Manager(Person):
    weight = 1
    wait_time = between(*THINK)

    def on_start(self):
        super().on_start()
        self.email, self.office = MANAGERS.take()
        self.visits = 0
        self.signed_in = self.sign_in(self.email)

    @task
    def report(self):
        if not self.back_in():
            return
        path = f"/reports/offices/{self.office}/"
        status, text, _loc = self.call("GET", path, "office report")
        self.visits += 1
        if status != 200 or self.visits % PDF_EVERY:
            return
        self.think(0.25)
        prepare = PREPARE.search(text)
        if prepare is None:
            status, _text, _loc = self.call(
                "GET",
                f"{path}report.pdf",
                "office report PDF",
                check=lambda _s, body, _l: None if body.startswith(b"%PDF") else "not a PDF",
                binary=True,
            )
            if status == 200:
                count("office PDFs")
            return
        # A large office: the worker prepares the PDF; the page offers it when it is ready.
        cycle = CYCLE_FIELD.search(text)
        before = {int(pk) for _url, pk in REPORT_FILE.findall(text)}
        status, _text, _loc = self.call(
            "POST",
            prepare.group(1),
            "office report PDF: prepare",
            data={"csrfmiddlewaretoken": self.csrf, "cycle": cycle.group(1) if cycle else ""},
            expect=(302,),
        )
        if status != 302:
            return
        status, text, _loc = self.call("GET", path, "office report")
        mine = [(int(pk), url) for url, pk in REPORT_FILE.findall(text) if int(pk) not in before]
        if not mine:
            return
        _pk, status_url = max(mine)
        started = time.monotonic()
        gevent.sleep(1.5)
        for _try in range(60):
            status, body, _loc = self.call("GET", status_url, "report file status")
            state = json.loads(body) if status == 200 else {}
            if state.get("status") == "ready":
                count("prepared PDFs ready")
                COUNTS["prepared PDF seconds"] += round(time.monotonic() - started)
                self.call(
                    "GET",
                    state["url"],
                    "report file (prepared PDF)",
                    check=lambda _s, body, _l: None if body.startswith(b"%PDF") else "not a PDF",
                    binary=True,
                )
                return
            if state.get("status") == "failed":
                count("prepared PDFs failed")
                return
            gevent.sleep(2)
        count("prepared PDFs not ready after 2 minutes")


class Analyst(Person):
    fixed_count = 1
    wait_time = between(*THINK)

    def on_start(self):
        super().on_start()
        self.email, self.association = ANALYSTS.take()
        self.signed_in = self.sign_in(self.email)

    @task
    def report(self):
        if not self.back_in():
            return
        self.call("GET", f"/reports/associations/{self.association}/", "association report")


# --------------------------------------------------------------------------- the window


@events.request.add_listener
def _counted(name, exception, **_kwargs):
    """Requests and failures over the whole step (Locust's own statistics restart)."""
    COUNTS["requests"] += 1
    if exception is not None:
        COUNTS["failures"] += 1
        FAILED[name] += 1


@events.spawning_complete.add_listener
def _spawned(user_count, **_kwargs):
    TIMES["spawned"] = time.time()
    environment = _RUNNER.get("environment")
    if environment is not None and environment.runner is not None:
        USERS.update(environment.runner.user_classes_count)
    gevent.spawn_later(WARMUP, _restart_statistics)


def _restart_statistics():
    """The measured window opens: Locust's statistics (and so its CSV) start again."""
    environment = _RUNNER.get("environment")
    if environment is not None and environment.runner is not None:
        environment.runner.stats.reset_all()
    STEADY_FROM.clear()
    STEADY_FROM.update(COUNTS)
    TIMES["measured_from"] = time.time()
    if MARK:
        Path(MARK).write_text(str(TIMES["measured_from"]))


_RUNNER: dict = {}


@events.init.add_listener
def _init(environment, **_kwargs):
    _RUNNER["environment"] = environment


@events.test_start.add_listener
def _started(environment, **_kwargs):
    TIMES["started"] = time.time()


@events.quitting.add_listener
def _write(environment, **_kwargs):
    TIMES["stopped"] = time.time()
    steady = {k: COUNTS[k] - STEADY_FROM.get(k, 0) for k in COUNTS}
    RESULTS.write_text(
        json.dumps(
            {
                "counts": dict(COUNTS),
                "steady": steady if "measured_from" in TIMES else {},
                "times": TIMES,
                "acknowledged": ACKNOWLEDGED,
                "pending": PENDING,
                "lost": LOST,
                "failed": dict(FAILED),
                "users": dict(USERS),
                "officials_left": len(OFFICIALS),
            },
            indent=1,
        )
    )
