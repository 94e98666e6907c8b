"""Numbers, money and dates, always through Babel (and num2words for words).

UI filters follow the user's language; `*_id` helpers are for documents, which are always formal
Indonesian whatever the reader's UI language. Nothing here spells a number, a month or a day by
hand: the words are num2words', the names and patterns Babel's (CLDR).
"""

from datetime import UTC, date, datetime, time
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_time as babel_time
from babel.dates import get_datetime_format
from babel.numbers import format_currency, format_decimal
from flask_babel import format_date, get_locale, get_timezone
from flask_babel import format_decimal as ui_decimal
from flask_babel import format_percent as ui_percent
from num2words import num2words

DOC_LOCALE = "id_ID"
DOC_LANG = "id"  # num2words' name for Indonesian
# Whole rupiah, for what is never written with cents (the Rp10.000 of a stamp-duty box).
WHOLE_RUPIAH = "¤#,##0"


def rupiah(amount: int | None, locale: str | None = None) -> str:
    """Rp2.580.480.000,00 in Indonesian; IDR 2,580,480,000.00 in English."""
    if amount is None:
        return "—"
    return format_currency(amount, "IDR", locale=locale or ui_locale())


def rupiah_id(amount: int, cents: bool = True) -> str:
    """'Rp2.580.480.000,00' (or 'Rp10.000' without cents) for documents."""
    if cents:
        return format_currency(amount, "IDR", locale=DOC_LOCALE)
    return format_currency(
        amount, "IDR", format=WHOLE_RUPIAH, locale=DOC_LOCALE, currency_digits=False
    )


def rupiah_words_id(amount: int) -> str:
    """'dua miliar lima ratus ... rupiah' for documents."""
    return f"{words_id(amount)} rupiah"


def words_id(value: int) -> str:
    """A number in words (terbilang): 12800 → 'dua belas ribu delapan ratus'."""
    return num2words(value, lang=DOC_LANG)


def number_words_id(value: int) -> str:
    """A number as formal texts write it: '12 (dua belas)', '12.800 (dua belas ribu ...)'."""
    return f"{number_id(value)} ({words_id(value)})"


def ordinal_id(value: int) -> str:
    """'pertama', 'kedua', ... (ADDENDUM PERTAMA)."""
    return num2words(value, lang=DOC_LANG, to="ordinal")


def party_id(position: int) -> str:
    """A party by its place: 'PIHAK KESATU', 'PIHAK KEDUA', 'PIHAK KETIGA'. Agreements say
    KESATU (ke- and the cardinal), not 'pertama'."""
    return f"PIHAK KE{words_id(position).upper()}"


def number(value: int | float | None) -> str:
    return "—" if value is None else ui_decimal(value)


def number_id(value: int | float) -> str:
    return format_decimal(value, locale=DOC_LOCALE)


def long_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):  # the day it is at the office, as Flask-Babel rebases it
        return format_date(value, "long")
    return formatted_day(value, "long", get_locale())


@lru_cache(maxsize=4096)
def formatted_day(value: date, pattern: str, locale: Locale | str) -> str:
    """Babel's format_date, kept: it is pure and costs ~10 us a call, and a list page writes
    the same few days (deadlines, month-ends, signing days, event days) dozens of times."""
    return babel_date(value, pattern, locale=locale)


def long_datetime(value: datetime | None) -> str:
    """'4 Mar 2026 13.06.07' ('Mar 4, 2026, 1:06:07 PM' in English) in the office's (the
    user's) time zone, as Flask-Babel's
    format_datetime(value, "medium") writes it, in half its time: Babel writes the date and
    the time into the locale's pattern, and the date part is the cached one (an audit page
    writes a hundred of these)."""
    if value is None:
        return "—"
    if value.tzinfo is None:  # stored in UTC
        value = value.replace(tzinfo=UTC)
    local, locale = value.astimezone(get_timezone()), get_locale()
    return (
        _datetime_pattern(locale)
        .replace("{0}", babel_time(local, "medium", locale=locale))
        .replace("{1}", formatted_day(local.date(), "medium", locale))
    )


