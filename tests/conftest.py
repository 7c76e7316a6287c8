"""Shared fixtures for the test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aioresponses import aioresponses

from tests import _aioresponses_compat

_aioresponses_compat.install()


@pytest.fixture
def mock_http() -> Iterator[aioresponses]:
    """aioresponses with the aiohttp 3.14 compatibility shim installed."""
    with aioresponses() as m:
        yield m
