from __future__ import annotations

import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from factcheck.cache import _MIGRATIONS, FILENAME, ResponseCache, cache_key, default_cache_dir
from factcheck.endpoint import Endpoint
from factcheck.errors import CacheMissError
from factcheck.llm import CallPolicy, request_key, structured_call
from factcheck.schema import ReduceOutput, output_schema

MESSAGES = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
SCHEMA = output_schema(ReduceOutput, ["S0"])


def _endpoint(model: str = "m", identity: str = "http://127.0.0.1:9/v1") -> Endpoint:
    # Never contacted: these tests stop at the cache.
    client = AsyncOpenAI(base_url=identity, api_key="sk-test-not-used", max_retries=0)
    return Endpoint(client=client, model=model, kind="compatible", identity=identity)


def _key(endpoint: Endpoint | None = None, **changes: object) -> str:
    policy = CallPolicy(**changes)  # type: ignore[arg-type]
    return request_key(endpoint or _endpoint(), MESSAGES, ReduceOutput, SCHEMA, policy)


def test_cache_key_is_stable_and_order_independent() -> None:
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
    assert _key() == _key()
    assert len(_key()) == 64


def test_cache_key_changes_with_everything_that_determines_the_answer() -> None:
    base = _key()
    assert _key(_endpoint(model="other")) != base
    assert _key(_endpoint(identity="http://elsewhere/v1")) != base
    assert _key(temperature=0.7) != base
    assert _key(max_tokens=99) != base
    assert _key(seed=1) != base
    other_schema = output_schema(ReduceOutput, ["S0", "S1"])
    policy = CallPolicy()
    assert request_key(_endpoint(), MESSAGES, ReduceOutput, other_schema, policy) != base
    changed = [MESSAGES[0], {"role": "user", "content": "u2"}]
    assert request_key(_endpoint(), changed, ReduceOutput, SCHEMA, policy) != base


def test_cache_key_changes_with_the_prompts(monkeypatch: pytest.MonkeyPatch) -> None:
    import factcheck.llm

    base = _key()
    monkeypatch.setattr(factcheck.llm, "prompt_version", lambda: "p-other")
    assert _key() != base


def test_put_get_round_trip_in_wal_mode(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    assert cache.path == tmp_path / FILENAME
    assert cache.get("k") is None
    cache.put(
        "k", content='{"x": 1}', model="m", prompt_version="p", input_tokens=3, output_tokens=4
    )
    hit = cache.get("k")
    assert hit is not None and hit.content == '{"x": 1}' and hit.output_tokens == 4
    assert len(cache) == 1
    with sqlite3.connect(cache.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(_MIGRATIONS)


def test_default_location_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FACTCHECK_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"
    assert ResponseCache().path == tmp_path / "elsewhere" / FILENAME
    monkeypatch.delenv("FACTCHECK_CACHE_DIR")
    assert "factcheck" in str(default_cache_dir())


def test_garbage_cache_file_is_moved_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILENAME
    path.write_bytes(b"this is not a database" * 100)
    cache = ResponseCache(path)
    with caplog.at_level(logging.WARNING, logger="factcheck.cache"):
        cache.put("k", content="{}", model="m", prompt_version="p", input_tokens=0, output_tokens=0)
    assert cache.get("k") is not None
    assert "unreadable" in caplog.text
    assert list(tmp_path.glob(f"{FILENAME}.corrupt-*"))


async def test_hit_returns_without_a_call_and_counts_it(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    stored = ReduceOutput.model_validate(
        {"headline": "h", "points": [{"ids": ["S0"], "text": "t"}]}
    )
    cache.put(
        _key(),
        content=stored.model_dump_json(),
        model="m",
        prompt_version="p",
        input_tokens=10,
        output_tokens=5,
    )
    result = await structured_call(
        _endpoint(), MESSAGES, ReduceOutput, schema=SCHEMA, cache=cache, policy=CallPolicy()
    )
    assert result.value == stored
    assert result.usage.calls == 0 and result.usage.cache_hits == 1
    assert result.usage.input_tokens == 0


async def test_offline_miss_is_a_clear_error_before_any_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FACTCHECK_OFFLINE", "1")
    with pytest.raises(CacheMissError, match="FACTCHECK_OFFLINE"):
        await structured_call(
            _endpoint(), MESSAGES, ReduceOutput, schema=SCHEMA, cache=ResponseCache(tmp_path)
        )


def test_a_version_one_cache_is_migrated_and_keeps_its_entries(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    with sqlite3.connect(path) as conn:  # the cache as the first release wrote it
        conn.execute(_MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO responses VALUES ('old', 0, 'm', 'p', '{}', 1, 2)")
    cache = ResponseCache(path)
    old = cache.get("old")
    assert old is not None and old.output_tokens == 2
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(_MIGRATIONS)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"responses", "reports"} <= tables


def test_one_connection_serves_every_operation_of_a_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[object] = []
    real_connect = sqlite3.connect

    def counting(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(conn)
        return conn

    cache = ResponseCache(tmp_path)
    cache.get("warm")  # creates and migrates the file (its own short connection)
    monkeypatch.setattr(sqlite3, "connect", counting)
    for i in range(20):
        cache.put(
            f"k{i}", content="{}", model="m", prompt_version="p", input_tokens=0, output_tokens=0
        )
        assert cache.get(f"k{i}") is not None
    assert len(cache) == 20
    assert len(opened) <= 1


def test_threads_share_one_cache_object_safely(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)

    def write(worker: int) -> int:
        for i in range(50):
            key = f"t{worker}-{i}"
            cache.put(
                key, content=key, model="m", prompt_version="p", input_tokens=i, output_tokens=0
            )
            hit = cache.get(key)
            assert hit is not None and hit.content == key
        return 50

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(write, range(8))) == 400
    assert len(cache) == 400


def test_a_closed_cache_opens_again_on_use(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("k", content="{}", model="m", prompt_version="p", input_tokens=0, output_tokens=0)
    cache.close()
    assert cache.get("k") is not None
