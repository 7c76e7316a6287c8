"""Token stampede: many concurrent calls at token expiry, for each kind of token.

Usage::

    python benchmarks/token_stampede.py [--quick] [--calls 10000]

Runs against the embedded sandbox (in this process, on a ``ManualClock`` at the real time,
with the client's SNAP timestamps following that clock). For each kind of token, a fresh
sandbox and client:

- ``access_token`` (Payments API bearer token): ``payments.retrieve`` of one session.
- ``b2b`` (wallet B2B token): ``wallet.balance(customer)``; the clock is advanced past the B2B
  token's life (900 s) but not the customer's (3600 s).
- ``b2b2c`` (one bound customer's token): ``wallet.balance(customer)``; the B2B token is
  renewed first, then the clock is advanced past the customer token's life only.

Each runs ``calls`` concurrent calls with a warm token (baseline), then advances the sandbox
clock past the token's expiry and runs ``calls`` concurrent calls again, in two modes:

- ``refresh_ahead`` (the normal case): the client's monotonic clock is moved forward by the
  same amount (through the token caches' private ``_clock`` hooks, benchmark-only), so the
  cache sees the token due for refresh and fetches a new one once for all callers before
  any of them is sent.
- ``rejected_401`` (the worst case: a token the gateway stopped accepting early, e.g. after a
  clock jump): the client's cache is not told; every caller already holding the stale token
  is rejected with 401, the client invalidates it (only if it is still the cached one),
  fetches a new one once and replays each rejected call once.

Reported: token requests the sandbox received for each kind during the expiry phase (goal:
exactly 1 for the expired kind, 0 for the others), calls that failed, requests the gateway saw
(each caller holding the stale token is replayed once), and latency p50 / p99 / max of the
calls at expiry against the warm baseline. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Any

import _common
import aiohttp
from _common import emit, pct, table

from pivot_async import PivotClient, WalletCustomer
from pivot_async.sandbox import ManualClock, Sandbox
from pivot_async.sandbox._wallet import WALLET_APP_KEY, WalletSandbox

SESSION = {
    "clientReferenceId": "stampede0001",
    "amount": {"value": 50000, "currency": "IDR"},
    "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
    "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
    "mode": "API",
    "redirectUrl": {
        "successReturnUrl": "https://shop.example/ok",
        "failureReturnUrl": "https://shop.example/fail",
        "expirationReturnUrl": "https://shop.example/expired",
    },
}
BALANCE_PATH = "/wallet-backend/snap/v1.0/balance-inquiry"


async def burst(calls: int, one: Callable[[], Awaitable[object]]) -> dict[str, Any]:
    """``calls`` concurrent calls; their latencies (ms), failures and the wall time."""
    latencies: list[float] = []
    failures: list[str] = []

    async def timed() -> None:
        t0 = time.perf_counter()
        try:
            await one()
        except Exception as exc:  # counted and reported
            failures.append(type(exc).__name__)
            return
        latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(timed() for _ in range(calls)))
    wall = time.perf_counter() - t0
    return {
        "calls": calls,
        "ok": len(latencies),
        "failed": len(failures),
        "failure_kinds": sorted(set(failures)),
        "wall_s": wall,
        "p50_ms": pct(latencies, 0.50),
        "p99_ms": pct(latencies, 0.99),
        "max_ms": max(latencies, default=0.0),
    }


class Counts:
    """Token requests and API requests seen by one sandbox."""

    def __init__(self, sandbox: Sandbox, api: tuple[str, str]) -> None:
        self.sandbox = sandbox
        self.api = api

    def snapshot(self) -> dict[str, int]:
        log = self.sandbox.context.requests  # token requests: those a handler answered
        return {
            "access_token": self.sandbox.request_count("POST", "/v1/access-token"),
            "b2b": log.handled("POST", "/snap/v1.0/access-token/b2b"),
            "b2b2c": log.handled("POST", "/snap/v1.0/access-token/b2b2c"),
            "api_requests": self.sandbox.request_count(*self.api),
        }

    @staticmethod
    def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
        return {k: after[k] - before[k] for k in after}


async def bind(client: PivotClient, sandbox: Sandbox, wallet: WalletSandbox) -> WalletCustomer:
    created = await client.wallet.create_account({
        "partnerReferenceNo": "USERSTAMPEDE1",
        "merchantId": wallet.default_merchant.merchant_id,
        "name": "Budi",
        "phoneNo": "081800008888",
        "redirectUrl": "https://merchant.example/bound",
    })
    url = f"{sandbox.url}/_sandbox/wallet/bind/{created.reference_no}"
    async with aiohttp.ClientSession() as http, http.post(url) as resp:
        binding_id = str((await resp.json())["bindingId"])
    return client.wallet.customer(binding_id)


class ShiftedMonotonic:
    """``time.monotonic`` plus an offset: the client's view of time, moved with the sandbox."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


