"""One requestor for both protocols (issue 16): every resource and token manager goes
through ``Requestor.request``; resources touch no headers, tokens, retries or status codes."""

from __future__ import annotations

import ast
import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

import pivot_async
from pivot_async import PivotClient, _requestor
from pivot_async._errors import ResponseValidationError
from pivot_async._middlewares import BearerAuthMiddleware, LoggingMiddleware, RetryMiddleware
from pivot_async._requestor import Requestor
from pivot_async._snap_middlewares import SnapAuthMiddleware, SnapSignatureMiddleware
from pivot_async._transport import SecretHeaderMiddleware, SignedHeadersMiddleware
from pivot_async.models import AccessToken
from pivot_async.models.auth import DEFAULT_TOKEN_LIFETIME
from pivot_async.sandbox import Sandbox
from pivot_async.sandbox._wallet import WalletSandbox

from ._fake import TOKEN_PATH, fake_gateway, ok, raw
from .conftest import RecordingSleep, va_request
from .test_wallet import bind, debit_params, wallet_env

__all__ = ["wallet_env"]

RESOURCES = Path(pivot_async.__file__).parent / "resources"


class Calls:
    """Records (protocol name, method, path) of every Requestor.request, then runs it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[tuple[str, str, str]] = []
        real = Requestor.request

        async def request(self_: Requestor, protocol: Any, method: str, path: str,
                          *args: Any, **kwargs: Any) -> Any:
            self.seen.append((protocol.name, method, path))
            return await real(self_, protocol, method, path, *args, **kwargs)

        monkeypatch.setattr(Requestor, "request", request)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    return Calls(monkeypatch)


async def test_a_debit_and_its_tokens_go_through_the_requestor(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient], calls: Calls,
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    calls.seen.clear()
    await client.wallet.debit(customer, debit_params("ONEPATH1"))
    creds = client.wallet.tokens.credentials
    # the debit's auth layer fetches the customer's token through the same requestor
    assert calls.seen == [
        ("snap", "POST", "/wallet-backend/snap/v1.0/debit/payment-host-to-host"),
        ("snap-token", "POST", creds.b2b2c_token_path),
    ]
    assert wallet.debit_count("ONEPATH1") == 1


async def test_the_b2b_token_goes_through_the_requestor(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient], calls: Calls,
) -> None:
    _, _, client = wallet_env
    await client.wallet.tokens.b2b.get()
    assert calls.seen == [("snap-token", "POST", client.wallet.tokens.credentials.b2b_token_path)]


async def test_a_payment_and_its_token_go_through_the_requestor(
    client: PivotClient, calls: Calls,
) -> None:
    await client.payments.create(va_request("onepath1"))
    assert calls.seen == [
        ("payments", "POST", "/v2/payments"),
        ("payments-token", "POST", "/v1/access-token"),
    ]


def test_the_client_has_no_request_hop_of_its_own() -> None:
    # resource -> requestor -> wire: the client only builds the requestor and its protocols
    assert not hasattr(PivotClient, "_request")
    client = PivotClient("id", "secret", base_url="http://127.0.0.1:1")
    for resource in (client.payments, client.refunds, client.charges, client.customers,
                     client.payment_method_configs, client.simulations, client.wallet):
        assert resource._requestor is client._requestor


async def test_a_successful_snap_answer_is_decoded_once(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient], monkeypatch: pytest.MonkeyPatch,
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    await client.wallet.balance(customer)  # tokens fetched
    second_reads: list[bytes] = []
    real = _requestor.snap_response_code  # type: ignore[attr-defined]

    def counting(body: bytes) -> str | None:
        second_reads.append(body)
        return real(body)

    monkeypatch.setattr(_requestor, "snap_response_code", counting)
    result = await client.wallet.debit(customer, debit_params("ONCE0001"))
    assert result.response is not None and result.response.response_code == "2005400"
    assert second_reads == []


def test_chains_hold_only_per_attempt_layers(sleeps: RecordingSleep) -> None:
    from pivot_async import WalletCredentials
    from pivot_async._signing import generate_private_key

    creds = WalletCredentials("ck", "hmac-secret", generate_private_key(1024),
                              channel_id="12345")
    client = PivotClient("id", "secret", base_url="http://127.0.0.1:1", wallet=creds,
                         sleep=sleeps)
    tokens = client.wallet.tokens
    customer = client.wallet.customer("binding-1")

    def kinds(chain: tuple[Any, ...]) -> list[type[Any]]:
        return [type(layer) for layer in chain]

    assert kinds(client._payments.chain) == [
        RetryMiddleware, BearerAuthMiddleware, LoggingMiddleware]
    assert kinds(client._token_protocol.chain) == [
        RetryMiddleware, SecretHeaderMiddleware, LoggingMiddleware]
    for snap in (tokens.protocol(None), tokens.protocol(customer)):
        assert kinds(snap.chain) == [
            RetryMiddleware, SnapAuthMiddleware, SnapSignatureMiddleware, LoggingMiddleware]
    assert kinds(tokens._token_protocol.chain) == [
        RetryMiddleware, SignedHeadersMiddleware, LoggingMiddleware]
    # one protocol per customer, built once
    assert tokens.protocol(customer) is tokens.protocol(client.wallet.customer("binding-1"))


class _Limiter:
    async def acquire(self) -> None:
        return None


@pytest.mark.parametrize("limited", [False, True], ids=["no-limiter", "limiter"])
def test_the_quiet_chains_run_the_same_layers_in_the_same_order(limited: bool) -> None:
    # without DEBUG logging the chain is the same layers (the same objects, in the same
    # order) without the wire log
    from pivot_async import WalletCredentials
    from pivot_async._rate_limit import RateLimitMiddleware
    from pivot_async._signing import generate_private_key

    creds = WalletCredentials("ck", "hmac-secret", generate_private_key(1024),
                              channel_id="12345")
    client = PivotClient("id", "secret", base_url="http://127.0.0.1:1", wallet=creds,
                         rate_limiter=_Limiter() if limited else None)
    tokens = client.wallet.tokens
    limit = [RateLimitMiddleware] if limited else []
    expected = {
        client._payments: [RetryMiddleware, BearerAuthMiddleware, *limit],
        client._token_protocol: [RetryMiddleware, *limit, SecretHeaderMiddleware],
        tokens.protocol(None): [RetryMiddleware, SnapAuthMiddleware, *limit,
                                SnapSignatureMiddleware],
        tokens._token_protocol: [RetryMiddleware, *limit, SignedHeadersMiddleware],
    }
    for protocol, kinds in expected.items():
        run = protocol.quiet_chain
        assert [type(layer) for layer in run] == kinds, protocol.name
        originals = [protocol.chain[0], *protocol.quiet_layers]
        assert all(layer is original for layer, original in zip(run, originals, strict=True))


def _attribute_chains(tree: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "self":
                out.append(f"self.{inner.attr}.{node.attr}")
    return out


@pytest.mark.parametrize("path", sorted(RESOURCES.glob("*.py")), ids=lambda p: p.name)
def test_resources_touch_no_header_token_retry_or_status(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    # calls go straight to the requestor (no hop through the client); the client is reached
    # for its public settings only, never for its internals
    reached = {c for c in _attribute_chains(tree) if c.startswith("self._client._")}
    assert not reached, reached
    sends = {c for c in _attribute_chains(tree) if c.endswith(".request")}
    assert sends <= {"self._requestor.request"}, sends
    strings = [n.value for n in ast.walk(tree)
               if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    wire_headers = {s for s in strings if s.upper().startswith(("X-", "AUTHORIZATION"))
                    or s.upper() in ("CHANNEL-ID", "CONTENT-TYPE", "ACCEPT")}
    # x-submerchant-id is a call parameter (which sub-account), sent as a per-call header
    assert wire_headers <= {"x-submerchant-id"}
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not names & {
        "RetryMiddleware", "RetryPolicy", "TokenCache", "make_api_error", "make_snap_error",
        "snap_response_code", "snap_code_parts", "_get_session", "Secret",
        "access_secret", "signed_headers", "_chain",
    }


# -- token lifetimes come from the models; errors are never changed once raised ---------------


@pytest.mark.parametrize(("expires_in", "lifetime"), [
    (None, DEFAULT_TOKEN_LIFETIME), (0, DEFAULT_TOKEN_LIFETIME), (-5, DEFAULT_TOKEN_LIFETIME),
    ("600", 600), (1200, 1200),
])
async def test_access_token_lifetime_is_the_models(expires_in: object, lifetime: int) -> None:
    data: dict[str, object] = {"accessToken": "tok-lifetime"}
    if expires_in is not None:
        data["expiresIn"] = expires_in
    async with fake_gateway() as gw:
        gw.on("POST", TOKEN_PATH, ok(data))
        async with PivotClient("merchant", "secret-value", base_url=gw.url) as client:
            fetched = await client._fetch_access_token()
    assert fetched.lifetime == lifetime == AccessToken(expires_in=None if expires_in is None
                                                       else int(str(expires_in))).lifetime


async def test_a_shared_token_failure_gives_each_call_its_own_error() -> None:
    """Concurrent creates share one failed token fetch: each raises an error built for it
    (naming its own X-REQUEST-ID); the shared error, their cause, is left as it was."""
    async with fake_gateway() as gw:
        gw.on("POST", TOKEN_PATH, raw(200, b"not json"))
        async with PivotClient("merchant", "secret-value", base_url=gw.url,
                               sleep=RecordingSleep()) as client:
            results = await asyncio.gather(
                *(client.payments.create(va_request(f"order{i}")) for i in range(5)),
                return_exceptions=True,
            )
    assert all(isinstance(r, ResponseValidationError) for r in results)
    errors = [r for r in results if isinstance(r, ResponseValidationError)]
    ids = {e.request_id for e in errors}
    assert len(ids) == 5 and None not in ids
    causes = {id(e.__cause__) for e in errors}
    assert len(causes) == 1  # one shared fetch failure...
    shared = errors[0].__cause__
    assert isinstance(shared, ResponseValidationError)
    assert shared.request_id is None  # ...never given any caller's key
    assert gw.count("POST", TOKEN_PATH) == 1


# -- the wire log is in the chain only while DEBUG logging is on -------------------------------


class SentChains:
    """Records the middlewares of every request the requestor sends."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[list[type[Any]]] = []
        real = Requestor._send

        async def send(self_: Requestor, *args: Any, **kwargs: Any) -> Any:
            self.seen.append([type(layer) for layer in kwargs["middlewares"]])
            return await real(self_, *args, **kwargs)

        monkeypatch.setattr(Requestor, "_send", send)


