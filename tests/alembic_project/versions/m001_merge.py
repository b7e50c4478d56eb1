"""merge audit and status

Revision ID: m001
Revises: b001, c001
"""
revision = "m001"
down_revision = ("b001", "c001")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
