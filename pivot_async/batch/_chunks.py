"""Chunks of a batch job, run by any engine: the wire format and :func:`run_chunk`.

A job spread over workers has one driver (the process that reads the input and is the only
writer of the journal and the results file) and any number of workers. The driver journals
each row's intent, then hands the engine a *chunk*: JSON bytes holding the rows to run with
their derived idempotency keys. A worker calls :func:`run_chunk` with its own long-lived
:class:`~pivot_async.PivotClient` and returns the bytes it gives back: each row's outcome,
which the driver records. Chunks are plain JSON, so they travel through any engine's
serializer (Dask, Ray, Celery, Temporal) and hold no secret: the workers' credentials are
their own configuration (``PivotClient.from_env()``), never part of a chunk.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec

from ._limits import RateLimiter
from ._model import BatchError, Operation
from ._ops import BatchClient, RefundIndex, Result, Target, classify, classify_lookup, lookup, send

__all__ = ["ChunkRow", "RowDone", "decode_outcomes", "encode_chunk", "run_chunk"]

_VERSION = 1
_FINAL = frozenset({"succeeded", "failed"})


class ChunkRow(msgspec.Struct, array_like=True, frozen=True):
    """One row of a chunk (a JSON array on the wire)."""

    kind: str
    row: int
    params: dict[str, Any]
    binding_id: str | None
    reference: str
    amount: str | None
    key: str  # the row's idempotency key, derived from its business identity
    resume: bool = False  # in flight in an earlier run: looked up whatever the settings
    changed: tuple[Any, ...] | None = None  # on resume, recorded instead of re-sending


class RowDone(msgspec.Struct, array_like=True, frozen=True):
    """One row's outcome, as returned to the driver (a JSON array on the wire)."""

    row: int
    outcome: str
    result_id: str | None = None
    status: str | None = None
    url: str | None = None
    error_code: str | None = None
    error_field: str | None = None
    error_message: str | None = None
    latency: float | None = None
    sent: bool = False
    found: bool = False  # found at the gateway with a final outcome

    def result(self) -> Result:
        return Result(self.outcome, self.result_id, self.status,  # type: ignore[arg-type]
                      self.url, self.error_code, self.error_field, self.error_message)


class _Chunk(msgspec.Struct, frozen=True):
    v: int
    check_gateway: bool
    concurrency: int
    rows: list[ChunkRow]


_encoder = msgspec.json.Encoder()
_chunk_decoder = msgspec.json.Decoder(_Chunk)
_outcomes_decoder = msgspec.json.Decoder(list[RowDone])


def flat(result: Result) -> tuple[Any, ...]:
    """A result's fields in order (what :class:`ChunkRow` ``changed`` holds)."""
    return (result.outcome, result.result_id, result.status, result.url, result.error_code,
            result.error_field, result.error_message)


def encode_chunk(rows: list[ChunkRow], *, check_gateway: bool, concurrency: int) -> bytes:
    """The chunk the driver hands to the engine."""
    return _encoder.encode(_Chunk(_VERSION, check_gateway, concurrency, rows))


def decode_outcomes(data: bytes | str, rows: list[int]) -> list[RowDone]:
    """The outcomes :func:`run_chunk` returned for a chunk of these rows, checked."""
    try:
        done = _outcomes_decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise BatchError(f"a worker returned unreadable outcomes: {exc}") from None
    if len(done) != len(rows):
        raise BatchError(f"a worker returned {len(done)} outcomes for {len(rows)} rows")
    for d, row in zip(done, rows, strict=True):
        if d.row != row:
            raise BatchError(f"a worker returned row {d.row} where row {row} was expected")
    return done


async def run_chunk(client: BatchClient, chunk: bytes | str, *,
                    rate_limiter: RateLimiter | None = None) -> bytes:
    """Run one chunk of a batch job on ``client``: the worker's side of a job on any engine.

    ``chunk`` is what the driver handed to the engine (JSON bytes, or the same as text). Each
    row is run as the one-process runner runs it: looked up at the gateway first (always for a
    row that was in flight in an earlier run, and for every row unless the job was started
    with ``check_gateway=False``), then sent with the idempotency key the driver journaled.
    At most the job's ``concurrency`` rows of the chunk are in flight at once;
    ``rate_limiter`` (a :class:`~pivot_async.RateLimiter`, e.g. one
    :class:`~pivot_async.redis_limiter.RedisRateLimiter` shared by every worker) gives each
    request its slot.

    Returns the rows' outcomes as JSON bytes, for the driver to record: nothing is written
    here, so running a chunk again (a worker died, the engine retried the task) is safe: rows
    already sent are found at the gateway, or replayed by their idempotency key.

    Raises :class:`~pivot_async.batch.BatchError` for a chunk this version cannot read, and
    the client's configuration errors (the job stops); every other failure is a row outcome.
    """
    try:
        spec = _chunk_decoder.decode(chunk)
    except msgspec.DecodeError as exc:
        raise BatchError(f"unreadable chunk: {exc}") from None
    if spec.v != _VERSION:
        raise BatchError(f"chunk format {spec.v}, this version runs format {_VERSION}")
    refunds = RefundIndex(_index_all)
    rows = spec.rows
    done: list[RowDone | None] = [None] * len(rows)
    pending = iter(range(len(rows)))

    async def runner() -> None:  # ``concurrency`` of these share the rows (no task per row)
        for i in pending:
            done[i] = await _run_row(client, rows[i], spec.check_gateway, rate_limiter, refunds)

    tasks = [asyncio.ensure_future(runner())
             for _ in range(max(1, min(spec.concurrency, len(rows))))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:  # a configuration error (or a cancel): no row goes on being sent
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return _encoder.encode(done)


async def _index_all() -> set[str] | None:
    return None  # a worker does not know which refunds are in flight: index them all


def _done(row: int, result: Result, latency: float | None = None, *, sent: bool = False,
          found: bool = False) -> RowDone:
    return RowDone(row, result.outcome, result.result_id, result.status, result.url,
                   result.error_code, result.error_field, result.error_message, latency, sent,
                   found)


async def _run_row(client: BatchClient, r: ChunkRow, check_gateway: bool,
                   limiter: RateLimiter | None, refunds: RefundIndex) -> RowDone:
    """The runner's per-row logic: look up first (always for rows in flight), then send."""
    if r.resume or check_gateway:
        if limiter is not None:
            await limiter.acquire()
        try:
            found = await lookup(client, Target(r.kind, r.reference, r.binding_id, r.amount),
                                 refunds)
        except Exception as exc:
            return _done(r.row, classify_lookup(exc, new_row=not r.resume))
        if found is not None:
            return _done(r.row, found, found=found.outcome in _FINAL)
        if r.changed is not None:
            return _done(r.row, Result(*r.changed))
    if limiter is not None:
        await limiter.acquire()
    started = time.monotonic()
    try:
        result = await send(client, Operation(r.kind, r.row, r.params, r.binding_id), r.key)
    except Exception as exc:
        result = classify(exc)  # configuration errors fail the task: the job stops
    return _done(r.row, result, time.monotonic() - started, sent=True)
