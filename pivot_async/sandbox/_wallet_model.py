"""Wallet sandbox: configuration, records and small pure helpers (no I/O). Times are aware UTC
datetimes from the clock, shown on the wire in Jakarta time (``+07:00``, ``snap_timestamp``)."""

from __future__ import annotations

import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .._signing import generate_private_key, snap_timestamp

# Test merchant credentials of the default sandbox merchant (documented in
# docs/sandbox_wallet.md). The RSA key pair is generated once per process.
DEFAULT_CLIENT_KEY = "sandbox-wallet-client"
DEFAULT_CLIENT_SECRET = "sandbox-wallet-secret"  # noqa: S105 - public sandbox credential
DEFAULT_PARTNER_ID = "sandbox-wallet-partner"

# latestTransactionStatus -> (transactionStatusDesc, transaction-history status)
_STATUSES = {
    "00": ("Success", "SUCCESS"),
    "01": ("Initiated", "INIT"),
    "02": ("Paying", "PROCESSING"),
    "03": ("Pending", "PENDING"),
    "04": ("Refunded", "REFUNDED"),
    "05": ("Cancelled", "CANCELLED"),
    "06": ("Failed", "FAILED"),
    "07": ("Not Found", "PENDING"),
}
STATUS_DESC = {code: desc for code, (desc, _) in _STATUSES.items()}


@dataclass(frozen=True)
class WalletConfig:
    """Knobs of the wallet sandbox (docs/sandbox_wallet.md "Configuration"). Every default is
    the behaviour of docs/reference/wire-snap.md#wallet-sandbox."""

    b2b_token_path: str = "/snap/v1.0/access-token/b2b"  # noqa: S105 - a path
    b2b2c_token_path: str = "/snap/v1.0/access-token/b2b2c"  # noqa: S105 - a path
    api_prefix: str = "/wallet-backend/snap/v1.0"
    pages_prefix: str = "/wallet-stg/whitelabel"
    control_prefix: str = "/_sandbox/wallet"
    #: Maximum |X-TIMESTAMP - now| in seconds (docs/reference/wire-snap.md#snap-clock-skew).
    timestamp_skew_seconds: float = 300.0
    #: True: X-TIMESTAMP must be ``yyyy-MM-ddTHH:mm:ss+07:00`` (docs/reference/wire.md#decision-f).
    #: False: any offset, ``Z`` and fractional seconds are accepted.
    strict_timestamp: bool = True
    external_id_window: Literal["jakarta_day", "rolling_24h"] = "jakarta_day"
    b2b_token_ttl: float = 900.0
    customer_token_ttl: float = 3600.0
    refresh_token_ttl: float = 86400.0
    link_ttl: float = 900.0
    starting_balance: Decimal | str | int = "1000000.00"
    default_private_key_pem: str | None = None


@functools.lru_cache(maxsize=1)
def sandbox_key_pem() -> str:
    """The process-wide generated key pair of the default merchant (PKCS#8 PEM)."""
    return generate_private_key(2048).to_pem()


@dataclass
class WalletAccount:
    """A customer's wallet (keyed by phone number); survives unbinding and re-binding."""

    phone_no: str
    name: str
    balance: Decimal
    history: list[HistoryEntry] = field(default_factory=list)


@dataclass
class WalletBinding:
    """The link between a merchant and a customer's wallet; ``binding_id`` is the authCode."""

    binding_id: str
    client_key: str
    account: WalletAccount
    active: bool = True


@dataclass
class Registration:
    """A registration-account-creation waiting for the customer at the activation link."""

    reference_no: str
    client_key: str
    name: str
    phone_no: str
    redirect_url: str
    expires_at: _dt.datetime
    binding_id: str | None = None


TokenKind = Literal["b2b", "customer", "refresh"]


@dataclass
class Token:
    """An issued token: B2B access, customer access or refresh token."""

    value: str
    kind: TokenKind
    client_key: str
    expires_at: _dt.datetime
    binding_id: str | None = None
    revoked: bool = False


@dataclass
class WalletPayment:
    """A debit (service 54) or a QRIS payment (service 50)."""

    reference_no: str
    partner_reference_no: str
    service: str
    binding_id: str
    amount: Decimal
    fee: Decimal
    url_expires_at: _dt.datetime
    return_url: str | None
    failed_url: str | None
    status: str = "01"
    paid_at: _dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The payment as the control routes answer it (``/_sandbox/wallet/...``)."""
        out: dict[str, Any] = {
            "referenceNo": self.reference_no,
            "partnerReferenceNo": self.partner_reference_no,
            "serviceCode": self.service,
            "bindingId": self.binding_id,
            "latestTransactionStatus": self.status,
            "transactionStatusDesc": STATUS_DESC[self.status],
            "amount": money(self.amount),
        }
        if self.paid_at is not None:
            out["paidTime"] = snap_timestamp(self.paid_at)
        return out


@dataclass
class HistoryEntry:
    """One transaction-history row: a top-up, or a payment whose status is read live."""

    type: str
    reference_no: str
    partner_reference_no: str
    amount: Decimal
    date_time: _dt.datetime
    client_key: str | None = None
    payment: WalletPayment | None = None

    @property
    def status(self) -> str:
        return "SUCCESS" if self.payment is None else _STATUSES[self.payment.status][1]


@dataclass
class PageLink:
    """The page an unbinding (an informational page) or an apply-ott (the one-time token
    ``ott``) returns; its "Continue" goes to ``redirect_url``."""

    redirect_url: str | None
    expires_at: _dt.datetime
    ott: str | None = None


def jakarta_date(ts: _dt.datetime) -> _dt.date:
    return (ts.astimezone(_dt.timezone.utc) + _dt.timedelta(hours=7)).date()


_AMOUNT_RE = re.compile(r"(0|[1-9][0-9]{0,15})(\.[0-9]{2})?")


def parse_amount(value: object) -> Decimal | None:
    """A request amount value: a string with 0 or 2 decimals (``"36000"``, ``"10000.00"``)."""
    if not isinstance(value, str) or _AMOUNT_RE.fullmatch(value) is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"))


def money(value: Decimal) -> dict[str, str]:
    """An amount object as the wallet answers it: ``{"value": "10000.00", "currency": "IDR"}``."""
    return {"value": f"{value:.2f}", "currency": "IDR"}


def to_decimal(value: Decimal | str | int) -> Decimal:
    d = Decimal(value)
    if not d.is_finite() or d < 0:
        raise ValueError("a balance must be a finite, non-negative amount")
    return d.quantize(Decimal("0.01"))
