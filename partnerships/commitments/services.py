"""Recording commitments, their terms and their realisation figures: every rule a change must
pass, in one place for the pages, the CLI and the imports to come. Services flush; the request
commits. A refusal is a CommitmentError naming the field at fault, raised before anything is
written that the rollback would not undo."""

from calendar import monthrange
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import bindparam, exists, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm.attributes import set_committed_value

from partnerships.agreements.models import FUNDING, PROGRAMS, Agreement, AgreementParty
from partnerships.agreements.queries import latest_version
from partnerships.audit.services import to_jsonable
from partnerships.commitments import queries, rules
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.models import (
    GROWTH_METRICS,
    PERCENT_METRICS,
    Commitment,
    CommitmentComment,
    CommitmentTerm,
    Evidence,
    FigureStatus,
    Kind,
    Metric,
    RealisationFigure,
)
from partnerships.commitments.signals import (
    comment_added,
    commitment_changed,
    figure_decided,
    figure_submitted,
)
from partnerships.core import uploads
from partnerships.core.formatting import DOC_LOCALE, long_date, number, office_today
from partnerships.core.models import utcnow
from partnerships.core.safety import MAX_ID
from partnerships.extensions import db
from partnerships.organisations.models import Partner
from partnerships.regions.models import Region

TITLE_MAX, SOURCE_MAX, NOTE_MAX, LABEL_MAX, CODE_MAX = 300, 200, 1000, 40, 60
REASON_MAX, COMMENT_MAX = 500, 5000
DESCRIPTION_MAX = 20_000
# rupiah: beyond any regional budget; a disbursed figure (Numeric(16, 2)) must hold it too
AMOUNT_MAX = 10**14
VALUE_MAX = Decimal("99999999999999")  # Numeric(16, 2)
FIRST_YEAR, LAST_YEAR = 2000, 2100


# ---- checking what was typed ------------------------------------------------------------


def _text(data: dict, key: str, limit: int, *, required: bool = False) -> str:
    value = (data.get(key) or "").strip()
    if required and not value:
        raise CommitmentError(_("This field is required."), key)
    if len(value) > limit:
        raise CommitmentError(_("At most %(n)d characters.", n=limit), key)
    return value


def _required(data: dict, key: str) -> Any:
    value = data.get(key)
    if value is None or value == "":
        raise CommitmentError(_("This field is required."), key)
    return value


def _decimal(data: dict, key: str, *, percent: bool = False) -> Decimal:
    try:
        value = Decimal(str(_required(data, key)))
    except InvalidOperation as error:
        raise CommitmentError(_("Enter a number."), key) from error
    # the exponent first: abs() of 1e999999999 overflows the decimal context
    if not value.is_finite() or value.adjusted() > 15 or abs(value) > VALUE_MAX:
        raise CommitmentError(_("Enter a number."), key)
    if value < 0:
        raise CommitmentError(_("The value cannot be negative."), key)
    if percent and value > 100:
        raise CommitmentError(_("A percentage cannot be above 100."), key)
    return value.quantize(Decimal("0.01"))


def _whole(data: dict, key: str, low: int, high: int, message: str) -> int:
    value = _required(data, key)
    if not isinstance(value, int) or not low <= value <= high:
        raise CommitmentError(message, key)
    return value


def check_partner(agreement: Agreement, partner_id: int | None) -> int:
    """The party that owes a commitment is one of the agreement's government partners."""
    in_range = isinstance(partner_id, int) and 0 < partner_id <= MAX_ID
    is_party = in_range and db.session.scalar(
        select(
            exists().where(
                AgreementParty.agreement_id == agreement.id,
                AgreementParty.partner_id == partner_id,
            )
        )
    )
    if not is_party:
        raise CommitmentError(
            _("Choose a partner that is a party to this agreement."), "partner_id"
        )
    return partner_id


def article_choices(agreement: Agreement) -> list[tuple[int, str]]:
    """The agreement's articles as 'Pasal 4 — Hak dan Kewajiban', numbered from 1."""
    version = latest_version(agreement)
    articles = version.articles if version else []
    return [(i, f"Pasal {i} — {a['heading']}") for i, a in enumerate(articles, start=1)]


def check_article(agreement: Agreement, article: int | None) -> int:
    if article is None or article not in dict(article_choices(agreement)):
        raise CommitmentError(_("Choose the article of the agreement it comes from."), "article")
    return article


