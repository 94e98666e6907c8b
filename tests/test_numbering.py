"""Register numbers: patterns render and validate, the pattern in force is chosen by office, kind
and year, every number carries its office's code and is unique across the whole system, and
numbers are gap-free and unique even when several processes issue them at once. Forms are
submitted as their pages render them (tests/web.py)."""

import multiprocessing
from datetime import date

import pytest
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from partnerships.agreements.models import Agreement
from partnerships.audit.models import AuditEntry
from partnerships.core.formatting import office_today
from partnerships.extensions import db
from partnerships.numbering import services
from partnerships.numbering.models import IssuedNumber, NumberCounter, NumberPattern
from partnerships.organisations.models import Office
from tests.conftest import make_app, post
from tests.web import find_form, flashes, follow, press, signed_in, submit, text

DENPASAR = "Kantor Cabang Bali Denpasar"
GIANYAR = "Kantor Cabang Bali Gianyar"
KANWIL_BALI = "Kantor Wilayah Bali, Nusa Tenggara dan Papua"
FREE_YEAR = 2031  # the demo issues numbers in its stories' years and this year, never 2031


def office_id(name: str) -> int:
    return db.session.scalar(select(Office.id).where(Office.name == name))


def id_of(app, name: str) -> int:
    with app.app_context():
        return office_id(name)


def save_pattern(
    office: int, doc_type: str, pattern: str, *, year=None, unit="", classification=""
):
    """Save a numbering pattern through the service, as the admin page does."""
    return services.save_pattern(None, {
        "office_id": office, "doc_type": doc_type, "year": year, "pattern": pattern,
        "unit": unit, "classification": classification,
    })  # fmt: skip


def ui(app, message: str, **values) -> str:
    """`message` as the default (Indonesian) interface says it."""
    with app.test_request_context():
        return gettext(message, **values)


def pattern_error(app, pattern: str) -> str:
    """The message (in the default language, Indonesian) a pattern is refused with."""
    with app.test_request_context():
        with pytest.raises(services.PatternError) as caught:
            services.validate_pattern(pattern)
        return str(caught.value)


def field(page, name: str) -> dict:
    """What the page shows for the form field `name`: its value, whether it is marked invalid,
    and the error texts under it (see `_macros.field`)."""
    control = page.html.find(attrs={"name": name}, id=True)
    assert control is not None, f"no field {name!r} on the page"
    block = control.find_parent("div", class_="mb-3")
    errors = [" ".join(e.get_text(" ").split()) for e in block.select(".invalid-feedback")]
    value = control.get("value", "") if control.name == "input" else control.get_text()
    return {"value": value, "invalid": "is-invalid" in control.get("class", []), "errors": errors}


def invalid_fields(page) -> set[str]:
    return {c["name"] for c in page.html.select(".is-invalid[name]")}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# ---- rendering ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "seq", "on", "office", "unit", "classification", "expected"),
    [
        (
            services.DEFAULT_PATTERNS["mou"],
            1,
            date(2026, 11, 22),
            "DPS",
            "",
            "",
            "001/KB/DPS/XI/2026",
        ),
        (
            services.DEFAULT_PATTERNS["pks"],
            1,
            date(2026, 11, 22),
            "GNR",
            "",
            "",
            "001/PKS/GNR/XI/2026",
        ),
        (
            services.DEFAULT_PATTERNS["addendum"],
            12,
            date(2026, 4, 1),
            "DPS",
            "",
            "",
            "012/ADD/DPS/IV/2026",
        ),
        (
            services.DEFAULT_PATTERNS["pks"],
            1234,
            date(2026, 4, 1),
            "KW-BNP",
            "",
            "",
            "1234/PKS/KW-BNP/IV/2026",
        ),
        (
            services.DEFAULT_PATTERNS["letter"],
            1328,
            date(2020, 2, 14),
            "DPS",
            "",
            "",
            "B/1328/DPS/022020",
        ),
        ("B/{seq}/{mmyyyy}", 1328, date(2020, 2, 14), "DPS", "", "", "B/1328/022020"),
        (
            "{seq:04d}/{unit}/{month}/{year}",
            7,
            date(2027, 1, 3),
            "DPS",
            "KCDPS",
            "",
            "0007/KCDPS/01/2027",
        ),
        (
            "{seq:03d}/{classification}/{office}/{year}",
            7,
            date(2027, 1, 3),
            "GNR",
            "",
            "PKS",
            "007/PKS/GNR/2027",
        ),
        ("{seq:02d}-{month_roman}-{year}", 3, date(2025, 9, 30), "DPS", "", "", "03-IX-2025"),
        ("{{{seq}}}/{year}", 5, date(2025, 12, 1), "DPS", "", "", "{5}/2025"),
    ],
)
def test_render(pattern, seq, on, office, unit, classification, expected):
    rendered = services.render(
        pattern, seq=seq, on=on, office=office, unit=unit, classification=classification
    )
    assert rendered == expected


