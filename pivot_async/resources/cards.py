"""Card encryption on the client: runs off the event loop (by default in a process pool)."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping
from typing import Any, cast

import msgspec

from .._cards import Card, encrypt_card_async
from .._errors import RequestValidationError
from ..models import DeviceInformation
from ..models._strict import suggest
from ..models.params import DeviceInformationParams
from ._base import Resource

_DEVICE_KEYS = frozenset(f.encode_name for f in msgspec.structs.fields(DeviceInformation))


def _check_device(device: object) -> Mapping[str, str] | None:
    """``deviceInformations`` keys must be its documented wire names (hint when close)."""
    if device is None or not isinstance(device, Mapping):
        return cast("Mapping[str, str] | None", device)  # non-mappings: refused downstream
    for key in device:
        if isinstance(key, str) and key not in _DEVICE_KEYS:
            hint = suggest(key, sorted(_DEVICE_KEYS))
            rule = "is not a known field (unknown fields are refused, nothing was sent)"
            if hint is not None:
                rule += f"; did you mean `{hint}`?"
            raise RequestValidationError(f"deviceInformations.{key}", rule)
    return cast("Mapping[str, str]", device)

__all__ = ["Cards"]


class Cards(Resource):
    """``client.cards``."""

    async def encrypt(
        self,
        encryption_key: str,
        card: Card,
        *,
        device: DeviceInformationParams | None = None,
        metadata: Mapping[str, Any] | None = None,
        executor: concurrent.futures.Executor | None = None,
    ) -> str:
        """``encryptedCard`` for a session's ``encryptionKey``, computed off the event loop.

        With ``executor=None`` (the default): a process pool shared by the whole process,
        started at the first encryption, one below-priority worker per CPU, requests made
        together batched to it, where the platform forks processes (Linux) and has two CPUs or
        more; elsewhere the loop's default thread pool. Any executor may be passed instead.
        See :func:`pivot_async.encrypt_card` for the scheme and
        :func:`pivot_async.encrypt_card_async` for the trade-offs.

        ``device`` (``deviceInformations``) takes the documented wire names only
        (:class:`~pivot_async.models.params.DeviceInformationParams`): an unknown key is a
        :class:`~pivot_async.RequestValidationError` with a "did you mean" hint.
        """
        return await encrypt_card_async(
            encryption_key, card, device=_check_device(device), metadata=metadata,
            executor=executor,
        )
