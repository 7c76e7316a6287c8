"""Tracing with OpenTelemetry: a span per call, and a CLIENT span per HTTP request sent."""

import asyncio

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from pivot_async import PivotClient, RetryPolicy
from pivot_async.otel import instrument
from pivot_async.sandbox import Fault, Sandbox

SHOWN = ("http.response.status_code", "http.request.resend_count", "error.type")


async def main() -> list[str]:
    exporter = InMemorySpanExporter()  # in an app: an OTLP exporter in a BatchSpanProcessor
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    async with Sandbox() as sandbox, PivotClient(
        sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
        retry_policy=RetryPolicy(base_delay=0.05),
    ) as client:
        instrument(client, tracer_provider=provider)  # instrument(client): the global provider
        sandbox.faults.add(Fault(kind="status", status=503, route="POST /v2/payments", times=1))
        await client.payments.create({
            "clientReferenceId": "order23001",
            "amount": {"value": 50000, "currency": "IDR"},
            "mode": "API",
            "paymentMethod": {"type": "QR"},
            "redirectUrl": {
                "successReturnUrl": "https://shop.example/ok",
                "failureReturnUrl": "https://shop.example/fail",
                "expirationReturnUrl": "https://shop.example/expired",
            },
        })

    spans = sorted(exporter.get_finished_spans(), key=lambda s: s.start_time or 0)
    depth: dict[int | None, int] = {None: -1}
    for span in spans:  # the tree: a parent starts before its children
        depth[span.context.span_id] = depth[span.parent.span_id if span.parent else None] + 1
        attrs = dict(span.attributes or {})
        shown = " ".join(k + "=" + str(attrs[k]) for k in SHOWN if k in attrs)
        print("  " * depth[span.context.span_id] + f"{span.kind.name:8} {span.name}  {shown}")
    return [f"{span.kind.name} {span.name}" for span in spans]


if __name__ == "__main__":
    asyncio.run(main())