def test_month_roman_covers_every_month():
    romans = [
        services.render(
            "{month_roman}{seq}{year}", seq=1, on=date(2026, m, 1), office="X"
        ).removesuffix("12026")
        for m in range(1, 13)
    ]
    assert romans == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"]


def test_default_patterns_pass_validation_and_carry_the_office_code(app):
    with app.app_context():
        assert set(services.DEFAULT_PATTERNS) == set(services.SERIES)
        for pattern in services.DEFAULT_PATTERNS.values():
            services.validate_pattern(pattern)
            assert "{office}" in pattern
    # the BPJS Ketenagakerjaan letter number, B/<running number>/.../<MMYYYY>
    assert services.DEFAULT_PATTERNS["letter"].startswith("B/{seq}/")
    assert services.DEFAULT_PATTERNS["letter"].endswith("/{mmyyyy}")


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
        "{seq}/{office[0]}/{year}",
        "{seq}/{office.lower}/{year}",
        "{seq!r}/{year}",  # conversion
        "{seq}/{year:>10}",  # padding on something else
        "{seq}/{office:>10}/{year}",
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
        "B/{seq}/{office}/{mmyyyy}",
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


# ---- office codes -------------------------------------------------------------------------


def test_demo_offices_have_their_codes(app):
    with app.app_context():
        codes = dict(db.session.execute(select(Office.name, Office.code)).all())
    assert codes[DENPASAR] == "DPS"
    assert codes[GIANYAR] == "GNR"
    assert codes[KANWIL_BALI] == "KW-BNP"
    assert len(set(codes.values())) == len(codes)


BAD_CODE = "Use 2 to 12 capital letters or digits (a hyphen may join them), e.g. DPS."


def _new_office_page(web):
    return web.get("/offices").click(description="Kantor baru")


NEW_OFFICE = {
    "name": "Kantor Cabang Bali Tabanan",
    "kind": "branch",
    "region_code": "51.02",
    "served_codes": "51.02",
}


def test_admin_gives_a_new_office_its_code(app):
    web = signed_in(app, "admin")
    page = _new_office_page(web)
    assert field(page, "code")["value"] == ""
    shown = follow(submit(page, button="Simpan", code=" tbn ", **NEW_OFFICE))
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.name == NEW_OFFICE["name"]))
        assert office.code == "TBN"  # stored as capitals, without the stray spaces
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "Office", AuditEntry.object_id == str(office.id)
            )
        )
        assert entry.action == "insert" and entry.after["code"] == "TBN"
    assert "TBN" in text(shown)
    assert "TBN" in text(web.get("/offices"))


@pytest.mark.parametrize(
    ("typed", "message", "values"),
    [
        ("", "This field is required.", {}),
        ("dp s", BAD_CODE, {}),
        ("DPS/1", BAD_CODE, {}),
        ("-DPS", BAD_CODE, {}),
        ("D", BAD_CODE, {}),
        ("TABANANBARAT1", BAD_CODE, {}),
        ("KÄS", BAD_CODE, {}),
        ("gnr", "Another office already uses the code %(code)s.", {"code": "GNR"}),
    ],
)
def test_a_bad_office_code_is_refused_on_its_field_keeping_what_was_typed(
    app, typed, message, values
):
    web = signed_in(app, "admin")
    before = count(app, Office)
    page = submit(_new_office_page(web), button="Simpan", code=typed, **NEW_OFFICE)
    assert page.status_int == 200
    assert invalid_fields(page) == {"code"}
    shown = field(page, "code")
    assert shown["errors"] == [ui(app, message, **values)]
    assert shown["value"] == typed
    assert field(page, "name")["value"] == NEW_OFFICE["name"]  # the rest is kept too
    assert count(app, Office) == before


