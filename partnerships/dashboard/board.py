"""Everything the dashboard page shows for a scope, put together: the figures from the
rollups, the charts and the coverage maps (server-drawn SVG), and the lists.

The rendered page is kept per process until what it shows changes (cache.py), for each scope,
set of readable offices, role and language: the country's map alone has 514 shapes to write
out, and the page then costs two small queries.
"""

from flask import render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from partnerships.agreements.lifecycle import STATUS_LABELS
from partnerships.commitments.status import Verdict
from partnerships.commitments.wording import VERDICT_LABELS
from partnerships.core.formatting import number, percent, rupiah
from partnerships.dashboard import cache, charts, services
from partnerships.dashboard.services import Scope
from partnerships.extensions import db
from partnerships.regions import maps
from partnerships.regions.models import Region

BANDS = [
    maps.Band(0.0, "#c6dbef", _l("under %(share)s of the target", share="25%")),
    maps.Band(0.25, "#6baed6", _l("%(low)s to %(high)s of the target", low="25%", high="49%")),
    maps.Band(0.5, "#2171b5", _l("%(low)s to %(high)s of the target", low="50%", high="74%")),
    maps.Band(0.75, "#08306b", _l("%(share)s of the target or more", share="75%")),
]
COMMITTED, REALISED = "#6c757d", "#146c43"
# the order people read statuses in: results first, then what needs attention
STATUS_ORDER = [
    Verdict.MET, Verdict.ON_TRACK, Verdict.AT_RISK, Verdict.BEHIND, Verdict.LAPSED,
    Verdict.NO_DATA, Verdict.DONE, Verdict.DUE, Verdict.OVERDUE,
]  # fmt: skip


def region_values(found: dict, province: str | None) -> dict[str, float | None]:
    """Coverage per regency or city: its own targets' mean share reached, else that of the
    province-wide targets of its province, else nothing (grey)."""
    return {
        o.code: found["regions"].get(o.code, found["provinces"].get(o.code.split(".")[0]))
        for o in maps.in_province(province)
    }


def coverage_map(found: dict, province: str | None, name: str) -> Markup:
    values = region_values(found, province)
    known = [v for v in values.values() if v is not None]
    description = _(
        "%(n)d of %(total)d regencies and cities have coverage figures; each is coloured by the "
        "share of its coverage targets reached, grey without figures. The table of regions "
        "below gives the same numbers.",
        n=len(known),
        total=len(values),
    )
    return maps.choropleth(
        values,
        title=_("Coverage against target: %(name)s", name=name),
        description=description,
        bands=BANDS,
        no_data=_("no figures yet"),
        province=province,
        link=lambda code: url_for("regions.show", code=code),
        label=lambda outline, value: f"{outline.name}: {percent(value)}",
        ident=f"map-{province or 'id'}",
    )


def budget_chart(found: dict) -> charts.BarChart:
    years = [(str(y), [row["amount"], float(row["realised"])]) for y, row in found["years"].items()
             if row["amount"]]  # fmt: skip
    return charts.horizontal(
        years, [(_("Committed"), COMMITTED), (_("Realised"), REALISED)], rupiah
    )


def status_chart(found: dict) -> charts.BarChart:
    rows = [(str(VERDICT_LABELS[v]), [found["by_status"][v.value]]) for v in STATUS_ORDER]
    return charts.horizontal(rows, [(_("Commitments"), "#0b5ed7")], number, bar=16, gap=6)


def home_page(user, scope: Scope) -> Markup:
    """The internal home page's body for `scope`, rendered, or kept (cache.kept) for the same
    scope, reach, role and language while nothing it shows has changed."""

    def render() -> Markup:
        page = render_template(
            "dashboard/_home.html",
            data=services.dashboard(user, scope.office_ids),
            scope=scope,
            choices=services.scope_choices(user),
            board=board(user, scope),
            statuses=STATUS_LABELS,
            verdicts=VERDICT_LABELS,
        )
        return Markup(page)  # noqa: S704 - a template rendered with autoescaping

    key = ("home", scope.value, scope.detail_ids, user.role, user.office_id, str(get_locale()))
    return cache.kept(key, render)


def board(user, scope: Scope) -> dict:
    found = services.figures(scope)
    provinces = services.provinces_of(scope)
    names = dict(
        db.session.execute(select(Region.code, Region.name).where(Region.code.in_(provinces))).all()
    )
    maps_drawn = (
        [coverage_map(found, None, _("Indonesia"))]
        if scope.national
        else [coverage_map(found, code, names.get(code, code)) for code in provinces]
    )
    return {
        "scope": scope,
        "found": found,
        "status_order": [v.value for v in STATUS_ORDER],
        "budget_chart": budget_chart(found),
        "status_chart": status_chart(found),
        "maps": maps_drawn,
        "behind": services.partner_lines(scope, limit=services.LIST_LIMIT, order="coverage"),
        "regions": services.region_lines(scope),
        "overdue": services.overdue_actions(scope),
    }
