"""The music-feature tag lexicon: codes, default explanations and the Portuguese words that signal them.

One place for the tag codes. Used by the local classifier (keyword matching) and by the Gemini classifier
(the prompt lists the codes; the codes it returns are mapped to canonical ones with `canonical_tag_code`).

Patterns are regular expressions matched on folded text (`shared.text.fold`: lower case, no accents, letters
repeated 3+ times squeezed to one), each anchored at the start of a word. Slang, abbreviations,
typos, English and Spanish forms are listed next to the Portuguese ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from shared.contracts import MAX_TAGS, Tag, normalize_tag_code
from shared.text import fold, fold_with_offsets


@dataclass(frozen=True)
class FeatureTag:
    code: str
    label: str  # short Portuguese name (dashboard, prompt)
    explanation: str  # default `explicacao`
    patterns: tuple[str, ...]


LEXICON: tuple[FeatureTag, ...] = (
    FeatureTag(
        "feat_autotune",
        "autotune",
        "uso de autotune / afinação artificial na voz",
        (
            r"auto[\s-]?tun",
            r"autotum",
            r"alto[\s-]?tune",
            r"voz robotic",
            r"voz robotizad",
            r"robotizad",
            r"voz de robo",
            r"melodyne",
            r"afinador automatico",
            r"efeito na voz",
        ),
    ),
    FeatureTag(
        "feat_mixagem",
        "mixagem e masterização",
        "mixagem / masterização do áudio",
        (
            r"mixage",
            r"mixag",
            r"mixad",
            r"mixing",
            r"\bmix\b",
            r"na mix\b",
            r"remix(?!o)",
            r"masteriz",
            r"remasteriz",
            r"\bmaster\b",
            r"mastering",
            r"equaliza",
            r"voz (?:la )?(?:no fundo|enterrad|sumid|some)",
            r"embolad",
            r"embola",
            r"esmagad",
            r"dinamica",
        ),
    ),
    FeatureTag(
        "feat_letra",
        "letra",
        "letra / composição da música",
        (
            r"letras?\b",
            r"lyric",
            r"\bletrista",
            r"composic",
            r"compos(?:eu|itor|itora|to)\b",
            r"compor\b",
            r"escreve(?:u)?\b",
            r"\brima",
            r"refr[ao]",
            r"\bverso",
            r"palavr(?:ao|oes)\b",
            r"traduz",
            r"traducao",
        ),
    ),
    FeatureTag(
        "feat_producao",
        "produção",
        "produção musical / beat / arranjo",
        (
            r"producao musical",
            r"producao (?:do|da|desse|dessa) (?:album|disco|ep|single|faixa|musica|som)",
            r"de producao\b",
            r"produzi",
            r"produtor(?:es)?\b",
            r"\bbeats?\b",
            r"batida",
            r"arranjo",
            r"\bgrave\b",
            r"\bsample",
            r"\bsynth",
            r"sintetizador",
            r"\bdrop\b(?! d\b)",
            r"production",
            r"produced",
            r"timbre",
            r"\bbase(?:s)? gravad",
        ),
    ),
    FeatureTag(
        "feat_vocal",
        "voz",
        "voz / interpretação vocal",
        (
            r"\bvoz\b",
            r"\bvozes\b",
            r"vocal",
            r"\bvoice",
            r"cant(?:a|ou|ando|ar|ora|ava|aram)\b",
            r"desafin",
            r"afinad",
            r"\bagudo",
            r"notas? alt",
            r"falsete",
            r"playback",
            r"a capela",
            r"a cappella",
            r"gogo",
            r"sing(?:s|ing)?\b",
            r"\bbridge\b",
            r"\bvoce canta",
        ),
    ),
    FeatureTag(
        "feat_instrumental",
        "instrumental",
        "instrumentos / execução instrumental",
        (
            r"guitarr",
            r"guitar",
            r"bateria\b(?! do celular)",
            r"baterista",
            r"\bo baixo\b",
            r"baixista",
            r"contrabaixo",
            r"\bbass\b",
            r"sanfon",
            r"acordeon",
            r"violao",
            r"violoes",
            r"violino",
            r"viola\b",
            r"cavaco",
            r"pandeiro",
            r"teclad",
            r"piano",
            r"\bmetais\b",
            r"\bsopros?\b",
            r"solo de",
            r"instrumento",
            r"instrumental",
            r"zabumba",
            r"triangulo",
            r"percuss",
            r"\bdrums?\b",
            r"\briffs?\b",
            r"\btanta\b",
            r"rabeca",
            r"\bsynth",
            r"afinacao",
            r"amplificador",
            r"\bbanda (?:toda|completa|ao vivo)",
        ),
    ),
    FeatureTag(
        "feat_clipe",
        "clipe",
        "clipe / videoclipe",
        (
            r"clipe",
            r"\bclip\b",
            r"videoclip",
            r"music videos?",
            r"\bmv\b",
            r"\bvideo oficial",
        ),
    ),
    FeatureTag(
        "feat_cenario",
        "cenário",
        "cenário / estrutura de palco",
        (
            r"cenario",
            r"cenografi",
            r"\btelao",
            r"\bteloes",
            r"\bpalco (?:gigante|enorme|pequeno|simples|lindo)",
            r"estrutura de palco",
            r"\bestrutura\b",
            r"pirotecni",
            r"\bfogos\b",
            r"stage design",
            r"\bset design",
            r"\bscenery",
        ),
    ),
    FeatureTag(
        "feat_iluminacao",
        "iluminação",
        "iluminação do show",
        (
            r"ilumina",
            r"\bluz\b",
            r"\bluzes\b",
            r"\blaser",
            r"estrobo",
            r"strobe",
            r"lighting",
            r"\blights\b",
            r"refletor",
            r"holofote",
            r"no escuro",
        ),
    ),
    FeatureTag(
        "feat_figurino",
        "figurino",
        "figurino / roupas no palco",
        (
            r"figurin",
            r"troca de roupa",
            r"\boutfits?",
            r"costume",
            r"\blooks?\b",
            r"vestido",
            r"\bfantasia de",
        ),
    ),
    FeatureTag(
        "feat_coreografia",
        "coreografia",
        "coreografia / dança",
        (
            r"coreogra",
            r"choreo",
            r"bailarin",
            r"dancarin",
            r"\bdanca\b",
            r"passinho",
            r"\bdancers?\b",
            r"\bbale\b",
        ),
    ),
    FeatureTag(
        "feat_duracao_show",
        "duração do show",
        "duração do show",
        (
            r"\d+\s?(?:h|hr|hrs|horas?|min|minutos?)\s+de show",
            r"show (?:curto|curtinho|rapido|longo)",
            r"show durou",
            r"dura(?:cao| quanto)",
            r"quanto tempo (?:dura|de show)",
            r"\bdurou\b",
            r"acabou (?:cedo|rapido)",
            r"mais curto",
            r"show (?:de|com) (?:so |apenas )?\d+\s?(?:min|h)",
            r"intervalo",
            r"show inteiro\b(?= em pe)",
            r"\d+h em pe",
        ),
    ),
    FeatureTag(
        "feat_atraso",
        "atraso",
        "atraso / espera para começar",
        (
            r"atras(?:o|os|ou|ad|aram|ar|ando)\b",
            r"atrasad",
            r"\bdemor(?:ou|aram|a pra comecar)",
            r"comec(?:ou|aram) (?:tarde|atrasad)",
            r"\blate\b",
            r"\bdelay",
            r"esper(?:ar|ei|amos|ando) \d+\s?h",
            r"\d+\s?h(?:oras?)? (?:de espera|esperando|em pe olhando)",
            r"palco vazio",
            r"\bpontual",
            r"\btarde\b(?= pra comecar)",
            r"retraso",
        ),
    ),
    FeatureTag(
        "feat_som",
        "som",
        "qualidade do som no local",
        (
            r"\bsom\b",
            r"\baudio\b",
            r"\bsound\b",
            r"\bsonido",
            r"microfon",
            r"\bmic\b",
            r"caixa de som",
            r"(?<!guarda-)volume",
            r"chiado",
            r"\bretorno\b",
            r"abafad",
            r"estour",
            r"\bpa\b",
            r"nao (?:dava|da) pra ouvir",
            r"nao se escuchaba",
            r"protetor auricular",
            r"subwoofer",
            r"\bgrave\b(?= estoura)",
        ),
    ),
    FeatureTag(
        "feat_ingresso",
        "ingresso",
        "ingressos / venda de entradas",
        (
            r"ingress",
            r"\btickets?\b",
            r"\bbilhete",
            r"meia[\s-]?entrada",
            r"setor de meia",
            r"cambista",
            r"(?:la|las) entradas?\b",
            r"entrada (?:vip|inteira)",
            r"venda geral",
            r"pre[\s-]?venda",
            r"esgot",
            r"\bsetor\b",
            r"pista premium",
            r"camarote",
            r"reembolso",
            r"fila virtual",
            r"site de venda",
            r"taxa de conveniencia",
            r"\bvip\b",
        ),
    ),
    FeatureTag(
        "feat_preco",
        "preço",
        "preço / valor cobrado",
        (
            r"precos?\b",
            r"precinho",
            r"\bcaro\b",
            r"\bcaros\b",
            r"\bcara demais",
            r"carissim",
            r"\bbarat",
            r"\bvalor",
            r"r\$",
            r"\d+\s?(?:reais|conto|pila|contos)\b",
            r"\breais\b",
            r"\bcobra(?:r|ndo|m|ram)?\b",
            r"\btaxa",
            r"overpriced",
            r"\bprices?\b",
            r"pricey",
            r"expensive",
            r"\bcheap",
            r"\bprecio",
            r"cuestan",
            r"\bcuesta",
            r"\bfortuna",
            r"\bcusta(?:m)?\b",
            r"desconto",
            r"mais em conta",
            r"\bparcel",
            r"\bpagar\b",
            r"\bpaguei",
            r"\bpague\b",
            r"\bcentavo",
        ),
    ),
    FeatureTag(
        "feat_setlist",
        "setlist",
        "setlist / repertório do show",
        (
            r"set[\s-]?list",
            r"repertorio",
            r"\bmedley",
            r"\bencore",
            r"nao toc(?:ou|aram|a)\b",
            r"toc(?:ou|aram) (?:so|apenas|todas)",
            r"faltou (?:tocar|a musica)",
            r"toca(?:r)? (?:mais|menos|o .* inteiro)",
            r"ordem das musicas",
            r"\blado b\b",
            r"tocaram todas",
            r"parou de tocar",
        ),
    ),
    FeatureTag(
        "feat_local",
        "local do show",
        "local do evento / estrutura do espaço",
        (
            r"estacionamento",
            r"banheir",
            r"\bportoes\b",
            r"casa de show",
            r"\bdessa casa\b",
            r"ao ar livre",
            r"cobertura",
            r"\blocal do (?:show|evento)",
            r"\bno local\b",
            r"\bvenue",
            r"\bestadio\b(?= (?:e|eh|era|tava))",
            r"\bfila\b",
            r"\bsaida\b",
            r"transporte",
            r"\bonibus",
            r"\bmetro\b",
            r"elevador",
            r"arquibancada",
            r"\bacesso ao",
            r"lotad",
            r"superlota",
        ),
    ),
    FeatureTag(
        "feat_seguranca",
        "segurança",
        "segurança do público",
        (
            r"seguranca",
            r"segurancas",
            r"\bsecurity",
            r"\bassalt",
            r"\broub",
            r"\bfurt",
            r"\bbriga",
            r"tumulto",
            r"empurr",
            r"pisote",
            r"\brevista\b",
            r"policia",
            r"arrastao",
            r"\bbarrad",
            r"contra a grade",
            r"machuc",
            r"perigos",
        ),
    ),
    FeatureTag(
        "feat_acessibilidade",
        "acessibilidade",
        "acessibilidade para pessoas com deficiência",
        (
            r"acessib",
            r"acessivel",
            r"cadeirante",
            r"cadeira de rodas",
            r"\bpcd\b",
            r"deficien",
            r"\bsurd",
            r"libras",
            r"interprete",
            r"audiodescri",
            r"\bcego",
            r"epilep",
            r"autis",
            r"mobilidade reduzida",
            r"andador",
            r"\brampa",
            r"accessib",
            r"wheelchair",
            r"\bsubtitles",
        ),
    ),
    FeatureTag(
        "feat_merch",
        "merch",
        "produtos oficiais (merch)",
        (
            r"\bmerch",
            r"camiset",
            r"\bcamisa",
            r"moletom",
            r"\bbone\b",
            r"caneca",
            r"lojinha",
            r"loja oficial",
            r"\bvinil",
            r"\bvinis\b",
            r"\bvinyl",
            r"\bposter",
            r"ecobag",
            r"chaveiro",
            r"t-?shirt",
            r"hoodie",
            r"\bproduto oficial",
            r"\bcd fisico",
            r"\bbox\b",
        ),
    ),
    FeatureTag(
        "feat_capa",
        "capa",
        "capa / arte do álbum",
        (
            r"\bcapa\b",
            r"\bcapas\b",
            r"arte do (?:album|disco|single)",
            r"artwork",
            r"cover art",
            r"album cover",
            r"encarte",
            r"ilustrador",
            r"\bportada",
        ),
    ),
    FeatureTag(
        "feat_lancamento",
        "lançamento",
        "lançamento / data de lançamento",
        (
            r"lancamento",
            r"\blanca(?:r|m|ram|ou)?\b",
            r"\brelanc",
            r"\bquando sai\b",
            r"\bsai quando\b",
            r"data do (?:album|disco|single)",
            r"adia(?:ram|do|mento)",
            r"\brelease",
            r"pre[\s-]?save",
            r"album novo",
            r"disco novo",
            r"\bsingle\b",
            r"\bestreia",
            r"\bsolta logo",
            r"\bdrop (?:the|it)",
        ),
    ),
    FeatureTag(
        "feat_streaming",
        "streaming",
        "disponibilidade em plataformas de streaming",
        (
            r"streaming",
            r"\bplataformas?\b",
            r"spotify",
            r"deezer",
            r"apple music",
            r"youtube music",
            r"\btidal\b",
            r"soundcloud",
            r"\bstreams?\b",
            r"ouvintes mensais",
            r"\bplaylist",
            r"\bno app\b",
        ),
    ),
    FeatureTag(
        "feat_participacao",
        "participação",
        "participação especial / feat",
        (
            r"\bfeat\b",
            r"\bft\b",
            r"featuring",
            r"participac",
            r"parceria",
            r"\bcolab",
            r"\bdueto",
            r"convidad",
            r"\bpart\.",
        ),
    ),
    FeatureTag(
        "feat_turne",
        "turnê",
        "turnê / cidades dos shows",
        (
            r"\bturne",
            r"\btour\b",
            r"\bgira\b",
            r"\bvem (?:pra|para|pro)\b",
            r"\bvenham? (?:pra|para|pro|a)\b",
            r"\bvengan\b",
            r"\bcome to\b",
            r"\bvenir a\b",
            r"passar (?:por|em)",
            r"passou longe",
            r"\bdatas\b",
        ),
    ),
)

TAG_CODES: tuple[str, ...] = tuple(t.code for t in LEXICON)
TAGS_BY_CODE: dict[str, FeatureTag] = {t.code: t for t in LEXICON}

# Other spellings an LLM or a person may use for a lexicon code (after normalize_tag_code).
CODE_ALIASES: dict[str, str] = {
    "feat_auto_tune": "feat_autotune",
    "feat_afinacao": "feat_autotune",
    "feat_mix": "feat_mixagem",
    "feat_mixing": "feat_mixagem",
    "feat_masterizacao": "feat_mixagem",
    "feat_mastering": "feat_mixagem",
    "feat_mixagem_masterizacao": "feat_mixagem",
    "feat_lyrics": "feat_letra",
    "feat_composicao": "feat_letra",
    "feat_production": "feat_producao",
    "feat_beat": "feat_producao",
    "feat_arranjo": "feat_producao",
    "feat_voz": "feat_vocal",
    "feat_vocais": "feat_vocal",
    "feat_voice": "feat_vocal",
    "feat_instrumentos": "feat_instrumental",
    "feat_instrumento": "feat_instrumental",
    "feat_videoclipe": "feat_clipe",
    "feat_video": "feat_clipe",
    "feat_clip": "feat_clipe",
    "feat_music_video": "feat_clipe",
    "feat_palco": "feat_cenario",
    "feat_cenografia": "feat_cenario",
    "feat_luz": "feat_iluminacao",
    "feat_luzes": "feat_iluminacao",
    "feat_lighting": "feat_iluminacao",
    "feat_roupa": "feat_figurino",
    "feat_figurinos": "feat_figurino",
    "feat_danca": "feat_coreografia",
    "feat_duracao": "feat_duracao_show",
    "feat_duracao_do_show": "feat_duracao_show",
    "feat_tempo_de_show": "feat_duracao_show",
    "feat_atrasos": "feat_atraso",
    "feat_pontualidade": "feat_atraso",
    "feat_audio": "feat_som",
    "feat_qualidade_do_som": "feat_som",
    "feat_sound": "feat_som",
    "feat_ingressos": "feat_ingresso",
    "feat_tickets": "feat_ingresso",
    "feat_ticket": "feat_ingresso",
    "feat_precos": "feat_preco",
    "feat_valor": "feat_preco",
    "feat_price": "feat_preco",
    "feat_set_list": "feat_setlist",
    "feat_repertorio": "feat_setlist",
    "feat_local_do_show": "feat_local",
    "feat_venue": "feat_local",
    "feat_estrutura": "feat_local",
    "feat_security": "feat_seguranca",
    "feat_accessibility": "feat_acessibilidade",
    "feat_merchandising": "feat_merch",
    "feat_produtos": "feat_merch",
    "feat_capa_do_album": "feat_capa",
    "feat_cover": "feat_capa",
    "feat_arte": "feat_capa",
    "feat_release": "feat_lancamento",
    "feat_lancamentos": "feat_lancamento",
    "feat_plataformas": "feat_streaming",
    "feat_plataforma": "feat_streaming",
    "feat_feat": "feat_participacao",
    "feat_featuring": "feat_participacao",
    "feat_participacoes": "feat_participacao",
    "feat_colaboracao": "feat_participacao",
    "feat_tour": "feat_turne",
    "feat_turnes": "feat_turne",
}


def canonical_tag_code(raw: str) -> str:
    """Normalise a tag code (`Feat Autotune`, `feat-auto-tune`, `tickets`) to the lexicon's code when known.

    Unknown codes stay as normalised (lower snake case, `feat_` prefix): new features are not lost.
    """
    code = normalize_tag_code(raw)
    if code in TAGS_BY_CODE:
        return code
    if code in CODE_ALIASES:
        return CODE_ALIASES[code]
    if code.endswith("s") and code[:-1] in TAGS_BY_CODE:
        return code[:-1]
    return code


def normalize_tags(tags: Iterable[Tag | dict]) -> list[Tag]:
    """Canonical codes, first explanation kept per code, at most MAX_TAGS."""
    seen: dict[str, Tag] = {}
    for tag in tags:
        raw_code = tag.codigo if isinstance(tag, Tag) else str(tag.get("codigo", ""))
        explanation = tag.explicacao if isinstance(tag, Tag) else str(tag.get("explicacao") or "")
        try:
            code = canonical_tag_code(raw_code)
        except ValueError:
            continue
        if code in seen:
            continue
        if not explanation.strip():
            explanation = TAGS_BY_CODE[code].explanation if code in TAGS_BY_CODE else code
        seen[code] = Tag(codigo=code, explicacao=explanation)
    return list(seen.values())[:MAX_TAGS]


# --- matching

_SNIPPET_CHARS = 70
_CLAUSE_BREAK = re.compile(r"[.!?;\n]")


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[FeatureTag, re.Pattern[str]], ...]:
    compiled = []
    for tag in LEXICON:
        # one word boundary in front of the whole alternation: same matches, much faster than one per branch
        alternatives = "|".join(p.removeprefix(r"\b") for p in tag.patterns)
        compiled.append((tag, re.compile(rf"\b(?:{alternatives})")))
    return tuple(compiled)


def _snippet(text: str, start: int, end: int) -> str:
    """The clause of the original text around [start, end), shortened to about _SNIPPET_CHARS."""
    left = max((m.end() for m in _CLAUSE_BREAK.finditer(text, 0, start)), default=0)
    right_match = _CLAUSE_BREAK.search(text, end)
    right = right_match.start() if right_match else len(text)
    half = _SNIPPET_CHARS // 2
    if right - left > _SNIPPET_CHARS:
        left = max(left, start - half)
        right = min(right, max(end + half, left + _SNIPPET_CHARS))
    snippet = " ".join(text[left:right].split())
    if left > 0 and not _CLAUSE_BREAK.match(text[left - 1]):
        snippet = "…" + snippet
    if right < len(text) and not _CLAUSE_BREAK.match(text[right]):
        snippet += "…"
    return snippet


def find_tags(text: str) -> list[Tag]:
    """Lexicon tags mentioned in the text, in reading order, each explained with the passage that names it."""
    folded = fold(text)
    matches = [
        (feature, match)
        for feature, regex in _compiled()
        if (match := regex.search(folded)) and match.end() > match.start()
    ]
    if not matches:
        return []
    slow, offsets = fold_with_offsets(text)
    if slow != folded:  # exotic characters fold differently one by one: match on the slow form
        folded = slow
        matches = [
            (feature, match)
            for feature, regex in _compiled()
            if (match := regex.search(folded)) and match.end() > match.start()
        ]
    hits: list[tuple[int, Tag]] = []
    for feature, match in matches:
        start = offsets[match.start()]
        end = offsets[match.end() - 1] + 1
        explanation = f'{feature.explanation}: "{_snippet(text, start, end)}"'
        hits.append((match.start(), Tag(codigo=feature.code, explicacao=explanation)))
    hits.sort(key=lambda hit: hit[0])
    return [tag for _, tag in hits][:MAX_TAGS]
