"""Loading the demo set (`flask carregar-demo`) through the REAL intake and worker pipeline.

- The comments come from `shared.dev.demo_plan` (deterministic ids and texts): loading twice changes nothing
  (intake answers `duplicado`), so the command is idempotent.
- After intake, `load_demo` waits (with progress) until the workers have classified everything, then
  builds the weekly summaries of the past weeks (`shared.reporting.summary.backfill`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.catalog import ARTISTS
from shared.contracts import CommentIn
from shared.dev.demo_plan import DEFAULT_COUNT, DEFAULT_WEEKS, plan, to_items
from shared.ingest.intake import ingest
from shared.operations import queue_stats, status_counts
from shared.reporting.summary import backfill
from shared.vocabulary import IntakeStatus, Source

INTAKE_CHUNK = 500

Say = Callable[[str], None]


@dataclass
class DemoResult:
    total: int = 0
    new: int = 0
    duplicates: int = 0
    conflicts: int = 0
    classified: int = 0
    failed: int = 0
    pending: int = 0
    summaries: int = 0
    wait_seconds: float = 0.0


def wait_for_classification(timeout_s: float, say: Say, poll_s: float = 2.0) -> dict[str, int]:
    """Poll until no demo comment is `pendente`/`processando` (or the timeout); print progress."""
    started = time.monotonic()
    last_line = ""
    warned = False
    while True:
        counts = status_counts(source=Source.DEMO)
        waiting = counts["pendente"] + counts["processando"]
        total = sum(counts.values())
        done = counts["classificado"] + counts["falhou"]
        line = f"  classificação: {done}/{total} ({100 * done / max(total, 1):.0f}%)"
        if line != last_line:
            say(line)
            last_line = line
        if waiting == 0:
            return counts
        elapsed = time.monotonic() - started
        if elapsed >= timeout_s:
            say(
                f"  tempo esgotado ({timeout_s:.0f} s): {waiting} comentário(s) ainda na fila; "
                "os workers continuam e o painel se atualiza sozinho."
            )
            return counts
        if not warned and elapsed > 20 and queue_stats().live_workers == 0:
            say("  nenhum worker ativo: inicie um com `python -m worker processar` (o `make run` já inicia).")
            warned = True
        time.sleep(poll_s)


def ingest_demo(items: list[CommentIn], say: Say, result: DemoResult) -> None:
    for start in range(0, len(items), INTAKE_CHUNK):
        chunk = items[start : start + INTAKE_CHUNK]
        outcome = ingest(chunk, source=Source.DEMO)
        counts = outcome.counts()
        if outcome.queue_error:
            say(f"  fila indisponível ({outcome.queue_error}); o reconciliador enfileira depois.")
        result.new += counts[IntakeStatus.ENFILEIRADO]
        result.duplicates += counts[IntakeStatus.DUPLICADO]
        result.conflicts += counts[IntakeStatus.CONFLITO]

        say(f"  enviados {min(start + INTAKE_CHUNK, len(items))}/{len(items)} comentários")


def build_summaries(weeks: int, say: Say) -> int:
    say(f"Gerando resumos semanais das últimas {weeks} semanas...")
    count = len(backfill(weeks))
    say(f"  {count} resumo(s) semanais prontos.")
    return count


def load_demo(
    count: int = DEFAULT_COUNT,
    weeks: int = DEFAULT_WEEKS,
    wait: bool = True,
    timeout_s: float = 900.0,
    summaries: bool = True,
    say: Say = print,
) -> DemoResult:
    """Send the demo set through intake (source `demo`), wait for the workers, build past summaries."""
    result = DemoResult()
    say(f"Preparando {count} comentários de demonstração ({weeks} semanas, {len(ARTISTS)} artistas)...")
    items = to_items(plan(count, weeks))
    result.total = len(items)
    started = time.monotonic()
    ingest_demo(items, say, result)
    say(
        f"  {result.new} novo(s), {result.duplicates} já existiam"
        + (f", {result.conflicts} em conflito" if result.conflicts else "")
    )
    if wait:
        say("Aguardando os workers classificarem...")
        counts = wait_for_classification(timeout_s, say)
        result.classified, result.failed = counts["classificado"], counts["falhou"]
        result.pending = counts["pendente"] + counts["processando"]
    result.wait_seconds = round(time.monotonic() - started, 1)
    if summaries and result.pending == 0:
        result.summaries = build_summaries(weeks, say)
    elif summaries:
        say(
            "Resumos semanais não gerados: ainda há comentários na fila "
            "(rode `flask --app ingest_api carregar-demo` de novo mais tarde)."
        )
    return result
