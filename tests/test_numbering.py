"""Register numbers: patterns render and validate, the pattern in force is chosen by office and
year, and numbers are gap-free and unique even when several processes issue them at once."""

import html
import multiprocessing
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from partnerships.audit.models import AuditEntry
from partnerships.extensions import db
from partnerships.numbering import services
from partnerships.numbering.models import IssuedNumber, NumberCounter, NumberPattern
from partnerships.organisations.models import Office
from tests.conftest import make_app, post

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
FREE_YEAR = 2031  # the demo issues numbers in its stories' years and this year, never 2031


def office_id(name: str) -> int:
    return db.session.scalar(select(Office.id).where(Office.name == name))


def save_pattern(
    office: int, doc_type: str, pattern: str, *, year=None, unit="", classification=""
):
    """Save a numbering pattern through the service, as the admin page does."""
    return services.save_pattern(None, {
        "office_id": office, "doc_type": doc_type, "year": year, "pattern": pattern,
        "unit": unit, "classification": classification,
    })  # fmt: skip


def pattern_error(app, pattern: str) -> str:
    """The message (in the default language, Indonesian) a pattern is refused with."""
    with app.test_request_context():
        with pytest.raises(services.PatternError) as caught:
            services.validate_pattern(pattern)
        return str(caught.value)


# ---- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "seq", "on", "unit", "classification", "expected"),
    [
        (
            services.DEFAULT_PATTERNS["agreement"],
            1,
            date(2026, 11, 22),
            "KC",
            "PKS",
            "001/PKS/KC/XI/2026",
        ),
        (
            services.DEFAULT_PATTERNS["agreement"],
            1234,
            date(2026, 4, 1),
            "KC",
            "PKS",
            "1234/PKS/KC/IV/2026",
        ),
        ("B/{seq}/{mmyyyy}", 1328, date(2020, 2, 14), "", "", "B/1328/022020"),
        ("{seq:04d}/{unit}/{month}/{year}", 7, date(2027, 1, 3), "KCDPS", "", "0007/KCDPS/01/2027"),
        ("{seq:02d}-{month_roman}-{year}", 3, date(2025, 9, 30), "", "", "03-IX-2025"),
        ("{{{seq}}}/{year}", 5, date(2025, 12, 1), "", "", "{5}/2025"),
    ],
)
def test_render(pattern, seq, on, unit, classification, expected):
    rendered = services.render(pattern, seq=seq, on=on, unit=unit, classification=classification)
    assert rendered == expected


def test_month_roman_covers_every_month():
    romans = [
        services.render(
            "{month_roman}{seq}{year}", seq=1, on=date(2026, m, 1), unit="", classification=""
        ).removesuffix("12026")
        for m in range(1, 13)
    ]
    assert romans == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def test_default_patterns_pass_validation(app):
    with app.app_context():
        for pattern in services.DEFAULT_PATTERNS.values():
            services.validate_pattern(pattern)


# ---- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "{seq}/{nomor}/{year}",  # unknown placeholder
        "{seq}/{}/{year}",  # positional
        "{0}/{seq}/{year}",
        "{seq.__class__}/{year}",  # attribute access
        "{seq}/{year.__class__.__mro__}",
        "{seq}/{year[0]}",  # index access
        "{seq}/{unit[0]}/{year}",
        "{seq!r}/{year}",  # conversion
        "{seq}/{year:>10}",  # padding on something else
        "{seq:{year}}/{year}",  # nested spec
        "{seq:x}/{year}",
        "{seq:099999999d}/{year}",
        "{unit}/{year}",  # no running number
        "{seq}/{unit}/{month_roman}",  # no year
        "{seq}/{month}",
        "{seq/{year}",  # unbalanced braces
        "{seq}}/{year}",
        "{seq}/{year",
        "}{seq}/{year}",
        "",
    ],
)
def test_validation_refuses_with_a_message(app, pattern):
    message = pattern_error(app, pattern)
    assert message.strip()


@pytest.mark.parametrize(
    "pattern",
    [
        "{seq}/{year}",
        "B/{seq}/{mmyyyy}",
        "{seq:05d}.{classification}/{unit}/{month}/{year}",
        "{{x}}-{seq}-{year}",
    ],
)
def test_validation_accepts(app, pattern):
    with app.test_request_context():
        services.validate_pattern(pattern)


