"""Links that leave the page (the certificate's QR code and "Verify at" line, the pledge page,
emails) point at the server that is running: in development SITE_URL follows HOST and PORT,
which `make run` passes on."""

import io
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import zxingcpp
from django.core import mail
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from pledges.exports import verification_url
from pledges.models import Pledge

from .pledges.conftest import fresh_login, sign

ROOT = Path(__file__).resolve().parent.parent


def development_site_url(**env: str) -> str:
    """SITE_URL as a development server started with `env` reads it from its settings."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SITE_URL", "HOST", "PORT", "TESTING"}
    }
    environ.update(env)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SITE_URL)",
        ],
        cwd=ROOT,
        env={**environ, "DJANGO_SETTINGS_MODULE": "standards_portal.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "8201"}, "http://127.0.0.1:8201"),
        ({"HOST": "localhost", "PORT": "8201"}, "http://localhost:8201"),
        # A wildcard bind is reached on loopback from the same machine.
        ({"HOST": "0.0.0.0", "PORT": "9000"}, "http://127.0.0.1:9000"),
        ({"HOST": "::1", "PORT": "9000"}, "http://[::1]:9000"),
        # An explicit SITE_URL wins (a proxy, a public name).
        ({"SITE_URL": "https://portal.example.org/", "PORT": "8201"}, "https://portal.example.org"),
    ],
)
def test_development_links_follow_host_and_port(env, expected):
    assert development_site_url(**env) == expected


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [([], "127.0.0.1 8000"), (["HOST=localhost", "PORT=8201"], "localhost 8201")],
)
def test_make_passes_host_and_port_to_what_it_runs(arguments, expected):
    """`make run` starts Django with HOST and PORT in its environment, its defaults too."""
    result = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            "--eval",
            'show-env: ; @printf \'%s %s\\n\' "$$HOST" "$$PORT"',
            "show-env",
            *arguments,
        ],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k not in {"HOST", "PORT"}},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == expected


def qr_payloads(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of every QR code on the PDF's first page, read from its pixels."""
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            tmp_path / "page",
        ],
        check=True,
        timeout=60,
    )
    image = Image.open(tmp_path / "page.png")
    return [code.text for code in zxingcpp.read_barcodes(image)]


def test_the_certificate_qr_code_opens_the_verification_page_of_the_running_server(
    client, live_server, world, cycle, settings, tmp_path
):
    host, port = live_server.url.removeprefix("http://").rsplit(":", 1)
    assert port != "8000"
    # The settings a development server on this address reads (HOST and PORT from make).
    settings.SITE_URL = development_site_url(HOST=host, PORT=port)
    assert live_server.url == settings.SITE_URL

    pledge = sign(world.official, cycle)
    fresh_login(client, world.official)
    response = client.get(reverse("pledges:pledge-certificate", args=[pledge.pk]))
    assert response.status_code == 200
    pdf = b"".join(response.streaming_content) if response.streaming else response.content

    [payload] = qr_payloads(pdf, tmp_path)
    assert payload == verification_url(pledge)
    assert payload.startswith(f"{live_server.url}/v/")
    # The "Verify at" line prints the same address.
    text = "".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert payload in text

    # The decoded link opens the public verification page on the server that is running.
    with urllib.request.urlopen(payload, timeout=30) as answer:
        assert answer.status == 200
        page = answer.read().decode()
    assert world.official.full_name in page or pledge.typed_name in page

    # The pledge page and the confirmation email link to the same address.
    detail = client.get(reverse("pledges:pledge-detail", args=[pledge.pk])).content.decode()
    assert f'href="{payload}"' in detail
    assert any(payload in message.body for message in mail.outbox)
    assert Pledge.objects.count() == 1
