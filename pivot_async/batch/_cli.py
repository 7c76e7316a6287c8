"""``python -m pivot_async batch``: run a CSV or JSON Lines file of operations as one job.

::

    python -m pivot_async batch orders.csv                   # gateway from the environment
    python -m pivot_async batch orders.csv --sandbox         # the embedded sandbox, no network
    python -m pivot_async batch orders.csv --resume          # continue after a crash / Ctrl-C
    python -m pivot_async batch orders.csv --dry-run         # check every row, send nothing
    python -m pivot_async batch --template va > orders.csv   # a header and one sample row

(``pivot-async batch ...`` is the same through the console script.)

**Gateway.** By default the client is configured from the environment
(:meth:`pivot_async.PivotClient.from_env`): ``PIVOT_CLIENT_ID`` and ``PIVOT_CLIENT_SECRET`` are
required, ``PIVOT_ENVIRONMENT``, ``PIVOT_BASE_URL``, ``PIVOT_TIMEOUT``, ``PIVOT_MAX_RETRIES`` and
the ``PIVOT_WALLET_*`` variables (for ``wallet_debit`` rows) are optional. One ``GET
/v2/payments`` is made first to check the credentials. ``--sandbox`` starts the embedded
sandbox in this process instead and uses its default merchant (payments and wallet); it lives
as long as the command, so it suits trying a file out, not resuming it later.

**Files.** The input is chosen by extension (``.csv``, ``.tsv``, ``.jsonl``, ``.ndjson``; the
row format is described in :mod:`pivot_async.batch`). ``--out`` (default
``<stem>.results.csv`` or ``.results.jsonl`` beside the input) receives exactly one line per
row; ``--journal`` (default ``<input>.journal.sqlite``) is the SQLite file that makes the job
crash-safe. A journal that already holds a job is only used with ``--resume``, so a job is never
started twice by mistake.

**Resume.** After a crash, ``kill -9``, Ctrl-C or a lost network, run the same command with
``--resume``: rows that already succeeded or failed are skipped, rows that were in flight are
looked up at the gateway first and only re-sent (with their original idempotency key) when the
gateway has no trace of them.

**Re-runs without the journal.** Every row the journal does not know as finished is looked up
at the gateway before it is created, and each row's idempotency key comes from its business
identity (merchant, operation, reference), not from the job. So running the same file again
after the journal was deleted, emptied, restored from an old copy, copied without its
``-wal`` file, or on another machine reports what already exists and creates only what is
missing. ``--no-gateway-check`` skips that lookup for rows the journal does not know.

**Columns.** ``--help`` lists the columns of each operation
(:data:`~pivot_async.batch._templates.COLUMNS_HELP`); ``--template NAME`` prints a header and
one sample row (``--template-format jsonl`` for JSON Lines) and, on stderr, what to change.

**Output.** A progress line on stderr when stderr is a terminal (``--progress`` /
``--no-progress`` force it), its counts always within the terminal's width, then the summary
on stdout: counts per outcome, throughput and latency p50/p95/p99. The first rows that did not
succeed are listed on stderr with their row number, field and reason, each fact once
(:func:`~pivot_async.batch._report.problem_line`). The journal's ``-wal`` / ``-shm`` files
are gone at the end. Errors that stop the command are one line on stderr, never a traceback,
and no secret is ever printed.

**Exit codes** (:data:`EXIT_CODES`): ``0`` every row succeeded; ``1`` the job ran to the end but
some rows failed or were invalid; ``2`` usage or input error (missing or unreadable file, bad
CSV header, malformed row with ``--strict``, missing or refused credentials, unreadable
journal, ``--resume`` without a journal); ``3`` some outcomes are unknown (timeouts, lost
connections): run again with ``--resume``; ``4`` the gateway could not be reached or the job
stopped on an unexpected error; ``130`` interrupted (Ctrl-C or SIGTERM), resumable.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .._errors import APIError, AuthenticationError, ConfigurationError, PivotError
from ._model import BatchError, InvalidRowError, RowError, validate_operation
from ._output import results_format
from ._progress import BatchSummary
from ._readers import read_operations
from ._report import PROG as _PROG
from ._report import SHOW_PROBLEMS as _SHOW_PROBLEMS
from ._report import open_existing, report_problems
from ._runner import default_results_path, run_batch_file
from ._templates import COLUMNS_HELP, TEMPLATES, render_template

__all__ = [
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_UNKNOWN",
    "EXIT_USAGE",
    "build_batch",
    "run_batch_command",
]

EXIT_OK = 0
"""Every row succeeded."""
EXIT_FAILED = 1
"""The job ran to the end, but some rows failed (refused by the gateway) or were invalid."""
EXIT_USAGE = 2
"""Usage or input error: nothing was run, or a ``--strict`` job stopped at a malformed row."""
EXIT_UNKNOWN = 3
"""Some outcomes are unknown (the gateway may or may not have acted): run with ``--resume``."""
EXIT_ERROR = 4
"""The gateway could not be reached, or the job stopped on an unexpected error."""
EXIT_INTERRUPTED = 130
"""Interrupted by Ctrl-C or SIGTERM; the journal is consistent: run with ``--resume``."""

EXIT_CODES: Mapping[int, str] = {
    EXIT_OK: "every row succeeded",
    EXIT_FAILED: "some rows failed or were invalid (see the results file)",
    EXIT_USAGE: "usage or input error (nothing was sent, or --strict stopped at a bad row)",
    EXIT_UNKNOWN: "some outcomes are unknown: run again with --resume",
    EXIT_ERROR: "the gateway could not be reached, or the job stopped on an unexpected error",
    EXIT_INTERRUPTED: "interrupted: run again with --resume",
}
"""Exit codes of ``python -m pivot_async batch`` and what each means."""

_CREDENTIALS = ("PIVOT_CLIENT_ID", "PIVOT_CLIENT_SECRET")


class _Fail(Exception):
    """Stop the command: one line on stderr and an exit code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def _burst(text: str) -> float:
    value = _positive_float(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def build_batch(subparsers: Any) -> None:
    """Register the ``batch`` sub-command on the CLI's sub-parsers."""
    epilog = COLUMNS_HELP + "\n\nexit codes:\n" + "\n".join(f"  {code:>3}  {text}" for code, text in
                                         EXIT_CODES.items())
    epilog += ("\n\nenvironment: PIVOT_CLIENT_ID and PIVOT_CLIENT_SECRET (required without "
               "--sandbox);\n  optional PIVOT_ENVIRONMENT, PIVOT_BASE_URL, PIVOT_TIMEOUT, "
               "PIVOT_MAX_RETRIES,\n  PIVOT_WALLET_CLIENT_KEY, PIVOT_WALLET_CLIENT_SECRET, "
               "PIVOT_WALLET_PRIVATE_KEY,\n  PIVOT_WALLET_CHANNEL_ID, PIVOT_WALLET_PARTNER_ID "
               "(for wallet_debit rows)")
    parser = subparsers.add_parser(
        "batch",
        help="run a CSV / JSON Lines file of payments, refunds or wallet debits as a job",
        description="Run every row of INPUT (.csv, .tsv, .jsonl, .ndjson) against the gateway\n"
        "configured by the environment (or the embedded sandbox with --sandbox), with\n"
        "bounded concurrency, an optional rate limit and a crash-safe journal. Rows that\n"
        "succeeded are never sent again, even across crashes: rerun with --resume.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", metavar="INPUT", nargs="?", default=None,
                        help="the operations file (see columns below)")
    parser.add_argument("--template", choices=tuple(TEMPLATES), default=None, metavar="NAME",
                        help="print a header and one sample row for NAME ("
                             f"{', '.join(TEMPLATES)}) on stdout, and what to change on "
                             "stderr; INPUT is not needed")
    parser.add_argument("--template-format", choices=("csv", "jsonl"), default="csv",
                        help="format of --template (default csv)")
    parser.add_argument("--concurrency", type=_positive_int, default=32, metavar="N",
                        help="operations in flight at most (default 32)")
    parser.add_argument("--rate", type=_positive_float, default=None, metavar="R",
                        help="requests per second at most, across the job (default: no limit)")
    parser.add_argument("--burst", type=_burst, default=None, metavar="B",
                        help="requests allowed at once under --rate (default 1)")
    parser.add_argument("--redis", default=None, metavar="URL",
                        help="share --rate with every process using this Redis server "
                             "(default $PIVOT_REDIS_URL; needs the redis extra)")
    parser.add_argument("--journal", default=None, metavar="FILE",
                        help="the SQLite journal (default INPUT.journal.sqlite)")
    parser.add_argument("--out", default=None, metavar="FILE",
                        help="the results file, .csv or .jsonl (default "
                             "<stem>.results.csv or .jsonl beside INPUT)")
    parser.add_argument("--resume", action="store_true",
                        help="continue the journal's job: skip finished rows, resolve rows "
                             "that were in flight")
    parser.add_argument("--job-id", default=None, metavar="ID",
                        help="the job's id (default: a new random id; with --resume, the "
                             "journal's latest job)")
    parser.add_argument("--operation", default="create_payment",
                        choices=("create_payment", "refund", "wallet_debit"),
                        help="operation of rows that name none (default create_payment)")
    parser.add_argument("--strict", action="store_true",
                        help="stop at the first malformed row (exit 2) instead of reporting "
                             "it and going on")
    parser.add_argument("--sandbox", action="store_true",
                        help="run against the embedded sandbox, started in this process")
    parser.add_argument("--no-gateway-check", dest="check_gateway", action="store_false",
                        help="do not look rows the journal does not know up at the gateway "
                             "before creating them (faster; only for input that was certainly "
                             "never run: without its journal, a re-run would rely on the "
                             "gateway's 24 h idempotency alone)")
    parser.add_argument("--dask", default=None, metavar="CLUSTER",
                        help="run the rows on a Dask cluster: local:N or tcp://HOST:8786")
    parser.add_argument("--chunk-size", type=_positive_int, default=1000, metavar="N",
                        help="rows per Dask task with --dask (default 1000)")
    parser.add_argument("--dry-run", action="store_true",
                        help="read and check every row, report malformed ones, send nothing")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_const", const=True,
                          default=None, help="always draw the progress line (stderr)")
    progress.add_argument("--no-progress", dest="progress", action="store_const", const=False,
                          help="never draw it (default: only when stderr is a terminal)")
    parser.set_defaults(run=run_batch_command)


