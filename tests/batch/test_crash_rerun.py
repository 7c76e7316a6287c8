"""Re-runs without the journal: the batch CLI killed with SIGKILL, its journal lost, run again.

The idempotency keys come from each row's business identity and every row the journal does not
know as finished is looked up at the gateway before it is created, so losing the journal (deleted,
copied without its ``-wal``) never creates a second session for a reference, and re-running a
finished job without its journal sends no create at all: payments (CSV), and a JSON Lines job of
refunds and wallet debits. Creates are counted in the standalone
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
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pivot_async import PivotClient
from tests.batch.conftest import add_fault, standalone_sandbox
from tests.batch.test_crash import Batch, journal_states, sessions_by_reference
from tests.client.conftest import va_request

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
            count: int = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
            return count > 0
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


# -- refunds and wallet debits ---------------------------------------------------------------

MIXED = 150  # refunds, and as many wallet debits


def _control(url: str, path: str, body: dict[str, str] | None = None) -> dict[str, Any]:
    """GET (or with ``body``, POST) a sandbox control route."""
    request = urllib.request.Request(  # noqa: S310 - loopback http
        url + path, method="GET" if body is None else "POST",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 - loopback
        return dict(json.loads(resp.read()))


async def _paid_sessions_and_registration(url: str, m: dict[str, Any]) -> tuple[list[str], str]:
    from pivot_async import WalletCredentials
    from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    wallet = WalletCredentials(m["clientKey"], m["clientSecret"], m["privateKeyPem"],
                               channel_id=m["channelId"], partner_id=m["partnerId"])
    async with PivotClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, base_url=url,
                           wallet=wallet) as client:
        sessions = []
        for i in range(MIXED):
            session = await client.payments.create(va_request(f"mixedpaid{i}", 50000))
            await client.simulations.create({"paymentSessionId": session.id,
                                             "chargeStatus": "SUCCESS"})
            sessions.append(str(session.id))
        created = await client.wallet.create_account({
            "partnerReferenceNo": "USERMIXED1", "merchantId": m["merchantId"], "name": "Budi",
            "phoneNo": "081800006666", "redirectUrl": "https://merchant.example/bound"})
    return sessions, str(created.reference_no)


def prepare(url: str) -> tuple[dict[str, str], list[str], str]:
    """The wallet's env variables, MIXED paid sessions and a bound, funded customer."""
    m = _control(url, "/_sandbox/wallet/merchant")
    env = {"PIVOT_WALLET_CLIENT_KEY": m["clientKey"], "PIVOT_WALLET_CLIENT_SECRET":
           m["clientSecret"], "PIVOT_WALLET_PRIVATE_KEY": m["privateKeyPem"],
           "PIVOT_WALLET_PARTNER_ID": m["partnerId"], "PIVOT_WALLET_CHANNEL_ID": m["channelId"]}
    sessions, registration = asyncio.run(_paid_sessions_and_registration(url, m))
    binding = str(_control(url, f"/_sandbox/wallet/bind/{registration}", {})["bindingId"])
    _control(url, f"/_sandbox/wallet/bindings/{binding}/balance", {"value": "100000000"})
    return env, sessions, binding


class MixedBatch(Batch):
    """A JSON Lines job of refunds and wallet debits, alternating."""

    def __init__(self, tmp_path: Path, url: str, env: dict[str, str], sessions: list[str],
                 binding: str) -> None:
        super().__init__(tmp_path, url, "mixedunused", rows=1)
        self.input = tmp_path / "mixed.jsonl"
        self.journal = tmp_path / "mixed.jsonl.journal.sqlite"
        self.env.update(env)
        self.refs = []
        with open(self.input, "w", encoding="utf-8") as f:
            for i, sid in enumerate(sessions):
                refund = {"operation": "refund", "clientReferenceId": f"MXRF{i:04d}",
                          "paymentSessionId": sid, "reason": "REQUESTED_BY_CUSTOMER",
                          "amount": {"value": "10000", "currency": "IDR"}}
                debit = {"operation": "wallet_debit", "bindingId": binding,
                         "subMerchantId": "SUBMERCHANT1", "partnerReferenceNo": f"MXWD{i:04d}",
                         "amount": {"value": "1000.00", "currency": "IDR"},
                         "urlParams": [{"url": "https://merchant.example/back",
                                        "type": "PAY_RETURN", "isDeeplink": False}],
                         "additionalInfo": {}}
                for row in (refund, debit):
                    f.write(json.dumps(row) + "\n")
                self.refs += [f"MXRF{i:04d}", f"MXWD{i:04d}"]


def _mixed_creates(url: str) -> tuple[int, int]:
    """(``POST /v1/refunds``, wallet debit) requests the sandbox has received."""
    with urllib.request.urlopen(url + "/_sandbox/requests", timeout=30) as resp:  # noqa: S310
        body = json.loads(resp.read())
    records = body.get("data", body)
    refunds = sum(1 for r in records if r["method"] == "POST" and r["path"] == "/v1/refunds")
    debits = sum(1 for r in records if r["method"] == "POST"
                 and r["path"].endswith("/debit/payment-host-to-host"))
    return refunds, debits


async def _refunds_by_reference(url: str) -> Counter[str]:
    from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

    async with PivotClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, base_url=url) as client:
        return Counter([str(r.client_reference_id) async for r in client.refunds.list(
            per_page=100) if str(r.client_reference_id).startswith("MXRF")])


def test_refunds_and_debits_killed_and_rerun_without_the_journal(
    tmp_path: Path, sandbox_url: str
) -> None:
    env, sessions, binding = prepare(sandbox_url)
    batch = MixedBatch(tmp_path, sandbox_url, env, sessions, binding)
    states = batch.kill_after(batch.start(resume=False), 100)
    assert sum(states.values()) < 2 * MIXED
    batch.delete_journal()

    found, sent, _ = finish(batch, resume=False)
    assert found >= sum(states.values()) - states["pending"] and found + sent == 2 * MIXED
    results = [json.loads(line) for line in batch.results.read_text("utf-8").splitlines()]
    assert [r["reference"] for r in results] == batch.refs
    assert {r["outcome"] for r in results} == {"succeeded"}, [
        r for r in results if r["outcome"] != "succeeded"][:3]
    refunds = asyncio.run(_refunds_by_reference(sandbox_url))
    assert set(refunds) == {r for r in batch.refs if r.startswith("MXRF")}
    assert set(refunds.values()) == {1}, "a refund reference was created twice"
    sent_before = _mixed_creates(sandbox_url)
    assert min(sent_before) >= MIXED  # the log holds both kinds of creates

    batch.delete_journal()  # the finished job, again without its journal
    found, sent, _ = finish(batch, resume=False)
    assert (found, sent) == (2 * MIXED, 0)
    assert _mixed_creates(sandbox_url) == sent_before  # no refund, no debit sent
    again = [json.loads(line) for line in batch.results.read_text("utf-8").splitlines()]
    assert [(r["reference"], r["id"]) for r in again] == [
        (r["reference"], r["id"]) for r in results]
