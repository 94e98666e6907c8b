"""Numbers, money and dates, always through Babel (and num2words for words).

UI filters follow the user's language; `*_id` helpers are for documents, which are always formal
Indonesian whatever the reader's UI language.
"""

from datetime import UTC, date, datetime

from babel.dates import format_date as babel_date
from babel.numbers import format_currency, format_decimal
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from flask_babel import format_decimal as ui_decimal
from flask_babel import format_percent as ui_percent
from num2words import num2words

DOC_LOCALE = "id_ID"


def rupiah(amount: int | None, locale: str | None = None) -> str:
    """Rp2.580.480.000,00 in Indonesian; IDR 2,580,480,000.00 in English."""
    if amount is None:
        return "—"
    return format_currency(amount, "IDR", locale=locale or _ui_locale())


def rupiah_id(amount: int) -> str:
    return format_currency(amount, "IDR", locale=DOC_LOCALE)


def rupiah_words_id(amount: int) -> str:
    """'dua miliar lima ratus ... rupiah' for documents."""
    return f"{num2words(amount, lang='id')} rupiah"


def number(value: int | float | None) -> str:
    return "—" if value is None else ui_decimal(value)


def number_id(value: int | float) -> str:
    return format_decimal(value, locale=DOC_LOCALE)


def long_date(value: date | datetime | None) -> str:
    return "—" if value is None else format_date(value, "long")


def long_datetime(value: datetime | None) -> str:
    return "—" if value is None else format_datetime(value, "medium")


def long_date_id(value: date) -> str:
    """'22 November 2026' for documents."""
    return babel_date(value, "d MMMM y", locale=DOC_LOCALE)


def office_today(now: datetime | None = None) -> date:
    """The calendar day at the office (BABEL_DEFAULT_TIMEZONE, WITA for the pilot), whatever
    the server's clock is set to: a run at 00:30 WITA on a UTC server is still that WITA day."""
    return (now or datetime.now(UTC)).astimezone(get_timezone()).date()


def _ui_locale() -> str:
    locale = get_locale()
    return "id_ID" if locale is None or locale.language == "id" else str(locale)


def percent(share: float | None) -> str:
    """0.456 → '46%' (a share of 1 is 100%); None → '—'."""
    return "—" if share is None else ui_percent(share, "#,##0%")


# Documents (pdf_templates/) always speak formal Indonesian, whatever the reader's UI language.
DOCUMENT_FILTERS = {
    "rupiah": rupiah_id,
    "rupiah_words": rupiah_words_id,
    "number": number_id,
    "date": long_date_id,
}

FILTERS = {
    "rupiah": rupiah,
    "number": number,
    "percent": percent,
    "date": long_date,
    "datetime": long_datetime,
}
