"""Batch jobs on a real Dask LocalCluster (2 worker processes) against a sandbox process.

Exactly one session per row: in a plain run, when worker processes are SIGKILLed in the middle
of chunks (Dask runs the chunk again; the rows it had sent are found at the gateway), and when
the driver is SIGKILLed and the job is resumed. ``PIVOT_SOAK_FULL=1`` runs 10,000 rows (the
issue's size); the default keeps every Dask test under a minute on 2 cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from distributed import Client

from pivot_async import PivotClient
from pivot_async.batch import idempotency_key, run_batch_file
from pivot_async.batch._dask import DaskExecutor
from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests._sandbox_process import SandboxProcess
from tests.batch.conftest import add_fault
from tests.batch.test_crash import journal_states, sessions_by_reference, sigkill_at, write_input

ROOT = Path(__file__).resolve().parents[2]
ROWS = 10_000 if os.environ.get("PIVOT_SOAK_FULL") else 1_200
# how long a job may go without reaching its next kill point (the soak's 10,000 rows on a
# sandbox that already holds the earlier tests' sessions need more than 1,200 rows)
PROGRESS_S = 60 + ROWS / 50
_SUMMARY = re.compile(r"this run: (\d+) processed, (\d+) skipped \(already done\), (\d+) resolved"
                      r" in flight, (\d+) re-sent, (\d+) found at the gateway")


def _processing(client: Client) -> dict[str, Any]:
    """Tasks each worker is processing now (distributed's method is untyped)."""
    tasks: dict[str, Any] = client.processing()  # type: ignore[no-untyped-call]
    return tasks


def clear_faults(url: str) -> None:
    request = urllib.request.Request(url + "/_sandbox/faults", method="DELETE")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback
        assert resp.status in (200, 204)


def _workers(client: Client) -> set[str]:
    """The addresses of the workers the scheduler knows now."""
    info: dict[str, Any] = client.scheduler_info()
    return set(info["workers"])


def _address(client: Client) -> str:
    """The scheduler's address, as the CLI and the workers are given it."""
    scheduler = client.scheduler
    assert scheduler is not None
    address = scheduler.address
    assert isinstance(address, str)
    return address


def _env(url: str) -> dict[str, str]:
    return {"PIVOT_CLIENT_ID": DEFAULT_CLIENT_ID, "PIVOT_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
            "PIVOT_BASE_URL": url, "PIVOT_MAX_RETRIES": "6", "PIVOT_TIMEOUT": "60"}


def _cli(tmp_path: Path, url: str, dask: str, *, resume: bool = False,
         extra: list[str] | None = None) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "pivot_async", "batch", str(tmp_path / "orders.csv"),
           "--out", str(tmp_path / "orders.results.jsonl"), "--dask", dask,
           "--chunk-size", "50", "--concurrency", "16", "--no-progress"]
    if resume:
        cmd.append("--resume")
    cmd += extra or []
    env = dict(os.environ, **_env(url))
    env.pop("PIVOT_WALLET_CLIENT_KEY", None)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _assert_one_session_per_row(tmp_path: Path, url: str, refs: list[str], prefix: str) -> int:
    """Exactly one session per row at the gateway, the one the results file names; their
    number."""
    results = [json.loads(line) for line in
               (tmp_path / "orders.results.jsonl").read_text("utf-8").splitlines()]
    assert [r["row"] for r in results] == list(range(1, len(refs) + 1))
    assert {r["outcome"] for r in results} == {"succeeded"}
    sessions = asyncio.run(sessions_by_reference(url, prefix))
    assert set(sessions) == set(refs)
    doubled = {ref: ids for ref, ids in sessions.items() if len(ids) != 1}
    assert not doubled, f"rows with more than one session: {doubled}"
    assert {r["reference"]: r["id"] for r in results} == {
        ref: ids[0] for ref, ids in sessions.items()}
    return sum(len(ids) for ids in sessions.values())


