"""Internationalisation: Indonesian by default, English on request, and a complete catalog.

The catalog tests re-extract every message from the source with the project's babel.cfg, so a
new `_()` / `_l()` string, or a new `{{ _("...") }}` in a template, fails here until it has an
Indonesian translation in partnerships/translations/id and the .mo files are recompiled:

    .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext \\
        -o partnerships/translations/messages.pot .
    .venv/bin/pybabel update -i partnerships/translations/messages.pot -d partnerships/translations
    (translate the new entries in id/LC_MESSAGES/messages.po, leave en/ empty)
    .venv/bin/pybabel compile -d partnerships/translations
"""

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import render_template_string, session

from partnerships.core.formatting import long_date_id, rupiah_id, rupiah_words_id
from tests.web import browser, log_in, signed_in, submit, submit_tampered

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "partnerships" / "translations"
# %(name)s for gettext, and the {seq}-style tokens users type into numbering patterns.
PLACEHOLDER = re.compile(r"%\([^)]+\)[a-z]|%%|%[a-z]|\{[^{}]*\}")


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang> on the page"
    return match.group(1)


LABELS = {"en": "English", "id": "Bahasa Indonesia"}


def switch_language(web, lang: str, next_url: str = "/login"):
    """Press the switch in the navbar of `next_url`, as a person on that page would."""
    return submit(web.get(next_url), action="/language", button=LABELS[lang])


# --- the UI language ---------------------------------------------------------------------------


def test_login_page_is_indonesian_by_default(app):
    html = browser(app).get("/login").text
    assert '<html lang="id"' in html
    assert "<title>Masuk · Kemitraan</title>" in html
    assert ">Masuk</button>" in html
    assert ">Kata sandi</label>" in html  # lazy_gettext form labels are translated too
    assert ">Email</label>" in html
    assert "Log in" not in html
    assert "Password" not in html
    assert "Data wilayah: Kepmendagri" in html


def test_browser_language_does_not_override_the_indonesian_default(app):
    html = browser(app).get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).text
    assert html_lang(html) == "id"
    assert ">Masuk</button>" in html


def test_language_switch_to_english_and_back(app):
    web = browser(app)
    response = switch_language(web, "en")
    assert response.status_int == 302
    assert response.location == "/login"

    html = web.get("/login").text
    assert html_lang(html) == "en"
    assert "<title>Log in · Partnerships</title>" in html
    assert ">Password</label>" in html
    assert ">E-mail</label>" in html
    assert "Masuk" not in html
    # The switch offers the way back, labelled in the language it leads to.
    assert 'name="lang" value="id" lang="id">Bahasa Indonesia</button>' in html

    response = switch_language(web, "id")
    assert response.location == "/login"
    html = web.get("/login").text
    assert html_lang(html) == "id"
    assert ">Masuk</button>" in html
    assert 'name="lang" value="en" lang="en">English</button>' in html


def test_unknown_language_is_refused(app):
    web = browser(app)
    switch_language(web, "en")
    # The switch offers only the other language: "fr" needs a tampered request.
    page = web.get("/login")
    response = submit_tampered(page, action="/language", button="Bahasa Indonesia", lang="fr")
    assert response.status_int == 302
    assert html_lang(web.get("/login").text) == "en"


def test_language_choice_survives_login_and_covers_the_whole_ui(app):
    web = browser(app)
    assert log_in(web, "admin").status_int == 302
    html = web.get("/").text
    assert html_lang(html) == "id"
    for text in ("Beranda · Kemitraan", "Selamat datang,", "Mitra pemerintah", "Jejak audit"):
        assert text in html
    assert "Audit trail" not in html

    switch_language(web, "en", next_url="/")
    html = web.get("/").text
    assert html_lang(html) == "en"
    for text in ("Home · Partnerships", "Welcome,", "Government partners", "Audit trail"):
        assert text in html
    assert "Jejak audit" not in html


def test_region_kinds_follow_the_language(app):
    web = signed_in(app, "admin")
    html = web.get("/regions/51").text  # Bali: regencies and Denpasar
    assert "<td>Kabupaten</td>" in html
    assert "<td>Kota</td>" in html
    response = switch_language(web, "en", next_url="/regions/51")
    assert response.location == "/regions/51"  # back on the page where it was pressed
    html = web.get("/regions/51").text
    assert "<td>Regency</td>" in html
    assert "<td>City</td>" in html


def test_error_pages_are_translated(app):
    web = browser(app)
    html = web.get("/no-such-page", status=404).text
    assert "Halaman atau data yang Anda minta tidak ditemukan" in html
    assert "Kembali ke beranda" in html
    switch_language(web, "en")
    html = web.get("/no-such-page", status=404).text
    assert "The page or record you asked for does not exist" in html


