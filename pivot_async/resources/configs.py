"""Payment-method configs: enabled methods, channels and limits."""

from __future__ import annotations

from .._config import Timeout
from ..models import Envelope
from ..models import PaymentMethodConfigs as PaymentMethodConfigsModel
from ._base import Resource, required

__all__ = ["PaymentMethodConfigs"]


class PaymentMethodConfigs(Resource):
    """``client.payment_method_configs``."""

    async def retrieve(
        self, *, timeout: Timeout | float | None = None
    ) -> PaymentMethodConfigsModel:
        """The merchant's payment-method configuration (``GET /v2/payment-method-configs``)."""
        env: Envelope[PaymentMethodConfigsModel] = await self._requestor.request(
            self._payments, "GET", "/v2/payment-method-configs", PaymentMethodConfigsModel,
            options=self._options(timeout=timeout),
        )
        return required(env.data)
