"""A streaming XLSX writer for one sheet of text and number cells: `write_sheet(out, name, header, rows)`.

The export writes up to a million rows: openpyxl's write-only mode builds a Python object per cell and keeps
every distinct string in a shared-strings table in memory, about 2,000 rows/s and memory that grows with the
file. Here each row becomes its XML text directly, strings are written inline (`t="inlineStr"`, nothing kept),
and the sheet is deflated into the zip as it is written: memory stays flat and the cost per row is a few string
operations. Text cells are always strings (never a formula: there is no formula cell type here at all).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO

# Characters XML 1.0 does not allow (a spreadsheet with one of them does not open). Tab, LF and CR stay.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
ROWS_PER_WRITE = 256

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
# Style 0: the default; style 1: bold (the header row).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"


def column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, n = "", index + 1
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return letters


def text_xml(value: str) -> str:
    """A cell's text as XML character data (markup escaped, characters XML forbids dropped)."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return value.translate(_ESCAPES)


def write_sheet(
    out: IO[bytes],
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str | None]],
    number_columns: Iterable[int] = (),
    max_rows: int | None = None,
) -> int:
    """Write an XLSX workbook with one sheet into `out` (seekable): a bold header, then `rows`. Empty values
    (None or "") leave the cell empty; values in `number_columns` are numbers, all others strings. Returns the
    data rows written; raises OverflowError past `max_rows`."""
    letters = column_letters(len(header))
    numbers = set(number_columns)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK.format(name=text_xml(name)))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("xl/styles.xml", _STYLES)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            cells = "".join(
                f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{text_xml(title)}</t></is></c>'
                for letter, title in zip(letters, header, strict=True)
            )
            sheet.write(f'{_SHEET_HEAD}<row r="1">{cells}</row>'.encode())
            count = 0
            pending: list[str] = []
            for number, row in enumerate(rows, start=2):
                if max_rows is not None and count >= max_rows:
                    raise OverflowError(f"mais de {max_rows} linhas")
                parts = [f'<row r="{number}">']
                for index, value in enumerate(row):
                    if not value:
                        continue
                    if index in numbers:
                        parts.append(f'<c r="{letters[index]}{number}"><v>{float(value)!r}</v></c>')
                    else:
                        parts.append(
                            f'<c r="{letters[index]}{number}" t="inlineStr"><is><t xml:space="preserve">'
                            f"{text_xml(value)}</t></is></c>"
                        )
                parts.append("</row>")
                pending.append("".join(parts))
                count += 1
                if len(pending) >= ROWS_PER_WRITE:
                    sheet.write("".join(pending).encode())
                    pending.clear()
            sheet.write(("".join(pending) + _SHEET_TAIL).encode())
    return count
