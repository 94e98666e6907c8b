from datetime import date, datetime, time, timedelta

from flask import Response, abort, render_template, request, stream_with_context
from flask_babel import get_timezone
from flask_login import current_user

from partnerships.audit import bp, services
from partnerships.audit.models import AuditEntry
from partnerships.audit.permissions import visible_entries
from partnerships.core.formatting import office_today
from partnerships.core.pagination import id_key, keyset_page
from partnerships.extensions import db

FILTERS = ("object_type", "object_id", "action", "actor", "from", "until")


def _filtered():
    """The trail as the filters in the query string narrow it, within the user's scope."""
    stmt = visible_entries(current_user)
    args = request.args
    if value := args.get("object_type", "").strip():
        stmt = stmt.where(AuditEntry.object_type == value)
    if value := args.get("object_id", "").strip():
        stmt = stmt.where(AuditEntry.object_id == value)
    if value := args.get("action", "").strip():
        stmt = stmt.where(AuditEntry.action == value)
    if value := args.get("actor", "").strip():
        stmt = stmt.where(AuditEntry.actor_label.contains(value.lower(), autoescape=True))
    for name, op in (("from", "ge"), ("until", "lt")):
        try:
            day = date.fromisoformat(args.get(name, ""))
        except ValueError:
            continue
        if not 1900 <= day.year <= 9000:  # nothing to narrow, and no date arithmetic overflow
            continue
        moment = datetime.combine(day + timedelta(days=1 if op == "lt" else 0), time.min)
        # The user's day (the one the page shows times in), not UTC's nor the server's.
        moment = get_timezone().localize(moment)
        column = AuditEntry.occurred_at
        stmt = stmt.where(column >= moment if op == "ge" else column < moment)
    return stmt


@bp.get("/audit")
def index():
    page = keyset_page(
        _filtered(), [id_key(AuditEntry.seq)], request.args.get("after"), descending=True
    )
    return render_template("audit/index.html", page=page, args=request.args)


@bp.get("/audit/<object_type>/<object_id>")
def object(object_type: str, object_id: str):
    stmt = visible_entries(current_user).where(
        AuditEntry.object_type == object_type, AuditEntry.object_id == object_id
    )
    page = keyset_page(stmt, [id_key(AuditEntry.seq)], request.args.get("after"), descending=True)
    if page.is_first and not page.items:
        abort(404)
    return render_template(
        "audit/object.html", page=page, object_type=object_type, object_id=object_id
    )


@bp.get("/audit/export.<fmt>")
def export(fmt: str):
    if fmt not in ("csv", "json"):
        abort(404)
    stmt = _filtered().order_by(AuditEntry.seq)
    filters = {k: v for k in FILTERS if (v := request.args.get(k, "").strip())}
    services.record_event(
        "audit_export",
        "AuditEntry",
        None,
        {"format": fmt, **filters},
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
