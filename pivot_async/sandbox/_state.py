"""Everything the sandbox remembers, and the one schedule of time-driven transitions."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import heapq
import itertools
import logging
from collections import Counter
from collections.abc import Callable
from typing import Any

from ._merchants import Merchants
from ._models import Charge, Customer, Refund, Session

_log = logging.getLogger("pivot_async.sandbox")

__all__ = ["SandboxState", "StoredCard"]


@dataclasses.dataclass(frozen=True)
class StoredCard:
    """What a card token stands for: the test scenario and the card's display data."""

    token: str
    merchant_id: str
    customer_id: str | None
    card_key: str
    profile: dict[str, Any]


class SandboxState:
    """All resources of all merchants, indexed by id, and the schedule: time-driven changes
    (expiry, capture settlement, refund steps, e-wallet outcomes) in one heap by due time on the
    sandbox clock. :meth:`sweep` runs what is due; the sandbox calls it before every request,
    when ``sandbox.state`` is read and (system clock) from a background ticker, so a test
    advances a :class:`~pivot_async.sandbox.ManualClock` and the next access sees the result."""

    def __init__(self) -> None:
        self.merchants = Merchants()
        """The one merchant registry (payments and SNAP credentials)."""
        self.sessions: dict[str, Session] = {}
        self.charges: dict[str, Charge] = {}
        self.refunds: dict[str, Refund] = {}
        self.customers: dict[str, Customer] = {}
        self.customer_ids: dict[tuple[str, str], str] = {}
        self.card_tokens: dict[str, StoredCard] = {}
        self.va_numbers: dict[tuple[str, str], str] = {}
        """``(channel, number)`` -> id of the session holding that static VA number."""
        self.counters: Counter[str] = Counter()
        self._schedule: list[tuple[_dt.datetime, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    # -- schedule -----------------------------------------------------------------------------
    def schedule(self, due: _dt.datetime, action: Callable[[], None]) -> None:
        """Run ``action`` once the sandbox clock reaches ``due``."""
        heapq.heappush(self._schedule, (due, next(self._seq), action))

    def sweep(self, now: _dt.datetime) -> None:
        """Run every scheduled action that is due."""
        while self._schedule and self._schedule[0][0] <= now:
            _, _, action = heapq.heappop(self._schedule)
            try:
                action()
            except Exception:  # one broken transition must not fail unrelated requests
                _log.exception("a scheduled sandbox transition failed")

    # -- lookups ------------------------------------------------------------------------------
    def next_number(self, name: str) -> int:
        """A per-sandbox counter (VA numbers, STANs...)."""
        self.counters[name] += 1
        return self.counters[name]

    def sessions_by_reference(
        self, reference: str, merchant_id: str | None = None
    ) -> list[Session]:
        """The sessions with this ``clientReferenceId`` (of one merchant, if given)."""
        return [
            s
            for s in self.sessions.values()
            if s.client_reference_id == reference
            and (merchant_id is None or s.merchant_id == merchant_id)
        ]

    def customer_by_email(self, merchant_id: str, email: str) -> Customer | None:
        """A merchant's customer by e-mail (case-insensitive), if any."""
        customer_id = self.customer_ids.get((merchant_id, email.lower()))
        return None if customer_id is None else self.customers[customer_id]
