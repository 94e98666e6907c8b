"""Fixtures: a fresh database per test, built once through the real migrations.

SQLite (the default): the migrated, seeded template file is copied for every test.
PostgreSQL (DATABASE_URL=postgresql://...): the schema is rebuilt through the migrations once;
after every test the tables are truncated and the seeded rows put back.
Either way every test starts from the same state: all 91,599 regions plus the demo.

Under pytest-xdist (`make test` runs `pytest -n auto`) each worker is a process of its own with
its own template: on SQLite in its own temporary folder, on PostgreSQL in a database of its own
named after DATABASE_URL's (`test_gw0`, `test_gw1`, ...), created on the same server.
"""

import os
import re
import shutil
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask_migrate import upgrade
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import create_engine, make_url, text
from werkzeug.routing import Rule

from config import TestConfig, database_url
from partnerships import create_app
from partnerships.audit.services import acting_as
from partnerships.core import mail
from partnerships.core.models import follow_sequences
from partnerships.demo import services as demo
from partnerships.documents import certificates
from partnerships.extensions import db, limiter
from partnerships.regions.services import import_regions

# "gw0", "gw1", ... in a pytest-xdist worker; empty in a plain `pytest` run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql"))


def _worker_database(raw: str) -> str:
    """DATABASE_URL as this process uses it: each xdist worker gets a database of its own."""
    if not (ON_POSTGRES and WORKER):
        return raw
    url = make_url(raw)
    return url.set(database=f"{url.database}_{WORKER}").render_as_string(hide_password=False)


PG_URL = _worker_database(os.environ.get("DATABASE_URL", ""))
PASSWORD = demo.DEMO_PASSWORD
EMAILS = {role: email for email, _name, role, _office, _partner in demo.USERS}
EMAILS["partner"] = "mitra.denpasar@kemitraan.test"
EMAILS["partner_other"] = "mitra.gianyar@kemitraan.test"
EMAILS["auditor_office"] = "auditor.bali@kemitraan.test"
EMAILS["staff_other"] = "staf.gianyar@kemitraan.test"
EMAILS["staff"] = "staf.denpasar@kemitraan.test"
EMAILS["manager"] = "manajer.denpasar@kemitraan.test"
EMAILS["auditor"] = "auditor@kemitraan.test"

# Every run happens at 10:00 WITA (Asia/Makassar) on one Monday, whatever the machine's clock
# and TZ say: "today" in a test is the office's day, OFFICE_DAY, never date.today(). The instant
# is given in UTC (not as a zone) so the process keeps the machine's own TZ, as production does.
OFFICE_NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
OFFICE_DAY = date(2026, 11, 30)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker per usable core, at most 4 (each builds its own seeded template
    and may start its own Chromium, so more would spend more on set-up than they save)."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))


@pytest.fixture(scope="session", autouse=True)
def office_clock():
    """The clock starts at OFFICE_NOW for the whole run (the seed included) and then ticks, so
    timestamps keep their order and the browser tests' server threads see time pass."""
    with time_machine.travel(OFFICE_NOW, tick=True):
        yield


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept for the whole test process: every test makes an app of
    its own, and compiling its pages afresh took about a third of a typical test's time. Jinja
    checks each entry against the template's source, so an edited template is compiled again."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


# One dialect and one compiled-statement cache per database kind for the whole test process.
# A server process has one engine and compiles each statement once; a test makes an app, so an
# engine, of its own, and SQLAlchemy keys its cache by the engine's dialect object: every test
# compiled every statement again (a fifth of a typical test's time). The engines stay apart
# (their own database, pool and connections); what they share is how to write SQL for it.
_DIALECTS: dict[str, tuple] = {}


def _share_compiled_statements(app) -> None:
    with app.app_context():
        engine = db.engine
        dialect, cache = _DIALECTS.setdefault(
            engine.dialect.name, (engine.dialect, engine._compiled_cache)
        )
        if engine.dialect is not dialect:
            with engine.connect():  # the engine's own dialect learns the server on first use
                pass
            engine.dialect, engine._compiled_cache = dialect, cache


_werkzeug_builder = Rule._compile_builder
_BUILDERS: dict[tuple, object] = {}


def _compiled_builder(rule: Rule, append_unknown: bool = True):
    """Werkzeug compiles a URL builder (Python source, `compile()`) for every rule of every new
    app: a test's app spent a third of its making there. The builder depends only on the
    rule's parsed parts and defaults (it receives the rule itself when called), so the
    test process compiles each one once; every app still gets its own rules and map."""
    key = (
        rule.rule,
        tuple(rule._trace),
        tuple(sorted((k, repr(v)) for k, v in (rule.defaults or {}).items())),
        append_unknown,
    )
    if key not in _BUILDERS:
        _BUILDERS[key] = _werkzeug_builder(rule, append_unknown)
    return _BUILDERS[key]


Rule._compile_builder = _compiled_builder


def make_app(uri: str, **overrides):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=uri, **overrides)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    _share_compiled_statements(app)
    return app


