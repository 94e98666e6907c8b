"""The document store: every file kept once under its SHA-256, never overwritten.

Where the bytes live is configuration (DOCUMENT_STORE_DIR): empty keeps them in the database
(`document_blobs.data`), so any app server reads what any other wrote; a path keeps them in that
folder, which must then be shared by all servers (NFS, a mounted volume). The blob row is written
in both cases, so the database always knows what exists.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from partnerships.core.errors import DomainError
from partnerships.documents.models import Blob
from partnerships.extensions import db


class StoreError(DomainError):
    """A stored file is missing or no longer matches its hash."""


def _folder() -> Path | None:
    configured = current_app.config.get("DOCUMENT_STORE_DIR") or ""
    return Path(configured) if configured else None


def _path(folder: Path, sha256: str) -> Path:
    return folder / sha256[:2] / sha256[2:4] / sha256


def put(data: bytes, content_type: str) -> str:
    """Keep `data` (once) and return its SHA-256; the caller's transaction adds the row."""
    sha256 = hashlib.sha256(data).hexdigest()
    if db.session.get(Blob, sha256) is not None:
        return sha256
    folder = _folder()
    if folder is not None:
        _write_once(_path(folder, sha256), data)
    db.session.add(
        Blob(
            sha256=sha256,
            size=len(data),
            content_type=content_type,
            data=None if folder is not None else data,
        )
    )
    return sha256


def _write_once(path: Path, data: bytes) -> None:
    """Write via a temporary file and an atomic rename; an existing file (same hash, same
    bytes) is left as it is, so two servers storing one document cannot corrupt it."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def get(sha256: str) -> bytes:
    """The bytes stored under `sha256`, checked against it."""
    blob = db.session.get(Blob, sha256)
    if blob is None:
        raise StoreError(f"document {sha256} is not in the store")
    if blob.data is not None:
        data = blob.data
    else:
        folder = _folder()
        path = _path(folder, sha256) if folder is not None else None
        if path is None or not path.exists():
            raise StoreError(f"document {sha256} is missing from the storage folder")
        data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise StoreError(f"document {sha256} no longer matches its hash")
    return data
