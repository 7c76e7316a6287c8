"""Payment sessions: create, confirm, retrieve, list, cancel, capture."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator

from .._config import Timeout
from .._errors import RequestValidationError
from ..models import (
    CancelPaymentRequest,
    Capture,
    CapturePaymentRequest,
    ConfirmPaymentRequest,
    CreatePaymentRequest,
    Envelope,
    PaymentSession,
)
from ..models.params import (
    CancelPaymentParams,
    CapturePaymentParams,
    ConfirmPaymentParams,
    CreatePaymentParams,
)
from ._base import Resource, coerce_params, path_id, required

__all__ = ["Payments"]


def _submerchant_headers(submerchant_id: str | None) -> dict[str, str] | None:
    if submerchant_id is None:
        return None
    if not isinstance(submerchant_id, str) or not 1 <= len(submerchant_id) <= 64 or any(
        c.isspace() for c in submerchant_id
    ):
        raise RequestValidationError("x-submerchant-id", "must be a sub-account id (1-64 chars)")
    return {"x-submerchant-id": submerchant_id}


class Payments(Resource):
    """``client.payments``: the Payments API v2 session operations."""

    async def create(
        self,
        params: CreatePaymentRequest | CreatePaymentParams,
        *,
        idempotency_key: str | None = None,
        submerchant_id: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> PaymentSession:
        """Create a payment session (``POST /v2/payments``).

        ``params`` is a :class:`CreatePaymentRequest` or a mapping with the documented
        camelCase fields. An X-REQUEST-ID is generated (or ``idempotency_key`` used) once and
        reused by every retry. ``submerchant_id`` acts on behalf of a sub-account.
        """
        body = coerce_params(params, CreatePaymentRequest)
        options = self._options(
            idempotency_key=idempotency_key, timeout=timeout, max_retries=max_retries,
            headers=_submerchant_headers(submerchant_id),
        )
        env: Envelope[PaymentSession] = await self._requestor.request(
            self._payments, "POST", "/v2/payments", PaymentSession, body=body, options=options
        )
        return required(env.data)

    async def confirm(
        self,
        payment_session_id: str,
        params: ConfirmPaymentRequest | ConfirmPaymentParams,
        *,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> PaymentSession:
        """Confirm a session with a payment method (``POST /v2/payments/{id}/confirm``)."""
        sid = path_id("paymentSessionId", payment_session_id)
        body = coerce_params(params, ConfirmPaymentRequest)
        env: Envelope[PaymentSession] = await self._requestor.request(
            self._payments, "POST", f"/v2/payments/{sid}/confirm", PaymentSession, body=body,
            options=self._options(
                idempotency_key=idempotency_key, timeout=timeout, max_retries=max_retries
            ),
        )
        return required(env.data)

    async def retrieve(
        self, payment_session_id: str, *, timeout: Timeout | float | None = None
    ) -> PaymentSession:
        """Retrieve one session by id (``GET /v2/payments/{id}``)."""
        sid = path_id("paymentSessionId", payment_session_id)
        env: Envelope[PaymentSession] = await self._requestor.request(
            self._payments, "GET", f"/v2/payments/{sid}", PaymentSession,
            options=self._options(timeout=timeout),
        )
        return required(env.data)

    def list(
        self,
        *,
        per_page: int = 20,
        page: int = 1,
        timeout: Timeout | float | None = None,
    ) -> AsyncIterator[PaymentSession]:
        """Iterate over all sessions (``GET /v2/payments``), fetching pages as needed."""
        return self._paginate(
            "/v2/payments", PaymentSession, params={}, per_page=per_page, start_page=page,
            timeout=timeout,
        )

    async def list_by_reference(
        self,
        client_reference_id: str,
        *,
        timeout: Timeout | float | None = None,
    ) -> builtins.list[PaymentSession]:
        """All sessions with this ``clientReferenceId`` (``GET /v2/payments?clientReferenceId=``).

        The gateway answers with an array even for one match; every page is fetched.
        """
        if not isinstance(client_reference_id, str) or not client_reference_id:
            raise RequestValidationError("clientReferenceId", "must be a non-empty string")
        return [
            s async for s in self._paginate(
                "/v2/payments", PaymentSession,
                params={"clientReferenceId": client_reference_id},
                per_page=100, start_page=1, timeout=timeout,
            )
        ]

    async def cancel(
        self,
        payment_session_id: str,
        params: CancelPaymentRequest | CancelPaymentParams | None = None,
        *,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> PaymentSession:
        """Cancel (void) a session awaiting a method or confirmation (``.../cancel``)."""
        sid = path_id("paymentSessionId", payment_session_id)
        body = coerce_params(params if params is not None else {}, CancelPaymentRequest)
        env: Envelope[PaymentSession] = await self._requestor.request(
            self._payments, "POST", f"/v2/payments/{sid}/cancel", PaymentSession, body=body,
            options=self._options(
                idempotency_key=idempotency_key, timeout=timeout, max_retries=max_retries
            ),
        )
        return required(env.data)

    async def capture(
        self,
        payment_session_id: str,
        params: CapturePaymentRequest | CapturePaymentParams,
        *,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> Capture:
        """Capture an authorized card charge (``POST /v2/payments/{id}/capture``).

        Omit ``amount`` to capture the full remaining amount; ``releaseRemainingAmount``
        voids the rest of the authorization.
        """
        sid = path_id("paymentSessionId", payment_session_id)
        body = coerce_params(params, CapturePaymentRequest)
        env: Envelope[Capture] = await self._requestor.request(
            self._payments, "POST", f"/v2/payments/{sid}/capture", Capture, body=body,
            options=self._options(
                idempotency_key=idempotency_key, timeout=timeout, max_retries=max_retries
            ),
        )
        return required(env.data)

