"""High-concurrency payment jobs that lose nothing and never double-charge.

::

    from pivot_async.batch import BatchRunner, read_csv

    async with PivotClient(...) as client:
        runner = BatchRunner(client, concurrency=32, rate=50, journal="orders.journal.sqlite")
        summary = await runner.run(read_csv("orders.csv"), results_path="orders.results.csv")
        print(summary)
        # after a crash: the same call with resume=True

From the command line, the same job for a file (see :mod:`pivot_async.batch._cli` for every
option and exit code)::

    python -m pivot_async batch orders.csv --concurrency 32 --rate 50    # PIVOT_* variables
    python -m pivot_async batch orders.csv --resume                      # after a crash
    python -m pivot_async batch orders.csv --sandbox                     # embedded sandbox

**Operations** (:class:`Operation`): ``create_payment`` (``client.payments.create``),
``refund`` (``client.refunds.create``) and ``wallet_debit`` (``client.wallet.debit``), each with
the request as a mapping of wire fields and a stable reference: ``clientReferenceId``
(payments, refunds) or ``partnerReferenceNo`` (wallet debits). Sources: any (async) iterable of
operations with increasing row numbers, or :func:`read_csv` / :func:`read_jsonl` /
:func:`read_operations`, which stream files row by row. A JSON Lines row is the wire request
plus ``operation`` (default ``create_payment``) and, for debits, ``bindingId``. CSV columns:
``operation``, ``bindingId``, dotted wire paths (``amount.value``, ``redirectUrl.successReturnUrl``,
``orderInformation.productDetails.0.name``) and the shorthands ``amount``, ``currency``,
``method`` (``paymentMethod.type``) and ``channel`` (the e-wallet or VA channel); payment
amounts and quantities become integers, the documented flags booleans, empty cells are left
out, and ``name:int|bool|json|str|decimal`` forces a type (details: ``_csvmap``).

**Guarantees.** Before an operation is sent, its intent (row, operation, reference,
idempotency key) is committed to the journal (SQLite, WAL, group commit on one writer thread).
The idempotency key (X-REQUEST-ID) is derived from the row's business identity only (the
merchant's client id, the operation and the reference; :func:`idempotency_key`), never from a
job id, a row number or the machine, so every run of the same row sends the same key. On
resume, rows with a final outcome are skipped. Every other row (in flight after a crash, or
unknown to the journal because it was lost, emptied, restored from an old copy, copied without
its ``-wal``, or the job runs on another machine) is first looked up at the gateway (sessions
by ``clientReferenceId``, refunds by one scan of the refund list, wallet debits through
``debit/status``): found means recorded without sending, not found means sent (with the same
key, which the gateway also deduplicates for 24 h). A finished job run again without its
journal therefore reports the existing outcomes and sends no create. ``check_gateway=False``
skips the lookup for rows the journal does not know.

**References must be unique per row and across jobs.** Within a job a repeated reference makes
the later row ``invalid``. A lookup that finds more than one matching record (same reference
and amount) is reported ``unknown`` and never re-sent, since it cannot tell whether this row
created one of them; a record that carries the reference with another amount makes the row
``invalid`` (``reference_in_use``), and nothing is sent.

**Outcomes**: ``succeeded`` (the gateway accepted the operation: ``id`` and ``status`` say what
it created), ``failed`` (the gateway refused it: 4xx, or a debit that ended failed/cancelled),
``invalid`` (the row is malformed or the client refused the request: nothing was sent; the row
number and field are given), ``unknown`` (the gateway may or may not have acted: a timeout, a
lost connection, a 5xx; resume the job to resolve these). The results file holds exactly one
line per row, regenerated from the journal at the end of every run.

**Many workers.** ``executor=DaskExecutor("local:2")`` (or a scheduler address) spreads a
job's rows over a Dask cluster in chunks; :class:`ChunkExecutor` does the same on any engine
(Ray, Celery, Temporal, a process pool) whose workers call :func:`run_chunk`. This process
stays the only writer of the journal and the results file.
"""

from __future__ import annotations

from typing import Any

from ._chunks import run_chunk
from ._engine import ChunkExecutor
from ._limits import TokenBucket
from ._model import (
    BatchError,
    InvalidRowError,
    Operation,
    OperationKind,
    Outcome,
    RowError,
    idempotency_key,
)
from ._ops import BatchClient
from ._output import COLUMNS as RESULT_COLUMNS
from ._progress import BatchSummary
from ._readers import read_csv, read_jsonl, read_operations
from ._runner import BatchRunner, default_results_path, run_batch_file

__all__ = [
    "RESULT_COLUMNS",
    "BatchClient",
    "BatchError",
    "BatchRunner",
    "BatchSummary",
    "ChunkExecutor",
    "InvalidRowError",
    "Operation",
    "OperationKind",
    "Outcome",
    "RowError",
    "TokenBucket",
    "default_results_path",
    "idempotency_key",
    "read_csv",
    "read_jsonl",
    "read_operations",
    "run_batch_file",
    "run_chunk",
]


def __getattr__(name: str) -> Any:
    # DaskExecutor needs the optional ``dask`` extra: imported on first use only.
    if name == "DaskExecutor":
        from ._dask import DaskExecutor

        return DaskExecutor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
