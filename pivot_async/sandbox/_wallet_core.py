"""The wallet sandbox's state (:class:`WalletSandbox`), configuration and records, and the
customer's steps (bind, pay, cancel). Times are aware UTC datetimes from the clock, shown on the
wire in Jakarta time (``+07:00``, ``snap_timestamp``).

The HTTP handlers (other ``_wallet*`` modules) run on the event loop without awaiting between a
check and the state change it guards, so concurrent duplicates cannot both pass."""

from __future__ import annotations

import asyncio
import datetime as _dt
import functools
import re
import secrets
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from yarl import URL

from .._signing import generate_private_key, snap_timestamp
from ._context import SandboxContext
from ._errors import control_error
from ._idempotency import ExternalIdWindow
from ._merchants import SnapCredentials
from ._util import jwt_encode

__all__ = ["WalletSandbox"]

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
    #: X-TIMESTAMP strictly ``yyyy-MM-ddTHH:mm:ss+07:00`` (docs/reference/wire.md#decision-f).
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

    @property
    def status_desc(self) -> str:
        return _STATUSES[self.status][0]

    def to_json(self) -> dict[str, Any]:
        """The payment as the control routes answer it (``/_sandbox/wallet/...``)."""
        out: dict[str, Any] = {
            "referenceNo": self.reference_no,
            "partnerReferenceNo": self.partner_reference_no,
            "serviceCode": self.service,
            "bindingId": self.binding_id,
            "latestTransactionStatus": self.status,
            "transactionStatusDesc": self.status_desc,
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


class WalletSandbox:
    """The state of the Pivot Pay wallet sandbox, ``sandbox.wallet``: its attributes are in
    docs/sandbox_wallet.md ("Inspection")."""

    def __init__(self, ctx: SandboxContext, config: WalletConfig | None = None) -> None:
        self.config = config or WalletConfig()
        self.clock = ctx.clock
        self._ctx = ctx
        self.merchants = ctx.state.merchants
        self._starting_balance = to_decimal(self.config.starting_balance)
        self._link_secret = secrets.token_bytes(32)
        self._tokens: dict[str, Token] = {}
        self.external_ids = ExternalIdWindow(ctx.clock.now, self.config.external_id_window)
        self.registrations: dict[str, Registration] = {}
        self._accounts: dict[str, WalletAccount] = {}  # by phone number
        self.bindings: dict[str, WalletBinding] = {}
        self.payments: dict[str, WalletPayment] = {}  # oldest first
        self._payment_keys: dict[tuple[str, str, str], str] = {}
        self._ott_keys: set[tuple[str, str]] = set()
        self._qris_ids: dict[str, str] = {}  # decoded QRIS content -> its qrisId
        self._links: dict[str, Registration | WalletPayment | PageLink] = {}  # by link token
        self.debit_attempts: Counter[str] = Counter()
        self.signature_failures: deque[dict[str, Any]] = deque(maxlen=1000)
        self._owner = next(iter(self.merchants.values()), None)  # the sandbox's default merchant
        self._default: SnapCredentials | None = None

    @property
    def default_merchant(self) -> SnapCredentials:
        """The test merchant of docs/sandbox_wallet.md, registered on first use or at start."""
        if self._default is None:
            pem = self.config.default_private_key_pem or sandbox_key_pem()
            default = SnapCredentials.of(
                "sandbox-wallet-client",
                "sandbox-wallet-secret",
                pem,
                partner_id="sandbox-wallet-partner",
                private_key_pem=pem,
            )
            self._default = self.merchants.add_snap(default, self._owner)
        return self._default

    async def _start(self, app: object) -> None:
        """At start: the key pair made off the loop (as the card keys), then the test merchant."""
        if self.config.default_private_key_pem is None:
            await asyncio.get_running_loop().run_in_executor(None, sandbox_key_pem)
        self._default = self.default_merchant

    def debit_count(self, partner_reference_no: str) -> int:
        """Debits recorded (committed) with this ``partnerReferenceNo``: 0 or 1 per merchant."""
        debits = (p for p in self.payments.values() if p.service == "54")
        return sum(p.partner_reference_no == partner_reference_no for p in debits)

    def get_payment(self, reference: str) -> WalletPayment | None:
        """A payment by ``referenceNo`` or, failing that, by a unique ``partnerReferenceNo``."""
        payment = self.payments.get(reference)
        if payment is None:
            found = [p for p in self.payments.values() if p.partner_reference_no == reference]
            payment = found[0] if len(found) == 1 else None
        if payment is not None:
            self._refresh(payment)
        return payment

    def complete_binding(self, reference_no: str) -> WalletBinding:
        """The activation page's button: bind a new (or the phone number's) account; idempotent."""
        reg = self.registrations.get(reference_no)
        if reg is None:
            raise control_error(404, "unknown registration referenceNo")
        if reg.binding_id is not None:
            return self.bindings[reg.binding_id]
        now = self.clock.now()
        if now >= reg.expires_at:
            raise control_error(410, "the activation link has expired")
        account = self._accounts.get(reg.phone_no)
        if account is None:
            account = WalletAccount(self._starting_balance)
            self._accounts[reg.phone_no] = account
            if self._starting_balance > 0:
                ref, top_up = str(uuid.uuid4()), f"TOPUP-{uuid.uuid4().hex[:16].upper()}"
                account.history.append(HistoryEntry("TOP_UP", ref, top_up, account.balance, now))
        binding = WalletBinding(str(uuid.uuid4()), reg.client_key, account)
        self.bindings[binding.binding_id] = binding
        reg.binding_id = binding.binding_id
        return binding

    def binding_redirect_url(self, reg: Registration) -> str:
        """``redirectUrl`` with the ``bindingId`` query parameter (after completion)."""
        assert reg.binding_id is not None
        return str(URL(reg.redirect_url).update_query(bindingId=reg.binding_id))

    def complete_payment(self, reference: str) -> WalletPayment:
        """The payment page's Pay: ``01`` -> ``00`` and debited, or ``06`` for lack of funds."""
        payment = self._payment_for_control(reference, "00")
        account = self.bindings[payment.binding_id].account
        if payment.status == "01" and account.balance < payment.amount + payment.fee:
            payment.status = "06"
            raise control_error(409, "insufficient funds: the payment failed")
        if payment.status == "01":
            account.balance -= payment.amount + payment.fee
            payment.status = "00"
            payment.paid_at = self.clock.now()
        return payment

    def cancel_payment(self, reference: str) -> WalletPayment:
        """The customer cancels at the payment page: ``01`` -> ``05`` (Cancelled)."""
        payment = self._payment_for_control(reference, "05")
        payment.status = "05"
        return payment

    def set_balance(self, binding_id: str, value: Decimal | str | int) -> Decimal:
        """Set the balance of the wallet behind a binding (tests and demos)."""
        binding = self.bindings.get(binding_id)
        if binding is None:
            raise control_error(404, "unknown bindingId")
        binding.account.balance = to_decimal(value)
        return binding.account.balance

    def _payment_for_control(self, reference: str, target: str | None = None) -> WalletPayment:
        """The payment named; an action is refused unless it is ``01`` or already ``target``."""
        payment = self.get_payment(reference)
        if payment is None:
            raise control_error(404, "unknown payment referenceNo")
        if target is not None and payment.status not in ("01", target):
            raise control_error(409, f"the payment is in status {payment.status}")
        return payment

    def _refresh(self, payment: WalletPayment) -> None:
        """Lazy expiry: an unpaid payment whose link has expired becomes ``05``."""
        if payment.status == "01" and self.clock.now() >= payment.url_expires_at:
            payment.status = "05"

    def _new_link(
        self, page: str, sub: str, merchant_id: str, session_id: str
    ) -> tuple[str, str, _dt.datetime]:
        """A page link's token (a JWT like Pivot's wallet redirect URLs'), URL and expiry."""
        expires = self.clock.now() + _dt.timedelta(seconds=self.config.link_ttl)
        claims = {"iss": "wallet-backend", "sub": sub, "exp": int(expires.timestamp())}
        claims.update(identifierValue=sub, merchantId=merchant_id, sessionId=session_id)
        token = jwt_encode(claims, self._link_secret)
        prefix = self.config.pages_prefix.rstrip("/")
        return token, f"{self._ctx.base_url.rstrip('/')}{prefix}/{page}?token={token}", expires

    def _issue(self, kind: TokenKind, client_key: str, binding_id: str | None = None) -> Token:
        """A new token, living ``<kind>_token_ttl`` seconds of the config."""
        ttl: float = getattr(self.config, f"{kind}_token_ttl")
        expires = self.clock.now() + _dt.timedelta(seconds=ttl)
        token = Token(secrets.token_urlsafe(32), kind, client_key, expires, binding_id)
        self._tokens[token.value] = token
        return token
