"""The audit trail: every change of consequence is captured with who, when, from where and the
full before/after values; nothing of record is hard-deleted; the hash chain exposes tampering;
concurrent writers never fork it; and the trail is read and exported only within the reader's
scope. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import csv
import io
import json
import re
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, exc, inspect, select, text, update

from partnerships.audit import services as audit
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import HardDeleteRefused, acting_as, entry_hash, to_jsonable
from partnerships.auth.models import User
from partnerships.extensions import db
from partnerships.organisations import services as orgs
from partnerships.organisations.models import Office, Official, Partner
from tests.conftest import EMAILS, PASSWORD, login, post

IP = "203.0.113.7"
TABLE = AuditEntry.__table__
KALTENG = "Pemerintah Provinsi Kalimantan Tengah"
KOTA_DENPASAR = "Pemerintah Kota Denpasar"
BALI_OFFICES = (
    "Kantor Wilayah Bali, Nusa Tenggara dan Papua",
    "Kantor Cabang Bali Denpasar",
    "Kantor Cabang Bali Gianyar",
)
SEQ_CELL = re.compile(r"<td><code>(\d+)</code></td>")


# ---- helpers ----------------------------------------------------------------------------


def _record(entry: AuditEntry) -> dict:
    return {field: getattr(entry, field) for field in audit.EXPORT_FIELDS}


def _entries(app, after_seq: int = 0, *conditions) -> list[dict]:
    """The trail after `after_seq`, oldest first, as plain dicts."""
    with app.app_context():
        stmt = select(AuditEntry).where(AuditEntry.seq > after_seq, *conditions)
        return [_record(e) for e in db.session.scalars(stmt.order_by(AuditEntry.seq))]


def _head(app) -> int:
    with app.app_context():
        return db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))


def _row(app, model, row_id: int) -> dict:
    """The stored row as the trail renders it: every column, JSON-ready."""
    with app.app_context():
        obj = db.session.get(model, row_id)
        values = {a.key: to_jsonable(getattr(obj, a.key)) for a in inspect(model).column_attrs}
        if model is Office:
            values["regions"] = sorted(r.code for r in obj.regions)
        return values


def _id(app, model, **by) -> int:
    with app.app_context():
        return db.session.scalar(select(model.id).filter_by(**by))


def _user_id(app, who: str) -> int:
    return _id(app, User, email=EMAILS[who])


def _seqs(response) -> list[int]:
    assert response.status_code == 200
    return [int(s) for s in SEQ_CELL.findall(response.get_data(as_text=True))]


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def from_ip(client):
    """The test client, every request of which comes from IP."""
    client.environ_base["REMOTE_ADDR"] = IP
    return client


def _signed_in(client, who: str):
    assert login(client, who).status_code == 302, f"login as {who} failed"
    return client


# ---- 1. capture -------------------------------------------------------------------------


def test_partner_edit_and_soft_delete_are_recorded_with_actor_ip_and_full_values(app, from_ip):
    client = _signed_in(from_ip, "staff")
    staff_id = _user_id(app, "staff")
    pid = _id(app, Partner, name="Desa Ubung Kaja")
    original = _row(app, Partner, pid)
    head = _head(app)

    started = _now()
    response = post(
        client,
        f"/partners/{pid}/edit",
        {
            "name": "Desa Ubung Kaja Utara",
            "kind": "village_gov",
            "region_code": original["region_code"],
            "office_id": original["office_id"],
            "address": "Jl. Cokroaminoto",
        },
        form_url=f"/partners/{pid}/edit",
    )
    assert response.status_code == 302
    edited = _row(app, Partner, pid)
    assert edited["name"] == "Desa Ubung Kaja Utara"

    [entry] = _entries(app, head)
    assert entry["action"] == "update"
    assert (entry["object_type"], entry["object_id"]) == ("Partner", str(pid))
    assert (entry["actor_id"], entry["actor_label"], entry["ip"]) == (staff_id, EMAILS["staff"], IP)
    assert started <= entry["occurred_at"] <= _now()
    assert entry["office_id"] == original["office_id"]
    # the full row on both sides, not only the changed fields (updated_at included)
    assert entry["before"] == original
    assert entry["after"] == edited

    head = entry["seq"]
    response = post(client, f"/partners/{pid}/delete", form_url=f"/partners/{pid}")
    assert response.status_code == 302
    deleted = _row(app, Partner, pid)  # still there: a soft delete
    assert deleted["is_deleted"] is True

    [entry] = _entries(app, head)
    assert entry["action"] == "delete"
    assert (entry["actor_id"], entry["actor_label"], entry["ip"]) == (staff_id, EMAILS["staff"], IP)
    assert entry["before"] == edited
    assert entry["after"] == deleted


def test_restore_outside_a_request_names_the_cli_actor_and_the_true_before(app):
    pid = _id(app, Partner, name="Kejaksaan Negeri Denpasar")
    head = _head(app)
    with app.app_context(), acting_as("cli:test-restore"):
        partner = db.session.get(Partner, pid)
        orgs.soft_delete(partner)
        db.session.commit()
        # set while the commit has expired it: the before image must still be the stored row
        partner.is_deleted = False
        db.session.commit()

    delete_entry, restore_entry = _entries(app, head)
    assert [delete_entry["action"], restore_entry["action"]] == ["delete", "restore"]
    for entry in (delete_entry, restore_entry):
        assert (entry["actor_id"], entry["actor_label"], entry["ip"]) == (
            None,
            "cli:test-restore",
            None,
        )
    assert delete_entry["after"]["is_deleted"] is True
    assert restore_entry["before"] == delete_entry["after"]
    assert restore_entry["after"] == _row(app, Partner, pid)
    assert restore_entry["after"]["is_deleted"] is False


def _office_form(app) -> dict:
    return {
        "name": "Kantor Cabang Bali Badung",
        "kind": "branch",
        "parent_id": _id(app, Office, name=BALI_OFFICES[0]),
        "region_code": "51.03",
        "served_codes": "51.03",
    }


def _partner_form(app) -> dict:
    return {
        "name": "Pemerintah Kabupaten Badung",
        "kind": "regency_gov",
        "region_code": "51.03",
        "office_id": _id(app, Office, name="Kantor Cabang Bali Denpasar"),
    }


def _official_form(_app) -> dict:
    return {
        "name": "I Made Uji",
        "title": "Sekretaris Daerah",
        "identifier_kind": "NIP",
        "identifier": "197001011990031001",
        "tenure_start": "2024-01-02",
    }


def _user_form(app) -> dict:
    return {
        "email": "staf.baru@bpjsketenagakerjaan.go.id",
        "name": "Staf Baru",
        "role": "staff",
        "office_id": _id(app, Office, name="Kantor Cabang Bali Denpasar"),
        "partner_id": "",
        "password": "kata-sandi-baru-123",
        "active": "y",
    }


@pytest.mark.parametrize(
    ("who", "model", "url", "form"),
    [
        ("admin", Office, "/offices/new", _office_form),
        ("staff", Partner, "/partners/new", _partner_form),
        ("staff", Official, "/officials/new?partner={kota}", _official_form),
        ("admin", User, "/admin/users/new", _user_form),
    ],
    ids=["office", "partner", "official", "user"],
)
def test_inserts_through_the_pages_are_recorded(app, from_ip, who, model, url, form):
    client = _signed_in(from_ip, who)
    url = url.format(kota=_id(app, Partner, name=KOTA_DENPASAR))
    head = _head(app)
    started = _now()
    response = post(client, url, form(app), form_url=url)
    assert response.status_code == 302, response.get_data(as_text=True)

    [entry] = _entries(app, head)
    assert (entry["action"], entry["object_type"]) == ("insert", model.__name__)
    assert (entry["actor_id"], entry["actor_label"], entry["ip"]) == (
        _user_id(app, who),
        EMAILS[who],
        IP,
    )
    assert started <= entry["occurred_at"] <= _now()
    assert entry["before"] is None
    stored = _row(app, model, int(entry["object_id"]))
    if model is User:
        stored |= {"password_hash": "***", "session_token": "***"}
    assert entry["after"] == stored
    # office auditors find it: it is filed under the office that manages the row
    expected_office = {Office: stored["id"], Official: _id(app, Office, name=BALI_OFFICES[1])}
    assert entry["office_id"] == expected_office.get(model, stored.get("office_id"))


# ---- 2. redaction -----------------------------------------------------------------------


def test_password_hashes_and_session_tokens_never_reach_the_trail(app, from_ip):
    client = _signed_in(from_ip, "staff")
    staff_id = _user_id(app, "staff")
    head = _head(app)
    response = post(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "rahasia-baru-456", "confirm": "rahasia-baru-456"},
        form_url="/account/password",
    )
    assert response.status_code == 302

    [entry] = _entries(app, head)
    assert (entry["action"], entry["object_id"]) == ("update", str(staff_id))
    assert entry["before"]["password_hash"] == entry["before"]["session_token"] == "***"
    assert entry["after"]["password_hash"] == entry["after"]["session_token"] == "*** (changed)"

    admin = _signed_in(app.test_client(), "admin")
    exported = admin.get("/audit/export.json").get_data(as_text=True)
    with app.app_context():
        secrets = [
            value
            for user in db.session.scalars(select(User))
            for value in (user.password_hash, user.session_token)
        ]
    trail = json.dumps(_entries(app), default=str)
    assert len(secrets) >= 14 and all(secrets)  # every demo user, both values
    assert [s for s in secrets if s in trail or s in exported] == []


# ---- 3. no hard deletes -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "by"),
    [
        (Office, {"name": "Kantor Cabang Bali Gianyar"}),
        (Partner, {"name": "DPRD Kabupaten Gianyar"}),
        (Official, {"name": "Pandu Aria"}),
        (User, {"email": EMAILS["staff_other"]}),
    ],
    ids=["office", "partner", "official", "user"],
)
def test_hard_delete_of_a_record_of_consequence_is_refused(app, model, by):
    row_id = _id(app, model, **by)
    head = _head(app)
    with app.app_context():
        db.session.delete(db.session.get(model, row_id))
        with pytest.raises(HardDeleteRefused):
            db.session.flush()
        db.session.rollback()
    with app.app_context():
        assert db.session.get(model, row_id) is not None
    assert _head(app) == head


# ---- 4. tamper evidence -----------------------------------------------------------------


def test_cli_verify_reports_the_seeded_chain_intact(app, runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"audit chain intact: {_head(app)} entries verified" in result.output


def test_the_database_refuses_update_and_delete_of_audit_entries(app):
    with app.app_context():
        original = db.session.get(AuditEntry, 2).after
        with pytest.raises(exc.DBAPIError, match="append-only"):
            db.session.execute(update(TABLE).where(TABLE.c.seq == 2).values(after={"x": 1}))
        db.session.rollback()
        with pytest.raises(exc.DBAPIError, match="append-only"):
            db.session.execute(delete(TABLE).where(TABLE.c.seq == 2))
        db.session.rollback()
    with app.app_context():
        assert db.session.get(AuditEntry, 2).after == original
        assert audit.verify().ok


@pytest.fixture
def tamperable(app):
    """Defeat the append-only triggers the way an attacker with database access would."""
    with app.app_context():
        postgres = db.engine.dialect.name == "postgresql"
        if postgres:
            db.session.execute(
                text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only")
            )
        else:
            db.session.execute(text("DROP TRIGGER audit_entries_no_update"))
            db.session.execute(text("DROP TRIGGER audit_entries_no_delete"))
        db.session.commit()
    yield
    if postgres:  # the PostgreSQL schema outlives the test; SQLite files do not
        with app.app_context():
            db.session.execute(
                text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only")
            )
            db.session.commit()


def _edit_after(k: int, *, rehash: bool) -> None:
    entry = db.session.get(AuditEntry, k)
    forged = {**entry.after, "name": "Pemalsuan"}
    values = {"after": forged}
    if rehash:  # the forger recomputes the row's own hash: the next row still gives it away
        values["hash"] = entry_hash({**_record(entry), "after": forged})
    db.session.execute(update(TABLE).where(TABLE.c.seq == k).values(**values))


def _delete_row(k: int) -> None:
    db.session.execute(delete(TABLE).where(TABLE.c.seq == k))


def _swap_rows(k: int) -> None:
    for old, new in ((k, -1), (k + 1, k), (-1, k + 1)):
        db.session.execute(update(TABLE).where(TABLE.c.seq == old).values(seq=new))


@pytest.mark.parametrize(
    ("tamper", "offset", "reason"),
    [
        (lambda k: _edit_after(k, rehash=False), 0, "content does not match its hash"),
        (lambda k: _edit_after(k, rehash=True), 1, "does not follow the previous entry"),
        (_delete_row, 0, "is missing"),
        (_swap_rows, 0, "does not follow the previous entry"),
    ],
    ids=["after-edited", "after-edited-and-rehashed", "row-deleted", "rows-swapped"],
)
def test_tampering_breaks_the_chain_at_the_first_changed_entry(
    app, runner, client, tamperable, tamper, offset, reason
):
    # a row in the middle of the chain: the insert of a seeded partner
    [k] = [
        e["seq"]
        for e in _entries(
            app, 0, AuditEntry.action == "insert", AuditEntry.object_type == "Partner"
        )
        if e["after"]["name"] == KOTA_DENPASAR
    ]
    assert 1 < k < _head(app)
    with app.app_context():
        assert audit.verify().ok
        tamper(k)
        db.session.commit()

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"audit chain BROKEN at entry {k + offset}: " in result.output
    assert reason in result.output
    with app.app_context():
        assert audit.verify().broken_seq == k + offset

    page = _signed_in(client, "auditor").get("/audit/verify").get_data(as_text=True)
    assert "alert-danger" in page
    assert str(k + offset) in page


# ---- 5. concurrency ---------------------------------------------------------------------


def test_concurrent_writers_keep_one_gapless_verified_chain(app):
    writers, rounds = 8, 3
    partner_id = _id(app, Partner, name=KOTA_DENPASAR)
    start = _head(app)
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with app.app_context(), acting_as(f"writer-{n}"):
                barrier.wait(timeout=30)
                for i in range(rounds):
                    partner = db.session.get(Partner, partner_id)
                    official = orgs.save_official(
                        None,
                        {
                            "name": f"Penulis {n}-{i}",
                            "title": "Staf",
                            "tenure_start": date(2024, 1, 2),
                        },
                        owner=partner,
                    )
                    db.session.commit()
                    official.title = "Kepala Seksi"
                    db.session.commit()
        except BaseException as error:  # collected: a failing writer fails the test
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    expected = start + writers * rounds * 2
    with app.app_context():
        seqs = list(db.session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))
        assert seqs == list(range(1, expected + 1))
        result = audit.verify()
        assert (result.ok, result.checked) == (True, expected)
    new = _entries(app, start)
    for n in range(writers):
        actions = sorted(e["action"] for e in new if e["actor_label"] == f"writer-{n}")
        assert actions == ["insert"] * rounds + ["update"] * rounds


# ---- 6. browsing ------------------------------------------------------------------------

AUDIT_PAGES = ["/audit", "/audit/Partner/{pid}", "/audit/export.csv", "/audit/export.json",
               "/audit/verify"]  # fmt: skip


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_browse_the_trail(app, client, role):
    _signed_in(client, role)
    pid = _id(app, Partner, name=KALTENG)
    for url in AUDIT_PAGES:  # buffered: an export's stream is read to its end
        assert client.get(url.format(pid=pid), buffered=True).status_code == 200, url
    history = _entries(
        app, 0, AuditEntry.object_type == "Partner", AuditEntry.object_id == str(pid)
    )
    assert history
    shown = _seqs(client.get(f"/audit/Partner/{pid}"))
    assert shown == [e["seq"] for e in reversed(history)][: app.config["PAGE_SIZE"]]


@pytest.mark.parametrize("role", ["staff", "manager", "partner"])
def test_other_roles_may_not_read_the_trail(app, client, role):
    _signed_in(client, role)
    head = _head(app)
    pid = _id(app, Partner, name=KOTA_DENPASAR)
    for url in AUDIT_PAGES:
        assert client.get(url.format(pid=pid)).status_code == 403, url
    assert _entries(app, head, AuditEntry.action == "audit_export") == []


def test_anonymous_visitors_are_sent_to_login(app, client):
    response = client.get("/audit")
    assert response.status_code == 302
    assert "/login" in response.location


def test_office_auditor_reads_only_its_offices_entries(app, client):
    _signed_in(client, "auditor_office")
    bali = _id(app, Partner, name=KOTA_DENPASAR)
    kalteng = _id(app, Partner, name=KALTENG)
    kalimantan_office = _id(app, Office, name="Kantor Wilayah Kalimantan")

    assert _seqs(client.get(f"/audit/Partner/{bali}"))
    assert client.get(f"/audit/Partner/{kalteng}").status_code == 404
    assert client.get(f"/audit/Office/{kalimantan_office}").status_code == 404
    assert client.get(f"/audit/User/{_user_id(app, 'admin')}").status_code == 404
    assert _seqs(client.get(f"/audit?object_type=Partner&object_id={kalteng}")) == []
    # a Bali partner's signatory is filed under the partner's office, so it is in scope
    official = _id(app, Official, name="Ketut Sri Karyawati")  # Lurah Sesetan
    assert _seqs(client.get(f"/audit/Official/{official}"))

    with app.app_context():
        office_ids = list(
            db.session.scalars(select(Office.id).where(Office.name.in_(BALI_OFFICES)))
        )
    visible = [e["seq"] for e in _entries(app, 0, AuditEntry.office_id.in_(office_ids))]
    assert _seqs(client.get("/audit")) == visible[::-1][: app.config["PAGE_SIZE"]]

    exported = json.loads(client.get("/audit/export.json").get_data(as_text=True))
    # an export is itself recorded under the auditor's office, so it shows in their own export
    *earlier, own_export = exported
    assert [r["seq"] for r in earlier] == visible
    assert (
        own_export["action"] == "audit_export"
        and own_export["actor_label"] == EMAILS["auditor_office"]
    )
    assert ("Partner", str(kalteng)) not in {(r["object_type"], r["object_id"]) for r in exported}
    rows = list(csv.DictReader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True))))
    assert [int(r["seq"]) for r in rows][: len(visible)] == visible
    assert [r["action"] for r in rows[len(visible) :]] == ["audit_export", "audit_export"]

    # the national auditor does see it
    national = app.test_client()
    _signed_in(national, "auditor")
    assert _seqs(national.get(f"/audit/Partner/{kalteng}"))


def test_filters_narrow_the_list(app, client):
    staff = _signed_in(app.test_client(), "staff")
    pid = _id(app, Partner, name="Desa Dangin Puri Kangin")
    assert post(staff, f"/partners/{pid}/delete", form_url=f"/partners/{pid}").status_code == 302
    _signed_in(client, "admin")
    size = app.config["PAGE_SIZE"]

    def newest(*conditions) -> list[int]:
        return [e["seq"] for e in reversed(_entries(app, 0, *conditions))][:size]

    by_staff = newest(AuditEntry.actor_label == EMAILS["staff"])
    [login_seq] = newest(AuditEntry.actor_label == EMAILS["staff"], AuditEntry.action == "update")
    [delete_seq] = newest(AuditEntry.actor_label == EMAILS["staff"], AuditEntry.action == "delete")
    assert by_staff == [delete_seq, login_seq]

    everything = _seqs(client.get("/audit"))
    assert everything == newest()
    assert set(everything) - set(by_staff)  # the filters below have something to remove
    assert _seqs(client.get("/audit?actor=staf.denpasar")) == by_staff
    assert _seqs(client.get("/audit?actor=STAF.Denpasar")) == by_staff
    assert _seqs(client.get("/audit?object_type=Partner&actor=staf.denpasar")) == [delete_seq]
    deletes = _seqs(client.get("/audit?action=delete"))
    assert delete_seq in deletes
    assert deletes == newest(AuditEntry.action == "delete")
    users = _seqs(client.get("/audit?object_type=User"))
    assert users == newest(AuditEntry.object_type == "User")
    assert len(users) == size  # a full page, every row of it a User entry


def test_day_filters_follow_the_offices_timezone(app, client, monkeypatch):
    # 17:30 UTC on 1 March is 01:30 on 2 March in Bali (WITA, UTC+8), where the trail is read
    moment = datetime(2024, 3, 1, 17, 30, tzinfo=UTC)
    monkeypatch.setattr(audit, "utcnow", lambda: moment)
    with app.app_context(), acting_as("cli:test"):
        orgs.soft_delete(db.session.scalar(select(Partner).filter_by(name="Desa Ubung Kaja")))
        db.session.commit()
    monkeypatch.undo()
    [entry] = _entries(app, 0, AuditEntry.actor_label == "cli:test")
    assert entry["occurred_at"] == moment

    _signed_in(client, "admin")
    assert _seqs(client.get("/audit?from=2024-03-02&until=2024-03-02")) == [entry["seq"]]
    assert _seqs(client.get("/audit?from=2024-03-01&until=2024-03-01")) == []
    assert _seqs(client.get("/audit?until=2024-03-01")) == []


# ---- 7. export --------------------------------------------------------------------------


def test_json_export_matches_the_database_and_is_itself_recorded(app, from_ip):
    client = _signed_in(from_ip, "admin")
    head = _head(app)
    response = client.get("/audit/export.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    exported = json.loads(response.get_data(as_text=True))

    stored = _entries(app)
    assert [r["seq"] for r in exported] == [e["seq"] for e in stored]
    prev = audit.GENESIS
    for record, entry in zip(exported, stored, strict=True):
        assert record == {**entry, "occurred_at": audit.canonical_time(entry["occurred_at"])}
        # anyone holding the file can check the chain without the database
        recomputed = {**record, "occurred_at": datetime.fromisoformat(record["occurred_at"])}
        assert record["prev_hash"] == prev
        assert entry_hash(recomputed) == record["hash"]
        prev = record["hash"]

    [event] = _entries(app, head)
    assert (event["action"], event["object_type"]) == ("audit_export", "AuditEntry")
    assert (event["actor_id"], event["actor_label"], event["ip"]) == (
        _user_id(app, "admin"),
        EMAILS["admin"],
        IP,
    )
    assert event["after"] == {"format": "json"}


def test_csv_export_honours_filters_and_matches_the_database(app, from_ip):
    client = _signed_in(from_ip, "auditor")
    head = _head(app)
    response = client.get("/audit/export.csv?object_type=Official")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))

    officials = _entries(app, 0, AuditEntry.object_type == "Official")
    assert len(officials) >= 8  # one per seeded official at least
    assert [int(r["seq"]) for r in rows] == [e["seq"] for e in officials]
    for row, entry in zip(rows, officials, strict=True):
        assert (row["hash"], row["prev_hash"]) == (entry["hash"], entry["prev_hash"])
        assert row["occurred_at"] == audit.canonical_time(entry["occurred_at"])
        assert json.loads(row["before"]) == entry["before"]
        assert json.loads(row["after"]) == entry["after"]

    [event] = _entries(app, head)
    assert event["action"] == "audit_export"
    assert event["actor_label"] == EMAILS["auditor"]
    assert event["after"] == {"format": "csv", "object_type": "Official"}


def test_truncating_the_trail_is_refused_on_postgresql(app):
    """Row triggers do not see TRUNCATE; a statement trigger refuses it too."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import DBAPIError

    from tests.conftest import ON_POSTGRES

    if not ON_POSTGRES:
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger is tested above")
    with app.app_context():
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(sql("TRUNCATE audit_entries"))
        db.session.rollback()
        assert db.session.scalar(sql("SELECT count(*) FROM audit_entries")) > 0