# -- the command ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    input: Path
    results: Path
    journal: Path


def run_batch_command(args: argparse.Namespace, *, env: Mapping[str, str] | None = None,
                      stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run ``batch`` with parsed ``args``; return the exit code (see :data:`EXIT_CODES`).

    ``env`` replaces ``os.environ`` for the credentials; ``stdout`` / ``stderr`` default to the
    process streams.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        if args.template is not None:
            out.write(render_template(args.template, args.template_format))
            out.flush()
            _error(err, f"template {args.template}: {TEMPLATES[args.template].note}")
            return EXIT_OK
        plan = _plan(args)
        if args.dry_run:
            return asyncio.run(_dry_run(plan.input, args.operation, out, err))
        _check_journal(plan.journal, resume=args.resume)
        if args.redis is not None and args.rate is None:
            raise _Fail(EXIT_USAGE, "--redis shares the rate limit: pass --rate too")
        args.redis = args.redis or (os.environ if env is None else env).get("PIVOT_REDIS_URL")
        if not args.sandbox:
            _check_credentials(env)
        return asyncio.run(_main(args, plan, env, out, err))
    except _Fail as exc:
        _error(err, exc.message)
        return exc.code
    except KeyboardInterrupt:
        _error(err, "interrupted; the journal is consistent: run the same command with "
                    "--resume to continue")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug or an unforeseen failure: still one line, no traceback
        _error(err, f"stopped by an unexpected error: {type(exc).__name__}: {exc} (the journal "
                    "is consistent: run the same command with --resume to continue)")
        return EXIT_ERROR


def _error(err: TextIO, message: str) -> None:
    err.write(f"{_PROG}: {message}\n")
    err.flush()


def _plan(args: argparse.Namespace) -> _Plan:
    if args.input is None:
        raise _Fail(EXIT_USAGE, "INPUT is required (a .csv, .tsv, .jsonl or .ndjson file); "
                                "--template NAME prints a sample to start from")
    path = Path(args.input)
    if not path.exists():
        raise _Fail(EXIT_USAGE, f"input file not found: {path}")
    if not path.is_file():
        raise _Fail(EXIT_USAGE, f"input is not a file: {path}")
    if not os.access(path, os.R_OK):
        raise _Fail(EXIT_USAGE, f"input file is not readable: {path}")
    if path.suffix.lower() not in (".csv", ".tsv", ".jsonl", ".ndjson"):
        raise _Fail(EXIT_USAGE, f"input file {path}: use a .csv, .tsv, .jsonl or .ndjson name")
    results = Path(args.out) if args.out is not None else default_results_path(path)
    try:
        results_format(results)
    except BatchError as exc:
        raise _Fail(EXIT_USAGE, str(exc)) from None
    journal = (Path(args.journal) if args.journal is not None
               else path.with_name(path.name + ".journal.sqlite"))
    for name, other in (("--out", results), ("--journal", journal)):
        if other.resolve() == path.resolve():
            raise _Fail(EXIT_USAGE, f"{name} {other} would overwrite the input file")
    if results.resolve() == journal.resolve():
        raise _Fail(EXIT_USAGE, "--out and --journal must be different files")
    return _Plan(path, results, journal)


def _check_journal(journal: Path, *, resume: bool) -> None:
    """Refuse ``--resume`` without a journal, and a new job in a journal that holds one."""
    if not journal.exists():
        if resume:
            raise _Fail(EXIT_USAGE, f"--resume: there is no journal at {journal} (the first run "
                                    "creates it; pass --journal if that run used another file)")
        return
    if not journal.is_file():
        raise _Fail(EXIT_USAGE, f"the journal {journal} is not a file")
    try:
        conn = open_existing(journal)
        try:
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")}
            jobs = (conn.execute("SELECT job_id, finished_at FROM jobs ORDER BY created_at "
                                 "DESC, rowid DESC").fetchall() if "jobs" in tables else [])
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise _Fail(EXIT_USAGE, f"cannot read the journal {journal}: {exc} (is it a batch "
                                "journal?)") from None
    if tables and "jobs" not in tables:
        raise _Fail(EXIT_USAGE, f"{journal} is an SQLite file but not a batch journal")
    if resume and not jobs:
        raise _Fail(EXIT_USAGE, f"--resume: the journal {journal} holds no job to resume")
    if not resume and jobs:
        job_id, finished = jobs[0]
        state = "finished" if finished is not None else "unfinished"
        raise _Fail(EXIT_USAGE, (
            f"the journal {journal} already holds the {state} job {job_id}: pass --resume to "
            "continue it (nothing that succeeded is sent again), or --journal NEW to start a "
            "separate job"))


def _check_credentials(env: Mapping[str, str] | None) -> None:
    source = os.environ if env is None else env
    missing = [name for name in _CREDENTIALS if not source.get(name)]
    if missing:
        raise _Fail(EXIT_USAGE, (
            f"missing credentials: set {' and '.join(missing)} (optionally PIVOT_ENVIRONMENT, "
            "PIVOT_BASE_URL), or pass --sandbox to use the embedded sandbox"))


async def _main(args: argparse.Namespace, plan: _Plan, env: Mapping[str, str] | None,
                out: TextIO, err: TextIO) -> int:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    if task is not None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        if args.sandbox:
            return await _with_sandbox(args, plan, out, err)
        from .. import PivotClient

        try:
            client = PivotClient.from_env(env)
        except ConfigurationError as exc:
            raise _Fail(EXIT_USAGE, f"configuration: {exc}") from None
        async with client:
            return await _run(client, args, plan, out, err, _executor(args, env, None))
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGTERM)