def test_a_pattern_whose_numbers_cannot_be_stored_is_refused(app):
    """An issued number has room for 120 characters; a pattern that renders longer would only
    fail later, when a number is issued for an agreement being sent for signature."""
    long_unit = "U" * 60
    with app.test_request_context():
        with pytest.raises(services.PatternError):
            save_pattern(
                office_id(DENPASAR),
                "letter",
                "{seq:05d}/" + "X" * 70 + "/{unit}/{mmyyyy}",
                unit=long_unit,
            )
        db.session.rollback()


# ---- admin pages --------------------------------------------------------------------------


def _form(
    office: int, pattern: str, *, year="", doc_type="agreement", unit="KC", classification="PKS"
) -> dict:
    return {
        "office_id": str(office),
        "doc_type": doc_type,
        "year": str(year),
        "pattern": pattern,
        "unit": unit,
        "classification": classification,
    }


def test_admin_creates_a_pattern_with_an_audit_entry(app, as_role):
    client = as_role("admin")
    with app.app_context():
        office = office_id(DENPASAR)
    assert client.get("/numbering/new").status_code == 200
    response = post(
        client,
        "/numbering/new",
        _form(office, "{seq:04d}/{classification}/{unit}/{year}", year=FREE_YEAR),
        form_url="/numbering/new",
    )
    assert response.status_code == 302
    assert response.location.endswith("/numbering")
    with app.app_context():
        saved = db.session.scalar(select(NumberPattern).where(NumberPattern.office_id == office))
        assert (saved.doc_type, saved.year, saved.pattern, saved.unit, saved.classification) == (
            "agreement",
            FREE_YEAR,
            "{seq:04d}/{classification}/{unit}/{year}",
            "KC",
            "PKS",
        )
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "NumberPattern", AuditEntry.object_id == str(saved.id)
            )
        )
        assert entry is not None and entry.action == "insert"
        assert entry.actor_label == "admin@kemitraan.test"
        assert entry.after["pattern"] == saved.pattern
    listing = client.get("/numbering").get_data(as_text=True)
    assert html.escape("{seq:04d}/{classification}/{unit}/{year}") in listing


def test_admin_edits_a_pattern_with_an_audit_entry(app, as_role):
    with app.app_context():
        office = office_id(DENPASAR)
        pattern = save_pattern(office, "letter", "B/{seq}/{mmyyyy}")
        db.session.commit()
        pattern_id = pattern.id
    client = as_role("admin")
    url = f"/numbering/{pattern_id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert html.escape("B/{seq}/{mmyyyy}") in page
    response = post(
        client,
        url,
        _form(office, "B/{seq:04d}/{mmyyyy}", doc_type="letter", unit="", classification=""),
        form_url=url,
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(NumberPattern, pattern_id).pattern == "B/{seq:04d}/{mmyyyy}"
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "NumberPattern",
                AuditEntry.object_id == str(pattern_id),
                AuditEntry.action == "update",
            )
        )
        assert entry.before["pattern"] == "B/{seq}/{mmyyyy}"
        assert entry.after["pattern"] == "B/{seq:04d}/{mmyyyy}"


def _pattern_field(page: str) -> str:
    """The pattern input and everything up to the next field's label."""
    match = re.search(r'<input[^>]*id="pattern"[^>]*>(.*?)<label', page, re.S)
    assert match, "no pattern field on the page"
    return match.group(0)


@pytest.mark.parametrize(
    "pattern",
    [
        "{seq.__class__}/{year}",
        "{seq}/{year[0]}",
        "{seq}/{nomor}/{year}",
        "{unit}/{year}",
        "{seq}/{unit}",
        "{seq/{year}",
    ],
)
def test_invalid_pattern_is_shown_on_the_pattern_field(app, as_role, pattern):
    with app.app_context():
        office = office_id(DENPASAR)
        last_seq = db.session.scalar(select(func.max(AuditEntry.seq)))
    message = pattern_error(app, pattern)
    client = as_role("admin")
    response = post(client, "/numbering/new", _form(office, pattern), form_url="/numbering/new")
    assert response.status_code == 200
    field = _pattern_field(response.get_data(as_text=True))
    assert "is-invalid" in field.split(">", 1)[0]
    assert "invalid-feedback" in field
    assert html.escape(message) in field
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(NumberPattern)) == 0
        # the admin's login is audited; the refused pattern is not saved, so not audited
        assert not db.session.scalar(
            select(AuditEntry.seq).where(
                AuditEntry.seq > last_seq, AuditEntry.object_type == "NumberPattern"
            )
        )


