"""What an agreement's status means on a given day, as every page shows it.

A signed agreement whose start date is still ahead keeps the status `active` (the workflow has
nothing left to do) but is not in force yet: that is derived from the dates when it is shown,
so lists, the agreement page and the daily job, which all read the same columns, cannot disagree.
"""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from partnerships.agreements.models import Agreement, Status
from partnerships.core.formatting import long_date, office_today

STATUS_LABELS = {
    Status.DRAFT: _l("Draft"),
    Status.IN_REVIEW: _l("In review"),
    Status.APPROVED: _l("Approved"),
    Status.AWAITING_SIGNATURE: _l("Awaiting signature"),
    Status.ACTIVE: _l("Active"),
    Status.EXPIRED: _l("Expired"),
    Status.TERMINATED: _l("Terminated"),
    Status.SUPERSEDED: _l("Superseded"),
}


NOT_YET_IN_FORCE = "signed"  # the badge shown for a signed agreement not in force yet


def not_yet_in_force(agreement: Agreement, today: date | None = None) -> bool:
    return (
        agreement.status == Status.ACTIVE
        and agreement.effective_on is not None
        and agreement.effective_on > (today or office_today())
    )


def status_key(agreement: Agreement, today: date | None = None) -> str:
    """The status to show: `signed` for an agreement signed but not in force yet."""
    return NOT_YET_IN_FORCE if not_yet_in_force(agreement, today) else agreement.status


# Bootstrap badge colours by the status shown.
STATUS_COLOURS = {
    Status.DRAFT: "secondary",
    Status.IN_REVIEW: "info",
    Status.APPROVED: "primary",
    Status.AWAITING_SIGNATURE: "warning",
    NOT_YET_IN_FORCE: "primary",
    Status.ACTIVE: "success",
    Status.EXPIRED: "dark",
    Status.TERMINATED: "danger",
    Status.SUPERSEDED: "light",
}


def badge(agreement: Agreement, labels: dict | None = None) -> tuple[str, str]:
    """The status badge's colour and words, as the dates make it today (one reading of the
    day for both: a list shows 25 of them), with the page's translated `labels`."""
    today = office_today()
    return STATUS_COLOURS.get(status_key(agreement, today), "secondary"), status_label(
        agreement, today, labels
    )


def status_label(
    agreement: Agreement, today: date | None = None, labels: dict | None = None
) -> str:
    """ "Ditandatangani, berlaku mulai 1 Januari 2027" before the start date; else the status."""
    if not_yet_in_force(agreement, today):
        return _("Signed, in force from %(day)s", day=long_date(agreement.effective_on))
    return str((labels or STATUS_LABELS).get(agreement.status, agreement.status))