def test_login_required_message_is_indonesian(client):
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Please log in" not in html
    assert "Silakan masuk" in html


def test_form_validation_messages_are_indonesian(app):
    html = log_in(browser(app), "", "").text  # "Masuk" pressed on the empty form
    assert "This field is required." not in html
    assert "Kolom ini wajib diisi." in html


# --- the catalog -------------------------------------------------------------------------------


def read_catalog(path: Path):
    with path.open("rb") as handle:
        return read_mo(handle) if path.suffix == ".mo" else read_po(handle)


def as_tuple(value) -> tuple:
    """Plural entries hold tuples; singular ones a string."""
    return value if isinstance(value, tuple) else (value,)


def translations_of(catalog) -> dict:
    """(msgid, context) → translation; plural entries as tuples, untranslated ones left out."""
    result = {}
    for m in catalog:
        if not m.id:
            continue
        ids = tuple(m.id) if isinstance(m.id, (list, tuple)) else (m.id,)
        strings = tuple(m.string) if isinstance(m.string, (list, tuple)) else (m.string,)
        if not any(strings):
            continue
        # pybabel compile fills an untranslated plural entry with its msgids: not a translation
        if len(ids) > 1 and strings == tuple(ids[min(i, 1)] for i in range(len(strings))):
            continue
        key = ids if len(ids) > 1 else ids[0]
        result[(key, m.context)] = strings if len(ids) > 1 else strings[0]
    return result


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory):
    """Every message in the source today, extracted exactly as the documented command does."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"  # the venv's own script, not $PATH
    command = [pybabel, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext"]
    # A fixed argument list from this file, no shell: nothing untrusted reaches the call.
    subprocess.run(  # noqa: S603
        [*command, "-o", pot, "."], cwd=ROOT, check=True, capture_output=True
    )
    messages = [m for m in read_catalog(pot) if m.id]
    assert len(messages) > 100, "extraction found suspiciously few messages"
    return messages


def test_every_message_has_an_indonesian_translation(source_messages):
    po = read_catalog(TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po")
    untranslated = []
    for message in source_messages:
        entry = po.get(message.id, message.context)
        strings = () if entry is None else as_tuple(entry.string)
        if not strings or not all(s.strip() for s in strings):
            untranslated.append(message.id)
    assert not untranslated, f"run pybabel update and translate: {untranslated}"


def test_indonesian_catalog_has_no_fuzzy_entries_and_keeps_placeholders():
    po = read_catalog(TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po")
    assert not po.fuzzy, "the catalog header is fuzzy: pybabel compile would skip it"
    assert [m.id for m in po if m.id and m.fuzzy] == []
    assert [(m.id, errors) for m, errors in po.check()] == []  # Babel's own format checks
    for message in po:
        if not message.id:
            continue
        expected = sorted(PLACEHOLDER.findall(as_tuple(message.id)[-1]))
        for string in as_tuple(message.string):
            assert sorted(PLACEHOLDER.findall(string)) == expected, message.id


def test_english_catalog_exists_and_falls_back_to_the_source():
    po = read_catalog(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    assert not po.fuzzy
    assert translations_of(po) == {}, "English is the source language: leave msgstr empty"
    assert (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo").is_file()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_compiled_catalog_matches_the_po_file(lang):
    folder = TRANSLATIONS / lang / "LC_MESSAGES"
    po = read_catalog(folder / "messages.po")
    mo = read_catalog(folder / "messages.mo")
    assert translations_of(mo) == translations_of(po), (
        "messages.mo is stale: run pybabel compile -d partnerships/translations"
    )


# --- numbers, money and dates ------------------------------------------------------------------


def test_document_formats_are_formal_indonesian():
    assert rupiah_id(2_580_480_000) == "Rp2.580.480.000,00"
    assert rupiah_words_id(2_580_480_000) == (
        "dua miliar lima ratus delapan puluh juta empat ratus delapan puluh ribu rupiah"
    )
    assert long_date_id(date(2026, 11, 22)) == "22 November 2026"
    assert long_date_id(date(2026, 8, 17)) == "17 Agustus 2026"


def test_ui_money_filter_follows_the_language(app):
    template = "{{ amount | rupiah }}|{{ 1234567 | number }}"
    with app.test_request_context("/"):
        assert render_template_string(template, amount=2_580_480_000) == (
            "Rp2.580.480.000,00|1.234.567"
        )
    with app.test_request_context("/"):
        session["lang"] = "en"
        money, number = render_template_string(template, amount=2_580_480_000).split("|")
        assert money.startswith("IDR")
        assert money.endswith("2,580,480,000.00")
        assert number == "1,234,567"
