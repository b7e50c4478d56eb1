"""seed the system account

Revision ID: a003
Revises: m001
"""
from alembic import op
import sqlalchemy as sa

revision = "a003"
down_revision = "m001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("INSERT INTO accounts (id, name, status) VALUES (0, 'system; the ''root''', 'system')")
    op.execute("INSERT INTO audit_log (id, account_id, event) VALUES (1, 0, 'seeded')")


def downgrade():
    op.execute("DELETE FROM audit_log WHERE id = 1")
    op.execute("DELETE FROM accounts WHERE id = 0")
