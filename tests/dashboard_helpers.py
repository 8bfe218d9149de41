"""Helpers for the dashboard tests: seed real rows in PostgreSQL and drive the app with AppTest."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from shared import auth
from shared.db import session_scope
from shared.models import Classification, ClassificationTag, Comment, LlmCall, WeeklySummary
from shared.text import text_hash
from shared.vocabulary import Category, CommentStatus, Origin, Source

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@dataclass(frozen=True)
class Seeded:
    ids: dict[str, uuid.UUID]  # text -> id
    by_category: dict[str, int]


# (text, category, artist, tags, hours ago)
SEED_ROWS: list[tuple[str, Category, str | None, dict[str, str], float]] = [
    ("amei o clipe novo, que fotografia linda", Category.ELOGIO, "Luna Ferraz", {"feat_clipe": "clipe elogiado"}, 5),
    ("o show foi incrível, voz impecável", Category.ELOGIO, "Luna Ferraz", {"feat_vocal": "voz"}, 30),
    ("hino demais 🔥🔥", Category.ELOGIO, "Kaique Sol", {}, 60),
    ("o autotune estragou a música inteira", Category.CRITICA, "Banda Aurora", {"feat_autotune": "autotune"}, 10),
    (
        "mixagem horrível, não dá pra ouvir a bateria",
        Category.CRITICA,
        "Banda Aurora",
        {"feat_mixagem": "mixagem ruim"},
        20,
    ),
    ("ingresso caro demais pro que entregaram", Category.CRITICA, "MC Vento Norte", {"feat_ingresso": "preço"}, 80),
    (
        "bota mais músicas do primeiro álbum no setlist",
        Category.SUGESTAO,
        "Luna Ferraz",
        {"feat_setlist": "setlist"},
        15,
    ),
    ("que horas abre o portão do show?", Category.DUVIDA, None, {"feat_horario": "horário"}, 25),
    ("sigam meu perfil e ganhem seguidores", Category.SPAM, None, {}, 40),
]


def seed_report_data(now: datetime | None = None) -> Seeded:
    """Classified comments over the last days (several categories, artists and tags) and one summary."""
    now = now or datetime.now(UTC)
    ids: dict[str, uuid.UUID] = {}
    counts: dict[str, int] = {}
    with session_scope() as session:
        for texto, categoria, artista, tags, hours in SEED_ROWS:
            cid = uuid.uuid4()
            ids[texto] = cid
            counts[categoria.value] = counts.get(categoria.value, 0) + 1
            session.execute(
                insert(Comment).values(
                    id=cid,
                    text=texto,
                    text_hash=text_hash(texto),
                    artist=artista,
                    written_at=now - timedelta(hours=hours),
                    source=Source.API,
                    status=CommentStatus.CLASSIFICADO,
                )
            )
            kid = session.execute(
                insert(Classification)
                .values(
                    comment_id=cid,
                    category=categoria,
                    confidence=0.8,
                    artist=artista,
                    origin=Origin.LOCAL,
                    model="local-teste",
                    prompt_version="t1",
                    is_current=True,
                )
                .returning(Classification.id)
            ).scalar_one()
            for codigo, explicacao in tags.items():
                session.execute(
                    insert(ClassificationTag).values(classification_id=kid, code=codigo, explanation=explicacao)
                )
        today = now.date()
        monday = today - timedelta(days=today.weekday() + 7)
        iso = monday.isocalendar()
        session.add(
            WeeklySummary(
                iso_week=f"{iso.year}-W{iso.week:02d}",
                period_start=monday,
                period_end=monday + timedelta(days=6),
                text="Semana marcada por elogios ao clipe de Luna Ferraz e críticas à mixagem de Banda Aurora.",
                aggregates={},
                model="modelo-teste",
                prompt_version="t1",
            )
        )
    return Seeded(ids=ids, by_category=counts)


def add_failed_comment(texto: str = "comentário que falhou", reason: str = "LLM indisponível") -> uuid.UUID:
    cid = uuid.uuid4()
    with session_scope() as session:
        session.execute(
            insert(Comment).values(
                id=cid,
                text=texto,
                text_hash=text_hash(texto),
                source=Source.API,
                status=CommentStatus.FALHOU,
                attempts=4,
                last_error=reason,
                written_at=datetime.now(UTC) - timedelta(hours=1),
            )
        )
    return cid


def add_llm_call(day: date, input_tokens: int, output_tokens: int) -> None:
    when = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
    with session_scope() as session:
        session.execute(
            insert(LlmCall).values(
                created_at=when,
                purpose="classify",
                model="gemini-2.5-flash",
                prompt_version="v1",
                items=20,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                latency_ms=800,
                outcome="ok",
            )
        )


def deactivate(email: str) -> None:
    """What `flask --app ingest_api desativar-usuario` does."""
    auth.set_active(email, False)


def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30)


LOGIN_PAGE = "views/entrar.py"


def login_page() -> AppTest:
    """A fresh browser session on the login page (a visitor sees it in place of the private pages)."""
    at = app().run()
    return at.switch_page(LOGIN_PAGE).run()


def login(at: AppTest, email: str, password: str) -> AppTest:
    """Fill the login form like a user would and submit it."""
    inputs = {t.label: t for t in at.text_input}
    inputs["E-mail"].set_value(email)
    inputs["Senha"].set_value(password)
    next(b for b in at.button if b.label == "Entrar").click()
    return at.run()


def open_page(page: str, email: str, password: str, query: dict[str, str] | None = None) -> AppTest:
    """Log in, then open `page` (e.g. "views/painel.py"), with optional query parameters."""
    at = login_page()
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at = login(at, email, password)
    assert not at.exception, at.exception
    return at.switch_page(page).run()


def texts(at: AppTest) -> str:
    """Every piece of text on the page (markdown, captions, titles, alerts, metrics), for assertions."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "text", "caption", "info", "warning", "error", "success"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label}: {m.value}" for m in at.metric)
    return "\n".join(parts)


def history_table(at: AppTest):
    """The classification history of the comment view (the table with a "quando" column)."""
    return next(d.value for d in at.dataframe if "quando" in d.value.columns)


def charts(at: AppTest) -> list:
    return list(at.get("vega_lite_chart"))
