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
:func:`encrypt_card_async` runs it off the event loop: by default in a shared process pool
where processes fork cheaply (Linux), else in the loop's thread pool.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import secrets
import sys
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

import msgspec

from ._card import _ASCII_WS, Card
from ._card_pool import _batcher, _default_executor, encryption_process_pool
from ._errors import EncryptionError, RequestValidationError

# pycryptodome and multiprocessing load on first use, not with ``import pivot_async``
# (together about a fifth of the package's import time): benchmarks/import_time.py.
if TYPE_CHECKING:
    from Crypto.PublicKey.RSA import RsaKey

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


def _crypto() -> tuple[Any, Any, Any, Any]:
    """pycryptodome's AES, PKCS1_OAEP, SHA256 and RSA modules (imported on first use)."""
    from Crypto.Cipher import AES, PKCS1_OAEP
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import RSA

    return AES, PKCS1_OAEP, SHA256, RSA


@functools.lru_cache(maxsize=128)
def _load_public_key(encryption_key: str) -> RsaKey:
    """Parse ``encryptionKey`` (base64 DER SubjectPublicKeyInfo, RSA >= 2048 bits). Cached."""
    # Every module _seal needs is loaded here, in the caller's process, before any worker is
    # forked: a fork never catches another thread half-way through importing them.
    RSA = _crypto()[3]
    compact = _ASCII_WS.sub("", encryption_key)
    if not compact:
        raise EncryptionError("the encryption key is empty")
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncryptionError("the encryption key is not valid standard base64") from exc
    try:
        key: RsaKey = RSA.import_key(der)
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


def _checked_key(encryption_key: object) -> RsaKey:
    if not isinstance(encryption_key, str):
        raise EncryptionError("the encryption key must be a string")
    return _load_public_key(encryption_key)


def _seal(rsa_key: RsaKey, plaintext: bytes) -> str:
    """The hybrid encryption itself: steps 2 to 6 of the scheme, inputs already validated."""
    AES, PKCS1_OAEP, SHA256, _ = _crypto()
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


async def encrypt_card_async(
    encryption_key: str,
    card: Card,
    *,
    device: Mapping[str, str] | None = None,
    metadata: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
) -> str:
    """:func:`encrypt_card` run off the event loop: in ``executor``, or the default one.

    The event loop never runs the RSA and AES work itself. The key and the inputs are
    validated in the calling task (so errors are raised there, and later changes to
    ``device`` or ``metadata`` do not race the worker); only the encryption runs elsewhere.

    ``executor=None`` (the default) uses a process pool shared by the whole process, started
    at the first encryption, one worker per CPU below the loop's priority, where the platform
    forks processes (Linux) and has at least two CPUs; elsewhere the loop's default thread
    pool. Measured on 2 cores with 256 HTTP requests in flight: about 1.5x the inline rate and
    under 10 ms of loop lag, where the thread pool gave 0.3x and up to 170 ms
    (``benchmarks/card_encryption.py``).

    Executors you can pass:

    - a thread pool: simplest, keeps the loop mostly responsive, but buys no throughput with
      pycryptodome, whose many short C calls contend for the GIL;
    - a :class:`concurrent.futures.ProcessPoolExecutor` (see :func:`encryption_process_pool`):
      real parallelism. Encryptions requested in the same loop iteration are coalesced into
      batches of up to 32 per worker message, so the IPC cost is shared. The serialized card
      plaintext (never the :class:`Card`, which refuses to be pickled) crosses to the worker
      over the pool's local pipe and is not stored. A pool that breaks raises
      :class:`~pivot_async.EncryptionError`.
    """
    if not isinstance(card, Card):
        raise TypeError("card must be a pivot_async.Card")
    rsa_key = _checked_key(encryption_key)
    plaintext = _plaintext(card, device, metadata)
    if executor is None:
        executor = _default_executor()
    process = sys.modules.get("concurrent.futures.process")  # loaded if a pool exists
    if process is not None and isinstance(executor, process.ProcessPoolExecutor):
        return await _batcher(executor, _seal_batch).submit(encryption_key, plaintext)
    call = functools.partial(_seal, rsa_key, plaintext)
    return await asyncio.get_running_loop().run_in_executor(executor, call)
