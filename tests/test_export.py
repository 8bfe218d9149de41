"""Export: the filtered set streamed from PostgreSQL's COPY as CSV (UTF-8 with BOM, every field quoted) and as
XLSX, with every formula start neutralised in SQL — the same rule `shared.text.neutralize` applies in Python."""

from __future__ import annotations

import csv
import io
import re
import threading
import uuid
from datetime import UTC, datetime

import psycopg2.errors
import pytest
from openpyxl import load_workbook

from shared.db import get_engine, session_scope
from shared.models import Classification, Comment
from shared.reporting import export
from shared.reporting.filters import CommentFilter
from shared.text import neutralize, text_hash
from shared.vocabulary import Category, CommentStatus, Origin, Source
from tests.dashboard_helpers import seed_report_data

DANGEROUS = ['=HYPERLINK("http://x")', "+55 11 9999", "-2+3", "@SUM(A1)", "\tcom tab", "\rcom cr"]
# A formula after a separator or a line break inside the cell (pt-BR Excel splits on ";").
INNER = {"amei;=1+1": "amei;'=1+1", "ok,+cmd": "ok,'+cmd", "linha\n@SUM(A1)": "linha\n'@SUM(A1)", "a\t-1": "a\t'-1"}


@pytest.mark.parametrize("value", DANGEROUS)
def test_cells_that_start_like_a_formula_are_neutralised(value):
    assert neutralize(value) == "'" + value


@pytest.mark.parametrize(("value", "expected"), INNER.items())
def test_formula_starts_after_a_separator_inside_a_cell_are_neutralised(value, expected):
    assert neutralize(value) == expected


@pytest.mark.parametrize("value", ["normal", "", "a=b", "café -10", "x; y", None, 0.87, 3])
def test_other_cells_are_unchanged(value):
    assert neutralize(value) == value


def _seed(texts: list[str], artist: str = "=cmd|' /C calc'!A0", category: Category = Category.SPAM) -> None:
    with session_scope() as session:
        for value in texts:
            cid = uuid.uuid4()
            session.add(
                Comment(
                    id=cid,
                    text=value,
                    text_hash=text_hash(value),
                    artist=artist,
                    written_at=datetime.now(UTC),
                    source=Source.CSV,
                    status=CommentStatus.CLASSIFICADO,
                )
            )
            session.flush()
            session.add(
                Classification(
                    comment_id=cid,
                    category=category,
                    confidence=0.9,
                    origin=Origin.LOCAL,
                    model="m",
                    prompt_version="p",
                    is_current=True,
                )
            )


