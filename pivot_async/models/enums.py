"""Known values of the gateway's enumerations, for comparison.

Model fields that carry these values are plain ``str``: a value the gateway adds later is kept
as-is instead of failing the decode. Each class is a ``str`` enum, so
``session.status == SessionStatus.PAID`` works directly on the decoded string.
"""

import enum

__all__ = [
    "CallbackEventName",
    "CancellationReason",
    "CaptureMethod",
    "CaptureStatus",
    "ChargeStatus",
    "DestinationType",
    "ExpirationMode",
    "FailureCode",
    "Mode",
    "PaymentMethodType",
    "PaymentType",
    "RefundMethod",
    "RefundReason",
    "RefundStatus",
    "SessionStatus",
    "ThreeDsMethod",
    "WalletTransactionStatus",
]


class SessionStatus(str, enum.Enum):
    """Payment session statuses (docs/reference/wire.md#statuses)."""

    REQUIRE_PAYMENT_METHOD = "REQUIRE_PAYMENT_METHOD"
    REQUIRE_CONFIRMATION = "REQUIRE_CONFIRMATION"
    REQUIRE_ACTION = "REQUIRE_ACTION"
    ACTIVE = "ACTIVE"
    PROCESSING = "PROCESSING"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    INACTIVE = "INACTIVE"
    PAID = "PAID"


class ChargeStatus(str, enum.Enum):
    """Charge statuses (docs/reference/wire.md#statuses)."""

    WAITING_FOR_USER_ACTION = "WAITING_FOR_USER_ACTION"
    WAITING_FOR_AUTHENTICATION = "WAITING_FOR_AUTHENTICATION"
    PROCESSING = "PROCESSING"
    WAITING_FOR_CAPTURE = "WAITING_FOR_CAPTURE"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    EXPIRED = "EXPIRED"


class PaymentMethodType(str, enum.Enum):
    """``paymentMethod.type`` values."""

    VIRTUAL_ACCOUNT = "VIRTUAL_ACCOUNT"
    QR = "QR"
    CARD = "CARD"
    EWALLET = "EWALLET"


class Mode(str, enum.Enum):
    """Session ``mode``: Pivot's hosted redirection or the merchant's own page."""

    REDIRECT = "REDIRECT"
    API = "API"


class PaymentType(str, enum.Enum):
    """Session ``paymentType``: one payment or many (static QR / VA)."""

    SINGLE = "SINGLE"
    MULTIPLE = "MULTIPLE"


class ExpirationMode(str, enum.Enum):
    """Session ``expirationMode`` (CARD and EWALLET only)."""

    LOOSE = "LOOSE"
    STRICT = "STRICT"


class CaptureMethod(str, enum.Enum):
    """``paymentMethodOptions.card.captureMethod`` (lower case on the wire)."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"


class ThreeDsMethod(str, enum.Enum):
    """``paymentMethodOptions.card.threeDsMethod``."""

    AUTOMATIC = "AUTOMATIC"
    NEVER = "NEVER"
    CHALLENGE = "CHALLENGE"


class CaptureStatus(str, enum.Enum):
    """Status of a capture and of a ``captureHistories`` entry."""

    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"


class CancellationReason(str, enum.Enum):
    """Session ``cancellationReason`` values."""

    REQUESTED_BY_CUSTOMER = "REQUESTED_BY_CUSTOMER"
    DUPLICATED = "DUPLICATED"
    VOID_SESSION = "VOID_SESSION"
    CHARGE_FAILED = "CHARGE_FAILED"
    FRAUDULENT = "FRAUDULENT"


class FailureCode(str, enum.Enum):
    """Charge ``failureCode`` values, plus the test-card FDS outcomes.

    See docs/reference/wire.md#failure-codes.
    """

    DECLINED_BY_CHANNEL = "DECLINED_BY_CHANNEL"
    INVALID_ACCOUNT = "INVALID_ACCOUNT"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    SUSPECTED_FRAUD = "SUSPECTED_FRAUD"
    INSUFFICIENT_FUND = "INSUFFICIENT_FUND"
    CHANNEL_UNAVAILABLE = "CHANNEL_UNAVAILABLE"
    CANCELLED_BY_USER = "CANCELLED_BY_USER"
    CHARGE_EXPIRED = "CHARGE_EXPIRED"
    BLOCKED_BY_FDS = "BLOCKED_BY_FDS"
    REQUIRE_REVIEW = "REQUIRE_REVIEW"


class RefundStatus(str, enum.Enum):
    """Refund statuses (docs/reference/wire.md#refunds)."""

    PENDING = "PENDING"
    WAITING_BANK_TRANSFER = "WAITING_BANK_TRANSFER"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class RefundReason(str, enum.Enum):
    """Refund ``reason`` values (the documented, closed set)."""

    SUSPECT_FRAUDULENT = "SUSPECT_FRAUDULENT"
    DUPLICATE = "DUPLICATE"
    REQUESTED_BY_CUSTOMER = "REQUESTED_BY_CUSTOMER"
    CANCELLATION = "CANCELLATION"
    OTHERS = "OTHERS"


class RefundMethod(str, enum.Enum):
    """Refund ``method`` and customer ``refundPreference.method`` values."""

    AUTO = "AUTO"
    TRANSFER_ONLY = "TRANSFER_ONLY"


class DestinationType(str, enum.Enum):
    """Refund ``destinationType``: back to the channel or to a bank account."""

    CHANNEL = "CHANNEL"
    ACCOUNT = "ACCOUNT"


class WalletTransactionStatus(str, enum.Enum):
    """Wallet ``latestTransactionStatus`` codes (SNAP standard set)."""

    SUCCESS = "00"
    INITIATED = "01"
    PAYING = "02"
    PENDING = "03"
    REFUNDED = "04"
    CANCELLED = "05"
    FAILED = "06"
    NOT_FOUND = "07"


class CallbackEventName(str, enum.Enum):
    """Callback ``event`` names, including the documented misspelling ``TRANFER``."""

    PAYMENT_PROCESSING = "PAYMENT.PROCESSING"
    PAYMENT_PAID = "PAYMENT.PAID"
    CHARGE_SUCCESS = "CHARGE.SUCCESS"
    PAYMENT_CANCELLED = "PAYMENT.CANCELLED"
    REFUND_PENDING = "REFUND.PENDING"
    REFUND_WAITING_BANK_TRANFER = "REFUND.WAITING_BANK_TRANFER"
    REFUND_WAITING_BANK_TRANSFER = "REFUND.WAITING_BANK_TRANSFER"
    REFUND_SUCCESS = "REFUND.SUCCESS"
    REFUND_FAILED = "REFUND.FAILED"
