"""Every PDF the portal issues carries its seal (PAdES), and stays a tagged PDF/UA document.

The PDFs are fetched as the people who may download them, and read back twice: with
pyHanko's validator, the portal's seal as the one trust root, and with pypdf for the
structure tree. `manage.py verify_pdf` is run on real files: sealed, changed, unsealed.
"""

import datetime
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps import DummyTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from core import seal
from core.documents import pdf_from_html, render_pdf
from pledges.exports import pledge_certificate_pdf
from pledges.services import pledge_withdraw

from .pledges.conftest import META, sign
from .test_pdf_accessibility import PDFS, _pdf, _structure
from .test_url_matrix import _no_throttle, matrix, sign_in  # noqa: F401

HTML = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A report</title>'
    "</head><body><h1>A report</h1><p>Figures.</p></body></html>"
)


def _validate(data: bytes):
    """pyHanko's own validation of the first signature, the portal's seal as trust root."""
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    context = ValidationContext(trust_roots=[seal.seal_certificate()], allow_fetching=False)
    return signature, validate_pdf_signature(signature, signer_validation_context=context)


@pytest.mark.parametrize(("role", "route"), PDFS, ids=[route for _, route in PDFS])
def test_every_pdf_is_sealed_by_the_portal_and_stays_tagged(client, matrix, role, route):  # noqa: F811
    world, kwargs = matrix
    data = _pdf(client, world, kwargs, role, route)

    signature, status = _validate(data)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == seal.DEVELOPMENT_SUBJECT
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.timestamp_validity is None  # B-B: no authority configured

    # The seal is an incremental update: the tagged document is as WeasyPrint wrote it.
    reader = PdfReader(io.BytesIO(data))
    assert reader.pdf_header == "%PDF-1.7"
    catalog = reader.trailer["/Root"]
    assert "/Version" not in catalog  # still PDF 1.7, which PDF/UA-1 is built on
    assert catalog["/Extensions"]["/ESIC"]["/BaseVersion"] == "/1.7"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == "en"
    roles = [role for _, role, _ in _structure(catalog["/StructTreeRoot"], [])]
    assert "/H1" in roles and "/Figure" in roles
    assert "pdfuaid" in catalog["/Metadata"].get_object().get_data().decode()
    # The seal's widget is hidden and off the page, so PDF/UA need not tag it, and its
    # field has a name a screen reader can announce.
    (field,) = [f.get_object() for f in catalog["/AcroForm"]["/Fields"]]
    assert field["/FT"] == "/Sig" and field["/TU"] == "Standards Portal seal"
    assert int(field["/F"]) & 2  # Hidden
    assert all(value < 0 for value in field["/Rect"])


def test_a_certificates_seal_names_its_pledge_and_verification_page(world, cycle, settings):
    settings.SITE_URL = "https://portal.example.org"
    pledge = sign(world.official, cycle)
    _, _, data = pledge_certificate_pdf(pledge)
    report = seal.read_seal(data)
    assert report.ok
    assert report.contact == f"https://portal.example.org/v/{pledge.verification_code}"
    assert report.reason == f"Certificate of pledge {pledge.code_display}"


def test_a_spanish_certificates_seal_speaks_spanish(world, cycle):
    world.official.preferred_language = "es"
    world.official.save(update_fields=["preferred_language"])
    pledge = sign(world.official, cycle)
    report = seal.read_seal(pledge_certificate_pdf(pledge)[2])
    assert report.ok and report.reason == f"Certificado de compromiso {pledge.code_display}"


