"""Customers (created implicitly from ``customer.email`` when a session is created)."""

from __future__ import annotations

from .._config import Timeout
from ..models import Customer, Envelope
from ._base import Resource, path_id, required

__all__ = ["Customers"]


class Customers(Resource):
    """``client.customers``."""

    async def retrieve(
        self, customer_id: str, *, timeout: Timeout | float | None = None
    ) -> Customer:
        """A customer with its stored payment methods (``GET /v1/customers/{id}``)."""
        cid = path_id("customerId", customer_id)
        env: Envelope[Customer] = await self._requestor.request(
            self._payments, "GET", f"/v1/customers/{cid}", Customer,
            options=self._options(timeout=timeout),
        )
        return required(env.data)
