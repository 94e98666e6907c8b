"""The clause library: standard articles for an MoU or a PKS, edited by admins.

A clause body is a Jinja template rendered in a sandbox with the agreement's data when a draft
is created; the drafter then edits plain text, which is never rendered as a template.
"""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from partnerships.core.models import SoftDeleteMixin, TimestampMixin
from partnerships.extensions import db


class Clause(TimestampMixin, SoftDeleteMixin, db.Model):
    __tablename__ = "clauses"
    __audit__: dict = {}

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_kind: Mapped[str] = mapped_column(String(10), index=True)  # mou or pks
    position: Mapped[int]
    heading: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