def test_admin_renames_an_office_code_and_it_stays_unique(app):
    web = signed_in(app, "admin")
    office = id_of(app, KANWIL_BALI)
    edit = web.get(f"/offices/{office}").click(href=f"/offices/{office}/edit")
    assert field(edit, "code")["value"] == "KW-BNP"
    refused = submit(edit, button="Simpan", code="DPS")
    assert refused.status_int == 200
    assert field(refused, "code")["errors"] == [
        ui(app, "Another office already uses the code %(code)s.", code="DPS")
    ]
    follow(submit(edit, button="Simpan", code="KWBALI"))
    with app.app_context():
        assert db.session.get(Office, office).code == "KWBALI"


def test_office_codes_are_unique_in_the_database(app):
    with app.app_context():
        db.session.get(Office, office_id(GIANYAR)).code = "DPS"
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# ---- admin pages --------------------------------------------------------------------------


def _new_pattern_page(web):
    return web.get("/numbering").click(description="Pola baru")


def test_admin_creates_a_pattern_with_an_audit_entry(app):
    office = id_of(app, DENPASAR)
    web = signed_in(app, "admin")
    page = _new_pattern_page(web)
    response = submit(
        page,
        button="Simpan",
        office_id=office,
        doc_type="pks",
        year=FREE_YEAR,
        pattern="{seq:04d}/{classification}/{office}/{year}",
        classification="PKS",
    )
    assert response.status_int == 302
    assert response.location.endswith("/numbering")
    listing = follow(response)
    assert ui(app, "Numbering pattern saved.") in flashes(listing)[0]
    assert "{seq:04d}/{classification}/{office}/{year}" in text(listing)
    with app.app_context():
        saved = db.session.scalar(select(NumberPattern).where(NumberPattern.office_id == office))
        assert (saved.doc_type, saved.year, saved.pattern, saved.unit, saved.classification) == (
            "pks",
            FREE_YEAR,
            "{seq:04d}/{classification}/{office}/{year}",
            "",
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


def test_the_form_previews_a_number_with_the_office_code(app):
    web = signed_in(app, "admin")
    page = submit(
        _new_pattern_page(web),
        button="Simpan",
        office_id=id_of(app, GIANYAR),
        doc_type="mou",
        pattern="{seq:03d}/KB/{office}/{year}",
        year="1999",  # out of range: the form comes back, with the example
    )
    assert page.status_int == 200
    assert invalid_fields(page) == {"year"}
    with app.app_context():
        year = office_today().year
    assert f"007/KB/GNR/{year}" in text(page)


def test_admin_edits_a_pattern_with_an_audit_entry(app):
    with app.app_context():
        office = office_id(DENPASAR)
        pattern_id = save_pattern(office, "letter", "B/{seq}/{office}/{mmyyyy}").id
        db.session.commit()
    web = signed_in(app, "admin")
    edit = web.get("/numbering").click(href=f"/numbering/{pattern_id}/edit")
    assert field(edit, "pattern")["value"] == "B/{seq}/{office}/{mmyyyy}"
    response = submit(edit, button="Simpan", pattern="B/{seq:04d}/{office}/{mmyyyy}")
    assert response.status_int == 302
    with app.app_context():
        assert db.session.get(NumberPattern, pattern_id).pattern == "B/{seq:04d}/{office}/{mmyyyy}"
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.object_type == "NumberPattern",
                AuditEntry.object_id == str(pattern_id),
                AuditEntry.action == "update",
            )
        )
        assert entry.before["pattern"] == "B/{seq}/{office}/{mmyyyy}"
        assert entry.after["pattern"] == "B/{seq:04d}/{office}/{mmyyyy}"


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
def test_invalid_pattern_is_shown_on_the_pattern_field(app, pattern):
    with app.app_context():
        last_seq = db.session.scalar(select(func.max(AuditEntry.seq)))
    message = pattern_error(app, pattern)
    web = signed_in(app, "admin")
    page = submit(
        _new_pattern_page(web),
        button="Simpan",
        office_id=id_of(app, DENPASAR),
        doc_type="pks",
        pattern=pattern,
    )
    assert page.status_int == 200
    assert invalid_fields(page) == {"pattern"}
    assert field(page, "pattern") == {"value": pattern, "invalid": True, "errors": [message]}
    assert count(app, NumberPattern) == 0
    with app.app_context():
        # the admin's login is audited; the refused pattern is not saved, so not audited
        assert not db.session.scalar(
            select(AuditEntry.seq).where(
                AuditEntry.seq > last_seq, AuditEntry.object_type == "NumberPattern"
            )
        )


