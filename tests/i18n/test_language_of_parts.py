"""Language of parts (WCAG 3.1.2): on a Spanish page or PDF, the edition's English words
are marked as English wherever they appear.

The edition's own strings are read from the database (titles, statements, items, the
rating scale, the publisher), and every page each role can open is searched for them: a
text node or a title holding one must sit under an element whose nearest `lang` is the
edition's. PDFs are read back through their structure tree: the text of each marked
content sequence gets the /Lang of its nearest structure element (else the document's).
"""

import io
import re

import pytest
import tinyhtml5
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from accounts.models import User
from assessments.models import Assessment
from pledges.models import Edition

from ..reports.conftest import answered, earlier_cycle, person, reviewed  # noqa: F401
from ..test_url_matrix import EXPECTED, ROLES, _no_throttle, _row, matrix, sign_in  # noqa: F401

SKIPPED_ELEMENTS = {"script", "style", "head", "template"}
CHECKED_ATTRIBUTES = ("title", "aria-label", "alt", "placeholder")
PREFIX = 30  # long strings are also found cut short, as chart labels are ("…")


def _norm(text: str) -> str:
    return " ".join(text.split())


def edition_strings(edition: Edition) -> dict[str, str]:
    """Each of the edition's words that a page may show, to the kind of text it is."""
    found = {
        edition.title: "edition title",
        edition.publisher: "publisher",
        edition.pledge_heading: "pledge heading",
    }
    for line in edition.preamble.splitlines():
        if len(line.strip()) > 12:
            found[line] = "preamble"
    for standard in edition.standards.prefetch_related("items"):
        found[standard.short_title] = "standard title"
        found[standard.statement] = "statement"
        for item in standard.items.all():
            found[item.title] = "item title"
            found[item.text] = "item text"
    for level in edition.rating_levels.all():
        found[level.label] = "rating label"
        found[level.description] = "rating description"
    return {_norm(text)[:PREFIX]: kind for text, kind in found.items()}


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def edition_text_languages(html: str, strings: dict[str, str], page_language: str):
    """(kind, text, language it is marked with) for every piece of edition text on a page."""
    root = tinyhtml5.parse(html)
    found = []

    def check(text, language):
        text = _norm(text or "")
        for needle, kind in strings.items():
            if needle in text:
                found.append((kind, text[:80], language))

    def walk(element, language):
        name = _local(element.tag)
        if name in SKIPPED_ELEMENTS:
            return
        language = element.get("lang", language)
        check(element.text, language)
        for attribute in CHECKED_ATTRIBUTES:
            check(element.get(attribute), language)
        for child in element:
            walk(child, language)
            check(child.tail, language)

    walk(root, page_language)
    return found


def in_spanish(*people):
    User.objects.filter(pk__in=[p.pk for p in people]).update(preferred_language="es")


@pytest.fixture
def spanish_world(matrix, cycle, earlier_cycle):  # noqa: F811
    """The URL matrix's world, in Spanish, with enough answers for every report section."""
    world, kwargs = matrix
    people = [person(world.office, reports_to=world.supervisor) for _ in range(5)]
    for index, someone in enumerate(people):
        answered(someone, world.office, earlier_cycle, 2, rebuild=False)
        assessment = answered(someone, world.office, cycle, 1 + index % 4, rebuild=False)
        reviewed(assessment, world.supervisor, 3)
        Assessment.objects.filter(pk=assessment.pk).update(reviewer=world.supervisor)
    draft = answered(world.colleague, world.office, cycle, state=Assessment.State.DRAFT)
    in_spanish(*User.objects.all())
    return world, kwargs, draft


def _html_pages(client, world, kwargs):
    """(route, role, body) of every HTML page each role may open."""
    for route, line in sorted(EXPECTED.items()):
        for role, expected in _row(line).items():
            if expected != "200":
                continue
            client.logout()
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
            sign_in(client, world, role)
            response = client.get(reverse(route, kwargs=kwargs.get(route, {})))
            assert response.status_code == 200, (route, role)
            if response["Content-Type"].startswith("text/html"):
                yield route, role, response.content.decode()


