"""Signed checkpoints of the audit chain's head: cutting the newest entries off, emptying the
trail, or rewriting the tail and hashing it again no longer verifies as intact, even for an
attacker with full database power; checkpoints not signed with the server's key are refused.
The checkpoint file (AUDIT_ANCHOR_FILE) is authoritative. Runs on SQLite and PostgreSQL."""

import json
import os
import stat
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, exc, insert, select, text, update

from config import Config, DevelopmentConfig, TestConfig
from partnerships import create_app
from partnerships.audit import anchors
from partnerships.audit import services as audit
from partnerships.audit.models import AuditCheckpoint, AuditEntry
from partnerships.audit.services import acting_as, entry_hash
from partnerships.extensions import db
from tests.test_expiry import smtp  # noqa: F401 - the fixture
from tests.web import signed_in

ENTRIES = AuditEntry.__table__
CHECKPOINTS = AuditCheckpoint.__table__
INTACT = "Rantai audit utuh: {} entri telah diverifikasi."
SIGNED = "Titik periksa ditandatangani: entri {}, {} entri, "
REFUSED = "Titik periksa tidak ditandatangani: jejak audit tidak lolos verifikasi."


# ---- helpers ----------------------------------------------------------------------------


def head(app) -> int:
    with app.app_context():
        return db.session.scalar(select(ENTRIES.c.seq).order_by(ENTRIES.c.seq.desc()).limit(1))


def add_entries(app, count: int) -> None:
    """Ordinary work goes on: the trail grows."""
    with app.app_context(), acting_as("test"):
        for i in range(count):
            audit.record_event("regions_import", "Region", None, {"run": i})
        db.session.commit()


def checkpoint(runner) -> str:
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result.output


def verify(runner, *, ok: bool) -> list[str]:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == (0 if ok else 1), result.output
    return result.output.splitlines()


def file_lines(app) -> list[dict]:
    path = app.config["AUDIT_ANCHOR_FILE"]
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def table_rows(app) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(select(CHECKPOINTS).order_by(CHECKPOINTS.c.id)).mappings()
        return [dict(r) for r in rows]


def page(app) -> str:
    return signed_in(app, "auditor").get("/audit/verify").text


