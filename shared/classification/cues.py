"""Hand-written cue features for the local classifier (one more branch next to the TF-IDF ones).

Every cue encodes a rule of the labelling guide (shared/classification/GUIDE.md), so that the model generalises
beyond the words it saw in the corpus:

- praise and complaint vocabulary in Portuguese, English and Spanish, with negation ("não gostei") and the
  polarity of the part after "mas / só que / pena que / but / pero" (guide, boundary case 6);
- sarcasm markers next to praise words (case 8);
- questions: a question form, a genuine request for information, and "por que / why / por qué" split into a
  neutral one (DÚVIDA) and an indignant one (CRÍTICA), plus "por que não ...?" proposals (case 4);
- requests: modal/conditional proposals and imperatives that ask for something new (SUGESTÃO) kept apart from
  requests to fix or undo a problem (CRÍTICA, cases 5 and 7);
- the platform and service vocabulary (app, subscription, payment, support, delivery, tickets) and its problems:
  questions and complaints about the platform are never SPAM (case 1);
- spam: commercial offers even without a link, self-promotion, engagement noise, scams, links/handles/phones,
  attempts to steer the classifier, gibberish and laughter with no content, and chatter about themes with no
  relation to music or the platform (politics, football, recipes) — only when nothing music/platform is said;
- labelled prefixes ("Elogio:", "Complaint:", "Pregunta:") point to their category (case 3);
- emoji-only comments: positive, negative or random emojis (case 9).

Lists are written in folded form (lower case, no accents, see shared.text.fold), one regular expression per line,
anchored at the start of a word unless the line starts with a non-letter.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import numpy as np

from shared.text import fold

CUES_VERSION = 3  # part of the local model hash: bump when the lists or `cue_vector` change


def _lines(block: str) -> tuple[str, ...]:
    """One pattern per non-empty line (comments start with '#')."""
    return tuple(line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#"))


POSITIVE = _lines(r"""
ame+i\b
amo\b
amando
amamos
adoro
adorei
adorando
apaixonad
incrive
perfeit
maravilh
lind[oa]s?\b
lindez
sensaciona
espetacula
fantastic
excelent
otim[oa]s?\b
top\b
topzera
fod(?:a|ona|ao|astico)\b
brab[oa]
brabissim
monstr
hino
obra[\s-]prima
genia
genio
talent
emocion
arrepi
chorei
chorando
viciad
viciei
no repeat
repeat
melhor(?:es)?\b
bom demais
boa demais
muito bo[ma]
mu?i?to? bo[ma]
mt bo[ma]
mto bo[ma]
sucesso
orgulh
obrigad
gratidao
valeu\b
parabens
div[oa]\b
rainha
rei\b
lenda
lendari
impecav
irretocav
brilhant
magnific
fenomena
surreal
insan[oa]
pancada
pedrada
entreg(?:ou|a|ando)\b
arras(?:ou|a|ando|aram)\b
mit(?:ou|o)\b
precios
encant
delicia
gostos
gostei
curti
bonit
show de bola
nota (?:10|mil|dez)\b
10/10
recomend
bacana
massa\b
daora
da hora
firmeza
zika
sinistr
inesquecive
nostalg
feliz
felicidade
alegria
absurdo de bo
bom pra caramba
vale (?:cada|a pena|muito)
caprich
classico
icon
de arrepiar
de cair o queixo
sem defeito
curou
abencoad
gostoso
elegant
amadureceu
superou
resolveu
resolvid
rapid[oa]
atencios
facil
funciona (?:bem|perfeit|liso)
# English
love[ds]?\b
loving
amazing
awesome
beautiful
masterpiece
best\b
great\b
goat\b
slay
fire\b
banger
bop\b
iconic
gorgeous
perfect
incredible
stunning
brilliant
obsessed
so good
too good
sooo?\b
no skips
chef'?s kiss
thank
# Spanish
hermos
increible
buenisim
me encanta
lo mejor
temazo
precios
genial
maravillos
gracias
""")
NEGATIVE = _lines(r"""
pessim
horrive
horroros
ruim
ruins
lixo
porcaria
decepc
fraco
fraca
chat[oa]s?\b
chatice
sono\b
tedio
entediant
cansativ
enjoa
irritant
insuportav
vergonh
ridicul
absurdo\b(?! de bo)
absurda\b
desrespeit
descaso
falta de respeito
odeio
odiei
odio
pior(?:es)?\b
piorou
carissim
caro demais
muito caro
abusiv
roubo
roubada
estrag
errad
falha
falhou
atras(?:o|ou|ado|ada|aram)\b
demor
desorganiz
bagunc
mal feit
malfeit
desafin
gritad
forcad
generic
repetitiv
preguic
amador
plagio
sem graca
sem sal
sem nocao
sem alma
sem emocao
sem criatividade
nada a ver
meh\b
mid\b
mediocr
nunca mais
arrependi
perda de tempo
desperdic
raiva
revolt
indignad
lamentav
infelizmente
que pena
empenad
quebrad
defeito
nao funciona
nao abre
nao carrega
nao toca
nao chega
nao resolve
trav(?:a|ou|ando|ado)\b
fecha sozinho
fechando sozinho
bug
mentira
engan
inaudive
abaf(?:ad|ou|a)
estourad
embolad
deprimente
cringe
mico\b
flop
apelativ
descarad
cara de pau
palhacada
piada\b
desanim
nao aguento
nao da mais
fiasco
vexame
desastre
caos\b
caotic
tosc
bosta
merda
ninguem merece
perdeu a mao
perdeu a essencia
decadencia
superestimad
sumiu
inaceitave
descontrol
esmagad
lotad
pavoros
medonh
tenebros
horrend
sonolent
brega
cafona
pretensios
arrastad
monoton
esquecive
descartave
insoss
superficia
cliche
mais do mesmo
distorc
microfonia
tortura
constrang
desnecessari
mal (?:mixad|gravad|editad|cantad|tocad|organizad|feit|produzid|escrit)
nao presta
nao vale
enganacao
vergonhos
furad
cobrad[oa]s? (?:duas|2|tres|3) vezes
cobranca indevida
sem resposta
ninguem responde
nao respond
# English
boring
trash
worst
awful
terrible
bad\b
overrated
disappoint
horrible
lazy
unbearable
annoying
mess\b
cheap
sloppy
crash
keeps? (?:crashing|freezing|closing|logging)
broken
useless
doesn'?t work
not working
won'?t (?:load|open|play)
ugly
sucks?\b
rip ?off
scam\b
# Spanish
aburrid
malisim
basura
peor\b
decepcion
no funciona
no me gusto
lamentable
pesim
horribl
se (?:cierra|traba|cuelga)
""")
SARCASM = _lines(r"""
🙄
🙃
😒
😑
🤡
🥱
ironi
obrigad[oa] por nada
que beleza
parabens pel[oa]
adorei esperar
amei esperar
amei pagar
adorei pagar
maravilha de
otimo ne\b
que otimo
melhor atendimento do mundo
\"\w+\"
'\w+'
yeah right
thanks for nothing
""")
POSITIVE_EMOJI = "😍🥰😘❤💖💕💗💓💞💜💙💚🧡🤍🖤🔥👏🙌💯✨🤩😭🥹🥺🎶🎵🤘👑🏆⭐🌟😎💥🫶🎉🥳😻💘"
NEGATIVE_EMOJI = "🙄😒😡🤬😤👎💩🤮🤢😑😐🥱😴😠🤡😞😔😩😫😣😖"
NEGATORS = r"\b(?:nao|nem|nunca|jamais|n|nada|zero|sem|not|never|no|don'?t|didn'?t|isn'?t)\b"
# Where the intention usually is in a mixed comment: after these (guide, case 6).
CONTRAST = r"\b(?:mas|so que|pena que|porem|entretanto|contudo|but|though|however|pero|aunque|sin embargo)\b"
QUESTION_START = _lines(r"""
qual
quais
quando
onde
quanto
quantos
quantas
como
que horas
que dia
alguem sabe
alguem (?:me )?(?:explica|ajuda|confirma)
vai ter
vao ter
tem como
sera que
e verdade
pode\b
posso
podemos
da pra
existe
sabem
sabe se
sabe dizer
tem\b
vai\b
vao\b
quem
o que
e possivel
# English
what
when
where
how
who
which
is there
are there
is it
is the
are you
are they
do you
does
did
can i
can you
can we
will
any (?:news|idea|info)
# Spanish
que\b
cuando
donde
cual
cuanto
como
hay\b
quien
se puede
puedo
""")
INFO_REQUEST = _lines(r"""
alguem sabe
alguem (?:me )?(?:explica|ajuda|confirma|informa)
queria saber
gostaria de saber
gostaria de (?:informac|uma informac)
preciso saber
me (?:tira|tirem) uma duvida
uma duvida
to em duvida
informac(?:ao|oes) sobre
a quem (?:eu )?(?:devo|posso)
como (?:faco|faz|eu|funciona|cancel|troc|mud|consig)
does anyone know
can someone (?:tell|explain)
anyone know
i(?:'d| would) like to know
wondering
alguien sabe
quisiera saber
me gustaria saber
""")
WHY = r"\b(?:por ?que|pq|por q|why|how come|por ?qu[e]|cade|para que)\b"
WHY_NOT = r"\b(?:por ?que|pq|why|por ?que) (?:nao|not|no|don'?t you|doesn'?t|won'?t you)\b"
# Markers of indignation in a question (guide, case 4): the question carries the complaint.
INDIGNATION = _lines(r"""
serio que
ate quando
quem (?:teve|foi) a ideia
como assim
como pode
sera possivel
diabos
raios
cargas d
caralho
porra
inferno
pelo amor de deus
pqp
aff+
af\b
vergonha
absurdo
ridicul
de novo\?
outra vez
mais uma vez
for real\?
seriously
what the (?:hell|heck|fuck)
wtf
en serio
otra vez
""")
SUGGESTION = _lines(r"""
podia
poderia
podiam
poderiam
deveria
deveriam
deviam
devia
seria (?:legal|bom|top|incrivel|otimo|massa|lindo|perfeito|interessante|util|demais|o sonho|maravilhoso|show)
seria bom
que tal
sugir
sugest
sugiro
queria que
quero que
gostaria que
gostaria de ver
adoraria
amaria
precisa(?:m|va)? (?:de|fazer|lancar|voltar|vir|ter)
falta(?:ria|va)? (?:so|um|uma)
so falta
fica a dica
ideia
pensem
considerem
na proxima
da proxima vez
# English
should
could you
would be
would love
it would
i wish
please add
pls add
can you add
you guys should
why not
how about
what about
we need
# Spanish
ojala
deberian
deberia
podrian
seria (?:genial|bueno|lindo|hermoso)
y si\b
""")
# Imperatives and requests that ask for something new (SUGESTÃO) ...
NEW_REQUEST = _lines(r"""
lanc(?:a|em)\b
traz\b
tragam
traga
fac?(?:a|am)\b
faz\b
toqu?(?:e|em|a)\b
grav(?:a|em)\b
regrav
bot(?:a|em)\b
coloc(?:a|am|quem|que)\b
poe\b
ponham
adicion
inclu(?:a|am|i)\b
liber(?:a|em)\b
disponibiliz
abr(?:e|am)\b
cri(?:a|em)\b
solt(?:a|em)\b
ven(?:ham|ha)\b
vem (?:pra|para|a|no|na)\b
volt(?:a|em)(?: pra| para| a| ao| no| na)\b
lev(?:a|em) (?:o|a|os|as|essa|esse|pra|para)\b
(?:mais|outro|outra|novo|nova) (?:show|shows|data|datas|sessao|turne|album|clipe)
bis\b
pfv
pf\b
pfvr
por favor
please
pls\b
plis
plmds
urgente
# English
add\b
bring
make (?:a|an|more|it)
release
come (?:to|back)
do (?:a|an|more)
drop (?:a|the|more)
put (?:out|the)
let us
give us
# Spanish
hagan
traigan
saquen
vengan
pongan
agreguen
lancen
""")
# ... and requests to fix or undo a problem (CRÍTICA: the content is the problem).
FIX_REQUEST = _lines(r"""
arrum
consert
corrij
corrig
resolv(?:am|e|am isso)\b
devolv
reembols
estorn
meu dinheiro de volta
tirem esse
voltem (?:o|a|com o|com a) (?:antig|de antes|como era)
desfa(?:ca|cam|z)
parem de
fix
sort (?:it|this) out
refund
give (?:me )?my money back
undo
stop (?:charging|changing)
arregl
solucion
devuelv
reembolso
""")
CONDITIONAL = r"\b(?:eu )?[a-z]{3,}(?:aria|eria|iria)m?\b"
# "quero mais", "não para nunca": a vague wish that only reinforces the praise (guide: ELOGIO).
VAGUE_MORE = _lines(r"""
quero mais
queremos mais
mais mais
nao para(?:m)? nunca
nao parem
continu(?:a|em) assim
que venham mais
nao vejo a hora
ansios
want more
more please
keep (?:it up|going)
never stop
sigan asi
quiero mas
""")
PLATFORM = _lines(r"""
app\b
apps\b
aplicativo
aplicacion
la app
assinatura
assinante
assinar
plano
premium
mensalidade
cobranc
cobrad
cobrar
cobra\b
fatura
boleto
pagamento
pagar
paguei
pago\b
cartao
pix\b
reembolso
estorno
login
logar
senha
conta\b
cadastr
atualizac
versao
download
baixar
offline
streaming
playlist
notificac
suporte
atendimento
atendente
sac\b
chamado
protocolo
entrega
pedido
frete
correios
rastrei
loja
merch
camiseta
moletom
vinil
ingresso
bilheteria
fila\b
pre-?venda
meia[\s-]entrada
site\b
transmiss
live\b
player
celular
android
iphone
smart ?tv
tv\b
relogio
fone
alumusic
letra
legenda
radio
# English
subscription
subscri
account
refund
charg(?:e|ed|ing)\b
billing
payment
support
customer service
delivery
deliver
order\b
shipping
ticket
website
update
family plan
# Spanish
suscripci
cuenta
cobro
soporte
entrada
envio
""")
MUSIC = _lines(r"""
music
musica
album
disco\b
ep\b
single
faixa
som\b
show
clipe
clip
video
cant
banda
letra
voz\b
refrao
beat
palco
turne
setlist
feat
parceria
lancamento
hino
festival
spotify
youtube
tocou
tocar
toca\b
tocam
ouvi
ouvir
ouvindo
escut
vinil
cd\b
fa\b
fas\b
fandom
artista
cantor
rapper
mc\b
dj\b
produc
produtor
arranjo
guitarr
bateri
violao
samba
pagode
forro
funk
rap\b
rock
pop\b
sertanej
mpb\b
song
track
concert
tour\b
gig\b
record\b
vocal
lyrics
cancion
concierto
cancion
gira\b
vivo\b
acustic
remix
estudio
gravac
compos
dueto
plateia
publico
estadio
bis\b
encore
abertura
camarim
""")
# Themes with no relation to music or the platform (guide: SPAM, but only when nothing on-topic is said).
UNRELATED = _lines(r"""
politic
deputad
vereador
senador
president
eleic
voto
votar
futebol
campeonato
rebaixad
gol\b
escalac
juiz
novela
bbb\b
receita de
bolo\b
feijoada
almoc
janta
gasolina
aluguel
imposto
inss\b
concurso
vestibular
enem\b
dentista
remedio
academia\b
dieta
cachorro
gato\b
geladeira
sofa\b
maquina de lavar
tomate
carro\b
moto\b
faculdade
chefe\b
vizinho
sindico
pizza
hamburguer
horoscopo
signo
previsao do tempo
football
soccer
recipe
election
""")
# Offering something: commercial vocabulary, with or without a link (guide, case 2).
PROMO = _lines(r"""
(?:baix[ea]|instal[ea]|acess[ea]|visit[ea]|conhec[ea]) (?:o |a |os |as |ja|agora|aqui|nosso|nossa|meu|minha|no |na )
(?:confir[ea]|aproveit[ea]|garant[ea]|compre|adquir[ea]|encomend[ea]) (?:o |a |ja|agora|aqui|nosso|nossa|meu|minha)
nosso (?:site|app|aplicativo|canal|perfil|curso|produto|servico|grupo|estudio|link|catalogo)
nossa (?:loja|pagina|plataforma|marca|empresa|escola|lojinha)
minha (?:loja|lojinha|pagina|empresa|marca|escola)
aulas? (?:de|online)
curso (?:de|online|completo)
mentoria
frete gratis
desconto
cupom
promoc
promo\b
oferta
so hoje
por apenas
a partir de
r\$ ?\d
vend(?:o|emos)\b
vende-se
compro\b
encomenda
orcamento
entre em contato
chama (?:no|na) (?:privado|pv|zap|whats|dm|direct|inbox)
(?:me )?chama no
renda extra
trabalh(?:e|ar) de casa
ganh(?:e|ar) (?:dinheiro|seguidores|ate|r\$)
seguidores
gratis
de graca
musicas gratis
# English
visit our
our (?:site|app|store|shop|page|channel|platform|website|service|course)
download (?:free|now|our|the app)
free (?:songs|music|beats|download|followers|trial)
buy now
discount
promo code
for sale
dm me
link in (?:bio|profile)
sign up (?:today|now|for free)
unlimited (?:downloads|mp3|music|songs)
# Spanish
visita nuestr
nuestra (?:tienda|pagina|app|aplicacion|plataforma|web|academia|marca)
nuestro (?:sitio|canal|servicio|curso|catalogo)
descarga(?:s|r)? (?:gratis|ilimitad)
registrate
gana dinero
escribeme
oferta
""")
SELF_PROMO = _lines(r"""
meu canal
meu perfil
minha pagina
meu insta
meu tiktok
meu som\b
meu trabalho
minha musica
minhas musicas
meu ep\b
meu beat
(?:ouc|ouv|escut|confir|conhec)(?:am|a|e|em) (?:o )?meu
segue (?:la|a gente|eu|meu|minha|o perfil|@)
me segue
me sigam
sigam\b
sigo de volta
segue de volta
se inscrev
inscreva-se
inscrevam
ativ(?:a|e|em) o sininho
sub4sub
f4f
l4l
follow (?:me|back|for)
check (?:out )?my
my (?:channel|page|profile|mixtape|new single)
sigueme
siganme
mi canal
escuchen mi
suscribete
""")
ENGAGEMENT = _lines(r"""
quem (?:ta|esta|ainda|mais) (?:ouvindo|escutando|aqui|vendo|assistindo)
quem veio (?:pelo|pela|do|da)
quem (?:ai )?(?:tambem )?(?:ouve|escuta) em
like se
da (?:um )?like
deix(?:a|e)m? (?:seu|o|um) like
curte se
comenta (?:ai|aqui)
marca (?:um|aquele|o|a) amig
who(?:'s| is)? (?:still )?(?:listening|here) in
like if
quien (?:escucha|sigue) en
este comentario tiene
chegar a mil
llegar a mil
1000 likes
""")
SCAM = _lines(r"""
(?:manda|faz|faca|mande|envie) (?:um )?pix
chave pix
pix (?:de|pra)
sorteio
sortea
ganhe
ganhou
voce (?:foi )?(?:sorteado|ganhou|ganhador)
premio
clique
clica
copie e cole
compartilh(?:e|a) (?:em|com) \d+
repasse
corrente
dinheiro (?:facil|rapido)
invest
cripto
bitcoin
aposta
cassino
bet\b
tigrinho
emprestimo
cpf\b
dados do cartao
giveaway
you won
win (?:a|an|free)
sorteo
""")
# A comment that orders the classifier around (guide: manipulation is SPAM).
INJECTION = _lines(r"""
ignor(?:e|em|a|ar) (?:as|todas|tudo|o|os|the|all|previous|suas|las)
classifi(?:que|ca|car|y)\w* (?:como|este|esse|isso|this|as|it)
categori[ac]\w* ?[=:]
confian\w* ?[=:]
confidence ?[=:]
respond(?:a|e|er|a apenas)? (?:so|apenas|somente|com|que|with|only)
instruc(?:oes|ao) (?:anteriores|acima|do sistema)
previous instructions
system prompt
prompt
mensagem do sistema
\[sistema\]
\[system\]
modo (?:desenvolvedor|admin|debug)
you are now
voce agora e
json
override
jailbreak
""")
LABEL_PREFIXES = {
    "prefix_praise": r"elogios?|praise|compliment|kudos|felicitaciones",
    "prefix_complaint": r"critica|reclamac(?:ao|oes)|complaint|queja|reclamo|problema",
    "prefix_suggestion": r"sugest(?:ao|oes)|suggestion|idea|ideia|sugerencia|pedido",
    "prefix_question": r"duvida|pergunta|question|pregunta|duda",
}
GIBBERISH = _lines(r"""
qwert
asdf
zxcv
lkjh
poiuy
mnbv
hjkl
fdsa
sdfg
qwe\b
asd\b
[bcdfghjklmnpqrstvwxz]{5,}
""")
LAUGHTER = r"^(?:\W|k+|(?:ha)+h?|(?:he)+h?|(?:hue)+|(?:rs)+|(?:ja)+|lol|lmao|kkk\w*)*$"


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    # One word boundary in front of the whole alternation (much faster than one per branch).
    words = [p for p in patterns if p[0].isalnum() or p[0] == "("]
    others = [p for p in patterns if p not in words]
    return re.compile("|".join(([r"\b(?:" + "|".join(words) + ")"] if words else []) + others))


def _at_start(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"^\W*(?:" + "|".join(patterns) + r")\b")


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    return {
        "pos": _compile(POSITIVE),
        "neg": _compile(NEGATIVE),
        "sarcasm": _compile(SARCASM),
        "negator": re.compile(NEGATORS),
        "contrast": re.compile(CONTRAST),
        "question_start": _at_start(QUESTION_START),
        "info_request": _compile(INFO_REQUEST),
        "why": re.compile(WHY),
        "why_not": re.compile(WHY_NOT),
        "indignation": _compile(INDIGNATION),
        "suggestion": _compile(SUGGESTION),
        "new_request": _compile(NEW_REQUEST),
        "new_request_start": _at_start(NEW_REQUEST),
        "fix_request": _compile(FIX_REQUEST),
        "conditional": re.compile(CONDITIONAL),
        "vague_more": _compile(VAGUE_MORE),
        "platform": _compile(PLATFORM),
        "music": _compile(MUSIC),
        "unrelated": _compile(UNRELATED),
        "promo": _compile(PROMO),
        "self_promo": _compile(SELF_PROMO),
        "engagement": _compile(ENGAGEMENT),
        "scam": _compile(SCAM),
        "injection": _compile(INJECTION),
        "gibberish": _compile(GIBBERISH),
        "laughter": re.compile(LAUGHTER),
        **{name: re.compile(r"^\W*(?:" + words + r")\s*[:\-–]") for name, words in LABEL_PREFIXES.items()},
    }


_URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|br|app|top|club|blog|link|ly|xyz|info|site|shop|me|io)\b"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_HANDLE = re.compile(r"(?<![\w.])@[\w.]{2,}")
_PHONE = re.compile(r"\d{6,}|\(?\d{2}\)?[\s.-]?\d{4,5}[\s.-]?\d{4}")
_WORD = re.compile(r"\w+")
_LETTER = re.compile(r"[^\W\d_]")
_ENGAGEMENT_SHORT = re.compile(r"^\W*(?:primeir[oa]+|firs+t+|primer[oa]*|up+|top ?1|chegue+i+)\b")
_DOUBLE_MARK = re.compile(r"[?!]{2,}")

FEATURE_NAMES = (
    "pos",
    "neg",
    "pos_negated",
    "neg_negated",
    "pos_and_neg",
    "tail_pos",
    "tail_neg",
    "sarcasm",
    "sarcasm_with_pos",
    "pos_emoji",
    "neg_emoji",
    "emoji_only_pos",
    "emoji_only_neg",
    "emoji_only_other",
    "question_mark",
    "question_start",
    "info_request",
    "why_neutral",
    "why_indignant",
    "why_not",
    "indignant_question",
    "suggestion",
    "new_request",
    "new_request_start",
    "fix_request",
    "conditional",
    "vague_more",
    "platform",
    "platform_problem",
    "platform_question",
    "music",
    "on_topic",
    "unrelated",
    "unrelated_question",
    "promo",
    "self_promo",
    "engagement",
    "scam",
    "injection",
    "url",
    "handle",
    "email",
    "phone",
    "gibberish",
    "laughter",
    "no_letters",
    "prefix_praise",
    "prefix_complaint",
    "prefix_suggestion",
    "prefix_question",
    "caps",
    "exclamations",
    "short",
    "long",
)


def _count_with_negation(pattern: re.Pattern[str], text: str, negator: re.Pattern[str]) -> tuple[int, int]:
    """Matches, split into plain and negated (a negator among the three words before)."""
    plain = negated = 0
    for match in pattern.finditer(text):
        before = _WORD.findall(text[max(0, match.start() - 30) : match.start()])[-3:]
        if any(negator.fullmatch(word) for word in before):
            negated += 1
        else:
            plain += 1
    return plain, negated


def _squash(count: float) -> float:
    return math.log1p(count)


def _count(pattern: re.Pattern[str], text: str) -> float:
    return _squash(len(pattern.findall(text)))


def cue_vector(text: str) -> list[float]:
    p = _patterns()
    folded = fold(text)
    pos, pos_negated = _count_with_negation(p["pos"], folded, p["negator"])
    neg, neg_negated = _count_with_negation(p["neg"], folded, p["negator"])
    # A praise word under negation reads as a complaint, and the other way round.
    positive, negative = pos + neg_negated, neg + pos_negated
    tail_pos = tail_neg = 0.0
    contrasts = list(p["contrast"].finditer(folded))
    if contrasts and contrasts[-1].end() < len(folded):
        contrast = contrasts[-1]
        tail = folded[contrast.end() :]
        t_pos, t_pos_neg = _count_with_negation(p["pos"], tail, p["negator"])
        t_neg, t_neg_neg = _count_with_negation(p["neg"], tail, p["negator"])
        tail_pos, tail_neg = float(t_pos + t_neg_neg > 0), float(t_neg + t_pos_neg > 0)
    sarcasm = len(p["sarcasm"].findall(folded))
    pos_emoji = sum(ch in POSITIVE_EMOJI for ch in text)
    neg_emoji = sum(ch in NEGATIVE_EMOJI for ch in text)
    has_letters = bool(_LETTER.search(folded))
    has_digits = any(ch.isdigit() for ch in text)
    emoji_only = not has_letters and not has_digits and any(not ch.isascii() for ch in text)
    question = "?" in text or "¿" in text
    question_start = bool(p["question_start"].search(folded))
    asks = question or question_start
    indignant = bool(negative or neg_emoji or sarcasm or p["indignation"].search(folded) or _DOUBLE_MARK.search(text))
    why = asks and bool(p["why"].search(folded))
    platform = len(p["platform"].findall(folded))
    music = len(p["music"].findall(folded))
    on_topic = platform + music
    unrelated = len(p["unrelated"].findall(folded)) if on_topic == 0 else 0
    words = _WORD.findall(folded)
    letters = [ch for ch in text if ch.isalpha()]
    caps = sum(ch.isupper() for ch in letters) / len(letters) if len(letters) >= 4 else 0.0
    engagement = len(p["engagement"].findall(folded)) + (
        1 if len(words) <= 3 and _ENGAGEMENT_SHORT.search(folded) else 0
    )
    return [
        _squash(pos),
        _squash(neg),
        _squash(pos_negated),
        _squash(neg_negated),
        float(positive + pos_emoji > 0 and negative + neg_emoji + sarcasm > 0),
        tail_pos,
        tail_neg,
        _squash(sarcasm),
        float(sarcasm > 0 and pos > 0),
        _squash(pos_emoji),
        _squash(neg_emoji),
        float(emoji_only and pos_emoji > 0 and neg_emoji == 0),
        float(emoji_only and neg_emoji > 0),
        float(emoji_only and pos_emoji == 0 and neg_emoji == 0),
        float(question),
        float(question_start),
        _count(p["info_request"], folded),
        float(why and not indignant),
        float(why and indignant),
        float(asks and bool(p["why_not"].search(folded))),
        float(asks and indignant),
        _count(p["suggestion"], folded),
        _count(p["new_request"], folded),
        float(bool(p["new_request_start"].search(folded))),
        _count(p["fix_request"], folded),
        _count(p["conditional"], folded),
        _count(p["vague_more"], folded),
        _squash(platform),
        float(platform > 0 and negative > 0),
        float(platform > 0 and asks),
        _squash(music),
        _squash(on_topic),
        _squash(unrelated),
        float(unrelated > 0 and asks),
        _count(p["promo"], folded),
        _count(p["self_promo"], folded),
        _squash(engagement),
        _count(p["scam"], folded),
        _count(p["injection"], folded),
        _count(_URL, folded),
        _count(_HANDLE, text),
        _count(_EMAIL, text),
        float(bool(_PHONE.search(text))),
        float(bool(p["gibberish"].search(folded))),
        float(has_letters and bool(p["laughter"].match(folded))),
        float(not has_letters and pos_emoji + neg_emoji == 0),
        *(float(bool(p[name].search(folded))) for name in LABEL_PREFIXES),
        caps,
        _squash(text.count("!")),
        float(len(words) <= 2),
        float(len(words) >= 40),
    ]


def cue_features(texts, weight: float = 1.0) -> np.ndarray:
    """The cue matrix for a list of raw texts (rows: texts, columns: FEATURE_NAMES), times `weight`."""
    return np.array([cue_vector(t) for t in texts], dtype=float).reshape(-1, len(FEATURE_NAMES)) * weight
