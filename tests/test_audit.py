"""The audit trail: every change of consequence is captured with who, when, from where and the
full before/after values; nothing of record is hard-deleted; the hash chain exposes tampering;
concurrent writers never fork it; and the trail is read and exported only within the reader's
scope. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import csv
import io
import json
import threading
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, exc, inspect, select, text, update

from partnerships.agreements.models import Agreement
from partnerships.audit import services as audit
from partnerships.audit.models import AuditEntry
from partnerships.audit.services import HardDeleteRefused, acting_as, entry_hash, to_jsonable
from partnerships.auth.models import User
from partnerships.extensions import db
from partnerships.organisations import services as orgs
from partnerships.organisations.models import Office, Official, Partner
from tests.conftest import EMAILS, PASSWORD, login
from tests.helpers import counted_statements
from tests.web import fill, find_form, press, signed_in, submit
from tests.web import text as read

IP = "203.0.113.7"
TABLE = AuditEntry.__table__
KALTENG = "Pemerintah Provinsi Kalimantan Tengah"
KOTA_DENPASAR = "Pemerintah Kota Denpasar"
BALI_OFFICES = (
    "Kantor Wilayah Bali, Nusa Tenggara dan Papua",
    "Kantor Cabang Bali Denpasar",
    "Kantor Cabang Bali Gianyar",
)
WITA = ZoneInfo("Asia/Makassar")
DENPASAR_MOU = "Kesepakatan Bersama BPJS Ketenagakerjaan dan Pemerintah Kota Denpasar"
SESETAN_RENEWAL = "Perpanjangan Perjanjian Kerja Sama Kelurahan Sesetan"
RENEWAL_IN_REVIEW = "Perpanjangan Kesepakatan Bersama dengan Pemerintah Kota Denpasar"
KALTENG_PKS = (
    "Perjanjian Kerja Sama Optimalisasi Penyelenggaraan Jaminan Sosial melalui PTSP dan PATEN "
    "di Provinsi Kalimantan Tengah"
)


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


def _now() -> datetime:
    return datetime.now(UTC)


def _signed_in(client, who: str):
    assert login(client, who).status_code == 302, f"login as {who} failed"
    return client


# ---- 1. capture -------------------------------------------------------------------------


def test_partner_edit_and_soft_delete_are_recorded_with_actor_ip_and_full_values(app):
    web = signed_in(app, "staff")
    web.extra_environ["REMOTE_ADDR"] = IP
    staff_id = _user_id(app, "staff")
    pid = _id(app, Partner, name="Desa Ubung Kaja")
    original = _row(app, Partner, pid)
    head = _head(app)

    started = _now()
    edit = web.get(f"/partners/{pid}/edit")
    response = submit(
        edit, button="Simpan", name="Desa Ubung Kaja Utara", address="Jl. Cokroaminoto"
    )
    assert response.status_int == 302
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
    response = submit(web.get(f"/partners/{pid}"), button="Hapus")
    assert response.status_int == 302
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
        "code": "BDG",
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
        "password": "kata-sandi-baru-123",
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
def test_inserts_through_the_pages_are_recorded(app, who, model, url, form):
    web = signed_in(app, who)
    web.extra_environ["REMOTE_ADDR"] = IP
    url = url.format(kota=_id(app, Partner, name=KOTA_DENPASAR))
    head = _head(app)
    started = _now()
    response = submit(web.get(url), button="Simpan", **form(app))
    assert response.status_int == 302, read(response)

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


def test_password_hashes_and_session_tokens_never_reach_the_trail(app):
    web = signed_in(app, "staff")
    staff_id = _user_id(app, "staff")
    head = _head(app)
    response = submit(
        web.get("/account/password"),
        button="Simpan",
        current=PASSWORD,
        new="rahasia-baru-456",
        confirm="rahasia-baru-456",
    )
    assert response.status_int == 302

    [entry] = _entries(app, head)
    assert (entry["action"], entry["object_id"]) == ("update", str(staff_id))
    assert entry["before"]["password_hash"] == entry["before"]["session_token"] == "***"
    assert entry["after"]["password_hash"] == entry["after"]["session_token"] == "*** (changed)"

    exported = signed_in(app, "admin").get("/audit").click(description="JSON").text
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
    assert f"Rantai audit utuh: {_head(app)} entri telah diverifikasi." in result.output
    assert "Belum ada titik periksa yang ditandatangani" in result.output


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


UNLINKED = "Entri {} tidak tersambung dengan entri sebelumnya."


@pytest.mark.parametrize(
    ("tamper", "offset", "reason"),
    [
        (lambda k: _edit_after(k, rehash=False), 0, "Isi entri {} tidak cocok dengan hash-nya."),
        (lambda k: _edit_after(k, rehash=True), 1, UNLINKED),
        (_delete_row, 0, "Entri {} hilang."),
        (_swap_rows, 0, UNLINKED),
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
    assert result.output.splitlines()[0] == reason.format(k + offset)
    with app.app_context():
        assert audit.verify().broken_seq == k + offset

    page = _signed_in(client, "auditor").get("/audit/verify").get_data(as_text=True)
    assert "alert-danger" in page
    assert reason.format(k + offset) in page


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
FILTER = "Saring"
LOGOUT = "Keluar"


def _shown(page) -> list[int]:
    """The entries a page lists, newest first, by their sequence numbers."""
    assert page.status_int == 200
    return [int(item["data-seq"]) for item in page.html.select("li.audit-entry")]


def _filter(page, **values):
    """Open the page afresh, choose filters on its form as rendered and press its button."""
    page = page.test_app.get(page.request.url)
    response = fill(find_form(page, button=FILTER), **values).submit()
    assert response.status_int == 200
    return response


def _option(page, name: str, label: str) -> str:
    """The value of the option of select `name` whose label contains `label`."""
    [value] = [
        option["value"]
        for option in page.html.select(f"select[name={name}] option")
        if label in option.get_text()
    ]
    return value


def _every_page(page) -> list:
    """The page and the ones after it, following the pager's link."""
    pages = [page]
    while link := page.html.select_one("a.page-link[href*=after]"):
        page = page.goto(link["href"])
        pages.append(page)
    return pages


