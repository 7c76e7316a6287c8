"""Command line: ``python -m pivot_async <command>``.

Commands are registered in :data:`COMMANDS`: each entry maps a name to a builder that adds its
sub-parser (with ``set_defaults(run=...)``, ``run(args) -> int``). ``sandbox`` is built in;
other commands (``demo``, ``batch``) register the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
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
    async with sandbox:
        print(f"Pivot sandbox listening on {sandbox.url}", flush=True)
        print(f"  client id:     {sandbox.client_id}", flush=True)
        print(f"  client secret: {sandbox.client_secret}", flush=True)
        print(f"  callback key:  {sandbox.callback_key}", flush=True)
        print(f"  callback url:  {sandbox.callback_url or '(none)'}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        await stop.wait()
    print("Pivot sandbox stopped.", flush=True)
    return 0


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


COMMANDS: dict[str, CommandBuilder] = {"demo": _build_demo, "sandbox": _build_sandbox}
"""Sub-command builders by name; add ``demo`` / ``batch`` here."""


def build_parser() -> argparse.ArgumentParser:
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
