"""Card data: validation and the gateway's hybrid card encryption.

The encryption: docs/reference/wire.md#card-encryption.

:class:`Card` validates raw card data once, on construction, and never shows the full PAN or
the CVC: its ``repr``/``str`` show at most the first six and last four digits, and every
validation error names the field and the rule without echoing the value.

:func:`encrypt_card` turns a :class:`Card` into the ``paymentMethod.card.encryptedCard`` value
for ``POST /v2/payments/{id}/confirm``, using the session's ``encryptionKey``:

1. ``encryptionKey`` is the standard base64 of a DER SubjectPublicKeyInfo RSA public key;
2. a random 32-byte AES-256 key and a random 12-byte nonce are drawn;
3. ``ciphertext = AES-256-GCM(key, nonce, plaintext)``, no AAD, the 16-byte tag appended;
4. the AES key is wrapped with RSA-OAEP, SHA-256 and MGF1-SHA-256, empty label;
5. the envelope ``{"encryptedKey", "nonce", "ciphertext"}`` (lower camelCase,
   docs/reference/wire.md#decision-k), each value standard base64 with padding, is encoded as
   compact JSON;
6. the result is the standard base64 of the envelope's UTF-8 bytes.

It is a pure, synchronous function of its inputs (plus fresh randomness).
:func:`encrypt_card_async` runs it in an executor so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import functools
import hashlib
import os
import secrets
import weakref
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

import msgspec
from Crypto.Cipher import AES, PKCS1_OAEP
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA

from ._card import _ASCII_WS, Card
from ._errors import EncryptionError, RequestValidationError

__all__ = ["Card", "encrypt_card", "encrypt_card_async", "encryption_process_pool"]

#: Smallest RSA modulus accepted for ``encryptionKey``, in bits.
MIN_RSA_BITS = 2048
#: Largest RSA modulus accepted for ``encryptionKey``, in bits (a sanity bound).
MAX_RSA_BITS = 16384

_AES_KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16
_SHA256_BYTES = 32

# --- encryption ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=128)
def _load_public_key(encryption_key: str) -> RSA.RsaKey:
    """Parse ``encryptionKey`` (base64 DER SubjectPublicKeyInfo, RSA >= 2048 bits). Cached."""
    compact = _ASCII_WS.sub("", encryption_key)
    if not compact:
        raise EncryptionError("the encryption key is empty")
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncryptionError("the encryption key is not valid standard base64") from exc
    try:
        key = RSA.import_key(der)
    except (ValueError, IndexError, TypeError) as exc:
        raise EncryptionError(
            "the encryption key is not a DER SubjectPublicKeyInfo RSA public key"
        ) from exc
    if key.has_private():
        raise EncryptionError("the encryption key is a private key; a public key is expected")
    # import_key also takes PKCS#1, X.509 certificates and other forms: only the canonical
    # DER SubjectPublicKeyInfo re-exports to the same bytes.
    if key.export_key(format="DER") != der:
        raise EncryptionError("the encryption key is not a DER SubjectPublicKeyInfo RSA public key")
    if key.e < 3 or key.e % 2 == 0:
        raise EncryptionError("the encryption key has an invalid RSA public exponent")
    bits = key.size_in_bits()
    if not MIN_RSA_BITS <= bits <= MAX_RSA_BITS:
        raise EncryptionError(
            f"the encryption key has {bits} bits; {MIN_RSA_BITS} to {MAX_RSA_BITS} are accepted"
        )
    return key


def _mgf1_sha256(seed: bytes, length: int) -> bytes:
    """MGF1 with SHA-256 (RFC 8017 B.2.1).

    Same output as ``Crypto.Signature.pss.MGF1(seed, length, SHA256)``, built on ``hashlib``:
    pycryptodome's version makes several cffi calls per block and was half the OAEP cost.
    """
    blocks = [
        hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        for counter in range(-(-length // _SHA256_BYTES))
    ]
    return b"".join(blocks)[:length]


def _device_informations(device: Mapping[str, str] | None) -> dict[str, str]:
    if device is None:
        return {}
    if not isinstance(device, Mapping):
        raise RequestValidationError("deviceInformations", "must be a mapping of strings")
    out: dict[str, str] = {}
    for key, value in device.items():
        if not isinstance(key, str):
            raise RequestValidationError("deviceInformations", "keys must be strings")
        if not isinstance(value, str):
            raise RequestValidationError(f"deviceInformations.{key}", "must be a string")
        out[key] = value
    return out


def _plaintext(
    card: Card, device: Mapping[str, str] | None, metadata: Mapping[str, Any] | None
) -> bytes:
    if metadata is not None and not isinstance(metadata, Mapping):
        raise RequestValidationError("metadata", "must be a mapping")
    payload = {
        "card": {
            "number": card._number,
            "expiryMonth": f"{card._month:02d}",
            "expiryYear": f"{card._year % 100:02d}",
            "cvc": card._cvc if card._cvc is not None else "",
            "nameOnCard": card._name if card._name is not None else "",
        },
        "deviceInformations": _device_informations(device),
        "metadata": dict(metadata) if metadata is not None else {},
    }
    try:
        return msgspec.json.encode(payload)
    except (TypeError, ValueError, msgspec.EncodeError):
        # Card fields and device values are strings, so only metadata can fail. The cause is
        # not chained: its text is the encoder's, and card data must never reach an error.
        raise RequestValidationError("metadata", "must be JSON-serialisable") from None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encrypt_card(
    encryption_key: str,
    card: Card,
    *,
    device: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> str:
    """Encrypt ``card`` for ``paymentMethod.card.encryptedCard``.

    The scheme: docs/reference/wire.md#card-encryption.

    ``encryption_key`` is the payment session's ``encryptionKey`` (standard base64 of a DER
    SubjectPublicKeyInfo RSA public key, 2048 to 16384 bits). Parsed keys are cached (the 128
    most recent). Returns the standard base64 of the compact envelope JSON
    ``{"encryptedKey":…,"nonce":…,"ciphertext":…}``.

    The encrypted plaintext is compact UTF-8 JSON, keys in this order::

        {"card":{"number":"<digits>","expiryMonth":"MM","expiryYear":"YY",
                 "cvc":"<cvc>","nameOnCard":"<name>"},
         "deviceInformations":{...},"metadata":{...}}

    Representation of absent values (the documented UI example sends ``""`` for empty form
    fields and ``{}`` for empty objects, so this follows it): every key is always present;
    an absent ``cvc`` or ``name_on_card`` is ``""``; absent ``device`` and ``metadata`` are
    ``{}``. ``device`` values must all be strings (``deviceInformations`` is all strings);
    ``metadata`` must be a JSON-serialisable mapping. ASCII whitespace inside the key (line
    wrapping) is ignored; anything else that is not standard base64 is rejected.

    Raises :class:`~pivot_async.EncryptionError` for a malformed key (the parsing error is
    chained as the cause) and :class:`~pivot_async.RequestValidationError` for bad ``device``
    or ``metadata``. No error text contains card data.

    Synchronous and CPU-bound: about 0.3 ms with RSA-2048 on a small VM, mostly pycryptodome's
    Python glue (see ``benchmarks/card_encryption.py``).
    """
    if not isinstance(card, Card):
        raise TypeError("card must be a pivot_async.Card")
    rsa_key = _checked_key(encryption_key)
    return _seal(rsa_key, _plaintext(card, device, metadata))


def _checked_key(encryption_key: object) -> RSA.RsaKey:
    if not isinstance(encryption_key, str):
        raise EncryptionError("the encryption key must be a string")
    return _load_public_key(encryption_key)


def _seal(rsa_key: RSA.RsaKey, plaintext: bytes) -> str:
    """The hybrid encryption itself: steps 2 to 6 of the scheme, inputs already validated."""
    aes_key = secrets.token_bytes(_AES_KEY_BYTES)
    nonce = secrets.token_bytes(_NONCE_BYTES)
    gcm = AES.new(aes_key, AES.MODE_GCM, nonce=nonce, mac_len=_TAG_BYTES)
    ciphertext, tag = gcm.encrypt_and_digest(plaintext)
    oaep = PKCS1_OAEP.new(rsa_key, hashAlgo=SHA256, mgfunc=_mgf1_sha256)
    wrapped_key = oaep.encrypt(aes_key)
    envelope = msgspec.json.encode(
        {
            "encryptedKey": _b64(wrapped_key),
            "nonce": _b64(nonce),
            "ciphertext": _b64(ciphertext + tag),
        }
    )
    return _b64(envelope)


def _seal_batch(items: list[tuple[str, bytes]]) -> list[str]:
    """Worker-process entry point: seal each ``(encryption_key, plaintext)``.

    Top-level so that a process pool can pickle a reference to it. The keys were validated in
    the parent, so a failure here is a bug or a broken worker, reported as such by the caller.
    """
    return [_seal(_load_public_key(key), plaintext) for key, plaintext in items]


def _lower_priority(niceness: int) -> None:
    """Process-pool initializer: run the worker below the event loop's priority."""
    if niceness <= 0:
        return
    with contextlib.suppress(OSError, AttributeError):  # not permitted, or not POSIX
        os.nice(niceness)
    with contextlib.suppress(OSError, AttributeError):  # Linux only
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