def test_invalid_edit_keeps_the_old_pattern(app):
    with app.app_context():
        pattern_id = save_pattern(office_id(DENPASAR), "pks", "{seq}/{year}").id
        db.session.commit()
    web = signed_in(app, "admin")
    page = submit(
        web.get(f"/numbering/{pattern_id}/edit"), button="Simpan", pattern="{seq}/{year.real}"
    )
    assert page.status_int == 200
    assert field(page, "pattern")["invalid"]
    assert field(page, "pattern")["value"] == "{seq}/{year.real}"
    with app.app_context():
        assert db.session.get(NumberPattern, pattern_id).pattern == "{seq}/{year}"


def test_second_pattern_for_the_same_office_document_and_year_is_refused(app):
    office = id_of(app, DENPASAR)
    web = signed_in(app, "admin")
    first = submit(
        _new_pattern_page(web), button="Simpan", office_id=office, doc_type="mou",
        pattern="{seq}/A/{office}/{year}",
    )  # fmt: skip
    assert first.status_int == 302
    again = submit(
        _new_pattern_page(web), button="Simpan", office_id=office, doc_type="mou",
        pattern="{seq}/B/{office}/{year}",
    )  # fmt: skip
    assert again.status_int == 200
    assert field(again, "pattern")["errors"] == [
        ui(app, "This office already has a pattern for that document and year.")
    ]
    # the same office may have its own pattern for another kind of document
    other_kind = submit(
        _new_pattern_page(web), button="Simpan", office_id=office, doc_type="pks",
        pattern="{seq}/B/{office}/{year}",
    )  # fmt: skip
    assert other_kind.status_int == 302
    with app.app_context():
        assert sorted(db.session.scalars(select(NumberPattern.pattern))) == [
            "{seq}/A/{office}/{year}",
            "{seq}/B/{office}/{year}",
        ]


def test_a_pattern_giving_another_offices_issued_number_is_refused(app):
    """Gianyar has issued 001/SAMA/2031; a Denpasar pattern without the office code would issue
    the same text next, so it is refused on the pattern field, naming Gianyar."""
    with app.app_context():
        save_pattern(office_id(GIANYAR), "pks", "{seq:03d}/SAMA/{year}", year=FREE_YEAR)
        services.issue(office_id(GIANYAR), "pks", date(FREE_YEAR, 2, 1))
        db.session.commit()
    web = signed_in(app, "admin")
    page = submit(
        _new_pattern_page(web), button="Simpan", office_id=id_of(app, DENPASAR), doc_type="pks",
        year=FREE_YEAR, pattern="{seq:03d}/SAMA/{year}",
    )  # fmt: skip
    assert page.status_int == 200
    message = ui(
        app,
        "This pattern would issue %(number)s next, which %(office)s has already issued: "
        "include {office} or another distinguishing part.",
        number=f"001/SAMA/{FREE_YEAR}",
        office=GIANYAR,
    )
    assert field(page, "pattern")["errors"] == [message]
    assert field(page, "pattern")["value"] == "{seq:03d}/SAMA/{year}"
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).select_from(NumberPattern).where(
                NumberPattern.office_id == office_id(DENPASAR)
            )
        ) == 0  # fmt: skip


