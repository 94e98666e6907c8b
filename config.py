"""Settings read from the environment, parsed explicitly.

`Config` is production: it refuses to start without SECRET_KEY. `DevelopmentConfig` runs the
embedded SQLite demo; `TestConfig` can never send mail or reach the network.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# The instance folder (Flask's instance_path): development's keys, the default SQLite database,
# job queue, uploads, certificates and checkpoint file. PARTNERSHIPS_INSTANCE_PATH moves it, so
# app servers sharing one checkout keep theirs apart (tests/test_store_servers.py runs two).
INSTANCE_DIR = Path(
    os.environ.get("PARTNERSHIPS_INSTANCE_PATH") or BASE_DIR / "instance"
).absolute()


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else int(raw)


def database_url(raw: str | None) -> str:
    """Normalise DATABASE_URL so PostgreSQL always goes through psycopg 3."""
    url = raw or f"sqlite:///{INSTANCE_DIR / 'partnerships.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session, not a fixed hour
    # A sign-in ends after this long without a request, and this long after the password was given.
    IDLE_TIMEOUT_MINUTES = _int("IDLE_TIMEOUT_MINUTES", 30)
    SESSION_MAX_HOURS = _int("SESSION_MAX_HOURS", 12)

    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"  # the pilot branch (Bali) runs on WITA
    LANGUAGES = ("id", "en")

    # Stated, not inherited: Flask-Limiter keeps the previous app's setting when it is absent.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Tells two installations sharing one Redis apart (as JOBS_NAME does for the queue).
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "partnerships")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")

    # Reverse proxies in front of the app (0: none): trust that many X-Forwarded-For/-Proto hops.
    PROXY_COUNT = _int("PROXY_COUNT", 0)

    PAGE_SIZE = _int("PAGE_SIZE", 25)
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _int("ARGON2_MEMORY_COST", 65536)  # KiB
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_UPLOAD_BYTES = _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    # Requests a little over the upload cap are cut off by Flask itself with a 413.
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 64 * 1024
    # Uploaded pictures larger than this many pixels are refused before they are decoded
    # (core/images.py): 50 million takes a 48-megapixel phone photo; 0: Pillow's own limit.
    IMAGE_MAX_PIXELS = _int("IMAGE_MAX_PIXELS", 50_000_000)
    # PNG and WebP decode at full size (a JPEG at a reduced scale): the memory their pixels
    # take, width x height x channels, is bounded too (160 MiB: 40 million RGBA pixels).
    IMAGE_MAX_DECODED_BYTES = _int("IMAGE_MAX_DECODED_BYTES", 160 * 1024 * 1024)
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    # Documents are kept in the database unless this names a folder shared by every app server.
    DOCUMENT_STORE_DIR = os.environ.get("DOCUMENT_STORE_DIR", "")
    # The offices' sealing certificates (PKCS#12, one per office, see `flask documents demo-ca`)
    # and the passphrase that protects them (development generates one into instance/).
    DOCUMENT_CERT_DIR = os.environ.get("DOCUMENT_CERT_DIR", str(INSTANCE_DIR / "certs"))
    DOCUMENT_CERT_PASSPHRASE = os.environ.get("DOCUMENT_CERT_PASSPHRASE")
    # Root certificates (PEM) of the providers whose signatures partners upload (BSrE, PrivyID
    # ...); empty: the `trusted` folder inside DOCUMENT_CERT_DIR.
    DOCUMENT_TRUST_DIR = os.environ.get("DOCUMENT_TRUST_DIR", "")
    # Uploads to the public verification page, per visitor's address.
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "20 per minute")
    # A PDF render stops past this much markup, this many pages or this many seconds (the
    # defaults of documents.rendering.Limits, which renders outside an app use).
    PDF_MAX_HTML_BYTES = _int("PDF_MAX_HTML_BYTES", 3_000_000)
    PDF_MAX_PAGES = _int("PDF_MAX_PAGES", 300)
    PDF_SECONDS = _int("PDF_SECONDS", 30)
    # An auditor's dossier larger than this (its files together) is refused with a message.
    DOSSIER_MAX_BYTES = _int("DOSSIER_MAX_BYTES", 1024 * 1024 * 1024)
    # The queue of background jobs (bulk letters): empty is a SQLite file in the instance folder
    # (no server to run); `redis://host:6379/1` in production, shared by every app server and
    # worker. JOBS_NAME prefixes the queue's keys, so two installations can share one Redis.
    # The JSON API's OpenAPI description (flask-smorest), served at /api/v1/openapi.json.
    API_TITLE = "Kemitraan BPJS Ketenagakerjaan"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    JOBS_URL = os.environ.get("JOBS_URL", "")
    # When `flask jobs scheduler` queues the daily work, in the office's time (WITA, 01:00).
    DAILY_AT = os.environ.get("DAILY_AT", "01:00")
    JOBS_NAME = os.environ.get("JOBS_NAME", "partnerships")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "kemitraan@localhost")
    # Audit checkpoints are signed with this key, which the database never holds; required
    # outside development. They are also appended to this file, out of the database's reach.
    AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY")
    AUDIT_ANCHOR_FILE = os.environ.get(
        "AUDIT_ANCHOR_FILE", str(INSTANCE_DIR / "audit-anchors.jsonl")
    )


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # Development gets a per-checkout key kept in instance/, never a constant in code.
    SECRET_KEY = os.environ.get("SECRET_KEY")


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-key"  # noqa: S105 - never used outside the test suite
    AUDIT_ANCHOR_KEY = "test-only-audit-anchor-key-0123456789"  # fixed: tests sign and check
    AUDIT_ANCHOR_FILE = ""  # none: the test fixtures give each app a file of its own
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 1  # overridden by tests that start their own SMTP server on loopback
    MAX_UPLOAD_BYTES = 200 * 1024
    JOBS_URL = "memory://"  # queued in the process; a test that runs jobs starts a consumer
    MAX_CONTENT_LENGTH = MAX_UPLOAD_BYTES + 64 * 1024
    PAGE_SIZE = 5
    DOCUMENT_CERT_PASSPHRASE = "test-only-cert-passphrase"  # noqa: S105 - test certificates only
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024  # cheap hashes keep the suite fast; production uses the defaults


CONFIGS = {"production": Config, "development": DevelopmentConfig, "test": TestConfig}
