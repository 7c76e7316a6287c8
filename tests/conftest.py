"""Shared fixtures for the test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aioresponses import aioresponses

from pivot_async.testing import install_aioresponses_compat

install_aioresponses_compat()


@pytest.fixture
def mock_http() -> Iterator[aioresponses]:
    """aioresponses with the aiohttp 3.14 compatibility shim installed."""
    with aioresponses() as m:
        yield m
