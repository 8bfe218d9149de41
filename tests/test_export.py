"""shared.export: the filtered set as CSV (UTF-8 with BOM) and XLSX, formulas neutralised."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from shared import export
from shared.categories import Category
from shared.queries import CommentFilter
from tests.dashboard_helpers import seed_report_data

DANGEROUS = ["=HYPERLINK(\"http://x\")", "+55 11 9999", "-2+3", "@SUM(A1)", "\tcom tab", "\rcom cr"]


@pytest.mark.parametrize("value", DANGEROUS)
def test_cells_that_start_like_a_formula_are_neutralised(value):
    assert export.neutralize(value) == "'" + value


@pytest.mark.parametrize("value", ["normal", "", "a=b", "café -10", None, 0.87, 3])
def test_other_cells_are_unchanged(value):
    assert export.neutralize(value) == value


def _seed_dangerous() -> None:
    from datetime import datetime, timezone

    from shared.contracts import CommentStatus, Origin, Source
    from shared.db import session_scope
    from shared.models import Classification, Comment
    from shared.text import text_hash
    import uuid

    with session_scope() as session:
        for texto in DANGEROUS:
            cid = uuid.uuid4()
            session.add(Comment(id=cid, texto=texto, text_hash=text_hash(texto), artista="=cmd|' /C calc'!A0",
                                written_at=datetime.now(timezone.utc), source=Source.CSV,
                                status=CommentStatus.CLASSIFICADO))
            session.flush()
            session.add(Classification(comment_id=cid, categoria=Category.SPAM, confianca=0.9, origin=Origin.LOCAL,
                                       model="m", prompt_version="p", is_current=True))


def test_csv_export_is_utf8_with_bom_and_neutralises_formulas(services):
    _seed_dangerous()
    content = export.export_bytes(CommentFilter(), "csv")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert len(rows) == len(DANGEROUS)
    assert sorted(r["texto"] for r in rows) == sorted("'" + v for v in DANGEROUS)
    assert {r["artista"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert {r["categoria"] for r in rows} == {"SPAM"}
    assert list(rows[0]) == export.HEADERS


def test_csv_export_contains_exactly_the_filtered_set_with_accents_intact(services):
    seed_report_data()
    content = export.export_bytes(CommentFilter(categoria=Category.CRITICA), "csv")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert sorted(r["texto"] for r in rows) == sorted([
        "o autotune estragou a música inteira", "mixagem horrível, não dá pra ouvir a bateria",
        "ingresso caro demais pro que entregaram"])
    assert {r["categoria"] for r in rows} == {"CRÍTICA"}
    tags = {r["texto"]: r["tags"] for r in rows}
    assert tags["o autotune estragou a música inteira"] == "feat_autotune"


def test_xlsx_export_has_the_filtered_rows_as_text_cells_never_formulas(services):
    _seed_dangerous()
    seed_report_data()
    content = export.export_bytes(CommentFilter(categoria=Category.SPAM), "xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == export.HEADERS
    texts = sorted(row[1] for row in values[1:])
    expected = ["'" + v for v in DANGEROUS] + ["sigam meu perfil e ganhem seguidores"]
    assert texts == sorted(v.replace("\r", "\n") for v in expected)  # XML stores a bare CR as a line break
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type == "s"  # a string cell, not a formula ("f")


def test_export_streams_in_batches_larger_than_one_query(services, monkeypatch):
    from shared import queries

    seed_report_data()
    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)
    original = queries.iter_comments
    monkeypatch.setattr(export, "iter_comments", lambda s, f: original(s, f, batch=2))
    out, count = export.export_file(CommentFilter(), "csv")
    with out:
        rows = list(csv.reader(io.StringIO(out.read().decode("utf-8-sig"), newline="")))
    assert count == 9 and len(rows) == 10
    assert len({r[0] for r in rows[1:]}) == 9  # no row twice across batch boundaries
