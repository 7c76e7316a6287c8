"""pivot_async: the asyncio-native client for the Pivot Payment gateway and Pivot Pay wallet.

Public surface:

- :class:`PivotClient` with ``client.payments``, ``client.charges``, ``client.refunds``,
  ``client.customers``, ``client.payment_method_configs``, ``client.simulations``,
  ``client.cards`` and ``client.wallet``;
- configuration: :class:`Timeout`, :class:`RetryPolicy`, :class:`WalletCredentials`,
  :data:`ENV_VARS`; :class:`RawResponse` (``client.with_raw_response``);
- cards: :class:`Card`, :func:`encrypt_card`, :func:`encrypt_card_async`,
  :func:`encryption_process_pool`;
- the error tree rooted at :class:`PivotError`;
- request and response models in :mod:`pivot_async.models`, SNAP signing functions in
  :mod:`pivot_async.signing`, callbacks in :mod:`pivot_async.callbacks`, the embedded gateway in
  :mod:`pivot_async.sandbox`, pytest fixtures in :mod:`pivot_async.testing`.
"""

from ._cards import Card, encrypt_card, encrypt_card_async, encryption_process_pool
from ._client import PivotClient
from ._config import ENV_VARS, PRODUCTION_BASE_URL, SANDBOX_BASE_URL, Timeout
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CallbackVerificationError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DuplicateExternalIdError,
    DuplicatePartnerReferenceError,
    EncryptionError,
    ErrorDetail,
    GatewayTimeoutError,
    IdempotencyError,
    InsufficientFundsError,
    InvalidCustomerTokenError,
    InvalidSignatureError,
    InvalidTokenError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PivotConnectionError,
    PivotError,
    PivotTimeoutError,
    RateLimitError,
    RebindRequiredError,
    RequestValidationError,
    ResponseTooLargeError,
    ResponseValidationError,
    ServerError,
    TransactionNotFoundError,
    UnprocessableEntityError,
)
from ._rate_limit import RateLimiter, TokenBucket
from ._raw import RawResponse
from ._retry import RetryPolicy
from ._token_store import MemoryTokenStore, StoredToken, TokenStore, TokenStoreError
from ._wallet import WalletCredentials, WalletCustomer
from .resources.wallet import DebitResult

__version__ = "0.1.0"

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CallbackVerificationError",
    "Card",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DebitResult",
    "DuplicateExternalIdError",
    "DuplicatePartnerReferenceError",
    "ENV_VARS",
    "EncryptionError",
    "ErrorDetail",
    "GatewayTimeoutError",
    "IdempotencyError",
    "InsufficientFundsError",
    "InvalidCustomerTokenError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "MemoryTokenStore",
    "NotFoundError",
    "OutcomeUnknownError",
    "PRODUCTION_BASE_URL",
    "PermissionDeniedError",
    "PivotClient",
    "PivotConnectionError",
    "PivotError",
    "PivotTimeoutError",
    "RateLimitError",
    "RateLimiter",
    "RawResponse",
    "RebindRequiredError",
    "RequestValidationError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RetryPolicy",
    "SANDBOX_BASE_URL",
    "ServerError",
    "StoredToken",
    "Timeout",
    "TokenBucket",
    "TokenStore",
    "TokenStoreError",
    "TransactionNotFoundError",
    "UnprocessableEntityError",
    "WalletCredentials",
    "WalletCustomer",
    "encrypt_card",
    "encrypt_card_async",
    "encryption_process_pool",
]
