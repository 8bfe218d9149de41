"""English identifiers: columns, enum type, indexes and constraints renamed (values unchanged)

The language rule (README, "Idioma"): the API, UI and CLI speak Portuguese; code and database identifiers
are English. Category and status VALUES ("CRÍTICA", "pendente") are part of the public contract and stay.
Renames keep every row, index and generated column (PostgreSQL follows the column by number).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, old column, new column)
COLUMNS = (
    ("comments", "texto", "text"),
    ("comments", "artista", "artist"),
    ("comments", "musica", "song"),
    ("classifications", "categoria", "category"),
    ("classifications", "confianca", "confidence"),
    ("classifications", "artista", "artist"),
    ("classification_tags", "codigo", "code"),
    ("classification_tags", "explicacao", "explanation"),
    ("weekly_summaries", "texto", "text"),
)
INDEXES = (
    ("ix_comments_artista", "ix_comments_artist"),
    ("ix_classifications_current_categoria", "ix_classifications_current_category"),
    ("ix_classification_tags_codigo", "ix_classification_tags_code"),
)
CONSTRAINTS = (
    ("comments", "texto_not_empty", "text_not_empty"),
    ("classifications", "confianca_between_0_and_1", "confidence_between_0_and_1"),
    ("classification_tags", "codigo_snake_case", "code_snake_case"),
)
PURPOSE_CHECK = "purpose IN ('classify', 'summary', 'insight')"


def _rename(columns, indexes, constraints, enum_from: str, enum_to: str) -> None:
    for table, old, new in columns:
        op.alter_column(table, old, new_column_name=new)
    for old, new in indexes:
        op.execute(f'ALTER INDEX "{old}" RENAME TO "{new}"')
    for table, old, new in constraints:
        op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old}" TO "{new}"')
    op.execute(f'ALTER TYPE "{enum_from}" RENAME TO "{enum_to}"')


def upgrade() -> None:
    _rename(COLUMNS, INDEXES, CONSTRAINTS, "categoria", "category")
    op.create_check_constraint("purpose_known", "llm_calls", PURPOSE_CHECK)


def downgrade() -> None:
    op.drop_constraint("purpose_known", "llm_calls", type_="check")
    _rename(
        [(t, new, old) for t, old, new in COLUMNS],
        [(new, old) for old, new in INDEXES],
        [(t, new, old) for t, old, new in CONSTRAINTS],
        "category",
        "categoria",
    )
