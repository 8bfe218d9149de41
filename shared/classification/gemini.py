"""GeminiClassifier: several comments per call, structured output, ids verified, bounded re-asks.

- Up to `GEMINI_BATCH_SIZE` comments per call, sent as JSON data with their ids (never in the instructions).
- `response_schema` with the category as an enum; thinking off; temperature 0; SDK timeout and retries
  (408/429/5xx, exponential backoff) configured in `shared.llm.genai_client`.
- Answer ids are checked against the ids sent. Ids missing, duplicated or with an invalid result (category
  outside the enum, confidence outside [0, 1], malformed JSON) are asked again in smaller calls, halving the
  size down to one; an id that fails alone gets a non-transient `ClassificationFailure` with the reason.
- Up to `GEMINI_CONCURRENCY` calls in flight per process, each started only when `GEMINI_RPM` allows (a limit
  shared by every worker through Redis). Until the service has answered once, and again after a transient
  failure, one call at a time probes it.
- A transient error (429/5xx/timeout after the SDK's retries) fails the ids of that call and of the calls not
  yet made as transient: the job retries them later instead of hammering a service that is down (calls already
  in flight finish and their answers are kept).
- Every call is reported as `LlmUsage` (model, tokens, latency, outcome) for the caller to store.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from google.genai import errors as genai_errors
from google.genai import types
from pydantic import ValidationError

from shared.catalog import ALBUM_NAMES, ARTIST_NAMES, canonical_album, canonical_artist
from shared.classification.base import ClassificationFailure, Classifier, ClassifierItem, ClassifierOutcome
from shared.classification.llm import (
    CALL_ERRORS,
    LlmError,
    data_message,
    describe_error,
    elapsed_ms,
    genai_client,
    is_transient,
    token_counts,
)
from shared.classification.prompts import CLASSIFY_PROMPT_VERSION, classify_instruction, classify_payload
from shared.classification.ratelimit import RequestRate
from shared.classification.tags import normalize_tags
from shared.classification.usage import LlmUsage
from shared.contracts import ClassificationResult
from shared.settings import Settings, get_settings
from shared.vocabulary import CATEGORY_VALUES, LlmOutcome, Origin

log = logging.getLogger(__name__)

# Output budget per comment in a call (JSON with tags and explanations), plus a fixed margin.
OUTPUT_TOKENS_PER_ITEM = 320
OUTPUT_TOKENS_MARGIN = 256
MAX_OUTPUT_TOKENS = 16384
MAX_REASON_CHARS = 300


def response_schema() -> types.Schema:
    tag = types.Schema(
        type=types.Type.OBJECT,
        properties={"codigo": types.Schema(type=types.Type.STRING), "explicacao": types.Schema(type=types.Type.STRING)},
        required=["codigo", "explicacao"],
        property_ordering=["codigo", "explicacao"],
    )
    item = types.Schema(
        type=types.Type.OBJECT,
        properties={
            "id": types.Schema(type=types.Type.STRING),
            "categoria": types.Schema(type=types.Type.STRING, enum=list(CATEGORY_VALUES)),
            "confianca": types.Schema(type=types.Type.NUMBER, minimum=0, maximum=1),
            "tags_funcionalidades": types.Schema(type=types.Type.ARRAY, items=tag),
            "artista": types.Schema(type=types.Type.STRING, nullable=True),
            "album": types.Schema(type=types.Type.STRING, nullable=True),
        },
        required=["id", "categoria", "confianca", "tags_funcionalidades", "artista", "album"],
        property_ordering=["id", "categoria", "confianca", "tags_funcionalidades", "artista", "album"],
    )
    return types.Schema(
        type=types.Type.OBJECT,
        properties={"resultados": types.Schema(type=types.Type.ARRAY, items=item)},
        required=["resultados"],
    )


@dataclass
class _CallAnswer:
    """What one call produced: valid results, and a reason for every id that must be asked again."""

    results: dict[str, ClassificationResult] = field(default_factory=dict)
    retry: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class _CallDone:
    """One finished call: its usage and either an answer, a transient reason or a permanent reason."""

    usage: LlmUsage
    answer: _CallAnswer = field(default_factory=_CallAnswer)
    latency: int = 0
    transient: str | None = None
    permanent: str | None = None


class GeminiClassifier(Classifier):
    name = "gemini"
    origin = Origin.LLM
    prompt_version = CLASSIFY_PROMPT_VERSION

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        if not self.settings.gemini_api_key:
            raise LlmError("GEMINI_API_KEY não está definido: defina a chave ou use CLASSIFIER=local.")
        self.model = self.settings.gemini_model
        self.batch_size = max(1, self.settings.gemini_batch_size)
        self.concurrency = max(1, self.settings.gemini_concurrency)
        self.rate = RequestRate.for_gemini(self.settings)
        self._service_answers = False  # until a call is answered, one call at a time (a probe)

    # --- public

    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        """Up to GEMINI_CONCURRENCY calls in flight (each waits for its turn under GEMINI_RPM). Answers are
        handled here, in the calling thread, as they arrive: results, re-asks of bad ids in smaller calls,
        `calls`/`answered_by` bookkeeping. Until the service has answered once (and again after a transient
        failure), a single call probes it: a service that is down gets one call, not K."""
        outcome = ClassifierOutcome()
        by_id = {item.id: item for item in items}  # a repeated id is classified once
        ids = list(by_id)
        work: deque[list[str]] = deque(ids[i : i + self.batch_size] for i in range(0, len(ids), self.batch_size))
        running: dict[Future, list[str]] = {}
        unavailable: str | None = None
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="gemini") as pool:
            while running or (work and unavailable is None):
                limit = self.concurrency if self._service_answers else 1
                while work and unavailable is None and len(running) < limit:
                    chunk = work.popleft()
                    running[pool.submit(self._call, [by_id[i] for i in chunk])] = chunk
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    chunk = running.pop(future)
                    failure = self._handle(chunk, future.result(), outcome, work)
                    if failure is not None and unavailable is None:
                        unavailable = failure
        if unavailable is not None:
            for rest in work:  # not tried: the service is unavailable now; the job retries later
                for item_id in rest:
                    outcome.results[item_id] = ClassificationFailure(
                        f"não enviado: Gemini indisponível ({unavailable})"[:MAX_REASON_CHARS], transient=True
                    )
        return outcome

    def _handle(
        self, chunk: list[str], done: _CallDone, outcome: ClassifierOutcome, work: deque[list[str]]
    ) -> str | None:
        """Book one finished call; returns the reason when it was a transient failure."""
        outcome.calls.append(done.usage)
        if done.transient is not None:
            for item_id in chunk:
                outcome.results[item_id] = ClassificationFailure(done.transient, transient=True)
            return done.transient
        if done.permanent is not None:
            if len(chunk) > 1:  # maybe one comment triggers it: isolate it
                work.extend(self._split(chunk))
            else:
                outcome.results[chunk[0]] = ClassificationFailure(done.permanent, transient=False)
            return None
        answer = done.answer
        call_index = len(outcome.calls) - 1
        for item_id, result in answer.results.items():
            outcome.results[item_id] = result
            outcome.latency_ms[item_id] = done.latency
            outcome.answered_by[item_id] = call_index
        if answer.retry and len(chunk) == 1:
            [(item_id, reason)] = answer.retry.items()
            outcome.results[item_id] = ClassificationFailure(
                f"resposta inválida do modelo: {reason}"[:MAX_REASON_CHARS], transient=False
            )
        elif answer.retry:
            work.extend(self._split(list(answer.retry), len(chunk)))
        return None

    # --- internals

    def _split(self, ids: list[str], previous_size: int | None = None) -> list[list[str]]:
        """Smaller calls for ids asked again: half of the previous call's size, down to one."""
        size = max(1, (previous_size or len(ids)) // 2)
        return [ids[i : i + size] for i in range(0, len(ids), size)]

    def _config(self, count: int) -> types.GenerateContentConfig:
        return types.GenerateContentConfig(
            system_instruction=classify_instruction(),
            response_mime_type="application/json",
            response_schema=response_schema(),
            temperature=0.0,
            max_output_tokens=min(MAX_OUTPUT_TOKENS, OUTPUT_TOKENS_MARGIN + OUTPUT_TOKENS_PER_ITEM * count),
            thinking_config=types.ThinkingConfig(thinking_budget=0),
        )

    def _call(self, items: list[ClassifierItem]) -> _CallDone:
        """One call (in a pool thread): waits for its turn under GEMINI_RPM, then asks. Never raises."""
        ids = tuple(item.id for item in items)
        payload = classify_payload([_item_json(item) for item in items])
        self.rate.acquire()
        started = time.perf_counter()
        try:
            response = genai_client(self.settings).models.generate_content(
                model=self.model, contents=data_message(payload), config=self._config(len(items))
            )
        except CALL_ERRORS as exc:  # the SDK already retried what was worth retrying
            message = describe_error(exc)
            usage = self._usage(ids, started, None, LlmOutcome.ERROR, message)
            log.warning("gemini call failed for %d comments: %s", len(ids), message)
            if is_transient(exc) or not isinstance(exc, genai_errors.APIError):
                self._service_answers = False
                return _CallDone(usage, transient=f"falha transitória do Gemini: {message}")
            return _CallDone(usage, permanent=f"erro do Gemini: {message}")
        except Exception as exc:  # noqa: BLE001 - a bug must not lose the call's ids: they fail, transient
            log.exception("gemini call crashed for %d comments", len(ids))
            usage = self._usage(ids, started, None, LlmOutcome.ERROR, describe_error(exc))
            return _CallDone(usage, transient=f"erro inesperado na chamada ao Gemini: {describe_error(exc)}")
        self._service_answers = True
        latency = elapsed_ms(started)
        answer = self._parse(response, items)
        usage = self._usage(
            ids,
            started,
            response,
            LlmOutcome.INVALID if answer.problems else LlmOutcome.OK,
            "; ".join(answer.problems) or None,
            latency,
        )
        return _CallDone(usage, answer=answer, latency=latency)

    def _usage(
        self,
        ids: tuple[str, ...],
        started: float,
        response: object,
        outcome: LlmOutcome,
        error: str | None,
        latency: int | None = None,
    ) -> LlmUsage:
        tokens_in, tokens_out = token_counts(response)  # type: ignore[arg-type]
        return LlmUsage(
            model=self.model,
            prompt_version=self.prompt_version,
            item_ids=ids,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            latency_ms=latency if latency is not None else elapsed_ms(started),
            outcome=outcome,
            error=error,
        )

    def _parse(self, response: types.GenerateContentResponse, items: list[ClassifierItem]) -> _CallAnswer:
        answer = _CallAnswer()
        sent = {item.id: item for item in items}
        entries, problem = _entries(response)
        if problem:
            answer.problems.append(problem)
            answer.retry = {item_id: problem for item_id in sent}
            return answer
        counts = Counter(str(entry.get("id")) for entry in entries if isinstance(entry, dict))
        extra = sorted(i for i in counts if i not in sent)
        duplicated = sorted(i for i, n in counts.items() if n > 1 and i in sent)
        if extra:
            answer.problems.append(f"ids extras ignorados: {', '.join(extra)[:120]}")
        if duplicated:
            answer.problems.append(f"ids duplicados: {', '.join(duplicated)[:120]}")
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            item_id = str(entry.get("id"))
            if item_id not in sent or item_id in duplicated:
                continue
            try:
                answer.results[item_id] = self._result(entry, sent[item_id])
            except ValidationError as exc:
                reason = _validation_reason(exc)
                answer.retry[item_id] = reason
                answer.problems.append(f"{item_id}: {reason}")
        for item_id in sent:
            if item_id not in answer.results and item_id not in answer.retry:
                reason = "id duplicado na resposta" if item_id in duplicated else "id ausente na resposta"
                answer.retry[item_id] = reason
                if item_id not in duplicated:
                    answer.problems.append(f"{item_id}: {reason}")
        return answer

    def _result(self, entry: dict, item: ClassifierItem) -> ClassificationResult:
        """The entry validated, tags normalised, names the client sent kept; a name the model extracted from the
        text is kept only when it is a catalogue name (mapped to its canonical spelling): anything else the
        model wrote there (an unknown or injected name) is dropped, since artist names reach public charts."""
        result = ClassificationResult.model_validate(entry)
        tags = normalize_tags(result.tags_funcionalidades)
        artist = canonical_artist(result.artista)
        album = canonical_album(result.album)
        return result.model_copy(
            update={
                "tags_funcionalidades": tags,
                "artista": item.artist or (artist if artist in ARTIST_NAMES else None),
                "album": item.album or (album if album in ALBUM_NAMES else None),
            }
        )


def _item_json(item: ClassifierItem) -> dict:
    data = {"id": item.id, "texto": item.text}
    for key, value in (("artista", item.artist), ("album", item.album), ("musica", item.song)):
        if value:
            data[key] = value
    return data


def _entries(response: types.GenerateContentResponse) -> tuple[list, str | None]:
    """The list under `resultados`, or a reason why there is none."""
    try:
        text = response.text
    except (ValueError, AttributeError):
        text = None
    if not text:
        candidates = response.candidates or []
        reason = candidates[0].finish_reason if candidates else "sem candidatos"
        return [], f"resposta vazia (finish_reason={reason})"
    try:
        data = json.loads(text)
    except ValueError as exc:
        return [], f"JSON malformado ({exc.msg} na posição {exc.pos})"
    entries = data.get("resultados") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        return [], "JSON sem a lista 'resultados'"
    return entries, None


def _validation_reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        value = error.get("input")
        shown = f" = {value!r}" if isinstance(value, (str, int, float)) else ""
        parts.append(f"{where}{shown}: {error.get('msg')}")
    return "; ".join(parts)[:MAX_REASON_CHARS]
