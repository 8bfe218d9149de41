"""rollups: hourly aggregates of the report, kept exact by triggers in the writing transaction

The public report, the dashboard KPIs and the weekly summary read these tables instead of the comments, so
their cost depends on the length of the period, not on the size of the history.

Buckets are UTC hours (`rollup_hour(occurred_at)`): a calendar day in TIMEZONE is a whole number of buckets
for every zone with a whole-hour offset (America/Sao_Paulo), and "the last 48 h" is 48 buckets.

- rollup_comments_hourly (hour, shard): comments of every status. `shard` spreads the concurrent inserts of
  the API over 16 rows per hour (a hot single row would serialise every intake transaction until its commit);
  readers only ever sum the shards of an hour, and a shard row alone means nothing (it may be negative).
- rollup_categories_hourly (hour, category): current classifications, the sum of their confidence (numeric:
  exact, so the rows match a recount) and a 20-bucket histogram of the confidence (bucket i holds
  [i/20, (i+1)/20); 1.0 goes to the last one) for an approximate median.
- rollup_tags_hourly (hour, category, code): comments whose current classification cites the tag, with the
  same confidence histogram (dashboard counts "tag + confidence >= 70%" are sums of whole buckets).
- rollup_artists_hourly (hour, category, artist, client_sent): current classifications by artist, the one the
  client sent (client_sent) else the one the classifier set.

A comment contributes to the classification rollups through its CURRENT classification only, and a tag counts
when it exists, its classification is current and the comment exists. The triggers keep exactly that:
- comments: AFTER INSERT (statement, transition table) adds to the comment count; BEFORE DELETE (row) takes the
  comment and its current classification out (the classifications are then deleted by the cascade, when the
  comment is no longer visible, so their own triggers find nothing to do); AFTER UPDATE of the columns
  behind occurred_at or of artist (row, only when they change) moves the contributions.
- classifications: AFTER INSERT and AFTER UPDATE (statement, transition tables; an update counts only when
  is_current, category, confidence, artist or comment_id changes: re-classification flips is_current) and
  BEFORE DELETE (row) apply the difference, tags included.
- classification_tags: AFTER INSERT / UPDATE / DELETE (statement) apply the tags of current classifications.
- TRUNCATE of a base table empties the rollups that depend on it.
Every change to the classification rollups first takes one transaction-level advisory lock: transactions that
write them (classify jobs, corrections, deletes) would otherwise take the same hot rows in different orders
across their statements and deadlock; they are short, and the hot rows serialised them anyway.

`rollup_rebuild()` recomputes everything from the base tables in one transaction (base tables locked in SHARE
mode: reads go on, writes wait); the migration uses it for the backfill and `flask recalcular-agregados` too.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

HISTOGRAM_BUCKETS = 20
# pg_advisory_xact_lock key of the classification rollups ("rollups" in ASCII, as a number).
LOCK_KEY = 0x726F6C6C757073
COMMENT_SHARDS = 16

_BUCKET = f"least(floor({{c}} * {HISTOGRAM_BUCKETS})::int, {HISTOGRAM_BUCKETS - 1})"


def _histogram(confidence: str, weight: str) -> str:
    """SQL: the histogram (integer[20]) of `confidence` over the group, each row counting `weight`."""
    bucket = _BUCKET.format(c=confidence)
    items = ", ".join(
        f"coalesce(sum({weight}) FILTER (WHERE {bucket} = {i}), 0)::int" for i in range(HISTOGRAM_BUCKETS)
    )
    return f"ARRAY[{items}]"


_TABLES = ("rollup_artists_hourly", "rollup_tags_hourly", "rollup_categories_hourly", "rollup_comments_hourly")

_FUNCTIONS = f"""
-- STABLE like date_trunc with a zone, so the planner inlines it (an IMMUTABLE wrapper would be a function call).
CREATE FUNCTION rollup_hour(ts timestamptz) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT date_trunc('hour', ts, 'UTC') $$;

CREATE FUNCTION rollup_add(a integer[], b integer[]) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_agg(x + y ORDER BY i) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i)
$$;

