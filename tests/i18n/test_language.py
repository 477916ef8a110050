"""The interface in Spanish: chosen once, remembered, and applied to pages and PDFs."""

import io
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from pypdf import PdfReader

from assessments import services as assessment_services
from assessments.exports import results_pdf
from pledges.exports import pledge_certificate_pdf

from ..assessments.conftest import make_assessment
from ..pledges.conftest import fresh_login, sign
from ..reports.conftest import staff_with_answers


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def in_spanish(person):
    person.preferred_language = "es"
    person.save(update_fields=["preferred_language"])
    return person


def test_a_person_who_prefers_spanish_gets_the_home_page_in_spanish(client, world, cycle):
    client.force_login(in_spanish(world.official))
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert html_lang(response) == "es"
    assert response.headers["Content-Language"] == "es"
    assert "Inicio" in body and "Cerrar sesión" in body and "Sign out" not in body
    with translation.override("es"):
        closes = date_format(cycle.closes_on, "DATE_FORMAT")
    # Spanish dates read "25 de noviembre de 2026".
    assert re.fullmatch(r"\d{1,2} de [a-z]+ de \d{4}", closes)
    assert f"está abierto hasta el {closes}" in body


def test_the_same_person_in_english_gets_english(client, world, cycle):
    client.force_login(world.official)
    response = client.get(reverse("home"), headers={"accept-language": "es"})
    assert html_lang(response) == "en"
    assert "Sign out" in response.content.decode()


def test_the_standards_text_keeps_the_language_of_its_edition(client, world, edition):
    client.force_login(in_spanish(world.official))
    body = client.get(reverse("standards")).content.decode()
    assert '<html lang="es">' in body
    assert "Las normas" in body
    statement = re.search(r'<p class="statement" lang="(\w+)">“I uphold the Constitution', body)
    assert statement and statement.group(1) == edition.language == "en"


