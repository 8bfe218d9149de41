"""users.token_version: revocable tokens and dashboard sessions

Every access/refresh token and every dashboard session carries the user's version at issue time; bumping it
(deactivation, password change, "sair de todos os lugares") ends them all at once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("token_version", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("users", "token_version")
