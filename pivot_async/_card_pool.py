"""The process pools of card encryption: worker set-up, batching, the shared default pool.

:func:`encryption_process_pool` builds a pool whose workers run below the event loop's
priority; :class:`_ProcessBatcher` coalesces the encryptions requested in one loop iteration
into batches; :func:`_default_executor` is what :func:`pivot_async.encrypt_card_async` uses
when no executor is given. Nothing here knows the encryption itself: the worker-side function
is handed in by :mod:`pivot_async._cards`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import stat
import weakref
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING

from ._errors import EncryptionError

if TYPE_CHECKING:  # multiprocessing loads with the first pool, not with the package
    from concurrent.futures import ProcessPoolExecutor

__all__ = ["encryption_process_pool"]

#: The worker-side function: ``(encryption_key, plaintext)`` pairs in, envelopes out.
_Work = Callable[[list[tuple[str, bytes]]], list[str]]


def _lower_priority(niceness: int, idle: bool = True) -> None:
    """Process-pool initializer: let go of the parent's sockets, run below the loop's priority
    (``nice``; with ``idle``, also Linux's ``SCHED_IDLE``, which runs only on an idle CPU)."""
    _release_inherited_sockets()
    if niceness <= 0:
        return
    with contextlib.suppress(OSError, AttributeError):  # not permitted, or not POSIX
        os.nice(niceness)
    if idle:
        with contextlib.suppress(OSError, AttributeError):  # Linux only
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def _release_inherited_sockets() -> None:
    """In a forked worker, point every inherited socket descriptor at ``/dev/null``.

    A worker forked from the loop's process holds copies of its sockets (the HTTP keep-alive
    connections, a server's listening socket): while any copy is open, closing the socket in
    the parent neither ends the TCP connection nor frees the port. The worker uses pipes only,
    so every socket goes. ``dup2`` rather than ``close`` keeps the descriptor numbers taken,
    so that a stale socket object closing its number later cannot close something else.
    Linux only (``/proc/self/fd``); elsewhere, and for spawned workers, nothing to do.
    """
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except (OSError, ValueError):
        return
    null = -1
    try:
        for fd in fds:
            try:
                if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                    continue
                if null < 0:
                    null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, fd)
            except OSError:  # the listing's own descriptor, already gone
                continue
    finally:
        if null >= 0:
            os.close(null)


