"""The portal's seal: a PAdES signature on every PDF it issues (docs/records.md).

The key and certificate come from the environment: a PKCS#12 file (`SEAL_PKCS12_PATH`,
`SEAL_PKCS12_PASSPHRASE`) or a key held in an HSM through its PKCS#11 module
(`SEAL_PKCS11_*`). In development and tests (`SEAL_DEVELOPMENT`) a self-signed seal is
made on first use in `SEAL_DEVELOPMENT_DIR`. With neither, no PDF is issued: a portal
that promises sealed records does not hand out unsealed ones.

Baseline B-B: a CAdES signature over the whole file, written as an incremental update,
so the tagged structure (PDF/UA) is left as WeasyPrint wrote it. B-T when `SEAL_TSA_URL`
names an RFC 3161 timestamp authority.
"""

import asyncio
import concurrent.futures
import dataclasses
import datetime
import functools
import hashlib
import io
import logging
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

DEVELOPMENT_SUBJECT = "Standards Portal development seal"
DEVELOPMENT_FILE = "development-seal.p12"
FIELD_NAME = "PortalSeal"
# Room for the CMS object beyond the certificates it carries (the signature, its
# attributes) and for a timestamp token with its authority's chain. Set here, so that
# pyHanko need not sign a dummy first to measure it.
BYTES_RESERVED = 2 * 1024
BYTES_RESERVED_TIMESTAMP = 16 * 1024

NOT_CONFIGURED = (
    "No seal is configured: set SEAL_PKCS12_PATH (and SEAL_PKCS12_PASSPHRASE) or "
    "SEAL_PKCS11_MODULE (with SEAL_PKCS11_TOKEN_LABEL, SEAL_PKCS11_PIN and "
    "SEAL_PKCS11_KEY_LABEL), or SEAL_DEVELOPMENT=true for the self-signed development "
    "seal. The portal issues no unsealed PDF (docs/records.md)."
)


def seal_source() -> str:
    """Where the seal's key comes from: "pkcs11", "pkcs12", "development", or ""."""
    if settings.SEAL_PKCS11_MODULE:
        return "pkcs11"
    if settings.SEAL_PKCS12_PATH:
        return "pkcs12"
    if settings.SEAL_DEVELOPMENT:
        return "development"
    return ""


def development_seal_file() -> Path:
    """The development seal's PKCS#12 file, made (EC P-256, self-signed) if missing.

    Written beside itself and linked into place, so two processes starting at once end
    up with the same seal.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    folder = Path(settings.SEAL_DEVELOPMENT_DIR)
    path = folder / DEVELOPMENT_FILE
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEVELOPMENT_SUBJECT),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Standards Portal"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        DEVELOPMENT_SUBJECT.encode(), key, certificate, None, serialization.NoEncryption()
    )
    draft = folder / f".{DEVELOPMENT_FILE}.{secrets.token_hex(8)}"
    draft.write_bytes(data)
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        draft.unlink()
    return path


def _configuration() -> tuple:
    """The settings the signer is made from, so a change (a test's) loads another."""
    return (
        seal_source(),
        settings.SEAL_PKCS12_PATH,
        settings.SEAL_PKCS12_PASSPHRASE,
        settings.SEAL_PKCS11_MODULE,
        settings.SEAL_PKCS11_TOKEN_LABEL,
        settings.SEAL_PKCS11_PIN,
        settings.SEAL_PKCS11_KEY_LABEL,
        settings.SEAL_PKCS11_CERT_LABEL,
        str(settings.SEAL_DEVELOPMENT_DIR),
    )


@functools.cache
def _pades_attributes(certificate_der: bytes):
    """PAdES's one signed attribute of our own, signing-certificate-v2, made once.

    pyHanko builds it anew from the certificate for every signature, and asn1crypto
    takes most of a seal's time to encode it; parsed from bytes it costs nothing. The
    bytes are the same (tests/test_seal.py reads the seal back).
    """
    from asn1crypto import tsp, x509
    from pyhanko.sign.attributes import CMSAttributeProvider
    from pyhanko.sign.general import as_signing_certificate_v2
    from pyhanko.sign.signers.pdf_cms import SignedAttributeProviderSpec

    encoded = as_signing_certificate_v2(x509.Certificate.load(certificate_der)).dump()

    class SigningCertificate(CMSAttributeProvider):
        attribute_type = "signing_certificate_v2"

        async def build_attr_value(self, dry_run=False):
            return tsp.SigningCertificateV2.load(encoded)

    class PadesAttributes(SignedAttributeProviderSpec):
        # content-type and message-digest are added by pyHanko itself; PAdES forbids
        # the signing-time attribute (the time is the timestamp's, or the reader's).
        def signed_attr_providers(self, data_digest, digest_algorithm):
            yield SigningCertificate()

    return PadesAttributes()


@functools.cache
def _signer_for(configuration: tuple):
    seal = _load_signer(configuration)
    seal.signed_attr_prov_spec = _pades_attributes(seal.signing_cert.dump())
    return seal


def _load_signer(configuration: tuple):
    from pyhanko.sign import signers

    source, p12_path, passphrase, module, token, pin, key_label, cert_label, _dir = configuration
    if source == "pkcs11":
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign import pkcs11

        # One session per process, opened on first use and kept for its life.
        session = pkcs11.open_pkcs11_session(
            module, token_criteria=TokenCriteria(label=token or None), user_pin=pin or None
        )
        # The portal hashes and the device signs the digest (CKM_ECDSA, CKM_RSA_PKCS):
        # the mechanisms every device has, where hash-and-sign ones are often missing.
        return pkcs11.PKCS11Signer(
            session,
            key_label=key_label or None,
            cert_label=cert_label or key_label or None,
            use_raw_mechanism=True,
        )
    if source == "pkcs12":
        path = Path(p12_path)
    elif source == "development":
        path = development_seal_file()
        passphrase = ""
    else:
        raise ImproperlyConfigured(NOT_CONFIGURED)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImproperlyConfigured(f"SEAL_PKCS12_PATH cannot be read: {error}") from None
    try:
        return signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=(), passphrase=passphrase.encode() or None
        )
    except ValueError as error:
        raise ImproperlyConfigured(
            f"The seal's PKCS#12 file {path.name} cannot be opened (is "
            f"SEAL_PKCS12_PASSPHRASE right?): {error.__cause__ or error}"
        ) from None


