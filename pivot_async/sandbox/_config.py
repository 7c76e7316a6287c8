"""Sandbox settings: credentials, lifetimes, delays and the payment-method config table."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import Any

__all__ = [
    "DEFAULT_CALLBACK_KEY",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "MethodConfig",
    "SandboxConfig",
]

DEFAULT_CLIENT_ID = "0196a1c2-5b7d-7e3f-9a10-5a4db0c0ffee"
"""Client id of the default sandbox merchant (a fixed test value)."""
DEFAULT_CLIENT_SECRET = "sandbox-secret-not-for-production"  # noqa: S105 - a test value
"""Client secret of the default sandbox merchant (a fixed test value)."""
DEFAULT_CALLBACK_KEY = "sandbox-callback-key"
"""Default ``X-API-Key`` the sandbox sends with callbacks."""

CALLBACK_RETRY_SCHEDULE = (300.0, 900.0, 3600.0, 10800.0, 21600.0, 43200.0)
"""Seconds before each callback retry: 5 min, 15 min, 1 h, 3 h, 6 h, 12 h (wire.md#callbacks)."""


@dataclasses.dataclass(frozen=True)
class MethodConfig:
    """One row of ``GET /v2/payment-method-configs`` (wire.md#payment-method-configs)."""

    enabled: bool
    accepted_channels: tuple[str, ...]
    minimum: int
    maximum: int
    maximum_expiry: str

    @property
    def max_expiry_delta(self) -> _dt.timedelta:
        """``"30 DAYS"`` / ``"60 MINUTES"`` as a timedelta."""
        number, unit = self.maximum_expiry.split()
        unit = unit.upper().rstrip("S")
        seconds = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600, "DAY": 86400}[unit]
        return _dt.timedelta(seconds=int(number) * seconds)

    def to_json(self, *, channels: bool = True) -> dict[str, Any]:
        """The method's configuration as served by ``GET /v2/payment-method-configs``."""
        data: dict[str, Any] = {"enabled": self.enabled}
        if channels:
            data["acceptedChannels"] = list(self.accepted_channels)
        data["minimumAmount"] = {"value": self.minimum, "currency": "IDR"}
        data["maximumAmount"] = {"value": self.maximum, "currency": "IDR"}
        data["maximumExpiry"] = self.maximum_expiry
        return data


_VA_CHANNELS = ("DANAMON", "BNI", "MANDIRI", "BSI", "BCA", "BNC", "CIMB", "BRI", "PERMATA")


_METHODS = {  # the documented sample values by paymentMethod.type (wire.md#payment-method-configs)
    "CARD": MethodConfig(True, ("VISA", "MASTERCARD", "JCB"), 10_000, 9_999_999_999, "30 DAYS"),
    "VIRTUAL_ACCOUNT": MethodConfig(True, _VA_CHANNELS, 10_000, 9_999_999_999, "30 DAYS"),
    "QR": MethodConfig(True, ("BNC",), 1_000, 9_999_999, "60 MINUTES"),
    "EWALLET": MethodConfig(True, ("DANA", "SHOPEEPAY"), 10_000, 9_999_999, "30 MINUTES"),
}


@dataclasses.dataclass
class SandboxConfig:
    """Behaviour knobs. Times are seconds on the sandbox clock unless said otherwise."""

    token_ttl: int = 900
    """Lifetime of access tokens (``expiresIn``)."""
    session_ttl: int = 900
    """Default session expiry when ``expiryAt`` is omitted (15 minutes)."""
    idempotency_ttl: int = 86_400
    """How long an ``X-REQUEST-ID`` outcome is kept (24 h)."""
    merchant_name: str = "Pivot Sandbox"
    """Default ``statementDescriptor`` and VA/QR merchant name (at most 20 characters)."""
    capture_delay: float = 0.0
    """A capture stays ``PENDING`` this long, then succeeds (applied on the next access)."""
    ewallet_delay: float = 0.0
    """Delay before an e-wallet test phone number's outcome is applied."""
    refund_step_seconds: float = 2.0
    """Time between two steps of a refund's status path."""
    static_qris_limit: int = 50
    """How many static (MULTIPLE) QRIS a merchant may create."""
    callback_delay_scale: float = 1.0
    """Factor applied to the callback retry schedule (real seconds), e.g. ``0.001`` in tests."""
    callback_timeout: float = 10.0
    """Real seconds one callback attempt may take."""
    request_log_size: int = 10_000
    """How many requests the request log keeps (the oldest are forgotten); counts are kept."""
    methods: dict[str, MethodConfig] = dataclasses.field(default_factory=lambda: dict(_METHODS))
