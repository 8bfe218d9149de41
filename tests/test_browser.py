"""Each page seen once in a real headless Chromium (Debian `chromium`, driven by playwright).

`streamlit run` serves the app on a free port against this run's test database. Screenshots are written
to the test's temporary folder (and to $ALUMUSIC_SCREENSHOTS when set, to look at them).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from shared.settings import get_settings
from tests.dashboard_helpers import seed_report_data

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def streamlit_url(services):
    port = _free_port()
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"streamlit-{port}.log", "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard/app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "REPORT_CACHE_SECONDS": "1"},  # each test sees its own data
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"streamlit não subiu; veja {log.name}")
        time.sleep(0.3)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def page(browser):
    # Tall viewport: Streamlit scrolls inside its own container, so a "full page" shot is the viewport.
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, locale="pt-BR")
    tab = context.new_page()
    tab.set_default_timeout(TIMEOUT_MS)
    yield tab
    context.close()


def settle(page) -> None:
    """Wait until Streamlit finished running the script (the running indicator is gone)."""
    page.wait_for_selector('[data-testid="stApp"]')
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")


def shoot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("ALUMUSIC_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    assert path.stat().st_size > 10_000
    return path


def log_in(page, url: str, email: str, password: str, path: str = "painel") -> None:
    """Log in on /painel (where a visitor finds the login form), then open `path`."""
    page.goto(f"{url}/painel")
    page.get_by_label("Senha").wait_for()
    settle(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("button", name="Sair").wait_for()
    settle(page)
    deadline = time.monotonic() + 10  # the cookie is written by a component in the run after the login
    while get_settings().cookie_name not in {c["name"] for c in page.context.cookies()}:
        assert time.monotonic() < deadline, "o cookie da sessão não chegou ao navegador"
        page.wait_for_timeout(200)
    settle(page)
    if path != "painel":
        page.goto(f"{url}/{path}")  # a new browser session: the cookie brings the login along
        settle(page)


def test_report_page_shows_headline_numbers_and_its_charts(streamlit_url, page, tmp_path):
    seed_report_data()
    page.goto(streamlit_url)
    settle(page)
    page.wait_for_selector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg')
    assert page.get_by_text("Relatório semanal de comentários").is_visible()
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 5
    assert page.locator('[data-testid="stMetric"]').count() >= 5
    assert page.get_by_text("críticas à mixagem de Banda Aurora").is_visible()
    assert page.get_by_label("Senha").count() == 0  # public: no login form
    shoot(page, tmp_path, "relatorio")


def test_login_leads_to_the_dashboard_and_the_cookie_keeps_the_session(streamlit_url, page, tmp_path, make_user):
    seed_report_data()
    email, password = make_user()
    page.goto(f"{streamlit_url}/painel")
    page.get_by_label("Senha").wait_for()
    settle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    shoot(page, tmp_path, "login")

    log_in(page, streamlit_url, email, password)
    page.get_by_text("comentário(s) encontrados").wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    assert page.get_by_role("button", name="Sair").is_visible()
    shoot(page, tmp_path, "painel")

    cookies = {c["name"] for c in page.context.cookies()}
    assert get_settings().cookie_name in cookies
    page.goto(f"{streamlit_url}/operacoes")  # a new session: logged in again from the cookie
    settle(page)
    page.get_by_text("Fila de classificação").wait_for()
    assert page.get_by_label("Senha").count() == 0
    shoot(page, tmp_path, "operacoes")


def test_import_and_summaries_pages_after_login(streamlit_url, page, tmp_path, make_user):
    seed_report_data()
    email, password = make_user()
    log_in(page, streamlit_url, email, password, path="importar")
    page.get_by_text("Importar comentários (CSV)").wait_for()
    page.locator('[data-testid="stFileUploader"]').wait_for()
    shoot(page, tmp_path, "importar")

    page.get_by_role("link", name="Resumos semanais").click()
    settle(page)
    page.get_by_text("críticas à mixagem de Banda Aurora").wait_for()
    shoot(page, tmp_path, "resumos")


def test_logout_returns_to_the_login_form(streamlit_url, page, make_user):
    email, password = make_user()
    log_in(page, streamlit_url, email, password)
    old_cookie = next(c for c in page.context.cookies() if c["name"] == get_settings().cookie_name)
    page.get_by_role("button", name="Sair").click()
    settle(page)
    page.get_by_label("Senha").wait_for()
    page.wait_for_timeout(1000)
    settle(page)
    page.goto(f"{streamlit_url}/painel")  # a new session: nothing brings the login back
    page.get_by_label("Senha").wait_for()
    assert get_settings().cookie_name not in {c["name"] for c in page.context.cookies()}
    # Even a copy of the old cookie is worth nothing: the session ended on the server.
    page.context.add_cookies([old_cookie])
    page.goto(f"{streamlit_url}/painel")
    page.get_by_label("Senha").wait_for()
    settle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 0


def test_markup_in_a_summary_is_shown_as_literal_text_on_the_public_page(streamlit_url, page, tmp_path):
    from datetime import timedelta

    from shared import clock
    from shared.db import session_scope
    from shared.models import WeeklySummary

    seed_report_data()
    monday = clock.today() - timedelta(days=clock.today().weekday())
    attack = "Destaque: ![](//pixel.evil.example/p.png) e [ingressos](//golpe.example/compre) <b>negrito</b>"
    with session_scope() as session:
        session.add(
            WeeklySummary(
                iso_week=clock.iso_week_of(monday),
                period_start=monday,
                period_end=monday + timedelta(days=6),
                text=attack,
                aggregates={},
                model="teste",
                prompt_version="t1",
            )
        )
    page.goto(streamlit_url)
    settle(page)
    page.get_by_text("pixel.evil.example", exact=False).first.wait_for()
    html = page.content()
    assert page.locator('img[src*="evil.example"]').count() == 0
    assert page.locator('a[href*="golpe.example"]').count() == 0
    assert "<b>negrito</b>" not in html.replace("&lt;b&gt;negrito&lt;/b&gt;", "")
    shoot(page, tmp_path, "relatorio-marcacao")


def test_artist_page_renders_its_charts_and_the_alert_banner_after_login(streamlit_url, page, tmp_path, make_user):
    from shared.vocabulary import Category
    from tests.report_seed import classified, hours_ago
    from tests.test_api_alertas import add_alert

    seed_report_data()
    classified(
        "a venda de ingressos caiu de novo",
        Category.CRITICA,
        when=hours_ago(2),
        artista="Kaique Sol",
        tags={"feat_ingresso": "venda de ingressos"},
    )
    classified(
        "o clipe ficou lindo", Category.ELOGIO, when=hours_ago(3), artista="Kaique Sol", tags={"feat_clipe": "x"}
    )
    add_alert(Category.CRITICA, "Kaique Sol", hours_ago=1, count=92)
    email, password = make_user()
    log_in(page, streamlit_url, email, password, path="artista?nome=Kaique%20Sol")

    page.get_by_text("Comentários por categoria, semana a semana").wait_for()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    # The charts draw one after another: wait for the third to be drawn before counting them all.
    charts.filter(has=page.locator("canvas, svg")).nth(2).wait_for()
    assert charts.count() == 3
    assert page.get_by_text("a venda de ingressos caiu de novo").is_visible()
    assert page.get_by_text("alerta(s) de volume nas últimas 24 h", exact=False).is_visible()
    assert page.get_by_label("Senha").count() == 0
    shoot(page, tmp_path, "artista")

    page.get_by_role("link", name="Ver alertas").click()
    settle(page)
    page.get_by_text("alerta(s) criados de", exact=False).wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    shoot(page, tmp_path, "alertas")


def test_a_click_on_the_report_artist_chart_leads_a_curator_to_that_artist_page(
    streamlit_url, page, tmp_path, make_user
):
    seed_report_data()
    email, password = make_user()
    log_in(page, streamlit_url, email, password, path="")
    page.get_by_text("Clique num artista para ver o link da página dele.").wait_for()
    chart = page.locator('[data-testid="stVegaLiteChart"]').filter(has=page.locator("canvas, svg")).nth(3)
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None
    # The first (most commented) artist's bar: the top row, just right of the artist names.
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + 17)
    link = page.get_by_role("link", name="Abrir a página de", exact=False)
    link.wait_for()
    shoot(page, tmp_path, "relatorio-artista-escolhido")
    link.click()
    page.get_by_text("Comentários por categoria, semana a semana").wait_for()
    settle(page)
    assert "/artista?nome=" in page.url
    shoot(page, tmp_path, "artista-pelo-grafico")


def test_the_dashboard_downloads_the_filtered_set_as_csv_and_xlsx(streamlit_url, page, tmp_path, make_user):
    import csv
    import io

    from openpyxl import load_workbook

    from shared.reporting import export

    seed_report_data()
    email, password = make_user()
    log_in(page, streamlit_url, email, password)
    page.get_by_text("comentário(s) encontrados").wait_for()
    expander = page.get_by_text(re.compile(r"Exportar os [\d.]+ comentário\(s\) filtrados"))
    total = int(re.search(r"[\d.]+", expander.inner_text()).group().replace(".", ""))
    expander.click()
    with page.expect_download() as csv_download:
        page.get_by_role("button", name="Baixar CSV (Excel)").click()
    content = Path(csv_download.value.path()).read_bytes()
    assert csv_download.value.suggested_filename.endswith(".csv")
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents right
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == export.HEADERS
    assert len(rows) - 1 == total > 0  # every filtered comment, not only the page on screen

    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="Baixar XLSX").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))["comentarios"]
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == [row[0] for row in rows]  # the same ids, in order


def test_a_csv_upload_is_validated_line_by_line_and_imports_the_valid_rows(streamlit_url, page, tmp_path, make_user):
    import uuid

    from sqlalchemy import func, select

    from shared.db import session_scope
    from shared.models import Comment

    email, password = make_user()
    first, second = uuid.uuid4(), uuid.uuid4()
    upload = tmp_path / "comentarios.csv"
    upload.write_text(
        "id;texto;artista\n"
        f"{first};amei o show de ontem;Banda Aurora\n"
        f"{second};o som estava baixo demais;Banda Aurora\n"
        "não-é-uuid;linha com id inválido;Banda Aurora\n",
        encoding="utf-8",
    )
    log_in(page, streamlit_url, email, password, path="importar")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(upload))
    page.get_by_text("1 linha(s) com erro não serão importadas").wait_for()
    with page.expect_download() as report:
        page.get_by_role("button", name="Baixar relatório de erros (CSV)").click()
    assert "linha" in Path(report.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    shoot(page, tmp_path, "importar-validacao")

    page.get_by_role("button", name="Importar 2 linha(s) válida(s)").click()
    page.get_by_text("Importação concluída: 2 comentário(s) novos").wait_for()
    with session_scope() as session:
        stored = session.scalar(select(func.count()).select_from(Comment).where(Comment.id.in_([first, second])))
    assert stored == 2
