"""Realisation figures of one agreement imported from a spreadsheet (CSV or XLSX): the template
to fill, reading whatever Excel saves (UTF-8 or Windows-1252, `,` or `;`, Indonesian numbers
and dates, formulas), a preview of every row with its fault, and writing all rows or none.

Each row is checked by `services.check_figure`, the figure form's own check, against the
periods already recorded (loaded once) and the rows above it. The uploaded file is kept in the
instance folder under a random token tied to its uploader and agreement for an hour, so the
preview and the confirmation read the same bytes without a second upload, and both check them
against the database as it stands then.
"""

import codecs
import csv
import io
import json
import re
import secrets
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
from flask import current_app
from flask_babel import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from sqlalchemy import select

from partnerships.agreements.models import Agreement
from partnerships.commitments import services
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.forms import KIND_LABELS, METRIC_LABELS
from partnerships.commitments.models import PERCENT_METRICS, Commitment, Kind
from partnerships.core import uploads
from partnerships.core.exports import FORMULA_START, csv_value
from partnerships.core.formatting import number, office_today
from partnerships.core.models import utcnow
from partnerships.core.safety import is_single_line
from partnerships.extensions import db

MAX_BYTES = 2 * 1024 * 1024  # 5,000 rows of figures take about half a megabyte
MAX_ROWS = 5_000
MAX_UNZIPPED = 20 * 1024 * 1024  # 5,000 rows inflate to 2 MB; beyond this, no sheet of figures
MAX_COLUMNS = 40
HEADER_SEARCH = 30  # the header row is looked for among the first rows (instructions above)
MAX_SHEETS = 10  # the template has two; a workbook of many sheets is not a figures file
KEEP_FOR = timedelta(hours=1)
TOKEN = re.compile(r"[0-9a-f]{32}")

# The columns of the file, with the Indonesian headers the template writes. Other spellings
# are matched after dropping case, spaces and punctuation ("id_komitmen", "ID Komitmen").
COLUMNS = {
    "commitment_id": "ID komitmen",
    "title": "Komitmen",
    "kind": "Jenis",
    "unit": "Satuan",
    "period_end": "Akhir periode",
    "value": "Nilai",
    "workers": "Pekerja terdaftar",
    "source": "Sumber",
    "note": "Catatan",
    "period_label": "Label periode",
}
REQUIRED = ("commitment_id", "period_end", "value", "source")
# What a person fills in; a template row with none of them filled is skipped.
FILLED = ("period_end", "value", "workers", "source", "note", "period_label")
SINGLE_LINE = ("source", "period_label")
INSTRUCTIONS = [
    "Petunjuk pengisian angka realisasi",
    "Isi satu baris per komitmen per periode; salin barisnya bila ada beberapa periode.",
    "Jangan ubah kolom ID komitmen: angka itu menunjuk komitmen pada perjanjian ini.",
    "Akhir periode: tanggal terakhir periode, misalnya 31/10/2026 (HH/BB/TTTT).",
    "Nilai: capaian sampai akhir periode (bukan tambahannya), misalnya 12.500 atau 47,5.",
    "Pos anggaran: nilai dalam rupiah yang sudah direalisasikan; Pekerja terdaftar boleh diisi.",
    "Sumber wajib diisi. Catatan dan Label periode (misalnya Triwulan III 2026) boleh kosong.",
    "Baris yang kolom isiannya kosong dilewati. Baris yang diawali # diabaikan.",
    "Simpan sebagai XLSX atau CSV, lalu unggah; semua baris diperiksa sebelum disimpan.",
]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


ALIASES = {_key(label): key for key, label in COLUMNS.items()} | {_key(key): key for key in COLUMNS}


class ImportFileError(CommitmentError):
    """A file refused as a whole (unreadable, no header, too many rows), on the upload field."""

    def __init__(self, message: str):
        super().__init__(message, "file")


class _Formula:
    """A formula cell whose result the file does not hold (saved by a program that does not
    calculate): its value is unknown, never computed here."""


FORMULA = _Formula()


