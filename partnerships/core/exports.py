"""CSV exports streamed in chunks, with the spreadsheet-formula guard every export needs."""

import csv
import io
from collections.abc import Iterable, Iterator

# A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value):
    if value is None:
        return ""
    # spreadsheets skip leading blanks and line breaks before they look for a formula
    if isinstance(value, str) and value.lstrip(" \n\r\t").startswith(FORMULA_START):
        return "'" + value
    return value


def stream_csv(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """Yield the CSV about 64 KB at a time, so a million rows never sit in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
