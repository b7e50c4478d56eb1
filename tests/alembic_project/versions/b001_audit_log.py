"""create the audit log

Revision ID: b001
Revises: a002
"""
from alembic import op
import sqlalchemy as sa

revision = "b001"
down_revision = "a002"
branch_labels = ("audit",)
depends_on = None


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id")),
        sa.Column("event", sa.Text, nullable=False),
    )


def downgrade():
    op.drop_table("audit_log")
