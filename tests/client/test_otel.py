"""pivot_async.otel: spans per call and per HTTP request, read with the SDK's in-memory
exporter, against the embedded sandbox (faults injected by the sandbox)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from pivot_async import NotFoundError, PivotClient
from pivot_async.otel import instrument, is_instrumented, route_template, uninstrument
from pivot_async.sandbox import Fault, Sandbox
from pivot_async.sandbox._wallet import WALLET_APP_KEY

from .conftest import RecordingSleep, va_request
from .test_wallet import bind

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL_HEADERS = ("Authorization", "Authorization-Customer", "X-SIGNATURE",
                      "X-MERCHANT-SECRET", "X-CLIENT-SECRET")


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exp = InMemorySpanExporter()
    yield exp
    exp.shutdown()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    tp = TracerProvider()
    tp.add_span_processor(SimpleSpanProcessor(exporter))
    return tp


class SentHeaders:
    """Every credential header value the client really sent (aiohttp tracing hooks)."""

    def __init__(self) -> None:
        self.values: dict[str, list[str]] = {}
        self.config = aiohttp.TraceConfig()
        self.config.on_request_headers_sent.append(self._sent)

    async def _sent(self, session: aiohttp.ClientSession, ctx: SimpleNamespace,
                    params: aiohttp.TraceRequestHeadersSentParams) -> None:
        for name in CREDENTIAL_HEADERS:
            value = params.headers.get(name)
            if value:
                self.values.setdefault(name, []).append(value)


@pytest.fixture
async def traced(
    sandbox: Sandbox, sleeps: RecordingSleep, provider: TracerProvider
) -> AsyncIterator[tuple[PivotClient, SentHeaders]]:
    sent = SentHeaders()
    async with aiohttp.ClientSession(trace_configs=[sent.config]) as http, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url, sleep=sleeps,
        session=http,
    ) as client:
        instrument(client, tracer_provider=provider)
        yield client, sent


def by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def children(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans
            if s.parent is not None and s.parent.span_id == parent.context.span_id]


def every_text(spans: tuple[ReadableSpan, ...]) -> list[str]:
    """Every span name, attribute key and value, event, link and status text, as strings."""
    texts: list[str] = []
    for span in spans:
        texts.append(span.name)
        texts.append(span.status.description or "")
        attribute_sets: list[Any] = [span.attributes]
        attribute_sets += [event.attributes for event in span.events]
        attribute_sets += [link.attributes for link in span.links]
        texts += [event.name for event in span.events]
        for attributes in attribute_sets:
            for key, value in (attributes or {}).items():
                texts.append(key)
                texts += [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
    return texts


def assert_no_secret(spans: tuple[ReadableSpan, ...], secrets: list[str]) -> None:
    assert all(len(s) >= 8 for s in secrets), "a secret to look for is too short to mean much"
    for text in every_text(spans):
        for secret in secrets:
            assert secret not in text, f"a secret is in span data: {text[:40]!r}..."
        assert "Bearer" not in text and "eyJ" not in text  # no bearer token, no JWT
        assert "PRIVATE KEY" not in text


async def test_retried_create_is_one_call_span_with_two_attempt_spans(
    traced: tuple[PivotClient, SentHeaders], sandbox: Sandbox, exporter: InMemorySpanExporter,
) -> None:
    client, sent = traced
    sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=1))
    session = await client.payments.create(va_request("order9001"))
    spans = exporter.get_finished_spans()

    [call] = by_name(spans, "pivot POST /v2/payments")
    assert call.kind is SpanKind.INTERNAL
    assert call.parent is None
    attempts = [s for s in children(spans, call) if s.kind is SpanKind.CLIENT]
    assert [s.name for s in attempts] == ["POST /v2/payments", "POST /v2/payments"]
    first, second = sorted(attempts, key=lambda s: s.start_time or 0)
    port = int(sandbox.url.rsplit(":", 1)[1])
    request_id = call.attributes and call.attributes["pivot.request_id"]
    assert isinstance(request_id, str) and len(request_id) == 32
    assert dict(call.attributes or {}) == {
        "pivot.api": "payments", "http.request.method": "POST", "url.template": "/v2/payments",
        "server.address": "127.0.0.1", "server.port": port, "pivot.request_id": request_id,
        "pivot.attempts": 2, "http.response.status_code": 200,
    }
    common = {
        "http.request.method": "POST", "url.template": "/v2/payments",
        "url.full": f"{sandbox.url}/v2/payments", "url.scheme": "http",
        "server.address": "127.0.0.1", "server.port": port, "pivot.request_id": request_id,
    }
    assert dict(first.attributes or {}) == {
        **common, "http.response.status_code": 503, "error.type": "503",
    }
    assert first.status.status_code is StatusCode.ERROR
    assert dict(second.attributes or {}) == {
        **common, "http.response.status_code": 200, "http.request.resend_count": 1,
    }
    assert second.status.status_code is StatusCode.UNSET
    assert call.status.status_code is StatusCode.UNSET
    # The same key on both attempts, and it is the one the sandbox saw twice.
    assert sandbox.request_ids("POST", "/v2/payments") == {request_id: 2}
    assert session.status == "REQUIRE_ACTION"

    # The access token was fetched for this call: its own call span, a child of this one.
    [token_call] = by_name(spans, "pivot POST /v1/access-token")
    assert token_call.parent is not None and token_call.parent.span_id == call.context.span_id
    assert (token_call.attributes or {})["pivot.api"] == "payments-token"
    [token_attempt] = children(spans, token_call)
    assert token_attempt.kind is SpanKind.CLIENT
    assert (token_attempt.attributes or {})["http.response.status_code"] == 200

    # Nothing secret anywhere: the client secret, and every credential header really sent.
    assert sent.values.get("Authorization") and sent.values.get("X-MERCHANT-SECRET")
    values = [v for vs in sent.values.values() for v in vs]
    tokens = [v.removeprefix("Bearer ") for v in values]
    assert_no_secret(spans, [sandbox.client_secret, *values, *tokens])


async def test_route_template_for_ids_and_the_failed_call(
    traced: tuple[PivotClient, SentHeaders], exporter: InMemorySpanExporter,
) -> None:
    client, _ = traced
    session = await client.payments.create(va_request("order9002"))
    await client.payments.retrieve(session.id)
    with pytest.raises(NotFoundError):
        await client.payments.retrieve("nosuchsession1")
    spans = exporter.get_finished_spans()

    ok, failed = by_name(spans, "pivot GET /v2/payments/{id}")
    assert (ok.attributes or {})["url.template"] == "/v2/payments/{id}"
    assert "pivot.request_id" not in (ok.attributes or {})  # a GET carries no X-REQUEST-ID
    [ok_attempt] = children(spans, ok)
    assert ok_attempt.name == "GET /v2/payments/{id}"
    assert str((ok_attempt.attributes or {})["url.full"]).endswith(f"/v2/payments/{session.id}")

    assert failed.status.status_code is StatusCode.ERROR
    attrs = dict(failed.attributes or {})
    assert attrs["error.type"] == "pivot_async.NotFoundError"
    assert attrs["http.response.status_code"] == 404
    assert attrs["pivot.attempts"] == 1
    assert failed.status.description == "pivot_async.NotFoundError"  # the class, not the text
    [failed_attempt] = children(spans, failed)
    assert (failed_attempt.attributes or {})["error.type"] == "404"
    assert not any(span.events for span in spans)  # exceptions are not recorded as events


async def test_dropped_connection_is_an_attempt_span_with_the_exception_type(
    traced: tuple[PivotClient, SentHeaders], sandbox: Sandbox, exporter: InMemorySpanExporter,
) -> None:
    client, _ = traced
    session = await client.payments.create(va_request("order9003"))
    sandbox.faults.add(Fault(kind="drop", route="GET /v2/payments/{id}", times=1))
    exporter.clear()
    await client.payments.retrieve(session.id)
    spans = exporter.get_finished_spans()
    [call] = by_name(spans, "pivot GET /v2/payments/{id}")
    first, second = sorted(children(spans, call), key=lambda s: s.start_time or 0)
    error = str((first.attributes or {})["error.type"])
    assert error.startswith("aiohttp.client_exceptions."), error
    assert "http.response.status_code" not in (first.attributes or {})
    assert first.status.status_code is StatusCode.ERROR
    assert (second.attributes or {})["http.request.resend_count"] == 1
    assert (call.attributes or {})["pivot.attempts"] == 2


async def test_the_401_replay_is_an_attempt_span_of_its_own(
    traced: tuple[PivotClient, SentHeaders], sandbox: Sandbox, exporter: InMemorySpanExporter,
) -> None:
    client, _ = traced
    session = await client.payments.create(va_request("order9007"))
    sandbox.revoke_tokens()
    exporter.clear()
    await client.payments.retrieve(session.id)
    spans = exporter.get_finished_spans()
    [call] = by_name(spans, "pivot GET /v2/payments/{id}")
    sent = sorted((s for s in children(spans, call) if s.kind is SpanKind.CLIENT),
                  key=lambda s: s.start_time or 0)
    assert [(s.attributes or {})["http.response.status_code"] for s in sent] == [401, 200]
    assert (sent[1].attributes or {})["http.request.resend_count"] == 1
    assert (call.attributes or {})["pivot.attempts"] == 2
    # the fresh token's request: a call span of its own, under this call
    assert [s.name for s in children(spans, call) if s.kind is SpanKind.INTERNAL] == [
        "pivot POST /v1/access-token"
    ]


async def test_query_values_are_redacted_in_url_full(
    traced: tuple[PivotClient, SentHeaders], exporter: InMemorySpanExporter,
) -> None:
    client, _ = traced
    await client.payments.create(va_request("order9004"))
    exporter.clear()
    await client.charges.list_by_reference("order9004")
    [attempt] = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.CLIENT]
    full = str((attempt.attributes or {})["url.full"])
    assert "order9004" not in full
    assert "clientReferenceId=REDACTED" in full, full
    assert (attempt.attributes or {})["url.template"] == "/v2/charges"


async def test_wallet_calls_carry_the_external_id_and_no_credential(
    provider: TracerProvider, exporter: InMemorySpanExporter, sleeps: RecordingSleep,
) -> None:
    sent = SentHeaders()
    async with Sandbox() as sandbox, aiohttp.ClientSession(
        trace_configs=[sent.config]
    ) as http:
        wallet = sandbox.app[WALLET_APP_KEY]
        creds = wallet.default_merchant.client_credentials()
        async with PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                               wallet=creds, sleep=sleeps, session=http) as client:
            instrument(client, tracer_provider=provider)
            customer = await bind(client, sandbox, wallet)
            await client.wallet.balance(customer)
    spans = exporter.get_finished_spans()
    [call] = by_name(spans, "pivot POST /wallet-backend/snap/v1.0/balance-inquiry")
    assert (call.attributes or {})["pivot.api"] == "snap"
    [attempt] = [s for s in children(spans, call) if s.kind is SpanKind.CLIENT]
    external_id = (attempt.attributes or {})["pivot.external_id"]
    assert isinstance(external_id, str) and external_id.isdigit()
    assert {"pivot POST /snap/v1.0/access-token/b2b",
            "pivot POST /snap/v1.0/access-token/b2b2c"} <= {s.name for s in spans}
    assert sent.values.get("X-SIGNATURE") and sent.values.get("Authorization-Customer")
    values = [v for vs in sent.values.values() for v in vs]
    tokens = [v.removeprefix("Bearer ") for v in values]
    assert_no_secret(spans, [creds.client_secret.get(), sandbox.client_secret, *values, *tokens])


async def test_uninstrument_stops_the_spans(
    traced: tuple[PivotClient, SentHeaders], exporter: InMemorySpanExporter,
) -> None:
    client, _ = traced
    assert is_instrumented(client)
    uninstrument(client)
    assert not is_instrumented(client)
    await client.payments.create(va_request("order9005"))
    assert exporter.get_finished_spans() == ()


def test_route_templates() -> None:
    assert route_template("GET", "/v2/payments/ps_1") == "/v2/payments/{id}"
    assert route_template("POST", "/v2/payments/ps_1/capture") == "/v2/payments/{id}/capture"
    assert route_template("POST", "/v2/payments/ps_1/confirm") == "/v2/payments/{id}/confirm"
    assert route_template("POST", "/v2/payments/ps_1/cancel") == "/v2/payments/{id}/cancel"
    assert route_template("GET", "/v1/refunds/rf_1") == "/v1/refunds/{id}"
    assert route_template("GET", "/v1/customers/c1") == "/v1/customers/{id}"
    assert route_template("POST", "/v2/payments/simulations") == "/v2/payments/simulations"
    assert route_template("POST", "/v2/payments") == "/v2/payments"
    assert route_template("GET", "/v2/payments") == "/v2/payments"


def test_a_client_that_is_not_instrumented_never_imports_opentelemetry() -> None:
    script = textwrap.dedent("""
        import asyncio, sys
        from pivot_async import PivotClient
        from pivot_async.sandbox import Sandbox

        async def main():
            async with Sandbox() as sb, PivotClient(
                sb.client_id, sb.client_secret, base_url=sb.url) as client:
                await client.payments.create({
                    "clientReferenceId": "order9006",
                    "amount": {"value": 50000, "currency": "IDR"},
                    "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
                    "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
                    "mode": "API",
                    "redirectUrl": {"successReturnUrl": "https://shop.example/ok",
                                    "failureReturnUrl": "https://shop.example/fail",
                                    "expirationReturnUrl": "https://shop.example/x"},
                })
                assert client._requestor.instrumentation is None
        asyncio.run(main())
        loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
        assert not loaded, loaded
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