def _budget_values(data: dict) -> dict[str, Any]:
    fiscal_year = _whole(
        data,
        "fiscal_year",
        FIRST_YEAR,
        LAST_YEAR,
        _("Enter a year between %(a)d and %(b)d.", a=FIRST_YEAR, b=LAST_YEAR),
    )
    if data.get("funding") not in FUNDING:
        raise CommitmentError(_("Choose the source of funding."), "funding")
    programs = [p for p in PROGRAMS if p in (data.get("programs") or [])]
    if not programs or len(programs) != len(set(data.get("programs") or [])):
        raise CommitmentError(_("Choose at least one program."), "programs")
    amount = _required(data, "amount")
    if not isinstance(amount, int):
        raise CommitmentError(_("Enter the amount in whole rupiah."), "amount")
    if amount < 0:
        raise CommitmentError(_("The amount cannot be negative."), "amount")
    if amount == 0:
        raise CommitmentError(_("Enter an amount above zero."), "amount")
    if amount > AMOUNT_MAX:
        raise CommitmentError(
            _("Enter an amount of at most %(max)s rupiah.", max=number(AMOUNT_MAX)), "amount"
        )
    return {
        "fiscal_year": fiscal_year,
        "funding": data["funding"],
        "account_code": _text(data, "account_code", CODE_MAX) or None,
        "amount": amount,
        "programs": programs,
        "workers": _whole(data, "workers", 1, 10**8, _("Enter the number of workers covered.")),
        "months": _whole(data, "months", 1, 120, _("Enter between 1 and 120 months.")),
        # due at the end of the fiscal year: the list's year filter and the status read it
        "due_on": date(fiscal_year, 12, 31),
    }


def _target_values(data: dict, partner_id: int) -> dict[str, Any]:
    try:
        metric = Metric(data.get("metric"))
    except ValueError as error:
        raise CommitmentError(_("Choose what is counted."), "metric") from error
    percent = metric in PERCENT_METRICS
    baseline = _decimal(data, "baseline_value", percent=percent)
    baseline_on = _required(data, "baseline_on")
    target = _decimal(data, "target_value", percent=percent)
    due_on = _required(data, "due_on")
    if due_on <= baseline_on:
        raise CommitmentError(_("The due date must come after the baseline date."), "due_on")
    if metric in GROWTH_METRICS and target <= baseline:
        raise CommitmentError(
            _(
                "This number should grow: the target must be above the baseline (%(value)s).",
                value=number(baseline),
            ),
            "target_value",
        )
    code = _text(data, "region_code", 13)
    if code:
        if db.session.get(Region, code) is None:
            raise CommitmentError(_("Unknown region code %(code)s.", code=code), "region_code")
    else:  # the partner's own region, where its coverage is counted
        code = db.session.scalar(select(Partner.region_code).where(Partner.id == partner_id))
    return {
        "metric": metric.value,
        "baseline_value": baseline,
        "baseline_on": baseline_on,
        "target_value": target,
        "due_on": due_on,
        "region_code": code,
    }


def _action_values(data: dict) -> dict[str, Any]:
    return {"due_on": _required(data, "due_on")}


def clean(agreement: Agreement, kind: Kind, data: dict) -> dict[str, Any]:
    """Every column a commitment of `kind` takes, checked; the first fault is refused."""
    values = {
        "partner_id": check_partner(agreement, data.get("partner_id")),
        "article": check_article(agreement, data.get("article")),
        "title": _text(data, "title", TITLE_MAX, required=True),
        "description": _text(data, "description", DESCRIPTION_MAX),
    }
    if kind == Kind.BUDGET:
        values |= _budget_values(data)
    elif kind == Kind.TARGET:
        values |= _target_values(data, values["partner_id"])
    else:
        values |= _action_values(data)
    return values


# ---- commitments and their terms --------------------------------------------------------


def _term(commitment: Commitment, agreement: Agreement, actor, note: str | None) -> None:
    db.session.add(
        CommitmentTerm(
            commitment=commitment,
            agreement_id=agreement.id,
            set_values={k: to_jsonable(v) for k, v in commitment.term_values().items()},
            note=note or None,
            recorded_by_id=getattr(actor, "id", None),
        )
    )


