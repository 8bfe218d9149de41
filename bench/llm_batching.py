"""Benchmark (run by hand): LLM calls per 1,000 comments and comments per second, with the real GeminiClassifier
(real SDK, real HTTP) against the fake Gemini of the test suite, which answers every call after a fixed delay
(default 400 ms, roughly a real flash-model latency).

`--workers` classifiers (one per worker process in production; threads here, the work is network-bound) take jobs
of ENQUEUE_CHUNK_SIZE ids from one list, as RQ workers take classify jobs; each makes up to GEMINI_CONCURRENCY calls
at once under the shared GEMINI_RPM budget (a private Redis, as in production). Each worker has already made
one call before the clock starts (its probe), as a running worker has. Runs:
- batching on (GEMINI_BATCH_SIZE) vs off (1 per call): calls per 1,000 comments;
- concurrency 1 (the seed's behaviour) vs GEMINI_CONCURRENCY, without a rate limit, and under GEMINI_RPM.

    python -m bench.llm_batching [--comments 1000] [--delay 0.4] [--workers 2] [--batch 20] [--concurrency 5]
                                 [--chunk 100] [--rpm 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass

from bench.common import bench_env, default_admin_url, load, load_note, median, verdict
from shared.classification.base import ClassificationFailure, ClassifierItem
from shared.classification.gemini import GeminiClassifier
from shared.queue import redis_connection
from shared.settings import load_settings
from tests.fake_gemini import FakeGemini, Valid

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
class Run:
    comments: int
    calls: int
    seconds: float
    input_tokens: int
    failures: int

    @property
    def calls_per_1000(self) -> float:
        return self.calls * 1000 / self.comments

    @property
    def per_second(self) -> float:
        return self.comments / self.seconds


def run(fake: FakeGemini, comments: int, workers: int, chunk: int, **settings: object) -> Run:
    """`workers` classifiers take jobs of `chunk` comments from one list until it is empty."""
    config = load_settings(gemini_api_key="bench", gemini_base_url=fake.url, classifier="gemini", **settings)
    redis_connection(config.redis_url).delete("alumusic:gemini:rpm")
    classifiers = [GeminiClassifier(config) for _ in range(workers)]
    for classifier in classifiers:  # a running worker has made calls before: its probe is behind it
        classifier.classify([ClassifierItem(id=str(uuid.uuid4()), text=TEXTS[0])])
    redis_connection(config.redis_url).delete("alumusic:gemini:rpm")
    items = [ClassifierItem(id=str(uuid.uuid4()), text=TEXTS[i % len(TEXTS)]) for i in range(comments)]
    jobs = deque(items[i : i + chunk] for i in range(0, len(items), chunk))
    outcomes = []
    lock = threading.Lock()

    def worker(classifier: GeminiClassifier) -> None:
        while True:
            with lock:
                if not jobs:
                    return
                job = jobs.popleft()
            outcome = classifier.classify(job)
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(c,)) for c in classifiers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    calls = [usage for outcome in outcomes for usage in outcome.calls]
    answered = sum(len(o.results) for o in outcomes)
    assert answered == comments, f"{comments - answered} comentários sem resultado"
    failures = sum(isinstance(r, ClassificationFailure) for o in outcomes for r in o.results.values())
    return Run(comments, len(calls), seconds, sum(c.input_tokens for c in calls), failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=0.4, help="seconds the fake Gemini takes per call")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=20, help="GEMINI_BATCH_SIZE")
    parser.add_argument("--concurrency", type=int, default=None, help="GEMINI_CONCURRENCY (default: settings)")
    parser.add_argument("--chunk", type=int, default=None, help="ids per job (default: ENQUEUE_CHUNK_SIZE rule)")
    parser.add_argument("--rpm", type=int, default=None, help="GEMINI_RPM for the limited run (default: settings)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--admin-url", default=default_admin_url())
    args = parser.parse_args(argv)

    fake = FakeGemini().start()
    fake.default = Valid(delay=args.delay)
    try:
        with bench_env(args.admin_url, classifier="gemini", gemini_api_key="bench", gemini_base_url=fake.url):
            defaults = load_settings()
            concurrency = args.concurrency or defaults.gemini_concurrency
            chunk = args.chunk or defaults.classify_chunk_size
            rpm = defaults.gemini_rpm if args.rpm is None else args.rpm
            before = load()
            configs = [
                ("1 por chamada, 1 por vez", dict(gemini_batch_size=1, gemini_concurrency=1, gemini_rpm=0)),
                (
                    f"{args.batch} por chamada, 1 por vez",
                    dict(gemini_batch_size=args.batch, gemini_concurrency=1, gemini_rpm=0),
                ),
                (
                    f"{args.batch} por chamada, {concurrency} por vez",
                    dict(gemini_batch_size=args.batch, gemini_concurrency=concurrency, gemini_rpm=0),
                ),
                (
                    f"{args.batch} por chamada, {concurrency} por vez, {rpm} RPM",
                    dict(gemini_batch_size=args.batch, gemini_concurrency=concurrency, gemini_rpm=rpm),
                ),
            ]
            results: dict[str, list[Run]] = {label: [] for label, _ in configs}
            for index, (label, settings) in enumerate(configs):
                # one call per comment is slow and only counts calls: once, on a tenth of the comments
                times, count = (
                    (1, max(args.comments // 10, chunk * args.workers)) if index == 0 else (args.repeat, args.comments)
                )
                for _ in range(times):
                    results[label].append(run(fake, count, args.workers, chunk, **settings))
    finally:
        fake.stop()

    print(
        f"\nLLM: {args.comments} comentários, Gemini falso respondendo em {args.delay * 1000:.0f} ms, "
        f"{args.workers} workers, jobs de {chunk} ids; mediana de {args.repeat} execuções"
    )
    print(f"{'configuração':<40}{'chamadas/1000':>14}{'coment./s':>11}{'s':>7}{'tokens entr./1000':>18}{'falhas':>7}")
    for label, runs in results.items():
        print(
            f"{label:<40}{median([r.calls_per_1000 for r in runs]):>14.0f}"
            f"{median([r.per_second for r in runs]):>11.1f}{median([r.seconds for r in runs]):>7.1f}"
            f"{median([r.input_tokens * 1000 / r.comments for r in runs]):>18.0f}{sum(r.failures for r in runs):>7}"
        )
    off, on, fast, limited = (results[label] for label, _ in configs)
    reduction = median([r.calls_per_1000 for r in off]) / median([r.calls_per_1000 for r in on])
    speed = median([r.per_second for r in fast])
    calls_per_minute = median([r.calls / r.seconds * 60 for r in limited])
    print(f"redução de chamadas com lotes: {reduction:.1f}x (meta ≥ 15x: {verdict(reduction, 15)}; ≤ 50 por 1.000)")
    print(f"vazão com {concurrency} chamadas por worker: {speed:.0f} coment./s (meta ≥ 400/s: {verdict(speed, 400)})")
    if rpm:
        print(
            f"com GEMINI_RPM={rpm}: {calls_per_minute:.0f} chamadas/min medidas "
            f"({'dentro' if calls_per_minute <= rpm + concurrency * args.workers else 'ACIMA'} do limite "
            f"+ rajada inicial de {concurrency})"
        )
    print(load_note(before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
