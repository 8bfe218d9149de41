"""A fake Gemini: a real local HTTP server speaking `POST /{v1,v1beta}/models/{model}:generateContent`.

The real `google-genai` SDK talks to it through `GEMINI_BASE_URL`. Each test programs it with a queue of
behaviours (one per request, then `default`), and reads back every request it received:

    fake_gemini.push(Status(429), Valid())          # 429 once, then a valid batch answer
    fake_gemini.default = Status(500)               # every further request fails
    fake_gemini.requests[0].items                   # the comments the classifier sent (parsed JSON data)

Behaviours for the classifier answer `{"resultados": [...]}` for the ids found in the request's JSON data;
`Text(...)` answers free text (weekly summary, insights).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.text import strip_accents

_PATH = re.compile(r"^/(v1|v1beta)/models/([^/:]+):generateContent$")


@dataclass
class FakeRequest:
    api_version: str
    model: str
    body: dict
    headers: dict[str, str]

    @property
    def system_instruction(self) -> str:
        parts = (self.body.get("systemInstruction") or {}).get("parts") or []
        return "".join(p.get("text", "") for p in parts)

    @property
    def user_text(self) -> str:
        texts = []
        for content in self.body.get("contents") or []:
            texts.extend(p.get("text", "") for p in content.get("parts") or [])
        return "\n".join(texts)

    @property
    def data(self) -> Any:
        """The JSON data the caller sent after its header line (None when there is none)."""
        text = self.user_text
        start = min((i for i in (text.find("["), text.find("{")) if i >= 0), default=-1)
        if start < 0:
            return None
        try:
            return json.loads(text[start:])
        except ValueError:
            return None

    @property
    def items(self) -> list[dict]:
        """The comments sent for classification: a JSON array, or the array under `comentarios`."""
        data = self.data
        if isinstance(data, dict):
            data = data.get("comentarios")
        return data if isinstance(data, list) else []

    @property
    def ids(self) -> list[str]:
        return [str(item.get("id")) for item in self.items]

    @property
    def generation_config(self) -> dict:
        return self.body.get("generationConfig") or {}

    @property
    def thinking_budget(self) -> int | None:
        """The SDK may send this field in camelCase or snake_case (proto JSON accepts both)."""
        thinking = self.generation_config.get("thinkingConfig") or {}
        return thinking.get("thinkingBudget", thinking.get("thinking_budget"))


@dataclass
class Reply:
    status: int = 200
    payload: Any = None  # JSON body (dict) or raw text (str)
    delay: float = 0.0


def derive_category(text: str) -> str:
    """A deterministic category from the text, so tests can predict the fake's answer."""
    low = strip_accents(text).lower()
    if "http" in low or "ignore" in low or "sigam" in low or "promo" in low:
        return "SPAM"
    if "?" in low:
        return "DÚVIDA"
    if any(w in low for w in ("podia", "deveria", "poderia", "bota", "sugiro")):
        return "SUGESTÃO"
    if any(w in low for w in ("ruim", "horrivel", "pessimo", "atras", "odiei")):
        return "CRÍTICA"
    return "ELOGIO"


def gemini_response(text: str, prompt_tokens: int = 0, output_tokens: int = 0) -> dict:
    return {
        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": "fake-gemini",
    }