def encryption_process_pool(
    max_workers: int | None = None, *, niceness: int = 10
) -> ProcessPoolExecutor:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` suited to :func:`encrypt_card_async`.

    ``max_workers`` defaults to the number of CPUs. Each worker lowers its own scheduling
    priority by ``niceness`` (POSIX ``nice``) and, on Linux, moves to the ``SCHED_IDLE``
    policy (both ignored where unsupported), so that when the workers keep every core busy the
    operating system still runs the event loop's thread first as soon as it has work:
    encryption throughput comes from the spare CPU, not from the loop's latency. Pass
    ``niceness=0`` to keep the workers at normal priority and policy. Forked workers let go of
    the sockets they inherit (``_release_inherited_sockets``).

    Use it as a context manager, or call ``shutdown()`` when done::

        with encryption_process_pool() as pool:
            token = await client.cards.encrypt(key, card, executor=pool)
    """
    if max_workers is not None and max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    if niceness < 0:
        raise ValueError("niceness must be 0 or more (workers never outrank the loop)")
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        max_workers=max_workers, initializer=_lower_priority, initargs=(niceness,)
    )


_Pending = tuple[str, bytes, "asyncio.Future[str]"]


class _ProcessBatcher:
    """Coalesces encryption requests into batches for a process pool.

    One IPC round trip per request costs about as much as the encryption itself, so requests
    travel in batches of up to :data:`_MAX_BATCH`. At most two batches per worker are in
    flight (one running, one queued behind it); requests that arrive while every slot is
    taken wait in the parent and leave together when a batch comes back. A lone request on
    an idle pool is sent at once.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, executor: ProcessPoolExecutor, work: _Work
    ) -> None:
        self._loop = loop
        self._executor = executor
        self._work = work
        workers = max(1, getattr(executor, "_max_workers", None) or os.cpu_count() or 1)
        self._slots = 2 * workers
        self._in_flight = 0
        self._scheduled = False
        self._pending: list[_Pending] = []

    def submit(self, encryption_key: str, plaintext: bytes) -> asyncio.Future[str]:
        future: asyncio.Future[str] = self._loop.create_future()
        self._pending.append((encryption_key, plaintext, future))
        if not self._scheduled:  # let the requests made in this loop iteration gather
            self._scheduled = True
            self._loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        self._pending = [item for item in self._pending if not item[2].done()]  # cancelled
        while self._pending and self._in_flight < self._slots:
            free = self._slots - self._in_flight
            size = min(_MAX_BATCH, -(-len(self._pending) // free))
            chunk, self._pending = self._pending[:size], self._pending[size:]
            try:
                job = self._loop.run_in_executor(
                    self._executor, self._work, [(key, text) for key, text, _ in chunk]
                )
            except Exception as exc:  # a shut-down or broken pool refuses new work
                _fail(chunk, exc)
                continue
            self._in_flight += 1
            job.add_done_callback(functools.partial(self._done, chunk))

    def _done(self, chunk: list[_Pending], job: asyncio.Future[list[str]]) -> None:
        self._in_flight -= 1
        _deliver(chunk, job)
        if self._pending:
            self._flush()


def _fail(chunk: list[_Pending], exc: BaseException) -> None:
    for _, _, future in chunk:
        if not future.done():
            error = EncryptionError(f"the encryption worker pool failed ({type(exc).__name__})")
            error.__cause__ = exc
            future.set_exception(error)


def _deliver(chunk: list[_Pending], job: asyncio.Future[list[str]]) -> None:
    if job.cancelled():
        for _, _, future in chunk:
            future.cancel()
        return
    exc = job.exception()
    if exc is not None:
        _fail(chunk, exc)
        return
    for (_, _, future), result in zip(chunk, job.result(), strict=True):
        if not future.done():  # the caller may have been cancelled meanwhile
            future.set_result(result)


#: Largest number of encryptions sent to a worker process in one message.
_MAX_BATCH = 32

_batchers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, weakref.WeakKeyDictionary[ProcessPoolExecutor, _ProcessBatcher]
] = weakref.WeakKeyDictionary()


def _batcher(executor: ProcessPoolExecutor, work: _Work) -> _ProcessBatcher:
    """The running loop's batcher for ``executor``; ``work`` is the worker-side function."""
    loop = asyncio.get_running_loop()
    per_loop = _batchers.setdefault(loop, weakref.WeakKeyDictionary())
    batcher = per_loop.get(executor)
    if batcher is None:
        batcher = per_loop[executor] = _ProcessBatcher(loop, executor, work)
    return batcher


# --- the default executor --------------------------------------------------------------------

_default_pool: ProcessPoolExecutor | None = None
_default_pool_pid = 0
_atexit_registered = False


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def _default_executor() -> Executor | None:
    """The executor of :func:`encrypt_card_async` when none is given.

    A process pool shared by the whole process (every client and direct call), created on
    first use with one worker per usable CPU at ``nice`` +10 (the loop's thread goes first;
    unlike :func:`encryption_process_pool`, not ``SCHED_IDLE``, so that encryptions still
    progress on a machine kept busy by other processes),
    when the start method (the one set with :func:`multiprocessing.set_start_method`, else the
    platform's default) is ``fork`` or ``forkserver`` (Linux; workers
    start in milliseconds and need no ``if __name__ == "__main__"`` guard with ``fork``) and
    at least two CPUs are usable. Otherwise ``None``: the loop's default thread pool (one CPU
    leaves processes nothing to win; ``spawn`` re-imports the caller's main module in every
    worker). A forked child builds its own pool; a broken pool (a worker was killed) is
    replaced at the next call. It lives until the interpreter exits, or
    :func:`_shutdown_default_pool`.
    """
    global _default_pool, _default_pool_pid, _atexit_registered
    pid = os.getpid()
    pool = _default_pool
    if pool is not None and _default_pool_pid == pid:
        if not getattr(pool, "_broken", False):
            return pool
        pool.shutdown(wait=False)  # a worker died: its callers got EncryptionError; start anew
    _default_pool = None
    import multiprocessing

    # the caller's choice, else the platform's default (asking does not fix it)
    method = (
        multiprocessing.get_start_method(allow_none=True)
        or multiprocessing.get_all_start_methods()[0]
    )
    cpus = _usable_cpus()
    if method not in ("fork", "forkserver") or cpus < 2:
        return None
    from concurrent.futures import ProcessPoolExecutor

    _default_pool = ProcessPoolExecutor(
        max_workers=cpus, mp_context=multiprocessing.get_context(method),
        # nice 10 but not SCHED_IDLE: on a machine kept busy by other processes, an idle-
        # policy worker could wait indefinitely; a niced one still gets its share.
        initializer=_lower_priority, initargs=(10, False),
    )
    _default_pool_pid = pid
    if not _atexit_registered:
        _atexit_registered = True
        atexit.register(_shutdown_default_pool)  # before module teardown: a quiet exit
    return _default_pool


def _shutdown_default_pool() -> None:
    """Stop the shared default pool's workers (the next default encryption starts a new one)."""
    global _default_pool
    pool, _default_pool = _default_pool, None
    if pool is not None and _default_pool_pid == os.getpid():
        pool.shutdown(wait=True, cancel_futures=True)
