"""add email to accounts

Revision ID: a002
Revises: a001
"""
from alembic import op
import sqlalchemy as sa

revision = "a002"
down_revision = "a001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("email", sa.String(200)))
    op.create_index("accounts_email", "accounts", ["email"], unique=True)


def downgrade():
    op.drop_index("accounts_email", table_name="accounts")
    op.drop_column("accounts", "email")
