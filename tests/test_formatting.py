"""The formatting filters pages and PDFs share (core/formatting.py), held to their definitions:
the words read back as the number they spell (with a reader written here, independent of
num2words) and are num2words' own; the figures follow Babel's id_ID pattern and parse back;
day and month names are Babel's (CLDR) for that date. Property tests with Hypothesis, run with
a fixed seed and no example database, so every run checks the same cases."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, get_day_names, get_month_names
from babel.dates import format_time as babel_format_time
from babel.numbers import (
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask import render_template_string, session
from flask_babel import Babel, force_locale, format_datetime
from hypothesis import given, settings
from hypothesis import strategies as st
from num2words import num2words

from partnerships.core import formatting
from partnerships.core.formatting import (
    DOC_LOCALE,
    day_name_id,
    long_date_id,
    month_name_id,
    number_id,
    number_words_id,
    opening_id,
    ordinal_id,
    party_id,
    rupiah_id,
    rupiah_words_id,
    words_id,
)
from partnerships.documents import rendering

# The same examples on every run (derandomize), nothing kept between runs (database=None).
PROPERTY = settings(derandomize=True, database=None, max_examples=300, deadline=None)
AMOUNTS = st.integers(min_value=0, max_value=10**15 - 1)  # up to triliun: any rupiah budget
DAYS = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))

# ---- an independent reader of Indonesian number words -----------------------------------

DIGITS = {
    "nol": 0,
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
# se- is "one": sepuluh 10, sebelas 11, seratus 100, seribu 1,000
ONE_OF = {"sepuluh": 10, "sebelas": 11, "seratus": 100}
SCALES = {"ribu": 10**3, "juta": 10**6, "miliar": 10**9, "triliun": 10**12}


def read_words(text: str) -> int:
    """'dua miliar lima ratus delapan puluh juta ...' → 2580000000...; refuses anything else."""
    total, group, last = 0, 0, None
    for word in text.split():
        if word in DIGITS:
            assert last is None, f"two digits in a row in {text!r}"
            last = DIGITS[word]
        elif word in ONE_OF:
            group += ONE_OF[word]
        elif word == "belas":  # dua belas = 2 + 10
            group += last + 10
            last = None
        elif word == "puluh":
            group += last * 10
            last = None
        elif word == "ratus":
            group += last * 100
            last = None
        elif word == "seribu":
            total += 1000
        elif word in SCALES:
            total += (group + (last or 0)) * SCALES[word]
            group, last = 0, None
        else:
            raise AssertionError(f"not a number word: {word!r} in {text!r}")
    return total + group + (last or 0)


def test_the_reader_reads_the_domain_examples():
    assert read_words(
        "dua miliar lima ratus delapan puluh juta empat ratus delapan puluh ribu"
    ) == (2_580_480_000)
    assert read_words("dua ribu enam belas") == 2016
    assert read_words("seratus sebelas") == 111
    assert read_words("nol") == 0


# ---- words --------------------------------------------------------------------------------


@PROPERTY
@given(AMOUNTS)
def test_words_are_num2words_and_read_back(amount):
    assert words_id(amount) == num2words(amount, lang="id")
    assert read_words(words_id(amount)) == amount


@PROPERTY
@given(AMOUNTS)
def test_rupiah_in_words_reads_back(amount):
    said = rupiah_words_id(amount)
    assert said.endswith(" rupiah")
    assert read_words(said.removesuffix(" rupiah")) == amount


@PROPERTY
@given(st.integers(min_value=0, max_value=10**12))
def test_a_number_in_figures_and_words_agree(value):
    figures, words = re.fullmatch(r"(\S+) \((.+)\)", number_words_id(value)).groups()
    assert parse_decimal(figures, locale=DOC_LOCALE) == value
    assert read_words(words) == value


@PROPERTY
@given(st.integers(min_value=1, max_value=999))
def test_a_party_is_named_by_ke_and_its_number(position):
    role = party_id(position)
    assert role.startswith("PIHAK KE")
    assert read_words(role.removeprefix("PIHAK KE").lower()) == position


def test_parties_and_ordinals_read_as_agreements_write_them():
    assert [party_id(n) for n in (1, 2, 3)] == ["PIHAK KESATU", "PIHAK KEDUA", "PIHAK KETIGA"]
    assert [ordinal_id(n) for n in (1, 2)] == [
        num2words(1, lang="id", to="ordinal"),
        num2words(2, lang="id", to="ordinal"),
    ]


# ---- figures ------------------------------------------------------------------------------


def _grouped() -> str:
    """Babel's id_ID grouping, built from its own symbols: 1.234.567."""
    return rf"\d{{1,3}}(?:{re.escape(get_group_symbol(DOC_LOCALE))}\d{{3}})*"


@PROPERTY
@given(AMOUNTS)
def test_rupiah_follows_babels_pattern_and_parses_back(amount):
    symbol = get_currency_symbol("IDR", locale=DOC_LOCALE)
    decimal = re.escape(get_decimal_symbol(DOC_LOCALE))
    text = rupiah_id(amount)
    assert re.fullmatch(rf"{re.escape(symbol)}{_grouped()}{decimal}00", text), text
    assert parse_decimal(text.removeprefix(symbol), locale=DOC_LOCALE) == amount
    whole = rupiah_id(amount, cents=False)
    assert re.fullmatch(rf"{re.escape(symbol)}{_grouped()}", whole), whole
    assert parse_decimal(whole.removeprefix(symbol), locale=DOC_LOCALE) == amount


