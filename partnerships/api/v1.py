"""The JSON API, version 1: what a user may see, read with that user's token, page by page
(keyset cursors); partner users also submit their realisation figures. Every query starts from
the domain's own `visible_*` query, so a token sees exactly what its user sees on the pages."""

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint, abort
from sqlalchemy import or_, select

from partnerships.agreements.models import Agreement
from partnerships.agreements.permissions import visible_agreements
from partnerships.agreements.search import with_parties
from partnerships.agreements.signing import NOT_LISTED, documents_of_agreements
from partnerships.api import schemas
from partnerships.commitments import services as commitments
from partnerships.commitments.errors import CommitmentError
from partnerships.commitments.models import Commitment, ProgressLetter, RealisationFigure
from partnerships.commitments.permissions import (
    can_submit,
    visible_commitments,
    visible_letters,
)
from partnerships.core.pagination import id_key, keyset_page
from partnerships.documents.models import Document
from partnerships.events.models import Event
from partnerships.events.permissions import visible_events
from partnerships.extensions import db

blp = Blueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="Agreements, commitments, realisation figures, events and documents' metadata.",
)


def _page(stmt, column, args) -> dict:
    page = keyset_page(stmt, [id_key(column)], args["after"], size=args["limit"])
    return {"items": page.items, "next": page.next_cursor}


def _one(stmt, column, object_id: int):
    found = db.session.scalar(stmt.where(column == object_id))
    if found is None:
        abort(404)  # absent, or not this user's to see: the same answer
    return found


# ---- agreements -------------------------------------------------------------------------


AGREEMENT_FIELDS = [name for name in schemas.Agreement().fields if name != "parties"]


def _agreement(agreement: Agreement) -> dict:
    data = {name: getattr(agreement, name) for name in AGREEMENT_FIELDS}
    data["parties"] = [
        {
            "position": party.position,
            "name": party.partner.name if party.partner is not None else party.office.name,
            "number": party.number,
        }
        for party in agreement.parties
    ]
    return data


@blp.get("/agreements")
@blp.arguments(schemas.AgreementQuery, location="query")
@blp.response(200, schemas.page_of(schemas.Agreement))
def agreements(args):
    """The agreements the token's user may see, in the order they were made, page by page."""
    stmt = with_parties(visible_agreements(current_user))
    if args["status"]:
        stmt = stmt.where(Agreement.status == args["status"])
    page = _page(stmt, Agreement.id, args)
    return {**page, "items": [_agreement(a) for a in page["items"]]}


@blp.get("/agreements/<int:agreement_id>")
@blp.response(200, schemas.Agreement)
def agreement(agreement_id: int):
    stmt = with_parties(visible_agreements(current_user))
    return _agreement(_one(stmt, Agreement.id, agreement_id))


# ---- commitments and their figures ------------------------------------------------------


@blp.get("/commitments")
@blp.arguments(schemas.CommitmentQuery, location="query")
@blp.response(200, schemas.page_of(schemas.Commitment))
def commitments_list(args):
    """The commitments the token's user may see (a partner user: its own partner's)."""
    stmt = visible_commitments(current_user)
    if args["agreement_id"]:
        stmt = stmt.where(Commitment.agreement_id == args["agreement_id"])
    return _page(stmt, Commitment.id, args)


@blp.get("/commitments/<int:commitment_id>")
@blp.response(200, schemas.Commitment)
def commitment(commitment_id: int):
    return _one(visible_commitments(current_user), Commitment.id, commitment_id)


@blp.get("/commitments/<int:commitment_id>/realisations")
@blp.arguments(schemas.PageQuery, location="query")
@blp.response(200, schemas.page_of(schemas.Realisation))
def realisations(args, commitment_id: int):
    """A commitment's realisation figures, submitted, accepted and rejected."""
    found = _one(visible_commitments(current_user), Commitment.id, commitment_id)
    stmt = select(RealisationFigure).where(
        RealisationFigure.commitment_id == found.id, RealisationFigure.is_deleted.is_not(True)
    )
    return _page(stmt, RealisationFigure.id, args)


@blp.post("/commitments/<int:commitment_id>/realisations")
@blp.arguments(schemas.NewRealisation)
@blp.response(201, schemas.Realisation)
@blp.alt_response(403, description="Only the partner that owes it submits figures.")
@blp.alt_response(422, description="The figure is refused; `message` says why.")
def submit_realisation(data, commitment_id: int):
    """A partner user submits a figure on what its own partner owes; it waits, counting for
    nothing, until the office accepts it (as from the commitment's page)."""
    found = _one(visible_commitments(current_user), Commitment.id, commitment_id)
    if not can_submit(current_user, found):
        abort(403, message="Only the partner that owes this commitment submits its figures.")
    try:
        figure = commitments.submit_figure(found, data, None, current_user)
    except CommitmentError as refused:
        db.session.rollback()
        details = {refused.field: [str(refused)]} if refused.field else None
        abort(422, message=str(refused), errors=details)
    db.session.commit()
    return figure, 201, {"Location": url_for(".realisations", commitment_id=found.id)}


# ---- events -----------------------------------------------------------------------------


@blp.get("/events")
@blp.arguments(schemas.PageQuery, location="query")
@blp.response(200, schemas.page_of(schemas.Event))
def events(args):
    """The events the token's user may see (no minutes, no attendance lists)."""
    return _page(visible_events(current_user), Event.id, args)


@blp.get("/events/<int:event_id>")
@blp.response(200, schemas.Event)
def event(event_id: int):
    return _one(visible_events(current_user), Event.id, event_id)


# ---- documents --------------------------------------------------------------------------


def _visible_documents():
    """As on the pages: an agreement's documents as its page lists them for the user (a
    partner: the sealed text, the berita acara and its own party's uploads; no dossier
    manifests, which record downloads), and the progress letters the user may read."""
    agreements = visible_agreements(current_user).with_only_columns(Agreement.id)
    listed = (
        documents_of_agreements(agreements, current_user)
        .where(Document.kind.not_in(NOT_LISTED))
        .with_only_columns(Document.id)
    )
    letters = visible_letters(current_user).with_only_columns(ProgressLetter.document_id)
    return select(Document).where(or_(Document.id.in_(listed), Document.id.in_(letters)))


@blp.get("/documents")
@blp.arguments(schemas.PageQuery, location="query")
@blp.response(200, schemas.page_of(schemas.Document))
def documents(args):
    """Documents' metadata (kind, number, date, issuer, hash): the files stay on the pages."""
    return _page(_visible_documents(), Document.id, args)


@blp.get("/documents/<int:document_id>")
@blp.response(200, schemas.Document)
def document(document_id: int):
    return _one(_visible_documents(), Document.id, document_id)
