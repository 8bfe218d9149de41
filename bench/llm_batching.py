"""Benchmark (run by hand): LLM calls per 1,000 comments and comments per second, batching on vs off.

The real GeminiClassifier (real SDK, real HTTP) talks to the fake Gemini server of the test suite, which
answers every call after a fixed delay (default 400 ms, roughly a real flash-model latency). Comments are
classified in chunks as the worker receives them (ENQUEUE_CHUNK_SIZE ids per job) by N parallel workers
(threads here; each RQ worker is a process, and the work is network-bound either way).

    python -m bench.llm_batching [--comments 1000] [--delay 0.4] [--workers 2] [--batch 20]
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

TEXTS = [
    "amei o show de ontem, a Luna Ferraz cantou demais",
    "que horas abre o portão no sábado?",
    "som ruim demais, não dava pra ouvir a voz",
    "podia tocar mais músicas do primeiro álbum no setlist",
    "sigam meu perfil, sorteio de ingresso http://promo.x",
    "o clipe novo ficou lindo, a fotografia é de cinema",
    "ingresso caro e o show atrasou uma hora",
    "vai ter turnê no nordeste esse ano?",
]


@dataclass
class BatchingRun:
    batch_size: int
    comments: int
    calls: int
    http_requests: int
    seconds: float
    input_tokens: int
    failures: int

    @property
    def calls_per_1000(self) -> float:
        return self.calls * 1000 / self.comments

    @property
    def comments_per_second(self) -> float:
        return self.comments / self.seconds


def _run(fake, batch_size: int, comments: int, workers: int, chunk_size: int) -> BatchingRun:
    from shared.classification.base import ClassificationFailure, ClassifierItem
    from shared.classification.gemini import GeminiClassifier
    from shared.settings import reset_settings_cache

    os.environ["GEMINI_BATCH_SIZE"] = str(batch_size)
    reset_settings_cache()
    classifier = GeminiClassifier()
    items = [ClassifierItem(id=str(uuid.uuid4()), texto=TEXTS[i % len(TEXTS)]) for i in range(comments)]
    jobs = [items[i : i + chunk_size] for i in range(0, len(items), chunk_size)]
    requests_before = len(fake.requests)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(classifier.classify, jobs))
    seconds = time.perf_counter() - started

    calls = [usage for outcome in outcomes for usage in outcome.calls]
    failures = sum(isinstance(r, ClassificationFailure) for o in outcomes for r in o.results.values())
    answered = sum(len(o.results) for o in outcomes)
    assert answered == comments, f"{comments - answered} comentários sem resultado"
    return BatchingRun(
        batch_size,
        comments,
        len(calls),
        len(fake.requests) - requests_before,
        seconds,
        sum(c.input_tokens for c in calls),
        failures,
    )


def bench_llm_batching(
    comments: int = 1000, delay: float = 0.4, workers: int = 2, batch_size: int = 20, chunk_size: int = 100
) -> dict[str, BatchingRun]:
    """Classify `comments` with batching on (`batch_size` per call) and off (1 per call); print and return figures."""
    from shared.settings import reset_settings_cache
    from tests.fake_gemini import FakeGemini, Valid

    fake = FakeGemini().start()
    fake.default = Valid(delay=delay)
    saved = {
        k: os.environ.get(k)
        for k in (
            "ALUMUSIC_IGNORE_ENV_FILES",
            "GEMINI_API_KEY",
            "GEMINI_BASE_URL",
            "GEMINI_BATCH_SIZE",
            "GEMINI_TIMEOUT_SECONDS",
        )
    }
    os.environ.update(
        ALUMUSIC_IGNORE_ENV_FILES="1", GEMINI_API_KEY="bench", GEMINI_BASE_URL=fake.url, GEMINI_TIMEOUT_SECONDS="30"
    )
    try:
        runs = {
            "on": _run(fake, batch_size, comments, workers, chunk_size),
            "off": _run(fake, 1, comments, workers, chunk_size),
        }
    finally:
        fake.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings_cache()

    on, off = runs["on"], runs["off"]
    print(
        f"LLM batching: {comments} comentários, resposta do fake em {delay * 1000:.0f} ms, "
        f"{workers} workers, jobs de {chunk_size} ids"
    )
    print(
        f"{'lote':>6} {'chamadas/1000':>14} {'coment./s':>10} {'tempo (s)':>10} "
        f"{'tokens entrada/1000':>20} {'falhas':>7}"
    )
    for run in (on, off):
        print(
            f"{run.batch_size:>6} {run.calls_per_1000:>14.0f} {run.comments_per_second:>10.1f} "
            f"{run.seconds:>10.1f} {run.input_tokens * 1000 / run.comments:>20.0f} {run.failures:>7}"
        )
    print(
        f"redução de chamadas: {off.calls / on.calls:.1f}x (meta >= 15x); "
        f"vazão: {on.comments_per_second / off.comments_per_second:.1f}x; "
        f"tokens de entrada: {off.input_tokens / max(on.input_tokens, 1):.1f}x menos "
        "(estimativa do fake: caracteres/4)"
    )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--chunk", type=int, default=100)
    args = parser.parse_args()
    bench_llm_batching(args.comments, args.delay, args.workers, args.batch, args.chunk)


if __name__ == "__main__":
    main()