async def test_python_api_over_two_worker_processes(tmp_path: Path, sandbox_url: str,
                                                    cluster: Client) -> None:
    refs = write_input(tmp_path / "orders.csv", "dapi", ROWS)
    before = await asyncio.to_thread(cluster.run, _clients_opened)
    executor = DaskExecutor(_address(cluster), client_env=_env(sandbox_url),
                            chunk_size=50)
    assert "SECRET" not in repr(executor) and DEFAULT_CLIENT_SECRET not in repr(executor)
    async with PivotClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET,
                           base_url=sandbox_url) as client:
        summary = await run_batch_file(client, tmp_path / "orders.csv", executor=executor,
                                       results_path=tmp_path / "orders.results.jsonl",
                                       progress=False)
    assert (summary.succeeded, summary.processed, summary.sent) == (ROWS, ROWS, ROWS)
    # both worker processes ran chunks, each on its own long-lived client
    after = await asyncio.to_thread(cluster.run, _clients_opened)
    assert {w: after[w] - before[w] for w in after} == dict.fromkeys(after, 1)
    await asyncio.to_thread(_assert_one_session_per_row, tmp_path, sandbox_url, refs, "dapi")


def _clients_opened() -> int:
    from pivot_async.batch import _dask_worker

    return _dask_worker.CLIENTS_OPENED[0]


def _worker_mid_chunk(cluster: Client, sandbox: SandboxProcess,
                      keys: dict[str, int]) -> str | None:
    """A worker running a chunk some rows of which reached the gateway and some not yet.

    A chunk's task key names its rows (``pivot-batch-rows-FIRST-LAST-…``); the sandbox's
    request log holds the X-REQUEST-ID (the row's derived idempotency key) of every create.
    """
    busy = {w: tasks for w, tasks in _processing(cluster).items() if tasks}
    if not busy:
        return None
    sent = {keys[r["requestId"]] for r in sandbox.requests()
            if r["method"] == "POST" and r["path"] == "/v2/payments" and r["status"] == 200
            and r["requestId"] in keys}
    for worker, tasks in busy.items():
        for task in tasks:
            match = re.match(r"pivot-batch-rows-(\d+)-(\d+)-", str(task))
            assert match, task
            first, last = int(match[1]), int(match[2])
            if 0 < sum(first <= row <= last for row in sent) < last - first + 1:
                return str(worker)
    return None