async def test_the_wire_log_layer_runs_only_with_debug_logging(
    wallet_env: tuple[Sandbox, WalletSandbox, PivotClient], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox, wallet, client = wallet_env
    customer = await bind(client, sandbox, wallet)
    chains = SentChains(monkeypatch)
    caplog.set_level(logging.INFO, logger="pivot_async")
    await client.wallet.debit(customer, debit_params("QUIET001"))
    await client.payments.create(va_request("quiet001"), max_retries=1)  # a chain of its own
    assert chains.seen and all(LoggingMiddleware not in kinds for kinds in chains.seen)
    assert all(kinds[0] is RetryMiddleware for kinds in chains.seen)
    assert not [r for r in caplog.records if r.levelno == logging.DEBUG]

    chains.seen.clear()
    caplog.set_level(logging.DEBUG, logger="pivot_async")
    await client.wallet.debit(customer, debit_params("LOUD0001"))
    await client.payments.create(va_request("loud0001"), max_retries=1)
    assert chains.seen and all(kinds[-1] is LoggingMiddleware for kinds in chains.seen)
    wire = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG
            and " -> " in r.getMessage()]
    assert any(m.startswith("POST /wallet-backend/") for m in wire)
    assert any(m.startswith("POST /v2/payments -> ") for m in wire)


