"""Wallet sandbox state: merchants, tokens, bindings, payments, faults and inspection.

:class:`WalletSandbox` holds every piece of wallet state and the operations the customer-facing
pages and control routes perform (bind, pay, cancel). The HTTP handlers live in the other
``_wallet_*`` modules; they run on the event loop without awaiting between a check and the state
change it guards, so concurrent duplicates cannot both pass.
"""

from __future__ import annotations

import collections
import datetime as _dt
import secrets
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from yarl import URL

from .._signing import RSAPublicKey
from ._clock import Clock
from ._errors import control_error
from ._faults import Fault, FaultRegistry
from ._idempotency import ExternalIdWindow
from ._merchants import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_MERCHANT_ID,
    Merchant,
    Merchants,
    SnapCredentials,
)
from ._recording import RequestLog
from ._wallet_model import (
    DEFAULT_CLIENT_KEY,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PARTNER_ID,
    FAULT_KINDS,
    DecodedQris,
    FaultKind,
    HistoryEntry,
    OttSession,
    Registration,
    Token,
    UnbindLink,
    WalletAccount,
    WalletBinding,
    WalletConfig,
    WalletPayment,
    link_jwt,
    sandbox_key_pem,
    to_decimal,
)

if TYPE_CHECKING:
    from .._wallet import WalletCredentials

__all__ = ["WalletSandbox"]


