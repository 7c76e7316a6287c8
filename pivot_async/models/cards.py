"""Card encryption structures: the plaintext and the encrypted envelope.

See docs/reference/wire.md#card-encryption.

The plaintext is encrypted client-side (RSA-OAEP-SHA256 + AES-256-GCM) and never sent as-is;
``base64(JSON(envelope))`` is the ``encryptedCard`` string. Keys are lower camelCase
(docs/reference/wire.md#decision-k). Card number and CVC are masked in ``repr``.
"""

from typing import Any

from ._base import Model
from ._util import redacted_repr, redacted_rich_repr

__all__ = [
    "CardEncryptionPayload",
    "DeviceInformation",
    "EncryptedCardEnvelope",
    "PlainCard",
]

_SECRETS = frozenset({"number", "cvc"})


class PlainCard(Model, kw_only=True):
    """The card inside the plaintext: ``number``, ``expiryMonth``, ``expiryYear``, ``cvc``..."""

    number: str | None = None
    expiry_month: str | None = None
    expiry_year: str | None = None
    cvc: str | None = None
    name_on_card: str | None = None

    def __repr__(self) -> str:
        return redacted_repr(self, _SECRETS)

    def __rich_repr__(self) -> Any:
        return redacted_rich_repr(self, _SECRETS)


class DeviceInformation(Model, kw_only=True):
    """Browser/device details sent with the card (``deviceInformations``)."""

    type: str | None = None
    user_agent: str | None = None
    ip_address: str | None = None
    accept_language: str | None = None
    cookie_token: str | None = None
    device_id: str | None = None
    browser_width: str | None = None
    browser_height: str | None = None
    country: str | None = None


class CardEncryptionPayload(Model, kw_only=True):
    """The plaintext that is encrypted: ``card``, ``deviceInformations``, ``metadata``."""

    card: PlainCard | None = None
    device_informations: DeviceInformation | None = None
    metadata: dict[str, Any] | None = None


class EncryptedCardEnvelope(Model, kw_only=True):
    """The encrypted envelope: base64 ``encryptedKey``, ``nonce`` and ``ciphertext``."""

    encrypted_key: str | None = None
    nonce: str | None = None
    ciphertext: str | None = None