@pytest.mark.parametrize("role", ["staff", "manager", "auditor", "auditor_office", "partner"])
def test_only_admins_manage_patterns(app, as_role, role):
    """No page offers these forms to anyone else: the requests are forged by hand."""
    with app.app_context():
        office = office_id(DENPASAR)
        pattern_id = save_pattern(office, "pks", "{seq}/{year}").id
        db.session.commit()
    client = as_role(role)
    assert client.get("/numbering/new").status_code == 403
    assert client.get(f"/numbering/{pattern_id}/edit").status_code == 403
    forged = {"office_id": office, "doc_type": "pks", "year": "", "pattern": "{seq}/X/{year}"}
    assert post(client, "/numbering/new", forged).status_code == 403
    assert post(client, f"/numbering/{pattern_id}/edit", forged).status_code == 403
    with app.app_context():
        assert db.session.scalars(select(NumberPattern.pattern)).all() == ["{seq}/{year}"]


def test_a_forged_document_kind_is_refused(app):
    """The form offers only the four kinds; a tampered choice is refused, nothing saved."""
    web = signed_in(app, "admin")
    form = find_form(_new_pattern_page(web), button="Simpan")
    form["office_id"] = str(id_of(app, DENPASAR))
    form["pattern"] = "{seq}/{office}/{year}"
    form["doc_type"].force_value("agreement")
    page = form.submit(expect_errors=True)
    assert page.status_int == 200
    assert invalid_fields(page) == {"doc_type"}
    assert count(app, NumberPattern) == 0


# ---- the register on the numbering page ---------------------------------------------------


def _issued_rows(page) -> list[str]:
    return [" ".join(tr.get_text(" ").split()) for tr in page.html.select("#issued ~ div tbody tr")]


def test_the_issued_list_names_the_office_and_filters(app):
    with app.app_context():
        dps, gnr = office_id(DENPASAR), office_id(GIANYAR)
        day = date(FREE_YEAR, 3, 9)
        for _ in range(4):
            services.issue(dps, "pks", day)
        services.issue(gnr, "mou", day)
        services.issue(gnr, "letter", day)
        db.session.commit()
    web = signed_in(app, "staff")  # every internal role reads the register
    page = web.get("/numbering")
    rows = _issued_rows(page)
    assert len(rows) == 5  # a page at a time (PAGE_SIZE is 5 in the tests), newest first
    assert rows[0].startswith(f"B/1/GNR/03{FREE_YEAR} {GIANYAR} (GNR) Surat")
    assert rows[1].startswith(f"001/KB/GNR/III/{FREE_YEAR} {GIANYAR} (GNR) Perjanjian")
    assert rows[2].startswith(f"004/PKS/DPS/III/{FREE_YEAR} {DENPASAR} (DPS) Perjanjian")
    # the next page continues with older numbers
    more = _issued_rows(page.click(description="Halaman berikutnya"))
    assert more[0].startswith(f"001/PKS/DPS/III/{FREE_YEAR} {DENPASAR} (DPS)")
    assert not set(more) & set(rows)

    # the filter form as rendered: Gianyar's agreements only
    shown = _issued_rows(submit(page, button="Saring", office=str(gnr), series="agreement"))
    assert shown[0].startswith(f"001/KB/GNR/III/{FREE_YEAR}")
    assert all(f"{GIANYAR} (GNR) Perjanjian" in row for row in shown)
    assert len(shown) == 3  # and the demo's PKS and addendum of Gianyar
    # part of the number
    found = submit(web.get("/numbering"), button="Saring", q="PKS/DPS/III")
    assert len(_issued_rows(found)) == 4
    nothing = submit(web.get("/numbering"), button="Saring", q="TIDAK-ADA")
    assert _issued_rows(nothing) == []
    assert ui(app, "No number matches these filters.") in text(nothing)


# ---- which pattern, which counter ---------------------------------------------------------


