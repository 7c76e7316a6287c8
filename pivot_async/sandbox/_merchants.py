"""The one merchant registry of the sandbox, shared by the payments API and the wallet (SNAP)."""

from __future__ import annotations

import functools
import secrets
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .._signing import (
    RSAPrivateKey,
    RSAPublicKey,
    generate_private_key,
    load_private_key,
    load_public_key,
)

if TYPE_CHECKING:
    from .._wallet import WalletCredentials

__all__ = ["Merchant", "Merchants", "SnapCredentials", "Taken"]

DEFAULT_CHANNEL_ID = "12345"
DEFAULT_MERCHANT_ID = "88042168-bfa6-4e5c-bcca-5abf1d40a181"


@dataclass(frozen=True)
class SnapCredentials:
    """A merchant's Pivot Pay (SNAP) credentials, as the wallet sandbox verifies them."""

    client_key: str
    client_secret: str = field(repr=False)
    public_key: RSAPublicKey = field(repr=False)
    partner_id: str
    channel_id: str = DEFAULT_CHANNEL_ID
    merchant_id: str = DEFAULT_MERCHANT_ID
    #: Only for merchants whose key pair the sandbox generated (tests and demos).
    private_key_pem: str | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls,
        client_key: str,
        client_secret: str,
        public_key: RSAPublicKey | str | bytes,
        *,
        partner_id: str | None = None,
        channel_id: str = DEFAULT_CHANNEL_ID,
        merchant_id: str = DEFAULT_MERCHANT_ID,
        private_key_pem: str | None = None,
    ) -> SnapCredentials:
        """Credentials with the public key given as a key or a PEM; ``partner_id`` defaults
        to the client key."""
        key = public_key if isinstance(public_key, RSAPublicKey) else load_public_key(public_key)
        ids = (partner_id or client_key, channel_id, merchant_id)
        return cls(client_key, client_secret, key, *ids, private_key_pem)

    @classmethod
    def generate(
        cls, private_key_pem: str | None = None, channel_id: str = DEFAULT_CHANNEL_ID
    ) -> SnapCredentials:
        """Random credentials; the key pair is generated unless given (up to a second or two)."""
        pem = private_key_pem or generate_private_key(2048).to_pem()
        suffix, key = secrets.token_hex(6), load_private_key(pem).public_key()
        ids = (f"partner-{suffix}", channel_id, str(uuid.uuid4()))
        return cls(f"merchant-{suffix}", secrets.token_urlsafe(24), key, *ids, pem)

    def private_key(self) -> RSAPrivateKey:
        """The loaded private key (only for sandbox-generated merchants)."""
        if self.private_key_pem is None:
            raise LookupError("the sandbox does not hold this merchant's private key")
        return _cached_key(self.private_key_pem)

    def client_credentials(self) -> WalletCredentials:
        """The client-side :class:`~pivot_async.WalletCredentials` (``ValueError`` when the
        sandbox does not hold the private key)."""
        from .._wallet import WalletCredentials

        if self.private_key_pem is None:
            raise ValueError(f"merchant {self.client_key!r} was registered without a private key")
        ids = {"channel_id": self.channel_id, "partner_id": self.partner_id}
        return WalletCredentials(self.client_key, self.client_secret, self.private_key_pem, **ids)


@functools.lru_cache(maxsize=16)
def _cached_key(pem: str) -> RSAPrivateKey:
    return load_private_key(pem)


class Taken(ValueError):
    """``what`` (``client_id``, ``client_key`` or ``partner_id``) is another merchant's."""

    def __init__(self, what: str, message: str) -> None:
        super().__init__(message)
        self.what = what


@dataclass
class Merchant:
    """A sandbox merchant: payments credentials, its RSA key for card encryption, its callback
    URL and, if it uses the wallet, its SNAP credentials."""

    client_id: str
    client_secret: str = field(repr=False)
    name: str
    key_index: int
    callback_url: str | None = None
    callback_key: str | None = field(default=None, repr=False)
    snap: SnapCredentials | None = None

    @property
    def id(self) -> str:
        """The merchant id: the same value as the client id, as in the gateway's tokens."""
        return self.client_id


class Merchants(Mapping[str, Merchant]):
    """Payments client id -> :class:`Merchant`; SNAP client keys and partner ids index the
    SNAP credentials of the same merchants and of wallet-only ones (registered on their own with
    :meth:`add_snap`)."""

    def __init__(self) -> None:
        self._by_id: dict[str, Merchant] = {}
        self._snap: dict[str, SnapCredentials] = {}
        self._partners: dict[str, str] = {}

    def register(
        self,
        client_id: str,
        client_secret: str,
        *,
        name: str = "Pivot Sandbox",
        callback_url: str | None = None,
        callback_key: str | None = None,
        snap: SnapCredentials | None = None,
    ) -> Merchant:
        """Add a merchant with its own state scope and RSA key (made on first use) and, if
        given, its SNAP credentials. :class:`Taken` if an id or key is taken."""
        if client_id in self._by_id:
            raise Taken("client_id", f"merchant {client_id!r} already exists")
        if snap is not None:
            self.add_snap(snap)
        merchant = Merchant(
            client_id, client_secret, name[:20], len(self._by_id), callback_url, callback_key, snap
        )
        self._by_id[client_id] = merchant
        return merchant

    def add_snap(self, snap: SnapCredentials, merchant: Merchant | None = None) -> SnapCredentials:
        """Register SNAP credentials (of ``merchant``, if given). :class:`Taken` if the client
        key or the partner id is taken."""
        if not snap.client_key or not snap.client_secret:
            raise ValueError("client_key and client_secret are required")
        if snap.client_key in self._snap:
            raise Taken("client_key", "a merchant with this client key is already registered")
        if snap.partner_id in self._partners:
            raise Taken("partner_id", "a merchant with this partner id is already registered")
        self._snap[snap.client_key] = snap
        self._partners[snap.partner_id] = snap.client_key
        if merchant is not None:
            merchant.snap = snap
        return snap

    def snap(self, client_key: str) -> SnapCredentials | None:
        """The SNAP credentials whose client key (``X-CLIENT-KEY``) is ``client_key``."""
        return self._snap.get(client_key)

    def __getitem__(self, client_id: str) -> Merchant:
        return self._by_id[client_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)
