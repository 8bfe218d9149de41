"""CSV upload of comments: decode, parse, validate each row with `CommentIn`, store valid rows through intake.

Accepted files: UTF-8 (with or without BOM) or Latin-1; comma or semicolon; a header line is required.
Columns: `texto` (required), `id` (UUID, optional: generated from the content when missing, so re-sending the
same file changes nothing), `artista`, `album`, `musica`, `data` (ISO 8601 or dd/mm/aaaa [hh:mm]).

Rows are streamed (never all in memory at once) and stored in chunks through `shared.ingest.intake.ingest`,
the same code path as the API, with source `csv`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from shared import clock, validation
from shared.contracts import CommentIn
from shared.ingest.csv_files import (
    KNOWN_COLUMNS,
    CsvFileError,
    CsvLayout,
    check_size,
    read_layout,
    text_stream,
)
from shared.ingest.intake import ingest
from shared.text import neutralize, normalize_text
from shared.vocabulary import IntakeStatus, Source

# Namespace of the ids generated for rows without one: same content -> same id (idempotent re-upload).
GENERATED_ID_NAMESPACE = uuid.UUID("6f1c3a52-8d0e-4b7a-9c55-2f4de1a7b001")

_BR_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")

CHUNK_ROWS = 1000
MAX_REPORTED_ERRORS = 10_000

# What a CSV row accepts beyond the API's format, added to the shared validation message of the field.
_CSV_HINTS = {
    "id": "ou deixe a coluna vazia para gerar um id a partir do conteúdo",
    "data": "no CSV também vale DD/MM/AAAA [HH:MM]",
}


@dataclass(frozen=True)
class RowError:
    linha: int
    campo: str
    mensagem: str


@dataclass
class ParsedRow:
    line: int
    item: CommentIn | None
    errors: list[RowError]
    generated_id: bool = False


@dataclass
class ValidationReport:
    layout: CsvLayout
    rows: int = 0
    valid: int = 0
    generated_ids: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_rows: int = 0
    errors_truncated: bool = False

    @property
    def invalid(self) -> int:
        return self.error_rows


@dataclass
class ImportResult:
    report: ValidationReport
    new: int = 0
    duplicates: int = 0
    conflicts: int = 0
    queue_errors: list[str] = field(default_factory=list)


ProgressCallback = Callable[[float, str], None]


def _parse_br_date(value: str) -> datetime | str:
    match = _BR_DATE.match(value)
    if not match:
        return value
    day, month, year, hour, minute, second = match.groups()
    try:
        return datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=clock.zone()
        )
    except ValueError:
        return value


def generated_id(fields: dict[str, str | None]) -> uuid.UUID:
    """A stable id for a row without one: the same content always gets the same id."""
    key = "\x1f".join(
        [normalize_text(fields.get("texto") or "")]
        + [(fields.get(name) or "").strip() for name in ("artista", "album", "musica", "data")]
    )
    return uuid.uuid5(GENERATED_ID_NAMESPACE, key)


def _message(error: dict) -> str:
    text = validation.message(error)
    hint = _CSV_HINTS.get(validation.field_name(tuple(error.get("loc") or ())) or "")
    return f"{text} ({hint})" if hint and error.get("type") != "missing" else text


def parse_row(line: int, record: list[str], columns: list[str]) -> ParsedRow:
    fields: dict[str, str | None] = {}
    for index, name in enumerate(columns):
        if name in KNOWN_COLUMNS or name == "text":
            value = record[index] if index < len(record) else ""
            fields["texto" if name == "text" else name] = value
    errors: list[RowError] = []
    if len(record) > len(columns) and any(cell.strip() for cell in record[len(columns) :]):
        errors.append(
            RowError(
                line,
                "linha",
                f"{len(record)} colunas, mas o cabeçalho tem {len(columns)}; verifique separadores e aspas",
            )
        )
    payload: dict[str, object] = {k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()}
    generated = False
    if not payload.get("id"):
        payload["id"] = generated_id(fields)
        generated = True
    for name in ("artista", "album", "musica", "data"):
        if payload.get(name) == "":
            payload[name] = None
    if isinstance(payload.get("data"), str):
        payload["data"] = _parse_br_date(payload["data"])
    if "texto" not in payload:
        payload["texto"] = ""
    item: CommentIn | None = None
    try:
        item = CommentIn.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            campo = validation.field_name(tuple(err["loc"])) or "linha"
            errors.append(RowError(line, campo, _message(err)))
    if errors:
        return ParsedRow(line, None, errors, generated)
    return ParsedRow(line, item, [], generated)


def iter_rows(data: bytes, layout: CsvLayout | None = None) -> Iterator[ParsedRow]:
    """Every data row with its physical line number (the header is line 1), validated. Blank lines are skipped."""
    layout = layout or read_layout(data)
    with text_stream(data, layout.encoding) as stream:
        reader = csv.reader(stream, delimiter=layout.delimiter, strict=True)
        try:
            next(reader)
            start = reader.line_num + 1
            for record in reader:
                line = start
                start = reader.line_num + 1
                if not any(cell.strip() for cell in record):
                    continue
                yield parse_row(line, record, layout.columns)
        except csv.Error as exc:
            yield ParsedRow(start, None, [RowError(start, "linha", f"CSV malformado (aspas?): {exc}")])


def _progress_of(row: ParsedRow, layout: CsvLayout) -> float:
    return min(row.line / layout.total_lines, 1.0)


def _record(report: ValidationReport, row: ParsedRow) -> None:
    report.rows += 1
    if row.generated_id:
        report.generated_ids += 1
    if row.errors:
        report.error_rows += 1
        room = MAX_REPORTED_ERRORS - len(report.errors)
        if room > 0:
            report.errors.extend(row.errors[:room])
        if len(row.errors) > room:
            report.errors_truncated = True
    else:
        report.valid += 1


def validate(data: bytes, progress: ProgressCallback | None = None) -> ValidationReport:
    """Check every row without storing anything (the page shows this report before importing)."""
    check_size(data)
    layout = read_layout(data)
    report = ValidationReport(layout=layout)
    for row in iter_rows(data, layout):
        _record(report, row)
        if progress and report.rows % CHUNK_ROWS == 0:
            progress(_progress_of(row, layout), f"validando: {report.rows:,} linhas".replace(",", "."))
    if report.rows == 0:
        raise CsvFileError("o arquivo só tem o cabeçalho; nenhuma linha de dados")
    if progress:
        progress(1.0, "validação concluída")
    return report


def import_csv(
    data: bytes, progress: ProgressCallback | None = None, chunk_rows: int = CHUNK_ROWS, ingest_fn: Callable = ingest
) -> ImportResult:
    """Store the valid rows through intake (source `csv`) in chunks; invalid rows are reported, never stored.

    Idempotent: rows that already exist (same id and text) come back as duplicates and are not re-queued.
    """
    check_size(data)
    layout = read_layout(data)
    result = ImportResult(report=ValidationReport(layout=layout))
    chunk: list[CommentIn] = []
    last_line = 0

    def flush() -> None:
        if not chunk:
            return
        outcome = ingest_fn(chunk, source=Source.CSV)
        counts = outcome.counts()
        result.new += counts[IntakeStatus.ENFILEIRADO]
        result.duplicates += counts[IntakeStatus.DUPLICADO]
        result.conflicts += counts[IntakeStatus.CONFLITO]
        if outcome.queue_error:
            result.queue_errors.append(outcome.queue_error)
        chunk.clear()
        if progress:
            progress(
                min(last_line / layout.total_lines, 1.0),
                f"importando: {result.report.rows:,} linhas lidas".replace(",", "."),
            )

    for row in iter_rows(data, layout):
        _record(result.report, row)
        last_line = row.line
        if row.item is not None:
            chunk.append(row.item)
            if len(chunk) >= chunk_rows:
                flush()
    flush()
    if result.report.rows == 0:
        raise CsvFileError("o arquivo só tem o cabeçalho; nenhuma linha de dados")
    if progress:
        progress(1.0, "importação concluída")
    return result


def errors_csv(errors: list[RowError]) -> bytes:
    """The validation report as a downloadable CSV (UTF-8 with BOM so Excel opens it correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["linha", "campo", "mensagem"])
    for error in errors:
        writer.writerow([error.linha, neutralize(error.campo), neutralize(error.mensagem)])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
