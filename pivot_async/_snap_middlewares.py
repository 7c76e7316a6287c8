"""The wallet's middleware chain: retry ─► SNAP auth ─► X-EXTERNAL-ID + signature ─► log.

Every attempt (retries and the 401 replay included) gets a new X-EXTERNAL-ID, a new
X-TIMESTAMP and a new signature over the exact body bytes that are sent
(docs/reference/wire.md#decision-g, #decision-i).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import ClientHandlerType, ClientRequest, ClientResponse
from yarl import URL

from ._auth import TokenCache
from ._error_factory import snap_code_parts, snap_response_code
from ._errors import ResponseTooLargeError
from ._middlewares import CREDENTIAL_HEADERS, logger, same_origin
from ._signing import HmacKey, external_id, snap_stamps, string_to_sign
from ._transport import DEFAULT_MAX_RESPONSE_BYTES, read_body

if TYPE_CHECKING:
    from ._config import Secret
    from ._wallet import WalletCustomer

WallClock = Callable[[], datetime.datetime]

__all__ = [
    "SERVICES",
    "SnapAuthMiddleware",
    "SnapSignatureMiddleware",
    "service_of",
    "snap_retry_safe",
]

#: Wallet endpoint -> (service code, retry class);
#: see docs/reference/wire-snap.md#snap-retry-classes.
SERVICES: dict[str, tuple[str, str]] = {
    "registration-account-creation": ("06", "state"),
    "registration-account-unbinding": ("09", "state"),
    "balance-inquiry": ("11", "inquiry"),
    "transaction-history-list": ("12", "inquiry"),
    "transaction-history-detail": ("13", "inquiry"),
    "qr/qr-mpm-decode": ("48", "inquiry"),
    "qr/apply-ott": ("49", "state"),
    "qr/qr-mpm-payment": ("50", "state"),
    "debit/payment-host-to-host": ("54", "money"),
    "debit/status": ("55", "inquiry"),
}


def service_of(path: str) -> tuple[str, str] | None:
    """(service code, retry class) of a wallet path, or None for an unknown path."""
    for endpoint, info in SERVICES.items():
        if path.endswith("/" + endpoint):
            return info
    return None


def snap_retry_safe(req: ClientRequest, status: int | None) -> bool:
    """Wallet retry rule: 429 was not processed (always safe); 5xx, timeouts and lost
    connections are re-sent only for inquiries. Money and state-changing calls are resolved
    by the resource (status first), never re-sent blindly."""
    if status == 429:
        return True
    info = service_of(req.url.path)
    return info is not None and info[1] == "inquiry"


async def _case_code(resp: ClientResponse, limit: int) -> str | None:
    """The case code of a 401 (the body is read once, capped, and kept for the caller)."""
    try:
        parts = snap_code_parts(snap_response_code(await read_body(resp, limit)))
    except (aiohttp.ClientError, ResponseTooLargeError):
        return None
    return parts[2] if parts else None


class SnapAuthMiddleware:
    """Authorization (B2B) and, for customer calls, Authorization-Customer (B2B2C).

    Only for the configured origin. On 401xx01/03 the B2B token is invalidated (if still
    cached) and the call replayed once; on 401xx02/04 the customer token likewise (so a call
    whose two tokens both expired is replayed at most twice, once per token). A 401 whose body
    names no SNAP case (another error shape, or none) invalidates every token the call used and
    replays once too; 401xx00 (signature or timestamp refused) is not replayed. A 401 is a
    rejection before processing, so the replay cannot duplicate a debit. Tokens stay
    :class:`Secret` values in this frame.
    """

    fetches_tokens = True  # a rate limit goes after it: the slot is not spent on a token wait

    def __init__(
        self, b2b: TokenCache, origin: URL, customer: WalletCustomer | None = None,
        *, max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self._b2b = b2b
        self._origin = origin
        self._customer = customer
        self._limit = max_response_bytes

    async def _apply(self, req: ClientRequest) -> tuple[Secret, Secret | None]:
        token = await self._b2b.get()
        req.headers["Authorization"] = "Bearer " + token.get()
        customer_token = None
        if self._customer is not None:
            customer_token = await self._customer.access_secret()
            req.headers["Authorization-Customer"] = "Bearer " + customer_token.get()
        return token, customer_token

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if not same_origin(req.url, self._origin):
            for name in CREDENTIAL_HEADERS:
                req.headers.pop(name, None)
            return await handler(req)
        token, customer_token = await self._apply(req)
        replayed_b2b = replayed_customer = replayed_unknown = False
        while True:
            resp = await handler(req)
            if resp.status != 401:
                return resp
            case = await _case_code(resp, self._limit)
            if case in ("01", "03") and not replayed_b2b:
                self._b2b.invalidate(token)
                replayed_b2b = True
            elif (
                case in ("02", "04") and self._customer is not None and customer_token
                and not replayed_customer
            ):
                self._customer.invalidate(customer_token)
                replayed_customer = True
            elif case is None and not (replayed_unknown or replayed_b2b or replayed_customer):
                # No SNAP case to go by: any token the call used may be the dead one.
                self._b2b.invalidate(token)
                if self._customer is not None and customer_token:
                    self._customer.invalidate(customer_token)
                replayed_unknown = True
            else:
                return resp
            resp.release()
            logger.info("replaying %s %s with a fresh wallet token", req.method, req.url.path)
            token, customer_token = await self._apply(req)


class SnapSignatureMiddleware:
    """Per attempt: a new numeric X-EXTERNAL-ID, and, for the configured origin,
    X-TIMESTAMP and the HMAC-SHA512 X-SIGNATURE over the exact body bytes sent.

    See docs/reference/wire.md#decision-i.
    """

    def __init__(
        self, client_secret: Secret, origin: URL, *, wall_clock: WallClock | None = None
    ) -> None:
        self._key = HmacKey(client_secret)
        self._origin = origin
        self._now = wall_clock

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        # One reading of the clock (the current second's stamps are formatted once a second).
        timestamp, stamp = snap_stamps(self._now() if self._now else None)
        req.headers["X-EXTERNAL-ID"] = external_id(stamp=stamp)
        if same_origin(req.url, self._origin) and req.headers.get(
            "Authorization", ""
        ).startswith("Bearer "):
            await self._sign(req, timestamp)
        return await handler(req)

    async def _sign(self, req: ClientRequest, timestamp: str) -> None:
        """Set X-TIMESTAMP and X-SIGNATURE (its own frame: the token it reads and the
        signature it makes are gone from the stack before the request is sent)."""
        body_payload = req.body
        body = b"" if isinstance(body_payload, bytes) else await body_payload.as_bytes()
        req.headers["X-TIMESTAMP"] = timestamp
        req.headers["X-SIGNATURE"] = self._key.sign(string_to_sign(
            req.method, req.url.raw_path, req.headers["Authorization"][len("Bearer "):], body,
            timestamp,
        ))