class WalletSandbox:
    """The state of the Pivot Pay wallet sandbox (SNAP server side).

    Build it with :func:`pivot_async.sandbox._wallet.setup_wallet`, which also adds its routes
    to an ``aiohttp.web.Application``. ``default_merchant`` is a ready test merchant whose
    private key PEM is exposed for tests and demos.
    """

    def __init__(
        self,
        *,
        clock: Clock,
        base_url: Callable[[], str],
        config: WalletConfig | None = None,
        requests: RequestLog | None = None,
        faults: FaultRegistry | None = None,
        merchants: Merchants | None = None,
        owner: Merchant | None = None,
    ) -> None:
        self.config = config or WalletConfig()
        self.merchants = merchants if merchants is not None else Merchants()
        """The one merchant registry (the host sandbox's ``state.merchants`` when mounted)."""
        self.requests = requests if requests is not None else RequestLog()
        """The request log (the host sandbox's one when mounted by ``wallet_hook``)."""
        self.faults = faults if faults is not None else FaultRegistry(clock)
        """The fault registry (the host sandbox's one when mounted by ``wallet_hook``)."""
        self.clock = clock
        self._base_url = base_url
        self._starting_balance = to_decimal(self.config.starting_balance)
        self._link_secret = secrets.token_bytes(32)
        self._tokens: dict[str, Token] = {}
        self.external_ids = ExternalIdWindow(clock.now, self.config.external_id_window)
        """X-EXTERNAL-ID uniqueness per partner (the SNAP twin of ``X-REQUEST-ID`` replay)."""
        self._external_ids = self.external_ids.seen
        self._registrations: dict[str, Registration] = {}
        self._accounts: dict[str, WalletAccount] = {}
        self._bindings: dict[str, WalletBinding] = {}
        self._payments: dict[str, WalletPayment] = {}
        self._payment_keys: dict[tuple[str, str, str], str] = {}
        self._ott_keys: set[tuple[str, str]] = set()
        self._qris: dict[str, DecodedQris] = {}
        self._qris_by_content: dict[str, str] = {}
        self._links: dict[str, Registration | WalletPayment | OttSession | UnbindLink] = {}
        """Link token -> what the customer page behind it shows (one table for every page)."""
        self._debit_attempts: collections.Counter[str] = collections.Counter()
        #: One dict per rejected signature: path, client key and the diagnostic hint, if any
        #: (the last 1,000).
        self.signature_failures: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=1000
        )
        pem = self.config.default_private_key_pem or sandbox_key_pem()
        default = SnapCredentials.of(
            DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET, pem, partner_id=DEFAULT_PARTNER_ID,
            private_key_pem=pem,
        )
        self.default_merchant = self.merchants.add_snap(default, owner)
        """The default merchant's SNAP credentials (those of the host sandbox's default
        merchant when mounted)."""

    # ------------------------------------------------------------------ merchants

    @property
    def base_url(self) -> str:
        """The public base URL of the pages and links the wallet hands out."""
        return self._base_url().rstrip("/")

    def register_merchant(
        self,
        client_key: str,
        client_secret: str,
        public_key: RSAPublicKey | str | bytes,
        *,
        partner_id: str | None = None,
        channel_id: str = DEFAULT_CHANNEL_ID,
        merchant_id: str = DEFAULT_MERCHANT_ID,
        private_key_pem: str | None = None,
    ) -> SnapCredentials:
        """Register a merchant's SNAP credentials in the one registry (``merchants``): client
        key (X-CLIENT-KEY), secret (HMAC key), RSA public key. ``partner_id`` (X-PARTNER-ID)
        defaults to the client key. ``Sandbox.add_merchant(..., snap=...)`` registers payments
        and SNAP credentials of one merchant together."""
        return self.merchants.add_snap(
            SnapCredentials.of(
                client_key,
                client_secret,
                public_key,
                partner_id=partner_id,
                channel_id=channel_id,
                merchant_id=merchant_id,
                private_key_pem=private_key_pem,
            )
        )

    def create_merchant(
        self, *, private_key_pem: str | None = None, channel_id: str = DEFAULT_CHANNEL_ID
    ) -> SnapCredentials:
        """Register a merchant with random credentials; the key pair is generated unless given
        (generation takes up to a second or two)."""
        return self.merchants.add_snap(SnapCredentials.generate(private_key_pem, channel_id))

    def credentials(self, merchant: SnapCredentials | None = None) -> WalletCredentials:
        """Client-side :class:`~pivot_async.WalletCredentials` of ``merchant`` (the default one).

        Raises ``ValueError`` for a merchant registered without its private key.
        """
        return (merchant or self.default_merchant).client_credentials()

    def merchant(self, client_key: str) -> SnapCredentials | None:
        """The SNAP credentials whose client key is ``client_key``, if any."""
        return self.merchants.snap(client_key)

    # ------------------------------------------------------------------ faults

    def fail_next(self, path: str, kind: FaultKind) -> None:
        """Make the next request to ``path`` fail with ``kind``: a shorthand for
        ``faults.add(Fault(..., route="POST <path>", times=1))``, the one fault API.

        ``path`` is a full path (``/wallet-backend/snap/v1.0/debit/payment-host-to-host``, a
        token path) or one relative to the API prefix (``debit/payment-host-to-host``).
        ``"status_500"``, ``"status_504"`` and ``"429"`` answer ``500xx00``, ``504xx00`` or
        ``429xx00`` without processing (a ``status`` fault); ``"response_lost"`` processes and
        commits the request, then drops the connection without answering (a ``drop`` fault).
        Calls queue up per path.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        route = f"POST {self._full_path(path)}"
        if kind == "response_lost":
            self.faults.add(Fault(kind="drop", route=route, times=1))
        else:
            status = 429 if kind == "429" else int(kind.removeprefix("status_"))
            self.faults.add(Fault(kind="status", status=status, route=route, times=1))

    def _full_path(self, path: str) -> str:
        if path.startswith("/"):
            return path
        return f"{self.config.api_prefix.rstrip('/')}/{path}"

    # ------------------------------------------------------------------ inspection

    def token_request_count(self, kind: str) -> int:
        """Token requests handled (any outcome); ``kind`` is ``"b2b"`` or ``"b2b2c"``.

        Read off the one request log: requests answered by an injected ``429``/``5xx`` fault
        never reach the token handler and are not counted here (:meth:`request_count` counts
        them). Like every count of the log, :meth:`Sandbox.reset_requests` resets it.
        """
        return self.requests.handled("POST", self._token_path(kind))

    def tokens_issued(self, kind: str) -> int:
        """Tokens successfully issued (answered 200, even if a fault then lost the answer);
        ``kind`` is ``"b2b"`` or ``"b2b2c"``. Read off the one request log."""
        return self.requests.handled("POST", self._token_path(kind), 200)

    def _token_path(self, kind: str) -> str:
        if kind not in ("b2b", "b2b2c"):
            raise ValueError(f"kind must be 'b2b' or 'b2b2c', not {kind!r}")
        return self.config.b2b_token_path if kind == "b2b" else self.config.b2b2c_token_path

    def request_count(self, path: str) -> int:
        """Requests received on a wallet or token path (full or API-relative), any outcome."""
        return self.requests.count("POST", self._full_path(path))

    def debit_count(self, partner_reference_no: str) -> int:
        """Debits recorded (committed) with this ``partnerReferenceNo``: 0 or 1 per merchant."""
        return sum(p.partner_reference_no == partner_reference_no for p in self.debits)

    def debit_attempts(self, partner_reference_no: str) -> int:
        """Debit requests with this ``partnerReferenceNo`` that passed verification."""
        return self._debit_attempts[partner_reference_no]

    @property
    def debits(self) -> list[WalletPayment]:
        """Every debit (service 54) recorded, in creation order."""
        return [p for p in self._payments.values() if p.service == "54"]

    @property
    def payments(self) -> list[WalletPayment]:
        """Every debit (service 54) and QRIS payment (service 50)."""
        return list(self._payments.values())

    def get_payment(self, reference: str) -> WalletPayment | None:
        """A payment by ``referenceNo`` or, failing that, by a unique ``partnerReferenceNo``."""
        payment = self._payments.get(reference)
        if payment is None:
            found = [p for p in self._payments.values() if p.partner_reference_no == reference]
            payment = found[0] if len(found) == 1 else None
        if payment is not None:
            self._refresh(payment)
        return payment

    @property
    def bindings(self) -> list[WalletBinding]:
        """Every account binding made (active or unbound)."""
        return list(self._bindings.values())

    def get_binding(self, binding_id: str) -> WalletBinding | None:
        """The binding whose id is ``binding_id``, if any."""
        return self._bindings.get(binding_id)

    def get_registration(self, reference_no: str) -> Registration | None:
        """The account-creation request whose ``referenceNo`` is ``reference_no``, if any."""
        return self._registrations.get(reference_no)

    # ------------------------------------------------------------------ control actions

    def complete_binding(self, reference_no: str) -> WalletBinding:
        """What the customer does at the activation link: create (or reuse) the account and
        bind it. Idempotent: a completed registration returns its binding."""
        reg = self._registrations.get(reference_no)
        if reg is None:
            raise control_error(404, "unknown registration referenceNo")
        if reg.binding_id is not None:
            return self._bindings[reg.binding_id]
        now = self.clock.now()
        if now >= reg.expires_at:
            raise control_error(410, "the activation link has expired")
        account = self._accounts.get(reg.phone_no)
        if account is None:
            account = WalletAccount(
                phone_no=reg.phone_no, name=reg.name, balance=self._starting_balance
            )
            self._accounts[reg.phone_no] = account
            if self._starting_balance > 0:
                account.history.append(
                    HistoryEntry(
                        type="TOP_UP",
                        reference_no=str(uuid.uuid4()),
                        partner_reference_no=f"TOPUP-{uuid.uuid4().hex[:16].upper()}",
                        amount=self._starting_balance,
                        date_time=now,
                    )
                )
        binding = WalletBinding(
            binding_id=str(uuid.uuid4()),
            client_key=reg.client_key,
            account=account,
            reference_no=reg.reference_no,
            created_at=now,
        )
        self._bindings[binding.binding_id] = binding
        reg.binding_id = binding.binding_id
        return binding

    def binding_redirect_url(self, reg: Registration) -> str:
        """``redirectUrl`` with the ``bindingId`` query parameter (after completion)."""
        if reg.binding_id is None:
            raise control_error(409, "the registration is not completed")
        return str(URL(reg.redirect_url).update_query(bindingId=reg.binding_id))

    def complete_payment(self, reference: str) -> WalletPayment:
        """What the customer does at ``webRedirectUrl``: pay. ``01`` -> ``00`` with paidTime
        and the balance debited; insufficient funds by then -> ``06`` (Failed)."""
        payment = self._payment_for_control(reference)
        if payment.status == "00":
            return payment
        if payment.status != "01":
            raise control_error(409, f"the payment is in status {payment.status}")
        account = self._bindings[payment.binding_id].account
        if account.balance < payment.amount + payment.fee:
            payment.status = "06"
            raise control_error(409, "insufficient funds: the payment failed")
        account.balance -= payment.amount + payment.fee
        payment.status = "00"
        payment.paid_at = self.clock.now()
        return payment

    def cancel_payment(self, reference: str) -> WalletPayment:
        """The customer cancels at the payment page: ``01`` -> ``05`` (Cancelled)."""
        payment = self._payment_for_control(reference)
        if payment.status == "05":
            return payment
        if payment.status != "01":
            raise control_error(409, f"the payment is in status {payment.status}")
        payment.status = "05"
        return payment

    def set_balance(self, binding_id: str, value: Decimal | str | int) -> Decimal:
        """Set the balance of the wallet behind a binding (tests and demos)."""
        binding = self._bindings.get(binding_id)
        if binding is None:
            raise control_error(404, "unknown bindingId")
        binding.account.balance = to_decimal(value)
        return binding.account.balance

    def _payment_for_control(self, reference: str) -> WalletPayment:
        payment = self.get_payment(reference)
        if payment is None:
            raise control_error(404, "unknown payment referenceNo")
        return payment

    def _refresh(self, payment: WalletPayment) -> None:
        """Lazy expiry: an unpaid payment whose link has expired becomes ``05``."""
        if payment.status == "01" and self.clock.now() >= payment.url_expires_at:
            payment.status = "05"

    # ------------------------------------------------------------------ helpers for handlers

    def _new_link(
        self, *, sub: str, merchant_id: str, session_id: str
    ) -> tuple[str, _dt.datetime]:
        """A page link's token (a JWT like Pivot's) and its expiry, ``link_ttl`` from now."""
        expires = self.clock.now() + _dt.timedelta(seconds=self.config.link_ttl)
        token = link_jwt(
            self._link_secret, sub=sub, merchant_id=merchant_id, session_id=session_id, exp=expires
        )
        return token, expires

    def _page_url(self, page: str, token: str) -> str:
        prefix = self.config.pages_prefix.rstrip("/")
        return f"{self.base_url}{prefix}/{page}?token={token}"

    def _issue(
        self,
        kind: Literal["b2b", "customer", "refresh"],
        client_key: str,
        ttl: float,
        binding_id: str | None = None,
    ) -> Token:
        value = secrets.token_urlsafe(32)
        token = Token(
            value=value,
            kind=kind,
            client_key=client_key,
            expires_at=self.clock.now() + _dt.timedelta(seconds=ttl),
            binding_id=binding_id,
        )
        self._tokens[value] = token
        return token

    def _revoke_binding_tokens(self, binding_id: str) -> None:
        for token in self._tokens.values():
            if token.binding_id == binding_id:
                token.revoked = True

    def _claim_external_id(self, client_key: str, external_id: str) -> bool:
        """Record X-EXTERNAL-ID for this partner; False if already used in the window."""
        return self.external_ids.claim(client_key, external_id)
