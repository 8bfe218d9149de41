"""The Gemini client (google-genai) and free-text generation.

- `genai_client()`: one configured `google.genai.Client` (API key, optional base URL, timeout, SDK retries
  with exponential backoff for 408/429/5xx).
- `text_llm_enabled()`: the one rule for "may free text (summary, answers) come from Gemini?".
- `generate_text(...)`: free text (weekly summary, insights). The payload goes as JSON data in the user
  content, never spliced into the instructions; one `llm_calls` row per call, whatever the outcome.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from shared.classification import budget
from shared.classification.prompts import DATA_HEADER
from shared.classification.usage import MAX_ERROR_CHARS, LlmUsage, record_usage
from shared.db import session_scope
from shared.settings import Settings, get_settings
from shared.vocabulary import LlmOutcome, LlmPurpose

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from google import genai
    from google.genai import types


def _sdk():
    """google-genai, imported on first use: the API's workers import this module (summaries, insights) but call
    Gemini rarely, and the SDK costs ~16 MB in each process that loads it."""
    from google import genai
    from google.genai import errors, types

    return genai, errors, types


def _transport_errors() -> tuple[type[BaseException], ...]:
    """The HTTP client's error base class (the SDK runs on httpx or on its fork httpx2, whichever is installed)."""
    found = []
    for name in ("httpx", "httpx2"):
        try:
            found.append(importlib.import_module(name).HTTPError)
        except ImportError:
            continue
    return tuple(found)


def call_errors() -> tuple[type[BaseException], ...]:
    """What a call to the SDK raises when it fails: API errors, network errors and timeouts."""
    return (_sdk()[1].APIError, OSError, *_transport_errors())


def __getattr__(name: str) -> Any:
    if name == "CALL_ERRORS":  # `from shared.classification.llm import CALL_ERRORS` (loads the SDK)
        return call_errors()
    raise AttributeError(name)


# HTTP statuses the SDK retries (with exponential backoff) before giving up.
RETRY_STATUS_CODES = (408, 429, 500, 502, 503, 504)


class LlmError(RuntimeError):
    """An LLM call that produced no usable answer. `transient` errors (429, 5xx, timeouts) may succeed later."""

    def __init__(self, message: str, transient: bool = False):
        super().__init__(message)
        self.transient = transient


# --- client

_clients: dict[tuple, genai.Client] = {}
_clients_lock = threading.Lock()


def _retry_options(settings: Settings) -> types.HttpRetryOptions:
    types = _sdk()[2]
    return types.HttpRetryOptions(
        attempts=max(settings.gemini_max_attempts, 1),
        initial_delay=settings.gemini_retry_initial_seconds,
        max_delay=settings.gemini_retry_max_seconds,
        exp_base=2.0,
        jitter=min(settings.gemini_retry_initial_seconds, 1.0),
        http_status_codes=list(RETRY_STATUS_CODES),
    )


def http_options(settings: Settings | None = None) -> types.HttpOptions:
    settings = settings or get_settings()
    types = _sdk()[2]
    return types.HttpOptions(
        base_url=settings.gemini_base_url or None,
        api_version=settings.gemini_api_version or None,
        timeout=int(settings.gemini_timeout_seconds * 1000),  # the SDK wants milliseconds
        retry_options=_retry_options(settings),
    )


def genai_client(settings: Settings | None = None) -> genai.Client:
    """A `google.genai.Client` for the current settings (cached per configuration and per process)."""
    settings = settings or get_settings()
    if not settings.gemini_api_key:
        raise LlmError("GEMINI_API_KEY não está definido; use CLASSIFIER=local ou defina a chave.")
    key = (
        os.getpid(),
        settings.gemini_api_key,
        settings.gemini_base_url,
        settings.gemini_api_version,
        settings.gemini_timeout_seconds,
        settings.gemini_max_attempts,
        settings.gemini_retry_initial_seconds,
        settings.gemini_retry_max_seconds,
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = _sdk()[0].Client(
                api_key=settings.gemini_api_key, http_options=http_options(settings)
            )
        return client


# --- helpers shared with the classifier


def is_transient(exc: BaseException) -> bool:
    """429, 408, 5xx and network timeouts are transient; anything else (400, 401, 403, 404...) is not."""
    if isinstance(exc, _sdk()[1].APIError):
        return exc.code in RETRY_STATUS_CODES or (exc.code or 0) >= 500
    # httpx timeouts / connection errors, without importing httpx internals
    name = type(exc).__name__
    return any(word in name for word in ("Timeout", "ConnectError", "RemoteProtocolError", "ReadError"))


def describe_error(exc: BaseException) -> str:
    """A short, log-safe description (never the API key)."""
    if isinstance(exc, _sdk()[1].APIError):
        text = f"HTTP {exc.code} {exc.status or ''}: {exc.message or ''}".strip()
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR_CHARS]


