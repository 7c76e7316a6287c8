"""Re-runs without the journal: the batch CLI killed with SIGKILL, its journal lost, run again.

The idempotency keys come from each row's business identity and every row the journal does not
know as finished is looked up at the gateway before it is created, so losing the journal (deleted,
copied without its ``-wal``) never creates a second session for a reference, and re-running a
finished job without its journal sends no create at all. Creates are counted in the standalone
sandbox's request log (``GET /_sandbox/requests``); the sandbox loses 3 % of the create
responses after processing them (the client retries them under the same key).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import sqlite3
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batch.conftest import add_fault, standalone_sandbox
from tests.batch.test_crash import Batch, journal_states, sessions_by_reference

ROWS = 400
_COUNTS = re.compile(r"(\d+) found at the gateway, (\d+) sent")


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with standalone_sandbox(seed=11) as url:
        add_fault(url, kind="drop", route="POST /v2/payments", probability=0.03)
        yield url


def creates(url: str, prefix: str) -> int:
    """``POST /v2/payments`` requests the sandbox received for references with ``prefix``.

    The request log keeps no bodies, so creates are told apart by their X-REQUEST-ID, which the
    batch derives from the reference: the keys of this test's references are computed here.
    """
    with urllib.request.urlopen(url + "/_sandbox/requests", timeout=30) as resp:  # noqa: S310
        body = json.loads(resp.read())
    records = body.get("data", body)
    return sum(1 for r in records if r["method"] == "POST" and r["path"] == "/v2/payments"
               and r["requestId"] in _keys(prefix))


_KEY_CACHE: dict[str, set[str]] = {}


def _keys(prefix: str) -> set[str]:
    from pivot_async.batch import idempotency_key
    from pivot_async.sandbox import DEFAULT_CLIENT_ID

    if prefix not in _KEY_CACHE:
        _KEY_CACHE[prefix] = {idempotency_key("create_payment", f"{prefix}{i:05d}",
                                              DEFAULT_CLIENT_ID) for i in range(1, ROWS + 1)}
    return _KEY_CACHE[prefix]


def has_job(journal: Path) -> bool:
    try:
        with sqlite3.connect(journal) as conn:
            return conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] > 0
    except sqlite3.OperationalError:  # no schema: the copy holds nothing
        return False


def finish(batch: Batch, *, resume: bool) -> tuple[int, int, str]:
    """Run the job to its end; (found at the gateway, sent) from its summary, and stdout."""
    proc = batch.start(resume=resume)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    match = _COUNTS.search(out)
    assert match, out
    return int(match.group(1)), int(match.group(2)), out


def check_one_session_per_row(batch: Batch, url: str, prefix: str) -> None:
    results = [json.loads(line) for line in batch.results.read_text("utf-8").splitlines()]
    assert [r["reference"] for r in results] == batch.refs
    assert {r["outcome"] for r in results} == {"succeeded"}
    sessions = asyncio.run(sessions_by_reference(url, prefix))
    assert set(sessions) == set(batch.refs)
    doubled = {ref: ids for ref, ids in sessions.items() if len(ids) != 1}
    assert not doubled, f"references with more than one session: {doubled}"
    assert {r["reference"]: r["id"] for r in results} == {
        ref: ids[0] for ref, ids in sessions.items()}


def test_killed_run_whose_journal_is_deleted_reruns_without_a_second_session(
    tmp_path: Path, sandbox_url: str
) -> None:
    batch = Batch(tmp_path, sandbox_url, "lostjournal", rows=ROWS)
    states = batch.kill_after(batch.start(resume=False), 150)
    assert states["pending"] > 0 and sum(states.values()) < ROWS
    batch.delete_journal()

    found, sent, _ = finish(batch, resume=False)  # a new job: the old journal is gone
    assert found >= sum(states.values()) - states["pending"]  # every finished row was found
    assert found + sent == ROWS
    assert creates(sandbox_url, "lostjournal") >= ROWS  # (lost responses are retried)
    check_one_session_per_row(batch, sandbox_url, "lostjournal")


def test_finished_job_rerun_without_its_journal_sends_no_create(
    tmp_path: Path, sandbox_url: str
) -> None:
    batch = Batch(tmp_path, sandbox_url, "rerun", rows=ROWS)
    found, sent, _ = finish(batch, resume=False)
    assert (found, sent) == (0, ROWS)
    first = {json.loads(line)["reference"]: json.loads(line)["id"]
             for line in batch.results.read_text("utf-8").splitlines()}
    before = creates(sandbox_url, "rerun")

    batch.delete_journal()
    found, sent, out = finish(batch, resume=False)
    assert (found, sent) == (ROWS, 0), out
    assert creates(sandbox_url, "rerun") == before  # not one create reached the sandbox
    check_one_session_per_row(batch, sandbox_url, "rerun")
    again = {json.loads(line)["reference"]: json.loads(line)["id"]
             for line in batch.results.read_text("utf-8").splitlines()}
    assert again == first  # the existing outcomes are reported


def test_journal_copied_without_its_wal_resumes_without_a_second_session(
    tmp_path: Path, sandbox_url: str
) -> None:
    batch = Batch(tmp_path, sandbox_url, "nowal", rows=ROWS)
    batch.kill_after(batch.start(resume=False), 200)
    wal = Path(f"{batch.journal}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # committed rows live in the WAL
    copy = tmp_path / "copied.sqlite"
    shutil.copyfile(batch.journal, copy)  # the database file alone, as a naive copy would
    batch.delete_journal()
    shutil.move(copy, batch.journal)
    known = sum(journal_states(batch.journal).values())
    assert known < 200  # the copy lost the rows that were only in the WAL

    found, sent, _ = finish(batch, resume=has_job(batch.journal))
    assert found > 0 and found + sent <= ROWS
    check_one_session_per_row(batch, sandbox_url, "nowal")
