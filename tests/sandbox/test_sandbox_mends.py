"""One parser per rule (bearer header, X-TIMESTAMP, expiryAt), each table's rule tree built once,
registry errors by type, refresh tokens dropped once used, the wallet key made off the loop;
with the wire answers each of them gives."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pivot_async._signing import load_private_key, parse_snap_datetime, token_signature
from pivot_async.sandbox import ManualClock, Sandbox, _fields, _util, _wallet_core, _wallet_verify
from pivot_async.sandbox._merchants import Merchants, SnapCredentials, Taken
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv, wallet_server
from tests.sandbox.helpers import Api, session_body

BALANCE = "balance-inquiry"
INVALID_B2B = (401, "4011101", "Invalid Token (B2B)")
MISSING_B2B = (401, "4011103", "Token Not Found (B2B)")
_VECTORS = Path(__file__).resolve().parents[1] / "data" / "snap_vectors.json"
VECTOR_PEM = str(json.loads(_VECTORS.read_text("utf-8"))["v1_token_signature"]["private_key_pem"])


def _answers_of(token: str) -> list[tuple[str, str]]:
    """Authorization values and what both callers make of them: ``ok``, ``invalid`` (not a
    bearer value) or ``unknown`` (a bearer value, not an issued token)."""
    return [
        (f"Bearer {token}", "ok"),
        (f"bearer {token}", "ok"),
        (f"BEARER  {token}", "ok"),
        ("Bearer", "invalid"),
        (f"Basic {token}", "invalid"),
        (token, "invalid"),
        (f"Bearer\t{token}", "invalid"),
        (f"Bearer {token} x", "unknown"),
        ("Bearer nope", "unknown"),
    ]


async def test_one_bearer_rule_for_the_payments_and_the_wallet_callers(
    api: Api, env: WalletEnv, cust: BoundCustomer
) -> None:
    api.auto_refresh = False
    payments_token = await api.token()
    credentials_invalid = (401, "credentials_invalid")
    for value, kind in _answers_of(payments_token):
        status, body = await api.get("/v2/payments/nope", auth=False,
                                     headers={"Authorization": value})
        got = (status, body["code"])
        assert got == ((404, "resource_missing") if kind == "ok" else credentials_invalid), value
    for value, kind in _answers_of(cust.b2b):
        res = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access,
                                  override={"Authorization": value})
        want = {"ok": (200, "2001100", "Successful"), "invalid": INVALID_B2B,
                "unknown": MISSING_B2B}[kind]
        assert (res.status, res.code, res.body["responseMessage"]) == want, value
    res = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access,
                              override={"Authorization-Customer": f"bearer  {cust.access}"})
    assert res.code == "2001100"


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The values the one SNAP time parser read, through the wallet and the payments rules."""
    seen: list[str] = []
    real = parse_snap_datetime

    def counting(value: str) -> Any:
        seen.append(value)
        return real(value)

    monkeypatch.setattr(_wallet_verify, "parse_snap_datetime", counting)
    monkeypatch.setattr(_util, "parse_snap_datetime", counting)
    return seen


async def test_x_timestamp_is_parsed_once_per_request(
    env: WalletEnv, cust: BoundCustomer, parsed: list[str]
) -> None:
    ts = env.snap.timestamp()
    assert (await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access,
                                timestamp=ts)).code == "2001100"
    assert parsed == [ts]
    parsed.clear()
    res = await env.snap.token_request("b2b", {"grantType": "client_credentials"})
    assert res.code == "2007300"
    assert len(parsed) == 1


async def test_expiry_at_is_parsed_once_by_the_one_parser(api: Api, parsed: list[str]) -> None:
    body = session_body("va", expiryAt="2026-01-01T01:00:00.5Z")
    status, answer = await api.post("/v2/payments", body)
    assert status == 200, answer
    assert parsed == ["2026-01-01T01:00:00.5Z"]
    assert answer["data"]["expiryAt"] == "2026-01-01T01:00:00.500000Z"