def test_invalid_edit_keeps_the_old_pattern(app, as_role):
    with app.app_context():
        office = office_id(DENPASAR)
        pattern = save_pattern(office, "agreement", "{seq}/{year}")
        db.session.commit()
        pattern_id = pattern.id
    client = as_role("admin")
    url = f"/numbering/{pattern_id}/edit"
    response = post(client, url, _form(office, "{seq}/{year.real}"), form_url=url)
    assert response.status_code == 200
    assert "is-invalid" in _pattern_field(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.get(NumberPattern, pattern_id).pattern == "{seq}/{year}"


def test_second_pattern_for_the_same_office_document_and_year_is_refused(app, as_role):
    with app.app_context():
        office = office_id(DENPASAR)
    client = as_role("admin")
    first = post(
        client, "/numbering/new", _form(office, "{seq}/A/{year}"), form_url="/numbering/new"
    )
    assert first.status_code == 302
    again = post(
        client, "/numbering/new", _form(office, "{seq}/B/{year}"), form_url="/numbering/new"
    )
    assert again.status_code == 200
    assert "is-invalid" in _pattern_field(again.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalars(select(NumberPattern.pattern)).all() == ["{seq}/A/{year}"]


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "auditor_office", "partner"])
def test_only_admins_manage_patterns(app, as_role, role):
    with app.app_context():
        office = office_id(DENPASAR)
        pattern = save_pattern(office, "agreement", "{seq}/{year}")
        db.session.commit()
        pattern_id = pattern.id
    client = as_role(role)
    assert client.get("/numbering/new").status_code == 403
    assert client.get(f"/numbering/{pattern_id}/edit").status_code == 403
    assert post(client, "/numbering/new", _form(office, "{seq}/X/{year}")).status_code == 403
    assert (
        post(client, f"/numbering/{pattern_id}/edit", _form(office, "{seq}/X/{year}")).status_code
        == 403
    )
    with app.app_context():
        assert db.session.scalars(select(NumberPattern.pattern)).all() == ["{seq}/{year}"]


# ---- which pattern, which counter ---------------------------------------------------------


def test_year_pattern_wins_offices_and_years_keep_their_own_sequences(app):
    with app.app_context():
        dps, gyr = office_id(DENPASAR), office_id(GIANYAR)
        save_pattern(dps, "agreement", "B/{seq}/{mmyyyy}")
        save_pattern(dps, "agreement", "{seq:04d}/{unit}/{year}", year=FREE_YEAR, unit="KCDPS")
        db.session.commit()
        day = date(FREE_YEAR, 3, 9)

        first = services.issue(dps, "agreement", day)
        second = services.issue(dps, "agreement", day)
        assert (first.seq, first.text) == (1, f"0001/KCDPS/{FREE_YEAR}")
        assert (second.seq, second.text) == (2, f"0002/KCDPS/{FREE_YEAR}")

        # another office: its own counter, and the built-in pattern (it has none of its own)
        other = services.issue(gyr, "agreement", day)
        assert (other.seq, other.text) == (1, f"001/PKS/KC/III/{FREE_YEAR}")

        # another kind of document: its own counter too
        letter = services.issue(dps, "letter", day)
        assert (letter.seq, letter.text) == (1, f"B/1/03{FREE_YEAR}")

        # a new year restarts at 1, under the office default
        next_year = services.issue(dps, "agreement", date(FREE_YEAR + 1, 1, 2))
        assert (next_year.seq, next_year.text) == (1, f"B/1/01{FREE_YEAR + 1}")
        third = services.issue(dps, "agreement", date(FREE_YEAR, 12, 31))
        assert third.seq == 3
        db.session.commit()

        counters = {
            (c.office_id, c.doc_type, c.year): c.last_value
            for c in db.session.scalars(
                select(NumberCounter).where(NumberCounter.year >= FREE_YEAR)
            )
        }
        assert counters == {
            (dps, "agreement", FREE_YEAR): 3,
            (gyr, "agreement", FREE_YEAR): 1,
            (dps, "letter", FREE_YEAR): 1,
            (dps, "agreement", FREE_YEAR + 1): 1,
        }


