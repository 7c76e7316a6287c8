"""``pivot-async batch`` explains itself: column help, templates, hints and tidy output."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pivot_async import PivotClient
from pivot_async.__main__ import main
from pivot_async.batch._cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from pivot_async.batch._progress import ProgressBar
from pivot_async.batch._report import problem_line
from pivot_async.batch._templates import TEMPLATES
from pivot_async.sandbox import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from tests.batch.conftest import read_results, standalone_sandbox

URLS = ["https://shop.example/ok", "https://shop.example/fail", "https://shop.example/expired"]
HEADER = ("clientReferenceId,amount,currency,method,channel,mode,redirectUrl.successReturnUrl,"
          "redirectUrl.failureReturnUrl,redirectUrl.expirationReturnUrl\n")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["batch", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def va_row(ref: str, amount: str, channel: str = "BCA") -> str:
    return f"{ref},{amount},IDR,VIRTUAL_ACCOUNT,{channel},API,{','.join(URLS)}\n"


def test_help_documents_the_columns_of_each_operation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["batch", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for column in ("redirectUrl.successReturnUrl", "redirectUrl.failureReturnUrl",
                   "redirectUrl.expirationReturnUrl", "clientReferenceId", "paymentSessionId",
                   "partnerReferenceNo", "bindingId", "subMerchantId", "urlParams", "reason"):
        assert column in text, column
    for operation in ("create_payment", "refund", "wallet_debit"):
        assert f"  {operation}  " in text or f"  {operation} " in text
    assert "--template" in text and "50.000" in text
    assert "exit codes:" in text


def test_input_is_required_without_template(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == EXIT_USAGE and out == ""
    assert "INPUT is required" in err and "--template" in err


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_round_trips_through_the_sandbox(
    name: str, fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "--template", name, "--template-format", fmt)
    assert code == EXIT_OK
    assert err.startswith(f"pivot_async batch: template {name}: ")
    lines = out.splitlines()
    assert len(lines) == (2 if fmt == "csv" else 1)
    src = tmp_path / f"sample.{fmt}"
    src.write_text(out, encoding="utf-8")
    assert run(capsys, str(src), "--dry-run")[0] == EXIT_OK
    code, out, err = run(capsys, str(src), "--sandbox")
    (result,) = read_results(tmp_path / f"sample.results.{fmt}")
    assert result["outcome"] != "invalid", result
    if TEMPLATES[name].operation == "create_payment":
        assert code == EXIT_OK, err
        assert result["outcome"] == "succeeded"
    else:
        # a refund needs a PAID session, a debit a bound customer: the sandbox of the
        # command has neither, and says so about that field, not about the row's format
        assert code == EXIT_FAILED
        assert result["outcome"] == "failed"
        wanted = "paymentSessionId" if name == "refund" else "4017400"
        assert wanted in f"{result['error_field']} {result['error_message']}"


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    with standalone_sandbox(seed=5) as url:
        yield url


async def _paid_session(url: str, ref: str) -> str:
    async with PivotClient(DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, base_url=url) as client:
        session = await client.payments.create({
            "clientReferenceId": ref, "amount": {"value": 50000, "currency": "IDR"},
            "mode": "API", "paymentMethod": {"type": "QR"},
            "redirectUrl": {"successReturnUrl": URLS[0], "failureReturnUrl": URLS[1],
                            "expirationReturnUrl": URLS[2]}})
        await client.simulations.create({"paymentSessionId": session.id,
                                         "chargeStatus": "SUCCESS"})
        return str(session.id)


def test_refund_template_with_a_real_session_succeeds(
    gateway: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {"PIVOT_CLIENT_ID": DEFAULT_CLIENT_ID,
                        "PIVOT_CLIENT_SECRET": DEFAULT_CLIENT_SECRET,
                        "PIVOT_BASE_URL": gateway, "PIVOT_MAX_RETRIES": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PIVOT_ENVIRONMENT", raising=False)
    session_id = asyncio.run(_paid_session(gateway, f"tplpaid{os.getpid()}"))
    code, out, _ = run(capsys, "--template", "refund")
    src = tmp_path / "refunds.csv"
    src.write_text(out.replace("PUT-A-PAID-PAYMENT-SESSION-ID", session_id)
                   .replace("rfd000001", f"rfd{os.getpid()}"), encoding="utf-8")
    code, out, err = run(capsys, str(src))
    assert code == EXIT_OK, err
    (result,) = read_results(tmp_path / "refunds.results.csv")
    assert result["outcome"] == "succeeded" and result["operation"] == "refund"


@pytest.mark.parametrize("amount", ["50.000", "1.000.000", "50,000"])
def test_separated_amounts_are_refused_with_a_hint(
    amount: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        f.write(HEADER)
        csv.writer(f).writerow(["sep1", amount, "IDR", "VIRTUAL_ACCOUNT", "BCA", "API", *URLS])
    code, out, err = run(capsys, str(src), "--sandbox")
    assert code == EXIT_FAILED
    assert "invalid 1" in out and "sent" in out and " 0 sent" in out
    digits = amount.replace(".", "").replace(",", "")
    assert f"got {amount!r}: write it without thousands separators, as {digits}" in err
    (result,) = read_results(tmp_path / "orders.results.csv")
    assert result["outcome"] == "invalid" and result["error_field"] == "amount"


def test_invalid_rows_name_their_reference_in_the_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.csv"
    src.write_text(HEADER + va_row("good1", "50000") + va_row("bad1", "abc"), encoding="utf-8")
    assert run(capsys, str(src), "--sandbox")[0] == EXIT_FAILED
    rows = read_results(tmp_path / "orders.results.csv")
    assert [(r["reference"], r["outcome"]) for r in rows] == [("good1", "succeeded"),
                                                              ("bad1", "invalid")]
    jsonl = tmp_path / "debits.jsonl"
    jsonl.write_text(json.dumps({"operation": "wallet_debit", "partnerReferenceNo": "NOBIND1",
                                 "amount": {"value": "1.00", "currency": "IDR"}}) + "\n",
                     encoding="utf-8")
    assert run(capsys, str(jsonl), "--sandbox")[0] == EXIT_FAILED
    (row,) = read_results(tmp_path / "debits.results.jsonl")
    assert (row["reference"], row["outcome"], row["error_field"]) == ("NOBIND1", "invalid",
                                                                      "bindingId")


def test_server_errors_are_printed_once(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "orders.csv"
    src.write_text(HEADER + va_row("low1", "5") + va_row("chan1", "5", "NOPE"),
                   encoding="utf-8")
    code, _, err = run(capsys, str(src), "--sandbox")
    assert code == EXIT_FAILED
    lines = [line for line in err.splitlines() if " failed: " in line]
    assert len(lines) == 2, err
    rule = "amount.value must be between 10000 and 9999999999"
    assert lines[0].startswith(f"pivot_async batch: row 1 failed: {rule} for VIRTUAL_ACCOUNT "
                               "(HTTP 400 api_validation_error, trace_id=")
    assert lines[0].count("amount.value") == 1
    # both rules of the second row, each once
    assert lines[1].count("paymentMethodOptions.virtualAccount.channel") == 1
    assert lines[1].count(rule) == 1


def test_problem_line_keeps_what_is_not_a_gateway_error() -> None:
    assert problem_line(3, "invalid", "amount", "must be a whole number, got 'x'") == (
        "row 3 invalid (field amount): must be a whole number, got 'x'")
    assert problem_line(2, "failed", "paymentSessionId", (
        "HTTP 404 resource_missing: payment session not found [paymentSessionId: Make sure "
        "payment session id is correct] (trace_id=abc)")) == (
        "row 2 failed: payment session not found; paymentSessionId: Make sure payment "
        "session id is correct (HTTP 404 resource_missing, trace_id=abc)")


@pytest.mark.parametrize("with_failures", [False, True])
def test_journal_side_files_are_removed_at_a_clean_end(
    with_failures: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "orders.csv"
    src.write_text(HEADER + va_row("side1", "50000") + (va_row("side2", "5") if with_failures
                                                        else ""), encoding="utf-8")
    run(capsys, str(src), "--sandbox")
    journal = tmp_path / "orders.csv.journal.sqlite"
    assert journal.exists()
    assert not Path(f"{journal}-wal").exists() and not Path(f"{journal}-shm").exists()
    # a refused second start (the journal holds the job) leaves none behind either
    assert run(capsys, str(src), "--sandbox")[0] == EXIT_USAGE
    assert not Path(f"{journal}-wal").exists() and not Path(f"{journal}-shm").exists()


@pytest.mark.parametrize("done", [7, 123_456, 9_999_999])
def test_progress_line_keeps_every_count_within_80_columns(
    done: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    stream = io.StringIO()
    now = [0.0]
    bar = ProgressBar(total=10_000_000, enabled=True, stream=stream, clock=lambda: now[0])
    now[0] = 3723.0
    problems = {"failed": done // 3 + 1, "invalid": done // 7 + 2, "unknown": done // 11 + 3}
    bar.update(done, done, problems, force=True)
    line = stream.getvalue().lstrip("\r")
    assert len(line) <= 79
    assert f"{done}/10000000" in line
    for name, count in problems.items():
        assert f"{name} {count}" in line
    if done < 1_000_000:
        assert "ops/s" in line  # the rate still fits beside smaller counts
    assert "100.0%" not in line  # not rounded up to done
    wide = bar.render(done, 1.0, 3723.0, problems, 199)
    assert "[" in wide and "elapsed 1h02m03s" in wide  # and the rest when there is room


@pytest.mark.parametrize(("operation", "cell", "plain"), [
    ("refund", "50.000", "50000"), ("refund", "1.000.000,50", "1000000.50"),
    ("wallet_debit", "35,000.00", "35000.00"), ("create_payment", "10.000", "10000"),
])
def test_separated_amounts_are_refused_for_every_operation(operation: str, cell: str,
                                                           plain: str) -> None:
    from pivot_async.batch._csvmap import CsvMapping

    op = CsvMapping(["operation", "clientReferenceId", "amount"], "create_payment").operation(
        [operation, "ref1", cell], 1, 2)
    assert op.error is not None and op.error.field == "amount"
    assert op.error.message.endswith(f"write it without thousands separators, as {plain}")
    ok = CsvMapping(["operation", "clientReferenceId", "amount"], "create_payment").operation(
        [operation, "ref1", plain], 1, 2)
    assert ok.error is None
