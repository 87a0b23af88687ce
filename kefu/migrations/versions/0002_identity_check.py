"""Identity check: the session keeps the customer's phone in full and when it was verified;
each SMS check is a row of ``verifications``.

The masked phone column goes: the view masks the full number. Sessions opened before this
revision have no number left, as if the customer had given none.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("codes_sent", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("question_seq", sa.Integer(), nullable=False),
        sa.Column("held_reply", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], name=op.f("fk_verifications_session_id_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
    )
    op.create_index(op.f("ix_verifications_session_id"), "verifications", ["session_id"])
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(sa.Column("customer_phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_column("customer_phone_masked")


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.add_column(sa.Column("customer_phone_masked", sa.String(length=32), nullable=True))
        batch_op.drop_column("verified_at")
        batch_op.drop_column("customer_phone")
    op.drop_table("verifications")