async def _with_sandbox(args: argparse.Namespace, plan: _Plan, out: TextIO,
                        err: TextIO) -> int:
    from .. import PivotClient
    from ..sandbox import Sandbox

    async with Sandbox() as sandbox:
        wallet = sandbox.wallet.default_merchant.client_credentials()  # a default hook mounts it
        err.write(f"{_PROG}: embedded sandbox at {sandbox.url} (state is lost when the "
                  "command ends)\n")
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               wallet=wallet) as client:
            return await _run(client, args, plan, out, err, _executor(args, None, sandbox))


def _executor(args: argparse.Namespace, env: Mapping[str, str] | None, sandbox: Any) -> Any:
    if args.dask is None:
        return None
    try:
        from ._dask import executor_for_cli
        return executor_for_cli(args.dask, args.chunk_size, env, sandbox, args.redis)
    except ImportError:
        raise _Fail(EXIT_USAGE, "--dask needs Dask: pip install 'pivot-async[dask]'") from None
    except BatchError as exc:
        raise _Fail(EXIT_USAGE, str(exc)) from None


async def _preflight(client: Any) -> None:
    """One cheap authenticated call, so bad credentials stop the job before any row."""
    try:
        pages = client.payments.list(per_page=1)
        async with contextlib.aclosing(pages):
            async for _ in pages:
                break
    except AuthenticationError as exc:
        raise _Fail(EXIT_USAGE, (
            f"the gateway refused the credentials (PIVOT_CLIENT_ID / PIVOT_CLIENT_SECRET): "
            f"HTTP {exc.status} {exc.code or ''}".rstrip())) from None
    except APIError as exc:
        raise _Fail(EXIT_ERROR, f"the gateway answered the credentials check with {exc}") from None
    except PivotError as exc:
        raise _Fail(EXIT_ERROR, f"cannot reach the gateway at {client.base_url}: "
                                f"{type(exc).__name__}: {exc}") from None


