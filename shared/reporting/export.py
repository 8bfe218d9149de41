"""Export of a filtered comment set as CSV (UTF-8 with BOM, every field quoted) or XLSX, at PostgreSQL speed.

One path for the API (`GET /api/comentarios/export`) and the dashboard download: `COPY (SELECT ...) TO STDOUT
WITH CSV` streams the rows straight from PostgreSQL in chunks (memory stays flat whatever the size); XLSX is
built from the same CSV stream by a streaming sheet writer (`shared.reporting.xlsx`) into a temporary file.

Tags: the current classification's codes, sorted; a full export hash-joins them aggregated in one pass, a filtered one
looks them up row by row. The query runs without JIT and with EXPORT_WORK_MEM for its sort and hashes.

Spreadsheet safety: every text cell is neutralised IN SQL with the same pattern `shared.text.neutralize`
applies in Python — a leading apostrophe before any formula start (`=`, `+`, `-`, `@`, tab, CR) at the start of the cell
or right after a separator or line break inside it (`amei;=1+1` -> `amei;'=1+1`), so no cell becomes a formula
in an Excel that splits on `,`, `;` or tabs. Every CSV field with a value is quoted (FORCE_QUOTE *; a NULL
stays an empty, unquoted field).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import fcntl
import io
import os
import tempfile
import threading
from collections.abc import Iterator
from typing import IO, Any

from sqlalchemy import String, Text, case, cast, func, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import aggregate_order_by

from shared import clock
from shared.db import get_engine
from shared.models import ClassificationTag, Comment
from shared.reporting import xlsx
from shared.reporting.filters import CommentFilter, apply_filter, current, needs_review, outer_join_current
from shared.text import FORMULA_GUARD, FORMULA_START

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_MIME, "xlsx": XLSX_MIME}
XLSX_MAX_ROWS = 1_048_575  # a worksheet holds 1,048,576 rows, the header included
CHUNK_BYTES = 256 * 1024
EXPORT_WORK_MEM = "64MB"  # per sort or hash of the export query, in PostgreSQL (not in this process)
PIPE_BYTES = 1024 * 1024  # buffered between PostgreSQL and the reader (back-pressure beyond that)


class ExportError(ValueError):
    """An export that cannot be made (message in Portuguese)."""


def _safe(column: Any) -> Any:
    return func.regexp_replace(cast(column, Text), FORMULA_START, FORMULA_GUARD, "g")


def _second(column: Any) -> Any:
    """A timestamp to the second (rendered in the export's time zone, with its UTC offset)."""
    return func.date_trunc("second", column)


def _tag_list() -> Any:
    return func.string_agg(ClassificationTag.code, aggregate_order_by(literal(", "), ClassificationTag.code))


def _tags_per_row() -> Any:
    """The current classification's tags, looked up row by row (an index probe each): cheap for a filtered set."""
    return select(_tag_list()).where(ClassificationTag.classification_id == current.id).scalar_subquery()


def _all_tag_lists() -> Any:
    """Every classification's tag list, aggregated in one pass and hash-joined: cheaper than a probe per row
    when the export takes every comment (a third of a full export's time at 1M rows went to the probes)."""
    return (
        select(ClassificationTag.classification_id, _tag_list().label("tags"))
        .group_by(ClassificationTag.classification_id)
        .subquery("tag_lists")
    )


# (header, expression): the columns of every export, in order.
def _columns(tags: Any = None) -> list[tuple[str, Any]]:
    return [
        ("id", cast(Comment.id, String)),
        ("texto", _safe(Comment.text)),
        ("artista", _safe(func.coalesce(Comment.artist, current.artist))),
        ("album", _safe(func.coalesce(Comment.album, current.album))),
        ("musica", _safe(Comment.song)),
        ("data", _second(Comment.written_at)),
        ("ocorrido_em", _second(Comment.occurred_at)),
        ("recebido_em", _second(Comment.received_at)),
        ("status", cast(Comment.status, String)),
        ("categoria", cast(current.category, String)),
        ("confianca", current.confidence),
        ("revisar", case((needs_review(), "sim"), else_="não")),
        ("tags", _tags_per_row() if tags is None else tags),
        ("origem", cast(current.origin, String)),
        ("modelo", _safe(current.model)),
        ("versao_prompt", _safe(current.prompt_version)),
        ("classificado_em", _second(current.created_at)),
        ("origem_dado", cast(Comment.source, String)),
        ("erro", _safe(Comment.last_error)),
    ]


HEADERS = [name for name, _ in _columns()]


def _select(filtro: CommentFilter) -> Any:
    if filtro == CommentFilter():  # every comment
        tag_lists = _all_tag_lists()
        stmt = select(*[expr.label(name) for name, expr in _columns(tag_lists.c.tags)])
        stmt = outer_join_current(stmt).outerjoin(tag_lists, tag_lists.c.classification_id == current.id)
    else:
        stmt = outer_join_current(select(*[expr.label(name) for name, expr in _columns()]))
    return apply_filter(stmt, filtro).order_by(Comment.occurred_at.desc(), Comment.id.desc())


def _copy_sql(cursor: Any, filtro: CommentFilter) -> str:
    """The COPY statement for this filter, its parameters bound by psycopg2 itself (mogrify)."""
    compiled = _select(filtro).compile(dialect=postgresql.psycopg2.dialect())
    query = cursor.mogrify(str(compiled), compiled.params).decode()
    return f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true, FORCE_QUOTE *)"


