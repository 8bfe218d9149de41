"""Tag lexicon, tag code normalisation, known-artist matching and the classification prompt."""

from __future__ import annotations

import re

import pytest

from shared.catalog import ARTIST_NAMES, canonical_album, canonical_artist, find_mentions, match_artist
from shared.classification.prompts import CLASSIFY_PROMPT_VERSION as PROMPT_VERSION
from shared.classification.prompts import classify_instruction, classify_payload
from shared.classification.tags import TAG_CODES, canonical_tag_code, find_tags, fold, normalize_tags
from shared.contracts import Tag
from shared.vocabulary import CATEGORY_VALUES

REQUIRED_CODES = {
    "feat_autotune",
    "feat_mixagem",
    "feat_letra",
    "feat_producao",
    "feat_vocal",
    "feat_instrumental",
    "feat_clipe",
    "feat_cenario",
    "feat_iluminacao",
    "feat_figurino",
    "feat_coreografia",
    "feat_duracao_show",
    "feat_atraso",
    "feat_som",
    "feat_ingresso",
    "feat_preco",
    "feat_setlist",
    "feat_local",
    "feat_seguranca",
    "feat_acessibilidade",
    "feat_merch",
    "feat_capa",
    "feat_lancamento",
    "feat_streaming",
    "feat_participacao",
    "feat_turne",
}


def codes(text: str) -> list[str]:
    return [tag.codigo for tag in find_tags(text)]


def test_lexicon_has_every_required_code_in_snake_case():
    assert set(TAG_CODES) >= REQUIRED_CODES
    assert len(TAG_CODES) == len(set(TAG_CODES))
    assert all(re.fullmatch(r"feat_[a-z0-9_]+", code) for code in TAG_CODES)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Feat Autotune", "feat_autotune"),
        ("feat-autotune", "feat_autotune"),
        ("autotune", "feat_autotune"),
        ("AUTO TUNE", "feat_autotune"),
        ("feat_ingressos", "feat_ingresso"),
        ("tickets", "feat_ingresso"),
        ("Produção", "feat_producao"),
        ("feat_turnê", "feat_turne"),
        ("Feat Pirotecnia", "feat_pirotecnia"),  # unknown codes are kept, normalised
    ],
)
def test_tag_codes_are_normalised_to_the_canonical_lexicon_code(raw, expected):
    assert canonical_tag_code(raw) == expected


def test_normalize_tags_merges_codes_that_mean_the_same_and_fills_empty_explanations():
    tags = normalize_tags(
        [
            {"codigo": "Feat Autotune", "explicacao": "voz robótica"},
            {"codigo": "feat_auto_tune", "explicacao": "de novo"},
            {"codigo": "preços", "explicacao": "  "},
            {"codigo": "***", "explicacao": "sem código"},
            Tag(codigo="clipe", explicacao="clipe bonito"),
        ]
    )

    assert [(t.codigo, t.explicacao) for t in tags] == [
        ("feat_autotune", "voz robótica"),
        ("feat_preco", "preço / valor cobrado"),
        ("feat_clipe", "clipe bonito"),
    ]