def create(agreement: Agreement, kind: Kind, data: dict, actor) -> Commitment:
    """A new commitment of `kind` under `agreement`; its first term is set by the agreement."""
    if not rules.may_add(agreement):
        raise CommitmentError(_("A terminated agreement takes no new commitments."))
    values = clean(agreement, Kind(kind), data)
    commitment = Commitment(
        agreement=agreement,
        kind=Kind(kind).value,
        created_by_id=getattr(actor, "id", None),
        **values,
    )
    db.session.add(commitment)
    db.session.flush()
    _term(commitment, agreement, actor, None)
    refresh_status(commitment)
    return commitment


def update(commitment: Commitment, data: dict, set_by_id: int | None, note: str, actor) -> None:
    """Save an edit. A change to the terms (amount, target, due date ...) is recorded as set by
    `set_by_id`: the commitment's agreement (a correction) or a signed addendum amending it."""
    agreement = commitment.agreement
    setters = {a.id: a for a in rules.term_setters(agreement)}
    if set_by_id not in setters:
        raise CommitmentError(
            _("Choose the agreement or signed addendum that sets these terms."), "set_by"
        )
    values = clean(agreement, Kind(commitment.kind), data)
    note = _text({"change_note": note}, "change_note", 500)
    before = commitment.term_values()
    for key, value in values.items():
        setattr(commitment, key, value)
    if commitment.term_values() != before:
        _term(commitment, setters[set_by_id], actor, note)
    db.session.flush()
    refresh_status(commitment)


def delete(commitment: Commitment) -> None:
    commitment.is_deleted = True
    db.session.flush()
    commitment_changed.send(commitment)  # its figures leave the dashboard's counts


# ---- realisation figures ----------------------------------------------------------------


def _evidence(commitment: Commitment, upload, purpose: str, actor) -> Evidence | None:
    """Check and store an optional evidence file; its row joins the caller's flush."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        checked = uploads.check(upload.stream, upload.filename, "evidence")
    except uploads.UploadError as error:
        raise CommitmentError(str(error), error.field) from error
    stored_name = uploads.write(checked)
    evidence = Evidence(
        commitment=commitment,
        purpose=purpose,
        **checked.columns(stored_name),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(evidence)
    return evidence


def period_label(day: date) -> str:
    """'Juni 2024': the month a period ends in, as documents write it."""
    return format_date(day, "MMMM y", locale=DOC_LOCALE)


def check_period(
    commitment: Commitment,
    period_end: date | None,
    today: date,
    taken: set[date] | None = None,
) -> date:
    """A figure is dated at the end of its period: not in the future, within the agreement's
    term, not before the baseline, and once per period. `taken`: the periods the commitment
    already has figures for, when the caller loaded them at once (an import); else asked."""
    if period_end is None:
        raise CommitmentError(_("Enter the last day of the period."), "period_end")
    if period_end > today:
        raise CommitmentError(_("A figure cannot be dated in the future."), "period_end")
    start, end = rules.term_of(commitment.agreement)
    if start is None:
        raise CommitmentError(
            _("The agreement is not signed yet: figures count from the start of its term."),
            "period_end",
        )
    if period_end < start or (end is not None and period_end > end):
        raise CommitmentError(
            _(
                "The period must end within the agreement's term (%(start)s to %(end)s).",
                start=long_date(start),
                end=long_date(end) if end else "…",
            ),
            "period_end",
        )
    if commitment.kind == Kind.TARGET and period_end < commitment.baseline_on:
        raise CommitmentError(
            _(
                "The period ends before the baseline date %(day)s.",
                day=long_date(commitment.baseline_on),
            ),
            "period_end",
        )
    # One figure per month: two levels for one month (the 22nd and the 31st) read as a
    # double count in every chart and letter.
    month_start = period_end.replace(day=1)
    month_end = month_start.replace(day=monthrange(month_start.year, month_start.month)[1])
    if taken is None:
        clash = db.session.scalar(
            select(RealisationFigure.period_end)
            .where(
                *_counted_figures(),
                RealisationFigure.commitment_id == commitment.id,
                RealisationFigure.period_end.between(month_start, month_end),
            )
            .limit(1)
        )
    else:
        clash = next((day for day in taken if month_start <= day <= month_end), None)
    if clash is not None:
        raise CommitmentError(
            _(
                "A figure for the period ending %(day)s is already recorded; delete it first "
                "to correct it.",
                day=long_date(clash),
            ),
            "period_end",
        )
    return period_end


def _counted_figures() -> tuple:
    """The figures that hold their period: not deleted, not rejected."""
    return (
        RealisationFigure.is_deleted.is_(False),
        RealisationFigure.status != FigureStatus.REJECTED,
    )


def taken_periods(commitment_ids: list[int]) -> dict[int, set[date]]:
    """The periods each commitment already has a figure for, in one query (for an import)."""
    found: dict[int, set[date]] = {cid: set() for cid in commitment_ids}
    if commitment_ids:
        rows = db.session.execute(
            select(RealisationFigure.commitment_id, RealisationFigure.period_end).where(
                *_counted_figures(), RealisationFigure.commitment_id.in_(commitment_ids)
            )
        )
        for cid, day in rows:
            found[cid].add(day)
    return found


def check_figure(
    commitment: Commitment, data: dict, today: date, taken: set[date] | None = None
) -> dict[str, Any]:
    """Every column of a realisation figure, checked; the first fault is refused. One check
    for the figure form and the import (which passes the periods already `taken`)."""
    if commitment.kind == Kind.ACTION:
        raise CommitmentError(_("An action is marked done; it has no figures."))
    period_end = check_period(commitment, data.get("period_end"), today, taken)
    percent = commitment.kind == Kind.TARGET and commitment.metric in PERCENT_METRICS
    value = _decimal(data, "value", percent=percent)
    workers = data.get("workers")
    if workers is not None and (commitment.kind != Kind.BUDGET or not 0 <= workers <= 10**8):
        raise CommitmentError(_("Enter the number of workers enrolled, or leave it empty."),
                              "workers")  # fmt: skip
    return {
        "period_end": period_end,
        "period_label": _text(data, "period_label", LABEL_MAX) or period_label(period_end),
        "value": value,
        "workers": workers,
        "source": _text(data, "source", SOURCE_MAX, required=True),
        "note": _text(data, "note", NOTE_MAX),
    }


def _new_figure(
    commitment: Commitment, values: dict[str, Any], actor, accept: bool
) -> RealisationFigure:
    return RealisationFigure(
        commitment=commitment,
        **values,
        status=FigureStatus.ACCEPTED if accept else FigureStatus.SUBMITTED,
        submitted_by_id=getattr(actor, "id", None),
        decided_by_id=getattr(actor, "id", None) if accept else None,
        decided_at=utcnow() if accept else None,
    )


def add_figure(
    commitment: Commitment, data: dict, upload, actor, *, accept: bool = True
) -> RealisationFigure:
    """Record where a target or budget line stood at the end of a period. Staff figures are
    accepted at once; a partner's (`accept=False`) wait as submitted."""
    values = check_figure(commitment, data, office_today())
    figure = _new_figure(commitment, values, actor, accept)
    figure.evidence = _evidence(commitment, upload, "figure", actor)
    db.session.add(figure)
    _flush_or_discard(figure.evidence)
    refresh_status(commitment)
    return figure


