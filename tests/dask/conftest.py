"""Fixtures of the Dask tests: a sandbox in its own process and a real LocalCluster."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from distributed import Client, LocalCluster

from tests._sandbox_process import SandboxProcess, sandbox_process


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with sandbox_process(seed=11) as running:
        yield running


@pytest.fixture(scope="module")
def sandbox_url(sandbox: SandboxProcess) -> str:
    return sandbox.url


@pytest.fixture(scope="module")
def cluster() -> Iterator[Client]:
    """A real LocalCluster: 2 worker processes, 1 thread each (nannies restart killed ones)."""
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as lc, Client(lc) as client:  # type: ignore[no-untyped-call]
        yield client