def token_counts(response: types.GenerateContentResponse | None) -> tuple[int, int]:
    """(input, output) tokens; output includes thinking tokens, which are billed as output."""
    meta = getattr(response, "usage_metadata", None)
    if meta is None:
        return 0, 0
    output = (meta.candidates_token_count or 0) + (meta.thoughts_token_count or 0)
    return meta.prompt_token_count or 0, output


def data_message(payload: Any) -> str:
    """The user content: a fixed header, then the payload as JSON. Data never goes into instructions."""
    return f"{DATA_HEADER}\n{json.dumps(payload, ensure_ascii=False, default=str)}"


def elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


# --- llm_calls


def _store_usage(purpose: LlmPurpose, usage: LlmUsage) -> None:
    try:
        with session_scope() as session:
            record_usage(session, purpose, usage)
    except SQLAlchemyError:  # the answer matters more than its bookkeeping; say so loudly
        log.exception("não foi possível registrar a chamada ao LLM (%s, %s)", purpose, usage.outcome)


# --- free text


def text_llm_enabled(settings: Settings | None = None) -> bool:
    """Whether free text (weekly summary, answers to questions) comes from Gemini: a GEMINI_API_KEY is set and
    the daily budget is not used up. Otherwise (or when a call fails) the offline writers answer."""
    return bool((settings or get_settings()).gemini_api_key) and budget.llm_allowed()


def generate_text(
    purpose: LlmPurpose,
    prompt_version: str,
    system_instruction: str,
    payload: Any,
    max_output_tokens: int = 1024,
    *,
    temperature: float = 0.3,
    model: str | None = None,
) -> str:
    """Ask Gemini for free text about `payload` (sent as JSON data). Records one `llm_calls` row.

    Raises `LlmError` (with `.transient`) when the call fails or the answer is empty.
    """
    settings = get_settings()
    model_name = model or settings.gemini_model
    types = _sdk()[2]
    config = types.GenerateContentConfig(
        system_instruction=system_instruction,
        max_output_tokens=max_output_tokens,
        temperature=temperature,
        thinking_config=types.ThinkingConfig(thinking_budget=0),
    )
    started = time.perf_counter()
    response = None
    try:
        client = genai_client(settings)
        response = client.models.generate_content(model=model_name, contents=data_message(payload), config=config)
        text = (response.text or "").strip()
        if not text:
            reason = _finish_reason(response)
            raise LlmError(f"resposta vazia do modelo (finish_reason={reason})", transient=False)
    except LlmError as exc:
        _record(purpose, prompt_version, model_name, started, response, LlmOutcome.INVALID, str(exc))
        raise
    except call_errors() as exc:
        message = describe_error(exc)
        _record(purpose, prompt_version, model_name, started, response, LlmOutcome.ERROR, message)
        raise LlmError(f"falha ao chamar o Gemini: {message}", transient=is_transient(exc)) from exc
    _record(purpose, prompt_version, model_name, started, response, LlmOutcome.OK)
    return text


def _finish_reason(response: types.GenerateContentResponse) -> str:
    candidates = response.candidates or []
    return str(candidates[0].finish_reason) if candidates else "sem candidatos"


def _record(
    purpose: LlmPurpose,
    prompt_version: str,
    model_name: str,
    started: float,
    response: types.GenerateContentResponse | None,
    outcome: LlmOutcome,
    error: str | None = None,
) -> None:
    """Store one `llm_calls` row for a free-text call, whatever its outcome."""
    tokens_in, tokens_out = token_counts(response)
    _store_usage(
        purpose,
        LlmUsage(
            model=model_name,
            prompt_version=prompt_version,
            item_ids=(),
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            latency_ms=elapsed_ms(started),
            outcome=outcome,
            error=error,
        ),
    )