def add_figures(checked: list[tuple[Commitment, dict[str, Any]]], actor) -> int:
    """Write figures already checked by `check_figure` (an import by staff: accepted), in the
    caller's transaction, and refresh the status of each commitment once."""
    for commitment, values in checked:
        db.session.add(_new_figure(commitment, values, actor, accept=True))
    db.session.flush()
    touched = {c.id: c for c, _values in checked}
    refresh_statuses(list(touched.values()))
    return len(checked)


def submit_figure(commitment: Commitment, data: dict, upload, actor) -> RealisationFigure:
    """A partner's figure: it waits as submitted, counting for nothing until staff accept it."""
    if not rules.may_submit(commitment):
        raise CommitmentError(_("Figures are submitted only under an active agreement."))
    figure = add_figure(commitment, data, upload, actor, accept=False)
    figure_submitted.send(figure, actor=actor)
    return figure


def decide_figure(figure: RealisationFigure, accept: bool, reason: str | None, actor) -> None:
    """Staff accept a submitted figure (it counts from now on) or reject it with the reason the
    partner reads; a rejected period is free for a corrected figure."""
    if figure.is_deleted or figure.status != FigureStatus.SUBMITTED:
        raise CommitmentError(_("This figure has already been decided."))
    reason = _text({"reason": reason}, "reason", REASON_MAX, required=not accept)
    figure.status = FigureStatus.ACCEPTED if accept else FigureStatus.REJECTED
    figure.reject_reason = None if accept else reason
    figure.decided_by_id = getattr(actor, "id", None)
    figure.decided_at = utcnow()
    db.session.flush()
    refresh_status(figure.commitment)
    figure_decided.send(figure, actor=actor)


