"""Command line: ``python -m pivot_async <command>`` (or the ``pivot-async`` console script).

Commands (``python -m pivot_async <command> --help`` for every option):

- ``demo``: the main flows against the embedded sandbox (no credentials, no network); each
  step names the function and docs example behind it, and the batch step's results file and
  journal are kept in a printed folder (``--out DIR``; ``--discard`` deletes them).
- ``sandbox``: serve the embedded sandbox standalone until Ctrl-C; the first line printed is
  ``Pivot sandbox listening on http://HOST:PORT`` (``--port 0`` picks a free port).
- ``batch INPUT [--concurrency N] [--rate R] [--journal FILE] [--out FILE] [--resume]
  [--sandbox] [--dry-run] ...``: run a CSV / JSON Lines file of operations as a crash-safe job
  against the gateway configured by the ``PIVOT_*`` environment variables, or against the
  embedded sandbox with ``--sandbox``. Exit codes: 0 all rows succeeded, 1 some failed or were
  invalid, 2 usage or input error, 3 some outcomes unknown (rerun with ``--resume``), 4 the
  gateway could not be reached, 130 interrupted (see :mod:`pivot_async.batch._cli`).
  ``batch --help`` lists the columns of each operation; ``batch --template NAME`` prints a
  header and a sample row (``va``, ``qr``, ``ewallet``, ``card``, ``refund``, ``debit``).

Commands are registered in :data:`COMMANDS`: each entry maps a name to a builder that adds its
sub-parser (with ``set_defaults(run=...)``, ``run(args) -> int``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["COMMANDS", "main"]

SubParsers = Any  # argparse's private ``_SubParsersAction``
CommandBuilder = Callable[[SubParsers], None]


def _build_sandbox(subparsers: SubParsers) -> None:
    from .sandbox import DEFAULT_CALLBACK_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    parser = subparsers.add_parser(
        "sandbox",
        help="serve the embedded Pivot sandbox until Ctrl-C",
        description="Serve the embedded Pivot gateway sandbox (payments API, test cards, "
        "simulations, callbacks, fault injection) until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (0 picks a free one)")
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help="merchant client id")
    parser.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET, help="client secret")
    parser.add_argument("--callback-url", default=None, help="where to POST callbacks")
    parser.add_argument("--callback-key", default=DEFAULT_CALLBACK_KEY, help="X-API-Key value")
    parser.add_argument(
        "--callback-delay-scale", type=float, default=1.0,
        help="factor on the callback retry schedule (5 min ... 12 h)",
    )
    parser.add_argument("--token-ttl", type=int, default=900, help="access token lifetime (s)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the fault RNG")
    parser.add_argument(
        "--manual-clock", action="store_true",
        help="freeze time; move it with POST /_sandbox/clock/advance",
    )
    parser.add_argument("--access-log", action="store_true", help="log each request line")
    parser.add_argument(
        "--stop-on-eof", action="store_true",
        help="also stop when stdin reaches end of file (a parent process that holds the pipe "
        "stops the sandbox by closing it, or by dying)",
    )
    parser.set_defaults(run=_run_sandbox)


async def _serve(args: argparse.Namespace) -> int:
    from .sandbox import ManualClock, Sandbox

    sandbox = Sandbox(
        host=args.host,
        port=args.port,
        clock=ManualClock() if args.manual_clock else None,
        client_id=args.client_id,
        client_secret=args.client_secret,
        callback_url=args.callback_url,
        callback_key=args.callback_key,
        callback_delay_scale=args.callback_delay_scale,
        token_ttl=args.token_ttl,
        seed=args.seed,
        access_log=args.access_log,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if args.stop_on_eof:
        threading.Thread(target=_wait_for_eof, args=(loop, stop), daemon=True).start()
    async with sandbox:
        print(f"Pivot sandbox listening on {sandbox.url}", flush=True)
        print(f"  client id:     {sandbox.client_id}", flush=True)
        print(f"  client secret: {sandbox.client_secret}", flush=True)
        print(f"  callback key:  {sandbox.callbacks.key}", flush=True)
        print(f"  callback url:  {sandbox.callbacks.url or '(none)'}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()
    print("Pivot sandbox stopped.", flush=True)
    return 0


def _wait_for_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    with contextlib.suppress(OSError, ValueError):
        while sys.stdin.buffer.read(4096):
            pass
    with contextlib.suppress(RuntimeError):  # the loop may be closed already
        loop.call_soon_threadsafe(stop.set)


def _run_sandbox(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_serve(args))
    except KeyboardInterrupt:  # pragma: no cover - signal handlers are installed on POSIX
        return 0
    except OSError as exc:
        print(f"pivot_async sandbox: {exc}", file=sys.stderr)
        return 1


def _build_demo(subparsers: SubParsers) -> None:
    from ._demo import build_demo

    build_demo(subparsers)


def _build_batch(subparsers: SubParsers) -> None:
    from .batch._cli import build_batch

    build_batch(subparsers)


COMMANDS: dict[str, CommandBuilder] = {
    "batch": _build_batch,
    "demo": _build_demo,
    "sandbox": _build_sandbox,
}
"""Sub-command builders by name."""


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m pivot_async`` parser with every command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="python -m pivot_async", description="pivot_async command line tools"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in sorted(COMMANDS):
        COMMANDS[name](subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
