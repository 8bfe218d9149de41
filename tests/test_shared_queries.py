"""shared.reporting.queries: comment search, keyset pages, export iteration and detail, against real PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from shared.db import session_scope
from shared.reporting import queries
from shared.reporting.filters import CommentFilter
from shared.reporting.queries import InvalidCursor
from shared.vocabulary import Category, CommentStatus, Origin
from tests.report_seed import add_comment, as_json, classified, classify, utc


def _ids(page) -> list[str]:
    return [item.id for item in page.itens]


def test_filter_normalizes_tag_and_rejects_inverted_ranges():
    assert CommentFilter(tag="Feat Autotune").tag == "feat_autotune"
    assert CommentFilter(tag="autotune").tag == "feat_autotune"
    with pytest.raises(ValidationError):
        CommentFilter(desde=date(2026, 11, 20), ate=date(2026, 11, 1))
    with pytest.raises(ValidationError):
        CommentFilter(confianca_min=0.9, confianca_max=0.1)
    with pytest.raises(ValidationError):
        CommentFilter(categoria="BOM")


def test_pages_walk_every_match_newest_first_without_repeats():
    ids = [str(add_comment(f"Comentário {i}", when=utc(2026, 11, 1) + timedelta(minutes=i))) for i in range(7)]
    seen, cursor = [], None
    with session_scope() as s:
        while True:
            page = queries.list_comments(s, CommentFilter(), cursor=cursor, limit=3)
            seen.extend(_ids(page))
            cursor = page.proximo_cursor
            if cursor is None:
                break
    assert seen == list(reversed(ids))


def test_same_timestamp_comments_are_paged_by_id_without_loss():
    when = utc(2026, 11, 3)
    ids = {str(add_comment(f"Mesmo instante {i}", when=when)) for i in range(5)}
    with session_scope() as s:
        first = queries.list_comments(s, limit=2)
        second = queries.list_comments(s, cursor=first.proximo_cursor, limit=2)
        third = queries.list_comments(s, cursor=second.proximo_cursor, limit=2)
    assert set(_ids(first) + _ids(second) + _ids(third)) == ids
    assert third.proximo_cursor is None


def test_tampered_cursor_is_rejected():
    with session_scope() as s, pytest.raises(InvalidCursor):
        queries.list_comments(s, cursor="bm90LWEtY3Vyc29y")


def test_filters_by_current_category_tag_confidence_and_status():
    a = classified(
        "Autotune estragou", Category.CRITICA, when=utc(2026, 11, 5), confianca=0.9, tags={"feat_autotune": "autotune"}
    )
    b = classified("Adorei a produção", Category.ELOGIO, when=utc(2026, 11, 5), confianca=0.4)
    reclassified = classified("Era elogio", Category.ELOGIO, when=utc(2026, 11, 5), tags={"feat_autotune": "x"})
    classify(reclassified, Category.SPAM, 0.99)
    pending = add_comment("Sem classificação", when=utc(2026, 11, 5))
    with session_scope() as s:
        assert _ids(queries.list_comments(s, CommentFilter(categoria=Category.CRITICA))) == [str(a)]
        assert _ids(queries.list_comments(s, CommentFilter(tag="autotune"))) == [str(a)]
        assert set(_ids(queries.list_comments(s, CommentFilter(categoria=Category.ELOGIO)))) == {str(b)}
        assert set(_ids(queries.list_comments(s, CommentFilter(confianca_min=0.5)))) == {str(a), str(reclassified)}
        assert _ids(queries.list_comments(s, CommentFilter(confianca_max=0.5))) == [str(b)]
        assert _ids(queries.list_comments(s, CommentFilter(status=CommentStatus.PENDENTE))) == [str(pending)]
        assert queries.count_comments(s, CommentFilter(status=CommentStatus.CLASSIFICADO)) == 3
        # counts match the listed rows, with and without a condition on the classification
        assert queries.count_comments(s) == 4  # the re-classified comment counts once
        assert queries.count_comments(s, CommentFilter(categoria=Category.ELOGIO)) == 1
        assert queries.count_comments(s, CommentFilter(confianca_min=0.5)) == 2


def test_full_text_search_is_portuguese_aware():
    hit = add_comment("As músicas novas estão incríveis", when=utc(2026, 11, 6))
    add_comment("O show foi cancelado", when=utc(2026, 11, 6))
    with session_scope() as s:
        # "música" matches "músicas" through the Portuguese stemmer
        assert _ids(queries.list_comments(s, CommentFilter(q="música"))) == [str(hit)]
        assert queries.count_comments(s, CommentFilter(q="!!! & |")) == 0  # plainto_tsquery never errors


def test_artist_album_and_date_filters():
    a = add_comment("x", when=utc(2026, 11, 10), artista="Anitta", album="Funk Generation")
    detected = classified("Ludmilla arrasou", Category.ELOGIO, when=utc(2026, 11, 12), artista="Anitta")
    add_comment("y", when=utc(2026, 11, 20), artista="Pabllo")
    with session_scope() as s:
        assert set(_ids(queries.list_comments(s, CommentFilter(artista="anitta")))) == {str(a), str(detected)}
        assert _ids(queries.list_comments(s, CommentFilter(album="FUNK generation"))) == [str(a)]
        assert _ids(queries.list_comments(s, CommentFilter(desde=date(2026, 11, 11), ate=date(2026, 11, 12)))) == [
            str(detected)
        ]


def test_list_item_shows_current_classification_and_sorted_tags():
    cid = classified(
        "Mixagem e autotune",
        Category.CRITICA,
        when=utc(2026, 11, 5),
        confianca=0.8,
        tags={"feat_mixagem": "m", "feat_autotune": "a"},
    )
    with session_scope() as s:
        item = as_json(queries.list_comments(s).itens[0])
    assert item["id"] == str(cid)
    assert item["categoria"] == "CRÍTICA"
    assert item["confianca"] == 0.8
    assert item["tags"] == ["feat_autotune", "feat_mixagem"]
    assert item["status"] == "classificado"


def test_get_comment_returns_current_classification_and_full_history_with_tags():
    cid = add_comment("Autotune demais", when=utc(2026, 11, 5))
    classify(cid, Category.ELOGIO, 0.55, tags={"feat_vocal": "voz"}, created_at=utc(2026, 11, 5, 13))
    classify(
        cid,
        Category.CRITICA,
        0.9,
        tags={"feat_autotune": "uso excessivo de autotune"},
        origin=Origin.HUMANO,
        model="humano",
        created_at=utc(2026, 11, 5, 14),
    )
    with session_scope() as s:
        detail = as_json(queries.get_comment(s, cid))
        missing = queries.get_comment(s, "00000000-0000-0000-0000-000000000000")
    assert missing is None
    assert detail["status"] == "classificado"
    current = detail["classificacao"]
    assert current["categoria"] == "CRÍTICA" and current["confianca"] == 0.9
    assert current["tags_funcionalidades"] == [{"codigo": "feat_autotune", "explicacao": "uso excessivo de autotune"}]
    assert current["modelo"] == "humano" and current["origem"] == "humano" and current["atual"] is True
    assert set(current) >= {
        "categoria",
        "confianca",
        "tags_funcionalidades",
        "artista",
        "album",
        "modelo",
        "versao_prompt",
    }
    assert [h["categoria"] for h in detail["historico"]] == ["ELOGIO", "CRÍTICA"]
    assert detail["historico"][0]["tags_funcionalidades"][0]["codigo"] == "feat_vocal"
    assert detail["historico"][0]["atual"] is False


def test_get_comment_of_failed_comment_shows_the_reason():
    cid = add_comment("Falhou", when=utc(2026, 11, 5), status=CommentStatus.FALHOU, last_error="resposta inválida")
    with session_scope() as s:
        detail = as_json(queries.get_comment(s, cid))
    assert detail["status"] == "falhou"
    assert detail["erro"] == "resposta inválida"
    assert detail["classificacao"] is None and detail["historico"] == []


def test_review_filter_finds_automatic_classifications_below_the_threshold(use_settings):
    use_settings(review_below_confidence=0.6)
    unsure = classified("hmm sei lá", Category.DUVIDA, when=utc(2026, 11, 5), confianca=0.41)
    classified("amei demais", Category.ELOGIO, when=utc(2026, 11, 5), confianca=0.93)
    corrected = add_comment("corrigido pela curadoria", when=utc(2026, 11, 5))
    classify(corrected, Category.CRITICA, 0.3, origin=Origin.HUMANO, model="humano")
    add_comment("ainda pendente", when=utc(2026, 11, 5))
    with session_scope() as s:
        assert _ids(queries.list_comments(s, CommentFilter(revisar=True))) == [str(unsure)]
        assert queries.count_comments(s, CommentFilter(revisar=True)) == 1
        page = queries.list_comments(s)
    assert {item.id: item.revisar for item in page.itens}[str(unsure)] is True
    assert sum(item.revisar for item in page.itens) == 1