-- One change of a current classification: +1 (it became current) or -1 (it stopped counting).
CREATE TYPE rollup_change AS (
  classification_id bigint, hour timestamptz, category category, confidence double precision,
  artist varchar(200), client_sent boolean, sign integer
);
-- One change of a tag row: +1 (added) or -1 (removed).
CREATE TYPE rollup_tag_change AS (classification_id bigint, code varchar(64), sign integer);

CREATE FUNCTION rollup_apply(changes rollup_change[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(cardinality(changes), 0) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock({LOCK_KEY});
  INSERT INTO rollup_categories_hourly AS r (hour, category, comments, confidence_sum, confidence_histogram)
  SELECT ch.hour, ch.category, sum(ch.sign)::int, sum(ch.sign * ch.confidence::numeric),
         {_histogram("ch.confidence", "ch.sign")}
  FROM unnest(changes) AS ch
  GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (hour, category) DO UPDATE SET
    comments = r.comments + excluded.comments,
    confidence_sum = r.confidence_sum + excluded.confidence_sum,
    confidence_histogram = rollup_add(r.confidence_histogram, excluded.confidence_histogram);

  INSERT INTO rollup_artists_hourly AS r (hour, category, artist, client_sent, comments)
  SELECT ch.hour, ch.category, ch.artist, ch.client_sent, sum(ch.sign)::int
  FROM unnest(changes) AS ch
  WHERE ch.artist IS NOT NULL
  GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
  ON CONFLICT (hour, category, artist, client_sent) DO UPDATE SET comments = r.comments + excluded.comments;

  INSERT INTO rollup_tags_hourly AS r (hour, category, code, comments, confidence_histogram)
  SELECT ch.hour, ch.category, t.code, sum(ch.sign)::int, {_histogram("ch.confidence", "ch.sign")}
  FROM unnest(changes) AS ch
  JOIN classification_tags t ON t.classification_id = ch.classification_id
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (hour, category, code) DO UPDATE SET
    comments = r.comments + excluded.comments,
    confidence_histogram = rollup_add(r.confidence_histogram, excluded.confidence_histogram);
END $$;

CREATE FUNCTION rollup_apply_tags(changes rollup_tag_change[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(cardinality(changes), 0) = 0 THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock({LOCK_KEY});
  INSERT INTO rollup_tags_hourly AS r (hour, category, code, comments, confidence_histogram)
  SELECT rollup_hour(c.occurred_at), k.category, ch.code, sum(ch.sign)::int, {_histogram("k.confidence", "ch.sign")}
  FROM unnest(changes) AS ch
  JOIN classifications k ON k.id = ch.classification_id AND k.is_current
  JOIN comments c ON c.id = k.comment_id
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (hour, category, code) DO UPDATE SET
    comments = r.comments + excluded.comments,
    confidence_histogram = rollup_add(r.confidence_histogram, excluded.confidence_histogram);
END $$;

-- classifications

CREATE FUNCTION rollup_classifications_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rollup_apply(ARRAY(
    SELECT ROW(k.id, rollup_hour(c.occurred_at), k.category, k.confidence, coalesce(c.artist, k.artist),
               c.artist IS NOT NULL, 1)::rollup_change
    FROM new_rows k JOIN comments c ON c.id = k.comment_id
    WHERE k.is_current));
  RETURN NULL;
END $$;

CREATE FUNCTION rollup_classifications_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rollup_apply(ARRAY(
    WITH changed AS (
      SELECT o.id, o.comment_id AS old_comment, o.is_current AS old_current, o.category AS old_category,
             o.confidence AS old_confidence, o.artist AS old_artist,
             n.comment_id AS new_comment, n.is_current AS new_current, n.category AS new_category,
             n.confidence AS new_confidence, n.artist AS new_artist
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (o.is_current, o.category, o.confidence, o.artist, o.comment_id)
            IS DISTINCT FROM (n.is_current, n.category, n.confidence, n.artist, n.comment_id)
    )
    SELECT ROW(ch.id, rollup_hour(c.occurred_at), ch.old_category, ch.old_confidence,
               coalesce(c.artist, ch.old_artist), c.artist IS NOT NULL, -1)::rollup_change
    FROM changed ch JOIN comments c ON c.id = ch.old_comment
    WHERE ch.old_current
    UNION ALL
    SELECT ROW(ch.id, rollup_hour(c.occurred_at), ch.new_category, ch.new_confidence,
               coalesce(c.artist, ch.new_artist), c.artist IS NOT NULL, 1)::rollup_change
    FROM changed ch JOIN comments c ON c.id = ch.new_comment
    WHERE ch.new_current));
  RETURN NULL;
END $$;

-- A deleted comment's classifications are deleted by the cascade after the comment, when the comment is no
-- longer visible: nothing to do here then (rollup_comment_deleting already took them out).
CREATE FUNCTION rollup_classification_deleting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.is_current THEN
    PERFORM rollup_apply(ARRAY(
      SELECT ROW(OLD.id, rollup_hour(c.occurred_at), OLD.category, OLD.confidence, coalesce(c.artist, OLD.artist),
                 c.artist IS NOT NULL, -1)::rollup_change
      FROM comments c WHERE c.id = OLD.comment_id));
  END IF;
  RETURN OLD;
END $$;

-- classification_tags (a tag whose classification is gone or not current counts nowhere)

CREATE FUNCTION rollup_tags_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rollup_apply_tags(ARRAY(SELECT ROW(t.classification_id, t.code, 1)::rollup_tag_change FROM new_rows t));
  RETURN NULL;
END $$;

CREATE FUNCTION rollup_tags_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rollup_apply_tags(ARRAY(SELECT ROW(t.classification_id, t.code, -1)::rollup_tag_change FROM old_rows t));
  RETURN NULL;
END $$;

CREATE FUNCTION rollup_tags_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rollup_apply_tags(ARRAY(
    SELECT ROW(x.classification_id, x.code, x.sign)::rollup_tag_change FROM (
      SELECT o.classification_id, o.code, -1 AS sign
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (o.classification_id, o.code) IS DISTINCT FROM (n.classification_id, n.code)
      UNION ALL
      SELECT n.classification_id, n.code, 1
      FROM old_rows o JOIN new_rows n ON n.id = o.id
      WHERE (o.classification_id, o.code) IS DISTINCT FROM (n.classification_id, n.code)
    ) x));
  RETURN NULL;
END $$;

-- comments

CREATE FUNCTION rollup_comments_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rollup_comments_hourly AS r (hour, shard, comments)
  SELECT rollup_hour(n.occurred_at), (pg_backend_pid() % {COMMENT_SHARDS})::smallint, count(*)::int
  FROM new_rows n
  GROUP BY 1 ORDER BY 1
  ON CONFLICT (hour, shard) DO UPDATE SET comments = r.comments + excluded.comments;
  RETURN NULL;
END $$;

CREATE FUNCTION rollup_comment_deleting() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rollup_comments_hourly AS r (hour, shard, comments)
  VALUES (rollup_hour(OLD.occurred_at), (pg_backend_pid() % {COMMENT_SHARDS})::smallint, -1)
  ON CONFLICT (hour, shard) DO UPDATE SET comments = r.comments + excluded.comments;
  PERFORM rollup_apply(ARRAY(
    SELECT ROW(k.id, rollup_hour(OLD.occurred_at), k.category, k.confidence, coalesce(OLD.artist, k.artist),
               OLD.artist IS NOT NULL, -1)::rollup_change
    FROM classifications k WHERE k.comment_id = OLD.id AND k.is_current));
  RETURN OLD;
END $$;

-- occurred_at never changes in practice; if a fix-up changes it (or the client's artist), the rollups follow.
CREATE FUNCTION rollup_comment_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF rollup_hour(OLD.occurred_at) <> rollup_hour(NEW.occurred_at) THEN
    INSERT INTO rollup_comments_hourly AS r (hour, shard, comments)
    VALUES (rollup_hour(OLD.occurred_at), (pg_backend_pid() % {COMMENT_SHARDS})::smallint, -1),
           (rollup_hour(NEW.occurred_at), (pg_backend_pid() % {COMMENT_SHARDS})::smallint, 1)
    ON CONFLICT (hour, shard) DO UPDATE SET comments = r.comments + excluded.comments;
  END IF;
  PERFORM rollup_apply(ARRAY(
    SELECT ROW(k.id, rollup_hour(OLD.occurred_at), k.category, k.confidence, coalesce(OLD.artist, k.artist),
               OLD.artist IS NOT NULL, -1)::rollup_change
    FROM classifications k WHERE k.comment_id = NEW.id AND k.is_current
    UNION ALL
    SELECT ROW(k.id, rollup_hour(NEW.occurred_at), k.category, k.confidence, coalesce(NEW.artist, k.artist),
               NEW.artist IS NOT NULL, 1)::rollup_change
    FROM classifications k WHERE k.comment_id = NEW.id AND k.is_current));
  RETURN NULL;
END $$;

-- TRUNCATE fires no row triggers: empty what depends on the truncated table.

CREATE FUNCTION rollup_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'comments' THEN
    DELETE FROM rollup_comments_hourly;
  END IF;
  IF TG_TABLE_NAME IN ('comments', 'classifications') THEN
    DELETE FROM rollup_categories_hourly;
    DELETE FROM rollup_artists_hourly;
  END IF;
  DELETE FROM rollup_tags_hourly;
  RETURN NULL;
END $$;

-- Everything again from the base tables, in the caller's transaction.
CREATE FUNCTION rollup_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  LOCK TABLE comments, classifications, classification_tags IN SHARE MODE;
  PERFORM pg_advisory_xact_lock({LOCK_KEY});
  DELETE FROM rollup_comments_hourly;
  DELETE FROM rollup_categories_hourly;
  DELETE FROM rollup_tags_hourly;
  DELETE FROM rollup_artists_hourly;

  INSERT INTO rollup_comments_hourly (hour, shard, comments)
  SELECT rollup_hour(occurred_at), 0, count(*) FROM comments GROUP BY 1;

  INSERT INTO rollup_categories_hourly (hour, category, comments, confidence_sum, confidence_histogram)
  SELECT rollup_hour(c.occurred_at), k.category, count(*), sum(k.confidence::numeric),
         {_histogram("k.confidence", "1")}
  FROM classifications k JOIN comments c ON c.id = k.comment_id
  WHERE k.is_current
  GROUP BY 1, 2;

  INSERT INTO rollup_artists_hourly (hour, category, artist, client_sent, comments)
  SELECT rollup_hour(c.occurred_at), k.category, coalesce(c.artist, k.artist), c.artist IS NOT NULL, count(*)
  FROM classifications k JOIN comments c ON c.id = k.comment_id
  WHERE k.is_current AND coalesce(c.artist, k.artist) IS NOT NULL
  GROUP BY 1, 2, 3, 4;

  INSERT INTO rollup_tags_hourly (hour, category, code, comments, confidence_histogram)
  SELECT rollup_hour(c.occurred_at), k.category, t.code, count(*), {_histogram("k.confidence", "1")}
  FROM classification_tags t
  JOIN classifications k ON k.id = t.classification_id AND k.is_current
  JOIN comments c ON c.id = k.comment_id
  GROUP BY 1, 2, 3;
END $$;
"""  # noqa: S608 - built from this module's constants only

_TRIGGERS = """
CREATE TRIGGER rollup_comments_insert AFTER INSERT ON comments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_comments_inserted();
CREATE TRIGGER rollup_comments_delete BEFORE DELETE ON comments
  FOR EACH ROW EXECUTE FUNCTION rollup_comment_deleting();
CREATE TRIGGER rollup_comments_update AFTER UPDATE OF written_at, received_at, artist ON comments
  FOR EACH ROW WHEN (OLD.occurred_at IS DISTINCT FROM NEW.occurred_at OR OLD.artist IS DISTINCT FROM NEW.artist)
  EXECUTE FUNCTION rollup_comment_updated();
CREATE TRIGGER rollup_comments_truncate AFTER TRUNCATE ON comments
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_truncated();

CREATE TRIGGER rollup_classifications_insert AFTER INSERT ON classifications
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_classifications_inserted();
CREATE TRIGGER rollup_classifications_update AFTER UPDATE ON classifications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_classifications_updated();
CREATE TRIGGER rollup_classifications_delete BEFORE DELETE ON classifications
  FOR EACH ROW EXECUTE FUNCTION rollup_classification_deleting();
CREATE TRIGGER rollup_classifications_truncate AFTER TRUNCATE ON classifications
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_truncated();

CREATE TRIGGER rollup_tags_insert AFTER INSERT ON classification_tags
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_tags_inserted();
CREATE TRIGGER rollup_tags_update AFTER UPDATE ON classification_tags
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_tags_updated();
CREATE TRIGGER rollup_tags_delete AFTER DELETE ON classification_tags
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_tags_deleted();
CREATE TRIGGER rollup_tags_truncate AFTER TRUNCATE ON classification_tags
  FOR EACH STATEMENT EXECUTE FUNCTION rollup_truncated();
"""

_DROP = """
DROP TRIGGER IF EXISTS rollup_tags_truncate ON classification_tags;
DROP TRIGGER IF EXISTS rollup_tags_delete ON classification_tags;
DROP TRIGGER IF EXISTS rollup_tags_update ON classification_tags;
DROP TRIGGER IF EXISTS rollup_tags_insert ON classification_tags;
DROP TRIGGER IF EXISTS rollup_classifications_truncate ON classifications;
DROP TRIGGER IF EXISTS rollup_classifications_delete ON classifications;
DROP TRIGGER IF EXISTS rollup_classifications_update ON classifications;
DROP TRIGGER IF EXISTS rollup_classifications_insert ON classifications;
DROP TRIGGER IF EXISTS rollup_comments_truncate ON comments;
DROP TRIGGER IF EXISTS rollup_comments_update ON comments;
DROP TRIGGER IF EXISTS rollup_comments_delete ON comments;
DROP TRIGGER IF EXISTS rollup_comments_insert ON comments;
DROP FUNCTION IF EXISTS rollup_rebuild();
DROP FUNCTION IF EXISTS rollup_truncated();
DROP FUNCTION IF EXISTS rollup_comment_updated();
DROP FUNCTION IF EXISTS rollup_comment_deleting();
DROP FUNCTION IF EXISTS rollup_comments_inserted();
DROP FUNCTION IF EXISTS rollup_tags_updated();
DROP FUNCTION IF EXISTS rollup_tags_deleted();
DROP FUNCTION IF EXISTS rollup_tags_inserted();
DROP FUNCTION IF EXISTS rollup_classification_deleting();
DROP FUNCTION IF EXISTS rollup_classifications_updated();
DROP FUNCTION IF EXISTS rollup_classifications_inserted();
DROP FUNCTION IF EXISTS rollup_apply_tags(rollup_tag_change[]);
DROP FUNCTION IF EXISTS rollup_apply(rollup_change[]);
DROP TYPE IF EXISTS rollup_tag_change;
DROP TYPE IF EXISTS rollup_change;
DROP FUNCTION IF EXISTS rollup_add(integer[], integer[]);
DROP FUNCTION IF EXISTS rollup_hour(timestamptz);
"""


def _category() -> postgresql.ENUM:
    return postgresql.ENUM(name="category", create_type=False)


def upgrade() -> None:
    op.create_table(
        "rollup_comments_hourly",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "shard"),
    )
    op.create_table(
        "rollup_categories_hourly",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", _category(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("confidence_sum", sa.Numeric(), nullable=False),
        sa.Column("confidence_histogram", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.PrimaryKeyConstraint("hour", "category"),
    )
    op.create_table(
        "rollup_tags_hourly",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", _category(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.Column("confidence_histogram", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.PrimaryKeyConstraint("hour", "category", "code"),
    )
    op.create_table(
        "rollup_artists_hourly",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("category", _category(), nullable=False),
        sa.Column("artist", sa.String(length=200), nullable=False),
        sa.Column("client_sent", sa.Boolean(), nullable=False),
        sa.Column("comments", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "category", "artist", "client_sent"),
    )
    op.execute(_FUNCTIONS)
    op.execute(_TRIGGERS)
    op.execute("SELECT rollup_rebuild()")  # backfill from the existing data
    for table in _TABLES:
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    op.execute(_DROP)
    for table in _TABLES:
        op.drop_table(table)
