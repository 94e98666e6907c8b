"""The dashboard's summaries by partner (the scorecard), region and year as CSV or XLSX."""

import io
from collections.abc import Iterator

from flask_babel import gettext as _

from partnerships.core.exports import stream_csv
from partnerships.dashboard import scorecard, services
from partnerships.dashboard.services import Scope

TABLES = ("partners", "regions", "years")


def _share(value: float | None):
    return None if value is None else round(100 * value, 1)


def header(table: str) -> list[str]:
    common = [
        _("Commitments"), _("Met or done"), _("Behind, lapsed or overdue"),
        _("Budget committed (Rp)"), _("Budget realised (Rp)"), _("Coverage targets"),
        _("Coverage reached (percent of target)"),
    ]  # fmt: skip
    if table == "partners":
        return [
            _("Partner"), _("Province"), *common, _("Regulations owed"),
            _("Regulations issued"), _("Events held"), _("Score"), _("Rank in province"),
            _("Rank in the country"),
        ]  # fmt: skip
    if table == "regions":
        return [_("Region code"), _("Region"), *common]
    return [_("Year"), _("Commitments"), _("Budget committed (Rp)"), _("Budget realised (Rp)")]


def _common(line: services.Line) -> list:
    return [
        line.commitments, line.met, line.late, line.amount, float(line.realised),
        line.targets, _share(line.coverage),
    ]  # fmt: skip


def rows(table: str, scope: Scope, national: Scope) -> Iterator[list]:
    if table == "partners":
        for card in scorecard.ordered(scorecard.cards(scope, national), "score"):
            line = card.line
            yield [
                card.name, card.province, *_common(line), line.regulations,
                line.regulations_done, card.events, line.score, card.province_rank,
                card.national_rank if scope.detail_ids is None else None,
            ]  # fmt: skip
    elif table == "regions":
        for code, name, line in services.region_lines(scope):
            yield [code, name, *_common(line)]
    else:
        for year, row in services.figures(scope)["years"].items():
            yield [year, row["commitments"], row["amount"], float(row["realised"])]


def as_csv(table: str, scope: Scope, national: Scope) -> Iterator[str]:
    return stream_csv(header(table), rows(table, scope, national))


def as_xlsx(table: str, scope: Scope, national: Scope) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(table)

    def cell(value):
        if not isinstance(value, str):
            return value
        written = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        written.data_type = "s"  # text stays text: "=..." is not a formula
        return written

    sheet.append(header(table))
    for row in rows(table, scope, national):
        sheet.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
