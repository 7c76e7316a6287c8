"""Throughput and client CPU per request: pivot_async against the ways a user would otherwise
talk to Pivot, all against the same canned server, in one run, in interleaved rounds.

Usage::

    python benchmarks/throughput.py [--quick] [--n 20000] [--slow-n 2500] [--wallet-n 10000]
                                    [--rounds 3] [--concurrency 64,256]
                                    [--suite payments,wallet] [--profile]

For each suite (``payments``: ``payments.create``; ``wallet``: signed SNAP debits), each
concurrency and each round, every contender (see ``_contenders.py``) gets a fresh client, a
warm-up (connections opened, token fetched and cached), then ``n`` measured calls (``slow-n``
for the two slowest contenders, httpx_pydantic and requests_threads, whose per-request figures
are steady long before 20,000 calls; ``wallet-n`` for the wallet suite), so that a full run
stays within about ten minutes. Reported per
contender: the median over rounds of requests/s, client CPU microseconds per request
(``time.process_time`` of this process, every thread included) and the canned server's CPU
share (its CPU seconds over the wall time, so 1.0 = one full core: if that were near 1 the
server would be the bottleneck).

Goals (reported, not asserted; issue 16's targets, at every concurrency): payments:
pivot_async >= 0.72x aiohttp_raw requests/s, >= 2x httpx_pydantic, >= 3x requests_threads;
wallet: pivot_async >= 0.70x aiohttp_presigned. ``--profile`` adds, for both suites, the
client CPU per request as pivot_async's layers are added one by one over the raw ceiling
(``layers_us``), the pure steps' timeit figures, and a cProfile of the pivot_async contender
(cumulative and own time). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import io
import pstats
import time
from collections.abc import Awaitable, Callable
from typing import Any

import _common
from _common import CannedServer, emit, goal_line, median, ratio, table
from _contenders import PAYMENT_CONTENDERS, WALLET_CONTENDERS, Contender

SLOW = frozenset({"httpx_pydantic", "requests_threads"})
SUITES: dict[str, list[type[Contender]]] = {
    "payments": PAYMENT_CONTENDERS,
    "wallet": WALLET_CONTENDERS,
}
CEILING = {"payments": "aiohttp_raw", "wallet": "aiohttp_presigned"}
#: suite -> contender -> the least pivot_async / contender requests/s (issue 16's targets).
GOALS = {
    "payments": {"aiohttp_raw": 0.72, "httpx_pydantic": 2.0, "requests_threads": 3.0},
    "wallet": {"aiohttp_presigned": 0.70},
}


class Counter:
    def __init__(self) -> None:
        self.next = 0

    def take(self, n: int) -> int:
        start, self.next = self.next, self.next + n
        return start


async def measure(server: CannedServer, cls: type[Contender], n: int, concurrency: int,
                  warmup: int, counter: Counter) -> dict[str, Any]:
    contender = cls()
    await contender.setup(server.url, concurrency)
    try:
        warm = await contender.run(warmup, concurrency, counter.take(warmup))
        gc.collect()
        s0 = await server.stats()
        t0, c0 = time.perf_counter(), time.process_time()
        result = await contender.run(n, concurrency, counter.take(n))
        c1, t1 = time.process_time(), time.perf_counter()
        s1 = await server.stats()
    finally:
        await contender.close()
    wall = t1 - t0
    return {
        "rps": result.ok / wall if wall else 0.0,
        "cpu_us_per_request": (c1 - c0) / n * 1e6,
        "server_cpu_share": (s1["cpu"] - s0["cpu"]) / wall if wall else 0.0,
        "server_cpu_us_per_request": (s1["cpu"] - s0["cpu"]) / n * 1e6,
        "wall_s": wall,
        "ok": result.ok,
        "errors": result.errors + warm.errors,
        "first_error": result.first_error or warm.first_error,
    }


def summarise(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": median(r["rps"] for r in rounds),
        "cpu_us_per_request": median(r["cpu_us_per_request"] for r in rounds),
        "server_cpu_share": median(r["server_cpu_share"] for r in rounds),
        "server_cpu_us_per_request": median(r["server_cpu_us_per_request"] for r in rounds),
        "rps_rounds": [round(r["rps"], 1) for r in rounds],
        "errors": sum(r["errors"] for r in rounds),
        "first_error": next((r["first_error"] for r in rounds if r["first_error"]), None),
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    _common.raise_fd_limit()
    counter = Counter()
    raw: dict[str, dict[str, dict[str, list[dict[str, Any]]]]] = {
        s: {str(c): {cls.name: [] for cls in SUITES[s]} for c in args.concurrency}
        for s in args.suite
    }
    async with CannedServer() as server:
        for r in range(args.rounds):
            for suite in args.suite:
                for conc in args.concurrency:
                    classes = SUITES[suite]
                    k = r % len(classes)  # rotate the order: no contender always goes first
                    for cls in classes[k:] + classes[:k]:
                        n = (args.wallet_n if suite == "wallet"
                             else args.slow_n if cls.name in SLOW else args.n)
                        m = await measure(server, cls, n, conc, args.warmup, counter)
                        raw[suite][str(conc)][cls.name].append(m)
                        print(f"  round {r + 1}/{args.rounds} {suite:<8} c={conc:<4} "
                              f"{cls.name:<18} {m['rps']:>8.0f} req/s "
                              f"{m['cpu_us_per_request']:>6.0f} us/req  server "
                              f"{m['server_cpu_share']:.2f} core"
                              + (f"  errors={m['errors']}" if m["errors"] else ""),
                              flush=True)
        profile = await run_profile(server, args) if args.profile else None

    results: dict[str, Any] = {}
    ratios: dict[str, float] = {}
    goals: dict[str, bool] = {}
    for suite, by_conc in raw.items():
        results[suite] = {}
        for conc, by_name in by_conc.items():
            summary = {name: summarise(rs) for name, rs in by_name.items()}
            results[suite][conc] = summary
            p = summary["pivot_async"]
            ceiling = summary[CEILING[suite]]
            for name, s in summary.items():
                if name == "pivot_async":
                    continue
                ratios[f"{suite}_c{conc}_pivot_over_{name}_rps"] = ratio(p["rps"], s["rps"])
                ratios[f"{suite}_c{conc}_{name}_over_pivot_cpu"] = ratio(
                    s["cpu_us_per_request"], p["cpu_us_per_request"])
            targets = GOALS[suite]
            for name, target in targets.items():
                if name in summary:
                    goals[f"{suite}_c{conc}_pivot_ge_{target}x_{name}"] = (
                        ratio(p["rps"], summary[name]["rps"]) >= target)
            ratios[f"{suite}_c{conc}_pivot_over_ceiling_rps"] = ratio(p["rps"], ceiling["rps"])
    return {
        "benchmark": "throughput",
        "n": args.n,
        "slow_n": args.slow_n,
        "wallet_n": args.wallet_n,
        "warmup": args.warmup,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "machine": _common.machine(),
        "versions": _common.versions("pivot-async", "aiohttp", "msgspec", "httpx", "pydantic",
                                     "requests"),
        "results": results,
        "ratios": ratios,
        "goals_met": goals,
        "profile": profile,
    }


async def run_profile(server: CannedServer, args: argparse.Namespace) -> dict[str, Any]:
    """Where pivot_async's CPU goes, per suite: the layers added one by one over the raw
    ceiling (``layers_us``) and a cProfile of the pivot_async contender (``text``)."""
    conc = args.concurrency[0]
    n = min(args.n, 5000)
    rounds = 3 if args.quick else 5
    contenders = {"payments": PAYMENT_CONTENDERS[0], "wallet": WALLET_CONTENDERS[0]}
    text: dict[str, dict[str, str]] = {}
    layers: dict[str, dict[str, float]] = {}
    for suite in args.suite:
        counter = Counter()
        counter.take(10**8)
        contender = contenders[suite]()
        await contender.setup(server.url, conc)
        try:
            await contender.run(args.warmup, conc, counter.take(args.warmup))
            prof = cProfile.Profile()
            prof.enable()
            await contender.run(n, conc, counter.take(n))
            prof.disable()
        finally:
            await contender.close()
        text[suite] = {}
        for key in ("cumulative", "tottime"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats(key).print_stats(25)
            text[suite][key] = buf.getvalue()
        measure_layers = payment_layers if suite == "payments" else wallet_layers
        layers[suite] = await measure_layers(server, conc, min(args.n, 3000), rounds)
    return {"concurrency": conc, "n": n, "breakdown_us": cpu_breakdown(), "layers_us": layers,
            "text": text}


Layer = Callable[[int], Awaitable[bool]]


async def time_layers(layers: dict[str, Layer], conc: int, n: int,
                      rounds: int) -> dict[str, float]:
    """Client CPU us/request of each layer: interleaved rounds, medians."""
    from _contenders import drive

    per: dict[str, list[float]] = {k: [] for k in layers}
    for fn in layers.values():
        await drive(min(n, 300), conc, 0, fn)
    for _ in range(rounds):
        for name, fn in layers.items():
            gc.collect()
            c0 = time.process_time()
            result = await drive(n, conc, 0, fn)
            per[name].append((time.process_time() - c0) / n * 1e6)
            if result.ok != n:
                raise RuntimeError(f"layer {name!r} failed: {result.first_error}")
    return {k: median(v) for k, v in per.items()}


async def payment_layers(server: CannedServer, conc: int, n: int,
                         rounds: int) -> dict[str, float]:
    """Client CPU us/request as the layers of ``payments.create`` are added one by one."""
    import json

    from _contenders import CLIENT_ID, CLIENT_SECRET, EXPECTED_SESSION_ID, AiohttpRaw, create_body

    from pivot_async import PivotClient
    from pivot_async.models import CreatePaymentRequest, PaymentSession
    from pivot_async.resources._base import coerce_params

    client = PivotClient(CLIENT_ID, CLIENT_SECRET, base_url=server.url, connection_limit=conc)
    raw = AiohttpRaw()
    await client.__aenter__()
    await raw.setup(server.url, conc)
    try:
        session = client._get_session()
        requestor, protocol = client._requestor, client._payments
        url = requestor.url("/v2/payments")
        loop = asyncio.get_running_loop()
        body = json.dumps(create_body(0), separators=(",", ":")).encode()
        plain = {**protocol.headers, "Content-Type": "application/json",
                 "X-REQUEST-ID": "a" * 32}
        signed = {**plain, "Authorization": raw.headers["Authorization"]}

        async def raw_one(i: int) -> bool:
            async with raw.session.post(raw.url, data=raw.body, headers=raw.headers) as resp:
                await resp.read()
                return resp.status == 200

        async def send(headers: dict[str, str], chain: tuple[Any, ...]) -> bool:
            status, *_ = await requestor._send(
                session, "POST", url, data=body, headers=dict(headers), middlewares=chain,
                timeout=client.timeout, when=loop.time() + client.timeout.total)
            return status == 200

        async def send_bare(i: int) -> bool:
            return await send(signed, ())

        async def send_chain(i: int) -> bool:
            return await send(plain, protocol.quiet_chain)

        # validated beforehand (as payments.create hands them over): this row is the path only
        bodies = [coerce_params(create_body(i), CreatePaymentRequest) for i in range(64)]

        async def request(i: int) -> bool:
            env = await requestor.request(protocol, "POST", "/v2/payments", PaymentSession,
                                          body=bodies[i % 64])
            return env.data is not None and env.data.id == EXPECTED_SESSION_ID

        async def create(i: int) -> bool:
            return (await client.payments.create(create_body(i))).id == EXPECTED_SESSION_ID

        return await time_layers({
            "aiohttp_raw: pre-encoded bytes, no parsing": raw_one,
            "+ Requestor._send (deadline, timeouts, capped read), no middlewares": send_bare,
            "+ middleware chain (retry, bearer token; wire log only with DEBUG on)": send_chain,
            "+ Requestor.request (validated body): encode, X-REQUEST-ID, status, envelope "
            "decode": request,
            "+ payments.create: request validation (coerce_params)": create,
        }, conc, n, rounds)
    finally:
        await raw.close()
        await client.aclose()


async def wallet_layers(server: CannedServer, conc: int, n: int,
                        rounds: int) -> dict[str, float]:
    """Client CPU us/request as the layers of a signed ``wallet.debit`` are added one by one."""
    import json

    from _contenders import (
        DEBIT_PATH,
        EXPECTED_DEBIT_REF,
        AiohttpPresigned,
        PivotWallet,
        debit_body,
    )

    from pivot_async.models import DebitPaymentRequest, DebitPaymentResponse
    from pivot_async.resources._base import coerce_params

    pivot = PivotWallet()
    presigned = AiohttpPresigned()
    await pivot.setup(server.url, conc)
    await presigned.setup(server.url, conc)
    try:
        client, customer = pivot.client, pivot.customer
        session = client._get_session()
        requestor = client._requestor
        protocol = client.wallet.tokens.protocol(customer)
        await customer.access_secret()  # both tokens fetched before measuring
        await client.wallet.tokens.b2b.get()
        url = requestor.url(DEBIT_PATH)
        loop = asyncio.get_running_loop()
        body = json.dumps(debit_body(0), separators=(",", ":")).encode()

        async def raw_one(i: int) -> bool:
            async with presigned.session.post(presigned.url, data=presigned.body,
                                              headers=presigned.headers) as resp:
                await resp.read()
                return resp.status == 200

        async def send(data: bytes, headers: dict[str, str], chain: tuple[Any, ...]) -> bool:
            status, *_ = await requestor._send(
                session, "POST", url, data=data, headers=dict(headers), middlewares=chain,
                timeout=client.timeout, when=loop.time() + client.timeout.total)
            return status == 200

        async def send_bare(i: int) -> bool:
            return await send(presigned.body, presigned.headers, ())

        async def send_chain(i: int) -> bool:
            return await send(body, {**protocol.headers, "Content-Type": "application/json"},
                              protocol.quiet_chain)

        bodies = [coerce_params(debit_body(i), DebitPaymentRequest) for i in range(64)]

        async def request(i: int) -> bool:
            resp = await requestor.request(protocol, "POST", DEBIT_PATH, DebitPaymentResponse,
                                           body=bodies[i % 64])
            return bool(resp.reference_no == EXPECTED_DEBIT_REF)

        async def debit(i: int) -> bool:
            result = await client.wallet.debit(customer, debit_body(i))  # type: ignore[arg-type]
            return result.reference_no == EXPECTED_DEBIT_REF

        return await time_layers({
            "aiohttp_presigned: pre-signed bytes and headers, no parsing": raw_one,
            "+ Requestor._send (deadline, timeouts, capped read), no middlewares": send_bare,
            "+ middleware chain (retry, B2B + B2B2C tokens, external id, timestamp, "
            "HMAC signature)": send_chain,
            "+ Requestor.request (validated body): encode, responseCode check, one decode":
            request,
            "+ wallet.debit: request validation, ambiguous-outcome procedure": debit,
        }, conc, n, rounds)
    finally:
        await presigned.close()
        await pivot.close()


def cpu_breakdown(loops: int = 3000) -> dict[str, float]:
    """CPU microseconds of the pure steps of ``payments.create`` (and a hand-rolled client's)."""
    import json
    import timeit
    import uuid

    import msgspec
    from _contenders import create_body

    from pivot_async import PivotClient, _codec
    from pivot_async._middlewares import new_request_id
    from pivot_async.models import CreatePaymentRequest, Envelope, PaymentSession
    from pivot_async.models._strict import fast_variant
    from pivot_async.resources._base import _read_checked, coerce_params

    body = create_body(1)
    struct = coerce_params(body, CreatePaymentRequest)
    raw = _common.DATA.joinpath("payments__create__response__va_single_api.json").read_bytes()
    raw = json.dumps(json.loads(raw), separators=(",", ":")).encode()
    client = PivotClient("id", "secret", base_url="http://127.0.0.1:1")
    steps = {
        "coerce_params (validate + convert)": lambda: coerce_params(body, CreatePaymentRequest),
        "  its fast read: one msgspec.convert (C constraints + cross-field rules)": lambda: (
            msgspec.convert(body, fast_variant(CreatePaymentRequest), strict=True)),
        "  (reference rules, only for what the fast read refuses)": lambda: _read_checked(
            body, CreatePaymentRequest),
        "encode request Struct": lambda: _codec.encode(struct),
        "new_request_id()": new_request_id,
        "build URL (Requestor.url)": lambda: client._requestor.url("/v2/payments"),
        "timeout.to_aiohttp()": client.timeout.to_aiohttp,
        "decode Envelope[PaymentSession]": lambda: _codec.decode(
            raw, Envelope[PaymentSession]),  # type: ignore[valid-type]
        "hand-rolled: json.dumps(body)": lambda: json.dumps(body),
        "hand-rolled: json.loads(response)": lambda: json.loads(raw),
        "hand-rolled: uuid4().hex": lambda: uuid.uuid4().hex,
    }
    return {
        name: min(timeit.repeat(fn, number=loops, repeat=3)) / loops * 1e6
        for name, fn in steps.items()
    }


def report(r: dict[str, Any]) -> None:
    m = r["machine"]
    print()
    print(f"throughput: n={r['n']} calls per contender and round (httpx_pydantic and "
          f"requests_threads: {r['slow_n']}; wallet: {r['wallet_n']}), {r['rounds']} rounds "
          f"(medians), {m['cpus']} CPUs, Python {m['python']}")
    for suite, by_conc in r["results"].items():
        for conc, summary in by_conc.items():
            p = summary["pivot_async"]
            rows = [
                (name, s["rps"], ratio(s["rps"], p["rps"]), s["cpu_us_per_request"],
                 s["server_cpu_share"], s["errors"])
                for name, s in summary.items()
            ]
            print()
            print(f"{suite}, concurrency {conc}")
            print(table(rows, ["contender", "req/s", "x pivot", "client us/req",
                               "server core", "errors"]))
    print()
    for name, met in r["goals_met"].items():
        suite, conc, rest = name.split("_", 2)
        target = rest.split("_ge_")[1].split("x_", 1)
        value = ratio(r["results"][suite][conc[1:]]["pivot_async"]["rps"],
                      r["results"][suite][conc[1:]][target[1]]["rps"])
        print(goal_line(name, value, f">= {target[0]}", met))
    if r["profile"]:
        prof = r["profile"]
        for suite, layers in prof["layers_us"].items():
            print()
            print(f"client CPU per request as the layers of pivot_async's {suite} call are added "
                  f"(us, concurrency {prof['concurrency']}, medians):")
            for name, us in layers.items():
                print(f"  {name:<78} {us:>7.0f}")
        print()
        print("CPU of the pure steps of pivot_async payments.create (us per call, timeit):")
        for name, us in prof["breakdown_us"].items():
            print(f"  {name:<42} {us:>8.1f}")
        for suite, texts in prof["text"].items():
            print()
            print(f"cProfile of the pivot_async {suite} contender (cumulative):")
            print(texts["cumulative"])
            print(f"cProfile of the pivot_async {suite} contender (own time):")
            print(texts["tottime"])
    emit(r)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="1000 calls (slow: 500), 3 rounds")
    parser.add_argument("--n", type=int, default=None, help="measured calls (20000)")
    parser.add_argument("--slow-n", type=int, default=None,
                        help="measured calls of httpx_pydantic and requests_threads (n/8)")
    parser.add_argument("--wallet-n", type=int, default=None,
                        help="measured calls per wallet contender (n/2)")
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--concurrency", type=lambda s: [int(x) for x in s.split(",")],
                        default=[64, 256])
    parser.add_argument("--suite", type=lambda s: s.split(","), default=list(SUITES))
    parser.add_argument("--profile", action="store_true", help="cProfile pivot_async")
    args = parser.parse_args()
    if args.n is None:
        args.n = 1000 if args.quick else 20000
    if args.slow_n is None:
        args.slow_n = max(1, args.n // 2 if args.quick else args.n // 8)
    if args.wallet_n is None:
        args.wallet_n = args.n if args.quick else max(1, args.n // 2)
    if args.warmup is None:
        args.warmup = 200 if args.quick else 1000
    if args.rounds is None:
        args.rounds = 3
    report(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
