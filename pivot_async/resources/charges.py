"""Charges: lookup by the session's clientReferenceId."""

from __future__ import annotations

from .._config import Timeout
from .._errors import RequestValidationError
from ..models import Charge
from ._base import Resource

__all__ = ["Charges"]


class Charges(Resource):
    """``client.charges``."""

    async def list_by_reference(
        self, client_reference_id: str, *, timeout: Timeout | float | None = None
    ) -> list[Charge]:
        """All charges of the sessions with this ``clientReferenceId`` (``GET /v2/charges``)."""
        if not isinstance(client_reference_id, str) or not client_reference_id:
            raise RequestValidationError("clientReferenceId", "must be a non-empty string")
        return [
            c async for c in self._paginate(
                "/v2/charges", Charge, params={"clientReferenceId": client_reference_id},
                per_page=100, start_page=1, timeout=timeout,
            )
        ]