def _entry_items(page) -> dict[int, str]:
    """Each listed entry's text, by sequence number."""
    return {
        int(item["data-seq"]): " ".join(item.get_text(" ").split())
        for item in page.html.select("li.audit-entry")
    }


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_admins_and_auditors_browse_the_trail(app, role):
    web = signed_in(app, role)
    pid = _id(app, Partner, name=KALTENG)
    for url in AUDIT_PAGES:
        assert web.get(url.format(pid=pid)).status_int == 200, url
    history = _entries(
        app, 0, AuditEntry.object_type == "Partner", AuditEntry.object_id == str(pid)
    )
    assert history
    page = web.get(f"/audit/Partner/{pid}")
    assert _shown(page) == [e["seq"] for e in reversed(history)][: app.config["PAGE_SIZE"]]
    assert read(page).startswith(f"Riwayat: {KALTENG} Mitra")


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


def test_office_auditor_reads_only_its_offices_entries(app):
    web = signed_in(app, "auditor_office")
    bali = _id(app, Partner, name=KOTA_DENPASAR)
    kalteng = _id(app, Partner, name=KALTENG)
    kalimantan_office = _id(app, Office, name="Kantor Wilayah Kalimantan")

    assert _shown(web.get(f"/audit/Partner/{bali}"))
    assert web.get(f"/audit/Partner/{kalteng}", expect_errors=True).status_int == 404
    assert web.get(f"/audit/Office/{kalimantan_office}", expect_errors=True).status_int == 404
    admin_history = f"/audit/User/{_user_id(app, 'admin')}"
    assert web.get(admin_history, expect_errors=True).status_int == 404
    # no form offers an object id; an edited address finds nothing outside the scope either
    assert _shown(web.get(f"/audit?object_type=Partner&object_id={kalteng}")) == []
    # a Bali partner's signatory is filed under the partner's office, so it is in scope
    official = _id(app, Official, name="Ketut Sri Karyawati")  # Lurah Sesetan
    assert _shown(web.get(f"/audit/Official/{official}"))

    with app.app_context():
        office_ids = list(
            db.session.scalars(select(Office.id).where(Office.name.in_(BALI_OFFICES)))
        )
    visible = [e["seq"] for e in _entries(app, 0, AuditEntry.office_id.in_(office_ids))]
    trail = web.get("/audit")
    assert _shown(trail) == visible[::-1][: app.config["PAGE_SIZE"]]
    # the actor filter offers the Bali accounts and the national ones, not Kalimantan's
    actors = read(trail)
    assert EMAILS["staff"] in actors and EMAILS["admin"] in actors
    assert "kalimantan" not in actors.lower()

    exported = trail.click(description="JSON")
    exported = json.loads(exported.text)
    # an export is itself recorded under the auditor's office, so it shows in their own export
    *earlier, own_export = exported
    assert [r["seq"] for r in earlier] == visible
    assert (
        own_export["action"] == "audit_export"
        and own_export["actor_label"] == EMAILS["auditor_office"]
    )
    assert ("Partner", str(kalteng)) not in {(r["object_type"], r["object_id"]) for r in exported}
    rows = list(csv.DictReader(io.StringIO(trail.click(description="CSV").text)))
    assert [int(r["seq"]) for r in rows][: len(visible)] == visible
    assert [r["action"] for r in rows[len(visible) :]] == ["audit_export", "audit_export"]

    # the national auditor does see it
    national = signed_in(app, "auditor")
    assert _shown(national.get(f"/audit/Partner/{kalteng}"))