def test_edition_text_on_spanish_pages_is_marked_with_the_edition_language(
    client, spanish_world, edition
):
    world, kwargs, draft = spanish_world
    strings = edition_strings(edition)
    pages = list(_html_pages(client, world, kwargs))

    # The form being filled in, and the same form refused with an error per item.
    client.logout()
    sign_in(client, world, "colleague")
    edit = reverse("assessments:assessment-edit", kwargs={"pk": draft.pk})
    pages.append(("assessment-edit", "colleague", client.get(edit).content.decode()))
    item = draft.responses.select_related("item").first().item
    refused = client.post(
        edit, {"version": draft.version, "action": "save", f"item_{item.pk}_rating": "9"}
    )
    assert refused.status_code == 400
    pages.append(("assessment-edit refused", "colleague", refused.content.decode()))

    seen, wrong = set(), []
    for route, role, body in pages:
        assert '<html lang="es"' in body, (route, role)
        for kind, text, language in edition_text_languages(body, strings, "es"):
            seen.add(kind)
            if language != edition.language:
                wrong.append(f"{route} as {role}: {kind} marked {language!r}: {text}")
    assert wrong == []
    # Every kind of edition text was met, so the search cannot pass by finding nothing.
    assert seen == set(strings.values())


# ----------------------------------------------------------------------------- PDF


def _page_texts(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence, by (page number, MCID)."""
    texts: dict[tuple[int, int], str] = {}
    for number, page in enumerate(reader.pages):
        stack: list[int | None] = []

        def before(operator, operands, cm, tm, stack=stack):
            if operator == b"BDC":
                properties = operands[1]
                stack.append(properties.get("/MCID") if hasattr(properties, "get") else None)
            elif operator == b"BMC":
                stack.append(None)
            elif operator == b"EMC" and stack:
                stack.pop()

        def text(value, cm, tm, font, size, stack=stack, number=number):
            if stack and stack[-1] is not None:
                key = (number, stack[-1])
                texts[key] = texts.get(key, "") + value

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def text_by_language(pdf: bytes) -> dict[str, str]:
    """All the PDF's text, grouped by the language its structure gives it."""
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    texts = _page_texts(reader)
    languages: dict[tuple[int, int], str] = {}

    def walk(node, language, page):
        node = node.get_object()
        if isinstance(node, int):
            if page is not None:
                languages[(page, node)] = language
            return
        if not isinstance(node, DictionaryObject):
            return
        language = str(node.get("/Lang", language))
        if node.get("/S") == "/Figure":
            language = "figure"  # read through its /Alt, not its drawn text
        if "/Pg" in node:
            page = pages[node.raw_get("/Pg").idnum]
        if node.get("/Type") == "/MCR":
            languages[(page, node["/MCID"])] = language
            return
        kids = node.get("/K")
        for kid in kids if isinstance(kids, ArrayObject) else [kids] if kids is not None else []:
            walk(kid, language, page)

    walk(catalog["/StructTreeRoot"], str(catalog["/Lang"]), None)
    grouped: dict[str, list[str]] = {}
    for key in sorted(texts):
        grouped.setdefault(languages.get(key, "untagged"), []).append(texts[key])
    return {language: _norm(" ".join(parts)) for language, parts in grouped.items()}


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_spanish_certificate_tags_the_english_statements_as_english(client, world, cycle):
    from ..pledges.conftest import fresh_login, sign

    pledge = sign(world.official, cycle)
    in_spanish(world.official)
    fresh_login(client, world.official)
    response = client.get(reverse("pledges:pledge-certificate", kwargs={"pk": pledge.pk}))
    text = text_by_language(_body(response))

    assert "certificado de compromiso" in text["es"].lower()
    assert cycle.edition.title in text["en"]
    for standard in cycle.edition.standards.all():
        assert _norm(standard.statement) in text["en"]
        assert _norm(standard.statement) not in text["es"]


def test_a_spanish_office_report_pdf_tags_the_standard_titles_as_english(
    client, spanish_world, edition
):
    world, _kwargs, _draft = spanish_world
    client.force_login(world.manager)
    url = reverse("reports:office-report-pdf", kwargs={"office_id": world.office.pk})
    response = client.get(url)
    assert response.status_code == 200
    text = text_by_language(_body(response))

    assert "informe de la oficina" in text["es"].lower()
    for standard in edition.standards.all():
        assert standard.short_title in text["en"]
        assert re.search(rf"\b{re.escape(standard.short_title)}\b", text["es"]) is None