def test_fold_removes_accents_lowercases_and_squeezes_repeated_letters():
    assert fold("ILUMINAÇÃOOOO tá perfeitaaa!!!") == "iluminacao ta perfeita!!!"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("autotune no talo, nem parece a mesma pessoa", ["feat_autotune"]),
        ("AUTOTUNEEE DEMAIS", ["feat_autotune"]),
        ("a iluminacao tava linda", ["feat_iluminacao"]),
        ("mano o show atrasou 2h", ["feat_atraso"]),
        ("ingresso mt caro dms", ["feat_ingresso", "feat_preco"]),
        ("overpriced tickets and awful sound", ["feat_preco", "feat_ingresso", "feat_som"]),
        ("¿Cuánto cuestan las entradas?", ["feat_preco", "feat_ingresso"]),
        ("coloca legenda nos clipes, tem muito surdo que acompanha", ["feat_clipe", "feat_acessibilidade"]),
        ("setlist curto e sem as antigas", ["feat_setlist"]),
        ("o feat com a Marina ficou lindo", ["feat_participacao"]),
        ("vem pra Manaus!!!", ["feat_turne"]),
        ("a mixagem tá embolada, a voz some atrás do bumbo", ["feat_mixagem", "feat_vocal"]),
        ("capa feita em IA, que preguiça", ["feat_capa"]),
        ("lança logo o álbum novo", ["feat_lancamento"]),
        ("tira o álbum das plataformas não", ["feat_streaming"]),
        ("camiseta da turnê desbotou", ["feat_merch", "feat_turne"]),
    ],
)
def test_lexicon_finds_features_in_slang_typos_and_other_languages(text, expected):
    assert codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "tem guarda-volumes no estádio?",  # not "volume" (som)
        "lançamento à meia-noite foi ótimo",  # not "meia" (ingresso)
        "desculpa o preconceito, você é bom",  # not "preço"
        "to sem palavras",  # not "palavrão" (letra)
        "hino",
    ],
)
def test_lexicon_does_not_tag_look_alike_words(text):
    assert not {"feat_som", "feat_ingresso", "feat_preco", "feat_letra"} & set(codes(text))


def test_explanation_quotes_the_passage_so_it_differs_per_comment():
    first = find_tags("o autotune no refrão estragou tudo. resto ok")[0].explicacao
    second = find_tags("sem autotune nenhum, voz crua")[0].explicacao

    assert first != second
    assert '"o autotune no refrão estragou tudo"' in first
    assert first.startswith("uso de autotune")


def test_long_text_explanations_stay_short():
    text = "bla " * 100 + "a iluminação do palco estava incrível " + "bla " * 100
    [tag] = [t for t in find_tags(text) if t.codigo == "feat_iluminacao"]
    assert len(tag.explicacao) < 160 and "iluminação" in tag.explicacao


# --- catalogue


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Que voz é essa, Luna Ferraz??", ("Luna Ferraz", None)),
        ("LUNA FERRAZ É DEMAIS", ("Luna Ferraz", None)),
        ("escutei Estrada de Terra na estrada e chorei, obrigado Duda", ("Duda Ribeiro", "Estrada de Terra")),
        ("tmj sempre família Aurora 🤘", ("Banda Aurora", None)),
        ("Kaique Sol's flow on Concreto is insane", ("Kaique Sol", "Concreto")),
        ("vai ter vinil do Órbita?", ("Os Cometas", "Órbita")),
        ("vai ter vinil do orbita?", (None, None)),  # common word, not capitalised: no match
        ("deitada na varanda ouvindo música", (None, None)),
        ("a maré alta levou a barraca", (None, None)),
        ("mc vento norte nao erra", ("MC Vento Norte", None)),
        ("sigam @lunaferraz e kaiquesol-vip.top", (None, None)),
    ],
)
def test_known_artists_and_albums_are_matched_by_proper_names(text, expected):
    assert match_artist(text) == expected


def test_several_artists_are_listed_in_reading_order():
    mentions = find_mentions("melhor feat do ano: Duda Ribeiro + Trio Mandacaru")
    assert [m.artist for m in mentions] == ["Duda Ribeiro", "Trio Mandacaru"]


def test_canonical_names_map_aliases_and_keep_unknown_names():
    assert canonical_artist("luna") == "Luna Ferraz"
    assert canonical_artist(" coletivo mare ") == "Coletivo Maré"
    assert canonical_artist("Fulano de Tal") == "Fulano de Tal"
    assert canonical_artist("  ") is None
    assert canonical_album("ruido branco") == "Ruído Branco"
    assert len(ARTIST_NAMES) == 10


# --- prompt


def test_prompt_lists_every_category_and_tag_code_and_has_a_short_version():
    for value in CATEGORY_VALUES:
        assert value in classify_instruction()
    for code in TAG_CODES:
        assert code in classify_instruction()
    for name in ARTIST_NAMES:
        assert name in classify_instruction()
    assert 0 < len(PROMPT_VERSION) <= 20
    assert classify_payload([{"id": "1", "texto": "x"}]) == {"comentarios": [{"id": "1", "texto": "x"}]}
