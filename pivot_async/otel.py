"""OpenTelemetry tracing for a :class:`~pivot_async.PivotClient` (the ``otel`` extra).

Install with ``pip install ".[otel]"`` (``pivot-async[otel]`` once published), then::

    from pivot_async.otel import instrument

    instrument(client)                      # spans go to the global tracer provider
    instrument(client, tracer_provider=tp)  # or to yours

Nothing is traced, and :mod:`opentelemetry` is not imported, until :func:`instrument` is
called: a client that is not instrumented pays one attribute check per call.

Spans, for every call the client makes (Payments, wallet, and the token requests):

- one ``INTERNAL`` span per logical call, named ``pivot {method} {route}`` (for example
  ``pivot POST /v2/payments``), parent of everything below it: ``pivot.api`` (the protocol:
  ``payments``, ``payments-token``, ``snap``, ``snap-token``), ``pivot.attempts``,
  ``pivot.request_id`` (the X-REQUEST-ID of a state-changing Payments call), and on failure
  ``error.type`` (``pivot_async.ServerError``, ...) and, for a gateway error,
  ``pivot.error.code`` (Pivot's error code or the SNAP ``responseCode``) and
  ``pivot.trace_id``. A token request made for the call is a child call span.
- one ``CLIENT`` span per HTTP request sent (each retry and the 401 replay included), named
  ``{method} {route}`` as the HTTP client semantic conventions ask: ``http.request.method``,
  ``url.template`` (``/v2/payments/{id}``), ``url.full`` (query values replaced by
  ``REDACTED``, no userinfo), ``url.scheme``, ``server.address``, ``server.port``,
  ``http.response.status_code``, ``http.request.resend_count`` (from the second request on),
  ``error.type`` (the status code of an error answer, or the exception's class),
  ``pivot.request_id`` and, on wallet calls, ``pivot.external_id`` (X-EXTERNAL-ID).

No attribute, span name or status holds a credential: no header value other than
X-REQUEST-ID and X-EXTERNAL-ID is read, no body is read, exceptions are not recorded as
events (their text is left out; ``error.type`` names the class). No header is added to the
request: trace context is not propagated to Pivot.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import Any

try:
    from opentelemetry import trace
    from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider
except ImportError as exc:  # pragma: no cover - exercised without the extra only
    raise ImportError(
        'pivot_async.otel needs opentelemetry-api: pip install "pivot-async[otel]"'
    ) from exc

from aiohttp import ClientHandlerType, ClientRequest, ClientResponse
from yarl import URL

from ._client import PivotClient
from ._errors import APIError, ConfigurationError, PivotError
from ._middlewares import REQUEST_ID_HEADER
from ._options import RequestOptions
from ._requestor import Protocol, Requestor

__all__ = ["instrument", "is_instrumented", "route_template", "uninstrument"]

_SCHEMA_URL = "https://opentelemetry.io/schemas/1.27.0"
_VERSION = "0.1.0"
EXTERNAL_ID_HEADER = "X-EXTERNAL-ID"

#: The client's routes with an id in the path (every other path it calls has none).
_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (method, re.compile(pattern), template)
    for method, pattern, template in (
        ("GET", r"/v2/payments/[^/]+", "/v2/payments/{id}"),
        ("POST", r"/v2/payments/[^/]+/confirm", "/v2/payments/{id}/confirm"),
        ("POST", r"/v2/payments/[^/]+/cancel", "/v2/payments/{id}/cancel"),
        ("POST", r"/v2/payments/[^/]+/capture", "/v2/payments/{id}/capture"),
        ("GET", r"/v1/refunds/[^/]+", "/v1/refunds/{id}"),
        ("GET", r"/v1/customers/[^/]+", "/v1/customers/{id}"),
    )
)


def route_template(method: str, path: str) -> str:
    """The route of a call with its ids as ``{id}`` (``url.template``): ``GET
    /v2/payments/ps_123`` is ``/v2/payments/{id}``. The client's other paths (creates, lists,
    simulations, wallet endpoints, token requests) carry no id and are their own template."""
    for route_method, pattern, template in _ROUTES:
        if route_method == method and pattern.fullmatch(path):
            return template
    return path


def error_type(exc: BaseException) -> str:
    """``error.type`` of an exception: ``pivot_async.<Name>`` for the client's errors, the
    fully qualified class name otherwise (``TimeoutError``,
    ``aiohttp.client_exceptions.ServerDisconnectedError``)."""
    cls = type(exc)
    if isinstance(exc, PivotError):
        return f"pivot_async.{cls.__qualname__}"
    if cls.__module__ == builtins.__name__:
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _redacted_url(url: URL) -> str:
    """``url.full`` without userinfo or fragment, every query value ``REDACTED``."""
    clean = url.with_user(None).with_fragment(None)
    if url.query_string:
        clean = clean.with_query([(key, "REDACTED") for key in url.query])
    return str(clean)


class _Attempts:
    """The per-attempt layer of one call: the innermost middleware of its chain, so each
    HTTP request sent (a retry, the 401 replay) gets a CLIENT span with the headers the
    outer layers set (X-REQUEST-ID, X-EXTERNAL-ID)."""

    def __init__(self, tracer: Tracer, call: Span, name: str, template: str) -> None:
        self._tracer = tracer
        self._call = call
        self._name = name
        self._template = template
        self.count = 0
        self.request_id: str | None = None
        self.status: int | None = None

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        resend = self.count
        self.count += 1
        url = req.url
        attributes: dict[str, str | int] = {
            "http.request.method": req.method,
            "url.template": self._template,
            "url.full": _redacted_url(url),
            "url.scheme": url.scheme,
            "server.address": url.host or "",
        }
        if url.port is not None:
            attributes["server.port"] = url.port
        if resend:
            attributes["http.request.resend_count"] = resend
        request_id = req.headers.get(REQUEST_ID_HEADER)
        if request_id:
            attributes["pivot.request_id"] = request_id
            if self.request_id is None:
                self.request_id = request_id
                self._call.set_attribute("pivot.request_id", request_id)
        external_id = req.headers.get(EXTERNAL_ID_HEADER)
        if external_id:
            attributes["pivot.external_id"] = external_id
        with self._tracer.start_as_current_span(
            self._name, kind=SpanKind.CLIENT, attributes=attributes,
            record_exception=False, set_status_on_exception=False,
        ) as span:
            try:
                resp = await handler(req)
            except BaseException as exc:
                span.set_attribute("error.type", error_type(exc))
                span.set_status(Status(StatusCode.ERROR, error_type(exc)))
                raise
            self.status = resp.status
            span.set_attribute("http.response.status_code", resp.status)
            if resp.status >= 400:
                span.set_attribute("error.type", str(resp.status))
                span.set_status(Status(StatusCode.ERROR))
            return resp


class _Tracing:
    """What :func:`instrument` hands the requestor: wraps each call in its span."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    async def call(
        self,
        requestor: Requestor,
        protocol: Protocol,
        method: str,
        path: str,
        cast_to: Any,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        options: RequestOptions | None = None,
    ) -> Any:
        template = route_template(method, path)
        url = requestor.url(path)
        attributes: dict[str, str | int] = {
            "pivot.api": protocol.name,
            "http.request.method": method,
            "url.template": template,
            "server.address": url.host or "",
        }
        if url.port is not None:
            attributes["server.port"] = url.port
        with self.tracer.start_as_current_span(
            f"pivot {method} {template}", kind=SpanKind.INTERNAL, attributes=attributes,
            record_exception=False, set_status_on_exception=False,
        ) as span:
            attempts = _Attempts(self.tracer, span, f"{method} {template}", template)
            try:
                result = await requestor.request(
                    protocol, method, path, cast_to, body=body, params=params,
                    options=options, attempt_layer=attempts,
                )
            except BaseException as exc:
                kind = error_type(exc)
                span.set_attribute("error.type", kind)
                if isinstance(exc, APIError):
                    span.set_attribute("http.response.status_code", exc.status)
                    if exc.code:
                        span.set_attribute("pivot.error.code", exc.code)
                    if exc.trace_id:
                        span.set_attribute("pivot.trace_id", exc.trace_id)
                request_id = getattr(exc, "request_id", None)
                if isinstance(request_id, str) and attempts.request_id is None:
                    span.set_attribute("pivot.request_id", request_id)
                span.set_status(Status(StatusCode.ERROR, kind))
                raise
            finally:
                span.set_attribute("pivot.attempts", attempts.count)
            if attempts.status is not None:
                span.set_attribute("http.response.status_code", attempts.status)
            return result


def _requestor_of(client: PivotClient) -> Requestor:
    if not isinstance(client, PivotClient):
        raise ConfigurationError("instrument() takes a PivotClient")
    return client._requestor


def instrument(client: PivotClient, *, tracer_provider: TracerProvider | None = None) -> None:
    """Trace every call of ``client`` (see the module docs for the spans and attributes).

    ``tracer_provider``: where the spans go (default: the global one,
    :func:`opentelemetry.trace.get_tracer_provider`). Calling it again replaces the provider.
    """
    tracer = trace.get_tracer(
        "pivot_async", _VERSION, tracer_provider=tracer_provider, schema_url=_SCHEMA_URL
    )
    _requestor_of(client).instrumentation = _Tracing(tracer)


def uninstrument(client: PivotClient) -> None:
    """Stop tracing ``client``'s calls (calls already under way finish their spans)."""
    _requestor_of(client).instrumentation = None


def is_instrumented(client: PivotClient) -> bool:
    """True if :func:`instrument` was called on ``client`` (and not undone)."""
    return _requestor_of(client).instrumentation is not None