def test_verify_pdf_reports_the_seal_the_bytes_and_the_pledge(world, cycle, tmp_path, capsys):
    pledge = sign(world.official, cycle, typed_name="Olivia Q. Chen")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pledge_certificate_pdf(pledge)[2])
    fingerprint = seal.read_seal(path.read_bytes()).fingerprint

    call_command("verify_pdf", str(path))
    out = capsys.readouterr().out
    assert f"Seal: Organization: Standards Portal, Common Name: {seal.DEVELOPMENT_SUBJECT}" in out
    assert f"certificate SHA-256: {fingerprint}" in out
    assert "this portal's seal: yes" in out
    assert "Timestamp: none" in out
    assert "Bytes: intact; the seal covers the whole file" in out
    assert f"Pledge: {pledge.code_display}, signed by Olivia Q. Chen" in out
    assert "status: valid" in out
    assert "sealed by this portal and intact" in out

    pledge_withdraw(pledge=pledge, by=world.official, reason="Left the office", request_meta=META)
    call_command("verify_pdf", str(path))
    assert "status: withdrawn on" in capsys.readouterr().out


def test_verify_pdf_fails_when_a_byte_inside_the_sealed_range_changes(world, cycle, tmp_path):
    pledge = sign(world.official, cycle)
    data = bytearray(pledge_certificate_pdf(pledge)[2])
    start = data.index(b"stream", 1000) + 40  # inside the page's compressed content
    assert start < data.index(b"/ByteRange")  # the seal's update comes last: in range
    data[start] ^= 0x01
    path = tmp_path / "changed.pdf"
    path.write_bytes(bytes(data))

    report = seal.read_seal(bytes(data))
    assert report.sealed and not report.intact and not report.ok
    with pytest.raises(CommandError, match="does NOT hold"):
        call_command("verify_pdf", str(path))


def test_verify_pdf_fails_when_something_is_added_after_the_seal(tmp_path):
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_from_html(HTML)))
    writer.root["/Lang"] = generic.TextStringObject("es")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    path = tmp_path / "appended.pdf"
    path.write_bytes(out.getvalue())

    report = seal.read_seal(out.getvalue())
    assert report.intact and report.valid and not report.whole_file and not report.ok
    with pytest.raises(CommandError, match="does NOT hold"):
        call_command("verify_pdf", str(path))


def test_verify_pdf_reports_an_unsealed_pdf(tmp_path):
    path = tmp_path / "plain.pdf"
    path.write_bytes(render_pdf(HTML))
    with pytest.raises(CommandError, match=r"NOT sealed\. The file carries no seal\."):
        call_command("verify_pdf", str(path))


def test_a_seal_by_another_key_is_not_the_portals(tmp_path, settings):
    data = pdf_from_html(HTML)
    settings.SEAL_DEVELOPMENT_DIR = tmp_path  # a second, different development seal
    report = seal.read_seal(data)
    assert report.intact and report.valid and report.whole_file
    assert not report.portal_seal and not report.ok


