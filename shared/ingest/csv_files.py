"""Reading an uploaded CSV file: size limit, encoding (UTF-8 with or without BOM, else Latin-1), delimiter
(comma or semicolon), header and a preview. Nothing here stores anything (see `csv_import`)."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass

from shared.settings import get_settings

REQUIRED_COLUMN = "texto"
OPTIONAL_COLUMNS = ("id", "artista", "album", "musica", "data")
KNOWN_COLUMNS = (REQUIRED_COLUMN, *OPTIONAL_COLUMNS)
PREVIEW_ROWS = 20

# A small example file the upload page offers for download.
TEMPLATE = (
    "id,texto,artista,album,musica,data\r\n"
    ',"Amei o show de ontem, a voz tava perfeita!",Luna Ferraz,Maré Alta,,2026-11-20\r\n'
    "6d2f1c1e-4f3a-4c59-9a3e-0d1b2c3d4e01,o autotune estragou a faixa 3,Banda Aurora,Ruído Branco,Cinza,"
    "20/11/2026 19:30\r\n"
    ",que horas abre o portão?,,,,\r\n"
).encode("utf-8-sig")


class CsvFileError(ValueError):
    """The file as a whole cannot be read (size, encoding, header); the message is for the user."""


@dataclass
class CsvLayout:
    encoding: str  # python codec name actually used
    encoding_label: str  # what the page shows
    delimiter: str
    columns: list[str]  # normalised header names, in file order
    ignored_columns: list[str]
    total_lines: int  # physical lines, for the progress bar


def check_size(data: bytes, max_mb: int | None = None) -> None:
    limit_mb = max_mb if max_mb is not None else get_settings().upload_max_mb
    if len(data) > limit_mb * 1024 * 1024:
        raise CsvFileError(f"arquivo com {len(data) / 1024 / 1024:.1f} MB; o limite é {limit_mb} MB")


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(codec, label): UTF-8 with BOM, UTF-8, or Latin-1 when the bytes are not valid UTF-8.

    Checked with an incremental decoder in slices, so a big file is never copied into one string.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "UTF-8 com BOM"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 1 << 20
    try:
        for start in range(0, len(view), step):
            decoder.decode(view[start : start + step], final=start + step >= len(view))
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1", "Latin-1 (ISO-8859-1)"
    return "utf-8", "UTF-8"


def text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def _normalise_header(name: str) -> str:
    return name.strip().strip("\ufeff").strip().lower()


def _pick_delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_layout(data: bytes) -> CsvLayout:
    if not data.strip():
        raise CsvFileError("o arquivo está vazio")
    encoding, label = detect_encoding(data)
    with text_stream(data, encoding) as stream:
        header_line = stream.readline()
    delimiter = _pick_delimiter(header_line)
    header = next(csv.reader([header_line], delimiter=delimiter), [])
    columns = [_normalise_header(h) for h in header]
    if REQUIRED_COLUMN not in columns:
        alias = "text" in columns
        if not alias:
            raise CsvFileError(
                "a primeira linha precisa ser o cabeçalho com a coluna 'texto' "
                f"(colunas aceitas: {', '.join(KNOWN_COLUMNS)}); encontrado: {', '.join(columns) or 'nada'}"
            )
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        raise CsvFileError(f"coluna repetida no cabeçalho: {', '.join(duplicated)}")
    ignored = [c for c in columns if c not in KNOWN_COLUMNS and c != "text"]
    total_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    return CsvLayout(encoding, label, delimiter, columns, ignored, max(total_lines, 1))


def preview(data: bytes, rows: int = PREVIEW_ROWS) -> tuple[CsvLayout, list[dict[str, str]]]:
    """The layout and the first rows as read (not validated), for the page to show."""
    layout = read_layout(data)
    out: list[dict[str, str]] = []
    with text_stream(data, layout.encoding) as stream:
        reader = csv.reader(stream, delimiter=layout.delimiter)
        next(reader, None)
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            out.append({col: (record[i] if i < len(record) else "") for i, col in enumerate(layout.columns) if col})
            if len(out) >= rows:
                break
    return layout, out


# --- validating rows