@contextmanager
def as_attacker(app):
    """A database superuser's session: the append-only triggers do not fire (PostgreSQL: the
    replica role for this transaction; SQLite: the triggers dropped from this test's copy)."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            for table in ("audit_entries", "audit_checkpoints"):
                for event in ("update", "delete"):
                    db.session.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{event}"))
        yield
        db.session.commit()


def rehash_from(seq: int) -> None:
    """Recompute every hash from `seq` on, as a forger who knows the scheme would."""
    prev = db.session.scalar(select(ENTRIES.c.hash).where(ENTRIES.c.seq == seq - 1))
    rows = db.session.execute(select(ENTRIES).where(ENTRIES.c.seq >= seq).order_by(ENTRIES.c.seq))
    for row in [r._asdict() for r in rows]:
        row["prev_hash"] = prev
        prev = entry_hash(row)
        db.session.execute(
            update(ENTRIES)
            .where(ENTRIES.c.seq == row["seq"])
            .values(prev_hash=row["prev_hash"], hash=prev)
        )


def forged(seq: int, head_hash: str, count: int, key: bytes) -> anchors.Anchor:
    unsigned = anchors.Anchor(seq, head_hash, count, datetime.now(UTC), "")
    return anchors.Anchor(
        seq, head_hash, count, unsigned.signed_at, anchors.signature(unsigned, key)
    )


# ---- an untouched trail -----------------------------------------------------------------


def test_checkpoints_go_to_the_table_and_the_file_and_an_untouched_trail_matches_them(app, runner):
    first = head(app)
    assert checkpoint(runner).startswith(SIGNED.format(first, first))
    add_entries(app, 3)
    second = head(app)
    assert checkpoint(runner).startswith(SIGNED.format(second, second))
    add_entries(app, 2)  # entries after the last checkpoint are fine

    lines, rows = file_lines(app), table_rows(app)
    assert [(line["seq"], line["count"]) for line in lines] == [(first, first), (second, second)]
    assert [line["signature"] for line in lines] == [row["signature"] for row in rows]
    with app.app_context():
        heads = db.session.scalars(
            select(ENTRIES.c.hash).where(ENTRIES.c.seq.in_([first, second])).order_by(ENTRIES.c.seq)
        ).all()
    assert [line["head_hash"] for line in lines] == heads
    # The file is the server's alone.
    assert stat.S_IMODE(os.stat(app.config["AUDIT_ANCHOR_FILE"]).st_mode) == 0o600

    output = verify(runner, ok=True)
    assert output[0] == INTACT.format(head(app))
    assert output[1].startswith("Rantai cocok dengan titik periksa bertanda tangan terakhir, ")
    assert output[1].endswith(f"(entri {second}).")
    html = page(app)
    assert "alert-success" in html and f"(entri {second})." in html


@pytest.mark.usefixtures("smtp")  # the daily job mails its expiry notices through it
def test_the_daily_job_signs_a_checkpoint_after_its_work(app, runner):
    result = runner.invoke(args=["agreements", "daily"])
    assert result.exit_code == 0, result.output
    assert SIGNED.format(head(app), head(app)) in result.output
    assert [line["seq"] for line in file_lines(app)] == [head(app)]


def test_the_checkpoint_table_is_append_only(app, runner):
    checkpoint(runner)
    with app.app_context():
        with pytest.raises(exc.DBAPIError, match="append-only"):
            db.session.execute(update(CHECKPOINTS).values(seq=1))
        db.session.rollback()
        with pytest.raises(exc.DBAPIError, match="append-only"):
            db.session.execute(delete(CHECKPOINTS))
        db.session.rollback()
    assert len(table_rows(app)) == 1


# ---- what an attacker with the database can no longer hide ------------------------------


@pytest.mark.parametrize("grown_back", [False, True], ids=["cut", "cut-then-grown-back"])
def test_cutting_off_the_newest_entries_is_detected(app, runner, grown_back):
    signed = head(app)
    checkpoint(runner)
    kept = signed - 5
    with as_attacker(app):
        db.session.execute(delete(ENTRIES).where(ENTRIES.c.seq > kept))
    with app.app_context():
        assert audit.verify().broken_seq is None  # the chain alone still holds together
    if grown_back:  # the app writes on: new entries take the numbers of the removed ones
        add_entries(app, 8)
        expected = (
            f"Rantai telah ditulis ulang: entri {signed} tidak lagi memiliki hash yang "
            "ditandatangani dalam titik periksa "
        )
    else:
        expected = f"Entri {kept + 1} sampai {signed} hilang: titik periksa "
    [problem] = verify(runner, ok=False)
    assert problem.startswith(expected)
    if not grown_back:
        assert problem.endswith(
            f"ditandatangani atas {signed} entri, sedangkan jejak audit kini berakhir di "
            f"entri {kept}."
        )
    html = page(app)  # signing in to read it adds an entry: the trail now ends one further
    if not grown_back:
        expected = f"Entri {head(app) + 1} sampai {signed} hilang: titik periksa "
    assert "alert-danger" in html and expected in html

    # No new checkpoint blesses the damage, from the command nor from the daily job.
    refused = runner.invoke(args=["audit", "checkpoint"])
    assert refused.exit_code == 1 and REFUSED in refused.output
    daily = runner.invoke(args=["agreements", "daily", "--today", "2000-01-03"])
    assert daily.exit_code == 1 and REFUSED in daily.output
    assert len(file_lines(app)) == len(table_rows(app)) == 1


def test_emptying_the_trail_is_detected(app, runner):
    signed = head(app)
    checkpoint(runner)
    with as_attacker(app):
        db.session.execute(delete(ENTRIES))
    [problem] = verify(runner, ok=False)
    assert problem.startswith("Jejak audit kosong, padahal titik periksa ")
    assert problem.endswith(f" ditandatangani atas {signed} entri.")


def test_rewriting_and_rehashing_the_tail_is_detected_even_without_the_table_copy(app, runner):
    signed = head(app)
    checkpoint(runner)
    target = signed - 10
    with as_attacker(app):
        entry = db.session.execute(select(ENTRIES).where(ENTRIES.c.seq == target)).one()
        forged_after = {**(entry.after or {}), "name": "Pemalsuan"}
        db.session.execute(
            update(ENTRIES).where(ENTRIES.c.seq == target).values(after=forged_after)
        )
        rehash_from(target)
        db.session.execute(delete(CHECKPOINTS))  # and the table's copy of the checkpoint
    with app.app_context():
        assert audit.verify().broken_seq is None  # the chain alone verifies: only the anchor tells

    problems = verify(runner, ok=False)
    assert problems[0].startswith(
        f"Rantai telah ditulis ulang: entri {signed} tidak lagi memiliki hash yang "
        "ditandatangani dalam titik periksa "
    )
    assert problems[1].startswith("Titik periksa ")
    assert problems[1].endswith(
        f"(entri {signed}) di berkas titik periksa tidak ada di basis data."
    )
    assert len(problems) == 2


def test_a_checkpoint_signed_with_another_key_vouches_for_nothing(app, runner):
    signed = head(app)
    checkpoint(runner)
    kept = signed - 3
    with as_attacker(app):
        db.session.execute(delete(ENTRIES).where(ENTRIES.c.seq > kept))
        cut_head = db.session.scalar(select(ENTRIES.c.hash).where(ENTRIES.c.seq == kept))
        # a checkpoint of the cut trail, signed with a key of the attacker's
        anchor = forged(kept, cut_head, kept, b"attacker-key-0123456789abcdef0123456789")
        db.session.execute(
            insert(CHECKPOINTS).values(
                seq=anchor.seq,
                head_hash=anchor.head_hash,
                entry_count=anchor.count,
                signed_at=anchor.signed_at,
                signature=anchor.signature,
            )
        )
        forged_id = db.session.scalar(select(CHECKPOINTS.c.id).order_by(CHECKPOINTS.c.id.desc()))
    with open(app.config["AUDIT_ANCHOR_FILE"], "a", encoding="utf-8") as out:
        out.write(anchor.line())  # even where the file could be written to

    problems = verify(runner, ok=False)
    assert problems[0].startswith(f"Entri {kept + 1} sampai {signed} hilang: ")
    assert (
        "Baris 2 pada berkas titik periksa bukan titik periksa yang ditandatangani dengan "
        "kunci server ini."
    ) in problems
    assert (
        f"Titik periksa #{forged_id} di basis data tidak ditandatangani dengan kunci server ini."
    ) in problems
    assert len(problems) == 3


def test_a_server_with_another_key_rejects_the_checkpoints(app, runner):
    checkpoint(runner)
    other = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        AUDIT_ANCHOR_FILE=app.config["AUDIT_ANCHOR_FILE"],
        AUDIT_ANCHOR_KEY="another-server-key-0123456789abcdef",
    )
    with other.app_context():
        result = audit.verify()
        assert [f.kind for f in result.findings] == ["bad_line", "bad_row"]
        db.session.remove()
        db.engine.dispose()


def test_a_checkpoint_in_the_table_but_not_in_the_file_is_reported(app, runner):
    signed = head(app)
    checkpoint(runner)
    os.truncate(app.config["AUDIT_ANCHOR_FILE"], 0)  # an old copy of the file put back
    [problem] = verify(runner, ok=False)
    assert problem.startswith("Titik periksa #")
    assert f" di basis data (entri {signed}, " in problem
    assert problem.endswith(") tidak ada di berkas titik periksa.")


# ---- the key ----------------------------------------------------------------------------


def test_production_refuses_to_start_without_an_anchor_key(monkeypatch):
    monkeypatch.setattr(Config, "SECRET_KEY", "a-production-secret")
    monkeypatch.setattr(Config, "AUDIT_ANCHOR_KEY", None)
    with pytest.raises(RuntimeError, match="AUDIT_ANCHOR_KEY must be set"):
        create_app(Config)
    monkeypatch.setattr(Config, "AUDIT_ANCHOR_KEY", "too-short")
    with pytest.raises(RuntimeError, match="AUDIT_ANCHOR_KEY must be at least 32"):
        create_app(Config)


def test_development_keeps_a_generated_key_readable_by_its_owner_alone(monkeypatch, tmp_path):
    import partnerships

    monkeypatch.setattr(partnerships, "INSTANCE_DIR", tmp_path)
    monkeypatch.setattr(DevelopmentConfig, "SECRET_KEY", "dev-secret")
    monkeypatch.setattr(DevelopmentConfig, "AUDIT_ANCHOR_KEY", None)
    first = create_app(DevelopmentConfig).config["AUDIT_ANCHOR_KEY"]
    key_file = tmp_path / "audit-anchor-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key_file.read_text() == first and len(first) >= 32
    assert create_app(DevelopmentConfig).config["AUDIT_ANCHOR_KEY"] == first


def test_a_checkpoint_file_the_server_cannot_read_is_said_so_not_a_server_error(
    app, runner, tmp_path
):
    checkpoint(runner)
    app.config["AUDIT_ANCHOR_FILE"] = str(tmp_path)  # a folder: no process reads it as a file
    [problem] = verify(runner, ok=False)
    expected = f"Berkas titik periksa {tmp_path} tidak dapat dibaca, sehingga tidak diperiksa."
    assert problem == expected
    html = page(app)
    assert "alert-danger" in html and expected in html


def test_a_value_no_reader_can_parse_is_named_not_a_server_error(app, runner):
    """Found by the attack review: a garbled timestamp made /audit/verify answer 500."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            pytest.skip("PostgreSQL's column types refuse a garbled timestamp outright")
    with as_attacker(app):
        db.session.execute(text("UPDATE audit_entries SET occurred_at = 'garbage' WHERE seq = 5"))
    text_ = page(app)
    assert "Entri 5 berisi nilai yang tidak dapat dibaca" in text_
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "Entri 5 berisi nilai yang tidak dapat dibaca" in result.output
    assert "Traceback" not in result.output
