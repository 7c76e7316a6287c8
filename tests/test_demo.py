"""The demo (the README's first command) runs every main flow and exits 0."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pivot_async.__main__ import main
from pivot_async._demo import show_url

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_end_to_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["demo", "--batch", "40", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "3DS done  PAID" in out
    assert "simulated PAID" in out
    assert "refund" in out and "SUCCESS" in out
    assert "status    00" in out
    assert "PAYMENT.PAID" in out
    assert "batch: 40/40 sessions" in out
    # the card number and cvc never appear in full
    assert "4440000112290002" not in out
    # the batch step's files are where it says, still there, without SQLite side files
    folder = tmp_path / "demo"
    assert f"results: {folder / 'demo.results.csv'}" in out
    assert f"journal: {folder / 'demo.journal.sqlite'}" in out
    assert f"kept in {folder}" in out
    assert len((folder / "demo.results.csv").read_text().splitlines()) == 41
    assert not list(folder.glob("*-wal")) and not list(folder.glob("*-shm"))
    # links that carry a bearer token show none of it, and no line is a wall of text
    assert "token=…" in out and "token=eyJ" not in out and "eyJhbGci" not in out
    assert max(len(line) for line in out.splitlines()) < 200
    # each flow names the code behind it, and the named files exist
    named = re.findall(r"code: (pivot_async/_demo\.py): (\w+)\(\); (docs/examples/\S+)", out)
    assert {fn for _, fn, _ in named} >= {"flow_card", "flow_va", "flow_ewallet", "flow_refund",
                                          "flow_wallet", "flow_batch"}
    import pivot_async._demo as demo

    for module, fn, example in named:
        assert (ROOT / module).is_file() and callable(getattr(demo, fn))
        assert (ROOT / example).is_file(), example


def test_demo_keeps_its_files_by_default_or_says_it_discards_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import shutil

    assert main(["demo", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    kept = re.search(r"kept in (\S+): demo\.results\.csv", out)
    assert kept, out
    folder = Path(kept.group(1))
    try:
        assert (folder / "demo.results.csv").is_file()
        assert (folder / "demo.journal.sqlite").is_file()
    finally:
        shutil.rmtree(folder)
    assert main(["demo", "--batch", "2", "--discard"]) == 0
    out = capsys.readouterr().out
    assert "were deleted" in out and "kept in" not in out
    results = re.search(r"results: (\S+)", out)
    assert results and not Path(results.group(1)).exists()


def test_show_url_hides_tokens_and_cuts_long_links() -> None:
    assert show_url("http://h/bind?token=eyJabc.def.ghi&x=1") == "http://h/bind?token=…&x=1"
    assert show_url("http://h/p?access_token=s3cr3t") == "http://h/p?access_token=…"
    long = "https://h.example/" + "a" * 300
    shown = show_url(long)
    assert len(shown) == 100 and shown.endswith("…")
    assert show_url("https://h.example/ok") == "https://h.example/ok"
    assert show_url(None) == "None"


def test_public_api_is_curated_and_sorted() -> None:
    import pivot_async

    assert pivot_async.__all__ == sorted(pivot_async.__all__)
    assert len(set(pivot_async.__all__)) == len(pivot_async.__all__)
    for name in pivot_async.__all__:
        assert getattr(pivot_async, name) is not None
        assert not name.startswith("_")
    public = {n for n in vars(pivot_async) if not n.startswith("_")}
    modules = {"models", "resources", "sandbox", "signing", "callbacks", "testing", "batch", "otel",
               "redis_store", "redis_limiter"}
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
