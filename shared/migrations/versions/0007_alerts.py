"""alerts: CRÍTICA and SPAM volume far above its baseline, stored once per window and series

One row per alert: the category, the artist (NULL: all comments), the window counted, the count, the baseline
it was compared with and the threshold it crossed; `email_sent_at` / `webhook_sent_at` record each
notification once it went out (NULL: still to send; the next run retries it).

- `uq_alerts_series_window` (category, coalesce(artist, ''), window_start): two runs that evaluate the same
  window (a scheduled run and `flask verificar-alertas` at the same minute) store it once; an expression index
  because a NULL artist (all comments) would never conflict in a plain unique constraint.
- `ix_alerts_created_at`: the API, the dashboard banner and the pending-notification scan read recent alerts.

The application role reaches the table through the default privileges set for the owner
(deploy/postgres/app-role.sql), like every table of the earlier revisions.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("category", postgresql.ENUM(name="category", create_type=False), nullable=False),
        sa.Column("artist", sa.String(length=200), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("email_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("webhook_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("window_end > window_start", name="alerts_window_order"),
        sa.CheckConstraint("count >= 0 AND baseline >= 0", name="alerts_counts_non_negative"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_alerts_series_window",
        "alerts",
        ["category", sa.text("coalesce(artist, '')"), "window_start"],
        unique=True,
    )
    op.create_index("ix_alerts_created_at", "alerts", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_created_at", table_name="alerts")
    op.drop_index("uq_alerts_series_window", table_name="alerts")
    op.drop_table("alerts")