async def _run(client: Any, args: argparse.Namespace, plan: _Plan, out: TextIO,
               err: TextIO, executor: Any = None) -> int:
    await _preflight(client)
    limiter = None
    if args.rate is not None and args.redis:  # one budget for every process on that server
        try:
            from ..redis_limiter import RedisRateLimiter
        except ImportError:
            raise _Fail(EXIT_USAGE, "--redis needs redis-py: pip install "
                                    "'pivot-async[redis]'") from None
        limiter = RedisRateLimiter.from_url(args.redis, rate=args.rate, burst=args.burst,
                                            name=f"batch:{client.client_id}")
    try:
        summary = await run_batch_file(
            client, plan.input, concurrency=args.concurrency, rate=args.rate, burst=args.burst,
            rate_limiter=limiter,
            journal_path=plan.journal, results_path=plan.results, resume=args.resume,
            progress=args.progress, job_id=args.job_id, strict=args.strict,
            default_operation=args.operation, check_gateway=args.check_gateway,
            progress_stream=err, executor=executor)
    except InvalidRowError as exc:
        if exc.summary is not None:
            out.write(exc.summary.format() + "\n")
        raise _Fail(EXIT_USAGE, f"malformed input, {exc.error} (--strict stopped the job; "
                                f"fix the row and run again with --resume)") from None
    except ConfigurationError as exc:
        raise _Fail(EXIT_USAGE, f"configuration: {exc}") from None
    except BatchError as exc:
        raise _Fail(EXIT_USAGE, str(exc)) from None
    except sqlite3.Error as exc:
        raise _Fail(EXIT_USAGE, f"cannot use the journal {plan.journal}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise _Fail(EXIT_USAGE, f"cannot read {plan.input}: it is not UTF-8 text ({exc.reason} "
                                f"at byte {exc.start} of a chunk)") from None
    except OSError as exc:
        raise _Fail(EXIT_USAGE, f"{exc.strerror or exc}: {exc.filename or plan.input}") from None
    finally:
        if limiter is not None:
            await limiter.aclose()
    out.write(summary.format() + "\n")
    out.flush()
    report_problems(summary, plan.journal, err)
    return exit_code(summary)


def exit_code(summary: BatchSummary) -> int:
    """The exit code for a job that ran to the end."""
    if summary.unknown:
        return EXIT_UNKNOWN
    if summary.failed or summary.invalid:
        return EXIT_FAILED
    return EXIT_OK


async def _dry_run(path: Path, operation: str, out: TextIO, err: TextIO) -> int:
    """Read and check every row; nothing is sent and no journal is written."""
    rows = invalid = 0
    try:
        async for op in read_operations(path, default_operation=operation):
            rows += 1
            problem: RowError | None = validate_operation(op)
            if problem is not None:
                invalid += 1
                if invalid <= _SHOW_PROBLEMS:
                    err.write(f"{_PROG}: {problem}\n")
    except BatchError as exc:
        raise _Fail(EXIT_USAGE, str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _Fail(EXIT_USAGE, f"cannot read {path}: {exc}") from None
    if invalid > _SHOW_PROBLEMS:
        err.write(f"{_PROG}: ... and {invalid - _SHOW_PROBLEMS} more malformed rows\n")
    out.write(f"dry run: {rows} rows read, {rows - invalid} well-formed, {invalid} malformed; "
              "nothing was sent\n")
    out.flush()
    return EXIT_FAILED if invalid else EXIT_OK
