"""The attacker: every report a role may read, rendered as that role reads it (page, PDF,
CSV, every cycle and team), parsed for its figures and attacked with ratios, subtraction
from totals, differencing and quartile inversion. Nothing hidden may come back.

The attacker reads only what is rendered. The truth it is checked against comes from the
database (or from how the test built its data): what a reader must not learn.
"""

import csv
import io
import itertools
import re
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Membership, Office
from assessments.models import ItemResponse, ParticipationSummary
from pledges.models import Cycle

from ..factories import AssociationRoleFactory, OfficeFactory
from .conftest import answered, items_of, person

# ----------------------------------------------------------------------------- reading


class _Tables(HTMLParser):
    """Every table of a page: its caption and its rows of cell texts (th and td)."""

    def __init__(self):
        super().__init__()
        self.tables, self._stack, self._cell, self._caption = [], [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._stack.append({"caption": "", "rows": []})
        elif tag == "caption" and self._stack:
            self._caption = []
        elif tag == "tr" and self._stack:
            self._stack[-1]["rows"].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self._stack:
            self.tables.append(self._stack.pop())
        elif tag == "caption" and self._caption is not None:
            self._stack[-1]["caption"] = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._stack:
            self._stack[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def tables(html: str) -> list[dict]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table(html: str, caption_start: str) -> list[list[str]]:
    found = [t["rows"] for t in tables(html) if t["caption"].startswith(caption_start)]
    return found[0] if found else []


def cycles_offered(html: str) -> list[str]:
    select = re.search(r'<select name="cycle".*?</select>', html, re.S)
    return re.findall(r'value="(\d+)"', select.group(0)) if select else []


def teams_offered(html: str) -> list[str]:
    select = re.search(r'<select name="team".*?</select>', html, re.S)
    return [v for v in re.findall(r'value="(\d*)"', select.group(0)) if v] if select else []


def number(text: str):
    """A count, a percentage or an average read from a cell: (kind, value) or None."""
    text = text.replace("\xa0", " ")
    if m := re.fullmatch(r"(\d+) \((\d+) ?%\)", text):
        return ("count+percent", (int(m.group(1)), int(m.group(2))))
    if m := re.fullmatch(r"(\d+) ?%", text):
        return ("percent", int(m.group(1)))
    if re.fullmatch(r"\d+", text):
        return ("count", int(text))
    if re.fullmatch(r"\d+\.\d\d", text):
        return ("average", Decimal(text))
    return None


class Reader:
    """One signed-in person reading pages, CSVs and PDFs."""

    def __init__(self, client, user):
        client.force_login(user)
        self.client = client

    def html(self, url: str, **query) -> str:
        response = self.client.get(url, query)
        assert response.status_code == 200, url
        return response.content.decode()

    def csv(self, url: str, **query) -> list[list[str]]:
        response = self.client.get(url, query)
        text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
        return list(csv.reader(io.StringIO(text)))

    def pdf(self, url: str, **query) -> str:
        response = self.client.get(url, query)
        reader = PdfReader(io.BytesIO(response.content))
        return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def fits(count, base: int, percent: int) -> bool:
    return base > 0 and round(100 * Fraction(count, base)) == percent


def count_behind(percent: int, base: int) -> set[int]:
    return {c for c in range(base + 1) if fits(c, base, percent)}


# ----------------------------------------------------------------------------- the demo


@pytest.fixture
def demo(edition):
    from demo.seed import seed

    cache.clear()
    world = seed(edition)
    yield world
    cache.clear()


def _office_rows(html: str) -> tuple[list, list]:
    """Member offices' rows and the rows below them (totals), as read from the page."""
    rows = table(html, "Participation and average rating per member office")
    body = [r for r in rows[1:] if len(r) >= 2]
    offices = [r for r in body if not re.match(r"(All|The) .*offices", r[0])]
    totals = [r for r in body if re.match(r"(All|The) .*offices", r[0])]
    return offices, totals


def _named_counts(offices) -> tuple[int, list[int], list]:
    """Staff and (pledged, submitted, accepted) of the rows that show their staff: a
    percentage of a known staff below 100 is exactly one count."""
    staff, counts, unknown = 0, [0, 0, 0], []
    for row in offices:
        base = number(row[1])
        if base is None or base[0] != "count":
            unknown.append(row)
            continue
        staff += base[1]
        for i, cell in enumerate(row[2:5]):
            read = number(cell)
            value = read[1] if read and read[0] == "percent" else None
            if read and read[0] == "count+percent":
                value = read[1][1]
            (only,) = count_behind(value, base[1])
            counts[i] += only
    return staff, counts, unknown


def _totals_read(totals, pdf_text: str) -> dict:
    """What the totals rows give away: counts, percentages, a staff total."""
    found = {"staff": None, "counts": [None] * 3, "percents": [None] * 3}
    for row in totals:
        if not row[0].startswith("All"):
            continue  # a row over the offices shown adds up the rows above: nothing new
        staff = number(row[1]) if len(row) > 1 else None
        if staff and staff[0] == "count":
            found["staff"] = staff[1]
        for i, cell in enumerate(row[2:5]):
            read = number(cell)
            if read and read[0] == "count":
                found["counts"][i] = read[1]
            elif read and read[0] == "percent":
                found["percents"][i] = read[1]
            elif read and read[0] == "count+percent":
                found["counts"][i], found["percents"][i] = read[1]
    # The PDF prints the same table; its totals line must give nothing more.
    if m := re.search(r"All member offices((?: [\d.]+%?)+)", pdf_text.replace(" %", "%")):
        numbers = m.group(1).split()
        if all("%" not in n and "." not in n for n in numbers[:3]) and len(numbers) >= 3:
            found["counts"] = [found["counts"][i] or int(numbers[-4 + i]) for i in range(3)]
    return found


def _staff_candidates(totals: dict, named_staff: int, named: list[int], row, cycle_rest):
    """The staff sizes of the one office without a staff count that fit everything read."""
    candidates = set(range(1, 301))
    if totals["staff"] is not None:
        candidates &= {totals["staff"] - named_staff}
    for i in range(3):
        rest = totals["counts"][i] - named[i] if totals["counts"][i] is not None else None
        if rest is None and cycle_rest.get(i) is not None:
            rest = cycle_rest[i]
        read = number(row[2 + i]) if row is not None and len(row) > 4 else None
        if rest is not None and read and read[0] == "percent":
            candidates = {n for n in candidates if fits(rest, n, read[1])}
        if totals["percents"][i] is not None and rest is not None:
            candidates = {
                n
                for n in candidates
                if fits(named[i] + rest, named_staff + n, totals["percents"][i])
            }
        elif read and read[0] == "percent":
            candidates = {n for n in candidates if count_behind(read[1], n)}
    return candidates


def test_an_analyst_cannot_recover_an_unnamed_offices_staff(client, demo):
    """Ratio plus subtraction: named offices' counts are percent x staff; the totals minus
    them leave the hidden office's counts, and its percentages then give its staff."""
    reader = Reader(client, demo.people["analyst"])
    url = reverse("reports:association-report", args=[demo.association.pk])
    csv_url = reverse("reports:association-report-csv", args=[demo.association.pk])
    pdf_url = reverse("reports:association-report-pdf", args=[demo.association.pk])
    hidden = {
        o.name: Membership.objects.filter(office=o, ended_at__isnull=True).count()
        for o in demo.association.offices.filter(named_in_benchmarks=False)
    }
    assert hidden, "the demo has an unnamed office"
    total_staff = Membership.objects.filter(
        office__in=demo.association.offices.all(), ended_at__isnull=True
    ).count()
    cycles = cycles_offered(reader.html(url))
    assert len(cycles) == 2
    across_cycles: dict[str, set] = {}
    recovered = []
    for cycle in cycles:
        html = reader.html(url, cycle=cycle)
        rows = reader.csv(csv_url, cycle=cycle)
        pdf = reader.pdf(pdf_url, cycle=cycle)
        offices, totals = _office_rows(html)
        named_staff, named, unknown = _named_counts(offices)
        read = _totals_read(totals, pdf)
        # The CSV has the same rows: any staff it gives for a row the page hides counts.
        csv_staff = {r[0]: r[2] for r in rows[1:] if len(r) > 2 and r[0]}
        if read["staff"] is not None and len(unknown) == 1:
            recovered.append(("total minus named staff", read["staff"] - named_staff))
        if len(unknown) == 1:
            (row,) = unknown
            if csv_staff.get(row[0], "").isdigit():
                recovered.append(("csv staff", int(csv_staff[row[0]])))
            found = _staff_candidates(read, named_staff, named, row, {})
            across_cycles[row[0]] = across_cycles.get(row[0], found) & found
        # The association's staff total, hidden when an office hides its staff.
        if unknown and read["staff"] is None and all(p is not None for p in read["percents"]):
            totals_fit = {
                named_staff + n
                for n in range(1, 301)
                if all(
                    read["counts"][i] is not None
                    and fits(read["counts"][i], named_staff + n, read["percents"][i])
                    for i in range(3)
                )
            }
            if len(totals_fit) == 1:
                recovered.append(("association staff", totals_fit.pop()))
    for label, candidates in across_cycles.items():
        if len(candidates) == 1:
            recovered.append((label, candidates.pop()))
    truths = set(hidden.values()) | {total_staff}
    assert [r for r in recovered if r[1] in truths] == []


def _benchmarks(html: str) -> list[tuple[int, list[list[str]]]]:
    found = []
    for t in tables(html):
        if m := re.match(r"This office beside the averages of (\d+) member office", t["caption"]):
            found.append((int(m.group(1)), t["rows"][1:]))
    return found


def _inverted(n: int, own: Decimal | None, lq, median, uq) -> set[Decimal]:
    """Other offices' averages worked out from quartiles (inclusive method)."""
    if n == 3:  # positions 0.5, 1, 1.5: the lowest and the highest follow
        return {2 * lq - median, 2 * uq - median, median}
    if n == 4 and own is not None:  # four unknowns, three equations and one's own value
        out = set()
        for x1 in [own]:  # own is the lowest
            x2 = (lq - Decimal("0.25") * x1) / Decimal("0.75")
            x3 = 2 * median - x2
            out |= {x2, x3, (uq - Decimal("0.75") * x3) / Decimal("0.25")}
        for x4 in [own]:  # own is the highest
            x3 = (uq - Decimal("0.25") * x4) / Decimal("0.75")
            x2 = 2 * median - x3
            out |= {x2, x3, (lq - Decimal("0.75") * x2) / Decimal("0.25")}
        return out
    return set()


def _true_office_averages(association, cycle) -> set[Decimal]:
    """Every member office's overall and per-standard averages: what benchmarks hide."""
    from django.db.models import F, Sum

    from assessments.models import ItemSummary

    rated = sum((F(f"count_{v}") for v in (2, 3, 4)), F("count_1"))
    total = sum((v * F(f"count_{v}") for v in (2, 3, 4)), F("count_1"))
    values = set()
    for by in (("office_id",), ("office_id", "item__standard__number")):
        rows = (
            ItemSummary.objects.filter(cycle=cycle, office__in=association.offices.all())
            .values(*by)
            .annotate(t=Sum(total), r=Sum(rated))
        )
        for row in rows:
            if row["r"]:
                values.add((Decimal(row["t"]) / row["r"]).quantize(Decimal("0.01")))
    return values


def test_no_manager_can_invert_a_benchmark_into_other_offices_averages(client, demo):
    """With three offices, lowest = 2 LQ - median and highest = 2 UQ - median."""
    managers = Membership.objects.filter(
        office__in=demo.association.offices.all(), role=Membership.Role.MANAGER
    ).select_related("user", "office")
    recovered = []
    shown_under_five = []
    for membership in managers:
        reader = Reader(client, membership.user)
        url = reverse("reports:office-report", args=[membership.office_id])
        for cycle_id in cycles_offered(reader.html(url)):
            html = reader.html(url, cycle=cycle_id)
            cycle = Cycle.objects.get(pk=cycle_id)
            truth = _true_office_averages(demo.association, cycle)
            for n, rows in _benchmarks(html):
                for row in rows:
                    values = [number(c) for c in row[1:5]]
                    if any(v is None for v in values[1:]):
                        continue
                    if n < 5:
                        shown_under_five.append((membership.office.name, n, row[0]))
                    own = values[0][1] if values[0] else None
                    lq, median, uq = (v[1] for v in values[1:])
                    for guess in _inverted(n, own, lq, median, uq):
                        near = [t for t in truth if abs(t - guess) <= Decimal("0.015")]
                        if near and own not in near:
                            recovered.append((membership.office.name, row[0], guess))
            # The PDF carries the same comparison, and no more.
            pdf = reader.pdf(
                reverse("reports:office-report-pdf", args=[membership.office_id]), cycle=cycle_id
            )
            if "Lower quartile" in pdf and not any(n >= 5 for n, _rows in _benchmarks(html)):
                shown_under_five.append((membership.office.name, "PDF"))
    assert recovered == []
    assert shown_under_five == []


def _hidden_items(html: str) -> list[str]:
    rows = table(html, "Per item")
    return [r[0] for r in rows[1:] if any("Suppressed" in c for c in r)]


def test_a_managers_report_claims_no_suppression_that_its_csv_undoes(client, demo):
    """Managers may open every assessment of their office: their report names people, and
    anything it called suppressed came straight back from the CSV beside it."""
    undone, identified_pages = 0, 0
    for membership in Membership.objects.filter(
        office__in=demo.association.offices.all(), role=Membership.Role.MANAGER
    ).select_related("user"):
        reader = Reader(client, membership.user)
        url = reverse("reports:office-report", args=[membership.office_id])
        csv_url = reverse("reports:office-report-csv", args=[membership.office_id])
        first = reader.html(url)
        for cycle in cycles_offered(first):
            for team in ["", *teams_offered(first)]:
                query = {"cycle": cycle, **({"team": team} if team else {})}
                html = reader.html(url, **query)
                text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
                identified_pages += "names people" in text
                # The answers come first; participation follows after a blank row.
                rows = list(itertools.takewhile(bool, reader.csv(csv_url, **query)))
                by_item: dict[str, list[str]] = {}
                for row in rows[1:]:
                    by_item.setdefault(row[5], []).append(row[7] or row[8])
                for label in _hidden_items(html):
                    code = label.split()[0]
                    if by_item.get(code):  # every rating of a "suppressed" item, by name
                        undone += 1
                if "results are suppressed" in text and len(rows) > 1:
                    undone += 1
    assert undone == 0
    assert identified_pages > 0


# ----------------------------------------------------------------------------- the gaps


def _office_with(association, name, ratings, *, na=(), cycle, lone=None):
    """An office whose people rate every item as given; `na` item positions are N/A for all
    but the first person when `lone` is set (one person rates them: `lone`)."""
    office = OfficeFactory(name=name)
    association.offices.add(office)
    for n, rating in enumerate(ratings):
        user = person(office)
        overrides = dict.fromkeys(na, lone) if (lone is not None and n == 0) else None
        answered(
            user,
            office,
            cycle,
            rating,
            overrides=overrides,
            na=() if (lone is not None and n == 0) else na,
            rebuild=False,
        )
    return office


def test_one_persons_standard_average_never_enters_a_distribution(client, world, cycle):
    """An office's standard average enters the spreads only with 5 people behind it, not 5
    ratings: one person rating all of a standard's items is one person."""
    from assessments.summaries import summaries_rebuild

    standard_one = [i.position for i in items_of(cycle) if i.standard.number == 1]
    assert len(standard_one) == 5  # one person's five ratings
    offices = [
        _office_with(world.association, f"Office {n}", [3] * 5, cycle=cycle) for n in range(5)
    ]
    # In the sixth, one person rates standard 1 (all 1), four say N/A to all of it.
    _office_with(world.association, "Lonely", [3] * 5, na=standard_one, cycle=cycle, lone=1)
    summaries_rebuild()
    assert offices
    reader = Reader(client, world.analyst)
    html = reader.html(reverse("reports:association-report", args=[world.association.pk]))
    spread = table(html, "Spread of the averages")
    leaked = [row for row in spread[1:] if row[0].startswith("1.") and "1.00" in row[1:]]
    assert leaked == []  # the lone person's 1.00 would be the lowest


def test_ones_own_office_subtracted_from_the_association_leaves_no_small_group(
    client, world, cycle
):
    """An analyst who also manages an office knows its figures: subtracting them from an
    association item must not leave 1 to 4 people, counting those who said N/A."""
    from assessments.summaries import summaries_rebuild

    AssociationRoleFactory(user=world.manager, association=world.association)
    first = items_of(cycle)[0].position
    for _n in range(10):
        answered(person(world.office), world.office, cycle, 3, rebuild=False)
    small = OfficeFactory(name="Small")
    world.association.offices.add(small)
    for _n in range(4):
        answered(person(small), small, cycle, 2, na=(first,), rebuild=False)
    summaries_rebuild()
    reader = Reader(client, world.manager)
    mine = reader.csv(reverse("reports:office-report-csv", args=[world.office.pk]))
    association = reader.csv(reverse("reports:association-report-csv", args=[world.association.pk]))
    own: dict[str, list[int]] = {}
    for row in itertools.takewhile(bool, mine[1:]):
        counts = own.setdefault(row[5], [0] * 5)
        counts[4 if row[8] == "yes" else int(row[7]) - 1] += 1
    leaks = []
    for row in association:
        if len(row) > 8 and row[0] == "item" and row[3] != "":
            rest = [int(v) - o for v, o in zip(row[3:8], own.get(row[1], [0] * 5), strict=True)]
            if 0 < sum(rest) < 5:
                leaks.append((row[1], rest))
    assert leaks == []


def test_a_team_item_cannot_be_worked_out_as_the_office_minus_the_team(world, cycle):
    """For a reader of the office's and a team's figures who may not see individuals: an
    item the rest of the office answered with one rating and four N/A stays hidden."""
    from assessments.summaries import summaries_rebuild
    from reports.exports import office_report_csv
    from reports.selectors import office_report

    first = items_of(cycle)[0].position
    for _n in range(5):
        answered(person(world.office, reports_to=world.supervisor), world.office, cycle, 3,
                 rebuild=False)  # fmt: skip
    for n in range(5):
        answered(person(world.office, reports_to=world.other_supervisor), world.office, cycle,
                 4, na=(first,) if n else (), rebuild=False)  # fmt: skip
    summaries_rebuild()

    def item_counts(report) -> dict[str, list[str]]:
        _name, _type, chunks = office_report_csv(report)
        rows = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
        return {r[1]: r[3:8] for r in rows[1:] if r and r[0] == "item"}

    office = item_counts(office_report(world.office, cycle))
    team = item_counts(office_report(world.office, cycle, team_lead=world.supervisor))
    leaks = []
    for code, counts in office.items():
        if "" in counts or "" in team[code]:
            continue
        rest = [int(a) - int(b) for a, b in zip(counts, team[code], strict=True)]
        if 0 < sum(rest[:4]) < 5 or 0 < sum(rest) < 5:
            leaks.append((code, rest))
    assert leaks == []


def test_the_trend_gives_no_hidden_offices_submissions(client, demo):
    """Subtraction across tables: the trend's submitted count in a cycle, minus what the
    shown offices submitted (percent x staff), leaves the hidden offices' count."""
    reader = Reader(client, demo.people["analyst"])
    url = reverse("reports:association-report", args=[demo.association.pk])
    unnamed = list(demo.association.offices.filter(named_in_benchmarks=False))
    assert unnamed, "the demo has an unnamed office"
    recovered, truths = [], set()
    for cycle in cycles_offered(reader.html(url)):
        html = reader.html(url, cycle=cycle)
        offices, _totals = _office_rows(html)
        _staff, named, unknown = _named_counts(offices)
        cycle_obj = Cycle.objects.get(pk=cycle) if cycle.isdigit() else None
        trend = table(html, "Overall average and submitted self-assessments per cycle")
        for row in trend[1:]:
            read = number(row[1]) if len(row) > 1 else None
            shown_cycle = cycle_obj is None or row[0] == cycle_obj.name
            if shown_cycle and read and read[0] == "count" and unknown:
                recovered.append(read[1] - named[1])
        truths |= {
            s.submitted
            for s in ParticipationSummary.objects.filter(office__in=unnamed)
            if cycle_obj is None or s.cycle_id == cycle_obj.pk
        }
    assert truths, "the unnamed office submitted self-assessments"
    assert [r for r in recovered if r in truths] == []


def test_the_attacker_reads_real_figures(client, demo):
    """The attack is not empty: the analyst's page gives the named offices' figures."""
    reader = Reader(client, demo.people["analyst"])
    html = reader.html(reverse("reports:association-report", args=[demo.association.pk]))
    offices, _totals = _office_rows(html)
    staff, counts, unknown = _named_counts(offices)
    assert staff > 20 and counts[0] > 10 and unknown
    assert Office.objects.filter(named_in_benchmarks=False).exists()
    assert ItemResponse.objects.exists()
