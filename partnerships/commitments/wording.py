"""A commitment's status as people read it: never a bare label, always the sentence with the
numbers behind it ("43% of 50%, 30% of the way (the straight line: 75% by today), projected
47% by 31 Dec 2026"), in the user's language."""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from partnerships.agreements.forms import FUNDING_LABELS
from partnerships.commitments.forms import METRIC_LABELS
from partnerships.commitments.models import PERCENT_METRICS, Commitment, Kind
from partnerships.commitments.status import ActionProgress, Progress, Verdict
from partnerships.core.formatting import medium_date, number, rupiah
from partnerships.extensions import db
from partnerships.regions.models import Region

VERDICT_LABELS = {
    Verdict.MET: _l("Met"),
    Verdict.ON_TRACK: _l("On track"),
    Verdict.AT_RISK: _l("At risk"),
    Verdict.BEHIND: _l("Behind"),
    Verdict.LAPSED: _l("Lapsed"),
    Verdict.NO_DATA: _l("No figures yet"),
    Verdict.DONE: _l("Done"),
    Verdict.OVERDUE: _l("Overdue"),
    Verdict.DUE: _l("Due"),
}
# Bootstrap badge colours that keep AA contrast with their text.
VERDICT_COLOURS = {
    Verdict.MET: "success",
    Verdict.ON_TRACK: "success",
    Verdict.AT_RISK: "warning",
    Verdict.BEHIND: "danger",
    Verdict.LAPSED: "dark",
    Verdict.NO_DATA: "secondary",
    Verdict.DONE: "success",
    Verdict.OVERDUE: "danger",
    Verdict.DUE: "info",
}


def value_text(commitment: Commitment, value: float | None) -> str:
    """A value in the commitment's unit: 43%, 12.100, Rp2.580.480.000."""
    if value is None:
        return "—"
    if commitment.kind == Kind.BUDGET:
        return rupiah(round(value))
    if commitment.metric in PERCENT_METRICS:
        return f"{number(round(value, 1))}%"
    return number(round(value))


def sentence(commitment: Commitment, found: Progress | ActionProgress) -> str:
    """The status with the numbers behind it, in one sentence."""
    if isinstance(found, ActionProgress):
        return _action_sentence(found)
    show = lambda v: value_text(commitment, v)  # noqa: E731 (a local shorthand)
    latest = found.latest
    if found.verdict == Verdict.MET:
        return _(
            "Met: %(value)s of %(target)s on %(day)s.",
            value=show(latest.value),
            target=show(found.target),
            day=medium_date(latest.on),
        )
    if found.verdict == Verdict.NO_DATA:
        return _(
            "No figures yet; the straight line expects %(expected)s by today and %(target)s "
            "by %(due)s.",
            expected=show(found.expected),
            target=show(found.target),
            due=medium_date(found.due_on),
        )
    if latest is None:  # lapsed without a single figure
        return _(
            "Lapsed on %(due)s without a figure reported (target %(target)s).",
            due=medium_date(found.due_on),
            target=show(found.target),
        )
    numbers = {
        "value": show(latest.value),
        "target": show(found.target),
        "day": medium_date(latest.on),
        "way": format_percent(max(found.way, 0)),
        "expected": format_percent(found.expected_way),
        "due": medium_date(found.due_on),
    }
    if found.verdict == Verdict.LAPSED:
        return _(
            "%(value)s of %(target)s (%(day)s), %(way)s of the way when it fell due on %(due)s.",
            **numbers,
        )
    numbers["projected"] = show(found.projected)
    if commitment.kind == Kind.BUDGET:
        return _(
            "%(value)s of %(target)s disbursed (%(day)s), %(way)s of the way (the straight "
            "line: %(expected)s by today), projected %(projected)s by %(due)s.",
            **numbers,
        )
    return _(
        "%(value)s of %(target)s (%(day)s), %(way)s of the way (the straight line: "
        "%(expected)s by today), projected %(projected)s by %(due)s.",
        **numbers,
    )


def _action_sentence(found: ActionProgress) -> str:
    if found.verdict == Verdict.DONE:
        return _(
            "Done on %(day)s (due %(due)s).",
            day=medium_date(found.done_on),
            due=medium_date(found.due_on),
        )
    if found.verdict == Verdict.OVERDUE:
        return ngettext(
            "Overdue: due on %(due)s, %(num)d day ago.",
            "Overdue: due on %(due)s, %(num)d days ago.",
            -found.days,
            due=medium_date(found.due_on),
        )
    if found.days == 0:
        return _("Due today.")
    return ngettext(
        "Due by %(due)s, in %(num)d day.",
        "Due by %(due)s, in %(num)d days.",
        found.days,
        due=medium_date(found.due_on),
    )


TERM_LABELS = {
    "fiscal_year": _l("Fiscal year"),
    "funding": _l("Source of funding"),
    "account_code": _l("Budget account code"),
    "amount": _l("Amount"),
    "programs": _l("Programs"),
    "workers": _l("Workers covered"),
    "months": _l("Months"),
    "metric": _l("What is counted"),
    "baseline_value": _l("Baseline value"),
    "baseline_on": _l("Baseline date"),
    "target_value": _l("Target value"),
    "due_on": _l("Due date"),
    "region_code": _l("Region"),
}


@dataclass(frozen=True)
class _Unit:
    """What a value is counted in, for a term read without its commitment (the audit trail)."""

    kind: str
    metric: str | None


def term_summary(values) -> str:
    """A recorded term in one line: 'Target value: 12.800; Due date: 31 Des 2026; ...'."""
    if not isinstance(values, dict):
        return str(values)
    kind = Kind.BUDGET if "amount" in values else Kind.TARGET if "metric" in values else Kind.ACTION
    unit = _Unit(kind, values.get("metric"))
    # no look-ups: the trail reads a page of entries in a fixed number of queries
    parts = [
        f"{TERM_LABELS.get(k, k)}: {v if k == 'region_code' else term_text(unit, k, v)}"
        for k, v in values.items()
    ]
    return "; ".join(parts)


def term_text(commitment: Commitment, key: str, value) -> str:
    """One value of a recorded term (as stored: dates and decimals as text) for reading."""
    if value in (None, "", []):
        return "—"
    if key in ("baseline_on", "due_on"):
        return medium_date(date.fromisoformat(value))
    if key == "amount":
        return rupiah(int(value))
    if key in ("baseline_value", "target_value"):
        return value_text(commitment, float(value))
    if key in ("workers", "months"):
        return number(int(value))
    if key == "programs":
        return ", ".join(value)
    if key == "funding":
        return str(FUNDING_LABELS.get(value, value))
    if key == "metric":
        return str(METRIC_LABELS.get(value, value))
    if key == "region_code":
        region = db.session.get(Region, value)
        return f"{region.name} ({value})" if region else str(value)
    return str(value)


def term_lines(commitment: Commitment, terms: list) -> list[list[tuple[str, str, bool]]]:
    """For each recorded term, its values as (label, text, changed since the term before)."""
    lines, previous = [], {}
    for term in terms:
        values = term.set_values or {}
        lines.append(
            [
                (
                    str(TERM_LABELS.get(key, key)),
                    term_text(commitment, key, value),
                    bool(previous) and previous.get(key) != value,
                )
                for key, value in values.items()
            ]
        )
        previous = values
    return lines
