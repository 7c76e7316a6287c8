"""Sandbox-only payment simulations."""

from __future__ import annotations

from .._config import Timeout
from .._errors import ConfigurationError
from ..models import Envelope, SimulationRequest, SimulationResult
from ..models.params import SimulationParams
from ._base import Resource, coerce_params, required

__all__ = ["Simulations"]


class Simulations(Resource):
    """``client.simulations``: settle or expire QRIS, VA and e-wallet charges (sandbox only)."""

    async def create(
        self,
        params: SimulationRequest | SimulationParams,
        *,
        timeout: Timeout | float | None = None,
    ) -> SimulationResult:
        """Simulate a charge outcome (``POST /v2/payments/simulations``).

        Refused with :class:`ConfigurationError` against production: simulations exist
        only in the sandbox.
        """
        if self._client.environment == "production":
            raise ConfigurationError(
                "simulations are sandbox-only; this client targets production"
            )
        body = coerce_params(params, SimulationRequest)
        env: Envelope[SimulationResult] = await self._requestor.request(
            self._payments, "POST", "/v2/payments/simulations", SimulationResult, body=body,
            options=self._options(timeout=timeout),
        )
        return required(env.data)
