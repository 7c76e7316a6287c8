"""Card encryption on the client: runs in an executor so the event loop never blocks."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping
from typing import Any

from .._cards import Card, encrypt_card_async
from ._base import Resource

__all__ = ["Cards"]


class Cards(Resource):
    """``client.cards``."""

    async def encrypt(
        self,
        encryption_key: str,
        card: Card,
        *,
        device: Mapping[str, str] | None = None,
        metadata: Mapping[str, Any] | None = None,
        executor: concurrent.futures.Executor | None = None,
    ) -> str:
        """``encryptedCard`` for a session's ``encryptionKey``, computed in ``executor``.

        Uses the loop's default thread pool when ``executor`` is None; for throughput on a
        multi-core machine pass :func:`pivot_async.encryption_process_pool` (requests made
        together are batched to its workers). See :func:`pivot_async.encrypt_card` for the
        scheme and :func:`pivot_async.encrypt_card_async` for the trade-offs.
        """
        return await encrypt_card_async(
            encryption_key, card, device=device, metadata=metadata, executor=executor
        )
