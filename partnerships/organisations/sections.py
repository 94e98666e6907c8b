"""The partners shown on a region's page (core.sections), within the viewer's scope."""

from flask import render_template, url_for
from flask_login import current_user
from sqlalchemy import or_

from partnerships.core import sections
from partnerships.extensions import db
from partnerships.organisations.forms import PARTNER_KIND_LABELS
from partnerships.organisations.models import Partner
from partnerships.organisations.scope import visible_partners

LIMIT = 50


def partners_in_region(code: str) -> list[Partner]:
    """Partners seated in the region or anywhere below it (51.04 is Gianyar, never 51.041),
    that the current user may see; at most LIMIT + 1."""
    within = or_(Partner.region_code == code, Partner.region_code.startswith(code + "."))
    stmt = visible_partners(current_user).where(within).order_by(Partner.name, Partner.id)
    return list(db.session.scalars(stmt.limit(LIMIT + 1)))


def for_region(region, **_context) -> str:
    rows = partners_in_region(region.code)
    return render_template(
        "organisations/_region_partners.html",
        rows=rows[:LIMIT],
        more=len(rows) > LIMIT,
        all_url=url_for("organisations.partners", q=region.code),
        kinds=PARTNER_KIND_LABELS,
    )


sections.register("region", "partners", for_region)