def signer():
    """pyHanko's signer for the configured seal, loaded once per process."""
    return _signer_for(_configuration())


def seal_certificate():
    """The configured seal's certificate (asn1crypto)."""
    return signer().signing_cert


def _timestamper():
    if not settings.SEAL_TSA_URL:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(settings.SEAL_TSA_URL, timeout=settings.SEAL_TSA_TIMEOUT)


def _run_outside_event_loop(call):
    """Run pyHanko's synchronous API, which starts an event loop of its own.

    Django's synchronous views have none; where one runs already (an async caller, a
    browser test's thread), the call goes to a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _embedded(seal) -> list:
    """The certificates the seal's CMS object carries: its own and its chain's."""
    return [seal.signing_cert, *(seal.cert_registry or ())]


@functools.cache
def _pdf_signer_class():
    from pyhanko.sign import signers
    from pyhanko.sign.signers import constants

    class PdfUaSigner(signers.PdfSigner):
        def register_extensions(self, pdf_out, *, md_algorithm):
            # pyHanko raises an ECDSA seal's PDF to 2.0 (ISO/TS 32002); PDF/UA-1 is a
            # PDF 1.7 format, whose readers (Acrobat among them) verify ECDSA P-256 with
            # SHA-256 already. So the file stays 1.7, with PAdES's extension declared.
            pdf_out.ensure_output_version(version=(1, 7))
            pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    return PdfUaSigner


def seal_pdf(data: bytes, *, reason: str = "", contact: str = "", timestamper=None) -> bytes:
    """The PDF with the portal's seal (PAdES B-B, or B-T with a timestamp) appended.

    `reason` and `contact` are shown in a PDF reader's signature panel; `contact` is
    where to check the document (a certificate's verification page). `timestamper`
    replaces the configured timestamp authority (tests).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps import TimestampRequestError

    seal = signer()
    timestamper = timestamper or _timestamper()
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        contact_info=contact or None,
        location=settings.SITE_URL,
    )
    field = fields.SigFieldSpec(
        FIELD_NAME,
        # Invisible, and so left out of the structure tree: PDF/UA wants such a widget
        # hidden and outside the page; its readable name is what a reader announces.
        invis_sig_settings=fields.InvisSigSettings(
            set_print_flag=False, set_hidden_flag=True, box_out_of_bounds=True
        ),
        readable_field_name=gettext("Standards Portal seal"),
    )

    def sign(timestamper):
        pdf_signer = _pdf_signer_class()(
            metadata, signer=seal, timestamper=timestamper, new_field_spec=field
        )
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        reserved = BYTES_RESERVED + (BYTES_RESERVED_TIMESTAMP if timestamper else 0)
        reserved += sum(len(certificate.dump()) for certificate in _embedded(seal))
        reserved += reserved % 2  # pyHanko writes it as hex: an even count
        return _run_outside_event_loop(
            lambda: pdf_signer.sign_pdf(writer, bytes_reserved=reserved)
        ).getvalue()

    if timestamper is None:
        return sign(None)
    try:
        return sign(timestamper)
    except TimestampRequestError as error:
        # The seal alone still proves who issued the file and that it is unchanged; a
        # timestamp authority that is down must not stop certificates from being issued.
        logger.warning(
            "The timestamp authority %s did not answer (%s): sealed without a timestamp.",
            settings.SEAL_TSA_URL or "in use",
            error.__cause__ or error,
        )
        return sign(None)


