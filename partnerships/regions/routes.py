from flask import abort, render_template, request

from partnerships.core.pagination import keyset_page, text_key
from partnerships.extensions import db
from partnerships.regions import bp, services
from partnerships.regions.models import Region

PATH_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "
LEVELS = (1, 2, 3, 4)  # province, regency/city, district, village


@bp.get("/regions")
def index():
    q = request.args.get("q", "")
    level = request.args.get("level", type=int)
    if not q and not level:
        level = 1  # with no search, start at the top of the hierarchy
    page = keyset_page(
        services.search_stmt(q, level if level in LEVELS else None),
        [text_key(Region.code)],
        request.args.get("after"),
    )
    return render_template(
        "regions/index.html", page=page, q=q, level=level, paths=services.paths_for(page.items)
    )


@bp.get("/regions/<code>")
def show(code: str):
    if not services.CODE.match(code):  # not a Kemendagri code: no need to ask the database
        abort(404)
    region = db.get_or_404(Region, code)
    children = keyset_page(
        services.children_stmt(region),
        [text_key(Region.code)],
        request.args.get("after"),
        size=100,
    )
    return render_template(
        "regions/show.html",
        region=region,
        path=services.paths_for([region])[region.code],
        children=children,
    )


@bp.get("/regions/lookup")
def lookup():
    """Suggestions for region inputs: the ten best matches with their full path."""
    q = request.args.get("q", "")
    if len(q.strip()) < 2:
        return {"results": []}
    rows = list(
        db.session.scalars(services.search_stmt(q).order_by(Region.level, Region.code).limit(10))
    )
    paths = services.paths_for(rows)
    return {
        "results": [
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "path": PATH_SEPARATOR.join([p.name for p in paths[r.code]] + [r.name]),
            }
            for r in rows
        ]
    }
