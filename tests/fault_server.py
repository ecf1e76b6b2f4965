"""A local HTTP server that simulates the faults of an OpenAI-compatible endpoint, for tests.

It speaks the chat completions wire format (``POST /v1/chat/completions``) on 127.0.0.1 and
is told, request by request, how to fail: ``429`` with ``Retry-After``, ``500``, ``503``, a
connection reset in the middle of the body, a hang past the client's timeout, a body that is
not JSON or is a web page, JSON content that fails the schema, ``finish_reason: "length"``
with truncated content, a refusal, a content filter, an empty ``choices`` list, ``401`` and ``404``,
and answers that are not quite JSON: a raw line break inside a string (llama.cpp's grammar
lets one through), text after the object, the final ``}`` missing, or the answer cut in the
middle while the server says it finished (``finish_reason: "stop"``).

Nothing it answers successfully is invented: the answers are replayed from cassettes
recorded from the embedded model, matched on the conversation (every message except the
system prompt, whose schema hint depends on the structured-output mode). The faults that
need content (``bad_schema``, ``length``) are derived from the same recorded answer. A
request whose model the recordings do not know gets OpenAI's ``404 model_not_found``.

How to tell it what to do, strongest first:

* the request header ``X-Fault: <fault>``;
* :meth:`FaultServer.fail_when`: every request whose conversation contains some text;
* :meth:`FaultServer.queue`: the next requests, in order; then it answers normally.

Every request is recorded in :attr:`FaultServer.requests` (with the fault it got), so tests
count attempts on the server side rather than trusting the client's own count.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml


class Fault(str, Enum):
    ok = "ok"
    rate_limited = "429"
    server_error = "500"
    unavailable = "503"
    reset = "reset"
    hang = "hang"
    not_json = "not_json"
    html_page = "html"
    bad_schema = "bad_schema"
    truncated = "length"
    refusal = "refusal"
    content_filter = "content_filter"
    no_choices = "no_choices"
    unauthorized = "401"
    unknown_model = "404"
    raw_newline = "raw_newline"
    trailing_text = "trailing_text"
    missing_brace = "missing_brace"
    garbled = "garbled"


#: Faults a client should retry; the rest are permanent.
TRANSIENT = frozenset(
    {Fault.rate_limited, Fault.server_error, Fault.unavailable, Fault.reset, Fault.hang}
)

#: Faults that get as far as the model: an unknown model turns them into a 404.
_ANSWERING = frozenset(
    {
        Fault.ok,
        Fault.reset,
        Fault.bad_schema,
        Fault.truncated,
        Fault.refusal,
        Fault.content_filter,
        Fault.no_choices,
        Fault.raw_newline,
        Fault.trailing_text,
        Fault.missing_brace,
        Fault.garbled,
    }
)

#: What ``trailing_text`` appends to the recorded answer: a stray brace and a code fence.
TRAILING_TEXT = "}\n```"

REFUSAL = "I'm sorry, but I can't help with that request."


def conversation_key(messages: list[dict[str, Any]]) -> str:
    """What identifies a request for replay: every message but the system prompt."""
    kept = [(m.get("role"), m.get("content")) for m in messages if m.get("role") != "system"]
    return json.dumps(kept, ensure_ascii=False, sort_keys=True)


#: Answers the embedded model gave to the free-text request (claims and key points in its
#: own words) for the chunks of tests/data/bird_flu.txt at 150 tokens a chunk, recorded by
#: test_replay when the embedded model still received that request. The conversations
#: are unchanged, and a plain client (as the simulated endpoint's users are) still sends
#: them; recording them again costs half an hour of the embedded model's free text.
FREE_TEXT_ANSWERS = Path(__file__).resolve().parent.parent / "cassettes" / "fault_server"


def load_recordings(*cassettes: Path) -> dict[str, dict[str, Any]]:
    """Recorded successful completions from vcrpy cassettes, by conversation key; a folder
    stands for every cassette in it.

    Where a cassette holds several answers to one conversation, the first one wins."""
    answers: dict[str, dict[str, Any]] = {}
    folders = [*cassettes, FREE_TEXT_ANSWERS]
    files = [p for c in folders for p in (sorted(c.glob("*.yaml")) if c.is_dir() else [c])]
    for path in files:
        for interaction in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            response = interaction["response"]
            if response["status"]["code"] != 200:
                continue
            request = json.loads(interaction["request"]["body"])
            completion = json.loads(response["body"]["string"])
            answers.setdefault(conversation_key(request["messages"]), completion)
    return answers


@dataclass
class Received:
    """One request as the server saw it."""

    body: dict[str, Any]
    headers: dict[str, str]
    fault: Fault
    at: float = field(default_factory=time.monotonic)


class FaultServer:
    """See the module docstring. Use as a context manager, or call :meth:`close`."""

    def __init__(
        self,
        *cassettes: Path,
        retry_after: str = "1",
        retry_after_ms: int | None = 10,
        hang_seconds: float = 5.0,
    ) -> None:
        self.answers = load_recordings(*cassettes)
        self.models = {c["model"] for c in self.answers.values()}
        self.retry_after = retry_after
        self.retry_after_ms = retry_after_ms
        self.hang_seconds = hang_seconds
        self.requests: list[Received] = []
        self._queue: deque[Fault] = deque()
        self._rules: list[tuple[str, Fault]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fault_server = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            name="fault-server",
            daemon=True,
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def queue(self, *faults: Fault | str) -> None:
        """The next requests get these faults, one each, in order."""
        with self._lock:
            self._queue.extend(Fault(f) for f in faults)

    def fail_when(self, text: str, fault: Fault | str) -> None:
        """Every request whose non-system messages contain ``text`` gets ``fault``."""
        with self._lock:
            self._rules.append((text, Fault(fault)))

    def clear_faults(self) -> None:
        """Forget queued faults and rules; answer normally from now on."""
        with self._lock:
            self._queue.clear()
            self._rules.clear()

    def reset(self) -> None:
        """Forget queued faults, rules and the requests seen."""
        self.clear_faults()
        with self._lock:
            self.requests.clear()

    def recorded_answer(self, messages: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The recorded completion for this conversation. A re-ask (the article, the
        rejected answer, the error) gets the recorded answer to the article itself."""
        found = self.answers.get(conversation_key(messages))
        if found is None:
            first = [m for m in messages if m.get("role") != "system"][:1]
            found = self.answers.get(conversation_key(first))
        return found

    def count(self, fault: Fault | str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if fault is None or r.fault == Fault(fault))

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- used by the handler -------------------------------------------------------------

    def _decide(self, body: dict[str, Any], headers: dict[str, str]) -> Fault:
        key = conversation_key(body.get("messages", []))
        with self._lock:
            named = headers.get("x-fault")
            if named:
                fault = Fault(named)
            else:
                fault = next((f for text, f in self._rules if text in key), None) or (
                    self._queue.popleft() if self._queue else Fault.ok
                )
            self.requests.append(Received(body=body, headers=headers, fault=fault))
            return fault


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fault_server: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Resets and hangs leave broken sockets behind on purpose; nothing to report.
        pass


