"""The offices' sealing certificates: one PKCS#12 (key and certificate) per office.

They live in DOCUMENT_CERT_DIR (default `instance/certs`), each file protected by
DOCUMENT_CERT_PASSPHRASE:

    ca.pem                 the demo CA's certificate (what a verifier is told to trust)
    ca-key.pem             its key, encrypted with the passphrase (to add offices later)
    office-<id>.p12        an office's key and certificate, with the CA in its chain
    office-<id>.pem        its certificate alone (public): how a verifier knows our seals
    trusted/*.pem          further roots a partner's signature may chain to (see `trust_roots`)

`flask documents demo-ca` (and `demo_ca()`, which the demo loader calls) creates what is
missing; production puts certificates issued by a real CA in the same places instead.
Keys are EC P-256: signing takes microseconds, and pyHanko, pdfsig and NSS all accept it.
"""

import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from partnerships.core.errors import DomainError
from partnerships.extensions import db
from partnerships.organisations.models import Office

ISSUER_ORGANISATION = "BPJS Ketenagakerjaan"
CA_NAME = "BPJS Ketenagakerjaan Demo Sealing CA"
# Backdated a day, so a verifier whose clock runs a little behind ours still accepts them.
BACKDATE = timedelta(days=1)
CA_LIFETIME = timedelta(days=20 * 365)
OFFICE_LIFETIME = timedelta(days=10 * 365)


class NoCertificate(DomainError):
    """An office cannot seal: its certificate (or the passphrase) is missing or unreadable."""


def cert_dir() -> Path:
    configured = current_app.config.get("DOCUMENT_CERT_DIR") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "certs"


def trust_dir() -> Path:
    configured = current_app.config.get("DOCUMENT_TRUST_DIR") or ""
    return Path(configured) if configured else cert_dir() / "trusted"


def office_file(office_id: int) -> Path:
    return cert_dir() / f"office-{office_id}.p12"


def office_certificate_file(office_id: int) -> Path:
    return cert_dir() / f"office-{office_id}.pem"


def write_office_certificate(office_id: int, certificate: x509.Certificate) -> None:
    """Keep the office's certificate beside its PKCS#12, readable without the passphrase."""
    path = office_certificate_file(office_id)
    _write_atomic(path, certificate.public_bytes(serialization.Encoding.PEM))
    path.chmod(0o644)


def office_fingerprints() -> dict[bytes, int]:
    """SHA-256 of each office certificate's DER → the office's id: what tells our own seals
    from a partner's signature, whoever issued the certificates."""
    found = {}
    for path in cert_dir().glob("office-*.pem"):
        try:
            office_id = int(path.stem.removeprefix("office-"))
            certificate = x509.load_pem_x509_certificate(path.read_bytes())
        except ValueError:
            continue
        found[certificate.fingerprint(hashes.SHA256())] = office_id
    return found


def passphrase() -> bytes:
    """DOCUMENT_CERT_PASSPHRASE; development keeps a generated one in instance/ (0600)."""
    configured = current_app.config.get("DOCUMENT_CERT_PASSPHRASE") or ""
    if configured:
        return configured.encode()
    if current_app.config.get("ENV_NAME") != "development":
        raise NoCertificate(
            _("DOCUMENT_CERT_PASSPHRASE is not set: the office certificates cannot be opened.")
        )
    path = Path(current_app.instance_path) / "document-cert-passphrase"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class OfficeKey:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]  # the issuing CA(s), to embed in the signature


def load_office_key(office_id: int) -> OfficeKey:
    """The office's key and certificate; NoCertificate says what the administrator must do."""
    path = office_file(office_id)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NoCertificate(
            _(
                "This office has no sealing certificate yet (%(path)s). An administrator must "
                "install one, or run 'flask documents demo-ca' to create demo certificates.",
                path=path.name,
            )
        ) from None
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase())
    except ValueError:
        raise NoCertificate(
            _(
                "The office's sealing certificate %(path)s cannot be opened: the file is damaged "
                "or DOCUMENT_CERT_PASSPHRASE is not the one it was made with.",
                path=path.name,
            )
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or certificate is None:
        raise NoCertificate(_("The office's sealing certificate %(path)s holds no key.", path=path))
    return OfficeKey(key, certificate, tuple(chain))


def ca_certificate() -> x509.Certificate | None:
    path = cert_dir() / "ca.pem"
    return x509.load_pem_x509_certificate(path.read_bytes()) if path.exists() else None


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _name(common_name: str, unit: str | None = None) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, ISSUER_ORGANISATION),
    ]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def make_ca(common_name: str, *, organisation: str = ISSUER_ORGANISATION):
    """A self-signed root: (key, certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issue_signing_certificate(ca_key, ca_cert: x509.Certificate, subject: x509.Name):
    """A signing certificate under `ca_cert` (key usage: digital signature, non-repudiation,
    which pyHanko and NSS both ask of a document signer): (key, certificate)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + OFFICE_LIFETIME, ca_cert.not_valid_after_utc))
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def p12_bytes(key, certificate: x509.Certificate, chain, password: bytes) -> bytes:
    return pkcs12.serialize_key_and_certificates(
        certificate.subject.rfc4514_string().encode()[:64],
        key,
        certificate,
        list(chain),
        serialization.BestAvailableEncryption(password),
    )


def _demo_root(folder: Path, password: bytes):
    """Our demo CA, created on first use: (key, certificate, created)."""
    cert_path, key_path = folder / "ca.pem", folder / "ca-key.pem"
    if cert_path.exists() and key_path.exists():
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        try:
            key = serialization.load_pem_private_key(key_path.read_bytes(), password)
        except ValueError:
            raise NoCertificate(
                _("The demo CA's key cannot be opened with DOCUMENT_CERT_PASSPHRASE.")
            ) from None
        return key, certificate, False
    key, certificate = make_ca(CA_NAME)
    encryption = serialization.BestAvailableEncryption(password)
    _write_atomic(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ),
    )
    _write_atomic(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    cert_path.chmod(0o644)  # public: verifiers are handed it
    return key, certificate, True


def office_subject(office: Office) -> x509.Name:
    """O=BPJS Ketenagakerjaan, OU=<code>, CN=<office name>: a name fits in 64 characters (the
    limit of a common name) once the organisation is not repeated in it."""
    return _name(office.name[:64], office.code or None)


def demo_ca() -> list[str]:
    """Create the demo CA (once) and a certificate for every office that lacks one; re-running
    adds only what is missing. Returns what was created, for the command to report."""
    folder = cert_dir()
    folder.mkdir(parents=True, exist_ok=True)
    password = passphrase()
    ca_key, ca_cert, created_ca = _demo_root(folder, password)
    created = [CA_NAME] if created_ca else []
    offices = db.session.scalars(
        select(Office).where(Office.is_deleted.is_(False)).order_by(Office.id)
    )
    for office in offices:
        path = office_file(office.id)
        if path.exists():
            continue
        key, certificate = issue_signing_certificate(ca_key, ca_cert, office_subject(office))
        _write_atomic(path, p12_bytes(key, certificate, [ca_cert], password))
        write_office_certificate(office.id, certificate)
        created.append(office.name)
    return created
