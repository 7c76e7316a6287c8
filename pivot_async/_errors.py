"""The one error tree of ``pivot_async``.

Every exception the library raises on purpose derives from :class:`PivotError`::

    PivotError
    ├── ConfigurationError            bad client configuration (also ValueError)
    ├── ClientClosedError             the client was used after ``aclose()`` (also RuntimeError)
    ├── RequestValidationError        a request failed client-side validation before any I/O
    │                                 (also ValueError); ``.field`` and ``.rule`` say which and why
    ├── EncryptionError               card encryption failed (malformed ``encryptionKey``...)
    ├── ResponseValidationError       a response did not match its model; ``.path`` names the field
    │   └── ResponseTooLargeError     a response body exceeded ``max_response_bytes``
    ├── PivotConnectionError          the connection failed (the aiohttp exception is chained)
    │   └── PivotTimeoutError         the request timed out
    ├── OutcomeUnknownError           a money-moving call may or may not have happened
    ├── CallbackVerificationError     an incoming callback failed authentication or parsing
    └── APIError                      the gateway answered with an error
        ├── BadRequestError           400 (``api_validation_error``...)
        ├── AuthenticationError       401 (``credentials_invalid``)
        │   └── RebindRequiredError   wallet customer tokens are dead: bind the account again
        ├── PermissionDeniedError     403
        ├── NotFoundError             404 (``resource_missing``, ``not_found``)
        ├── ConflictError             409 (``duplicate_error``)
        │   └── IdempotencyError      409 ``idempotency_error``: a key reused with another payload
        ├── UnprocessableEntityError  422: the request is valid but the resource's state forbids it
        ├── RateLimitError            429 (``frequency_above_limit``); ``.retry_after``
        └── ServerError               5xx and 408

Wallet (SNAP) errors are the same classes, refined by case code, and carry
``response_code`` (e.g. ``"4035414"``), ``service_code`` (``"54"``) and ``case_code`` (``"14"``):

    AuthenticationError
    ├── InvalidSignatureError         401xx00: signature, timestamp or client rejected
    ├── InvalidTokenError             401xx01 / 401xx03: B2B token invalid or unknown
    └── InvalidCustomerTokenError     401xx02 / 401xx04: B2B2C customer token invalid or unknown
    PermissionDeniedError
    └── InsufficientFundsError        403xx14
    NotFoundError
    └── TransactionNotFoundError      404xx01
    ConflictError
    ├── DuplicateExternalIdError      409xx00: X-EXTERNAL-ID reused the same day
    └── DuplicatePartnerReferenceError 409xx01: partnerReferenceNo already processed
    ServerError
    └── GatewayTimeoutError           504 / 504xx00: outcome unknown at the gateway

:func:`~pivot_async._error_factory.make_api_error` (its own module) is the single factory that
maps an HTTP status and a response body to the right class. Exception text never contains
credentials, tokens, signatures or card data: it is built only from the gateway's code,
message, field details and trace id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CallbackVerificationError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "EncryptionError",
    "DuplicateExternalIdError",
    "DuplicatePartnerReferenceError",
    "ErrorDetail",
    "GatewayTimeoutError",
    "InsufficientFundsError",
    "InvalidCustomerTokenError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "IdempotencyError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "PivotConnectionError",
    "PivotError",
    "PivotTimeoutError",
    "RateLimitError",
    "RebindRequiredError",
    "RequestValidationError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ServerError",
    "TransactionNotFoundError",
    "UnprocessableEntityError",
]


class PivotError(Exception):
    """Root of every error raised by ``pivot_async``."""


class ConfigurationError(PivotError, ValueError):
    """The client was configured with a missing or invalid setting."""


class ClientClosedError(PivotError, RuntimeError):
    """A :class:`~pivot_async.PivotClient` was used after it was closed."""


class RequestValidationError(PivotError, ValueError):
    """A request failed client-side validation; nothing was sent.

    ``field`` is the dotted path of the offending field (wire name) and ``rule`` the rule
    it broke, in words.
    """

    def __init__(self, field: str, rule: str) -> None:
        self.field = field
        self.rule = rule
        super().__init__(f"{field}: {rule}")


class EncryptionError(PivotError, ValueError):
    """Card encryption could not be performed (for example a malformed ``encryptionKey``)."""


class ResponseValidationError(PivotError):
    """A response body did not match the expected model (or could not be decoded at all).

    ``path`` is the location of the bad field as reported by the decoder (for example
    ``$.data.amount.value``); ``status`` is the HTTP status of the response; ``request_id``
    the X-REQUEST-ID of the call, when it had one (re-send with it to get the replay). Every
    attribute is set when the error is built.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.path = path
        self.status = status
        self.request_id = request_id
        super().__init__(message)

    def for_request(self, request_id: str) -> ResponseValidationError:
        """A new error like this one naming another call's ``request_id`` (never a change
        to this one, which other callers of a shared token fetch may hold)."""
        return type(self)(str(self), path=self.path, status=self.status, request_id=request_id)


