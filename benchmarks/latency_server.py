"""A simulated OpenAI-compatible endpoint: recorded answers after a fixed delay.

SIMULATION, for wall-time and overhead benchmarks only. Every answer is a response that the
embedded model (SmolLM2-135M) really gave, taken from the cassettes under ``cassettes/``; the
server waits ``--delay`` seconds per request (like a hosted model's fixed latency) and sends
it back. Answers say nothing about quality. What is adapted, and why:

- factcheck requests (a ``response_format`` schema with an enum of sentence ids) get a
  recorded answer of the same shape (notes, chunk or reduce) whose sentence ids are
  relabelled, in order, to the ids this request may cite, so that it validates; a notes
  answer gets one recorded note per sentence of the request, in turn;
- any other request (a peer library's) gets a recorded answer's text unchanged;
- ``usage`` is counted here with cl100k_base: message texts + 4 tokens per message for the
  prompt, the answer text for the completion (a real server counts with its own tokenizer).

Requests are served on threads, so concurrency is unbounded, as on a large hosted endpoint.
``GET /stats`` returns ``{"requests", "busy_seconds", "log"}``: busy is the time spent inside
handlers other than the delay, so a benchmark can subtract the simulated server's own work;
log is ``[kind, arrived, answered]`` per request (kind: chunk, reduce or other).

    python -m benchmarks.latency_server --delay 1.5     # prints its base URL, serves until killed
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from factcheck.tokens import count_tokens

ROOT = Path(__file__).resolve().parent.parent
#: The recordings of the embedded model (re-recorded by ``make record``). Every folder: the
#: embedded model's own requests are notes now, and the chunk and reduce answers it gave to
#: the free-text requests (which other endpoints get) live in other tests' cassettes.
CASSETTES = ROOT / "cassettes"


class Recorded:
    """One recorded answer: its content, its kind and the ids its request allowed."""

    def __init__(self, content: str, ids: list[str]) -> None:
        self.content = content
        self.ids = ids
        self.kind = _kind(set(json.loads(content)))


def _kind(fields: set[str]) -> str:
    """notes (one note per sentence, the embedded model's chunk answer), chunk (key points
    and claims), reduce (headline and key points only) or other (a verdict, a summary
    check), from the top-level fields of an answer or of a schema."""
    if "notes" in fields:
        return "notes"
    if "claims" in fields:
        return "chunk"
    return "reduce" if fields == {"headline", "points"} else "other"


def _request_ids(body: dict[str, Any]) -> list[str] | None:
    """The sentence ids a factcheck request may cite, else None: the first enum of sentence
    ids in its schema, or else (one slot per sentence) the ids its slots fix, in order."""
    enums: list[list[str]] = []
    consts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            enum = node.get("enum")
            if isinstance(enum, list) and enum and all(_is_id(v) for v in enum):
                enums.append([str(v) for v in enum])
            if _is_id(node.get("const")):
                consts.append(str(node["const"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(_schema(body))
    if enums:
        return enums[0]
    return list(dict.fromkeys(consts)) or None


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) > 1 and value[0] == "S" and value[1:].isdigit()


def load_recordings(folder: Path = CASSETTES) -> list[Recorded]:
    """Every successful recorded answer of the embedded model in ``folder``'s cassettes."""
    found: list[Recorded] = []
    for path in sorted(folder.rglob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data.get("interactions", []):
            response = item.get("response", {})
            if (response.get("status") or {}).get("code") != 200:
                continue
            try:
                request = json.loads(item["request"]["body"])
                answer = json.loads(response["body"]["string"])
                choice = answer["choices"][0]
            except (KeyError, TypeError, ValueError, IndexError):
                continue
            ids = _request_ids(request)
            if ids is None or choice.get("finish_reason") != "stop":
                continue
            found.append(Recorded(choice["message"]["content"], ids))
    if not found:
        raise SystemExit(f"no recorded answers found under {folder}")
    return found


def _relabel(node: Any, mapping: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "ids" and isinstance(value, list):
                out[key] = list(dict.fromkeys(mapping.get(str(v), str(v)) for v in value))
            else:
                out[key] = _relabel(value, mapping)
        return out
    if isinstance(node, list):
        return [_relabel(v, mapping) for v in node]
    return node


class Simulator:
    def __init__(self, recordings: list[Recorded], delay: float) -> None:
        self.recordings = recordings
        self.delay = delay
        self.lock = threading.Lock()
        self.requests = 0
        self.busy = 0.0
        #: (kind, arrived, answered) per request, wall-clock seconds
        self.log: list[tuple[str, float, float]] = []

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = _request_ids(body)
        if ids is None and _kind(set(_schema(body).get("properties", {}))) != "other":
            # A factcheck request whose ids are a pattern (more than the enum limit): the
            # ids it may cite are those its user message lists.
            shown = " ".join(
                str(m.get("content") or "")
                for m in body.get("messages") or []
                if m.get("role") == "user"
            )
            # Ids stand in brackets at the start of a line ("[S3, S9] …"); the words after
            # them are model text, which may mention anything.
            listed = re.findall(r"^\[(S\d+(?:,\s*S\d+)*)\]", shown, re.MULTILINE)
            ids = list(dict.fromkeys(re.findall(r"S\d+", " ".join(listed)))) or None
        digest = int(hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest(), 16)
        if ids is None:
            content = self.recordings[digest % len(self.recordings)].content
        else:
            kind = _kind(set(_schema(body).get("properties", {})))
            pool = [r for r in self.recordings if r.kind == kind] or self.recordings
            recorded = pool[digest % len(pool)]
            value = json.loads(recorded.content)
            if kind == "notes" and value.get("notes"):
                # One note per sentence the request lists, each a recorded note in turn.
                notes = value["notes"]
                # No speaker: the schema admits only names of this request's own text.
                value["notes"] = [
                    {**notes[j % len(notes)], "id": sid, "who": None} for j, sid in enumerate(ids)
                ]
            else:
                mapping = {old: ids[i % len(ids)] for i, old in enumerate(recorded.ids)}
                value = _relabel(value, mapping)
            content = json.dumps(value, ensure_ascii=False)
        messages = body.get("messages") or []
        prompt = sum(count_tokens(str(m.get("content") or ""), "gpt-4") + 4 for m in messages)
        completion = count_tokens(content, "gpt-4")
        return {
            "id": f"chatcmpl-sim-{digest % 10**12}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "simulated"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }


def _schema(body: dict[str, Any]) -> dict[str, Any]:
    fmt = body.get("response_format") or {}
    schema = fmt.get("schema") or (fmt.get("json_schema") or {}).get("schema") or {}
    return schema if isinstance(schema, dict) else {}


def make_handler(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # TCP_NODELAY: the headers and the body go out in two writes, and with Nagle's
        # algorithm the body waits for the client's delayed ACK of the headers (about
        # 40 ms on Linux), time the client would count as its own. A real server flushes
        # its answer at once; the simulator must too.
        disable_nagle_algorithm = True

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/stats"):
                with sim.lock:
                    stats = {"requests": sim.requests, "busy_seconds": sim.busy, "log": sim.log}
                    self._send(200, stats)
            else:
                self._send(200, {"object": "list", "data": [{"id": "simulated"}]})

        def do_POST(self) -> None:
            arrived = time.time()
            started = time.perf_counter()
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            kind = "other"
            if _request_ids(body) is not None:
                kind = "chunk" if "claims" in _schema(body).get("properties", {}) else "reduce"
            payload = sim.answer(body)
            work = time.perf_counter() - started
            time.sleep(sim.delay)
            started = time.perf_counter()
            self._send(200, payload)
            work += time.perf_counter() - started
            with sim.lock:
                sim.requests += 1
                sim.busy += work
                sim.log.append((kind, arrived, time.time()))

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def serve(delay: float, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Start the simulator on 127.0.0.1 in a daemon thread; return it and its base URL."""
    sim = Simulator(load_recordings(), delay)
    # Load the tokenizer now: loaded on first use, by dozens of request threads at once, it
    # would add seconds to the first answers and pass for the client's own slowness.
    count_tokens("warm up", "gpt-4")
    # A deep accept queue: many concurrent clients must not see refused connections.
    ThreadingHTTPServer.request_queue_size = 1024
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(sim))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay", type=float, default=1.5, help="seconds per request")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server, url = serve(args.delay, args.port)
    print(url, flush=True)
    # Serve until the parent closes our stdin or kills us.
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