def _csv(filtro: CommentFilter) -> tuple[bytes, list[dict[str, str]]]:
    content = b"".join(export.stream_csv(filtro))
    return content, list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_csv_export_is_utf8_with_bom_quotes_every_field_and_neutralises_formulas_in_sql(services):
    _seed(DANGEROUS + list(INNER))
    content, rows = _csv(CommentFilter())
    assert content.startswith(b"\xef\xbb\xbf")
    assert len(rows) == len(DANGEROUS) + len(INNER)
    assert sorted(r["texto"] for r in rows) == sorted(["'" + v for v in DANGEROUS] + list(INNER.values()))
    assert {r["artista"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert {r["categoria"] for r in rows} == {"SPAM"}
    assert list(rows[0]) == export.HEADERS
    field = r'(?:"(?:[^"]|"")*"|)'  # a quoted value, or nothing (NULL)
    header, body = content.decode("utf-8-sig").split("\n", 1)
    assert header == ",".join(export.HEADERS)
    assert re.fullmatch(rf"(?:{field}(?:,{field})*\n)+", body, re.DOTALL)


def test_csv_export_contains_exactly_the_filtered_set_with_accents_intact(services):
    seeded = seed_report_data()
    _, rows = _csv(CommentFilter(categoria=Category.CRITICA))
    assert len(rows) == seeded.by_category["CRÍTICA"]
    assert {r["categoria"] for r in rows} == {"CRÍTICA"}
    assert any("horrível" in r["texto"] for r in rows)
    assert {r["revisar"] for r in rows} == {"não"}  # confidence 0.8 is above the review threshold


def test_xlsx_export_has_typed_string_cells_that_never_become_formulas(services):
    _seed(DANGEROUS + ["amei;=1+1"])
    book = load_workbook(export.xlsx_file(CommentFilter(categoria=Category.SPAM)))
    sheet = book["comentarios"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == export.HEADERS
    texts = sorted(row[export.HEADERS.index("texto")] for row in values[1:])
    # (XML turns a carriage return into a line feed when the file is read back)
    assert texts == sorted(["'" + v.replace("\r", "\n") for v in DANGEROUS] + ["amei;'=1+1"])
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    assert {row[export.HEADERS.index("confianca")] for row in values[1:]} == {0.9}


def test_export_of_many_rows_streams_in_chunks(services):
    _seed(
        [f"comentário número {i} com um texto razoavelmente longo para encher o arquivo" for i in range(6000)],
        artist="Banda",
        category=Category.ELOGIO,
    )
    chunks = list(export.stream_csv(CommentFilter()))
    assert len(chunks) > 3  # the BOM, then several chunks of about CHUNK_BYTES: never one big buffer
    assert max(len(c) for c in chunks) <= 2 * export.CHUNK_BYTES
    rows = list(csv.DictReader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert len(rows) == 6000


def test_closing_the_stream_early_stops_the_copy_and_the_next_export_still_works(services):
    _seed([f"linha {i} " + "x" * 200 for i in range(5000)], artist="Banda", category=Category.ELOGIO)
    stream = export.stream_csv(CommentFilter())
    next(stream)
    next(stream)
    stream.close()  # a client that went away
    _copy_threads_end()
    assert get_engine().pool.checkedout() == 0  # the interrupted COPY's connection was discarded, not kept
    _, rows = _csv(CommentFilter())
    assert len(rows) == 5000


def _copy_threads_end() -> None:
    for thread in threading.enumerate():
        if thread.name == "export-copy":
            thread.join(timeout=10)
            assert not thread.is_alive()


def test_a_copy_that_fails_midway_raises_to_the_reader_and_frees_its_connection(services, monkeypatch):
    # Rows first, then a real PostgreSQL error (division by zero at row 100,000) in the middle of the stream.
    failing = "COPY (SELECT n, 1 / (100000 - n) FROM generate_series(1, 200000) AS n) TO STDOUT WITH (FORMAT csv)"
    monkeypatch.setattr(export, "_copy_sql", lambda cursor, filtro: failing)
    received = []
    with pytest.raises(psycopg2.errors.DivisionByZero):
        for chunk in export.stream_csv(CommentFilter()):
            received.append(chunk)
    assert len(b"".join(received)) > export.CHUNK_BYTES  # it failed after streaming, not before
    _copy_threads_end()
    assert get_engine().pool.checkedout() == 0


def test_the_sheet_writer_escapes_markup_drops_characters_xml_forbids_and_types_numbers():
    from shared.reporting.xlsx import write_sheet

    out = io.BytesIO()
    rows = [["a<b & c>", "  espaços  ", "0.5"], ["x\x0by\x00", None, ""], ["", "só o meio", "1"]]
    assert write_sheet(out, "comentarios", ["texto", "artista", "confianca"], rows, [2]) == 3
    out.seek(0)
    sheet = load_workbook(out)["comentarios"]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("texto", "artista", "confianca"),
        ("a<b & c>", "  espaços  ", 0.5),
        ("xy", None, None),
        (None, "só o meio", 1),
    ]
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert {cell.data_type for row in sheet.iter_rows(min_row=2, max_col=2) for cell in row if cell.value} == {"s"}


MODEL = {"model": "m", "prompt_version": "p"}


def test_tags_are_the_current_classifications_sorted_in_a_full_and_in_a_filtered_export(services):
    from shared.models import ClassificationTag

    tagged, untagged = uuid.uuid4(), uuid.uuid4()
    with session_scope() as session:
        for cid, text in ((tagged, "autotune demais e setlist curto"), (untagged, "que horas abre?")):
            session.add(Comment(id=cid, text=text, text_hash=text_hash(text), source=Source.API))
        session.flush()
        old = Classification(
            comment_id=tagged, category=Category.CRITICA, confidence=0.7, origin=Origin.LOCAL, is_current=False, **MODEL
        )
        old.tags = [ClassificationTag(code="feat_antiga", explanation="x")]
        new = Classification(
            comment_id=tagged, category=Category.CRITICA, confidence=0.9, origin=Origin.LOCAL, is_current=False, **MODEL
        )
        new.tags = [
            ClassificationTag(code="feat_setlist", explanation="setlist"),
            ClassificationTag(code="feat_autotune", explanation="autotune"),
        ]
        session.add_all([old, new])
        session.flush()
        new.is_current = True  # re-classified: the first one is history
        session.add(
            Classification(
                comment_id=untagged,
                category=Category.DUVIDA,
                confidence=0.8,
                origin=Origin.LOCAL,
                is_current=True,
                **MODEL,
            )
        )
    expected = {str(tagged): "feat_autotune, feat_setlist", str(untagged): ""}
    for filtro in (CommentFilter(), CommentFilter(categoria=Category.CRITICA), CommentFilter(q="abre")):
        _, rows = _csv(filtro)
        assert {row["id"]: row["tags"] for row in rows} == {
            key: value for key, value in expected.items() if key in {row["id"] for row in rows}
        }
        assert rows, filtro