def _error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, _error_body(f"no route {self.path}", "invalid_request_error"))
            return
        body = json.loads(raw or b"{}")
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner = self.server.fault_server
        fault = owner._decide(body, headers)
        model = body.get("model", "")
        if model not in owner.models and fault in _ANSWERING:
            fault = Fault.unknown_model
        self._answer(owner, fault, body, headers)

    def _answer(
        self, owner: FaultServer, fault: Fault, body: dict[str, Any], headers: dict[str, str]
    ) -> None:
        if fault == Fault.rate_limited:
            extra = {"Retry-After": owner.retry_after}
            if owner.retry_after_ms is not None:
                extra["retry-after-ms"] = str(owner.retry_after_ms)
            message = "Rate limit reached for requests. Please try again later."
            self._json(429, _error_body(message, "requests", "rate_limit_exceeded"), extra)
        elif fault == Fault.server_error:
            self._json(
                500, _error_body("The server had an error processing your request.", "server_error")
            )
        elif fault == Fault.unavailable:
            self._json(503, _error_body("The engine is currently overloaded.", "server_error"))
        elif fault == Fault.unauthorized:
            # OpenAI echoes the key it was given; the client must keep it out of its errors.
            key = headers.get("authorization", "").removeprefix("Bearer ").strip()
            message = f"Incorrect API key provided: {key}."
            self._json(401, _error_body(message, "invalid_request_error", "invalid_api_key"))
        elif fault == Fault.unknown_model:
            message = (
                f"The model `{body.get('model')}` does not exist or you do not have access to it."
            )
            self._json(404, _error_body(message, "invalid_request_error", "model_not_found"))
        elif fault == Fault.hang:
            owner._closing.wait(owner.hang_seconds)
            self._send_bytes(200, b"{}", "application/json")
        elif fault == Fault.not_json:
            self._send_bytes(200, b"upstream error: try again", "application/json")
        elif fault == Fault.html_page:
            page = b"<!doctype html><html><body><h1>Welcome</h1></body></html>"
            self._send_bytes(200, page, "text/html; charset=utf-8")
        else:
            recorded = owner.recorded_answer(body.get("messages", []))
            if recorded is None:
                message = "fault server: no recorded answer matches this conversation"
                self._json(400, _error_body(message, "invalid_request_error"))
                return
            completion = _shape(recorded, fault)
            if fault == Fault.reset:
                self._reset_mid_body(json.dumps(completion).encode())
            else:
                self._json(200, completion)

    def _json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(payload).encode(), "application/json", extra)

    def _send_bytes(
        self, status: int, data: bytes, content_type: str, extra: dict[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up (after a hang)

    def _reset_mid_body(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True


def _shape(recorded: dict[str, Any], fault: Fault) -> dict[str, Any]:
    """The recorded completion, or the faulty variant of it that ``fault`` asks for."""
    completion = json.loads(json.dumps(recorded))
    choice = completion["choices"][0]
    content = choice["message"]["content"]
    if fault == Fault.bad_schema:
        # The recorded answer without its headline: valid JSON that fails the schema.
        answer = json.loads(content)
        answer.pop("headline", None)
        choice["message"]["content"] = json.dumps(answer)
    elif fault == Fault.truncated:
        choice["message"]["content"] = content[: len(content) // 2]
        choice["finish_reason"] = "length"
    elif fault == Fault.raw_newline:
        # The headline split by a raw line break: JSON that no strict parser accepts.
        answer = json.loads(content)
        words = str(answer["headline"]).split(" ")
        marker = "<<RAW LINE BREAK>>"
        half = len(words) // 2
        answer["headline"] = " ".join(words[:half]) + marker + " ".join(words[half:])
        text = json.dumps(answer, ensure_ascii=False)
        choice["message"]["content"] = text.replace(marker, "\n")
    elif fault == Fault.trailing_text:
        choice["message"]["content"] = content.rstrip() + TRAILING_TEXT
    elif fault == Fault.missing_brace:
        stripped = content.rstrip()
        choice["message"]["content"] = stripped[:-1] if stripped.endswith("}") else stripped
    elif fault == Fault.garbled:
        choice["message"]["content"] = content[: len(content) // 2]
    elif fault == Fault.refusal:
        choice["message"]["content"] = None
        choice["message"]["refusal"] = REFUSAL
    elif fault == Fault.content_filter:
        choice["message"]["content"] = None
        choice["finish_reason"] = "content_filter"
    elif fault == Fault.no_choices:
        completion["choices"] = []
    return completion
