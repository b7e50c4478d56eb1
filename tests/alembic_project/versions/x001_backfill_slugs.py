"""backfill account slugs in Python

Revision ID: x001
Revises: a002
"""
from alembic import op
import sqlalchemy as sa

revision = "x001"
down_revision = "a002"
branch_labels = ("backfill",)
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("slug", sa.Text))
    conn = op.get_bind()
    for account_id, name in conn.execute(sa.text("SELECT id, name FROM accounts")):
        conn.execute(sa.text("UPDATE accounts SET slug = :slug WHERE id = :id"),
                     {"slug": name.lower(), "id": account_id})


def downgrade():
    op.drop_column("accounts", "slug")