# X-TIMESTAMP values at the sandbox clock's 10:00 Jakarta (tests/sandbox/conftest.py: START), and
# the answer of a token request and of a transactional one: strict (the default), then lenient
_TIMESTAMPS = [
    ("2026-03-02T10:00:00+07:00", "ok", "ok"),
    ("2026-03-02T03:00:00Z", "format", "ok"),
    ("2026-03-02T03:00:00.123+00:00", "format", "ok"),
    ("2026-03-02T10:00:00.123+07:00", "format", "ok"),
    ("2026-03-02T11:00:00+07:00", "skew", "skew"),
    ("2026-02-30T10:00:00+07:00", "format", "format"),
    ("2026-03-02T10:00:00+25:00", "format", "format"),
    ("2026-03-02T10:00:00+07:99", "format", "format"),
    ("2026-03-02 10:00:00+07:00", "format", "format"),
    ("garbage", "format", "format"),
    ("", "format", "format"),
]


def _want(kind: str, service: str) -> tuple[int, str, str]:
    return {
        "ok": (200, f"200{service}00", "Successful"),
        "format": (400, f"400{service}01", "Invalid Field Format {X-TIMESTAMP}"),
        "skew": (401, f"401{service}00", "Unauthorized. [X-TIMESTAMP]"),
    }[kind]


@pytest.mark.parametrize("strict", [True, False])
async def test_x_timestamp_answers(wallet_clock: ManualClock, strict: bool) -> None:
    config = _wallet_core.WalletConfig(strict_timestamp=strict)
    async with wallet_server(clock=wallet_clock, config=config) as env:
        snap, cust = env.snap, await env.snap.bind_customer()
        key = snap.merchant.private_key()
        for ts, *kinds in _TIMESTAMPS:
            kind = kinds[0 if strict else 1]
            headers = snap.token_headers(
                timestamp=ts, signature=token_signature(key, snap.merchant.client_key, ts))
            res = await snap.token_request("b2b", {"grantType": "client_credentials"}, headers)
            assert (res.status, res.code, res.body["responseMessage"]) == _want(kind, "73"), ts
            res = await snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access, timestamp=ts)
            assert (res.status, res.code, res.body["responseMessage"]) == _want(kind, "11"), ts
        # a bad X-TIMESTAMP is named before a bad X-EXTERNAL-ID, after a missing header
        res = await snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access,
                              timestamp="garbage", external="abc")
        assert res.body["responseMessage"] == "Invalid Field Format {X-TIMESTAMP}"
        res = await snap.call(BALANCE, {}, token=cust.b2b, customer=cust.access,
                              timestamp="garbage", drop=("CHANNEL-ID",))
        assert res.body["responseMessage"] == "Invalid Mandatory Field {CHANNEL-ID}"


def test_every_table_s_rule_tree_is_built_once() -> None:
    from pivot_async.sandbox import _control, _payments

    tables = [
        _wallet_verify._headers(True, _wallet_verify.TOKEN_HEADERS),
        *_wallet_verify._GRANTS.values(),
        _control._3DS_ACTION,
        _control._REVIEW,
        _control._RATE_LIMIT_FIELDS,
        _payments._CUSTOMER_PAY,
    ]
    for table in tables:
        assert len(table) <= 3
        assert _fields._tree(table) is _fields._tree(table)


def test_the_tree_cache_holds_its_tables_so_an_id_is_never_reused() -> None:
    table = (_fields.Field("a", True),)
    tree = _fields._tree(table)
    key = id(table)
    del table  # the cache still holds the table: no other object can get its id
    assert _fields._TREES[key][1] is tree


def test_the_registry_says_which_id_or_key_is_taken() -> None:
    key = load_private_key(_wallet_core.sandbox_key_pem()).public_key()
    registry = Merchants()
    registry.register("m1", "s", snap=SnapCredentials.of("k1", "s", key, partner_id="p1"))
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: registry.register("m1", "s"), "client_id"),
        (lambda: registry.add_snap(SnapCredentials.of("k1", "s", key, partner_id="p2")),
         "client_key"),
        (lambda: registry.add_snap(SnapCredentials.of("k2", "s", key, partner_id="p1")),
         "partner_id"),
    ]
    for call, what in cases:
        with pytest.raises(Taken) as info:
            call()
        assert info.value.what == what