def shift_client_clock(client: PivotClient, mono: ShiftedMonotonic) -> None:
    """Benchmark-only: make every token cache of ``client`` read ``mono`` (before any fetch)."""
    client._tokens._clock = mono
    tokens = client.wallet.tokens
    tokens._clock = mono
    tokens.b2b._clock = mono


async def scenario(kind: str, calls: int, mode: str) -> dict[str, Any]:
    clock = ManualClock(dt.datetime.now(dt.timezone.utc))
    mono = ShiftedMonotonic()

    def advance(seconds: float) -> None:
        sandbox.advance(seconds)
        if mode == "refresh_ahead":
            mono.offset += seconds

    async with Sandbox(clock=clock, callback_delay_scale=0.0001) as sandbox:
        wallet = sandbox.app[WALLET_APP_KEY]
        creds = wallet.default_merchant.client_credentials()
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               wallet=creds, wall_clock=clock.now) as client:
            shift_client_clock(client, mono)
            one: Callable[[], Awaitable[object]]
            if kind == "access_token":
                session = await client.payments.create(SESSION)
                sid = session.id
                counts = Counts(sandbox, ("GET", f"/v2/payments/{sid}"))

                def one() -> Awaitable[object]:
                    return client.payments.retrieve(sid)

                step = 900 + 60.0
            else:
                customer = await bind(client, sandbox, wallet)
                counts = Counts(sandbox, ("POST", BALANCE_PATH))

                def one() -> Awaitable[object]:
                    return client.wallet.balance(customer)

                await one()
                if kind == "b2b":
                    step = 900 + 60.0  # the B2B token (900 s) expires, the customer's not
                else:
                    advance(3000)  # the B2B token expires: renew it with one call
                    await one()
                    step = 650.0  # now past the customer token (3600 s), not the B2B one
            warm_before = counts.snapshot()
            warm = await burst(calls, one)
            warm_counts = Counts.delta(warm_before, counts.snapshot())
            advance(step)
            before = counts.snapshot()
            expiry = await burst(calls, one)
            expiry_counts = Counts.delta(before, counts.snapshot())
    return {
        "kind": kind,
        "mode": mode,
        "calls": calls,
        "clock_advanced_s": step,
        "warm": {**warm, "requests": warm_counts},
        "expiry": {**expiry, "requests": expiry_counts},
        "token_requests_at_expiry": expiry_counts[kind],
        "other_token_requests_at_expiry": sum(
            v for k, v in expiry_counts.items() if k not in (kind, "api_requests")
        ),
        "added_p50_ms": expiry["p50_ms"] - warm["p50_ms"],
        "added_p99_ms": expiry["p99_ms"] - warm["p99_ms"],
        "wall_ratio_expiry_over_warm": _common.ratio(expiry["wall_s"], warm["wall_s"]),
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    _common.raise_fd_limit()
    kinds = {}
    for mode in ("refresh_ahead", "rejected_401"):
        for kind in ("access_token", "b2b", "b2b2c"):
            kinds[f"{kind}/{mode}"] = await scenario(kind, args.calls, mode)
            print(f"  {kind} {mode}: done", flush=True)
    goals = {
        f"{k}_exactly_1_token_request": v["token_requests_at_expiry"] == 1
        and v["other_token_requests_at_expiry"] == 0 and v["expiry"]["failed"] == 0
        for k, v in kinds.items()
    }
    return {
        "benchmark": "token_stampede",
        "calls": args.calls,
        "machine": _common.machine(),
        "kinds": kinds,
        "goals_met": goals,
    }


def report(r: dict[str, Any]) -> None:
    print(f"token stampede: {r['calls']} concurrent calls at expiry, per kind of token and "
          f"mode (embedded sandbox, same process)")
    rows = []
    for kind, k in r["kinds"].items():
        e, w = k["expiry"], k["warm"]
        rows.append((kind, k["token_requests_at_expiry"], k["other_token_requests_at_expiry"],
                     e["failed"], e["requests"]["api_requests"], w["p50_ms"], e["p50_ms"],
                     w["p99_ms"], e["p99_ms"], k["added_p99_ms"]))
    print(table(rows, ["token/mode", "token reqs", "other tokens", "failed", "API reqs",
                       "warm p50", "expiry p50", "warm p99", "expiry p99", "added p99"]))
    print("  (latencies in ms; API reqs counts the replays of callers that held the stale token)")
    print()
    for name, met in r["goals_met"].items():
        print(f"  goal {name:<52} {'met' if met else 'NOT met'}")
    emit(r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1000 calls per phase")
    parser.add_argument("--calls", type=int, default=None, help="concurrent calls (10000)")
    args = parser.parse_args()
    if args.calls is None:
        args.calls = 1000 if args.quick else 10000
    report(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
