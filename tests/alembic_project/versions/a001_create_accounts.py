"""create accounts

Revision ID: a001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "a001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
    )


def downgrade():
    op.drop_table("accounts")
