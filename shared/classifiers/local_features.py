"""Hand-written cue features for the local classifier (one more branch next to the TF-IDF ones).

The training corpus is small (about 2,000 comments), so the n-gram model only knows the words it saw.
These cues map many words to a few signals that generalise: praise and complaint vocabulary (with
negation: "não gostei", "não decepciona"), sarcasm markers, question and suggestion forms, spam signals
(links, money, follow-for-follow, attempts to steer the classifier) and whether the comment talks about
music at all (off-topic chatter is SPAM even when it is a question).

Lists are written in folded form (lower case, no accents, see shared.classifiers.tags.fold); each entry
is a regular expression anchored at the start of a word. Portuguese first, plus common English/Spanish.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from shared.catalog import match_artist
from shared.classifiers.tags import find_tags, fold

CUES_VERSION = 2  # part of the local model hash: bump when the lists or `cue_vector` change

POSITIVE = (
    r"ame+i\b", r"amo\b", r"amando", r"amamos", r"adoro", r"adorei", r"adorando", r"apaixonad", r"incrive",
    r"perfeit", r"maravilh", r"lind[oa]s?\b", r"lindez", r"sensaciona", r"espetacula", r"fantastic", r"excelent",
    r"otim[oa]s?\b", r"top\b", r"topzera", r"fod(?:a|ona|ao|astico)\b", r"brab[oa]", r"brabissim", r"monstr",
    r"hino", r"obra[\s-]prima", r"genia", r"genio", r"talent", r"emocion", r"arrepi", r"chorei", r"chorando",
    r"viciad", r"viciei", r"no repeat", r"repeat", r"melhor(?:es)?\b", r"bom demais", r"boa demais",
    r"muito bo[ma]", r"mu?i?to? bo[ma]", r"mt bo[ma]", r"mto bo[ma]", r"sucesso", r"orgulh", r"obrigad",
    r"gratidao", r"\bdiv[oa]\b", r"rainha", r"\brei\b", r"lenda", r"lendari", r"impecav", r"irretocav",
    r"brilhant", r"magnific", r"fenomena", r"surreal", r"insan[oa]", r"pancada", r"pedrada", r"entreg(?:ou|a|ando)\b",
    r"arras(?:ou|a|ando|aram)\b", r"mit(?:ou|o)\b", r"love[ds]?\b", r"loving", r"amazing", r"awesome",
    r"beautiful", r"masterpiece", r"best\b", r"great\b", r"goat\b", r"slay", r"precios", r"encant", r"delicia",
    r"gostos", r"gostei", r"curti", r"bonit", r"show de bola", r"nota (?:10|mil)\b", r"10/10", r"recomend",
    r"hermos", r"increible", r"buenisim", r"bacana", r"massa\b", r"daora", r"da hora", r"firmeza", r"zika",
    r"sinistr", r"inesquecive", r"emocionant", r"nostalg", r"feliz", r"felicidade", r"alegria", r"sensacao",
    r"respeito", r"respeita", r"absurdo de bo", r"bom pra caramba", r"vale (?:cada|a pena)",
    r"caprich", r"classico", r"icon", r"de arrepiar", r"de cair o queixo", r"queixo caido", r"sem defeito",
    r"cura\b", r"curou", r"abencoad", r"energia", r"gostoso", r"delicinha", r"fino\b", r"elegant", r"madur",
    r"evolu", r"cresceu", r"amadureceu", r"superou", r"supera", r"preciso disso", r"lo mejor", r"me encanta",
)
NEGATIVE = (
    r"pessim", r"horrive", r"horroros", r"ruim", r"ruins", r"lixo", r"porcaria", r"decepc", r"fraco", r"fraca",
    r"chat[oa]s?\b", r"chatice", r"\bsono\b", r"tedio", r"entediant", r"cansativ", r"cansa\b", r"enjoa",
    r"irritant", r"insuportav", r"vergonh", r"ridicul", r"absurdo\b(?! de bo)", r"desrespeit", r"descaso",
    r"falta de respeito", r"odeio", r"odiei", r"odio", r"pior(?:es)?\b", r"piorou", r"carissim", r"caro demais",
    r"muito caro", r"abusiv", r"roubo", r"roubada", r"estrag", r"errad", r"falha", r"falhou",
    r"atras(?:o|ou|ado|ada|aram)\b",
    r"cancel", r"desorganiz", r"bagunc", r"mal feit", r"malfeit", r"desafin", r"gritad", r"forcad", r"generic",
    r"repetitiv", r"preguic", r"amador", r"plagio", r"copia\b", r"sem graca", r"sem sal", r"sem nocao",
    r"sem alma", r"sem emocao", r"sem criatividade", r"nada a ver", r"\bmeh\b", r"mediocr", r"nunca mais",
    r"arrependi", r"perda de tempo", r"desperdic", r"raiva", r"revolt", r"indignad", r"lamentav", r"infelizmente",
    r"que pena", r"boring", r"trash", r"worst", r"awful", r"terrible", r"\bbad\b", r"overrated", r"disappoint",
    r"horrible", r"aburrid", r"malisim", r"basura", r"\bpeor\b", r"decepcion", r"empenad", r"quebrad", r"defeito",
    r"nao funciona", r"travand", r"mentira", r"engan", r"inaudive", r"abafad", r"estourad", r"embolad",
    r"sofrive", r"deprimente", r"cringe", r"\bmico\b", r"flop", r"apelativ", r"descarad", r"cara de pau",
    r"palhacada", r"piada\b", r"zoad", r"desanim", r"triste ver", r"nao aguento", r"nao da mais", r"fiasco",
    r"vexame", r"desastre", r"caos\b", r"caotic", r"tosc", r"bosta", r"merda", r"porra", r"ninguem merece",
    r"lament", r"perdeu a mao", r"perdeu a essencia", r"caiu muito", r"decadencia", r"vendid[oa]", r"superestimad",
    r"sumiu", r"sumid", r"inaceitave", r"absurda\b", r"descontrol", r"esmagad", r"apertad", r"lotad",
    r"fraq", r"pavoros", r"medonh", r"tenebros", r"horrend", r"sonolent", r"brega", r"cafona", r"pretensios",
    r"arrastad", r"monoton", r"esquecive", r"descartave", r"insoss", r"insipid", r"superficia", r"cliche",
    r"mais do mesmo", r"formula\b", r"distorc", r"microfonia", r"tortura", r"constrang", r"machist", r"racist",
    r"problematic", r"ofensiv", r"desnecessari", r"anasalad", r"nasal\b", r"processad", r"mal (?:mixad|gravad|"
    r"editad|cantad|tocad|organizad|feit|produzid|escrit)", r"nao presta", r"nao vale", r"lazy", r"unbearable",
    r"annoying", r"\bmess\b", r"cheap", r"sloppy", r"tiraram", r"tirou (?:todo|toda|a graca)", r"sem vontade",
    r"preguicos", r"enrola", r"enganacao", r"vergonhos", r"lixeira", r"bomba\b", r"furad", r"quinta serie",
)
SARCASM = (r"🙄", r"🙃", r"😒", r"😑", r"😐", r"🤡", r"🥱", r"ironi", r"so que\b", r"so levou", r"obrigad[oa] por nada",
           r"que beleza", r"parabens pel[oa]", r"adorei esperar", r"amei esperar", r"maravilha de", r"otimo ne\b",
           r"\"\w+\"", r"'\w+'")
POSITIVE_EMOJI = "😍🥰😘❤💖💕💗💓💞💜💙💚🧡🤍🖤🔥👏🙌💯✨🤩😭🥹🥺🎶🎵🤘👑🏆⭐🌟😎💥🫶"
NEGATIVE_EMOJI = "🙄😒😡🤬😤👎💩🤮🤢😑😐🥱😴😠🤡😞😔😩😫"
NEGATORS = r"\b(?:nao|nem|nunca|jamais|n|nada|zero|sem)\b"
QUESTION_START = (r"qual", r"quais", r"quando", r"onde", r"quanto", r"quantos", r"quantas", r"como", r"que horas",
                  r"alguem sabe", r"vai ter", r"tem como", r"sera que", r"e verdade", r"pode\b", r"posso",
                  r"da pra", r"existe", r"sabem", r"sabe se", r"what", r"when", r"where", r"how", r"is there",
                  r"cuando", r"donde", r"cual", r"cuanto", r"hay\b", r"tem\b", r"vai\b", r"vao\b", r"quem")
WHY = (r"por que", r"porque", r"pq\b", r"por q\b", r"why\b", r"por ?que\b", r"cade", r"ate quando", r"como assim",
       r"como pode", r"sera possivel", r"quem (?:teve|foi) a ideia")
SUGGESTION = (r"podia", r"poderia", r"podiam", r"poderiam", r"deveria", r"deviam", r"devia", r"devem\b",
              r"seria (?:legal|bom|top|incrivel|otimo|massa|lindo|perfeito)", r"que tal", r"sugir", r"sugest",
              r"sugiro", r"bota\b", r"botem", r"coloca", r"coloquem", r"lanca\b", r"lancem", r"facam", r"faz\b",
              r"tragam", r"traz\b", r"traga", r"volta(?:m)? (?:a|pra|para)", r"queria que", r"quero que",
              r"gostaria", r"precisa(?:m|va)? (?:de|fazer|lancar|voltar|vir)", r"pfv", r"pf\b", r"por favor", r"please",
              r"should", r"would be", r"ojala", r"deberian", r"deberia", r"ideia", r"fica a dica", r"bora\b",
              r"vem (?:pra|para|a)", r"venham", r"grava\b", r"gravem", r"regrav", r"libera\b", r"liberem",
              r"aumenta", r"aumentem", r"diminu", r"melhorem", r"melhora\b", r"adiciona", r"incluam", r"inclui\b",
              r"pensem", r"considerem", r"abre\b", r"abram", r"disponibiliz", r"mais shows?\b", r"faltou so",
              r"pls\b", r"plis", r"plmds", r"pfvr", r"urgente", r"proximo passo", r"resolveria", r"ajudaria",
              r"da proxima vez", r"na proxima")
# Verbs that open a request ("tira o autotune", "leva o show pra Recife").
IMPERATIVE_START = (r"tira", r"tirem", r"deixa", r"deixem", r"toca", r"toquem", r"leva", r"levem", r"sobe", r"subam",
                    r"contrata", r"contratem", r"chama", r"chamem", r"manda", r"mandem", r"lanca", r"lancem", r"faz",
                    r"facam", r"bota", r"botem", r"coloca", r"coloquem", r"poe", r"ponham", r"grava", r"gravem",
                    r"volta", r"voltem", r"vem", r"venham", r"abre", r"abram", r"muda", r"mudem", r"troca",
                    r"troquem", r"cria", r"criem", r"solta", r"soltem", r"libera", r"liberem", r"remasteriza",
                    r"disponibiliza", r"inclui", r"incluam", r"aumenta", r"aumentem", r"diminui", r"diminuam",
                    r"traz", r"tragam", r"faca", r"fazam", r"release", r"bring", r"make", r"please", r"pls")
CONDITIONAL = r"\b(?:eu )?[a-z]{3,}(?:aria|eria|iria)m?\b"
GIBBERISH = (r"qwert", r"asdf", r"zxcv", r"lkjh", r"poiuy", r"mnbv", r"hjkl", r"fdsa", r"[bcdfghjklmnpqrstvwxz]{6,}")
# Themes with no relation to music: a comment about them is off-topic chatter (SPAM).
OFF_TOPIC = (r"politic", r"deputad", r"vereador", r"senador", r"president", r"eleic", r"\bvoto", r"\bvotar",
             r"futebol", r"campeonato", r"rebaixad", r"\bgol\b", r"partida", r"escalac", r"\bjuiz", r"novela",
             r"\bbbb\b", r"receita de", r"\bbolo\b", r"feijoada", r"almoc", r"\bjanta", r"gasolina", r"aluguel",
             r"imposto", r"\binss\b", r"concurso", r"vestibular", r"\benem\b", r"dentista", r"medico", r"remedio",
             r"academia\b", r"\bdieta", r"cachorro", r"\bgato\b", r"geladeira", r"\bsofa\b", r"maquina de lavar",
             r"wifi", r"\bpet\b", r"mercado", r"tomate", r"\bcarro\b", r"\bmoto\b", r"faculdade", r"\bchefe\b",
             r"orcamento", r"a combinar", r"aluga", r"vende-se", r"interessad", r"servico", r"faco (?:capa|arte|mix|"
             r"master|beat|logo|site|show)", r"chama (?:no|na) (?:dm|zap|whats|privado|direct)", r"\bsigam\b")
SPAM = (r"ganh[ea]", r"ganhar", r"dinheiro", r"renda extra", r"lucr", r"\bpix\b", r"gratis", r"\bfree\b",
        r"promo", r"desconto", r"cupom", r"sorteio", r"segue?\b", r"seguidor", r"sigam", r"sigo de volta",
        r"inscrev", r"\bcanal\b", r"\blink\b", r"\bbio\b", r"perfil", r"whats", r"\bzap\b", r"telegram", r"\bdm\b",
        r"privado", r"clique", r"clica", r"acesse", r"confira", r"compre", r"vendo\b", r"vende\b", r"aluga",
        r"emagre", r"investi", r"cripto", r"bitcoin", r"aposta", r"cassino", r"bet\b", r"tigrinho", r"emprestimo",
        r"credito", r"\bcpf\b", r"cartao", r"senha", r"premio", r"promocao", r"oferta", r"follow", r"subscribe",
        r"check (?:out|my)", r"gana\b", r"dinero", r"\bsigue", r"primeir[oa]\b", r"first\b", r"f4f", r"sub4sub",
        r"visualiza", r"\bviews?\b", r"\blikes?\b", r"curtidas")
INJECTION = (r"ignor", r"instruc", r"instruct", r"sistema\b", r"system", r"classifi", r"categori", r"prompt",
             r"json", r"output", r"respond", r"assistant", r"modelo de linguagem", r"\bia\b", r"\bai\b", r"\bbot\b",
             r"confianca", r"admin", r"override", r"debug", r"regras", r"rules")
MUSIC = (r"music", r"musica", r"album", r"disco\b", r"\bep\b", r"single", r"faixa", r"som\b", r"show", r"clipe",
         r"\bclip", r"video", r"cant", r"banda", r"letra", r"\bvoz\b", r"refrao", r"beat", r"palco", r"turne",
         r"ingresso", r"setlist", r"feat", r"parceria", r"lancamento", r"lanca", r"hino", r"festival", r"spotify",
         r"playlist", r"tocou", r"tocar", r"toca\b", r"tocam", r"ouvi", r"ouvir", r"ouvindo", r"escut", r"vinil",
         r"\bcd\b", r"merch", r"camiseta", r"fa\b", r"fas\b", r"fandom", r"artista", r"cantor", r"rapper", r"\bmc\b",
         r"dj\b", r"produc", r"produtor", r"arranjo", r"guitarr", r"bateri", r"violao", r"sanfon", r"samba", r"pagode",
         r"forro", r"funk", r"rap\b", r"rock", r"\bpop\b", r"sertanej", r"\bmpb\b", r"indie", r"eletronic", r"song",
         r"track", r"concert", r"gig\b", r"cancion", r"concierto", r"vivo\b", r"acustic", r"remix", r"estudio",
         r"gravac", r"gravou", r"compos", r"musico", r"dueto", r"coro\b", r"plateia", r"publico", r"estadio",
         r"arena\b", r"casa de show", r"bis\b", r"encore", r"abertura", r"turne", r"tour\b", r"camarim")


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(p if p.startswith(r"\b") or not p[0].isalnum() else rf"\b{p}" for p in patterns))


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    return {
        "pos": _compile(POSITIVE), "neg": _compile(NEGATIVE), "sarcasm": _compile(SARCASM),
        "question_start": re.compile(r"^\W*(?:" + "|".join(QUESTION_START) + r")\b"),
        "why": _compile(WHY), "suggestion": _compile(SUGGESTION), "spam": _compile(SPAM),
        "injection": _compile(INJECTION), "music": _compile(MUSIC), "negator": re.compile(NEGATORS),
        "imperative_start": re.compile(r"^\W*(?:" + "|".join(IMPERATIVE_START) + r")\b"),
        "conditional": re.compile(CONDITIONAL), "gibberish": _compile(GIBBERISH), "off_topic": _compile(OFF_TOPIC),
    }


_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|br|app|top|club|blog|link|ly|xyz|info|site|shop|me)\b")
_WORD = re.compile(r"\w+")
FEATURE_NAMES = (
    "pos", "neg", "pos_negated", "neg_negated", "pos_and_neg", "sarcasm", "sarcasm_with_pos",
    "pos_emoji", "neg_emoji", "question_mark", "question_start", "why", "why_question", "suggestion",
    "spam", "url", "handle", "long_number", "injection", "music", "off_topic", "off_topic_question",
    "caps", "exclamations", "short", "long",
    "imperative_start", "conditional", "gibberish", "no_letters", "off_topic_words",
)


def _count_with_negation(pattern: re.Pattern[str], text: str, negator: re.Pattern[str]) -> tuple[int, int]:
    """Matches, split into plain and negated (a negator among the three words before)."""
    plain = negated = 0
    for match in pattern.finditer(text):
        before = _WORD.findall(text[max(0, match.start() - 30):match.start()])[-3:]
        if any(negator.fullmatch(word) for word in before):
            negated += 1
        else:
            plain += 1
    return plain, negated


def _squash(count: float) -> float:
    return float(np.log1p(count))


def cue_vector(text: str) -> list[float]:
    p = _patterns()
    folded = fold(text)
    pos, pos_negated = _count_with_negation(p["pos"], folded, p["negator"])
    neg, neg_negated = _count_with_negation(p["neg"], folded, p["negator"])
    sarcasm = len(p["sarcasm"].findall(folded))
    pos_emoji = sum(ch in POSITIVE_EMOJI for ch in text)
    neg_emoji = sum(ch in NEGATIVE_EMOJI for ch in text)
    question = "?" in text or "¿" in text
    question_start = bool(p["question_start"].search(folded))
    why = bool(p["why"].search(folded))
    music = len(p["music"].findall(folded)) + len(find_tags(text)) + (1 if match_artist(text)[0] else 0)
    letters = [ch for ch in text if ch.isalpha()]
    caps = sum(ch.isupper() for ch in letters) / len(letters) if len(letters) >= 4 else 0.0
    words = len(_WORD.findall(folded))
    off_topic = music == 0 and words >= 3
    return [
        _squash(pos), _squash(neg), _squash(pos_negated), _squash(neg_negated),
        float(pos + pos_emoji > 0 and neg + neg_emoji + sarcasm > 0),
        _squash(sarcasm), float(sarcasm > 0 and pos > 0),
        _squash(pos_emoji), _squash(neg_emoji),
        float(question), float(question_start), float(why), float(why and question),
        _squash(len(p["suggestion"].findall(folded))),
        _squash(len(p["spam"].findall(folded))), _squash(len(_URL.findall(folded))),
        _squash(text.count("@")), float(bool(re.search(r"\d{6,}|\d{2}[\s.-]?\d{4,5}[\s.-]?\d{4}", text))),
        _squash(len(p["injection"].findall(folded))),
        _squash(music), float(off_topic), float(off_topic and question),
        caps, _squash(text.count("!")), float(words <= 2), float(words >= 40),
        float(bool(p["imperative_start"].search(folded))), _squash(len(p["conditional"].findall(folded))),
        float(bool(p["gibberish"].search(folded))),
        float(not letters and pos_emoji + neg_emoji == 0),
        _squash(len(p["off_topic"].findall(folded))),
    ]


def cue_features(texts, weight: float = 1.0) -> np.ndarray:
    """The cue matrix for a list of raw texts (rows: texts, columns: FEATURE_NAMES), times `weight`."""
    return np.array([cue_vector(t) for t in texts], dtype=float).reshape(-1, len(FEATURE_NAMES)) * weight
