"""Jobs whose rows run in chunks on an engine (ChunkExecutor + run_chunk), against the embedded
sandbox: the driver journals, the "workers" (clients of their own) only run chunks."""

from __future__ import annotations

import collections
import csv
import importlib
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import msgspec
import pytest

from pivot_async import ConfigurationError, PivotClient
from pivot_async.batch import (
    BatchError,
    BatchRunner,
    ChunkExecutor,
    InvalidRowError,
    Operation,
    run_batch_file,
    run_chunk,
)
from pivot_async.sandbox import Sandbox
from tests._sandbox_process import sandbox_process
from tests.batch.test_crash import sessions_by_reference

HEADER = ["clientReferenceId", "amount", "currency", "method", "channel", "mode",
          "redirectUrl.successReturnUrl", "redirectUrl.failureReturnUrl",
          "redirectUrl.expirationReturnUrl"]
ROOT = Path(__file__).resolve().parents[2]
URLS = ["https://shop.example/ok", "https://shop.example/fail", "https://shop.example/expired"]


def write_rows(path: Path, refs: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i, ref in enumerate(refs, start=1):
            w.writerow([ref, 10000 + i, "IDR", "VIRTUAL_ACCOUNT", "BCA", "API", *URLS])


def states(journal: Path) -> dict[str, int]:
    with sqlite3.connect(journal) as conn:
        return dict(conn.execute("SELECT state, COUNT(*) FROM ops GROUP BY state").fetchall())


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sb:
        yield sb


@pytest.fixture
async def driver(sandbox: Sandbox) -> AsyncIterator[PivotClient]:
    async with PivotClient(sandbox.client_id, sandbox.client_secret,
                           base_url=sandbox.url) as c:
        yield c


@pytest.fixture
async def worker(sandbox: Sandbox) -> AsyncIterator[PivotClient]:
    """A worker's own long-lived client (another client than the driver's)."""
    async with PivotClient(sandbox.client_id, sandbox.client_secret,
                           base_url=sandbox.url) as c:
        yield c


async def sessions(sandbox: Sandbox, prefix: str) -> collections.Counter[str]:
    """Sessions at the gateway per reference (those starting with ``prefix``)."""
    found = await sessions_by_reference(sandbox.url, prefix)
    return collections.Counter({ref: len(ids) for ref, ids in found.items()})


def engine(worker: PivotClient, seen: list[bytes]) -> Callable[[bytes], Awaitable[bytes]]:
    async def run(chunk: bytes) -> bytes:
        seen.append(chunk)
        return await run_chunk(worker, chunk)
    return run


async def test_a_job_runs_in_chunks_on_the_workers_client(
        tmp_path: Path, sandbox: Sandbox, driver: PivotClient, worker: PivotClient) -> None:
    refs = [f"ce{i:04d}" for i in range(1, 26)] + ["ce0003"]  # row 26 repeats a reference
    write_rows(tmp_path / "in.csv", refs)
    chunks: list[bytes] = []
    executor = ChunkExecutor(engine(worker, chunks), workers=2, chunk_size=10)
    summary = await run_batch_file(driver, tmp_path / "in.csv", executor=executor,
                                   progress=False)
    assert (summary.succeeded, summary.invalid, summary.sent) == (25, 1, 25)
    assert len(chunks) == 3  # 10 + 10 + 5 rows: the duplicate never reached a worker
    assert await sessions(sandbox, "ce") == collections.Counter({f"ce{i:04d}": 1
                                                           for i in range(1, 26)})
    # a chunk is plain JSON: rows with their derived keys, no credential
    text = chunks[0].decode()
    assert sandbox.client_secret not in text
    assert msgspec.json.decode(chunks[0])["rows"][0][:2] == ["create_payment", 1]


async def test_an_engine_failure_stops_the_job_and_resume_finishes_it(
        tmp_path: Path, sandbox: Sandbox, driver: PivotClient, worker: PivotClient) -> None:
    refs = [f"cf{i:04d}" for i in range(1, 41)]
    write_rows(tmp_path / "in.csv", refs)
    calls = 0

    async def flaky(chunk: bytes) -> bytes:
        nonlocal calls
        calls += 1
        out = await run_chunk(worker, chunk)  # the rows are sent...
        if calls == 2:
            raise RuntimeError("the engine lost the result")  # ...but the answer is lost
        return out

    journal = tmp_path / "in.csv.journal.sqlite"
    with pytest.raises(RuntimeError, match="lost the result"):
        await run_batch_file(driver, tmp_path / "in.csv", progress=False, check_gateway=False,
                             executor=ChunkExecutor(flaky, chunk_size=10, chunks_in_flight=1))
    at_stop = states(journal)
    # chunk 2 was sent (its answer lost); chunk 3's intents were journaled, then the job
    # stopped before it left: both are pending
    assert at_stop == {"succeeded": 10, "pending": 20}
    summary = await run_batch_file(
        driver, tmp_path / "in.csv", progress=False, check_gateway=False, resume=True,
        executor=ChunkExecutor(engine(worker, []), chunk_size=10))
    assert summary.succeeded == 40
    # chunk 2's rows are found at the gateway, chunk 3's are not and are sent
    assert (summary.skipped, summary.resolved, summary.resent) == (10, 10, 10)
    assert await sessions(sandbox, "cf") == collections.Counter({r: 1 for r in refs})


async def test_a_rate_cannot_be_applied_from_the_driver(
        tmp_path: Path, driver: PivotClient, worker: PivotClient) -> None:
    write_rows(tmp_path / "in.csv", ["cr0001"])
    with pytest.raises(BatchError, match="rate_limiter to run_chunk"):
        await run_batch_file(driver, tmp_path / "in.csv", progress=False, rate=10,
                             executor=ChunkExecutor(engine(worker, [])))


async def test_strict_stops_at_a_row_the_worker_found_invalid(
        tmp_path: Path, driver: PivotClient, worker: PivotClient) -> None:
    write_rows(tmp_path / "in.csv", ["cs0001", "cs0002"])
    text = (tmp_path / "in.csv").read_text("utf-8").replace("VIRTUAL_ACCOUNT", "NO_SUCH_METHOD")
    (tmp_path / "in.csv").write_text(text, "utf-8")
    with pytest.raises(InvalidRowError) as caught:
        await run_batch_file(driver, tmp_path / "in.csv", progress=False, strict=True,
                             executor=ChunkExecutor(engine(worker, [])))
    assert caught.value.summary is not None and caught.value.summary.invalid >= 1


async def test_outcomes_that_do_not_match_the_chunk_stop_the_job(
        tmp_path: Path, driver: PivotClient, worker: PivotClient) -> None:
    write_rows(tmp_path / "in.csv", ["co0001", "co0002"])

    async def short(chunk: bytes) -> bytes:
        out = msgspec.json.decode(await run_chunk(worker, chunk))
        return msgspec.json.encode(out[:1])

    with pytest.raises(BatchError, match="1 outcomes for 2 rows"):
        await run_batch_file(driver, tmp_path / "in.csv", progress=False,
                             executor=ChunkExecutor(short))

    async def swapped(chunk: bytes) -> bytes:
        out = msgspec.json.decode(await run_chunk(worker, chunk))
        return msgspec.json.encode(out[::-1])

    write_rows(tmp_path / "in2.csv", ["cq0001", "cq0002"])
    with pytest.raises(BatchError, match="returned row 2 where row 1 was expected"):
        await run_batch_file(driver, tmp_path / "in2.csv", progress=False,
                             executor=ChunkExecutor(swapped))

    async def garbage(chunk: bytes) -> bytes:
        return b"not json"

    write_rows(tmp_path / "in3.csv", ["cg0001"])
    with pytest.raises(BatchError, match="unreadable outcomes"):
        await run_batch_file(driver, tmp_path / "in3.csv", progress=False,
                             executor=ChunkExecutor(garbage))


async def test_run_chunk_refuses_what_it_cannot_read(worker: PivotClient) -> None:
    with pytest.raises(BatchError, match="unreadable chunk"):
        await run_chunk(worker, b'{"rows": 3}')
    with pytest.raises(BatchError, match="unreadable chunk"):
        await run_chunk(worker, b"{")
    with pytest.raises(BatchError, match="chunk format 99"):
        await run_chunk(worker, b'{"v": 99, "check_gateway": true, "concurrency": 1, '
                                b'"rows": []}')
    assert await run_chunk(worker, '{"v": 1, "check_gateway": true, "concurrency": 1, '
                                   '"rows": []}') == b"[]"


def test_executor_arguments_are_checked() -> None:
    async def run(chunk: bytes) -> bytes:
        return chunk

    for bad in ({"workers": 0}, {"chunk_size": 0}, {"concurrency": True},
                {"chunks_in_flight": 1.5}):
        with pytest.raises(ValueError, match="must be a positive int"):
            ChunkExecutor(run, **bad)
    assert repr(ChunkExecutor(run, workers=3)) == "ChunkExecutor(workers=3, chunk_size=500)"


async def test_the_guide_recipe_runs_on_a_process_pool(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The process-pool recipe of docs/guides/scaling.md, as written: its worker processes
    reach a sandbox in its own process with their own clients."""
    page = ROOT / "docs" / "guides" / "scaling.md"
    heading = "## Batch jobs on other engines: Ray, Temporal, Celery"
    body = page.read_text("utf-8").split(f"{heading}\n", 1)[1].split("\n## ", 1)[0]
    block = re.findall(r"^```python\n(.*?)^```$", body, flags=re.S | re.M)[0]
    # a module of its own, so that the pool's processes can import its task function
    (tmp_path / "chunk_recipe.py").write_text(block, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    recipe = importlib.import_module("chunk_recipe")
    with sandbox_process(seed=21) as gateway:
        for name, value in {"PIVOT_CLIENT_ID": gateway.client_id,
                            "PIVOT_CLIENT_SECRET": gateway.client_secret,
                            "PIVOT_BASE_URL": gateway.url}.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("PIVOT_ENVIRONMENT", raising=False)
        refs = [f"cp{i:04d}" for i in range(1, 251)]
        write_rows(tmp_path / "in.csv", refs)
        await recipe.main(str(tmp_path / "in.csv"))
        assert "succeeded 250" in capsys.readouterr().out
        found = await sessions_by_reference(gateway.url, "cp")
    assert {ref: len(ids) for ref, ids in found.items()} == dict.fromkeys(refs, 1)


async def test_a_configuration_error_on_a_worker_stops_its_chunk_and_the_job(
        sandbox: Sandbox, driver: PivotClient, worker: PivotClient) -> None:
    """The worker's client has no wallet credentials: the debit row's ConfigurationError
    fails the chunk at once (its other rows stop being sent) and stops the job."""
    ops = [Operation.create_payment(i, payment_params(f"cw{i:04d}", i)) for i in range(1, 5)]
    ops.append(Operation.wallet_debit(5, {"partnerReferenceNo": "cw-debit", "amount": {
        "value": "10000.00", "currency": "IDR"}}, binding_id="binding-1"))
    ops += [Operation.create_payment(i, payment_params(f"cw{i:04d}", i)) for i in range(6, 201)]
    runner = BatchRunner(driver, concurrency=2, progress=False,
                         executor=ChunkExecutor(engine(worker, []), chunk_size=200))
    with pytest.raises(ConfigurationError, match="wallet credentials are not configured"):
        await runner.run(ops)
    created = await sessions(sandbox, "cw")
    assert 4 <= sum(created.values()) < 20  # not the 199 of the chunk
    assert max(created.values()) == 1


def payment_params(reference: str, i: int) -> dict[str, object]:
    return {"clientReferenceId": reference, "amount": {"value": 10000 + i, "currency": "IDR"},
            "paymentMethod": {"type": "VIRTUAL_ACCOUNT"}, "mode": "API",
            "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
            "redirectUrl": dict(zip(("successReturnUrl", "failureReturnUrl",
                                     "expirationReturnUrl"), URLS, strict=True))}


async def test_big_chunks_start_small_so_every_worker_starts_at_once(tmp_path: Path) -> None:
    """From 256 rows a chunk, the first chunks are an eighth of the size and double (the
    workers do not wait for the driver to read and journal whole chunks first)."""
    sizes: list[int] = []

    async def instant(chunk: bytes) -> bytes:  # every row succeeds, nothing is sent
        rows = msgspec.json.decode(chunk)["rows"]
        sizes.append(len(rows))
        return msgspec.json.encode([[r[1], "succeeded"] for r in rows])

    write_rows(tmp_path / "in.csv", [f"cs{i:05d}" for i in range(1, 2501)])
    summary = await run_batch_file(
        object(), tmp_path / "in.csv", progress=False, check_gateway=False,  # type: ignore[arg-type]
        executor=ChunkExecutor(instant, workers=2, chunk_size=800))
    assert summary.succeeded == 2500
    assert sizes == [100, 200, 400, 800, 800, 200]
    sizes.clear()
    write_rows(tmp_path / "small.csv", [f"ct{i:05d}" for i in range(1, 601)])
    await run_batch_file(object(), tmp_path / "small.csv", progress=False,  # type: ignore[arg-type]
                         check_gateway=False, executor=ChunkExecutor(instant, chunk_size=255))
    assert sizes == [255, 255, 90]  # smaller chunks are used as they are