class ResponseTooLargeError(ResponseValidationError):
    """A response body was larger than the client's ``max_response_bytes``; it was not read
    whole (``limit`` is the cap in bytes)."""

    def __init__(
        self,
        message: str,
        *,
        limit: int,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.limit = limit
        super().__init__(message, path="$", status=status, request_id=request_id)

    def for_request(self, request_id: str) -> ResponseTooLargeError:
        """See :meth:`ResponseValidationError.for_request`."""
        return type(self)(str(self), limit=self.limit, status=self.status,
                          request_id=request_id)


class PivotConnectionError(PivotError):
    """The request could not be completed because of a network problem.

    ``request_id`` is the X-REQUEST-ID of a state-changing Payments call (else None): the
    call may have landed, and re-sending it with that key returns the first outcome.
    """

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        self.request_id = request_id
        super().__init__(message)

    def for_request(self, request_id: str) -> PivotConnectionError:
        """A new error like this one naming another call's ``request_id`` (never a change
        to this one, which other callers of a shared token fetch may hold)."""
        return type(self)(str(self), request_id=request_id)


class PivotTimeoutError(PivotConnectionError):
    """The request (or the whole logical call: ``Timeout.total`` is a deadline) timed out."""


class OutcomeUnknownError(PivotError):
    """A money-moving call ended without a definite outcome.

    The gateway may or may not have processed it. ``references`` carries the identifiers
    (``partnerReferenceNo``, ``clientReferenceId``, idempotency key...) needed to check later.
    """

    def __init__(self, message: str, *, references: Mapping[str, str] | None = None) -> None:
        self.references: dict[str, str] = dict(references or {})
        super().__init__(message)


class CallbackVerificationError(PivotError):
    """An incoming callback was rejected (bad ``X-API-Key`` or an unparseable body)."""


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of ``error.details[]``: the field (may be empty) and the message."""

    field: str
    message: str


class APIError(PivotError):
    """The gateway answered with an error status.

    Attributes: ``status`` (HTTP status), ``code`` (Pivot error code or SNAP response code),
    ``message``, ``error_type`` (``API_ERROR``, ``GATEWAY_ERROR``, ``PARTNER_ERROR``),
    ``details`` (field-level details), ``trace_id``, ``request_id`` (the X-REQUEST-ID sent),
    ``retry_after`` (the server's Retry-After hint in seconds, if any). Every attribute is set
    by the constructor; the library never changes an error after building it.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        error_type: str | None = None,
        details: Sequence[ErrorDetail] = (),
        trace_id: str | None = None,
        request_id: str | None = None,
        service_code: str | None = None,
        case_code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.error_type = error_type
        self.details: tuple[ErrorDetail, ...] = tuple(details)
        self.trace_id = trace_id
        self.request_id = request_id
        self.service_code = service_code
        self.case_code = case_code
        self.retry_after = retry_after
        super().__init__(self._render())

    @property
    def response_code(self) -> str | None:
        """The SNAP ``responseCode`` (wallet errors only; same as ``code`` there)."""
        return self.code if self.service_code is not None else None

    def _render(self) -> str:
        head = f"HTTP {self.status}"
        if self.code:
            head += f" {self.code}"
        text = f"{head}: {self.message}" if self.message else head
        if self.details:
            parts = [f"{d.field}: {d.message}" if d.field else d.message for d in self.details]
            joined = "; ".join(parts)
            if joined != self.message:
                text += " [" + joined + "]"
        if self.trace_id:
            text += f" (trace_id={self.trace_id})"
        return text

    @property
    def fields(self) -> dict[str, str]:
        """Field details as a mapping ``{field: message}`` (empty field names skipped)."""
        return {d.field: d.message for d in self.details if d.field}


class BadRequestError(APIError):
    """HTTP 400: the payload was rejected (``api_validation_error``)."""


class AuthenticationError(APIError):
    """HTTP 401: credentials or token rejected (``credentials_invalid``)."""


class RebindRequiredError(AuthenticationError):
    """Both wallet customer tokens are dead: the customer must bind the account again."""


class PermissionDeniedError(APIError):
    """HTTP 403: authenticated, but the operation is not allowed."""


class NotFoundError(APIError):
    """HTTP 404: the resource (or the route) does not exist."""


class ConflictError(APIError):
    """HTTP 409: the request conflicts with an existing record."""


class IdempotencyError(ConflictError):
    """HTTP 409 ``idempotency_error``: the X-REQUEST-ID was reused with a different payload.

    Never retried: it signals a bug in how keys are chosen.
    """


class UnprocessableEntityError(APIError):
    """HTTP 422: the request is valid but the resource's current state forbids it."""


class RateLimitError(APIError):
    """HTTP 429: too many requests. ``retry_after`` is the server's hint in seconds, if any."""


class ServerError(APIError):
    """HTTP 5xx (or 408): the gateway or a downstream partner failed."""


class GatewayTimeoutError(ServerError):
    """HTTP 504: the gateway timed out; the outcome of a money call is unknown."""


class InvalidSignatureError(AuthenticationError):
    """SNAP 401xx00: the signature, the timestamp or the client was rejected."""


class InvalidTokenError(AuthenticationError):
    """SNAP 401xx01 / 401xx03: the B2B access token is invalid, expired or unknown."""


class InvalidCustomerTokenError(AuthenticationError):
    """SNAP 401xx02 / 401xx04: the B2B2C customer token is invalid, expired or unknown."""


class InsufficientFundsError(PermissionDeniedError):
    """SNAP 403xx14: the wallet balance does not cover the amount."""


class TransactionNotFoundError(NotFoundError):
    """SNAP 404xx01: no transaction with that reference."""


class DuplicateExternalIdError(ConflictError):
    """SNAP 409xx00: the X-EXTERNAL-ID was already used today (a generator bug)."""


class DuplicatePartnerReferenceError(ConflictError):
    """SNAP 409xx01: the partnerReferenceNo was already processed."""
