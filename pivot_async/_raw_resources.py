"""``client.with_raw_response``: every resource method that sends a request, returning a
:class:`~pivot_async.RawResponse` (see :mod:`pivot_async._raw`).

Each attribute is the plain bound method wrapped once by :func:`~pivot_async._raw.with_raw`,
so it keeps the plain method's parameters for type checkers. Not here: ``list`` (an async
iterator over pages), ``cards.encrypt`` (computed locally) and ``wallet.customer`` (a handle).
``tests/client/test_raw_response.py`` checks that every other public method is mirrored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._raw import with_raw

if TYPE_CHECKING:
    from ._client import PivotClient
    from .resources.charges import Charges
    from .resources.configs import PaymentMethodConfigs
    from .resources.customers import Customers
    from .resources.payments import Payments
    from .resources.refunds import Refunds
    from .resources.simulations import Simulations
    from .resources.wallet import Wallet

__all__ = ["WithRawResponse"]


class PaymentsWithRawResponse:
    """``client.with_raw_response.payments``."""

    def __init__(self, payments: Payments) -> None:
        self.create = with_raw(payments.create)
        self.confirm = with_raw(payments.confirm)
        self.retrieve = with_raw(payments.retrieve)
        self.list_by_reference = with_raw(payments.list_by_reference)
        self.cancel = with_raw(payments.cancel)
        self.capture = with_raw(payments.capture)


class ChargesWithRawResponse:
    """``client.with_raw_response.charges``."""

    def __init__(self, charges: Charges) -> None:
        self.list_by_reference = with_raw(charges.list_by_reference)


class RefundsWithRawResponse:
    """``client.with_raw_response.refunds``."""

    def __init__(self, refunds: Refunds) -> None:
        self.create = with_raw(refunds.create)
        self.retrieve = with_raw(refunds.retrieve)


class CustomersWithRawResponse:
    """``client.with_raw_response.customers``."""

    def __init__(self, customers: Customers) -> None:
        self.retrieve = with_raw(customers.retrieve)


class PaymentMethodConfigsWithRawResponse:
    """``client.with_raw_response.payment_method_configs``."""

    def __init__(self, configs: PaymentMethodConfigs) -> None:
        self.retrieve = with_raw(configs.retrieve)


class SimulationsWithRawResponse:
    """``client.with_raw_response.simulations``."""

    def __init__(self, simulations: Simulations) -> None:
        self.create = with_raw(simulations.create)


class WalletWithRawResponse:
    """``client.with_raw_response.wallet``."""

    def __init__(self, wallet: Wallet) -> None:
        self.create_account = with_raw(wallet.create_account)
        self.unbind = with_raw(wallet.unbind)
        self.balance = with_raw(wallet.balance)
        self.debit_status = with_raw(wallet.debit_status)
        self.debit = with_raw(wallet.debit)
        self.apply_ott = with_raw(wallet.apply_ott)
        self.qr_decode = with_raw(wallet.qr_decode)
        self.qr_payment = with_raw(wallet.qr_payment)
        self.history = with_raw(wallet.history)
        self.history_detail = with_raw(wallet.history_detail)


class WithRawResponse:
    """The client's resources, each method returning a :class:`~pivot_async.RawResponse`."""

    def __init__(self, client: PivotClient) -> None:
        self.payments = PaymentsWithRawResponse(client.payments)
        self.charges = ChargesWithRawResponse(client.charges)
        self.refunds = RefundsWithRawResponse(client.refunds)
        self.customers = CustomersWithRawResponse(client.customers)
        self.payment_method_configs = PaymentMethodConfigsWithRawResponse(
            client.payment_method_configs
        )
        self.simulations = SimulationsWithRawResponse(client.simulations)
        self.wallet = WalletWithRawResponse(client.wallet)