def test_the_pledge_page_in_spanish_marks_the_pledge_text_as_english(client, world, cycle):
    fresh_login(client, in_spanish(world.official))
    response = client.get(reverse("pledges:pledge-sign"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Firmar el compromiso" in body
    assert 'class="statement mb-1" lang="en">“I uphold the Constitution' in body
    assert '<div class="preamble" lang="en">' in body


def test_the_assessment_form_is_in_spanish(client, world, cycle):
    client.force_login(in_spanish(world.official))
    assessment = assessment_services.assessment_start(user=world.official, cycle=cycle)
    response = client.get(reverse("assessments:assessment-edit", args=[assessment.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Guardar borrador" in body and "No aplica" in body
    assert "Save draft" not in body
    # The edition's words (statement, items, rating scale) are marked as English.
    assert '<p class="statement" lang="en">I uphold the Constitution' in body
    assert '<span class="level-label" lang="en">1 · Not yet in practice</span>' in body


def test_the_review_page_marks_the_items_with_the_editions_language(client, world, cycle):
    assessment = make_assessment(world.official, cycle, state="submitted")
    client.force_login(in_spanish(assessment.reviewer))
    body = client.get(reverse("assessments:assessment-review", args=[assessment.pk])).content
    body = body.decode()
    assert "Registrar la decisión" in body
    assert '<p class="item-text small" lang="en">' in body


def test_the_office_report_is_in_spanish(client, world, cycle):
    staff_with_answers(world.office, cycle, [1, 2, 3, 4, 4], reports_to=world.supervisor)
    client.force_login(in_spanish(world.manager))
    response = client.get(reverse("reports:office-report", args=[world.office.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Participación" in body and "Personal por norma" in body
    # Averages follow the language too: a decimal comma in Spanish.
    assert re.search(r"<td>[1-4],\d{1,2}</td>", body)


# Choosing a language


def test_choosing_spanish_signed_in_is_saved_and_follows_the_person(client, world):
    client.force_login(world.official)
    response = client.post(reverse("set_language"), {"language": "es", "next": "/standards/"})
    assert response.status_code == 302 and response.url == "/standards/"
    world.official.refresh_from_db()
    assert world.official.preferred_language == "es"
    # Another device: no cookie, an English browser; the saved choice still wins.
    client.logout()
    client.cookies.clear()
    client.force_login(world.official)
    response = client.get(reverse("home"), headers={"accept-language": "en-US,en;q=0.9"})
    assert html_lang(response) == "es"


def test_choosing_a_language_signed_out_uses_the_cookie(client, db):
    response = client.post(reverse("set_language"), {"language": "es", "next": "/standards/"})
    assert response.status_code == 302
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert cookie["max-age"] == 365 * 24 * 60 * 60 and cookie["samesite"] == "Lax"
    response = client.get(reverse("standards"))
    assert html_lang(response) == "es"
    client.post(reverse("set_language"), {"language": "en"})
    assert html_lang(client.get(reverse("standards"))) == "en"


def test_a_browser_asking_for_spanish_gets_spanish_before_choosing(client, db):
    response = client.get(reverse("standards"), headers={"accept-language": "es-US,es;q=0.9"})
    assert html_lang(response) == "es"


@pytest.mark.parametrize("data", [{"language": "fr"}, {"language": ""}, {}, {"language": "es" * 9}])
def test_an_unknown_language_is_refused_and_changes_nothing(client, world, data):
    client.force_login(world.official)
    response = client.post(reverse("set_language"), data)
    assert response.status_code == 400
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    world.official.refresh_from_db()
    assert world.official.preferred_language == "en"


def test_switching_never_redirects_to_another_site(client, db):
    response = client.post(
        reverse("set_language"), {"language": "es", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == "/"


def test_switching_is_a_post_only(client, db):
    assert client.get(reverse("set_language"), {"language": "es"}).status_code == 405


def test_the_switcher_names_each_language_in_itself_and_marks_the_current_one(client, world):
    client.force_login(in_spanish(world.official))
    body = client.get(reverse("home")).content.decode()
    assert 'lang="es" aria-current="true">Español</span>' in body
    assert 'name="language" value="en" lang="en"' in body and ">English</button>" in body
    assert 'role="group" aria-label="Idioma"' in body


def test_the_preferred_language_costs_no_query(client, world, cycle, settings):
    client.force_login(in_spanish(world.official))
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as with_preference:
        assert html_lang(client.get(reverse("home"))) == "es"
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "UserLanguage" not in m]
    plain = Client()
    plain.force_login(world.official)
    plain.get(reverse("home"))
    with CaptureQueriesContext(connection) as without:
        assert html_lang(plain.get(reverse("home"))) == "en"
    assert len(with_preference.captured_queries) == len(without.captured_queries)


# Documents


def _pdf_language(data: bytes) -> str:
    return str(PdfReader(io.BytesIO(data)).trailer["/Root"]["/Lang"])


def test_the_certificate_is_in_the_signers_language(world, cycle):
    pledge = sign(in_spanish(world.official), cycle)
    _, _, data = pledge_certificate_pdf(pledge)
    assert _pdf_language(data) == "es"
    text = " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
    assert "CERTIFICADO DE COMPROMISO" in text.upper()
    assert "Se certifica que" in text
    assert "Portal de Normas · 1 / 1" in text
    assert "I uphold the Constitution of the United States" in text


def test_the_results_pdf_is_in_the_officials_language(world, cycle):
    assessment = make_assessment(in_spanish(world.official), cycle, state="submitted")
    with translation.override("en"):
        _, _, data = results_pdf(assessment)
    assert _pdf_language(data) == "es"


def test_my_account_offers_the_language_with_the_current_one_selected(client, world):
    client.force_login(in_spanish(world.official))
    body = client.get(reverse("accounts:my-account")).content.decode()
    assert '<label for="preferred-language" class="form-label">Idioma preferido</label>' in body
    assert '<option value="es" lang="es" selected>Español</option>' in body
    assert '<option value="en" lang="en">English</option>' in body
    assert f'action="{reverse("set_language")}"' in body


def test_the_results_page_marks_item_titles_with_the_editions_language(client, world, cycle):
    assessment = make_assessment(in_spanish(world.official), cycle, state="submitted")
    client.force_login(world.official)
    for name in ("assessment-detail", "assessment-results"):
        body = client.get(reverse(f"assessments:{name}", args=[assessment.pk])).content.decode()
        assert '<span lang="en">Understand and adhere to the law</span>' in body, name
