"""The agreements shown on other domains' pages (core.sections): a partner's agreements on its
page, and the agreements of a region's partners on the region page, always within the viewer's
scope and in a fixed number of queries."""

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnerships.agreements import lifecycle, search
from partnerships.agreements.forms import KIND_LABELS
from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import visible_agreements
from partnerships.core import sections
from partnerships.core.policy import can
from partnerships.extensions import db

LIMIT = 20  # the rest are one click away, on the filtered agreement list


def linked_agreements(filters: dict[str, str]) -> list[Agreement]:
    """Agreements matching the list filters (`partner`, `region`) that the current user may
    see, newest first, with their parties loaded in one more query; at most LIMIT + 1."""
    stmt = search.with_parties(search.filtered(visible_agreements(current_user), filters))
    return list(db.session.scalars(stmt.order_by(Agreement.id.desc()).limit(LIMIT + 1)))


def _section(filters: dict[str, str], heading: str) -> str:
    if not can("agreements.index"):
        return ""
    rows = linked_agreements(filters)
    return render_template(
        "agreements/_linked.html",
        rows=rows[:LIMIT],
        more=len(rows) > LIMIT,
        all_url=url_for("agreements.index", **filters),
        heading=heading,
        kinds=KIND_LABELS,
        statuses=lifecycle.STATUS_LABELS,
    )


def for_partner(partner, **_context) -> str:
    return _section({"partner": str(partner.id)}, _("Agreements"))


def for_region(region, **_context) -> str:
    return _section({"region": region.code}, _("Agreements with partners in this region"))


sections.register("partner", "agreements", for_partner)
sections.register("region", "agreements", for_region)