@lru_cache(maxsize=4096)
def formatted_clock(value: time, pattern: str, locale: Locale | str) -> str:
    """Babel's format_time of a wall-clock time (no zone in `pattern`), kept like the days:
    event lists write the same few hours again and again."""
    return babel_time(value, pattern, locale=locale)


@lru_cache(maxsize=16)
def _datetime_pattern(locale: Locale) -> str:
    return get_datetime_format("medium", locale=locale).replace("'", "")


def long_date_id(value: date) -> str:
    """'22 November 2026' for documents."""
    return babel_date(value, "d MMMM y", locale=DOC_LOCALE)


def day_name_id(value: date) -> str:
    """'Selasa' for 22 March 2016."""
    return babel_date(value, "EEEE", locale=DOC_LOCALE)


def month_name_id(value: date) -> str:
    """'Maret' for 22 March 2016."""
    return babel_date(value, "MMMM", locale=DOC_LOCALE)


def opening_id(value: date) -> str:
    """The opening of an agreement in words: 'Pada hari ini Selasa tanggal dua puluh dua bulan
    Maret tahun dua ribu enam belas'."""
    return (
        f"Pada hari ini {day_name_id(value)} tanggal {words_id(value.day)} "
        f"bulan {month_name_id(value)} tahun {words_id(value.year)}"
    )


def office_today(now: datetime | None = None) -> date:
    """The calendar day at the office (BABEL_DEFAULT_TIMEZONE, WITA for the pilot), whatever
    the server's clock is set to: a run at 00:30 WITA on a UTC server is still that WITA day."""
    return (now or datetime.now(UTC)).astimezone(get_timezone()).date()


def ui_locale() -> Locale:
    return _number_locale(get_locale())


@lru_cache(maxsize=16)
def _number_locale(locale: Locale | None) -> Locale:
    """Indonesian pages write money as Indonesia does (id_ID: Rp, not IDR), parsed once (Babel
    parses a locale's name at every call)."""
    return Locale.parse("id_ID" if locale is None or locale.language == "id" else str(locale))


def percent(share: float | None) -> str:
    """0.456 → '46%' (a share of 1 is 100%); None → '—'."""
    return "—" if share is None else ui_percent(share, "#,##0%")


def words(value: int | None) -> str:
    """A number in words in the user's language: 'dua belas' / 'twelve'."""
    if value is None:
        return "—"
    return num2words(value, lang=ui_locale().language)


def rupiah_words(amount: int | None) -> str:
    """An amount in words in the user's language: '... rupiah' in both (the currency's name)."""
    return "—" if amount is None else f"{words(amount)} rupiah"


def medium_date(value: date) -> str:
    """'4 Mar 2026' in the reader's language (the cached day formatter)."""
    return formatted_day(value, "medium", get_locale())


def day_name(value: date | None) -> str:
    """The day of the week in the user's language: 'Selasa' / 'Tuesday'."""
    return "—" if value is None else format_date(value, "EEEE")


# Documents (pdf_templates/) always speak formal Indonesian, whatever the reader's UI language.
DOCUMENT_FILTERS = {
    "rupiah": rupiah_id,
    "rupiah_words": rupiah_words_id,
    "number": number_id,
    "words": words_id,
    "number_words": number_words_id,
    "ordinal": ordinal_id,
    "party": party_id,
    "date": long_date_id,
    "day": day_name_id,
    "month": month_name_id,
    "opening": opening_id,
}

FILTERS = {
    "rupiah": rupiah,
    "rupiah_words": rupiah_words,
    "number": number,
    "words": words,
    "percent": percent,
    "date": long_date,
    "day": day_name,
    "datetime": long_datetime,
}


def translated(labels: dict) -> dict:
    """Lazy labels in the reader's language, each translated once (a list page looks a label
    up for every row, and a lazy label translates itself at every use)."""
    return {key: str(label) for key, label in labels.items()}
