"""The default card-encryption path: ``encrypt_card_async`` / ``client.cards.encrypt`` with no
executor run in a shared, lazily started process pool where the platform forks processes, and
in the loop's thread pool elsewhere (pivot_async/_card_pool.py).

Envelopes are opened with the independent decryption of tests/_cards_shared.py.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import socket
import stat
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pivot_async import PivotClient, _card_pool, _cards
from pivot_async._cards import Card, encrypt_card_async

from ._cards_shared import PAN, independent_decrypt

FORKING = multiprocessing.get_all_start_methods()[0] in ("fork", "forkserver")
needs_fork = pytest.mark.skipif(not FORKING, reason="the default pool needs fork or forkserver")


@pytest.fixture(autouse=True)
def fresh_default_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts without a default pool, on an (at least) two-CPU machine, and stops
    the pool it started."""
    _card_pool._shutdown_default_pool()
    monkeypatch.setattr(_card_pool, "_usable_cpus", lambda: 2)
    yield
    _card_pool._shutdown_default_pool()


def _record_parent_seals(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Thread names of the ``_seal`` calls made in this process (workers record elsewhere)."""
    names: list[str] = []
    real = _cards._seal

    def spy(*args: Any, **kwargs: Any) -> str:
        names.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(_cards, "_seal", spy)
    return names


def _worker_pids(pool: ProcessPoolExecutor) -> set[int]:
    return {pool.submit(os.getpid).result(timeout=60) for _ in range(8)}


def _fd_is_socket(fd: int) -> bool:
    """Run in a worker: whether descriptor ``fd`` is (still) a socket there."""
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False


def _pid_and_fd_is_socket(fd: int) -> tuple[int, bool]:
    """Run in a worker (so its initializer has finished): its pid and :func:`_fd_is_socket`."""
    time.sleep(0.02)  # hold this worker a moment, so that the others take tasks too
    return os.getpid(), _fd_is_socket(fd)


@needs_fork
async def test_default_path_encrypts_in_worker_processes(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    seals_here = _record_parent_seals(monkeypatch)
    outs = await asyncio.gather(
        *(encrypt_card_async(key2048, card, metadata={"i": i}) for i in range(40))
    )
    assert [json.loads(independent_decrypt(rsa2048, o).plaintext)["metadata"] for o in outs] == [
        {"i": i} for i in range(40)
    ]
    assert seals_here == []  # nothing sealed in this process, neither loop nor threads
    pool = _card_pool._default_pool
    assert isinstance(pool, ProcessPoolExecutor)
    pids = _worker_pids(pool)
    assert pids and os.getpid() not in pids
    # the requests went through the batcher of this loop
    assert pool in _card_pool._batchers[asyncio.get_running_loop()]


@needs_fork
async def test_the_default_pool_is_shared_by_calls_and_clients(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    await encrypt_card_async(key2048, card)
    pool = _card_pool._default_pool
    assert pool is not None
    async with PivotClient(client_id="id", client_secret="secret") as one, PivotClient(
        client_id="id", client_secret="secret"
    ) as two:
        a = await one.cards.encrypt(key2048, card, device={"country": "ID"})
        b = await two.cards.encrypt(key2048, card)
    assert _card_pool._default_pool is pool  # one pool, not one per client
    assert json.loads(independent_decrypt(rsa2048, a).plaintext)["deviceInformations"] == {
        "country": "ID"
    }
    assert json.loads(independent_decrypt(rsa2048, b).plaintext)["card"]["number"] == PAN


@needs_fork
async def test_the_default_pool_starts_on_first_use_only(key2048: str, card: Card) -> None:
    assert _card_pool._default_pool is None
    async with PivotClient(client_id="id", client_secret="secret"):
        pass
    assert _card_pool._default_pool is None  # a client that never encrypts starts nothing
    await encrypt_card_async(key2048, card)
    assert _card_pool._default_pool is not None


@needs_fork
async def test_a_killed_worker_fails_its_callers_and_the_next_call_gets_a_new_pool(
    rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card
) -> None:
    await encrypt_card_async(key2048, card)
    broken = _card_pool._default_pool
    assert broken is not None
    for pid in _worker_pids(broken):
        os.kill(pid, signal.SIGKILL)
    for _ in range(600):  # the pool notices the death on its own thread
        if getattr(broken, "_broken", False):
            break
        await asyncio.sleep(0.05)
    assert getattr(broken, "_broken", False)
    out = await encrypt_card_async(key2048, card)
    assert json.loads(independent_decrypt(rsa2048, out).plaintext)["card"]["number"] == PAN
    assert _card_pool._default_pool is not broken


@needs_fork
async def test_a_forked_child_does_not_reuse_its_parents_pool(
    key2048: str, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    await encrypt_card_async(key2048, card)
    parents = _card_pool._default_pool
    assert parents is not None
    monkeypatch.setattr(_card_pool, "_default_pool_pid", os.getpid() + 1)  # as seen by a child
    try:
        await encrypt_card_async(key2048, card)
        assert _card_pool._default_pool is not parents
    finally:
        parents.shutdown()


@needs_fork
async def test_workers_let_go_of_the_parents_sockets(key2048: str, card: Card) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    await encrypt_card_async(key2048, card)  # the workers fork while the listener is open
    pool = _card_pool._default_pool
    assert pool is not None
    # Ask every worker (a worker answers only once its initializer has run): none of them
    # holds the listener. Closing it before a worker has started would race that worker.
    workers = set(pool._processes)
    holds: dict[int, bool] = {}
    deadline = time.monotonic() + 60
    while set(holds) != workers:
        assert time.monotonic() < deadline, f"workers {workers - set(holds)} never answered"
        futures = [pool.submit(_pid_and_fd_is_socket, listener.fileno()) for _ in workers]
        for future in futures:
            pid, holding = future.result(60)
            holds[pid] = holds.get(pid, False) or holding
    assert not any(holds.values())
    listener.close()
    # closed in the parent means closed: no worker keeps the port listening
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection("127.0.0.1", port)


@pytest.mark.parametrize("platform", ["one cpu", "spawn"])
async def test_without_cheap_processes_the_default_is_the_loop_thread_pool(
    platform: str, rsa2048: rsa.RSAPrivateKey, key2048: str, card: Card,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if platform == "one cpu":
        monkeypatch.setattr(_card_pool, "_usable_cpus", lambda: 1)
    else:
        monkeypatch.setattr(multiprocessing, "get_start_method", lambda allow_none=False: "spawn")
    seals_here = _record_parent_seals(monkeypatch)
    out = await encrypt_card_async(key2048, card)
    assert json.loads(independent_decrypt(rsa2048, out).plaintext)["card"]["number"] == PAN
    assert _card_pool._default_pool is None
    assert seals_here and seals_here[0] != threading.current_thread().name  # off the loop


@needs_fork
async def test_the_callers_start_method_is_respected(
    key2048: str, card: Card, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        multiprocessing, "get_start_method", lambda allow_none=False: "forkserver"
    )
    await encrypt_card_async(key2048, card)
    pool = _card_pool._default_pool
    assert pool is not None
    context = pool._mp_context
    assert context is not None and context.get_start_method() == "forkserver"


@needs_fork
async def test_default_workers_run_niced_but_never_starve(key2048: str, card: Card) -> None:
    await encrypt_card_async(key2048, card)
    pool = _card_pool._default_pool
    assert pool is not None
    assert pool.submit(os.nice, 0).result(timeout=60) == min(os.nice(0) + 10, 19)
    if hasattr(os, "sched_getscheduler"):  # not SCHED_IDLE: a busy machine cannot starve it
        policy = pool.submit(os.sched_getscheduler, 0).result(timeout=60)
        assert policy == os.sched_getscheduler(0)