def test_urls_are_the_ones_yarl_builds_and_their_cache_is_bounded() -> None:
    # Requestor.url keeps the URLs of recent paths (a wallet path's is ~3 us to build):
    # the same URL as built fresh, under a base URL with a path prefix, and a bounded cache
    # (paths carry ids: a long-lived client must not keep every one).
    from yarl import URL

    base = URL("https://gw.example/prefix")
    client = PivotClient("merchant", "secret", base_url=str(base))
    requestor = client._requestor
    paths = ["/wallet-backend/snap/v1.0/debit/payment-host-to-host", "/v2/payments",
             "/v2/payments/a.b~c/confirm", "/v1/refunds/x%2Fy"]
    paths += [f"/v2/payments/{i:08d}" for i in range(3 * _requestor._URL_CACHE)]
    for _ in range(2):
        for path in paths:
            assert requestor.url(path) == base.with_path("/prefix" + path, encoded=False)
            assert len(requestor._urls) <= _requestor._URL_CACHE


def test_a_call_without_per_call_options_builds_none() -> None:
    # None: the requestor uses the client's defaults (no frozen dataclass per call); any
    # option given still comes through whole.
    from pivot_async._options import RequestOptions
    from pivot_async.resources._base import Resource

    assert Resource._options() is None
    assert Resource._options(idempotency_key=None, timeout=None, max_retries=None,
                             headers=None) is None
    given: list[dict[str, Any]] = [{"idempotency_key": "k" * 16}, {"timeout": 5.0},
                                   {"max_retries": 0}, {"headers": {}}]
    for one in given:
        assert Resource._options(**one) == RequestOptions(**one)
