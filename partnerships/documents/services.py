"""Registering documents in the store: every generated or uploaded file becomes a `Document`
row over a content-addressed blob, in the caller's transaction."""

import secrets
from collections.abc import Mapping
from datetime import date
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from sqlalchemy import func, select

from partnerships.documents import rendering, sealing, store
from partnerships.documents.models import DocKind, Document, Origin
from partnerships.extensions import db


def new_verify_token() -> str:
    """The token a sealed document's QR carries; chosen before the PDF is rendered."""
    return secrets.token_urlsafe(24)


def next_version(subject_type: str, subject_id: int, kind: str) -> int:
    latest = db.session.scalar(
        select(func.max(Document.version)).where(
            Document.subject_type == subject_type,
            Document.subject_id == subject_id,
            Document.kind == kind,
        )
    )
    return (latest or 0) + 1


def register(
    data: bytes,
    *,
    kind: DocKind,
    subject: tuple[str, int],
    title: str,
    filename: str,
    office_id: int,
    issued_on: date,
    content_type: str = "application/pdf",
    origin: Origin = Origin.GENERATED,
    number: str | None = None,
    period: str | None = None,
    agreement_version: int | None = None,
    is_draft: bool = False,
    sealed: bool = False,
    verify_token: str | None = None,
    user_id: int | None = None,
) -> Document:
    """Keep the bytes and describe them; a new document for the same subject and kind is the
    next version, never a replacement."""
    subject_type, subject_id = subject
    document = Document(
        kind=kind,
        origin=origin,
        sha256=store.put(data, content_type),
        subject_type=subject_type,
        subject_id=subject_id,
        version=next_version(subject_type, subject_id, kind),
        period=period,
        agreement_version=agreement_version,
        is_draft=is_draft,
        sealed=sealed,
        title=title,
        number=number,
        issued_on=issued_on,
        office_id=office_id,
        filename=filename,
        verify_token=verify_token or new_verify_token(),
        created_by_id=user_id,
    )
    db.session.add(document)
    db.session.flush()
    return document


def content(document: Document) -> bytes:
    return store.get(document.sha256)


def documents_of(subject_type: str, subject_id: int) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(Document.subject_type == subject_type, Document.subject_id == subject_id)
            .order_by(Document.created_at, Document.id)
        )
    )


def by_token(token: str) -> Document | None:
    return db.session.scalar(select(Document).where(Document.verify_token == token))


def by_hash(sha256: str) -> list[Document]:
    return list(db.session.scalars(select(Document).where(Document.sha256 == sha256)))


def verify_url(token: str) -> str:
    """The QR's target. Outside a request (the CLI, the demo, a job) under BASE_URL, as mail
    links are: there is no request to take the host from."""
    if has_request_context():
        return url_for("documents.verify_token", token=token, _external=True)
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, base.path or "/", url_scheme=base.scheme)
    return adapter.build("documents.verify_token", {"token": token}, force_external=True)


def rehearse(template: str, data: Mapping, *, office_id: int) -> bytes:
    """Render and seal as `issue` does, keeping nothing (the sealed PDF is returned, not
    stored): a worker's warm-up, after which the template, the queries behind `data` and the
    office's signer are ready for its first task."""
    url = verify_url(new_verify_token())
    pdf = rendering.render_pdf(template, {**data, "verify_url": url})
    return sealing.seal(pdf, office_id=office_id, verify_url=url)


def issue(
    template: str,
    data: Mapping,
    *,
    kind: DocKind,
    subject: tuple[str, int],
    title: str,
    filename: str,
    office_id: int,
    issued_on: date,
    number: str | None = None,
    period: str | None = None,
    agreement_version: int | None = None,
    is_draft: bool = False,
    seal: bool = True,
    user_id: int | None = None,
) -> Document:
    """Render `template` from plain `data`, seal it with the office's certificate (unless a
    draft or `seal=False`) and register it. The template receives `verify_url` (the QR's
    target; the token is chosen first) besides `data`."""
    token = new_verify_token()
    url = verify_url(token)
    pdf = rendering.render_pdf(template, {**data, "verify_url": url})
    sealed = seal and not is_draft
    if sealed:
        pdf = sealing.seal(pdf, office_id=office_id, verify_url=url)
    return register(
        pdf,
        kind=kind,
        subject=subject,
        title=title,
        filename=filename,
        office_id=office_id,
        issued_on=issued_on,
        number=number,
        period=period,
        agreement_version=agreement_version,
        is_draft=is_draft,
        sealed=sealed,
        verify_token=token,
        user_id=user_id,
    )