def _tsa():
    """A timestamp authority of our own (pyHanko's in-process one signs with RSA)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test timestamp authority")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    tsa_cert = asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))
    tsa_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return tsa_cert, DummyTimeStamper(tsa_cert=tsa_cert, tsa_key=tsa_key)


def test_a_timestamp_authority_makes_the_seal_b_t(tmp_path, capsys):
    tsa_cert, timestamper = _tsa()
    data = seal.seal_pdf(render_pdf(HTML), timestamper=timestamper)

    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    unsigned = signature.signer_info["unsigned_attrs"].native
    assert [attr["type"] for attr in unsigned] == ["signature_time_stamp_token"]
    report = seal.read_seal(data, timestamp_roots=[tsa_cert])
    assert report.ok and report.timestamp_valid and report.timestamp_trusted
    assert report.timestamp_authority == "Common Name: Test timestamp authority"
    age = datetime.datetime.now(datetime.UTC) - report.timestamp
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)

    path = tmp_path / "stamped.pdf"
    path.write_bytes(data)
    call_command("verify_pdf", str(path))
    assert "by Common Name: Test timestamp authority (intact" in capsys.readouterr().out


def test_an_authority_that_does_not_answer_leaves_the_seal_without_a_timestamp(settings, caplog):
    settings.SEAL_TSA_URL = "http://127.0.0.1:9/tsa"  # discard port: nothing listens
    settings.SEAL_TSA_TIMEOUT = 2
    data = pdf_from_html(HTML)
    report = seal.read_seal(data)
    assert report.ok and report.timestamp is None
    assert "http://127.0.0.1:9/tsa did not answer" in caplog.text


def test_the_development_seal_is_made_once_in_its_folder(tmp_path, settings):
    settings.SEAL_DEVELOPMENT_DIR = tmp_path / "seal"
    first = seal.seal_certificate()
    path = tmp_path / "seal" / seal.DEVELOPMENT_FILE
    assert path.is_file() and path.stat().st_mode & 0o077 == 0
    key, certificate, _ = pkcs12.load_key_and_certificates(path.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"
    assert certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "Standards Portal development seal"
    )
    assert seal.development_seal_file() == path
    assert seal.seal_certificate().dump() == first.dump()


def test_a_configured_pkcs12_seal_is_used_and_a_wrong_passphrase_is_an_error(tmp_path, settings):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Riverside County seal")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "seal.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, certificate, None, serialization.BestAvailableEncryption(b"s3cret")
        )
    )
    settings.SEAL_PKCS12_PATH = str(path)
    settings.SEAL_PKCS12_PASSPHRASE = "s3cret"
    report = seal.read_seal(pdf_from_html(HTML))
    assert report.ok and report.signer == "Common Name: Riverside County seal"
    assert not [e for e in run_checks(tags=["security"]) if e.id.startswith("core.")]

    settings.SEAL_PKCS12_PASSPHRASE = "wrong"
    assert [e.id for e in run_checks(tags=["security"]) if e.id.startswith("core.")] == [
        "core.E003"
    ]
    with pytest.raises(ImproperlyConfigured, match="SEAL_PKCS12_PASSPHRASE"):
        pdf_from_html(HTML)


def test_without_a_seal_no_pdf_is_issued_and_the_check_says_so(settings):
    settings.SEAL_DEVELOPMENT = False
    with pytest.raises(ImproperlyConfigured, match="No seal is configured"):
        pdf_from_html(HTML)
    assert [e.id for e in run_checks(tags=["security"]) if e.id.startswith("core.")] == [
        "core.E001"
    ]


SOFTHSM = Path("/usr/lib/softhsm/libsofthsm2.so")


@pytest.mark.skipif(
    not (SOFTHSM.is_file() and shutil.which("softhsm2-util")),
    reason="SoftHSM is not installed (apt-get install softhsm2)",
)
def test_a_seal_key_in_an_hsm_is_used_through_pkcs11(tmp_path, settings, monkeypatch):
    import pkcs11

    (tmp_path / "tokens").mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(config))
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Portal seal in an HSM")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "key.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    util = ["softhsm2-util", "--pin", "1234"]
    subprocess.run(
        [*util, "--init-token", "--free", "--label", "portal-seal", "--so-pin", "5678"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [*util, "--import", str(pem), "--token", "portal-seal", "--label", "seal", "--id", "01"],
        check=True,
        capture_output=True,
    )
    # The certificate beside the key, as a CA's delivery to a token would put it.
    token = pkcs11.lib(str(SOFTHSM)).get_token(token_label="portal-seal")
    with token.open(rw=True, user_pin="1234") as session:
        session.create_object(
            {
                pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE,
                pkcs11.Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                pkcs11.Attribute.TOKEN: True,
                pkcs11.Attribute.LABEL: "seal",
                pkcs11.Attribute.ID: b"\x01",
                pkcs11.Attribute.SUBJECT: certificate.subject.public_bytes(),
                pkcs11.Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
            }
        )
    settings.SEAL_PKCS11_MODULE = str(SOFTHSM)
    settings.SEAL_PKCS11_TOKEN_LABEL = "portal-seal"
    settings.SEAL_PKCS11_PIN = "1234"
    settings.SEAL_PKCS11_KEY_LABEL = settings.SEAL_PKCS11_CERT_LABEL = "seal"

    report = seal.read_seal(pdf_from_html(HTML))
    assert report.ok and report.signer == "Common Name: Portal seal in an HSM"
    assert not [e for e in run_checks(tags=["security"]) if e.id.startswith("core.")]
