"""shared.ingest.csv_import: decoding, parsing, line-numbered validation, idempotent import through intake."""

from __future__ import annotations

import csv
import io
import time
import tracemalloc
import uuid

import pytest
from sqlalchemy import func, select

from shared.db import session_scope
from shared.ingest import csv_files, csv_import
from shared.models import Comment
from shared.vocabulary import Source


def comments_from_csv() -> list[Comment]:
    with session_scope() as session:
        return list(session.scalars(select(Comment).where(Comment.source == Source.CSV).order_by(Comment.text)))


def rows(content: bytes) -> list[csv_import.ParsedRow]:
    return list(csv_import.iter_rows(content))


@pytest.mark.parametrize(
    "encoding, label", [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 com BOM"), ("latin-1", "Latin-1 (ISO-8859-1)")]
)
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_utf8_with_or_without_bom_and_latin1_with_comma_or_semicolon_are_read_alike(
    services, encoding, label, delimiter
):
    text = f'texto{delimiter}artista\nCrítica à mixagem{delimiter}Banda Aurora\n"ação{delimiter} emoção"{delimiter}\n'
    content = text.encode(encoding)
    layout = csv_files.read_layout(content)
    assert (layout.encoding_label, layout.delimiter) == (label, delimiter)
    parsed = rows(content)
    assert [r.item.texto for r in parsed] == ["Crítica à mixagem", f"ação{delimiter} emoção"]
    assert parsed[0].item.artista == "Banda Aurora" and parsed[1].item.artista is None


def test_header_names_are_case_and_space_insensitive_and_unknown_columns_are_ignored(services):
    content = b" Texto ,ARTISTA,categoria\nlindo demais,Luna Ferraz,ELOGIO\n"
    layout = csv_files.read_layout(content)
    assert layout.ignored_columns == ["categoria"]
    [row] = rows(content)
    assert (row.item.texto, row.item.artista) == ("lindo demais", "Luna Ferraz")


def test_missing_header_is_refused(services):
    with pytest.raises(csv_files.CsvFileError, match="cabeçalho com a coluna 'texto'"):
        csv_files.read_layout(b"adorei o show,Luna Ferraz\n")


def test_empty_file_and_header_only_file_are_refused(services):
    with pytest.raises(csv_files.CsvFileError, match="vazio"):
        csv_import.validate(b"  \n")
    with pytest.raises(csv_files.CsvFileError, match="nenhuma linha de dados"):
        csv_import.validate(b"texto,artista\n")


def test_file_over_the_size_limit_is_refused(services, use_settings):
    use_settings(upload_max_mb="1")
    content = b"texto\n" + b"a" * (1024 * 1024 + 10) + b"\n"
    with pytest.raises(csv_files.CsvFileError, match="o limite é 1 MB"):
        csv_import.validate(content)


def test_generated_ids_depend_only_on_the_content(services):
    content = b"texto,artista\nmesmo texto,Luna Ferraz\noutro texto,Luna Ferraz\n"
    first, second = rows(content), rows(content)
    assert [r.item.id for r in first] == [r.item.id for r in second]
    assert first[0].item.id != first[1].item.id
    assert all(r.generated_id for r in first)
    given = rows(b"id,texto\n6d2f1c1e-4f3a-4c59-9a3e-0d1b2c3d4e01,tem id\n")
    assert given[0].item.id == uuid.UUID("6d2f1c1e-4f3a-4c59-9a3e-0d1b2c3d4e01") and not given[0].generated_id


def test_dates_accept_iso_and_brazilian_formats_in_the_configured_time_zone(services):
    content = b"texto,data\na,2026-11-20T10:30:00-03:00\nb,2026-11-20\nc,20/11/2026 19:30\n"
    dates = [r.item.data for r in rows(content)]
    assert [d.isoformat() for d in dates] == [
        "2026-11-20T10:30:00-03:00",
        "2026-11-20T00:00:00-03:00",
        "2026-11-20T19:30:00-03:00",
    ]


def test_each_invalid_row_is_reported_with_its_line_number_field_and_a_portuguese_message(services):
    long_text = "x" * 5001
    content = (
        "texto,id,artista,data\n"  # line 1
        "ok,,,\n"  # 2
        ",,,\n"  # 3 (blank: skipped)
        " ,,Luna Ferraz,\n"  # 4 empty texto
        "a,123,,\n"  # 5 bad uuid
        f"{long_text},,,\n"  # 6 too long
        "b,,,ontem\n"  # 7 bad date
        f"c,,{'y' * 201},\n"  # 8 artist too long
        "d,,,,sobrando\n"  # 9 extra column
        '"quebra\nde linha",,,\n'  # 10-11 quoted newline: one row starting at line 10
        "e,,,32/01/2026\n"  # 12 impossible date
    ).encode()
    report = csv_import.validate(content)
    assert (report.rows, report.valid, report.invalid) == (9, 2, 7)
    got = [(e.linha, e.campo) for e in report.errors]
    assert got == [(4, "texto"), (5, "id"), (6, "texto"), (7, "data"), (8, "artista"), (9, "linha"), (12, "data")]
    messages = {e.linha: e.mensagem for e in report.errors}
    assert messages[4] == "não pode ser vazio"
    assert "UUID" in messages[5]
    assert messages[6] == "texto com 5001 caracteres; o máximo é 5000"
    assert "AAAA-MM-DD" in messages[7]
    assert "200" in messages[8]


def test_unterminated_quote_is_reported_instead_of_crashing(services):
    report = csv_import.validate(b'texto\nbom\n"sem fim\n')
    assert report.valid == 1 and report.invalid == 1
    assert report.errors[0].linha == 3 and "malformado" in report.errors[0].mensagem


def test_error_report_download_is_a_csv_with_line_numbers(services):
    report = csv_import.validate(b"texto,id\nok,\n,x\n=cmd,naoeuuid\n")
    content = csv_import.errors_csv(report.errors)
    assert content.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert parsed[0] == ["linha", "campo", "mensagem"]
    assert [r[0] for r in parsed[1:]] == ["3", "3", "4"]


def test_import_stores_only_valid_rows_through_intake_and_is_idempotent(services, redis_conn):
    content = b"texto,artista\nprimeiro,Luna Ferraz\n,\nsegundo,\n   ,Banda Aurora\n"
    result = csv_import.import_csv(content)
    assert (result.new, result.duplicates, result.conflicts) == (2, 0, 0)
    assert result.report.invalid == 1
    stored = comments_from_csv()
    assert [c.text for c in stored] == ["primeiro", "segundo"]
    assert {c.status.value for c in stored} == {"pendente"}

    again = csv_import.import_csv(content)
    assert (again.new, again.duplicates) == (0, 2)
    assert len(comments_from_csv()) == 2


def test_a_row_whose_id_exists_with_another_text_is_a_conflict_and_changes_nothing(services, redis_conn):
    cid = "6d2f1c1e-4f3a-4c59-9a3e-0d1b2c3d4e01"
    csv_import.import_csv(f"id,texto\n{cid},original\n".encode())
    result = csv_import.import_csv(f"id,texto\n{cid},alterado\n".encode())
    assert result.conflicts == 1
    assert [c.text for c in comments_from_csv()] == ["original"]


def test_progress_is_reported_while_importing(services, redis_conn):
    content = ("texto\n" + "".join(f"comentário {i}\n" for i in range(2500))).encode()
    seen: list[float] = []
    csv_import.import_csv(content, progress=lambda fraction, _text: seen.append(fraction))
    assert len(seen) >= 3 and seen == sorted(seen) and seen[-1] == 1.0


def _big_csv(rows: int) -> bytes:
    lines = ["id;texto;artista;album;data"]
    for i in range(rows):
        lines.append(
            f"{uuid.UUID(int=i + 1)};comentário número {i} sobre o show, muito bom;Luna Ferraz;Maré Alta;"
            f"2026-11-{1 + i % 28:02d}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_100k_rows_are_validated_streaming_in_bounded_memory(services):
    content = _big_csv(100_000)
    assert len(content) > 8_000_000
    tracemalloc.start()
    report = csv_import.validate(content)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (report.rows, report.valid) == (100_000, 100_000)
    # Rows are streamed: the peak stays far below "everything parsed at once" (hundreds of MB).
    assert peak < 20 * 1024 * 1024, f"pico de memória {peak / 1e6:.0f} MB"


def test_100k_rows_import_through_intake(services, redis_conn):
    content = _big_csv(100_000)
    started = time.monotonic()
    result = csv_import.import_csv(content)
    elapsed = time.monotonic() - started
    assert result.new == 100_000 and result.report.invalid == 0
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 100_000
    print(f"100k linhas importadas em {elapsed:.1f} s")


def test_the_example_file_offered_for_download_is_valid(services):
    report = csv_import.validate(csv_files.TEMPLATE)
    assert report.rows == 3 and report.valid == 3 and report.generated_ids == 2
