"""PostgreSQL: writers take the audit chain's lock before any row lock (audit.services
`_lock_chain`), so two transactions never wait for each other in a circle. The circle the fault
drill met: one transaction had written (holding the chain's lock) and then asked for a row that
another had locked FOR UPDATE before it wrote; PostgreSQL aborted one of them as a deadlock, and
a bulk job stayed "running" or a letter was lost. (SQLite: one writer at a time already.)"""

import threading
import time

import pytest
from sqlalchemy import select

from partnerships.audit.services import acting_as
from partnerships.extensions import db
from partnerships.organisations.models import Office, Partner
from tests.conftest import ON_POSTGRES
from tests.helpers import id_of


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has one writer at a time")
def test_a_row_locked_before_writing_waits_for_the_chain_instead_of_deadlocking(app):
    office = id_of(app, Office, "Kantor Cabang Bali Denpasar")
    partner = id_of(app, Partner, "Pemerintah Kota Denpasar")
    wrote, errors = threading.Event(), []

    def first() -> None:  # writes (the chain's lock), then wants the office row
        with app.app_context(), acting_as("test-first"):
            try:
                db.session.get(Partner, partner).phone = "0361 111"
                db.session.flush()
                wrote.set()
                time.sleep(0.5)  # the second has asked for the office row by now
                db.session.scalar(
                    select(Office).where(Office.id == office).with_for_update(of=Office)
                )
                db.session.commit()
            except Exception as error:
                errors.append(error)
                db.session.rollback()

    def second() -> None:  # locks the office row, then writes
        wrote.wait(10)
        with app.app_context(), acting_as("test-second"):
            try:
                db.session.scalar(
                    select(Office).where(Office.id == office).with_for_update(of=Office)
                )
                db.session.get(Partner, partner).phone = "0361 222"
                db.session.commit()
            except Exception as error:
                errors.append(error)
                db.session.rollback()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    with app.app_context():
        assert db.session.get(Partner, partner).phone == "0361 222"  # the second, after the first