def test_filters_are_choices_that_narrow_the_list(app):
    staff = signed_in(app, "staff")
    pid = _id(app, Partner, name="Desa Dangin Puri Kangin")
    press(staff.get(f"/partners/{pid}"), "Hapus")
    size = app.config["PAGE_SIZE"]

    def newest(*conditions) -> list[int]:
        return [e["seq"] for e in reversed(_entries(app, 0, *conditions))][:size]

    by_staff = newest(AuditEntry.actor_label == EMAILS["staff"])
    [login_seq] = newest(AuditEntry.actor_label == EMAILS["staff"], AuditEntry.action == "login")
    [delete_seq] = newest(AuditEntry.actor_label == EMAILS["staff"], AuditEntry.action == "delete")
    assert by_staff == [delete_seq, login_seq]

    web = signed_in(app, "admin")
    trail = web.get("/audit")
    everything = _shown(trail)
    assert everything == newest()
    staff_id = _option(trail, "actor", EMAILS["staff"])
    assert set(everything) - set(by_staff)  # the filters below have something to remove
    assert _shown(_filter(trail, actor=staff_id)) == by_staff
    assert _shown(_filter(trail, actor=staff_id, object_type="Partner")) == [delete_seq]
    assert _shown(_filter(trail, actor=staff_id, quiet=True)) == [delete_seq]
    # the choices are labelled in Indonesian, valued by what the trail stores
    assert _option(trail, "action", "dihapus") == "delete"
    assert _option(trail, "object_type", "Mitra") == "Partner"
    deletes = _filter(trail, action="delete")
    assert delete_seq in _shown(deletes)
    assert _shown(deletes) == newest(AuditEntry.action == "delete")
    users = _shown(_filter(trail, object_type="User"))
    assert users == newest(AuditEntry.object_type == "User")
    assert len(users) == size  # a full page, every row of it a User entry
    logins = _filter(trail, action="login")
    assert _shown(logins) == newest(AuditEntry.action == "login")
    # the next page keeps the filters
    second = _filter(trail, object_type="User").click(description="Halaman berikutnya")
    every_user_entry = [e["seq"] for e in _entries(app, 0, AuditEntry.object_type == "User")]
    assert _shown(second) == every_user_entry[::-1][size : 2 * size]


