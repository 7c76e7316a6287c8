"""``python -m pivot_async batch``: runs, resumes, exit codes and one-line errors."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pivot_async.__main__ import COMMANDS, build_parser, main
from pivot_async.batch._cli import (
    EXIT_CODES,
    EXIT_ERROR,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNKNOWN,
    EXIT_USAGE,
)
from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.batch.conftest import ROOT, add_fault, read_results, standalone_sandbox

HEADER = ["clientReferenceId", "amount", "currency", "method", "channel", "mode",
          "redirectUrl.successReturnUrl", "redirectUrl.failureReturnUrl",
          "redirectUrl.expirationReturnUrl"]
URLS = ["https://shop.example/ok", "https://shop.example/fail", "https://shop.example/expired"]
_counter = iter(range(1, 1_000_000))


def write_csv(path: Path, rows: int, *, bad: dict[int, str] | None = None) -> list[str]:
    """``rows`` VA payments with unique references; ``bad`` maps a row to a bad amount."""
    prefix = f"cli{os.getpid()}x{next(_counter)}r"
    refs = [f"{prefix}{i}" for i in range(1, rows + 1)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i, ref in enumerate(refs, start=1):
            amount = (bad or {}).get(i, str(10000 + i))
            writer.writerow([ref, amount, "IDR", "VIRTUAL_ACCOUNT", "BCA", "API", *URLS])
    return refs


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    with standalone_sandbox(seed=3) as url:
        yield url


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, gateway: str) -> dict[str, str]:
    values = {"PIVOT_CLIENT_ID": DEFAULT_CLIENT_ID, "PIVOT_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
              "PIVOT_BASE_URL": gateway, "PIVOT_MAX_RETRIES": "0"}
    for name in ("PIVOT_WALLET_CLIENT_KEY", "PIVOT_ENVIRONMENT", "PIVOT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["batch", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("pivot_async batch: ")
    assert "Traceback" not in err
    return lines[0]


def test_the_command_is_registered_with_its_options() -> None:
    assert "batch" in COMMANDS
    args = build_parser().parse_args(
        ["batch", "in.csv", "--concurrency", "8", "--rate", "20", "--journal", "j.sqlite",
         "--out", "r.jsonl", "--resume", "--sandbox"])
    assert (args.input, args.concurrency, args.rate) == ("in.csv", 8, 20.0)
    assert (args.journal, args.out, args.resume, args.sandbox) == ("j.sqlite", "r.jsonl",
                                                                   True, True)
    assert callable(args.run)
    assert set(EXIT_CODES) == {EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNKNOWN, EXIT_ERROR,
                               EXIT_INTERRUPTED}


@pytest.mark.parametrize("bad", [["--concurrency", "0"], ["--rate", "-1"], ["--rate", "x"],
                                 ["--burst", "0.5"], ["--operation", "transfer"]])
def test_bad_options_are_usage_errors(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["batch", "in.csv", *bad])
    assert info.value.code == EXIT_USAGE
    assert "Traceback" not in capsys.readouterr().err


def test_env_gateway_run_then_resume_skips_everything(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.csv"
    refs = write_csv(src, 25)
    code, out, err = run(capsys, str(src), "--concurrency", "4", "--rate", "1000")
    assert code == EXIT_OK, err
    assert "succeeded 25  failed 0  invalid 0  unknown 0" in out
    assert "ops/s" in out and "p50" in out and "p95" in out and "p99" in out
    assert err == ""  # no progress line when stderr is not a terminal
    results = read_results(tmp_path / "orders.results.csv")
    assert [r["reference"] for r in results] == refs
    assert {r["outcome"] for r in results} == {"succeeded"}
    assert (tmp_path / "orders.csv.journal.sqlite").exists()
    assert DEFAULT_CLIENT_SECRET not in out + err

    code, out, err = run(capsys, str(src), "--resume")
    assert code == EXIT_OK, err
    assert "(resumed): 25 rows" in out
    assert "0 processed, 25 skipped" in out


def test_a_journal_in_use_needs_resume(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.jsonl"
    src.write_text("", encoding="utf-8")
    journal = tmp_path / "j.sqlite"
    assert run(capsys, str(src), "--journal", str(journal))[0] == EXIT_OK
    code, out, err = run(capsys, str(src), "--journal", str(journal))
    assert code == EXIT_USAGE
    line = assert_one_line_error(err)
    assert str(journal) in line and "--resume" in line
    assert out == ""


def test_malformed_rows_are_reported_with_row_and_field(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.csv"
    write_csv(src, 6, bad={2: "12x", 5: "9.5"})
    out_path = tmp_path / "res.jsonl"
    code, out, err = run(capsys, str(src), "--out", str(out_path))
    assert code == EXIT_FAILED
    assert "succeeded 4  failed 0  invalid 2" in out
    lines = err.strip().splitlines()
    assert lines[0] == ("pivot_async batch: row 2 invalid (field amount): must be a whole "
                        "number, got '12x'")
    assert lines[1].startswith("pivot_async batch: row 5 invalid (field amount): ")
    assert [r["outcome"] for r in read_results(out_path)] == [
        "succeeded", "invalid", "succeeded", "succeeded", "invalid", "succeeded"]


def test_strict_stops_at_the_first_malformed_row(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.csv"
    write_csv(src, 3, bad={2: "abc"})
    code, _, err = run(capsys, str(src), "--strict", "--concurrency", "1")
    assert code == EXIT_USAGE
    line = assert_one_line_error(err)
    assert "row 2, field amount: must be a whole number, got 'abc'" in line


def test_dry_run_checks_rows_and_sends_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIVOT_CLIENT_ID", raising=False)  # no credentials needed
    src = tmp_path / "orders.csv"
    write_csv(src, 4, bad={3: "lots"})
    code, out, err = run(capsys, str(src), "--dry-run")
    assert code == EXIT_FAILED
    assert "4 rows read, 3 well-formed, 1 malformed; nothing was sent" in out
    assert assert_one_line_error(err).endswith("row 3, field amount: must be a whole number, "
                                               "got 'lots'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["orders.csv"]
    write_csv(src, 2)
    assert run(capsys, str(src), "--dry-run")[0] == EXIT_OK


def test_missing_input_file(tmp_path: Path, env: dict[str, str],
                            capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.csv"
    code, out, err = run(capsys, str(missing))
    assert code == EXIT_USAGE
    assert assert_one_line_error(err) == f"pivot_async batch: input file not found: {missing}"
    assert out == ""


def test_missing_credentials_name_the_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIVOT_CLIENT_ID", raising=False)
    monkeypatch.setenv("PIVOT_CLIENT_SECRET", "s3cr3t-value")
    src = tmp_path / "orders.csv"
    write_csv(src, 1)
    code, _, err = run(capsys, str(src))
    assert code == EXIT_USAGE
    line = assert_one_line_error(err)
    assert "PIVOT_CLIENT_ID" in line and "--sandbox" in line
    assert "s3cr3t-value" not in err
    assert not (tmp_path / "orders.csv.journal.sqlite").exists()


def test_refused_credentials_stop_before_any_row(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIVOT_CLIENT_SECRET", "wrong-secret-value-123")
    src = tmp_path / "orders.csv"
    write_csv(src, 3)
    code, out, err = run(capsys, str(src))
    assert code == EXIT_USAGE
    line = assert_one_line_error(err)
    assert "refused the credentials" in line
    assert "wrong-secret-value-123" not in out + err
    assert not (tmp_path / "orders.results.csv").exists()


def test_unreachable_gateway(tmp_path: Path, env: dict[str, str],
                             capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("PIVOT_BASE_URL", f"http://127.0.0.1:{port}")
    src = tmp_path / "orders.csv"
    write_csv(src, 1)
    code, _, err = run(capsys, str(src))
    assert code == EXIT_ERROR
    assert f"cannot reach the gateway at http://127.0.0.1:{port}" in assert_one_line_error(err)


def test_resume_without_a_journal(tmp_path: Path, env: dict[str, str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "orders.csv"
    write_csv(src, 1)
    code, _, err = run(capsys, str(src), "--resume")
    assert code == EXIT_USAGE
    line = assert_one_line_error(err)
    assert "--resume" in line and "no journal" in line
    assert str(tmp_path / "orders.csv.journal.sqlite") in line


def test_unreadable_journal(tmp_path: Path, env: dict[str, str],
                            capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "orders.csv"
    write_csv(src, 1)
    journal = tmp_path / "j.sqlite"
    journal.write_bytes(b"this is not a database, just some text " * 100)
    for extra in ([], ["--resume"]):
        code, _, err = run(capsys, str(src), "--journal", str(journal), *extra)
        assert code == EXIT_USAGE
        assert f"cannot read the journal {journal}" in assert_one_line_error(err)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    code, _, err = run(capsys, str(src), "--journal", str(other), "--resume")
    assert code == EXIT_USAGE
    assert "not a batch journal" in assert_one_line_error(err)


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("orders.txt", "x", "use a .csv, .tsv, .jsonl or .ndjson name"),
    ("orders.csv", "clientReferenceId,amount,amount\n", "column 'amount' appears twice"),
])
def test_bad_input_files(tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str],
                         name: str, content: str, expected: str) -> None:
    src = tmp_path / name
    src.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, str(src))
    assert code == EXIT_USAGE
    assert expected in assert_one_line_error(err)


def test_bad_results_name_and_clashing_paths(tmp_path: Path, env: dict[str, str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "orders.csv"
    write_csv(src, 1)
    code, _, err = run(capsys, str(src), "--out", str(tmp_path / "r.xlsx"))
    assert code == EXIT_USAGE
    assert "use a .csv, .jsonl or .ndjson name" in assert_one_line_error(err)
    code, _, err = run(capsys, str(src), "--journal", str(src))
    assert code == EXIT_USAGE
    assert "would overwrite the input file" in assert_one_line_error(err)


def test_unknown_outcomes_exit_3_and_resume_resolves_them(
    tmp_path: Path, env: dict[str, str], gateway: str, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.csv"
    write_csv(src, 8)
    add_fault(gateway, kind="status", status=503, route="POST /v2/payments", times=3)
    code, out, err = run(capsys, str(src), "--concurrency", "1")
    assert code == EXIT_UNKNOWN
    assert "succeeded 5  failed 0  invalid 0  unknown 3" in out
    assert "3 outcomes are unknown: run the same command with --resume" in err
    code, out, err = run(capsys, str(src), "--resume")
    assert code == EXIT_OK, err
    assert "succeeded 8  failed 0  invalid 0  unknown 0" in out
    assert "5 skipped (already done), 0 resolved in flight, 3 re-sent" in out


def test_sandbox_flag_needs_no_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PIVOT_CLIENT_ID", "PIVOT_CLIENT_SECRET", "PIVOT_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    src = tmp_path / "mixed.jsonl"
    session = {"clientReferenceId": "sb1", "amount": {"value": 10000, "currency": "IDR"},
               "mode": "API", "paymentMethod": {"type": "QR"},
               "redirectUrl": dict(zip(["successReturnUrl", "failureReturnUrl",
                                        "expirationReturnUrl"], URLS, strict=True))}
    debit = {"operation": "wallet_debit", "bindingId": "no-such-binding",
             "subMerchantId": "SUBMERCHANT1",
             "partnerReferenceNo": "SBDEBIT1", "amount": {"value": "1000.00", "currency": "IDR"},
             "urlParams": [{"url": URLS[0], "type": "PAY_RETURN", "isDeeplink": False}],
             "additionalInfo": {}}
    src.write_text(json.dumps(session) + "\n" + json.dumps(debit) + "\n", encoding="utf-8")
    code, out, err = run(capsys, str(src), "--sandbox")
    assert code == EXIT_FAILED
    assert "succeeded 1  failed 1" in out
    assert "embedded sandbox at http://127.0.0.1:" in err
    # the wallet answered: its credentials were set up
    assert "row 2 failed: " in err and "(HTTP 401 " in err
    rows = read_results(tmp_path / "mixed.results.jsonl")
    assert [(r["reference"], r["outcome"]) for r in rows] == [("sb1", "succeeded"),
                                                              ("SBDEBIT1", "failed")]
    assert DEFAULT_CLIENT_SECRET not in out + err


def test_sigterm_interrupts_cleanly_and_resume_finishes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    src = tmp_path / "orders.csv"
    refs = write_csv(src, 300)
    journal = tmp_path / "orders.csv.journal.sqlite"
    cmd = [sys.executable, "-m", "pivot_async", "batch", str(src), "--rate", "100"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None and time.monotonic() < deadline
            if journal.exists():
                try:
                    with sqlite3.connect(f"{journal.as_uri()}?mode=ro", uri=True) as conn:
                        if conn.execute("SELECT COUNT(*) FROM ops").fetchone()[0] >= 20:
                            break
                except sqlite3.OperationalError:
                    pass
            time.sleep(0.01)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == EXIT_INTERRUPTED, err
    assert out == ""  # no summary for a run that did not finish
    assert "interrupted" in err and "--resume" in err
    assert "Traceback" not in err
    done = subprocess.run([*cmd[:-2], "--resume"], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == EXIT_OK, done.stderr
    rows = read_results(tmp_path / "orders.results.csv")
    assert [r["reference"] for r in rows] == refs
    assert {r["outcome"] for r in rows} == {"succeeded"}