async def test_merchant_control_route_names_the_taken_field(api: Api) -> None:
    pem = load_private_key(_wallet_core.sandbox_key_pem()).public_key().to_pem()
    snap = {"clientKey": "ck1", "clientSecret": "cs", "publicKeyPem": pem, "partnerId": "p1"}
    assert (await api.post("/_sandbox/merchants", {"clientId": "m1", "clientSecret": "s",
                                                   "snap": snap}))[0] == 200
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"clientId": "m1"}, "clientId", "merchant 'm1' already exists"),
        ({"snap": snap}, "snap.clientKey", "a merchant with this client key is already registered"),
        ({"snap": {**snap, "clientKey": "ck2"}}, "snap.partnerId",
         "a merchant with this partner id is already registered"),
    ]
    for extra, field, message in cases:
        status, body = await api.post("/_sandbox/merchants",
                                      {"clientId": "m2", "clientSecret": "s", **extra})
        assert (status, body["code"], body["message"]) == (409, "duplicate_error", message)
        assert body["error"]["details"] == [{"field": field, "message": message}]


async def test_a_used_refresh_token_is_gone(env: WalletEnv, cust: BoundCustomer) -> None:
    grant = {"grantType": "refresh_token", "refreshToken": cust.refresh}
    assert (await env.snap.token_request("b2b2c", grant)).code == "2007400"
    assert cust.refresh not in env.wallet._tokens
    res = await env.snap.token_request("b2b2c", grant)
    assert (res.status, res.body["responseMessage"]) == (401, "Unauthorized. [refreshToken]")
    res = await env.snap.call(BALANCE, {}, token=cust.b2b, customer=cust.refresh)
    assert (res.status, res.code) == (401, "4011104")


@pytest.fixture
def key_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The threads the wallet's key pair is generated in (the same key as this process's)."""
    pem = _wallet_core.sandbox_key_pem()
    calls: list[int] = []

    def generate(bits: int) -> Any:
        calls.append(threading.get_ident())
        return load_private_key(pem)

    monkeypatch.setattr(_wallet_core, "generate_private_key", generate)
    _wallet_core.sandbox_key_pem.cache_clear()
    yield calls
    _wallet_core.sandbox_key_pem.cache_clear()
    assert _wallet_core.sandbox_key_pem() == pem  # what the other tests had


async def test_the_wallet_key_is_made_off_the_loop_at_start(key_calls: list[int]) -> None:
    sandbox = Sandbox(clock=ManualClock())
    assert key_calls == []  # constructing it made no key
    async with sandbox:
        assert len(key_calls) == 1 and key_calls[0] != threading.get_ident()
        merchant = sandbox.wallet.default_merchant
        assert sandbox.merchant.snap is merchant
        assert sandbox.state.merchants.snap(merchant.client_key) is merchant
    assert len(key_calls) == 1


def test_the_default_merchant_is_there_before_start_too(key_calls: list[int]) -> None:
    sandbox = Sandbox(clock=ManualClock())
    merchant = sandbox.wallet.default_merchant  # made on first use, as the card keys
    assert sandbox.merchant.snap is merchant
    assert key_calls == [threading.get_ident()]


async def test_a_configured_wallet_key_is_never_generated(
    key_calls: list[int], wallet_clock: ManualClock
) -> None:
    config = _wallet_core.WalletConfig(default_private_key_pem=VECTOR_PEM)
    async with wallet_server(clock=wallet_clock, config=config) as env:
        assert env.wallet.default_merchant.private_key_pem == VECTOR_PEM
        assert (await env.snap.token_request("b2b", {"grantType": "client_credentials"})).code \
            == "2007300"
    assert key_calls == []


async def test_the_balance_control_route_s_own_error_answers(
    env: WalletEnv, cust: BoundCustomer
) -> None:
    """Its body errors name ``value`` (the shared ``parse_body`` would name ``""``)."""
    url = f"{env.base_url}/_sandbox/wallet/bindings/{cust.binding_id}/balance"
    shape = 'expected {"value": "<amount>"}'
    cases = [(b"", shape), (b"[", shape), (b"[1]", shape), (b'{"x": 1}', shape),
             (b'{"value": null}', shape), (b'{"value": "abc"}', shape),
             (b'{"value": "-1"}', "a balance must be a finite, non-negative amount")]
    for raw, message in cases:
        async with env.session.post(url, data=raw) as res:
            body = await res.json()
        assert (res.status, body["code"], body["message"]) == (400, "api_validation_error",
                                                               message), raw
        assert body["error"]["details"] == [{"field": "value", "message": message}]
    async with env.session.post(url, data=b'{"value": "5.5"}') as res:
        assert await res.json() == {"bindingId": cust.binding_id,
                                    "balance": {"value": "5.50", "currency": "IDR"}}
