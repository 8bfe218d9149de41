"""index for the "revisar" filter and count: automatic current classifications by confidence

The dashboard counts and filters comments whose current automatic classification is below
REVIEW_BELOW_CONFIDENCE; this partial index makes that an index range scan over the (few) unsure rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

WHERE = sa.text("is_current AND origin <> 'humano'")


def upgrade() -> None:
    op.create_index(
        "ix_classifications_current_auto_confidence",
        "classifications",
        ["confidence"],
        postgresql_where=WHERE,
        postgresql_include=["comment_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_classifications_current_auto_confidence", table_name="classifications", postgresql_where=WHERE)