# ---- reading the file -------------------------------------------------------------------


def max_bytes() -> int:
    """The import's own cap, or the app's upload cap if that is lower."""
    return min(MAX_BYTES, current_app.config["MAX_UPLOAD_BYTES"])


@dataclass
class Table:
    kind: str  # "csv" or "xlsx"
    header_line: int
    columns: dict[str, int]  # key -> position
    headers: list[str]  # as written in the file
    rows: list[tuple[int, list[Any]]]  # (line number, cells)


def read(data: bytes) -> Table:
    """The rows of an uploaded CSV or XLSX under its header; refused as a whole with an
    ImportFileError saying why."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(size)s.", size=uploads.size_label(max_bytes()))
        )
    if data.startswith(b"PK\x03\x04"):
        return _table("xlsx", _xlsx_rows(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("This is an old Excel file (.xls): save it as .xlsx or CSV and upload it again.")
        )
    if uploads.sniff(data[:16]) is not None:
        raise ImportFileError(_("Only CSV or XLSX files can be imported; this file is neither."))
    return _table("csv", _csv_rows(_decode(data)))


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), or the
    Windows-1252 an Indonesian Excel saves plain CSV in."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "cp1252"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text):
            break  # NUL and other control characters: a binary file, not text
        return text
    raise ImportFileError(
        _(
            "The file's characters cannot be read: it is not a CSV or XLSX file, or not saved "
            "as text. Save it from Excel as CSV UTF-8 or XLSX and upload it again."
        )
    )


def _csv_rows(text: str) -> list[list[Any]]:
    lines = text.splitlines()[:HEADER_SEARCH]
    named = (line for line in lines if re.search("komitmen|commitment", line, re.IGNORECASE))
    header = next(named, lines[0] if lines else "")
    delimiter = max(";,\t", key=header.count)
    try:
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row[:MAX_COLUMNS])
            if len(rows) > MAX_ROWS + HEADER_SEARCH:
                break
        return rows
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read (line %(line)d).", line=len(rows) + 1)
        ) from error


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    damaged = ImportFileError(
        _("The XLSX file is damaged or not an Excel workbook; save it again and upload it.")
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(item.file_size for item in archive.infolist()) > MAX_UNZIPPED:
                raise ImportFileError(_("The workbook is too large to import."))
            if archive.testzip() is not None:
                raise damaged
        # A formula is read twice: its cached result (data_only) and whether it is one.
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        kinds = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            if len(values.worksheets) > MAX_SHEETS:
                raise ImportFileError(
                    _(
                        "The workbook has more than %(n)d sheets; keep the figures sheet only.",
                        n=MAX_SHEETS,
                    )
                )
            # Find the sheet with the header in each sheet's first rows only, then read that
            # one sheet whole: a sheet is never read in full just to look for a header.
            pairs = list(zip(values.worksheets, kinds.worksheets, strict=True))
            headed = (p for p in pairs if _header_at(_sheet_rows(*p, HEADER_SEARCH)) is not None)
            chosen = next(headed, pairs[0])
            return _sheet_rows(*chosen)
        finally:
            values.close()
            kinds.close()
    except ImportFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise damaged from error


def _sheet_rows(sheet, formulas, limit: int = MAX_ROWS + HEADER_SEARCH + 1) -> list[list[Any]]:
    rows = []
    for cells, kinds in zip(
        sheet.iter_rows(max_col=MAX_COLUMNS, max_row=limit),
        formulas.iter_rows(max_col=MAX_COLUMNS, max_row=limit),
        strict=False,
    ):
        row = [
            FORMULA if kind.data_type == "f" and cell.value is None else cell.value
            for cell, kind in zip(cells, kinds, strict=False)
        ]
        rows.append(row)
        if len(rows) > MAX_ROWS + HEADER_SEARCH:
            break
    return rows


def _header_at(rows: list[list[Any]]) -> int | None:
    for index, row in enumerate(rows[:HEADER_SEARCH]):
        if any(isinstance(c, str) and ALIASES.get(_key(c)) == "commitment_id" for c in row):
            return index
    return None


def _table(kind: str, rows: list[list[Any]]) -> Table:
    at = _header_at(rows)
    if at is None:
        raise ImportFileError(
            _(
                "No header row found: one of the first rows must name the columns, starting "
                "with %(column)s. Download the template and fill it in.",
                column=COLUMNS["commitment_id"],
            )
        )
    headers = ["" if c is None else str(c).strip() for c in rows[at]]
    columns: dict[str, int] = {}
    for position, header in enumerate(headers):
        key = ALIASES.get(_key(header))
        if key is None:
            continue  # a column of the person's own: left alone
        if key in columns:
            raise ImportFileError(_("The column %(column)s appears twice.", column=header))
        columns[key] = position
    missing = [COLUMNS[k] for k in REQUIRED if k not in columns]
    if missing:
        raise ImportFileError(_("Missing columns: %(columns)s.", columns=", ".join(missing)))
    body = []
    for index, row in enumerate(rows[at + 1 :], start=at + 2):
        if _blank(row) or (isinstance(row[0], str) and row[0].lstrip().startswith("#")):
            continue
        body.append((index, row))
    if len(body) > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(max)s rows; split it.", max=number(MAX_ROWS))
        )
    if not body:
        raise ImportFileError(_("The file has no rows of figures under its header."))
    return Table(kind, at + 1, columns, headers, body)


def _blank(cells) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


# ---- one cell ---------------------------------------------------------------------------

DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d")


class CellError(ValueError):
    pass


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100_000:
        return from_excel(value).date()  # a date cell without its date format: Excel's serial
    text = str(value).strip()
    text = re.sub(r"[ T]00:00(:00)?$", "", text)  # a date exported with its midnight
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(_("Enter a date as DD/MM/YYYY, e.g. 31/10/2026."))


def _number(value: Any) -> Decimal:
    """A number as typed in Indonesia ("1.234,5", "87.000", "47,5") or elsewhere ("1234.5");
    a lone dot after one to three digits (not 0) and before exactly three groups thousands."""
    if isinstance(value, bool):
        raise CellError(_("Enter a number."))
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = re.sub(r"[\s\u00a0]|^Rp\.?|%$", "", str(value).strip(), flags=re.IGNORECASE)
    if not re.fullmatch(r"-?[0-9][0-9.,]*", text):
        raise CellError(_("Enter a number."))
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif "," in text:
        decimal_mark = "," if text.count(",") == 1 else None
    elif text.count(".") == 1 and not re.fullmatch(r"-?[1-9][0-9]{0,2}\.[0-9]{3}", text):
        decimal_mark = "."
    else:
        decimal_mark = None
    grouping = {",": ".", ".": ",", None: ".,"}[decimal_mark]
    digits = text
    for mark in grouping:
        digits = digits.replace(mark, "")
    if decimal_mark:
        digits = digits.replace(decimal_mark, ".")
    try:
        return Decimal(digits)
    except InvalidOperation as error:
        raise CellError(_("Enter a number.")) from error


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell(key: str, value: Any) -> Any:
    """A cell as the figure check takes it (a date, a number, text); None when empty."""
    if value is FORMULA:
        raise CellError(
            _(
                "The cell holds a formula without a saved result; type the value itself, or "
                "open the file in Excel and save it again."
            )
        )
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if key == "period_end":
        return _date(value)
    if key == "value":
        return _number(value)
    if key in ("workers", "commitment_id"):
        found = _number(value)
        # an XLSX cell may hold 1E999, read as infinity; a whole number has no fraction
        if not found.is_finite() or found.adjusted() > 15 or found != found.to_integral_value():
            raise CellError(_("Enter a whole number."))
        return int(found)
    text = _text(value)
    if key in SINGLE_LINE and not is_single_line(text):
        raise CellError(_("Use a single line, without control characters."))
    return text


# ---- checking every row -----------------------------------------------------------------


@dataclass
class Row:
    line: int
    commitment: Commitment | None = None
    values: dict[str, Any] | None = None  # what will be written
    column: str | None = None  # where the fault is, as the file names it
    error: str | None = None


@dataclass
class Preview:
    rows: list[Row] = field(default_factory=list)
    skipped: int = 0  # template rows left unfilled

    @property
    def good(self) -> list[Row]:
        return [r for r in self.rows if r.error is None]

    @property
    def bad(self) -> list[Row]:
        return [r for r in self.rows if r.error is not None]

    @property
    def ready(self) -> bool:
        return bool(self.rows) and not self.bad


def agreement_commitments(agreement: Agreement) -> list[Commitment]:
    return list(
        db.session.scalars(
            select(Commitment)
            .where(Commitment.agreement_id == agreement.id, Commitment.is_deleted.is_(False))
            .order_by(Commitment.article, Commitment.id)
        )
    )


def check(agreement: Agreement, table: Table) -> Preview:
    """Every row checked as the figure form checks one, in a fixed number of queries: the
    agreement's commitments and the periods they have figures for are loaded once."""
    commitments = {c.id: c for c in agreement_commitments(agreement)}
    taken = services.taken_periods(list(commitments))
    today = office_today()
    seen: dict[tuple[int, int, int], int] = {}  # (commitment, year, month): first line
    preview = Preview()

    def where(key: str) -> str:
        position = table.columns[key]
        return f"{table.headers[position]} ({get_column_letter(position + 1)})"

    for line, cells in table.rows:
        raw = {key: cells[pos] if pos < len(cells) else None for key, pos in table.columns.items()}
        if all(raw.get(k) is None or _text(raw[k]) == "" for k in FILLED if k in raw):
            preview.skipped += 1
            continue
        row = Row(line)
        preview.rows.append(row)
        data: dict[str, Any] = {}
        try:
            for key in ("commitment_id", *FILLED):
                if key in table.columns:
                    try:
                        data[key] = _cell(key, raw[key])
                    except CellError as error:
                        raise CommitmentError(str(error), key) from error
            row.commitment = commitments.get(data["commitment_id"])
            if row.commitment is None:
                raise CommitmentError(
                    _("No commitment of this agreement has this id; copy it from the template."),
                    "commitment_id",
                )
            period = data.get("period_end")
            if period is not None:
                key = (row.commitment.id, period.year, period.month)
                first = seen.setdefault(key, line)
                if first != line:
                    raise CommitmentError(
                        _(
                            "Row %(line)d already gives this commitment a figure for this month.",
                            line=first,
                        ),
                        "period_end",
                    )
            row.values = services.check_figure(
                row.commitment, data, today, taken[row.commitment.id]
            )
        except CommitmentError as error:
            row.column = where(error.field if error.field in table.columns else "commitment_id")
            row.error = str(error)
    return preview