def _answer(request: FakeRequest, results: list[dict] | str) -> Reply:
    text = results if isinstance(results, str) else json.dumps({"resultados": results}, ensure_ascii=False)
    prompt_tokens = max(1, len(json.dumps(request.body, ensure_ascii=False)) // 4)
    return Reply(200, gemini_response(text, prompt_tokens, max(1, len(text) // 4)))


# --- behaviours (each one answers one request)


class Behaviour:
    def reply(self, request: FakeRequest) -> Reply:
        raise NotImplementedError


@dataclass(kw_only=True)
class Valid(Behaviour):
    """A valid batch answer for the ids received; categories from `categories` (by id) or derived from the text."""

    categories: dict[str, str] = field(default_factory=dict)
    confidence: float = 0.9
    tags: list[dict] = field(default_factory=lambda: [{"codigo": "Feat Producao", "explicacao": "produção citada"}])
    delay: float = 0.0

    def result(self, item: dict) -> dict:
        item_id = str(item.get("id"))
        return {
            "id": item_id,
            "categoria": self.categories.get(item_id) or derive_category(str(item.get("texto", ""))),
            "confianca": self.confidence,
            "tags_funcionalidades": list(self.tags),
            "artista": item.get("artista"),
            "album": item.get("album"),
        }

    def reply(self, request: FakeRequest) -> Reply:
        answer = _answer(request, [self.result(item) for item in request.items])
        answer.delay = self.delay
        return answer


@dataclass
class MissingIds(Valid):
    """Answers all but the last `count` ids."""

    count: int = 1

    def reply(self, request: FakeRequest) -> Reply:
        items = request.items[: -self.count] if self.count else request.items
        return _answer(request, [self.result(item) for item in items])


@dataclass
class ExtraIds(Valid):
    """Answers every id plus one it never received."""

    extra_id: str = "00000000-0000-0000-0000-00000000beef"

    def reply(self, request: FakeRequest) -> Reply:
        results = [self.result(item) for item in request.items]
        results.append(self.result({"id": self.extra_id, "texto": "inventado"}))
        return _answer(request, results)


@dataclass
class DuplicatedIds(Valid):
    """Answers the first id twice (with different categories) and the others once."""

    def reply(self, request: FakeRequest) -> Reply:
        results = [self.result(item) for item in request.items]
        if results:
            twin = dict(results[0], categoria="SPAM" if results[0]["categoria"] != "SPAM" else "ELOGIO")
            results.insert(1, twin)
        return _answer(request, results)


@dataclass
class InvalidCategory(Valid):
    """Every result has a category outside the enum."""

    category: str = "MOCK"

    def result(self, item: dict) -> dict:
        return dict(super().result(item), categoria=self.category)


@dataclass
class Confidence(Valid):
    """Every result has this confidence (e.g. 1.7)."""

    value: float = 1.7

    def result(self, item: dict) -> dict:
        return dict(super().result(item), confianca=self.value)


@dataclass
class MalformedJson(Behaviour):
    text: str = '{"resultados": [{"id": "abc", "categoria": "ELOGIO", '

    def reply(self, request: FakeRequest) -> Reply:
        return _answer(request, self.text)


@dataclass
class Status(Behaviour):
    """An HTTP error with a Google-style error body."""

    code: int = 500
    message: str = "erro simulado"

    def reply(self, request: FakeRequest) -> Reply:
        names = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE", 400: "INVALID_ARGUMENT"}
        return Reply(
            self.code,
            {"error": {"code": self.code, "message": self.message, "status": names.get(self.code, "UNKNOWN")}},
        )


@dataclass
class Slow(Behaviour):
    """Waits `seconds` before answering with `then` (a client with a shorter timeout gives up first)."""

    seconds: float = 5.0
    then: Behaviour = field(default_factory=Valid)

    def reply(self, request: FakeRequest) -> Reply:
        answer = self.then.reply(request)
        answer.delay += self.seconds
        return answer


@dataclass
class Text(Behaviour):
    """A free-text answer (generate_text)."""

    text: str = "Resumo da semana: tudo tranquilo."
    finish_reason: str = "STOP"

    def reply(self, request: FakeRequest) -> Reply:
        answer = _answer(request, self.text)
        answer.payload["candidates"][0]["finishReason"] = self.finish_reason
        return answer


@dataclass
class Custom(Behaviour):
    """Any function of the request."""

    func: Callable[[FakeRequest], Reply]

    def reply(self, request: FakeRequest) -> Reply:
        return self.func(request)


# --- the server


class FakeGemini:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.default: Behaviour = Valid()
        self.requests: list[FakeRequest] = []
        self.errors: list[str] = []  # exceptions raised by behaviours (a bug in the test, reported at teardown)
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-gemini", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self) -> FakeGemini:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def push(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.default = Valid()

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def _next(self, request: FakeRequest) -> Behaviour:
        with self._lock:
            self.requests.append(request)
            return self._queue.popleft() if self._queue else self.default

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                match = _PATH.match(self.path.split("?", 1)[0])
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if not match:
                    return self._send(
                        Reply(
                            404,
                            {
                                "error": {
                                    "code": 404,
                                    "message": f"rota desconhecida {self.path}",
                                    "status": "NOT_FOUND",
                                }
                            },
                        )
                    )
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    return self._send(
                        Reply(400, {"error": {"code": 400, "message": "JSON inválido", "status": "INVALID_ARGUMENT"}})
                    )
                request = FakeRequest(match.group(1), match.group(2), body, dict(self.headers.items()))
                behaviour = fake._next(request)
                try:
                    reply = behaviour.reply(request)
                except Exception as exc:  # a broken behaviour must fail the test, not look like an outage
                    fake.errors.append(f"{type(behaviour).__name__}: {exc!r}")
                    reply = Reply(
                        500, {"error": {"code": 500, "message": f"erro no fake: {exc!r}", "status": "INTERNAL"}}
                    )
                if reply.delay and fake._stopping.wait(reply.delay):
                    return
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                data = reply.payload if isinstance(reply.payload, str) else json.dumps(reply.payload or {})
                encoded = data.encode("utf-8")
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                    self.send_header("Content-Length", str(len(encoded)))
                    self.end_headers()
                    self.wfile.write(encoded)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout): that is the point of Slow

        return Handler


@pytest.fixture
def fake_gemini(use_settings):
    """A started fake Gemini; the settings point the real SDK at it (CLASSIFIER=gemini, fast retries)."""
    server = FakeGemini().start()
    use_settings(
        gemini_api_key="chave-de-teste",
        gemini_base_url=server.url,
        classifier="gemini",
        gemini_retry_initial_seconds=0.01,
        gemini_retry_max_seconds=0.05,
        gemini_timeout_seconds=5,
    )
    try:
        yield server
    finally:
        server.stop()
    assert not server.errors, f"behaviours of the fake Gemini raised: {server.errors}"


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