def test_day_filters_follow_the_offices_timezone(app, monkeypatch):
    # 17:30 UTC on 1 March is 01:30 on 2 March in Bali (WITA, UTC+8), where the trail is read
    moment = datetime(2024, 3, 1, 17, 30, tzinfo=UTC)
    monkeypatch.setattr(audit, "utcnow", lambda: moment)
    with app.app_context(), acting_as("cli:test"):
        orgs.soft_delete(db.session.scalar(select(Partner).filter_by(name="Desa Ubung Kaja")))
        db.session.commit()
    monkeypatch.undo()
    [entry] = _entries(app, 0, AuditEntry.actor_label == "cli:test")
    assert entry["occurred_at"] == moment

    trail = signed_in(app, "admin").get("/audit")
    assert _shown(_filter(trail, **{"from": "2024-03-02", "until": "2024-03-02"})) == [entry["seq"]]
    assert _shown(_filter(trail, **{"from": "2024-03-01", "until": "2024-03-01"})) == []
    assert _shown(_filter(trail, until="2024-03-01")) == []
    # an impossible date typed into the address is ignored, not a 500
    assert _shown(signed_in(app, "admin").get("/audit?from=99999-01-01"))


# ---- 7. reading ---------------------------------------------------------------------------


def test_entries_read_in_indonesian_or_english_with_names_and_words(app):
    mou = _id(app, Agreement, title=DENPASAR_MOU)
    web = signed_in(app, "auditor")
    page = web.get(f"/audit/Agreement/{mou}")
    assert read(page).startswith(f"Riwayat: {DENPASAR_MOU} Perjanjian")
    shown = " ".join(read(each) for each in _every_page(page))
    assert "Status: Disetujui → Menunggu tanda tangan" in shown
    assert f"Pihak perjanjian: PIHAK KESATU (Kantor Cabang Bali Denpasar) pada {DENPASAR_MOU}" in (
        shown
    )
    assert f"Pihak perjanjian: PIHAK KEDUA (Pemerintah Kota Denpasar) pada {DENPASAR_MOU}" in shown
    assert "diubah" in shown and "dibuat" in shown
    assert "Disetujui oleh: — → Mohamad Irfan" in shown  # an id, named
    for internal in ("lock_version", "updated_at", "AgreementParty", "approved_by_id", "{"):
        assert internal not in shown
    # the agreement's name links to its page
    assert page.html.find("a", string=DENPASAR_MOU)["href"] == f"/agreements/{mou}"

    english = press(page, "English")
    assert english.request.path == f"/audit/Agreement/{mou}"
    assert read(english).startswith(f"History: {DENPASAR_MOU} Agreement")
    shown = " ".join(read(each) for each in _every_page(english))
    assert "Status: Approved → Awaiting signature" in shown
    assert f"Agreement party: PIHAK KEDUA (Pemerintah Kota Denpasar) on {DENPASAR_MOU}" in shown
    assert "changed" in shown and "Approved by: — → Mohamad Irfan" in shown
    assert _option(english, "action", "removed") == "remove"


def test_times_and_time_values_are_shown_in_office_time(app, monkeypatch):
    """20:00 UTC on 1 March is 04:00 on 2 March in WITA: the page says 2 March."""
    evening = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)
    mou = _id(app, Agreement, title=DENPASAR_MOU)
    monkeypatch.setattr(audit, "utcnow", lambda: evening)
    with app.app_context(), acting_as("cli:test-time"):
        db.session.get(Agreement, mou).approved_at = evening
        db.session.commit()
    monkeypatch.undo()
    [entry] = _entries(app, 0, AuditEntry.actor_label == "cli:test-time")
    assert entry["after"]["approved_at"] == "2024-03-01T20:00:00.000000Z"

    page = signed_in(app, "auditor").get(f"/audit/Agreement/{mou}")
    item = _entry_items(page)[entry["seq"]]
    assert item.startswith(f"#{entry['seq']} 2 Mar 2024 04.00.00 Sistem (test-time) diubah")
    assert "Disetujui pada: " in item and "→ 2 Mar 2024 04.00.00" in item
    assert "1 Mar 2024" not in item and "20:00" not in item and "Z" not in item.split(":")[-1]
    assert "Waktu Indonesia Tengah" in read(page)


