"""Every PDF the portal hands out is tagged for assistive technology (PDF/UA).

Each one is fetched as the person who may download it and read back: pdfinfo says it is
tagged and titled; its catalog names the language and asks viewers to show the title;
its structure tree starts with the document's heading and gives every figure (charts,
logo, QR code) an alternative text.
"""

import io
import itertools
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from .test_url_matrix import _no_throttle, matrix, sign_in  # noqa: F401

PDFS = [
    ("official", "pledges:pledge-certificate"),
    ("official", "assessments:assessment-results-pdf"),
    ("official", "accounts:my-data-download"),
    ("manager", "reports:office-report-pdf"),
    ("analyst", "reports:association-report-pdf"),
    ("official", "education:completion-certificate"),
]


def _structure(node, found, depth=0):
    """(depth, role, alt) for every element of the structure tree, in reading order."""
    if isinstance(node, IndirectObject):
        node = node.get_object()
    if isinstance(node, list):
        for kid in node:
            _structure(kid, found, depth)
        return found
    if not hasattr(node, "get"):
        return found  # a marked-content reference: the leaf's content
    role = node.get("/S")
    if role is not None:
        found.append((depth, str(role), node.get("/Alt")))
    if node.get("/K") is not None:
        _structure(node["/K"], found, depth + 1)
    return found


def _pdf(client, world, kwargs, role, route) -> bytes:
    sign_in(client, world, role)
    route_kwargs = {"kind": "pdf"} if route == "accounts:my-data-download" else kwargs.get(route)
    response = client.get(reverse(route, kwargs=route_kwargs or {}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.parametrize(("role", "route"), PDFS, ids=[route for _, route in PDFS])
def test_every_pdf_is_tagged_titled_and_in_its_language(client, matrix, role, route):  # noqa: F811
    world, kwargs = matrix
    data = _pdf(client, world, kwargs, role, route)

    if shutil.which("pdfinfo"):
        info = subprocess.run(
            ["pdfinfo", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        assert fields["Tagged"].strip() == "yes"
        assert fields["Title"].strip()

    reader = PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title

    elements = _structure(catalog["/StructTreeRoot"], [])
    roles = [role for _, role, _ in elements]
    # Reading order: the first heading is the document's one H1, and headings do not skip.
    headings = [int(role[2:]) for role in roles if role[:2] == "/H" and role[2:].isdigit()]
    assert headings[0] == 1 and headings.count(1) == 1, headings
    assert all(b - a <= 1 for a, b in itertools.pairwise(headings)), headings
    # Every figure says what it shows.
    figures = [alt for _, role, alt in elements if role == "/Figure"]
    assert figures, "no figure found: the check would be empty"
    assert all(alt and str(alt).strip() for alt in figures), figures