def test_year_pattern_wins_offices_and_years_keep_their_own_sequences(app):
    with app.app_context():
        dps, gyr = office_id(DENPASAR), office_id(GIANYAR)
        save_pattern(dps, "pks", "PKS-{office}/{seq}/{mmyyyy}")
        save_pattern(dps, "pks", "{seq:04d}/{unit}/{year}", year=FREE_YEAR, unit="KCDPS")
        db.session.commit()
        day = date(FREE_YEAR, 3, 9)

        first = services.issue(dps, "pks", day)
        second = services.issue(dps, "pks", day)
        assert (first.seq, first.text) == (1, f"0001/KCDPS/{FREE_YEAR}")
        assert (second.seq, second.text) == (2, f"0002/KCDPS/{FREE_YEAR}")

        # another office: its own counter, and the default pattern (it has none of its own)
        other = services.issue(gyr, "pks", day)
        assert (other.seq, other.text) == (1, f"001/PKS/GNR/III/{FREE_YEAR}")

        # letters: a sequence of their own
        letter = services.issue(dps, "letter", day)
        assert (letter.seq, letter.text) == (1, f"B/1/DPS/03{FREE_YEAR}")

        # a new year restarts at 1, under the office default
        next_year = services.issue(dps, "pks", date(FREE_YEAR + 1, 1, 2))
        assert (next_year.seq, next_year.text) == (1, f"PKS-DPS/1/01{FREE_YEAR + 1}")
        third = services.issue(dps, "pks", date(FREE_YEAR, 12, 31))
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


def test_two_offices_in_the_same_month_issue_different_numbers_with_their_codes(app):
    with app.app_context():
        dps, gnr = office_id(DENPASAR), office_id(GIANYAR)
        day = date(FREE_YEAR, 11, 3)
        for kind in ("pks", "letter"):
            mine, theirs = services.issue(dps, kind, day), services.issue(gnr, kind, day)
            assert mine.seq == theirs.seq == 1
            assert mine.text != theirs.text
        db.session.commit()
        texts = db.session.scalars(
            select(IssuedNumber.text)
            .where(IssuedNumber.year == FREE_YEAR)
            .order_by(IssuedNumber.id)
        ).all()
    assert texts == [
        f"001/PKS/DPS/XI/{FREE_YEAR}",
        f"001/PKS/GNR/XI/{FREE_YEAR}",
        f"B/1/DPS/11{FREE_YEAR}",
        f"B/1/GNR/11{FREE_YEAR}",
    ]


def test_mou_pks_and_addendum_are_told_apart_and_share_the_agreement_sequence(app):
    with app.app_context():
        dps = office_id(DENPASAR)
        day = date(FREE_YEAR, 5, 20)
        numbers = [services.issue(dps, kind, day) for kind in ("mou", "pks", "addendum", "pks")]
        assert [n.text for n in numbers] == [
            f"001/KB/DPS/V/{FREE_YEAR}",
            f"002/PKS/DPS/V/{FREE_YEAR}",
            f"003/ADD/DPS/V/{FREE_YEAR}",
            f"004/PKS/DPS/V/{FREE_YEAR}",
        ]
        assert {n.doc_type for n in numbers} == {"agreement"}


def test_agreements_are_numbered_by_their_kind(app):
    """The demo took its stories through the real workflow: the MoU got a KB number, the PKS
    a PKS number, the renewal of a PKS a PKS number, the addendum its own."""
    with app.app_context():
        rows = db.session.execute(
            select(Agreement.kind, Agreement.title, IssuedNumber.text).join(
                IssuedNumber,
                (IssuedNumber.subject_type == "Agreement")
                & (IssuedNumber.subject_id == Agreement.id),
            )
        ).all()
        # the demo renews a PKS and an MoU: the PKS's renewal is the one numbered as a PKS
        renewal = db.session.scalar(
            select(Agreement).where(
                Agreement.kind == "renewal", Agreement.parent.has(Agreement.kind == "pks")
            )
        )
        assert renewal.numbered_as == "pks" and renewal.parent.kind == "pks"
    markers = {"mou": "/KB/", "pks": "/PKS/", "renewal": "/PKS/", "addendum": "/ADD/"}
    assert {kind for kind, _title, _text in rows} == set(markers)
    for kind, title, number in rows:
        assert markers[kind] in number, (title, number)


