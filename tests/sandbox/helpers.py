"""Helpers for the sandbox tests: a tiny JSON client over aiohttp and a card encryptor.

The encryptor uses the ``cryptography`` package on purpose: it checks the sandbox's
pycryptodome decryption against an independent implementation of
docs/reference/wire.md#card-encryption.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pivot_async.sandbox import Sandbox

REDIRECT = {
    "successReturnUrl": "https://merchant.example/success",
    "failureReturnUrl": "https://merchant.example/failure",
    "expirationReturnUrl": "https://merchant.example/expired",
}
CUSTOMER = {
    "givenName": "Reforza Jordan",
    "surname": "Geotama",
    "email": "reforza@pivot-payment.com",
    "phoneNumber": {"countryCode": "+62", "number": "89699990001"},
    "refundPreference": {
        "method": "AUTO",
        "transferDestination": {
            "channelCode": "014",
            "channelInformation": {"accountNumber": "17677665415", "accountName": "Reforza"},
        },
    },
}
ORDER: dict[str, Any] = {
    "productDetails": [
        {
            "type": "PHYSICAL",
            "name": "Dress",
            "quantity": 1,
            "price": {"value": 100000, "currency": "IDR"},
        }
    ],
    "billingInfo": {
        "givenName": "Reforza",
        "surname": "Geotama",
        "email": "reforza@pivot-payment.com",
        "addressLine1": "Golf Street",
        "city": "Tangerang",
        "country": "ID",
        "postalCode": "15331",
    },
}


def request_id() -> str:
    return secrets.token_hex(16)


def encrypt_card(
    encryption_key: str,
    number: str,
    *,
    month: str = "12",
    year: str = "30",
    cvc: str = "123",
    capitalised: bool = False,
) -> str:
    """``encryptedCard``: RSA-OAEP(SHA-256, MGF1-SHA-256) + AES-256-GCM.

    See docs/reference/wire.md#card-encryption.
    """
    public = serialization.load_der_public_key(base64.b64decode(encryption_key))
    assert isinstance(public, rsa.RSAPublicKey)
    plaintext = json.dumps(
        {
            "card": {
                "number": number,
                "expiryMonth": month,
                "expiryYear": year,
                "cvc": cvc,
                "nameOnCard": "John Doe",
            },
            "deviceInformations": {"type": "", "userAgent": "pytest", "country": "ID"},
            "metadata": {},
        }
    ).encode()
    aes_key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    sealed = AESGCM(aes_key).encrypt(nonce, plaintext, None)
    wrapped = public.encrypt(
        aes_key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    )
    names = (
        ("EncryptedKey", "Nonce", "Ciphertext")
        if capitalised
        else ("encryptedKey", "nonce", "ciphertext")
    )
    values = (base64.b64encode(x).decode() for x in (wrapped, nonce, sealed))
    envelope = dict(zip(names, values, strict=True))
    return base64.b64encode(json.dumps(envelope).encode()).decode()


def session_body(kind: str = "va", **overrides: Any) -> dict[str, Any]:
    """A valid create-session body for a scenario."""
    body: dict[str, Any] = {
        "clientReferenceId": "order" + secrets.token_hex(4),
        "amount": {"value": 50000, "currency": "IDR"},
        "mode": "API",
        "redirectUrl": dict(REDIRECT),
        "customer": CUSTOMER,
        "orderInformation": ORDER,
        "metadata": {"invoiceNo": "INV001"},
    }
    if kind == "va":
        body["paymentMethod"] = {"type": "VIRTUAL_ACCOUNT"}
        body["paymentMethodOptions"] = {"virtualAccount": {"channel": "BCA"}}
    elif kind == "qr":
        body["paymentMethod"] = {"type": "QR"}
    elif kind == "ewallet":
        body["paymentMethod"] = {"type": "EWALLET"}
        body["paymentMethodOptions"] = {"ewallet": {"channel": "DANA"}}
    elif kind == "card_api":
        body["paymentMethod"] = {"type": "CARD"}
        body["autoConfirm"] = False
    elif kind == "card_redirect":
        body["paymentMethod"] = {"type": "CARD"}
        body["mode"] = "REDIRECT"
    elif kind == "hosted":
        body["mode"] = "REDIRECT"
    elif kind == "va_static":
        body["paymentType"] = "MULTIPLE"
        body["paymentMethod"] = {"type": "VIRTUAL_ACCOUNT"}
        body["paymentMethodOptions"] = {"virtualAccount": {"channel": "PERMATA"}}
    elif kind == "qr_static":
        body["paymentType"] = "MULTIPLE"
        body["paymentMethod"] = {"type": "QR"}
        del body["amount"]
    body.update(overrides)
    return body


class Api:
    """A raw JSON client for the sandbox (bytes in, parsed JSON out)."""

    def __init__(self, sandbox: Sandbox, http: aiohttp.ClientSession) -> None:
        self.sandbox = sandbox
        self.http = http
        self._token: str | None = None
        self.auto_refresh = True
        """Like a real client: on 401 get a new token and replay once."""
        self.client_id = sandbox.client_id
        self.client_secret = sandbox.client_secret

    async def token(self, *, fresh: bool = False) -> str:
        if self._token is None or fresh:
            status, body = await self.call(
                "POST",
                "/v1/access-token",
                {"grantType": "client_credentials"},
                auth=False,
                headers={"X-MERCHANT-ID": self.client_id, "X-MERCHANT-SECRET": self.client_secret},
            )
            assert status == 200, body
            self._token = body["data"]["accessToken"]
        return self._token

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, Any]:
        sent = dict(headers or {})
        if auth:
            sent["Authorization"] = f"Bearer {await self.token()}"
        if request_id is not None:
            sent["X-REQUEST-ID"] = request_id
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            sent["Content-Type"] = "application/json"
        async with self.http.request(method, self.sandbox.url + path, data=data, headers=sent) as r:
            status, text = r.status, await r.read()
        if status == 401 and auth and self.auto_refresh:
            await self.token(fresh=True)
            sent["Authorization"] = f"Bearer {await self.token()}"
            async with self.http.request(
                method, self.sandbox.url + path, data=data, headers=sent
            ) as r:
                status, text = r.status, await r.read()
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    async def get(self, path: str, **kw: Any) -> tuple[int, Any]:
        return await self.call("GET", path, **kw)

    async def post(self, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        if path in ("/v2/payments", "/v1/refunds") or path.endswith(
            ("/confirm", "/cancel", "/capture")
        ):
            kw.setdefault("request_id", request_id())
        return await self.call("POST", path, {} if body is None else body, **kw)

    async def create(self, kind: str = "va", **overrides: Any) -> dict[str, Any]:
        status, body = await self.post("/v2/payments", session_body(kind, **overrides))
        assert status == 200, body
        data: dict[str, Any] = body["data"]
        return data

    async def session(self, session_id: str) -> dict[str, Any]:
        status, body = await self.get(f"/v2/payments/{session_id}")
        assert status == 200, body
        data: dict[str, Any] = body["data"]
        return data

    async def control(self, path: str, body: Any = None) -> tuple[int, Any]:
        return await self.call("POST", path, {} if body is None else body, auth=False)