@dataclasses.dataclass(frozen=True)
class SealReport:
    """What a PDF's seal says, read back: who sealed it, when, and whether the bytes hold."""

    sealed: bool
    problem: str = ""
    intact: bool = False  # the signed bytes hash to what the seal signed
    valid: bool = False  # and the seal's signature over that hash checks out
    whole_file: bool = False  # nothing was added after the seal
    signer: str = ""
    fingerprint: str = ""  # SHA-256 of the seal's certificate, hex
    portal_seal: bool = False  # the seal this portal is configured with
    trusted: bool = False  # the certificate chains to the portal's seal
    signed_at: datetime.datetime | None = None  # the time the seal claims (its /M)
    reason: str = ""
    contact: str = ""
    timestamp: datetime.datetime | None = None  # RFC 3161, when the seal carries one
    timestamp_authority: str = ""
    timestamp_valid: bool = False
    timestamp_trusted: bool = False

    @property
    def ok(self) -> bool:
        """Sealed by this portal, every byte as sealed, and any timestamp intact."""
        timestamp_ok = self.timestamp is None or self.timestamp_valid
        return (
            self.sealed
            and self.intact
            and self.valid
            and self.whole_file
            and self.portal_seal
            and timestamp_ok
        )


def _timestamp_roots() -> list:
    """Trust roots for a timestamp authority: the public roots certifi ships."""
    import certifi
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder([certifi.where()]))


def read_seal(data: bytes, *, timestamp_roots=None) -> SealReport:
    """Read back and check the first signature in a PDF against the configured seal.

    Nothing is fetched: the seal is checked against the portal's own certificate, and a
    timestamp against `timestamp_roots` (default: the public roots in certifi).
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        embedded = PdfFileReader(io.BytesIO(data), strict=False).embedded_signatures
    except Exception as error:  # any damage means "cannot be read"
        return SealReport(sealed=False, problem=f"The file cannot be read as a PDF: {error}")
    if not embedded:
        return SealReport(sealed=False, problem="The file carries no seal.")
    signature = embedded[0]
    try:
        ours = seal_certificate()
    except ImproperlyConfigured:
        ours = None
    context = ValidationContext(trust_roots=[ours] if ours else [], allow_fetching=False)
    ts_context = ValidationContext(
        trust_roots=_timestamp_roots() if timestamp_roots is None else list(timestamp_roots),
        allow_fetching=False,
    )
    try:
        status = _run_outside_event_loop(
            lambda: validate_pdf_signature(
                signature,
                signer_validation_context=context,
                ts_validation_context=ts_context,
                key_usage_settings=KeyUsageConstraints(
                    key_usage={"digital_signature", "non_repudiation"},
                    match_all_key_usages=False,
                ),
            )
        )
    except Exception as error:  # a broken seal is reported, not raised
        return SealReport(sealed=True, problem=f"The seal cannot be checked: {error}")
    certificate = status.signing_cert
    fingerprint = hashlib.sha256(certificate.dump()).hexdigest()
    stamp = status.timestamp_validity
    sig_object = signature.sig_object
    return SealReport(
        sealed=True,
        intact=status.intact,
        valid=status.valid,
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=certificate.subject.human_friendly,
        fingerprint=fingerprint,
        portal_seal=ours is not None and fingerprint == hashlib.sha256(ours.dump()).hexdigest(),
        trusted=status.trusted,
        signed_at=signature.self_reported_timestamp,
        reason=str(sig_object.get("/Reason", "")),
        contact=str(sig_object.get("/ContactInfo", "")),
        timestamp=stamp.timestamp if stamp else None,
        timestamp_authority=stamp.signing_cert.subject.human_friendly if stamp else "",
        timestamp_valid=bool(stamp and stamp.intact and stamp.valid),
        timestamp_trusted=bool(stamp and stamp.trusted),
    )