def test_subject_is_recorded(app):
    with app.app_context():
        dps = office_id(DENPASAR)
        number = services.issue(
            dps, "agreement", date(FREE_YEAR, 1, 1), subject_type="Agreement", subject_id=42
        )
        db.session.commit()
        stored = db.session.get(IssuedNumber, number.id)
        assert (stored.subject_type, stored.subject_id, stored.year) == ("Agreement", 42, FREE_YEAR)


def test_rolled_back_number_leaves_no_gap(app):
    with app.app_context():
        dps = office_id(DENPASAR)
        day = date(FREE_YEAR, 6, 1)
        kept = services.issue(dps, "agreement", day)
        db.session.commit()
        abandoned = services.issue(dps, "agreement", day)
        assert abandoned.seq == kept.seq + 1
        db.session.rollback()
        again = services.issue(dps, "agreement", day)
        db.session.commit()
        assert again.seq == kept.seq + 1
        assert again.text == abandoned.text
        seqs = db.session.scalars(
            select(IssuedNumber.seq).where(
                IssuedNumber.office_id == dps, IssuedNumber.year == FREE_YEAR
            )
        ).all()
        assert sorted(seqs) == [1, 2]


def test_existing_demo_counter_continues(app):
    """A year the demo already numbered in continues after the demo's last number."""
    with app.app_context():
        dps = office_id(DENPASAR)
        issued = db.session.scalars(
            select(IssuedNumber.seq).where(
                IssuedNumber.office_id == dps,
                IssuedNumber.doc_type == "agreement",
                IssuedNumber.year == 2016,
            )
        ).all()
        assert issued, "the demo numbers Denpasar's 2016 agreements"
        number = services.issue(dps, "agreement", date(2016, 12, 1))
        assert number.seq == max(issued) + 1


# ---- several processes at once ------------------------------------------------------------

PROCESSES = 4
PER_PROCESS = 15


def _issue_many(uri: str, office: int, year: int, count: int, start, results) -> None:
    """Run in a spawned process: its own app and engine on the test's database."""
    app = make_app(uri)
    seqs: list[tuple[int, str]] = []
    try:
        with app.app_context():
            try:
                start.wait(60)
                for i in range(count):
                    number = services.issue(office, "agreement", date(year, 1 + i % 12, 10))
                    seqs.append((number.seq, number.text))
                    db.session.commit()
            finally:
                db.session.remove()
                db.engine.dispose()
        results.put(("ok", seqs))
    except Exception as error:  # reported to the test rather than lost in the child
        results.put(("error", repr(error)))


def test_gap_free_and_unique_from_several_processes(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        dps = office_id(DENPASAR)
        already = db.session.scalar(
            select(func.count())
            .select_from(IssuedNumber)
            .where(
                IssuedNumber.office_id == dps,
                IssuedNumber.doc_type == "agreement",
                IssuedNumber.year == FREE_YEAR,
            )
        )
        db.session.remove()
        db.engine.dispose()  # no connection of ours is held while the workers write
    assert already == 0

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_issue_many, args=(uri, dps, FREE_YEAR, PER_PROCESS, start, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    results.close()
    results.join_thread()

    errors = [detail for status, detail in outcomes if status != "ok"]
    assert errors == []
    seen = [item for _status, items in outcomes for item in items]
    total = PROCESSES * PER_PROCESS
    assert len(seen) == total
    assert sorted(seq for seq, _text in seen) == list(range(1, total + 1))
    # each worker saw its own numbers rising, in the order it committed them
    for _status, items in outcomes:
        assert [s for s, _t in items] == sorted(s for s, _t in items)

    with app.app_context():
        rows = db.session.execute(
            select(IssuedNumber.seq, IssuedNumber.text).where(
                IssuedNumber.office_id == dps,
                IssuedNumber.doc_type == "agreement",
                IssuedNumber.year == FREE_YEAR,
            )
        ).all()
        assert sorted(r.seq for r in rows) == list(range(1, total + 1))
        assert len({r.text for r in rows}) == total
        assert sorted(rows) == sorted(seen)
        counter = db.session.get(NumberCounter, (dps, "agreement", FREE_YEAR))
        assert counter.last_value == total