def _seed(app) -> None:
    with app.app_context():
        upgrade()
        with acting_as("test-seed"), mail.quiet():
            import_regions()
            demo.load_demo()
            certificates.demo_ca()  # idempotent: a no-op if the demo loader made them already
            db.session.commit()


@pytest.fixture(scope="session")
def cert_dir(tmp_path_factory):
    """The offices' sealing certificates (and the demo CA), made once per run with the seed."""
    return tmp_path_factory.mktemp("certs")


@pytest.fixture(scope="session")
def template(tmp_path_factory, cert_dir):
    """Build the seeded database once per run; returns (uri, snapshot of non-region rows)."""
    if ON_POSTGRES:
        uri = database_url(PG_URL)
        if WORKER:
            _recreate_database(uri)
        engine = create_engine(uri)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        app = make_app(uri, DOCUMENT_CERT_DIR=str(cert_dir))
        _seed(app)
        with app.app_context():
            with db.engine.connect() as conn, conn.connection.cursor() as cursor:
                snapshot = {}
                for table in _seeded_tables():
                    with cursor.copy(f"COPY {table.name} TO STDOUT") as copy:
                        snapshot[table.name] = b"".join(bytes(chunk) for chunk in copy)
            db.engine.dispose()
        return uri, snapshot
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = make_app(f"sqlite:///{path}", DOCUMENT_CERT_DIR=str(cert_dir))
    _seed(app)
    with app.app_context():
        db.engine.dispose()  # closing the last connection checkpoints the WAL into the file
    return str(path), None


def _recreate_database(uri: str) -> None:
    """An xdist worker's own database, made afresh on DATABASE_URL's server through the
    `postgres` maintenance database (a previous run's copy, still connected or not, goes)."""
    url = make_url(uri)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def _seeded_tables() -> list:
    """Every table the tests may write, parents first; the regions are read only."""
    return [t for t in db.metadata.sorted_tables if t.name != "regions"]


def _restore_postgres(app, snapshot: dict[str, bytes]) -> None:
    """Put the seeded rows back as they were: the rows travel in COPY's own text format, so
    they come back byte for byte, with no per-row work in Python (the reset ran after every
    test: inserting them through SQLAlchemy took longer than many a test)."""
    with app.app_context():
        tables = _seeded_tables()
        names = ", ".join(t.name for t in tables)
        with db.engine.begin() as conn, conn.connection.cursor() as cursor:
            # The audit table refuses TRUNCATE; the reset acts as the superuser it is.
            # TRUNCATE, not DELETE: the rows go back into empty tables in the seed's order, as
            # on SQLite's fresh copy (DELETE is quicker but lets them land in any order).
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table in tables:
                if snapshot[table.name]:
                    with cursor.copy(f"COPY {table.name} FROM STDIN") as copy:
                        copy.write(snapshot[table.name])
            follow_sequences(conn, tables)
        db.engine.dispose()


@pytest.fixture
def app(template, cert_dir, tmp_path, request):
    """The app on a fresh copy of the seeded database; `@pytest.mark.app_config(KEY=value)`
    overrides settings that extensions read at start-up (rate limits, for instance)."""
    source, snapshot = template
    marker = request.node.get_closest_marker("app_config")
    overrides = {
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "AUDIT_ANCHOR_FILE": str(tmp_path / "audit-anchors.jsonl"),
        "DOCUMENT_CERT_DIR": str(cert_dir),
        **(marker.kwargs if marker else {}),
    }
    if ON_POSTGRES:
        app = make_app(source, **overrides)
    else:
        target = tmp_path / "test.db"
        shutil.copyfile(source, target)
        app = make_app(f"sqlite:///{target}", **overrides)
    with app.app_context():
        limiter.reset()  # in-memory counts outlive an app in this process: each test starts at 0
    yield app
    if ON_POSTGRES:
        _restore_postgres(app, snapshot)
    else:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token a real browser would have read from the form at `url`."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def login(client, who: str, password: str = PASSWORD):
    """Log in as a demo user: `who` is a role name or one of the extra keys in EMAILS."""
    email = EMAILS.get(who, who)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
    )


def post(client, url: str, data: dict | None = None, *, form_url: str | None = None, **kwargs):
    """POST like a browser: with the CSRF token from a page the user has open."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, form_url or "/")
    return client.post(url, data=payload, **kwargs)


@pytest.fixture
def as_role(client):
    """`as_role("staff")` logs the test client in as that demo user and returns it."""

    def _as(who: str):
        response = login(client, who)
        assert response.status_code == 302, f"login as {who} failed"
        return client

    return _as


# Browser tests (Playwright + Chromium + axe-core): fixtures, and evidence kept on failure.
from tests.browser import (  # noqa: E402, F401
    axe_source,
    chromium,
    chromium_process,
    open_page,
    playwright_driver,
    pytest_runtest_makereport,
    server,
)

# Redis (the job queue, rate limits across servers): names of the test's own, removed after.
from tests.servers import redis_prefix  # noqa: E402, F401