def write(preview: Preview, actor) -> int:
    """Write every row, in the caller's transaction; only a preview without a fault."""
    assert preview.ready
    return services.add_figures([(r.commitment, r.values) for r in preview.rows], actor)


# ---- keeping the upload between the preview and the confirmation -------------------------


def _folder() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep(data: bytes, name: str, user_id: int, agreement_id: int) -> str:
    """Store the upload for its preview; returns the token naming it."""
    sweep()
    token = secrets.token_hex(16)
    folder = _folder()
    (folder / f"{token}.data").write_bytes(data)
    meta = {
        "user_id": user_id,
        "agreement_id": agreement_id,
        "name": name[-200:],
        "kept_at": utcnow().isoformat(),
    }
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def kept(token: str, user_id: int, agreement_id: int) -> tuple[bytes, str] | None:
    """The upload and its file name, if `token` names one this user kept for this agreement
    within the hour; else None."""
    if not TOKEN.fullmatch(token or ""):
        return None
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.data").read_bytes()
    except (OSError, ValueError):
        return None
    if (meta.get("user_id"), meta.get("agreement_id")) != (user_id, agreement_id):
        return None
    if datetime.fromisoformat(meta["kept_at"]) + KEEP_FOR < utcnow():
        forget(token)
        return None
    return data, meta.get("name", "")


