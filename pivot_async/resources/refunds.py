"""Refunds (API v1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from .._config import Timeout
from ..models import CreateRefundRequest, Envelope, Refund
from ..models.params import CreateRefundParams
from ._base import Resource, coerce_params, path_id, required

__all__ = ["Refunds"]


class Refunds(Resource):
    """``client.refunds``."""

    async def create(
        self,
        params: CreateRefundRequest | CreateRefundParams,
        *,
        idempotency_key: str | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> Refund:
        """Create a refund (``POST /v1/refunds``), with an X-REQUEST-ID reused on retries."""
        body = coerce_params(params, CreateRefundRequest)
        env: Envelope[Refund] = await self._requestor.request(
            self._payments, "POST", "/v1/refunds", Refund, body=body,
            options=self._options(
                idempotency_key=idempotency_key, timeout=timeout, max_retries=max_retries
            ),
        )
        return required(env.data)

    async def retrieve(self, refund_id: str, *, timeout: Timeout | float | None = None) -> Refund:
        """Retrieve a refund (``GET /v1/refunds/{id}``)."""
        rid = path_id("refundId", refund_id)
        env: Envelope[Refund] = await self._requestor.request(
            self._payments, "GET", f"/v1/refunds/{rid}", Refund,
            options=self._options(timeout=timeout),
        )
        return required(env.data)

    def list(
        self, *, per_page: int = 20, page: int = 1, timeout: Timeout | float | None = None
    ) -> AsyncIterator[Refund]:
        """Iterate over all refunds (``GET /v1/refunds``), fetching pages as needed."""
        return self._paginate(
            "/v1/refunds", Refund, params={}, per_page=per_page, start_page=page, timeout=timeout
        )
