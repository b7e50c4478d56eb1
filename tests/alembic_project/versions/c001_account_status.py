"""account status; needs the audit log

Revision ID: c001
Revises: a002
"""
from alembic import op
import sqlalchemy as sa

revision = "c001"
down_revision = "a002"
branch_labels = None
depends_on = "b001"


def upgrade():
    op.add_column("accounts", sa.Column("status", sa.Text, nullable=False, server_default="active"))
    op.alter_column("accounts", "name", type_=sa.String(100))


def downgrade():
    op.alter_column("accounts", "name", type_=sa.Text)
    op.drop_column("accounts", "status")