def claim(token: str) -> bool:
    """Take the upload for writing, once: a second press of the button (or a second tab)
    finds it taken and writes nothing (renaming a file is atomic)."""
    if not TOKEN.fullmatch(token or ""):
        return False
    folder = _folder()
    try:
        (folder / f"{token}.json").rename(folder / f"{token}.claimed.json")
    except OSError:
        return False
    return True


def claimed(token: str) -> bool:
    return bool(TOKEN.fullmatch(token or "")) and (_folder() / f"{token}.claimed.json").exists()


def release(token: str) -> None:
    """Give a claimed upload back (it had faults after all): its preview shows again."""
    folder = _folder()
    (folder / f"{token}.claimed.json").rename(folder / f"{token}.json")


def forget(token: str) -> None:
    if TOKEN.fullmatch(token or ""):
        for suffix in (".data", ".json", ".claimed.json", ".done.json"):
            (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def finish(token: str, written: int) -> None:
    """The file is written: drop it, keeping for the hour a note that says so (the preview's
    address opened again, by Back, says it was imported rather than that it expired)."""
    forget(token)
    note = {"kept_at": utcnow().isoformat(), "written": written}
    (_folder() / f"{token}.done.json").write_text(json.dumps(note))


def imported(token: str) -> int | None:
    """How many figures the upload `token` wrote, if it was imported within the hour."""
    if not TOKEN.fullmatch(token or ""):
        return None
    try:
        return int(json.loads((_folder() / f"{token}.done.json").read_text())["written"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sweep() -> None:
    """Remove uploads older than the hour (never confirmed, or whose writing failed)."""
    for meta in _folder().glob("*.json"):
        try:
            kept_at = datetime.fromisoformat(json.loads(meta.read_text())["kept_at"])
        except (OSError, ValueError, KeyError):
            kept_at = None
        if kept_at is None or kept_at + KEEP_FOR < utcnow():
            forget(meta.name.split(".")[0])


# ---- the template -----------------------------------------------------------------------


def _unit(commitment: Commitment) -> str:
    if commitment.kind == Kind.BUDGET:
        return "Rupiah"
    if commitment.metric in PERCENT_METRICS:
        return "Persen (0-100)"
    return str(METRIC_LABELS.get(commitment.metric, commitment.metric))


def template_rows(agreement: Agreement) -> list[list[Any]]:
    """The header and one row per commitment that takes figures, the fill-in cells empty."""
    rows: list[list[Any]] = [list(COLUMNS.values())]
    for c in agreement_commitments(agreement):
        if c.kind != Kind.ACTION:
            kind = str(KIND_LABELS[Kind(c.kind)])
            rows.append([c.id, c.title, kind, _unit(c), None, None, None, None, None, None])
    return rows


def template_csv(agreement: Agreement) -> bytes:
    """Semicolon-separated (what Excel set to Indonesian opens in columns), UTF-8 with a BOM
    (so Excel reads the characters right), the instructions above the header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for line in [f"{INSTRUCTIONS[0]}: {agreement.title}", *INSTRUCTIONS[1:]]:
        writer.writerow([csv_value("# " + line)])
    for row in template_rows(agreement):
        writer.writerow([csv_value(v) for v in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def template_xlsx(agreement: Agreement) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Angka"
    for row in template_rows(agreement):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            # a title that starts like a formula stays text (openpyxl would write a formula)
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                cell.data_type = "s"
                cell.quotePrefix = True
        row[4].number_format = "DD/MM/YYYY"
        row[5].number_format = "#,##0.##"
    sheet.freeze_panes = "B2"
    for letter, width in zip("ABCDEFGHIJ", (12, 50, 16, 24, 14, 16, 16, 30, 30, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet("Petunjuk")
    notes.append([f"{INSTRUCTIONS[0]}: {agreement.title}"])
    notes["A1"].font = Font(bold=True)
    if str(agreement.title).startswith(FORMULA_START):
        notes["A1"].data_type = "s"
    for line in INSTRUCTIONS[1:]:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