def test_an_issued_number_is_unique_across_offices_in_the_database(app):
    with app.app_context():
        dps, gnr = office_id(DENPASAR), office_id(GIANYAR)
        taken = services.issue(dps, "pks", date(FREE_YEAR, 1, 5))
        db.session.commit()
        db.session.add(
            IssuedNumber(
                office_id=gnr, doc_type="agreement", year=FREE_YEAR, seq=1, text=taken.text
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_issuing_a_number_another_office_holds_is_refused(app):
    """Both offices were given the same pattern without {office} before either issued: the
    second office's number is refused with a message naming the holder, and nothing (not even
    its counter) moves."""
    with app.test_request_context():
        dps, gnr = office_id(DENPASAR), office_id(GIANYAR)
        for office in (dps, gnr):
            save_pattern(office, "mou", "{seq:03d}/KB/{year}", year=FREE_YEAR)
        first = services.issue(dps, "mou", date(FREE_YEAR, 2, 2))
        db.session.commit()
        with pytest.raises(services.NumberingError) as refused:
            services.issue(gnr, "mou", date(FREE_YEAR, 2, 2))
        db.session.rollback()
        assert str(refused.value) == gettext(
            "Number %(number)s has already been issued by %(office)s: the numbering pattern "
            "must tell the offices apart, for example with {office}.",
            number=first.text,
            office=DENPASAR,
        )
        assert db.session.get(NumberCounter, (gnr, "agreement", FREE_YEAR)) is None
        assert db.session.scalars(
            select(IssuedNumber.text).where(IssuedNumber.year == FREE_YEAR)
        ).all() == [f"001/KB/{FREE_YEAR}"]


def test_sending_for_signature_with_a_clashing_number_says_why(app):
    """A Denpasar PKS pattern that gives the number the demo's Gianyar addendum already has
    (a pattern saved before that number was issued): pressing the button is refused with the
    reason, the agreement stays approved and has no number."""
    title = (
        "Perjanjian Kerja Sama Desa Sadar Jaminan Sosial Ketenagakerjaan Desa Dangin Puri Kangin"
    )
    with app.app_context():
        aid = db.session.scalar(select(Agreement.id).where(Agreement.title == title))
        holder = db.session.scalar(
            select(IssuedNumber).where(IssuedNumber.text.startswith("001/ADD/GNR/"))
        )
        clash, holder_office = holder.text, holder.office.name
        db.session.add(NumberPattern(
            office_id=office_id(DENPASAR), doc_type="pks", year=None,
            pattern="{seq:03d}/ADD/GNR/{month_roman}/{year}", unit="", classification="",
        ))  # fmt: skip
        db.session.commit()
    staff, manager = signed_in(app, "staff"), signed_in(app, "manager")
    url = f"/agreements/{aid}"
    press(staff.get(url), "Ajukan untuk ditinjau")
    press(manager.get(url), "Setujui")
    page = press(staff.get(url), "Kirim untuk ditandatangani")
    message = ui(
        app,
        "Number %(number)s has already been issued by %(office)s: the numbering pattern must "
        "tell the offices apart, for example with {office}.",
        number=clash,
        office=holder_office,
    )
    assert message in flashes(page)[0]
    with app.app_context():
        assert db.session.get(Agreement, aid).status == "approved"
        assert not db.session.scalar(
            select(IssuedNumber.id).where(
                IssuedNumber.subject_type == "Agreement", IssuedNumber.subject_id == aid
            )
        )


def test_subject_is_recorded(app):
    with app.app_context():
        dps = office_id(DENPASAR)
        number = services.issue(
            dps, "pks", date(FREE_YEAR, 1, 1), subject_type="Agreement", subject_id=42
        )
        db.session.commit()
        stored = db.session.get(IssuedNumber, number.id)
        assert (stored.subject_type, stored.subject_id, stored.year) == ("Agreement", 42, FREE_YEAR)


def test_rolled_back_number_leaves_no_gap(app):
    with app.app_context():
        dps = office_id(DENPASAR)
        day = date(FREE_YEAR, 6, 1)
        kept = services.issue(dps, "pks", day)
        db.session.commit()
        abandoned = services.issue(dps, "pks", day)
        assert abandoned.seq == kept.seq + 1
        db.session.rollback()
        again = services.issue(dps, "pks", day)
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
        number = services.issue(dps, "addendum", date(2016, 12, 1))
        assert number.seq == max(issued) + 1
        assert number.text == f"{max(issued) + 1:03d}/ADD/DPS/XII/2016"


# ---- several processes at once ------------------------------------------------------------

PROCESSES = 4
PER_PROCESS = 15


def _issue_many(uri: str, office: int, year: int, count: int, start, results) -> None:
    """Run in a spawned process: its own app and engine on the test's database. A number
    refused because another office holds it is reported, and its transaction rolled back."""
    app = make_app(uri)
    seqs: list[tuple[int, str]] = []
    refused = 0
    try:
        with app.test_request_context():
            try:
                start.wait(60)
                for i in range(count):
                    try:
                        number = services.issue(office, "pks", date(year, 1 + i % 12, 10))
                        seqs.append((number.seq, number.text))
                        db.session.commit()
                    except services.NumberingError:
                        db.session.rollback()
                        refused += 1
            finally:
                db.session.remove()
                db.engine.dispose()
        results.put(("ok", office, seqs, refused))
    except Exception as error:  # reported to the test rather than lost in the child
        results.put(("error", office, repr(error), 0))


def _run_workers(app, offices: list[int]) -> list[tuple]:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # Fresh processes (no fork of this one's connections or threads), forked from a server that
    # imported the app once: spawning each imported it again, most of the test's time.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    start = ctx.Event()
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_issue_many, args=(uri, office, FREE_YEAR, PER_PROCESS, start, results))
        for office in offices
    ]
    for worker in workers:
        worker.start()
    start.set()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(30)
        assert worker.exitcode == 0
    results.close()
    results.join_thread()
    errors = [detail for status, _office, detail, _refused in outcomes if status != "ok"]
    assert errors == []
    return outcomes


