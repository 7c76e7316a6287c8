"""Wallet sandbox state (:class:`WalletSandbox`) and the customer's steps (bind, pay, cancel).

The HTTP handlers (other ``_wallet*`` modules) run on the event loop without awaiting between a
check and the state change it guards, so concurrent duplicates cannot both pass."""

from __future__ import annotations

import datetime as _dt
import secrets
import uuid
from collections import Counter, deque
from decimal import Decimal
from typing import Any

from yarl import URL

from ._context import SandboxContext
from ._errors import control_error
from ._idempotency import ExternalIdWindow
from ._merchants import SnapCredentials
from ._util import jwt_encode
from ._wallet_model import (
    DEFAULT_CLIENT_KEY,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PARTNER_ID,
    HistoryEntry,
    PageLink,
    Registration,
    Token,
    TokenKind,
    WalletAccount,
    WalletBinding,
    WalletConfig,
    WalletPayment,
    sandbox_key_pem,
    to_decimal,
)

__all__ = ["WalletSandbox"]


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
        pem = self.config.default_private_key_pem or sandbox_key_pem()
        default = SnapCredentials.of(
            DEFAULT_CLIENT_KEY,
            DEFAULT_CLIENT_SECRET,
            pem,
            partner_id=DEFAULT_PARTNER_ID,
            private_key_pem=pem,
        )
        owner = next(iter(self.merchants.values()), None)  # the sandbox's default merchant
        self.default_merchant = self.merchants.add_snap(default, owner)

    # ------------------------------------------------------------------ inspection

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

    # ------------------------------------------------------------------ control actions

    def complete_binding(self, reference_no: str) -> WalletBinding:
        """What the customer does at the activation link: create (or reuse) the account and
        bind it. Idempotent: a completed registration returns its binding."""
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
            account = WalletAccount(reg.phone_no, reg.name, self._starting_balance)
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
        if reg.binding_id is None:
            raise control_error(409, "the registration is not completed")
        return str(URL(reg.redirect_url).update_query(bindingId=reg.binding_id))

    def complete_payment(self, reference: str) -> WalletPayment:
        """What the customer does at ``webRedirectUrl``: pay. ``01`` -> ``00`` with paidTime
        and the balance debited; insufficient funds by then -> ``06`` (Failed)."""
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
        """The payment ``reference`` names; one in another status than ``01`` or ``target``
        (the status the action leads to: doing it again is a no-op) refuses the action."""
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

    # ------------------------------------------------------------------ helpers for handlers

    def _new_link(
        self, page: str, sub: str, merchant_id: str, session_id: str
    ) -> tuple[str, str, _dt.datetime]:
        """A page link: its token (a JWT shaped like those of Pivot's wallet redirect URLs),
        its URL and its expiry, ``link_ttl`` from now."""
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
