from flask import Response, abort, current_app, render_template, request, stream_with_context
from flask_login import current_user

from partnerships.agreements.lifecycle import STATUS_LABELS
from partnerships.core.formatting import office_today
from partnerships.core.roles import Role
from partnerships.dashboard import board, bp, exports, follow_ups, scorecard
from partnerships.dashboard.services import (
    Scope,
    dashboard,
    is_national,
    resolve_scope,
    scope_choices,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/")
def index():
    today = office_today()
    if current_user.role == Role.PARTNER:  # its own numbers; the portal shows the rest
        return render_template(
            "dashboard/index.html",
            data=dashboard(current_user),
            statuses=STATUS_LABELS,
            follow_ups=follow_ups.overdue(current_user, None, today),
        )
    scope = resolve_scope(current_user, request.args.get("office"))
    return render_template(
        "dashboard/index.html",
        body=board.home_page(current_user, scope),
        follow_ups=follow_ups.overdue(current_user, scope, today),
    )


def _download(table: str, fmt: str, scope: Scope, name: str):
    if fmt not in ("csv", "xlsx") or table not in exports.TABLES:
        abort(404)
    national = Scope(None, None, None, "")
    stamp = office_today().isoformat()
    disposition = {"Content-Disposition": f"attachment; filename={name}-{table}-{stamp}.{fmt}"}
    if fmt == "csv":
        body = stream_with_context(exports.as_csv(table, scope, national))
        return Response(body, mimetype="text/csv", headers=disposition)
    return Response(exports.as_xlsx(table, scope, national), mimetype=XLSX, headers=disposition)


@bp.get("/dashboard/export.<fmt>")
def export(fmt: str):
    scope = resolve_scope(current_user, request.args.get("office"))
    return _download(request.args.get("table", "partners"), fmt, scope, "dasbor")


@bp.get("/scorecard")
def scorecard_page():
    scope = resolve_scope(current_user, request.args.get("office"))
    sort = request.args.get("sort", "score")
    sort = sort if sort in scorecard.SORTS else "score"
    found = scorecard.ordered(scorecard.cards(scope, Scope(None, None, None, "")), sort)
    rows, next_cursor = scorecard.page(
        found, request.args.get("after"), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "dashboard/scorecard.html",
        scope=scope,
        choices=scope_choices(current_user),
        rows=rows,
        total=len(found),
        next_cursor=next_cursor,
        is_first=not request.args.get("after"),
        sort=sort,
        national_rank=is_national(current_user),
    )


@bp.get("/scorecard/export.<fmt>")
def scorecard_export(fmt: str):
    scope = resolve_scope(current_user, request.args.get("office"))
    return _download("partners", fmt, scope, "rapor-mitra")