@PROPERTY
@given(AMOUNTS)
def test_numbers_follow_babels_grouping(value):
    text = number_id(value)
    assert re.fullmatch(_grouped(), text), text
    assert parse_decimal(text, locale=DOC_LOCALE) == value


# ---- dates --------------------------------------------------------------------------------


@PROPERTY
@given(DAYS)
def test_long_date_is_day_month_name_year(day):
    number, month, year = long_date_id(day).split(" ")
    assert int(number) == day.day
    assert month == get_month_names("wide", locale=DOC_LOCALE)[day.month]
    assert int(year) == day.year


@PROPERTY
@given(DAYS)
def test_day_and_month_names_are_babels(day):
    assert day_name_id(day) == format_date(day, "EEEE", locale=DOC_LOCALE)
    assert day_name_id(day) == get_day_names("wide", locale=DOC_LOCALE)[day.weekday()]
    assert month_name_id(day) == get_month_names("wide", locale=DOC_LOCALE)[day.month]


@PROPERTY
@given(DAYS)
def test_the_opening_in_words_reads_back_as_its_date(day):
    found = re.fullmatch(
        r"Pada hari ini (\w+) tanggal ([a-z ]+) bulan (\w+) tahun ([a-z ]+)", opening_id(day)
    )
    assert found, opening_id(day)
    weekday, day_words, month, year_words = found.groups()
    assert weekday == get_day_names("wide", locale=DOC_LOCALE)[day.weekday()]
    assert read_words(day_words) == day.day
    assert month == get_month_names("wide", locale=DOC_LOCALE)[day.month]
    assert read_words(year_words) == day.year


def test_the_domain_examples():
    assert opening_id(date(2016, 3, 22)) == (
        "Pada hari ini Selasa tanggal dua puluh dua bulan Maret tahun dua ribu enam belas"
    )
    assert rupiah_id(2_580_480_000) == "Rp2.580.480.000,00"
    assert rupiah_id(10_000, cents=False) == "Rp10.000"
    assert number_words_id(12) == "12 (dua belas)"
    assert long_date_id(date(2026, 11, 22)) == "22 November 2026"


# ---- the same filters in templates --------------------------------------------------------


def test_pdf_templates_get_the_document_filters():
    template = rendering.environment().from_string(
        "{{ a|rupiah }}|{{ a|rupiah_words }}|{{ d|date }}|{{ d|day }}|{{ d|opening }}|"
        "{{ 2|party }}|{{ 12|number_words }}"
    )
    day = date(2016, 3, 22)
    assert template.render(a=16_800, d=day).split("|") == [
        rupiah_id(16_800),
        rupiah_words_id(16_800),
        long_date_id(day),
        day_name_id(day),
        opening_id(day),
        "PIHAK KEDUA",
        "12 (dua belas)",
    ]


@pytest.mark.parametrize(
    ("lang", "words", "day"),
    [("id", num2words(12, lang="id"), "Selasa"), ("en", num2words(12, lang="en"), "Tuesday")],
)
def test_page_filters_follow_the_language(app, lang, words, day):
    template = "{{ 12|words }}|{{ 12|rupiah_words }}|{{ d|day }}|{{ none|words }}"
    with app.test_request_context("/"):
        session["lang"] = lang
        assert render_template_string(template, d=date(2016, 3, 22)).split("|") == [
            words,
            f"{words} rupiah",
            day,
            "—",
        ]


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    aware=st.booleans(),
)
def test_times_on_pages_are_as_flask_babel_writes_them(moment, aware):
    """Pages write a moment in the office's time zone and the reader's language exactly as
    Flask-Babel's format_datetime(..., "medium") does (long_datetime composes it faster)."""
    from flask import Flask

    app = Flask(__name__)
    Babel(app, default_timezone="Asia/Makassar")
    value = moment.replace(tzinfo=UTC) if aware else moment
    for lang in ("id", "en"):
        with app.test_request_context("/"), force_locale(lang):
            assert formatting.long_datetime(value) == format_datetime(value, "medium")


@settings(max_examples=200, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    zone=st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"]),
    lang=st.sampled_from(["id_ID", "en"]),
)
def test_an_events_hours_are_babels_for_its_zone(moment, zone, lang):
    """Event lists write an hour from its wall-clock time (kept per process): the same text
    as Babel's for the moment in the event's zone."""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
    for pattern in ("short", "medium"):
        assert formatting.formatted_clock(local.time(), pattern, lang) == babel_format_time(
            local, pattern, locale=lang
        )


def test_every_document_filter_is_a_formatting_function():
    assert all(f.__module__ == formatting.__name__ for f in formatting.DOCUMENT_FILTERS.values())
    assert all(f.__module__ == formatting.__name__ for f in formatting.FILTERS.values())
