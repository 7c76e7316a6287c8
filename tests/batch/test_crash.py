"""Crash test: the batch CLI killed with SIGKILL, resumed: nothing lost, nothing doubled.

The sandbox runs as a separate process (``python -m pivot_async sandbox --port 0
--stop-on-eof``) so it outlives the killed batch process, and drops the response of 3 % of
session creates after processing them ("processed but response lost"), which the client
retries under the same X-REQUEST-ID. Each scenario runs 2,000 rows through the CLI, kills it
with SIGKILL once the journal holds a given number of rows (while requests are in flight),
resumes it (in one scenario the resumed run is killed too), and then checks that the sandbox
holds exactly one session per row and the results file exactly one success per row.
"""

from __future__ import annotations

import asyncio
import collections
import csv
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pivot_async import PivotClient
from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.batch.conftest import add_fault, standalone_sandbox

ROOT = Path(__file__).resolve().parents[2]
ROWS = 2000
DROP_PROBABILITY = 0.03
_SUMMARY = re.compile(r"this run: (\d+) processed, (\d+) skipped \(already done\), (\d+) resolved"
                      r" in flight, (\d+) re-sent")


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    """A standalone sandbox that drops 3 % of create responses after processing them."""
    with standalone_sandbox(seed=7) as url:
        add_fault(url, kind="drop", route="POST /v2/payments", probability=DROP_PROBABILITY)
        yield url


def write_input(path: Path, prefix: str, rows: int = ROWS) -> list[str]:
    refs = [f"{prefix}{i:05d}" for i in range(1, rows + 1)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["clientReferenceId", "amount", "currency", "method", "channel", "mode",
                         "redirectUrl.successReturnUrl", "redirectUrl.failureReturnUrl",
                         "redirectUrl.expirationReturnUrl"])
        for i, ref in enumerate(refs, start=1):
            writer.writerow([ref, 10000 + i, "IDR", "VIRTUAL_ACCOUNT", "BCA", "API",
                             "https://shop.example/ok", "https://shop.example/fail",
                             "https://shop.example/expired"])
    return refs


def journal_states(journal: Path) -> collections.Counter[str]:
    """Rows per state, read like a third party would (read-only; committed data only)."""
    if not journal.exists():
        return collections.Counter()
    try:
        conn = sqlite3.connect(f"{journal.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return collections.Counter(
                dict(conn.execute("SELECT state, COUNT(*) FROM ops GROUP BY state").fetchall()))
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the schema is not created yet
        return collections.Counter()


def sigkill_at(
    proc: subprocess.Popen[str], journal: Path, rows: int, *, within: float
) -> collections.Counter[str]:
    """SIGKILL ``proc`` once ``journal`` holds ``rows`` rows (failing if the batch ends first or
    makes no progress for ``within`` seconds); the states it left."""
    deadline = time.monotonic() + within
    try:
        while sum(journal_states(journal).values()) < rows:
            assert proc.poll() is None, f"the batch ended before row {rows}: " + \
                proc.communicate()[1]
            assert time.monotonic() < deadline, "the batch made no progress"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    return journal_states(journal)


class Batch:
    def __init__(self, tmp_path: Path, url: str, prefix: str, rows: int = ROWS) -> None:
        self.input = tmp_path / "orders.csv"
        self.journal = tmp_path / "orders.journal.sqlite"
        self.results = tmp_path / "orders.results.jsonl"
        self.refs = write_input(self.input, prefix, rows)
        self.env = dict(os.environ, PIVOT_CLIENT_ID=DEFAULT_CLIENT_ID,
                        PIVOT_CLIENT_SECRET=DEFAULT_CLIENT_SECRET, PIVOT_BASE_URL=url,
                        PIVOT_MAX_RETRIES="6", PIVOT_TIMEOUT="60")
        self.env.pop("PIVOT_WALLET_CLIENT_KEY", None)

    def start(self, *, resume: bool) -> subprocess.Popen[str]:
        cmd = [sys.executable, "-m", "pivot_async", "batch", str(self.input),
               "--journal", str(self.journal), "--out", str(self.results),
               "--concurrency", "32", "--no-progress"]
        if resume:
            cmd.append("--resume")
        return subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def delete_journal(self) -> None:
        """Lose the journal: the database, its ``-wal``, ``-shm`` and lock files."""
        for suffix in ("", "-wal", "-shm", ".lock"):
            Path(f"{self.journal}{suffix}").unlink(missing_ok=True)

    def kill_after(self, proc: subprocess.Popen[str], rows: int) -> collections.Counter[str]:
        """SIGKILL ``proc`` once the journal holds ``rows`` rows; the states it left."""
        return sigkill_at(proc, self.journal, rows, within=60)


def dropped_responses(url: str) -> int:
    """How many create responses the sandbox has dropped so far."""
    with urllib.request.urlopen(url + "/_sandbox/faults", timeout=10) as resp:  # noqa: S310
        body = json.loads(resp.read())
    data = body.get("data", body)
    return sum(int(f["hits"]) for f in data["faults"] if f["kind"] == "drop")


async def sessions_by_reference(url: str, prefix: str) -> dict[str, list[str]]:
    """Every session id the sandbox holds, by ``clientReferenceId`` (those with ``prefix``)."""
    found: dict[str, list[str]] = collections.defaultdict(list)
    async with PivotClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, base_url=url) as client:
        async for s in client.payments.list(per_page=100):
            ref = str(s.client_reference_id)
            if ref.startswith(prefix):
                found[ref].append(str(s.id))
    return found


@pytest.mark.parametrize(("prefix", "kill_points"), [
    ("early", [120]),
    ("middle", [1000]),
    ("late", [1600]),
    ("twice", [600, 1500]),  # the resumed run is killed as well
])
def test_sigkill_and_resume_leave_one_session_and_one_outcome_per_row(
    tmp_path: Path, sandbox_url: str, prefix: str, kill_points: list[int]
) -> None:
    batch = Batch(tmp_path, sandbox_url, f"crash{prefix}")
    dropped = dropped_responses(sandbox_url)
    for n, kill_at in enumerate(kill_points):
        states = batch.kill_after(batch.start(resume=n > 0), kill_at)
        assert sum(states.values()) >= kill_at
        assert sum(states.values()) < ROWS, "killed too late to test anything"
        # killed with requests in flight: their intents are committed, outcomes are not
        assert states["pending"] > 0
        in_flight = states["pending"] + states["unknown"]

    done = batch.start(resume=True)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    match = _SUMMARY.search(out)
    assert match, out
    processed, skipped, resolved, resent = map(int, match.groups())
    assert processed + skipped == ROWS
    assert skipped == sum(states.values()) - in_flight  # rows final before the last kill
    assert resolved + resent == in_flight  # every in-flight row was looked up first
    assert dropped_responses(sandbox_url) > dropped  # lost responses were retried

    results = [json.loads(line) for line in batch.results.read_text("utf-8").splitlines()]
    assert len(results) == ROWS
    assert [r["row"] for r in results] == list(range(1, ROWS + 1))
    assert [r["reference"] for r in results] == batch.refs
    assert {r["outcome"] for r in results} == {"succeeded"}
    assert len({r["id"] for r in results}) == ROWS

    sessions = asyncio.run(sessions_by_reference(sandbox_url, f"crash{prefix}"))
    assert set(sessions) == set(batch.refs)
    doubled = {ref: ids for ref, ids in sessions.items() if len(ids) != 1}
    assert not doubled, f"rows with more than one session: {doubled}"
    assert {r["reference"]: r["id"] for r in results} == {
        ref: ids[0] for ref, ids in sessions.items()}
