"""Shared fixtures for the test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aioresponses import aioresponses
from cryptography.hazmat.primitives.asymmetric import rsa

from pivot_async import Card
from pivot_async.testing import install_aioresponses_compat
from tests._cards_shared import CVC, PAN, TODAY, spki_b64

install_aioresponses_compat()


@pytest.fixture
def mock_http() -> Iterator[aioresponses]:
    """aioresponses with the aiohttp 3.14 compatibility shim installed."""
    with aioresponses() as m:
        yield m


# -- cards (tests/test_cards*.py) ----------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    """A fresh RSA-2048 key pair per test module (the gateway's encryption key)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def key2048(rsa2048: rsa.RSAPrivateKey) -> str:
    """Its public key as the gateway sends it (base64 SPKI)."""
    return spki_b64(rsa2048.public_key())


@pytest.fixture
def card() -> Card:
    """The test card, valid on the suite's fixed ``TODAY``."""
    return Card(PAN, "01", "29", CVC, "John Doe", today=TODAY)