def test_technical_fields_are_hidden_until_asked_for(app):
    mou = _id(app, Agreement, title=DENPASAR_MOU)
    page = signed_in(app, "auditor").get(f"/audit/Agreement/{mou}")
    # the history runs over pages (the commitments recorded under the MoU come first)
    items = {seq: item for each in _every_page(page) for seq, item in _entry_items(each).items()}
    [status_change] = [seq for seq, item in items.items() if "Status: Disetujui →" in item]
    quiet = items[status_change]
    assert "Penghitung penyuntingan" not in quiet and "Diperbarui pada" not in quiet
    assert "2 kolom teknis disembunyikan" in quiet

    detailed = _filter(page, details=True)
    loud = {s: i for each in _every_page(detailed) for s, i in _entry_items(each).items()}[
        status_change
    ]
    assert "Penghitung penyuntingan:" in loud
    assert "Diperbarui pada:" in loud
    assert "disembunyikan" not in loud
    # the choice is kept on the form and on the pager's links
    assert find_form(detailed, button=FILTER)["details"].checked


def test_sign_ins_are_recorded_as_such_and_can_be_left_out(app):
    head = _head(app)
    staff = signed_in(app, "staff")
    press(staff.get("/"), LOGOUT)
    login, logout = _entries(app, head)
    assert (login["action"], logout["action"]) == ("login", "logout")
    assert login["actor_label"] == logout["actor_label"] == EMAILS["staff"]

    web = signed_in(app, "admin")
    trail = web.get("/audit")
    items = _entry_items(trail)
    assert "Ni Made Ayu Lestari masuk Pengguna: Ni Made Ayu Lestari" in items[login["seq"]]
    assert "Ni Made Ayu Lestari keluar Pengguna: Ni Made Ayu Lestari" in items[logout["seq"]]
    quiet = _shown(_filter(trail, quiet=True))
    assert (
        quiet
        == [
            e["seq"]
            for e in reversed(_entries(app))
            if e["action"] not in ("login", "logout", "login_failed")
        ][: app.config["PAGE_SIZE"]]
    )


def _agreement_children(app, agreement_id: int) -> list[dict]:
    return [
        e
        for e in _entries(app)
        if (e["object_type"], e["object_id"]) == ("Agreement", str(agreement_id))
        or (e["after"] or e["before"] or {}).get("agreement_id") == agreement_id
        or (
            e["object_type"] == "IssuedNumber"
            and (e["after"] or {}).get("subject_id") == agreement_id
        )
    ]


def test_an_agreements_history_includes_its_parts(app):
    from webtest import Upload

    from tests.test_attachments import PDF

    renewal = _id(app, Agreement, title=SESETAN_RENEWAL)
    staff = signed_in(app, "staff")
    show = staff.get(f"/agreements/{renewal}")
    response = submit(
        show,
        action=f"/agreements/{renewal}/attachments",
        upload=("file", Upload("pindaian.pdf", PDF, "application/pdf")),
    )
    assert response.status_int == 302

    expected = _agreement_children(app, renewal)
    kinds = {e["object_type"] for e in expected}
    assert kinds >= {"Agreement", "AgreementParty", "AgreementVersion", "IssuedNumber"}
    assert "Attachment" in kinds

    web = signed_in(app, "auditor")
    page = web.get(f"/agreements/{renewal}").click(description="Riwayat")
    assert page.request.path == f"/audit/Agreement/{renewal}"
    seen = [seq for each in _every_page(page) for seq in _shown(each)]
    assert seen == [e["seq"] for e in reversed(expected)]

    first = read(web.get(f"/audit/Agreement/{renewal}"))
    assert f"Lampiran: pindaian.pdf pada {SESETAN_RENEWAL}" in first


def test_an_agreements_history_includes_comments_and_removed_parties(app):
    review = _id(app, Agreement, title=RENEWAL_IN_REVIEW)
    expected = _agreement_children(app, review)
    assert "Comment" in {e["object_type"] for e in expected}
    web = signed_in(app, "admin")
    page = _filter(web.get(f"/audit/Agreement/{review}"), action="insert")
    everything = [item for each in _every_page(page) for item in _entry_items(each).values()]
    comments = [item for item in everything if "Komentar: Komentar pada Pasal" in item]
    assert comments and all(RENEWAL_IN_REVIEW in c for c in comments)