def encryption_process_pool(
    max_workers: int | None = None, *, niceness: int = 10
) -> ProcessPoolExecutor:
    """A :class:`~concurrent.futures.ProcessPoolExecutor` suited to :func:`encrypt_card_async`.

    ``max_workers`` defaults to the number of CPUs. Each worker lowers its own scheduling
    priority by ``niceness`` (POSIX ``nice``) and, on Linux, moves to the ``SCHED_IDLE``
    policy (both ignored where unsupported), so that when the workers keep every core busy the
    operating system still runs the event loop's thread first as soon as it has work:
    encryption throughput comes from the spare CPU, not from the loop's latency. Pass
    ``niceness=0`` to keep the workers at normal priority and policy.

    Use it as a context manager, or call ``shutdown()`` when done::

        with encryption_process_pool() as pool:
            token = await client.cards.encrypt(key, card, executor=pool)
    """
    if max_workers is not None and max_workers < 1:
        raise ValueError("max_workers must be at least 1")
    if niceness < 0:
        raise ValueError("niceness must be 0 or more (workers never outrank the loop)")
    return ProcessPoolExecutor(
        max_workers=max_workers, initializer=_lower_priority, initargs=(niceness,)
    )


_Pending = tuple[str, bytes, "asyncio.Future[str]"]


