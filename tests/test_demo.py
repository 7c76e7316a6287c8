"""The demo (the README's first command) runs every main flow and exits 0."""

from __future__ import annotations

import pytest

from pivot_async.__main__ import main


def test_demo_runs_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--batch", "40"]) == 0
    out = capsys.readouterr().out
    assert "3DS done  PAID" in out
    assert "simulated PAID" in out
    assert "refund" in out and "SUCCESS" in out
    assert "status    00" in out
    assert "PAYMENT.PAID" in out
    assert "batch: 40/40 sessions" in out
    # the card number and cvc never appear in full
    assert "4440000112290002" not in out


def test_public_api_is_curated_and_sorted() -> None:
    import pivot_async

    assert pivot_async.__all__ == sorted(pivot_async.__all__)
    assert len(set(pivot_async.__all__)) == len(pivot_async.__all__)
    for name in pivot_async.__all__:
        assert getattr(pivot_async, name) is not None
        assert not name.startswith("_")
    public = {n for n in vars(pivot_async) if not n.startswith("_")}
    modules = {"models", "resources", "sandbox", "signing", "callbacks", "testing", "batch"}
    assert public - set(pivot_async.__all__) <= modules


def test_aioresponses_compat_is_idempotent_and_mocks_work() -> None:
    import inspect

    from aiohttp import ClientResponse
    from aioresponses import core

    from pivot_async.testing import install_aioresponses_compat

    needed = "stream_writer" in inspect.signature(ClientResponse.__init__).parameters
    assert install_aioresponses_compat() is needed
    patched = core.RequestMatch._build_response
    assert install_aioresponses_compat() is needed
    assert core.RequestMatch._build_response is patched  # not wrapped twice
