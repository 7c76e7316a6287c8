"""The results file of a job run in chunks: written while the chunks run (rows before the first
chunk still unsettled), the same bytes as one export from the journal at the end."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from pivot_async import PivotClient
from pivot_async.batch import ChunkExecutor, run_batch_file, run_chunk
from pivot_async.batch._output import ResultsFile, write_results
from tests.batch.test_chunk_executor import driver, sandbox, worker, write_rows

__all__ = ["driver", "sandbox", "worker"]  # fixtures


def one_export(journal: Path, job_id: str, path: Path) -> bytes:
    """What a single export of the whole job from the journal writes."""
    with sqlite3.connect(journal) as conn:
        write_results(conn, job_id, path)
    return path.read_bytes()


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


async def wait_for(path: Path, lines: int) -> list[str]:
    """The file's lines once it has at least ``lines`` (it is written on another thread)."""
    for _ in range(1000):
        text = lines_of(path)
        if len(text) >= lines:
            return text
        await asyncio.sleep(0.01)
    raise AssertionError(f"{path} never reached {lines} lines")


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
async def test_the_results_file_is_written_as_chunks_settle_and_matches_one_export(
        tmp_path: Path, driver: PivotClient, worker: PivotClient, suffix: str) -> None:
    refs = [f"rw{i:04d}" for i in range(1, 31)]
    refs[3] = ""  # row 4 is invalid (no reference): settled on the driver
    refs[25] = "rw0007"  # row 26 repeats a reference: settled on the driver
    write_rows(tmp_path / "in.csv", refs)
    results = tmp_path / f"out.{suffix}"
    partial = tmp_path / f".out.{suffix}.tmp"
    third_done = asyncio.Event()
    seen_while_second_ran: list[str] = []
    header = 1 if suffix == "csv" else 0

    async def run(chunk: bytes) -> bytes:
        out = await run_chunk(worker, chunk)
        first = int(chunk.split(b'"rows":[["create_payment",')[1].split(b",")[0])
        if first == 11:  # the second chunk answers after the third one
            await third_done.wait()
            # rows 1-10 are in the file; the third chunk's rows wait for this one
            seen_while_second_ran.extend(await wait_for(partial, header + 10))
        elif first == 21:
            third_done.set()
        return out

    summary = await run_batch_file(driver, tmp_path / "in.csv", results_path=results,
                                   executor=ChunkExecutor(run, workers=2, chunk_size=10),
                                   progress=False, check_gateway=False)
    assert (summary.succeeded, summary.invalid) == (28, 2)
    assert len(seen_while_second_ran) == header + 10
    written = results.read_bytes()
    assert written.decode().splitlines()[: header + 10] == seen_while_second_ran
    assert written == one_export(tmp_path / "in.csv.journal.sqlite", summary.job_id,
                                 tmp_path / f"again.{suffix}")
    assert not partial.exists()


async def test_a_resumed_job_writes_the_same_results_as_one_export(
        tmp_path: Path, driver: PivotClient, worker: PivotClient) -> None:
    refs = [f"rr{i:04d}" for i in range(1, 41)]
    write_rows(tmp_path / "in.csv", refs)
    calls = 0

    async def flaky(chunk: bytes) -> bytes:
        nonlocal calls
        calls += 1
        out = await run_chunk(worker, chunk)
        if calls == 2:
            raise RuntimeError("the engine lost the result")
        return out

    results = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        await run_batch_file(driver, tmp_path / "in.csv", results_path=results,
                             progress=False, check_gateway=False,
                             executor=ChunkExecutor(flaky, chunk_size=10, chunks_in_flight=1))
    journal = tmp_path / "in.csv.journal.sqlite"
    summary = await run_batch_file(
        driver, tmp_path / "in.csv", results_path=results, progress=False,
        check_gateway=False, resume=True, executor=ChunkExecutor(
            lambda chunk: run_chunk(worker, chunk), chunk_size=7))
    assert (summary.succeeded, summary.skipped, summary.resolved) == (40, 10, 10)
    assert results.read_bytes() == one_export(journal, summary.job_id, tmp_path / "again.csv")


class Stop(BaseException):
    """Stands for an interrupt (the job ends with an exception, not a summary)."""


async def test_a_run_ended_by_an_exception_leaves_no_partial_results_file(
        tmp_path: Path, driver: PivotClient, worker: PivotClient) -> None:
    write_rows(tmp_path / "in.csv", [f"rx{i:04d}" for i in range(1, 31)])
    partial = tmp_path / ".out.csv.tmp"

    async def run(chunk: bytes) -> bytes:
        out = await run_chunk(worker, chunk)
        if b'"rows":[["create_payment",1,' not in chunk:
            await wait_for(partial, 11)  # the first chunk's rows were written...
            raise Stop  # ...then the run is interrupted
        return out

    with pytest.raises(Stop):
        await run_batch_file(driver, tmp_path / "in.csv", results_path=tmp_path / "out.csv",
                             executor=ChunkExecutor(run, chunk_size=10, chunks_in_flight=2),
                             progress=False, check_gateway=False)
    assert not partial.exists()
    assert not (tmp_path / "out.csv").exists()


def test_an_append_that_failed_is_redone_when_the_file_is_committed(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    with sqlite3.connect(journal) as conn:
        conn.execute("CREATE TABLE ops (job_id, row, kind, reference, state, result_id, status,"
                     " url, error_code, error_field, error_message, input)")
        conn.executemany("INSERT INTO ops VALUES (?, ?, 'create_payment', ?, 'succeeded', ?,"
                         " 'PENDING', NULL, NULL, NULL, NULL, '{}')",
                         [("job", i, f"ref{i}", f"ps_{i}") for i in range(1, 6)])
    results = ResultsFile(tmp_path / "out.csv")
    broken = sqlite3.connect(":memory:")  # no ops table: the append fails
    results.append(broken, "job", 3)
    with sqlite3.connect(journal) as conn:
        results.append(conn, "job", 4)  # ignored: the file starts over at commit
        assert results.commit(conn, "job") == 5
    assert (tmp_path / "out.csv").read_bytes() == one_export(journal, "job", tmp_path / "b.csv")
    assert (tmp_path / "out.csv").read_text().splitlines()[0].split(",")[0] == "row"