def test_workers_sigkilled_mid_chunk_leave_one_session_per_row(
    tmp_path: Path, sandbox: SandboxProcess, cluster: Client
) -> None:
    refs = write_input(tmp_path / "orders.csv", "dkill", ROWS)
    keys = {idempotency_key("create_payment", ref, DEFAULT_CLIENT_ID): row
            for row, ref in enumerate(refs, start=1)}
    # creates take 50 ms at the gateway, so that a chunk is caught half sent
    add_fault(sandbox.url, kind="latency", route="POST /v2/payments", delay=0.05)
    proc = _cli(tmp_path, sandbox.url, _address(cluster))
    journal = tmp_path / "orders.csv.journal.sqlite"
    killed = 0
    try:
        for at in (ROWS // 5, ROWS // 2, (ROWS * 4) // 5):
            pids: dict[str, int] = cluster.run(os.getpid)
            deadline = time.monotonic() + PROGRESS_S
            while True:  # the kill point passed, and a chunk is half sent: kill its worker
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "no progress"
                if sum(journal_states(journal).values()) >= at:
                    worker = _worker_mid_chunk(cluster, sandbox, keys)
                    if worker is not None:
                        break
                time.sleep(0.005)
            os.kill(pids[worker], signal.SIGKILL)
            killed += 1
            deadline = time.monotonic() + 60
            while worker in _workers(cluster):  # until the scheduler has seen it die
                assert time.monotonic() < deadline
                time.sleep(0.01)
            cluster.wait_for_workers(2, timeout=60)  # the nanny's replacement
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        clear_faults(sandbox.url)
    assert killed == 3
    assert proc.returncode == 0, err
    match = _SUMMARY.search(out)
    assert match, out
    processed, _skipped, _resolved, _resent, found = map(int, match.groups())
    assert processed == ROWS
    assert found > 0  # rows sent by a killed worker's chunk were found, not sent again
    sessions = _assert_one_session_per_row(tmp_path, sandbox.url, refs, "dkill")
    print(f"\nworker kills: rows={ROWS} workers_killed={killed} found_at_gateway={found} "
          f"sessions={sessions}")


def test_driver_sigkilled_then_resumed_loses_nothing_and_doubles_nothing(
    tmp_path: Path, sandbox_url: str, cluster: Client
) -> None:
    refs = write_input(tmp_path / "orders.csv", "ddrv", ROWS)
    journal = tmp_path / "orders.csv.journal.sqlite"
    proc = _cli(tmp_path, sandbox_url, _address(cluster))
    states = sigkill_at(proc, journal, ROWS // 2, within=PROGRESS_S)
    assert states["pending"] > 0  # killed with chunks in flight
    assert sum(states.values()) < ROWS
    # chunks of the dead driver may still be running on the cluster: let them end
    deadline = time.monotonic() + 60
    while any(_processing(cluster).values()):
        assert time.monotonic() < deadline
        time.sleep(0.05)

    done = _cli(tmp_path, sandbox_url, _address(cluster), resume=True)
    out, err = done.communicate(timeout=180)
    assert done.returncode == 0, err
    match = _SUMMARY.search(out)
    assert match, out
    processed, skipped, resolved, resent, _found = map(int, match.groups())
    assert processed + skipped == ROWS
    assert resolved + resent == states["pending"] + states["unknown"]
    sessions = _assert_one_session_per_row(tmp_path, sandbox_url, refs, "ddrv")
    print(f"\ndriver kill: rows={ROWS} journal_at_kill={dict(states)} resumed: "
          f"processed={processed} skipped={skipped} resolved={resolved} resent={resent} "
          f"sessions={sessions}")


def test_cli_local_cluster(tmp_path: Path, sandbox_url: str) -> None:
    """``--dask local:2`` starts its own LocalCluster; exit code and summary as without it."""
    refs = write_input(tmp_path / "orders.csv", "dloc", 200)
    proc = _cli(tmp_path, sandbox_url, "local:2")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "succeeded 200" in out
    assert DEFAULT_CLIENT_SECRET not in out + err
    _assert_one_session_per_row(tmp_path, sandbox_url, refs, "dloc")


def test_cli_rejects_a_bad_cluster_address(tmp_path: Path, sandbox_url: str) -> None:
    write_input(tmp_path / "orders.csv", "dbad", 3)
    proc = _cli(tmp_path, sandbox_url, "local:zero")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--dask 'local:zero'" in err


def test_cli_sandbox_is_reachable_from_the_workers(tmp_path: Path) -> None:
    """``--sandbox --dask local:2``: the embedded sandbox listens on a real port and the
    workers get its URL and credentials as plain data; no secret reaches the output."""
    write_input(tmp_path / "orders.csv", "dsbx", 100)
    cmd = [sys.executable, "-m", "pivot_async", "batch", str(tmp_path / "orders.csv"),
           "--sandbox", "--dask", "local:2", "--chunk-size", "20", "--no-progress"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIVOT_")}
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "succeeded 100" in proc.stdout
    assert "100 sent" in proc.stdout
    for secret in (DEFAULT_CLIENT_SECRET, "PRIVATE KEY"):
        assert secret not in proc.stdout + proc.stderr


async def test_the_guide_recipe_runs_a_file_on_the_cluster(
    tmp_path: Path, sandbox_url: str, cluster: Client, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The Python recipe of docs/guides/batch.md, run as written on the test's cluster."""
    page = ROOT / "docs" / "guides" / "batch.md"
    body = page.read_text("utf-8").split("## Batch jobs on Dask\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```python\n(.*?)^```$", body, flags=re.S | re.M)
    namespace: dict[str, object] = {}
    exec(compile(block, str(page), "exec"), namespace)  # noqa: S102 - the page's own recipe
    refs = write_input(tmp_path / "orders.csv", "ddoc", 60)
    for name, value in {**_env(sandbox_url), "DASK_SCHEDULER": _address(cluster)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PIVOT_ENVIRONMENT", raising=False)
    main = namespace["main"]
    assert callable(main)
    await main(str(tmp_path / "orders.csv"))
    assert "succeeded 60" in capsys.readouterr().out
    sessions = await sessions_by_reference(sandbox_url, "ddoc")
    assert sorted(sessions) == sorted(refs)
    assert all(len(ids) == 1 for ids in sessions.values())
