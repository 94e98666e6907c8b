"""The migrations build the whole schema, match the models, and run down and up again."""

import uuid
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from config import database_url
from partnerships.core.models import include_object
from partnerships.extensions import db
from tests.conftest import ON_POSTGRES, PG_URL, make_app


def _diff(connection) -> list:
    with warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(name)); alembic says so and skips it.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        warnings.filterwarnings("ignore", message=".*functional index.*")
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        assert _diff(connection) == []


@pytest.fixture
def empty_database(tmp_path):
    """A database of its own, so going down to nothing does not disturb other tests."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = create_engine(database_url(PG_URL), isolation_level="AUTOCOMMIT")
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    base = database_url(PG_URL).rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_downgrade_upgrade(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"regions", "offices", "partners", "officials", "users", "audit_entries"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        with db.engine.connect() as connection:
            assert _diff(connection) == []
        db.session.remove()
        db.engine.dispose()