class _ProcessBatcher:
    """Coalesces encryption requests into batches for a process pool.

    One IPC round trip per request costs about as much as the encryption itself, so requests
    travel in batches of up to :data:`_MAX_BATCH`. At most two batches per worker are in
    flight (one running, one queued behind it); requests that arrive while every slot is
    taken wait in the parent and leave together when a batch comes back. A lone request on
    an idle pool is sent at once.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, executor: ProcessPoolExecutor) -> None:
        self._loop = loop
        self._executor = executor
        workers = max(1, getattr(executor, "_max_workers", None) or os.cpu_count() or 1)
        self._slots = 2 * workers
        self._in_flight = 0
        self._scheduled = False
        self._pending: list[_Pending] = []

    def submit(self, encryption_key: str, plaintext: bytes) -> asyncio.Future[str]:
        future: asyncio.Future[str] = self._loop.create_future()
        self._pending.append((encryption_key, plaintext, future))
        if not self._scheduled:  # let the requests made in this loop iteration gather
            self._scheduled = True
            self._loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        self._pending = [item for item in self._pending if not item[2].done()]  # cancelled
        while self._pending and self._in_flight < self._slots:
            free = self._slots - self._in_flight
            size = min(_MAX_BATCH, -(-len(self._pending) // free))
            chunk, self._pending = self._pending[:size], self._pending[size:]
            try:
                job = self._loop.run_in_executor(
                    self._executor, _seal_batch, [(key, text) for key, text, _ in chunk]
                )
            except Exception as exc:  # a shut-down or broken pool refuses new work
                _fail(chunk, exc)
                continue
            self._in_flight += 1
            job.add_done_callback(functools.partial(self._done, chunk))

    def _done(self, chunk: list[_Pending], job: asyncio.Future[list[str]]) -> None:
        self._in_flight -= 1
        _deliver(chunk, job)
        if self._pending:
            self._flush()


def _fail(chunk: list[_Pending], exc: BaseException) -> None:
    for _, _, future in chunk:
        if not future.done():
            error = EncryptionError(f"the encryption worker pool failed ({type(exc).__name__})")
            error.__cause__ = exc
            future.set_exception(error)


def _deliver(chunk: list[_Pending], job: asyncio.Future[list[str]]) -> None:
    if job.cancelled():
        for _, _, future in chunk:
            future.cancel()
        return
    exc = job.exception()
    if exc is not None:
        _fail(chunk, exc)
        return
    for (_, _, future), result in zip(chunk, job.result(), strict=True):
        if not future.done():  # the caller may have been cancelled meanwhile
            future.set_result(result)


#: Largest number of encryptions sent to a worker process in one message.
_MAX_BATCH = 32

_batchers: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, weakref.WeakKeyDictionary[ProcessPoolExecutor, _ProcessBatcher]
] = weakref.WeakKeyDictionary()


def _batcher(executor: ProcessPoolExecutor) -> _ProcessBatcher:
    loop = asyncio.get_running_loop()
    per_loop = _batchers.setdefault(loop, weakref.WeakKeyDictionary())
    batcher = per_loop.get(executor)
    if batcher is None:
        batcher = per_loop[executor] = _ProcessBatcher(loop, executor)
    return batcher


async def encrypt_card_async(
    encryption_key: str,
    card: Card,
    *,
    device: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
) -> str:
    """:func:`encrypt_card` run in ``executor`` (the loop's default thread pool if ``None``).

    The event loop never runs the RSA and AES work itself. The key and the inputs are
    validated in the calling task (so errors are raised there, and later changes to
    ``device`` or ``metadata`` do not race the worker); only the encryption runs in the
    executor.

    Two kinds of executor:

    - a thread pool (the default): simplest, and keeps the loop responsive, but buys no
      throughput with pycryptodome, whose many short C calls contend for the GIL; on 2 cores a
      thread pool reaches about half the inline rate;
    - a :class:`concurrent.futures.ProcessPoolExecutor`: real parallelism. Encryptions
      requested in the same loop iteration are coalesced into batches of up to 32 per worker
      message, so the IPC cost is shared. The serialized card plaintext (never the
      :class:`Card`, which refuses to be pickled) crosses to the worker over the pool's local
      pipe and is not stored. A pool that breaks raises
      :class:`~pivot_async.EncryptionError`. See ``benchmarks/card_encryption.py`` for the
      measured rates.
    """
    if not isinstance(card, Card):
        raise TypeError("card must be a pivot_async.Card")
    rsa_key = _checked_key(encryption_key)
    plaintext = _plaintext(card, device, metadata)
    if isinstance(executor, ProcessPoolExecutor):
        return await _batcher(executor).submit(encryption_key, plaintext)
    call = functools.partial(_seal, rsa_key, plaintext)
    return await asyncio.get_running_loop().run_in_executor(executor, call)
