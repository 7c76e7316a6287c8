"""Wallet sandbox: SNAP verification of transactional requests, step by step: the order of the
checks, step 7 (X-EXTERNAL-ID) and step 8 (body). Steps 1-6 (headers, formats, timestamp skew,
tokens, signature) are in test_wallet_verification_auth.py.

See docs/reference/wire-snap.md#snap-verify-transactional.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any, Literal

import pytest

from pivot_async._signing import external_id as new_external_id
from pivot_async._signing import snap_timestamp
from pivot_async.sandbox._clock import ManualClock
from pivot_async.sandbox._idempotency import ExternalIdWindow, jakarta_date
from pivot_async.sandbox._wallet import WalletConfig
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv, wallet_server
from tests.sandbox._wallet_verification_helpers import BALANCE, DEBIT, debit_body

# ------------------------------------------------------------------ the order of the checks


async def test_checks_run_in_the_documented_order(env: WalletEnv, cust: BoundCustomer) -> None:
    """Break steps i..10 at once: the answer names step i every time."""
    snap = env.snap
    used_external = snap.external_id()
    first = await snap.call(
        DEBIT, debit_body("dup-ref"), token=cust.b2b, customer=cust.access, external=used_external
    )
    assert first.code == "2005400"

    breakers = [
        "missing_header",
        "timestamp_format",
        "timestamp_skew",
        "b2b_token",
        "customer_token",
        "signature",
        "external_id",
        "missing_field",
        "field_format",
        "duplicate_ref",
    ]
    expected = [
        "4005402",
        "4005401",
        "4015400",
        "4015403",
        "4015404",
        "4015400",
        "4095400",
        "4005402",
        "4005401",
        "4095401",
    ]
    for i, want in enumerate(expected):
        active = set(breakers[i:])
        body = debit_body("dup-ref" if "duplicate_ref" in active else f"fresh-{i}")
        if "field_format" in active:
            body["amount"]["value"] = "10000.5"
        if "missing_field" in active:
            del body["amount"]
        if "timestamp_format" in active:
            ts = "2026-03-02T03:00:00Z"
        elif "timestamp_skew" in active:
            ts = snap.timestamp(-301)
        else:
            ts = snap.timestamp()
        override: dict[str, str] = {}
        if "signature" in active:
            override["X-SIGNATURE"] = "A" * 86 + "=="
        res = await snap.call(
            DEBIT,
            body,
            token="unknown-b2b" if "b2b_token" in active else cust.b2b,
            customer="unknown-cust" if "customer_token" in active else cust.access,
            timestamp=ts,
            external=used_external if "external_id" in active else snap.external_id(),
            drop=("X-PARTNER-ID",) if "missing_header" in active else (),
            override=override,
        )
        assert (breakers[i], res.code) == (breakers[i], want), res.body
        assert res.status == int(want[:3])
    ok = await snap.call(DEBIT, debit_body("all-good"), token=cust.b2b, customer=cust.access)
    assert ok.code == "2005400"



# ------------------------------------------------------------------ step 7: X-EXTERNAL-ID


async def test_reused_external_id(env: WalletEnv, cust: BoundCustomer) -> None:
    ext = env.snap.external_id()
    first = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access, external=ext)
    assert first.code == "2001100"
    again = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access, external=ext)
    assert (again.status, again.code) == (409, "4091100")
    assert again.body["responseMessage"] == "Conflict"
    # the id is per partner across endpoints
    other = await env.snap.call(
        "transaction-history-list",
        {
            "fromDateTime": "2026-03-01T00:00:00+07:00",
            "toDateTime": "2026-03-03T00:00:00+07:00",
            "pageSize": "10",
            "pageNumber": "1",
        },
        token=cust.b2b,
        customer=cust.access,
        external=ext,
    )
    assert other.code == "4091200"


async def test_rejected_request_does_not_burn_external_id(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    ext = env.snap.external_id()
    bad = await env.snap.call(
        BALANCE,
        {},
        token=cust.b2b,
        customer=cust.access,
        external=ext,
        override={"X-SIGNATURE": "x"},
    )
    assert bad.code == "4011100"
    ok = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access, external=ext)
    assert ok.code == "2001100"


async def test_external_id_is_free_again_the_next_jakarta_day(
    env: WalletEnv, cust: BoundCustomer, wallet_clock: ManualClock
) -> None:
    ext = new_external_id(wallet_clock.now())
    assert (
        await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access, external=ext)
    ).code == "2001100"
    # 10:00 Jakarta -> 23:59:59 the same day: still a conflict
    wallet_clock.advance(14 * 3600 - 1)
    b2b = await env.snap.b2b_token()
    fresh = (await env.snap.customer_tokens(cust.binding_id))["accessToken"]
    assert (
        await env.snap.call(BALANCE, {}, token=b2b, customer=fresh, external=ext)
    ).code == "4091100"
    wallet_clock.advance(1)  # 00:00:00 the next day in Jakarta (17:00 UTC)
    assert snap_timestamp(wallet_clock.now()).endswith("T00:00:00+07:00")
    assert (
        await env.snap.call(BALANCE, {}, token=b2b, customer=fresh, external=ext)
    ).code == "2001100"


async def test_rolling_window_option(wallet_clock: ManualClock) -> None:
    async with wallet_server(
        clock=wallet_clock, config=WalletConfig(external_id_window="rolling_24h")
    ) as env:
        cust = await env.snap.bind_customer()
        ext = env.snap.external_id()
        assert (
            await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access, external=ext)
        ).code == "2001100"
        wallet_clock.advance(14 * 3600)  # next Jakarta day, but within 24 h
        b2b = await env.snap.b2b_token()
        fresh = (await env.snap.customer_tokens(cust.binding_id))["accessToken"]
        assert (
            await env.snap.call(BALANCE, {}, token=b2b, customer=fresh, external=ext)
        ).code == "4091100"


async def test_reuse_is_a_conflict_past_1024_ids_of_the_day(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    # Past 1,024 ids of a partner the sandbox prunes; ids of the day must all still clash.
    key = env.wallet.default_merchant.client_key
    seeded = [str(10**20 + i) for i in range(3000)]
    for ext in seeded:
        assert env.wallet.external_ids.claim(key, ext)
    for ext in (seeded[0], seeded[1500], seeded[-1]):
        res = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access, external=ext)
        assert (res.status, res.code) == (409, "4091100")
    fresh = await env.snap.call(
        BALANCE, {}, token=cust.b2b, customer=cust.access, external=str(10**20 + 3000)
    )
    assert fresh.code == "2001100"


@pytest.mark.parametrize("window", ["jakarta_day", "rolling_24h"])
def test_pruning_never_changes_an_answer(
    wallet_clock: ManualClock, window: Literal["jakarta_day", "rolling_24h"]
) -> None:
    # Against a model that remembers every id forever: random reuse over several days, with
    # enough ids that the sandbox prunes on every claim.
    ids = ExternalIdWindow(wallet_clock.now, window)  # the wallet's X-EXTERNAL-ID window
    rng = random.Random(8)
    first_seen: dict[str, dt.datetime] = {}
    pool = [str(i) for i in range(3000)]
    outcomes: collections.Counter[bool] = collections.Counter()
    most_kept = 0
    for _ in range(12_000):  # about 4 days, about 2,900 claims a day
        if rng.random() < 0.001:
            wallet_clock.advance(5 * 3600)
        else:
            wallet_clock.advance(rng.choice([0, 0, 1, 5, 10, 30, 60, 120]))
        ext = rng.choice(pool)
        now = wallet_clock.now()
        first = first_seen.get(ext)
        if first is None:
            expected = True
        elif window == "rolling_24h":
            expected = now - first >= dt.timedelta(hours=24)
        else:
            expected = jakarta_date(first) != jakarta_date(now)
        if expected:
            first_seen[ext] = now
        assert ids.claim("partner", ext) is expected
        outcomes[expected] += 1
        most_kept = max(most_kept, len(ids.seen["partner"]))
    assert outcomes[True] > 1024 and outcomes[False] > 1024
    assert most_kept > 1024  # so pruning ran on many claims
    seen = ids.seen["partner"]
    # what is kept is in the order it was recorded, and nothing older than a day is kept long
    times = list(seen.values())
    assert times == sorted(times)
    assert len(seen) < len(first_seen)


class CountingIds(collections.OrderedDict):  # type: ignore[type-arg]
    """Counts the ids visited by iteration: a scan of every id shows up as n per request."""

    visited = 0

    def __iter__(self) -> Iterator[Any]:
        for key in super().__iter__():
            CountingIds.visited += 1
            yield key

    def items(self) -> Any:
        return [(key, self[key]) for key in self]

    def values(self) -> Any:
        return [self[key] for key in self]


def test_pruning_is_amortised_constant_per_request(wallet_clock: ManualClock) -> None:
    # Not a timing: the number of stored ids looked at. It was every id, on every request,
    # once a partner had more than 1,024 ids of the day (quadratic over a day).
    ids = ExternalIdWindow(wallet_clock.now)  # the wallet's X-EXTERNAL-ID window
    CountingIds.visited = 0
    ids.seen["partner"] = CountingIds()
    n = 5000
    for i in range(n):
        wallet_clock.advance(30)  # 5,000 x 30 s: about 42 h, so ids also expire on the way
        assert ids.claim("partner", str(i))
    assert CountingIds.visited <= 2 * n
    assert len(ids.seen["partner"]) < n
    # reuse of a recent id is still refused
    assert not ids.claim("partner", str(n - 1))


# ------------------------------------------------------------------ step 8: body


async def test_body_missing_field_then_format(env: WalletEnv, cust: BoundCustomer) -> None:
    body = debit_body()
    del body["partnerReferenceNo"]
    body["amount"]["value"] = "abc"
    res = await env.snap.call(DEBIT, body, token=cust.b2b, customer=cust.access)
    assert res.code == "4005402"
    assert res.body["responseMessage"] == "Invalid Mandatory Field {partnerReferenceNo}"
    body["partnerReferenceNo"] = "r"
    res = await env.snap.call(DEBIT, body, token=cust.b2b, customer=cust.access)
    assert res.code == "4005401"
    assert res.body["responseMessage"] == "Invalid Field Format {amount.value}"


@pytest.mark.parametrize(
    ("mutate", "code", "field"),
    [
        (lambda b: b["amount"].pop("currency"), "4005402", "amount.currency"),
        (lambda b: b.__setitem__("amount", "10000.00"), "4005401", "amount"),
        (lambda b: b["amount"].__setitem__("currency", "USD"), "4005401", "amount.currency"),
        (lambda b: b["amount"].__setitem__("value", 10000), "4005401", "amount.value"),
        (lambda b: b["amount"].__setitem__("value", "10000.0"), "4005401", "amount.value"),
        (lambda b: b.__setitem__("partnerReferenceNo", "x" * 65), "4005401", "partnerReferenceNo"),
        (lambda b: b.__setitem__("partnerReferenceNo", ""), "4005402", "partnerReferenceNo"),
        (lambda b: b["urlParams"][0].__setitem__("type", "T" * 21), "4005401", "urlParams[0].type"),
    ],
)
async def test_body_validation_cases(
    env: WalletEnv, cust: BoundCustomer, mutate: Any, code: str, field: str
) -> None:
    body = debit_body()
    mutate(body)
    res = await env.snap.call(DEBIT, body, token=cust.b2b, customer=cust.access)
    assert res.code == code
    assert res.body["responseMessage"].endswith("{" + field + "}")


@pytest.mark.parametrize("value", ["10000", "10000.00", "1"])
async def test_amount_with_zero_or_two_decimals(
    env: WalletEnv, cust: BoundCustomer, value: str
) -> None:
    res = await env.snap.call(DEBIT, debit_body(value=value), token=cust.b2b, customer=cust.access)
    assert res.code == "2005400"


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1,2]", b'"x"'])
async def test_body_not_a_json_object(env: WalletEnv, cust: BoundCustomer, raw: bytes) -> None:
    res = await env.snap.call(BALANCE, raw, token=cust.b2b, customer=cust.access)
    assert res.code == "4001100"


async def test_unknown_wallet_path(env: WalletEnv) -> None:
    async with env.session.post(env.base_url + "/wallet-backend/snap/v1.0/debit/refund") as r:
        assert r.status == 404
        assert (await r.json())["responseCode"] == "4040002"
    async with env.session.get(env.base_url + env.snap.path(DEBIT)) as r:
        assert r.status == 405