def stream_csv(filtro: CommentFilter | None = None) -> Iterator[bytes]:
    """The CSV export as chunks of about CHUNK_BYTES (BOM first), straight from PostgreSQL's COPY.

    The COPY runs in a helper thread on a connection of its own and writes into an OS pipe through a C-buffered
    file, so the million small writes of a COPY (one per row) never run Python code; this side reads the pipe in
    chunks. A full pipe holds the COPY back (memory stays flat). Closing the iterator early (a client that went
    away) closes the pipe: the COPY stops at its next write and its connection is discarded.
    """
    filtro = filtro or CommentFilter()
    connection = get_engine().raw_connection()  # first: a database that is down leaves no pipe open
    read_fd, write_fd = os.pipe()
    with contextlib.suppress(AttributeError, OSError):  # Linux: a pipe of PIPE_BYTES instead of 64 KiB
        fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    failure: list[BaseException] = []

    def run() -> None:
        completed = False
        try:
            with open(write_fd, "wb", buffering=CHUNK_BYTES) as sink, connection.cursor() as cursor:
                cursor.execute("SET LOCAL TIME ZONE %s", (clock.zone_name(),))  # dates in the local zone
                # Cheap expressions on every row: compiling them (JIT) costs more than it saves here.
                cursor.execute("SET LOCAL jit = off")
                # Room to sort and hash a large export in memory instead of spilling it to disk in batches.
                cursor.execute("SET LOCAL work_mem = %s", (EXPORT_WORK_MEM,))
                cursor.copy_expert(_copy_sql(cursor, filtro), sink)
                connection.rollback()  # read-only: nothing to keep
                completed = True
        except BrokenPipeError:
            pass  # the reader went away
        except Exception as exc:  # noqa: BLE001 - any failure is handed to the reader, which raises it
            failure.append(exc)
        finally:
            if completed:
                connection.close()  # back to the pool
            else:
                connection.invalidate()  # an interrupted COPY leaves the connection unusable

    thread = threading.Thread(target=run, name="export-copy", daemon=True)
    with open(read_fd, "rb", buffering=CHUNK_BYTES) as source:
        thread.start()
        yield codecs.BOM_UTF8
        while chunk := source.read(CHUNK_BYTES):
            yield chunk
    thread.join()  # the pipe is closed: the COPY is over
    if failure:
        raise failure[0]


class _IterReader(io.RawIOBase):
    """A readable file over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks, self.rest = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self.rest:
            try:
                self.rest = next(self.chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self.rest))
        buffer[:size], self.rest = self.rest[:size], self.rest[size:]
        return size


def write_xlsx(filtro: CommentFilter | None, out: IO[bytes]) -> int:
    """The XLSX export into `out` (seekable), streamed (`shared.reporting.xlsx`: rows go to the zip as they come,
    memory stays flat); returns the data rows.

    Cells come from the CSV stream, so they carry the same SQL neutralisation; every text cell is a string cell
    and `confianca` a number, never a formula."""
    text = io.TextIOWrapper(io.BufferedReader(_IterReader(stream_csv(filtro))), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header = next(reader)
    try:
        return xlsx.write_sheet(out, "comentarios", header, reader, [header.index("confianca")], max_rows=XLSX_MAX_ROWS)
    except OverflowError:
        raise ExportError(f"mais de {XLSX_MAX_ROWS} linhas não cabem numa planilha XLSX; exporte em CSV") from None


def xlsx_file(filtro: CommentFilter | None = None) -> IO[bytes]:
    """The XLSX export in a temporary file on disk (rewound): memory holds only the row being written."""
    out = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - the caller closes it
    write_xlsx(filtro, out)
    out.seek(0)
    return out