def _release_connections(app) -> None:
    db.session.remove()
    db.engine.dispose()  # no connection of ours is held while the workers write


def test_gap_free_and_unique_from_several_processes(app):
    with app.app_context():
        dps = office_id(DENPASAR)
        already = db.session.scalar(
            select(func.count())
            .select_from(IssuedNumber)
            .where(IssuedNumber.office_id == dps, IssuedNumber.year == FREE_YEAR)
        )
        _release_connections(app)
    assert already == 0

    outcomes = _run_workers(app, [dps] * PROCESSES)
    seen = [item for _status, _office, items, _refused in outcomes for item in items]
    total = PROCESSES * PER_PROCESS
    assert len(seen) == total
    assert sorted(seq for seq, _text in seen) == list(range(1, total + 1))
    # each worker saw its own numbers rising, in the order it committed them
    for _status, _office, items, refused in outcomes:
        assert [s for s, _t in items] == sorted(s for s, _t in items)
        assert refused == 0

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
        assert all(r.text.split("/")[1:3] == ["PKS", "DPS"] for r in rows)
        assert sorted(rows) == sorted(seen)
        counter = db.session.get(NumberCounter, (dps, "agreement", FREE_YEAR))
        assert counter.last_value == total


def test_the_register_stays_unique_when_offices_race_for_the_same_text(app):
    """Two offices whose patterns leave out {office} race from several processes: each text
    is issued once. The second office's numbers are all refused (by the check, or on
    PostgreSQL by the unique constraint once the first office commits), and the first
    office's numbers stay gap-free."""
    with app.app_context():
        dps, gnr = office_id(DENPASAR), office_id(GIANYAR)
        for office in (dps, gnr):
            db.session.add(NumberPattern(
                office_id=office, doc_type="pks", year=FREE_YEAR,
                pattern="{seq:03d}/SAMA/{year}", unit="", classification="",
            ))  # fmt: skip
        db.session.commit()
        _release_connections(app)

    outcomes = _run_workers(app, [dps, gnr, dps, gnr])
    with app.app_context():
        rows = db.session.execute(
            select(IssuedNumber.office_id, IssuedNumber.seq, IssuedNumber.text).where(
                IssuedNumber.year == FREE_YEAR
            )
        ).all()
    texts = [r.text for r in rows]
    assert len(texts) == len(set(texts))
    issued = sum(len(items) for _s, _o, items, _r in outcomes)
    refused = sum(r for _s, _o, _items, r in outcomes)
    assert issued == len(rows) and issued + refused == 4 * PER_PROCESS
    # whoever issued first holds 001; the other office can never issue a text already held
    by_office: dict[int, list[int]] = {}
    for row in rows:
        by_office.setdefault(row.office_id, []).append(row.seq)
    for seqs in by_office.values():
        assert sorted(seqs) == list(range(1, len(seqs) + 1))
    assert refused >= 2 * PER_PROCESS - 1
