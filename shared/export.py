"""Export of a filtered comment set as CSV (UTF-8 with BOM, opens correctly in Excel) or XLSX.

Rows stream from `shared.queries.iter_comments` (keyset batches) into a temporary file, so memory stays
bounded whatever the size of the set. Text cells that a spreadsheet would run as a formula (starting with
`=`, `+`, `-`, `@`, tab or carriage return) are neutralised with a leading apostrophe.
"""
from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from shared.db import session_scope
from shared.queries import CommentFilter, iter_comments

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# (column header, key in the rows of shared.queries)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "id"),
    ("texto", "texto"),
    ("artista", "artista"),
    ("album", "album"),
    ("musica", "musica"),
    ("data", "ocorrido_em"),
    ("recebido_em", "recebido_em"),
    ("status", "status"),
    ("categoria", "categoria"),
    ("confianca", "confianca"),
    ("tags", "tags"),
    ("origem", "origem"),
    ("modelo", "modelo"),
    ("versao_prompt", "versao_prompt"),
    ("classificado_em", "classificado_em"),
    ("fonte", "origem_dado"),
    ("erro", "erro"),
)
HEADERS = [header for header, _ in COLUMNS]
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SPOOL_BYTES = 8 * 1024 * 1024


def neutralize(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    if key == "tags":
        return ", ".join(value or [])
    return value


def export_rows(rows: Iterable[dict[str, Any]]) -> Iterator[list[Any]]:
    """The export lines (without header), every text cell neutralised."""
    for row in rows:
        yield [neutralize(_cell(row, key)) for _, key in COLUMNS]


def write_csv(rows: Iterable[dict[str, Any]], out: IO[bytes]) -> int:
    """UTF-8 with BOM, comma separated, RFC 4180 quoting. Returns the number of data rows."""
    out.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADERS)
    count = 0
    for line in export_rows(rows):
        writer.writerow(["" if v is None else v for v in line])
        count += 1
    text.flush()
    text.detach()  # leave `out` open for the caller
    return count


def write_xlsx(rows: Iterable[dict[str, Any]], out: IO[bytes]) -> int:
    """XLSX through openpyxl's write-only mode (rows are streamed to disk, not kept in memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("comentarios")
    bold = Font(bold=True)
    header = []
    for name in HEADERS:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for line in export_rows(rows):
        # Typed cells: strings stay strings (data_type "s"), so nothing is ever read as a formula.
        cells = []
        for value in line:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(out)
    return count


def export_file(filtro: CommentFilter | None, fmt: str) -> tuple[IO[bytes], int]:
    """The filtered set written to a temporary file (rewound), and its row count. `fmt`: "csv" or "xlsx"."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError("formato de exportação inválido; use csv ou xlsx")
    out = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, mode="w+b")
    with session_scope() as session:
        rows = iter_comments(session, filtro or CommentFilter())
        count = write_csv(rows, out) if fmt == "csv" else write_xlsx(rows, out)
    out.seek(0)
    return out, count


def export_bytes(filtro: CommentFilter | None, fmt: str) -> bytes:
    """The whole file as bytes (what a download button serves)."""
    out, _ = export_file(filtro, fmt)
    with out:
        return out.read()