def test_an_office_auditor_sees_only_its_offices_part_of_an_agreements_history(app):
    mou = _id(app, Agreement, title=DENPASAR_MOU)
    kalimantan = _id(app, Office, name="Kantor Wilayah Kalimantan")
    # an entry about the agreement filed under another office (a number issued elsewhere)
    with app.app_context(), acting_as("cli:test-scope"):
        audit.record_event(
            "insert",
            "IssuedNumber",
            "999999",
            {"subject_type": "Agreement", "subject_id": mou, "text": "999/LAIN/2026"},
            office_id=kalimantan,
        )
        db.session.commit()
    [foreign] = _entries(app, 0, AuditEntry.actor_label == "cli:test-scope")

    national = signed_in(app, "auditor").get(f"/audit/Agreement/{mou}")
    assert _shown(national)[0] == foreign["seq"]
    office = signed_in(app, "auditor_office").get(f"/audit/Agreement/{mou}")
    assert foreign["seq"] not in _shown(office)
    assert _shown(office)  # the Bali office's own entries are there

    kalteng = _id(app, Agreement, title=KALTENG_PKS)
    assert (
        signed_in(app, "auditor_office")
        .get(f"/audit/Agreement/{kalteng}", expect_errors=True)
        .status_int
        == 404
    )


@pytest.mark.app_config(PAGE_SIZE=50)
def test_the_page_costs_a_bounded_number_of_queries(app):
    web = signed_in(app, "auditor")
    with counted_statements(app) as statements:
        page = web.get("/audit?details=1")
        mou = _id(app, Agreement, title=DENPASAR_MOU)
        statements.clear()
        page = web.get("/audit?details=1")
        on_trail = len(statements)
        statements.clear()
        history = web.get(f"/audit/Agreement/{mou}")
        on_history = len(statements)
    assert len(_shown(page)) == 50
    assert len(_shown(history)) > 5
    # the signed-in user, the page, the actor choices (or the object's newest entry), and one
    # query per kind of named row (users, agreements, commitments, offices, partners,
    # officials, regions, events, follow-ups): the same for 50 entries as for 5
    assert on_trail <= 13, statements
    assert on_history <= 13, statements


# ---- 8. export --------------------------------------------------------------------------


def test_json_export_matches_the_database_and_is_itself_recorded(app):
    web = signed_in(app, "admin")
    web.extra_environ["REMOTE_ADDR"] = IP
    head = _head(app)
    response = web.get("/audit").click(description="JSON")
    assert response.status_int == 200
    assert response.content_type == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    exported = json.loads(response.text)

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


def test_csv_export_honours_the_filters_chosen_on_the_page(app):
    web = signed_in(app, "auditor")
    web.extra_environ["REMOTE_ADDR"] = IP
    head = _head(app)
    page = _filter(web.get("/audit"), object_type="Official")
    response = page.click(description="CSV")
    assert response.status_int == 200
    assert response.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))

    officials = _entries(app, 0, AuditEntry.object_type == "Official")
    assert len(officials) >= 8  # one per seeded official at least
    assert [int(r["seq"]) for r in rows] == [e["seq"] for e in officials]
    for row, entry in zip(rows, officials, strict=True):
        assert (row["hash"], row["prev_hash"]) == (entry["hash"], entry["prev_hash"])
        assert row["occurred_at"] == audit.canonical_time(entry["occurred_at"])
        assert json.loads(row["before"]) == entry["before"]
        assert json.loads(row["after"]) == entry["after"]
        # readable columns beside the raw ones: office time, words
        local = entry["occurred_at"].astimezone(WITA)
        assert row["occurred_at_local"] == local.strftime("%Y-%m-%d %H:%M:%S +08:00")
        words = {"insert": "dibuat", "update": "diubah", "delete": "dihapus"}
        assert (row["action_label"], row["object_type_label"]) == (
            words[entry["action"]],
            "Pejabat",
        )

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
