"""The response cache under damage and concurrency, and what its key depends on.

No model is involved: the cache stores strings; what matters is that a damaged file is
moved aside and rebuilt with a warning, that concurrent processes lose and tear nothing,
and that the key changes with everything that determines the answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from factcheck import prompts
from factcheck.cache import FILENAME, ResponseCache
from factcheck.endpoint import Endpoint
from factcheck.errors import ConfigurationError
from factcheck.llm import CallPolicy, request_key
from factcheck.schema import ChunkOutput, ReduceOutput, output_schema

WRITERS = 8
WRITES_EACH = 200


# -- damaged files ------------------------------------------------------------------------


def _filled_cache(folder: Path, entries: int = 300) -> ResponseCache:
    """A real cache file of several hundred KB, checkpointed so the data is in the file."""
    cache = ResponseCache(folder)
    assert cache.get("k0") is None  # creates the file through the cache itself
    rows = [(f"k{i}", 0.0, "m", "p", _payload(f"k{i}"), 1, 1) for i in range(entries)]
    with sqlite3.connect(cache.path) as conn:  # one transaction: fast
        conn.executemany("INSERT INTO responses VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    with sqlite3.connect(cache.path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert len(cache) == entries and cache.path.stat().st_size > 300_000
    return cache


def _truncate(path: Path, fraction: float) -> None:
    with path.open("r+b") as file:
        file.truncate(int(path.stat().st_size * fraction))


def _overwrite_middle(path: Path, fraction: float) -> None:
    data = bytearray(path.read_bytes())
    start = len(data) // 3
    data[start : start + int(len(data) * fraction)] = os.urandom(int(len(data) * fraction))
    path.write_bytes(bytes(data))


def _first_page_garbage(path: Path, fraction: float) -> None:
    data = bytearray(path.read_bytes())
    data[:4096] = b"\x00garbage" * 512
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "fraction"),
    [
        (_truncate, 0.5),
        (_truncate, 0.9),
        (_truncate, 0.01),
        (_overwrite_middle, 0.02),
        (_first_page_garbage, 0.0),
    ],
    ids=[
        "truncated-half",
        "truncated-last-tenth",
        "truncated-to-header",
        "garbage-pages",
        "garbage-header",
    ],
)
def test_damaged_database_is_moved_aside_and_rebuilt_with_a_warning(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    damage: Callable[[Path, float], None],
    fraction: float,
) -> None:
    original = _filled_cache(tmp_path / "original")
    folder = tmp_path / "damaged"
    folder.mkdir()
    path = folder / FILENAME
    shutil.copy(original.path, path)
    damage(path, fraction)
    damaged_bytes = path.read_bytes()

    cache = ResponseCache(path)
    with caplog.at_level(logging.WARNING, logger="factcheck.cache"):
        assert cache.get("k5") is None  # the old entries are gone, not half-read
    assert "unreadable" in caplog.text and "rebuilt" in caplog.text
    (aside,) = folder.glob(f"{FILENAME}.corrupt-*")
    assert aside.read_bytes() == damaged_bytes  # kept for inspection, byte for byte
    assert len(cache) == 0
    cache.put("new", content="{}", model="m", prompt_version="p", input_tokens=0, output_tokens=0)
    assert cache.get("new") is not None
    with sqlite3.connect(cache.path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_empty_file_is_a_valid_empty_cache(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILENAME
    path.write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="factcheck.cache"):
        cache = ResponseCache(path)
        cache.put("k", content="{}", model="m", prompt_version="p", input_tokens=0, output_tokens=0)
        assert cache.get("k") is not None
    assert caplog.text == ""
    assert not list(tmp_path.glob("*.corrupt-*"))


def test_two_damaged_openings_keep_both_damaged_files(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    for _ in range(2):
        path.write_bytes(b"not a database" * 400)
        for name in ("-wal", "-shm"):
            Path(f"{path}{name}").unlink(missing_ok=True)
        ResponseCache(path).get("k")  # twice within a second: names must not collide
    assert len(list(tmp_path.glob(f"{FILENAME}.corrupt-*"))) == 2


def test_cache_damaged_while_in_use_counts_as_a_miss(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("k", content="{}", model="m", prompt_version="p", input_tokens=0, output_tokens=0)
    for name in ("", "-wal", "-shm"):
        Path(f"{cache.path}{name}").unlink(missing_ok=True)
    cache.path.write_bytes(b"\xffnot a database any more" * 300)
    with caplog.at_level(logging.WARNING, logger="factcheck.cache"):
        assert cache.get("k") is None
        cache.put(
            "k2", content="{}", model="m", prompt_version="p", input_tokens=0, output_tokens=0
        )
    assert "failed on read" in caplog.text and "failed on write" in caplog.text


def test_a_cache_that_cannot_be_created_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    cache = ResponseCache(blocker / "cache" / FILENAME)
    with pytest.raises(
        ConfigurationError, match=r"cannot create cache folder .*FACTCHECK_CACHE_DIR"
    ):
        cache.get("k")


# -- concurrency --------------------------------------------------------------------------


def _payload(key: str, version: int = 0, size: int | None = None) -> str:
    """Self-checking content: a body (1–24 KB, so entries span overflow pages) and its
    sha256. A torn or mixed read cannot pass :func:`_whole`."""
    seed = hashlib.sha256(f"{key}/{version}".encode()).hexdigest()
    repeat = size if size is not None else 16 + int(seed[:4], 16) % 360
    body = seed * repeat
    digest = hashlib.sha256(body.encode()).hexdigest()
    return json.dumps({"key": key, "version": version, "body": body, "sha256": digest})


def _whole(key: str, content: str) -> bool:
    try:
        entry = json.loads(content)
    except json.JSONDecodeError:
        return False
    body = entry.get("body", "")
    return bool(
        entry.get("key") == key
        and hashlib.sha256(body.encode()).hexdigest() == entry.get("sha256")
        and content == _payload(key, entry["version"], len(body) // 64)
    )


def _wait_for(flag: Path) -> None:
    while not flag.exists():
        time.sleep(0.005)


def _writer(path: str, go: str, worker: int, count: int) -> int:
    """Runs in its own process: opens the (maybe not yet existing) cache and writes."""
    cache = ResponseCache(path)
    _wait_for(Path(go))
    for i in range(count):
        key = f"w{worker}-{i}"
        cache.put(
            key,
            content=_payload(key),
            model="m",
            prompt_version="p",
            input_tokens=i,
            output_tokens=worker,
        )
    return count


def _rewriter(path: str, go: str, worker: int, keys: int, rounds: int) -> int:
    """Rewrites the same keys again and again with new, large versions."""
    cache = ResponseCache(path)
    _wait_for(Path(go))
    for version in range(rounds):
        for k in range(keys):
            key = f"shared-{k}"
            cache.put(
                key,
                content=_payload(key, worker * 1000 + version, 1000 + 97 * k),
                model="m",
                prompt_version="p",
                input_tokens=0,
                output_tokens=0,
            )
    return rounds * keys


def _reader(path: str, go: str, stop: str, keys: int) -> tuple[int, int, int]:
    """Reads the shared keys until told to stop: (reads, hits, torn or mixed reads)."""
    cache = ResponseCache(path)
    _wait_for(Path(go))
    reads = hits = torn = 0
    while not Path(stop).exists() or reads == 0:
        key = f"shared-{reads % keys}"
        hit = cache.get(key)
        reads += 1
        if hit is not None:
            hits += 1
            torn += not _whole(key, hit.content)
    return reads, hits, torn


def _pool(workers: int) -> ProcessPoolExecutor:
    # spawn: no inherited threads or sqlite handles, the same on every platform.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def test_eight_processes_writing_two_hundred_entries_each_lose_and_corrupt_nothing(
    tmp_path: Path,
) -> None:
    path, go = tmp_path / "cache" / FILENAME, tmp_path / "go"
    with _pool(WRITERS) as pool:
        futures = [pool.submit(_writer, str(path), str(go), w, WRITES_EACH) for w in range(WRITERS)]
        go.touch()  # every process opened the (missing) cache concurrently; now write
        written = sum(f.result(timeout=300) for f in futures)

    assert written == WRITERS * WRITES_EACH
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = conn.execute("SELECT key, content, input_tokens, output_tokens FROM responses")
        stored = {key: (content, i, w) for key, content, i, w in rows}
    expected = {f"w{w}-{i}" for w in range(WRITERS) for i in range(WRITES_EACH)}
    assert set(stored) == expected  # nothing lost, nothing extra
    corrupt = [k for k, (content, _, _) in stored.items() if content != _payload(k)]
    assert corrupt == []
    assert all(stored[f"w{w}-{i}"][1:] == (i, w) for w in range(WRITERS) for i in (0, 199))
    assert not list(path.parent.glob("*.corrupt-*"))  # no healthy file was moved aside


def test_reads_during_writes_see_whole_entries_only(tmp_path: Path) -> None:
    path, go, stop = tmp_path / FILENAME, tmp_path / "go", tmp_path / "stop"
    keys, rounds, writers, readers = 10, 15, 4, 3
    with _pool(writers + readers) as pool:
        read_jobs = [pool.submit(_reader, str(path), str(go), str(stop), keys) for _ in range(3)]
        write_jobs = [
            pool.submit(_rewriter, str(path), str(go), w, keys, rounds) for w in range(writers)
        ]
        go.touch()
        assert sum(f.result(timeout=300) for f in write_jobs) == writers * keys * rounds
        stop.touch()
        results = [f.result(timeout=300) for f in read_jobs]
    reads = sum(r for r, _, _ in results)
    hits = sum(h for _, h, _ in results)
    torn = sum(t for _, _, t in results)
    assert torn == 0
    assert hits > 0 and reads >= hits
    cache = ResponseCache(path)
    assert len(cache) == keys
    for k in range(keys):
        hit = cache.get(f"shared-{k}")
        assert hit is not None and _whole(f"shared-{k}", hit.content)


# -- what the key depends on --------------------------------------------------------------

MESSAGES = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
SCHEMA = output_schema(ReduceOutput, ["S0"])

#: CallPolicy fields that can change the answer (in the key) and those that only change
#: how hard or how long we try (not in the key: a retry must hit the same entry).
ANSWER_FIELDS = {"max_tokens", "temperature", "seed", "max_reasks"}
TRANSPORT_FIELDS = {"max_attempts", "timeout", "max_wait"}
CHANGED = {
    "max_tokens": 99,
    "temperature": 0.7,
    "seed": 7,
    "max_reasks": 3,
    "max_attempts": 9,
    "timeout": 5.0,
    "max_wait": 1.0,
}


def _endpoint(model: str = "m", identity: str = "http://127.0.0.1:9/v1") -> Endpoint:
    client = AsyncOpenAI(base_url=identity, api_key="sk-test-not-used", max_retries=0)
    return Endpoint(client=client, model=model, kind="compatible", identity=identity)


def _key(
    endpoint: Endpoint | None = None,
    messages: list[dict[str, str]] = MESSAGES,
    output_type: type[ReduceOutput] | type[ChunkOutput] = ReduceOutput,
    schema: dict[str, object] = SCHEMA,
    policy: CallPolicy | None = None,
) -> str:
    return request_key(
        endpoint or _endpoint(), messages, output_type, schema, policy or CallPolicy()
    )


def test_every_call_policy_field_is_classified() -> None:
    fields = {f.name for f in dataclasses.fields(CallPolicy)}
    assert fields == ANSWER_FIELDS | TRANSPORT_FIELDS
    assert not ANSWER_FIELDS & TRANSPORT_FIELDS


@pytest.mark.parametrize("name", sorted(ANSWER_FIELDS | TRANSPORT_FIELDS))
def test_key_follows_exactly_the_parameters_that_change_the_answer(name: str) -> None:
    changed = _key(policy=CallPolicy(**{name: CHANGED[name]}))  # type: ignore[arg-type]
    if name in ANSWER_FIELDS:
        assert changed != _key()
    else:
        assert changed == _key()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda: {"endpoint": _endpoint(model="m2")}, id="model"),
        pytest.param(lambda: {"endpoint": _endpoint(identity="http://other/v1")}, id="endpoint"),
        pytest.param(lambda: {"output_type": ChunkOutput}, id="output-type"),
        pytest.param(lambda: {"schema": output_schema(ReduceOutput, ["S0", "S1"])}, id="schema"),
        pytest.param(
            lambda: {"schema": {**SCHEMA, "description": "another"}}, id="schema-description"
        ),
        pytest.param(
            lambda: {"messages": [MESSAGES[0], {"role": "user", "content": "u "}]},
            id="user-message",
        ),
        pytest.param(
            lambda: {"messages": [{"role": "system", "content": "s2"}, MESSAGES[1]]},
            id="system-prompt",
        ),
        pytest.param(
            lambda: {"messages": [MESSAGES[0], {"role": "assistant", "content": "u"}]},
            id="role",
        ),
    ],
)
def test_key_changes_with_the_request(change: Callable[[], dict[str, object]]) -> None:
    assert _key(**change()) != _key()  # type: ignore[arg-type]


def test_key_changes_with_the_kind_of_endpoint() -> None:
    local = dataclasses.replace(_endpoint(), kind="local")
    assert _key(local) != _key()


def test_key_changes_when_a_prompt_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real edit of a prompt file, not a patched version string."""
    copy = tmp_path / "prompts"
    shutil.copytree(prompts._prompt_dir(), copy)
    before = _key()
    monkeypatch.setattr(prompts, "_prompt_dir", lambda: copy)
    prompts.load_prompts.cache_clear()
    prompts.prompt_version.cache_clear()
    try:
        assert _key() == before  # same files, same key
        prompts.load_prompts.cache_clear()
        prompts.prompt_version.cache_clear()
        target = copy / "reduce_system.txt"
        target.write_text(target.read_text(encoding="utf-8") + "\nBe brief.", encoding="utf-8")
        assert _key() != before
    finally:
        prompts.load_prompts.cache_clear()
        prompts.prompt_version.cache_clear()