def withdraw_figure(figure: RealisationFigure) -> None:
    """A partner takes back a figure the office has not decided yet (to correct it, or sent
    by mistake); it stays in the history, marked deleted, and its month is free again."""
    if figure.is_deleted or figure.status != FigureStatus.SUBMITTED:
        raise CommitmentError(_("This figure has already been decided."))
    figure.is_deleted = True
    db.session.flush()
    refresh_status(figure.commitment)


def delete_figure(figure: RealisationFigure) -> None:
    """Take a figure out of the count; it stays in the history, marked deleted."""
    figure.is_deleted = True
    db.session.flush()
    refresh_status(figure.commitment)


def mark_done(commitment: Commitment, data: dict, upload, actor) -> None:
    if commitment.kind != Kind.ACTION:
        raise CommitmentError(_("Only an action is marked done."))
    done_on = data.get("done_on")
    if done_on is None:
        raise CommitmentError(_("Enter the day it was done."), "done_on")
    if done_on > office_today():
        raise CommitmentError(_("It cannot be done on a day still to come."), "done_on")
    commitment.done_on = done_on
    commitment.done_note = _text(data, "done_note", NOTE_MAX) or None
    evidence = _evidence(commitment, upload, "done", actor)
    _flush_or_discard(evidence)
    refresh_status(commitment)


def _flush_or_discard(evidence: Evidence | None) -> None:
    """Flush; if that fails, the stored evidence file goes too (no row, no file)."""
    try:
        db.session.flush()
    except BaseException:
        if evidence is not None:
            uploads.discard(evidence.stored_name)
        raise


# ---- the thread ------------------------------------------------------------------------


def add_comment(commitment: Commitment, body: str | None, actor) -> CommitmentComment:
    text = _text({"body": body}, "body", COMMENT_MAX, required=True)
    comment = CommitmentComment(commitment=commitment, author_id=getattr(actor, "id", None),
                                body=text)  # fmt: skip
    db.session.add(comment)
    db.session.flush()
    comment_added.send(comment, actor=actor)
    return comment


# ---- the status cache -------------------------------------------------------------------


def _store_statuses(rows: list[Commitment], today: date) -> list[Commitment]:
    """Write each row's cached verdict for `today` with one plain UPDATE for all of them: it is
    derived data, so it neither touches `updated_at` nor adds an audit entry (the change that
    caused it has its own). Returns the rows whose verdict changed."""
    found = queries.progress_of(rows, today) if rows else {}
    stale = [
        (row, found[row.id].verdict.value)
        for row in rows
        if (row.status, row.status_on) != (found[row.id].verdict.value, today)
    ]
    if stale:
        table = Commitment.__table__
        db.session.execute(
            sql_update(table)
            .where(table.c.id == bindparam("key"))
            .values(status=bindparam("verdict"), status_on=today),
            [{"key": row.id, "verdict": verdict} for row, verdict in stale],
        )
    changed = []
    for row, verdict in stale:
        if row.status != verdict:
            changed.append(row)
        set_committed_value(row, "status", verdict)
        set_committed_value(row, "status_on", today)
    return changed


def refresh_status(commitment: Commitment, today: date | None = None) -> str:
    """Recompute the cached verdict the list filters on (the pages compute their own)."""
    refresh_statuses([commitment], today)
    return commitment.status


def refresh_statuses(commitments: list[Commitment], today: date | None = None) -> None:
    """`refresh_status` for many at once: one progress query for all of them."""
    db.session.flush()
    _store_statuses(commitments, today or office_today())
    for commitment in commitments:
        commitment_changed.send(commitment)


def refresh_all(today: date | None = None, batch: int = 500, *, notify: bool = True) -> int:
    """The daily run: bring every cached verdict up to `today` (a target lapses at midnight
    without anybody touching it); returns how many changed. A bulk load passes notify=False
    and tells its listeners once (commitments_loaded) instead of once per commitment."""
    today = today or office_today()
    changed, last_id = 0, 0
    while True:
        rows = list(
            db.session.scalars(
                select(Commitment)
                .where(Commitment.is_deleted.is_(False), Commitment.id > last_id)
                .order_by(Commitment.id)
                .limit(batch)
            )
        )
        if not rows:
            return changed
        moved = _store_statuses(rows, today)
        changed += len(moved)
        for row in moved if notify else ():
            commitment_changed.send(row)
        last_id = rows[-1].id
