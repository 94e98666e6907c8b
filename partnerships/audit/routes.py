from flask import Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from partnerships.audit import bp, queries, readable, services
from partnerships.audit.models import AuditEntry
from partnerships.core.formatting import office_today
from partnerships.core.pagination import id_key, keyset_page
from partnerships.extensions import db


def _page(stmt, filters: queries.Filters, *also: AuditEntry):
    """The page of entries after the cursor, read in words (with `also`, named in the same
    lookups)."""
    page = keyset_page(stmt, [id_key(AuditEntry.seq)], request.args.get("after"), descending=True)
    rows = readable.present([*page.items, *also], show_all=filters.details)
    return page, rows[: len(page.items)], rows[len(page.items) :]


@bp.get("/audit")
def index():
    filters = queries.Filters.from_args(request.args)
    page, rows, _ = _page(queries.trail(current_user, filters), filters)
    return render_template(
        "audit/index.html",
        page=page,
        rows=rows,
        filters=filters,
        params=filters.as_args(),
        office_tz=readable.office_zone(),
        types=readable.TYPE_LABELS,
        actions=readable.ACTION_LABELS,
        actors=queries.actor_choices(current_user),
        system=queries.SYSTEM,
    )


@bp.get("/audit/<object_type>/<object_id>")
def object(object_type: str, object_id: str):
    filters = queries.Filters.from_args(request.args)
    stmt = queries.object_history(current_user, object_type, object_id, filters)
    latest = queries.latest_own_entry(current_user, object_type, object_id)
    if latest is None:  # no such row, or not in this reader's scope
        abort(404)
    page, rows, [own] = _page(stmt, filters, latest)
    return render_template(
        "audit/object.html",
        page=page,
        rows=rows,
        filters=filters,
        params=filters.as_args(),
        pager_params={**filters.as_args(), "object_type": object_type, "object_id": object_id},
        office_tz=readable.office_zone(),
        actions=readable.ACTION_LABELS,
        type_label=readable.type_label(object_type),
        name=own.object_name,
    )


@bp.get("/audit/export.<fmt>")
def export(fmt: str):
    if fmt not in ("csv", "json"):
        abort(404)
    filters = queries.Filters.from_args(request.args)
    stmt = queries.trail(current_user, filters).order_by(AuditEntry.seq)
    recorded = {k: v for k, v in filters.as_args().items() if k != "details"}
    services.record_event(
        "audit_export",
        "AuditEntry",
        None,
        {"format": fmt, **recorded},
        office_id=current_user.office_id,
    )
    db.session.commit()
    body = services.export_csv(stmt) if fmt == "csv" else services.export_json(stmt)
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    stamp = office_today().isoformat()
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f"attachment; filename=audit-{stamp}.{fmt}"},
    )


@bp.get("/audit/verify")
def verify():
    return render_template("audit/verify.html", result=services.verify())
