"""Roster uploads: any file at all is either refused whole with a message, or kept as
parsed rows for the preview; formula cells and markup in it are shown as text."""

import codecs

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import RosterUpload
from accounts.roster import COLUMNS

from .conftest import HOSTILE, changed, dump, rolled_back, signed_in_clients
from .strategies import CSV_FORMULAS, MARKUP, hostile_text, storable_text
from .test_routes import RAW_MARKUP

HEADER = ",".join(COLUMNS)


def quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


@st.composite
def roster_text(draw):
    """A roster as a spreadsheet might save it, with hostile cells."""
    cell = st.one_of(
        storable_text, st.sampled_from(CSV_FORMULAS + MARKUP), hostile_text.map(lambda s: s[:300])
    )
    email = st.one_of(
        st.sampled_from(["a@example.org", "B@Example.org", "=1@example.org", "", "not-an-email"]),
        cell,
    )
    role = st.sampled_from(["official", "supervisor", "manager", "OFFICIAL", "admin", "", "=1"])
    rows = draw(st.lists(st.tuples(cell, email, role, email), max_size=5, unique_by=lambda r: r[1]))
    header = draw(st.sampled_from([HEADER, HEADER.upper(), "email,name,reports_to_email,role"]))
    lines = [header]
    for name, address, role_value, reports_to in rows:
        by_column = {
            "name": name,
            "email": address,
            "role": role_value,
            "reports_to_email": reports_to,
        }
        columns = [c.strip().lower() for c in header.split(",")]
        lines.append(",".join(quoted(by_column[c]) for c in columns))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return newline.join(lines) + newline


@st.composite
def good_roster(draw):
    """A roster the office could use, with names a spreadsheet or a browser might run."""
    names = draw(
        st.lists(
            st.one_of(storable_text, st.sampled_from(CSV_FORMULAS[:5])), min_size=1, max_size=4
        )
    )
    lines = [HEADER]
    for number, name in enumerate(names):
        lines.append(f"{quoted(name.strip() or 'x')},person{number}@example.org,official,")
    return "\n".join(lines) + "\n"


@st.composite
def roster_bytes(draw):
    text = draw(st.one_of(roster_text(), good_roster()))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return codecs.BOM_UTF8 + text.encode("utf-8")


files = st.one_of(
    roster_bytes(),
    st.binary(max_size=2000),
    st.sampled_from(
        [
            b"",
            b"\x00" * 100,
            b"%PDF-1.7\n" + b"\x00\xff" * 50,
            b"PK\x03\x04" + b"\x00" * 100,  # an .xlsx is a zip file
            (HEADER + "\n").encode() + b"A,a@example.org,official,\n" * 3000,  # too many rows
            (HEADER + "\n").encode() + b"x" * (10 * 1024 * 1024),  # 10 MB
            (HEADER + "\n").encode() + b'"unterminated,a@example.org,official,\n',
        ]
    ),
)
names = st.one_of(
    st.sampled_from(
        ["roster.csv", "roster.xlsx", "roster.exe", "../../etc/passwd", "a\x00b.csv", "", "é.csv"]
    ),
    hostile_text.map(lambda s: s[:300] + ".csv"),
)
content_types = st.sampled_from(
    ["text/csv", "application/vnd.ms-excel", "application/octet-stream", "image/png", ""]
)


def test_any_roster_file_is_refused_whole_or_kept_as_parsed(hostile_world):
    world, _kwargs = hostile_world
    url = reverse("accounts:roster-upload")
    client = signed_in_clients(world)["manager"]
    before = dump()

    @settings(HOSTILE, max_examples=40)
    @given(data=files, name=names, content_type=content_types)
    def run(data, name, content_type):
        with rolled_back():
            upload = SimpleUploadedFile(name or "roster.csv", data, content_type=content_type)
            response = client.post(url, {"file": upload})
            assert response.status_code < 500
            if response.status_code == 302:
                stored = RosterUpload.objects.latest("pk")
                assert response["Location"] == reverse("accounts:roster-preview", args=[stored.pk])
                assert len(data) <= 1_048_576
                preview = client.get(response["Location"])
                assert preview.status_code == 200
                for raw in RAW_MARKUP:
                    assert raw not in preview.content
            else:
                assert response.status_code == 422
                for raw in RAW_MARKUP:
                    assert raw not in response.content
                after = dump()
                assert after == before, changed(before, after)

    run()


def test_a_formula_cell_is_kept_as_text_and_shown_escaped(hostile_world):
    world, _kwargs = hostile_world
    client = signed_in_clients(world)["manager"]
    data = f'{HEADER}\n"=HYPERLINK(""x"")<script>alert(1)</script>",a@example.org,official,\n'
    response = client.post(
        reverse("accounts:roster-upload"),
        {"file": SimpleUploadedFile("r.csv", data.encode(), content_type="text/csv")},
    )
    assert response.status_code == 302
    assert RosterUpload.objects.latest("pk").rows[0]["name"] == (
        '=HYPERLINK("x")<script>alert(1)</script>'
    )
    preview = client.get(response["Location"])
    assert b"=HYPERLINK(&quot;x&quot;)&lt;script&gt;alert(1)&lt;/script&gt;" in preview.content
