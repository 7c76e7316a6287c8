"""Card encryption, the async form: ``encrypt_card_async`` with the loop's thread pool, a given
executor and a process pool (batching, validation in the caller, broken and cancelled callers).
Envelopes are opened with the independent decryption of tests/_cards_shared.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pivot_async import _card_pool, _cards
from pivot_async._cards import Card, encrypt_card_async, encryption_process_pool
from pivot_async._errors import EncryptionError, RequestValidationError
from tests._cards_shared import (
    DOC_DEVICE,
    DOC_PLAINTEXT,
    PAN,
    independent_decrypt,
)

# --- async form --------------------------------------------------------------------------------


def _record_threads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    names: list[str] = []
    real = _cards._seal

    def spy(*args: Any, **kwargs: Any) -> str:
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(_cards, "_seal", spy)
    return names


async def test_async_default_executor_without_spare_cpus_is_the_loop_thread_pool(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the default process pool: tests/test_cards_default_pool.py
    monkeypatch.setattr(_card_pool, "_usable_cpus", lambda: 1)
    monkeypatch.setattr(_card_pool, "_default_pool", None)
    threads = _record_threads(monkeypatch)
    out = await encrypt_card_async(key2048, card, device=DOC_DEVICE)
    assert json.loads(independent_decrypt(rsa2048, out).plaintext) == DOC_PLAINTEXT
    assert threads
    assert threads[0] != threading.current_thread().name


async def test_async_given_executor(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = _record_threads(monkeypatch)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="cards-test") as pool:
        outs = await asyncio.gather(
            *(encrypt_card_async(key2048, card, metadata={"i": i}, executor=pool) for i in range(8))
        )
    assert [json.loads(independent_decrypt(rsa2048, o).plaintext)["metadata"] for o in outs] == [
        {"i": i} for i in range(8)
    ]
    assert len(threads) == 8
    assert all(name.startswith("cards-test") for name in threads)


async def test_async_copies_inputs_before_handing_off(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    device = {"country": "ID"}
    task = asyncio.ensure_future(encrypt_card_async(key2048, card, device=device))
    await asyncio.sleep(0)  # the coroutine has copied its inputs and handed off
    device["country"] = "XX"
    opened = independent_decrypt(rsa2048, await task)
    assert json.loads(opened.plaintext)["deviceInformations"] == {"country": "ID"}


async def test_async_errors_propagate(card: Card) -> None:
    with pytest.raises(EncryptionError):
        await encrypt_card_async("not a key!", card)
    with pytest.raises(TypeError):
        await encrypt_card_async("x", "card")  # type: ignore[arg-type]


class RecordingProcessPool(ProcessPoolExecutor):
    """A process pool that records the size of every batch handed to it (in the parent)."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self.batches: list[int] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        assert fn is _cards._seal_batch
        self.batches.append(len(args[0]))
        return super().submit(fn, *args, **kwargs)


async def test_async_process_pool_batches_and_round_trips(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    with RecordingProcessPool(max_workers=2) as pool:
        outs = await asyncio.gather(
            *(
                encrypt_card_async(key2048, card, metadata={"i": i}, executor=pool)
                for i in range(100)
            )
        )
        single = await encrypt_card_async(key2048, card, device=DOC_DEVICE, executor=pool)
    opened = [json.loads(independent_decrypt(rsa2048, o).plaintext) for o in outs]
    assert [o["metadata"] for o in opened] == [{"i": i} for i in range(100)]
    assert all(o["card"]["number"] == PAN for o in opened)
    assert json.loads(independent_decrypt(rsa2048, single).plaintext) == DOC_PLAINTEXT
    # 100 requests made in one loop iteration: coalesced, at most 32 per message, at least
    # as many messages as workers so both are busy, and every request sent exactly once.
    assert sum(pool.batches) == 101
    assert len(pool.batches) < 101
    assert max(pool.batches) <= 32
    assert len(pool.batches[:-1]) >= 2
    assert pool.batches[-1] == 1


async def test_async_process_pool_validates_in_the_caller(key2048: str, card: Card) -> None:
    with RecordingProcessPool(max_workers=1) as pool:
        with pytest.raises(EncryptionError):
            await encrypt_card_async("not a key!", card, executor=pool)
        with pytest.raises(RequestValidationError) as info:
            await encrypt_card_async(key2048, card, metadata={"x": object()}, executor=pool)
        assert info.value.field == "metadata"
        assert pool.batches == []


async def test_async_process_pool_broken_pool_is_an_encryption_error(
    key2048: str, card: Card
) -> None:
    pool = ProcessPoolExecutor(max_workers=1)
    pool.shutdown()
    with pytest.raises(EncryptionError) as info:
        await encrypt_card_async(key2048, card, executor=pool)
    assert "worker pool" in str(info.value)
    assert PAN not in str(info.value)


async def test_async_process_pool_cancelled_caller_does_not_disturb_others(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        tasks = [
            asyncio.ensure_future(encrypt_card_async(key2048, card, executor=pool))
            for _ in range(5)
        ]
        await asyncio.sleep(0)
        tasks[2].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[2], asyncio.CancelledError)
    for i in (0, 1, 3, 4):
        result = results[i]
        assert isinstance(result, str)
        opened = json.loads(independent_decrypt(rsa2048, result).plaintext)
        assert opened["card"]["number"] == PAN


async def test_encryption_process_pool_runs_workers_below_the_loop(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    parent = os.nice(0)
    with encryption_process_pool(1) as pool:
        worker = pool.submit(os.nice, 0).result(timeout=60)
        out = await encrypt_card_async(key2048, card, executor=pool)
    assert worker == min(parent + 10, 19)
    if hasattr(os, "SCHED_IDLE"):
        with encryption_process_pool(1) as pool:
            assert pool.submit(os.sched_getscheduler, 0).result(timeout=60) == os.SCHED_IDLE
    assert json.loads(independent_decrypt(rsa2048, out).plaintext)["card"]["number"] == PAN
    with encryption_process_pool(1, niceness=0) as pool:
        assert pool.submit(os.nice, 0).result(timeout=60) == parent
        if hasattr(os, "sched_getscheduler"):
            policy = pool.submit(os.sched_getscheduler, 0).result(timeout=60)
            assert policy == os.sched_getscheduler(0)


@pytest.mark.parametrize(
    ("kwargs", "text"),
    [({"max_workers": 0}, "max_workers"), ({"niceness": -1}, "niceness")],
)
def test_encryption_process_pool_rejects_bad_settings(kwargs: dict[str, int], text: str) -> None:
    with pytest.raises(ValueError, match=text):
        encryption_process_pool(**kwargs)


async def test_async_process_pool_keeps_batching_a_steady_stream(key2048: str, card: Card) -> None:
    # 32 callers, each encrypting one card after another: batches must not fragment into
    # single-item messages as results come back (a regression measured in the benchmark).
    remaining = 320

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await encrypt_card_async(key2048, card, executor=pool)

    with RecordingProcessPool(max_workers=2) as pool:
        await asyncio.gather(*(caller() for _ in range(32)))
    assert sum(pool.batches) == 320
    assert max(pool.batches) <= 32
    assert statistics.median(pool.batches) >= 4
