"""Spanish wording: statuses agree with what they describe, column headings are nouns, and
one English word used in two roles gets a translation per role (msgctxt)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext

from assessments.models import Assessment, Review
from reports.models import ReportFile

from ..reports.conftest import answered, earlier_cycle, person  # noqa: F401
from .test_language import in_spanish

# An assessment (la autoevaluación) is feminine singular; a pledge (el compromiso) and a
# report file (el archivo) masculine singular; an invitation (la invitación) feminine.
STATUSES = {
    "Draft": "Borrador",
    "Submitted": "Enviada",
    "Resubmitted": "Reenviada",
    "Returned": "Devuelta",
    "Returned for revision": "Devuelta para revisión",
    "Accepted": "Aceptada",
    "Not started": "Sin comenzar",
    "Active": "Vigente",
    "Signed": "Firmado",
    "Not signed": "Sin firmar",
    "Withdrawn": "Retirado",
    "Expired": "Vencida",
    "Being prepared": "En preparación",
    "Ready": "Listo",
    "Failed": "Fallido",
}


@pytest.mark.parametrize(("english", "spanish"), STATUSES.items())
def test_a_status_translates_to_one_thing_in_the_singular(english, spanish):
    with translation.override("es"):
        assert gettext(english) == spanish


def test_the_model_states_read_in_the_feminine_singular_of_la_autoevaluacion():
    with translation.override("es"):
        assert [str(label) for label in Assessment.State.labels] == [
            "Borrador",
            "Enviada",
            "Devuelta para revisión",
            "Aceptada",
        ]
        assert [str(label) for label in ReportFile.Status.labels] == [
            "En preparación",
            "Listo",
            "Fallido",
        ]
        assert str(Review.Decision.RETURN.label) == "Devolver para revisión"


def test_a_word_with_two_roles_has_a_translation_for_each():
    with translation.override("es"):
        assert pgettext("column heading", "Change") == "Cambio"
        assert gettext("Change") == "Cambiar"  # the link that changes a person's role
        assert pgettext("date", "Signed") == "Fecha de firma"
        assert gettext("Signed") == "Firmado"
        assert pgettext("participation", "Submitted") == "Autoevaluaciones enviadas"
        assert gettext("Submitted") == "Enviada"


@pytest.fixture
def office_in_two_cycles(world, cycle, earlier_cycle):  # noqa: F811
    """Six people who answered in both cycles; the last one's assessment returned."""
    people = [person(world.office, reports_to=world.supervisor) for _ in range(6)]
    for someone in people:
        answered(someone, world.office, earlier_cycle, 2, rebuild=False)
        answered(someone, world.office, cycle, 3, rebuild=False)
    returned = answered(world.official, world.office, cycle, state=Assessment.State.RETURNED)
    for someone in (world.manager, world.analyst, people[0]):
        in_spanish(someone)
    return world, people, returned


def _cells_after(body: str, row_header: str) -> list[str]:
    row = re.search(rf"<tr><th[^>]*>{re.escape(row_header)}</th>(.*?)</tr>", body, re.S)
    assert row, row_header
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row[1])]


def test_the_office_report_in_spanish_says_devuelta_and_cambio(client, office_in_two_cycles):
    world, _people, _returned = office_in_two_cycles
    client.force_login(world.manager)
    response = client.get(reverse("reports:office-report", kwargs={"office_id": world.office.pk}))
    body = response.content.decode()

    assert _cells_after(body, world.official.full_name)[0] == "Devuelta"
    assert "Devueltas" not in body
    assert '<th scope="col">Cambio</th>' in body
    assert '<th scope="col">Cambiar</th>' not in body


def test_personal_results_in_spanish_head_the_change_column_with_a_noun(
    client, office_in_two_cycles
):
    _world, people, _returned = office_in_two_cycles
    assessment = Assessment.objects.get(user=people[0], cycle__name="2026")
    client.force_login(people[0])
    response = client.get(reverse("assessments:assessment-results", kwargs={"pk": assessment.pk}))
    body = response.content.decode()

    assert '<th scope="col">Cambio</th>' in body
    assert "Cambiar" not in body


def test_the_association_report_heads_its_participation_columns_with_nouns(
    client, office_in_two_cycles
):
    world, _people, _returned = office_in_two_cycles
    client.force_login(world.analyst)
    url = reverse("reports:association-report", kwargs={"association_id": world.association.pk})
    body = client.get(url).content.decode()

    headings = re.findall(r'<th scope="col">([^<]+)</th>', body)
    assert "Autoevaluaciones enviadas" in headings  # the trend table's count per cycle
    for status in ("Enviada", "Aceptada", "Firmaron el compromiso"):
        assert status not in headings


def test_the_participation_chart_labels_its_bars_with_nouns(client, office_in_two_cycles):
    world, _people, _returned = office_in_two_cycles
    client.force_login(world.manager)
    response = client.get(reverse("reports:office-report", kwargs={"office_id": world.office.pk}))
    chart = re.search(
        r'<svg[^>]*aria-labelledby="funnel-chart-title.*?</svg>', response.content.decode(), re.S
    )
    labels = [
        re.sub(r"<[^>]+>", "", text).strip()
        for text in re.findall(r"<text[^>]*>(.*?)</text>", chart[0], re.S)
    ]

    for noun in (
        "Personal",
        "Compromisos firmados",
        "Autoevaluaciones enviadas",
        "Autoevaluaciones aceptadas",
    ):
        assert noun in labels
    assert "Enviada" not in labels and "Aceptada" not in labels
