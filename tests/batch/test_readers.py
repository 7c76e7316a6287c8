"""CSV and JSON Lines readers, the CSV column mapping, and run_batch_file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pivot_async.batch import (
    BatchError,
    Operation,
    read_jsonl,
    read_operations,
    run_batch_file,
)
from pivot_async.batch._readers import count_rows
from tests.batch._fakes import FakeClient
from tests.batch.conftest import read_results


async def collect(path: Path, **kwargs: object) -> list[Operation]:
    return [op async for op in read_operations(path, **kwargs)]  # type: ignore[arg-type]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def test_jsonl_rows_operations_and_malformed_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", "\n".join([
        json.dumps({"clientReferenceId": "A1", "amount": {"value": 10000, "currency": "IDR"}}),
        "",
        json.dumps({"operation": "refund", "clientReferenceId": "R1", "reason": "OTHERS"}),
        "{not json",
        "[1, 2]",
        json.dumps({"operation": "wallet-debit", "bindingId": "b1",
                    "partnerReferenceNo": "P1"}),
        json.dumps({"operation": "teleport"}),
    ]) + "\n")
    got = await collect(path)
    assert [op.row for op in got] == [1, 2, 3, 4, 5, 6]
    assert got[0].kind == "create_payment" and got[0].reference == "A1"
    assert got[0].params == {"clientReferenceId": "A1",
                             "amount": {"value": 10000, "currency": "IDR"}}
    assert got[1].kind == "refund" and "operation" not in got[1].params
    assert got[2].error is not None and got[2].error.row == 3
    assert "line 4" in got[2].error.message
    assert json.loads(got[2].source or "") == "{not json"
    assert got[3].error is not None and "object" in got[3].error.message
    assert got[4].kind == "wallet_debit" and got[4].binding_id == "b1"
    assert "bindingId" not in got[4].params and got[4].reference == "P1"
    assert got[5].error is not None and got[5].error.field == "operation"


async def test_jsonl_is_read_in_chunks(tmp_path: Path) -> None:
    path = write(tmp_path / "in.jsonl", "".join(
        json.dumps({"clientReferenceId": f"R{i}"}) + "\n" for i in range(1, 11)))
    reader = read_jsonl(path, chunk_size=3)
    first = await reader.__anext__()
    assert first.row == 1
    await reader.aclose()  # closing early closes the file


async def test_csv_mapping(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", (
        "operation,clientReferenceId,amount,currency,method,channel,autoConfirm,"
        "redirectUrl.successReturnUrl,orderInformation.productDetails.0.name,"
        "orderInformation.productDetails.0.quantity,orderInformation.productDetails.0.price.value,"
        "metadata,customer.phoneNumber.number:str,bindingId\n"
        ',A1,10000,IDR,EWALLET,DANA,false,https://x/ok,Tea,2,5000,"{""k"": 1}",0812,\n'
        "refund,R1,2500.50,,,,,,,,,,,\n"
        "wallet_debit,,100.00,IDR,,,,,,,,,,b9\n"
    ))
    got = await collect(path)
    assert got[0].params == {
        "clientReferenceId": "A1",
        "amount": {"value": 10000, "currency": "IDR"},
        "paymentMethod": {"type": "EWALLET"},
        "paymentMethodOptions": {"ewallet": {"channel": "DANA"}},
        "autoConfirm": False,
        "redirectUrl": {"successReturnUrl": "https://x/ok"},
        "orderInformation": {"productDetails": [
            {"name": "Tea", "quantity": 2, "price": {"value": 5000}}]},
        "metadata": {"k": 1},
        "customer": {"phoneNumber": {"number": "0812"}},
    }
    assert got[0].kind == "create_payment" and got[0].error is None
    assert json.loads(got[0].source or "")["channel"] == "DANA"
    assert got[1].kind == "refund"
    assert got[1].params == {"clientReferenceId": "R1", "amount": {"value": "2500.50"}}
    assert got[2].kind == "wallet_debit" and got[2].binding_id == "b9"
    assert got[2].params == {"amount": {"value": "100.00", "currency": "IDR"}}


async def test_csv_type_suffixes_and_virtual_account_channel(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv",
                 "clientReferenceId,amount.value,method,channel,metadata.n:int,metadata.f:bool\n"
                 "A,1.00,VIRTUAL_ACCOUNT,BCA,7,yes\n")
    (op,) = await collect(path)
    assert op.params == {"clientReferenceId": "A", "amount": {"value": 1},
                         "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
                         "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
                         "metadata": {"n": 7, "f": True}}


@pytest.mark.parametrize(("line", "field", "words"), [
    ("A,ten,EWALLET,DANA,1,x", "amount", "whole number"),
    ("A,10,QR,DANA,1,x", "channel", "EWALLET or VIRTUAL_ACCOUNT"),
    ("A,10,EWALLET,DANA,maybe,x", "autoConfirm", "true or false"),
    ("A,10,EWALLET,DANA,1,x,extra", None, "columns"),
])
async def test_csv_malformed_rows_name_the_row_and_field(
    tmp_path: Path, line: str, field: str | None, words: str
) -> None:
    path = write(tmp_path / "in.csv", "clientReferenceId,amount,method,channel,autoConfirm,"
                                      f"note\nB,1,,,,\n{line}\n")
    ops = await collect(path)
    assert ops[0].error is None
    err = ops[1].error
    assert err is not None and err.row == 2 and err.field == field
    assert words in err.message
    assert f"row 2{', field ' + field if field else ''}:" in str(err)


@pytest.mark.parametrize(("header", "words"), [
    ("a,a", "twice"),
    ("amount,amount.value", "both set"),
    ("x:float", "unknown type"),
    ("a..b", "empty path segment"),
])
async def test_csv_bad_headers_raise(tmp_path: Path, header: str, words: str) -> None:
    path = write(tmp_path / "in.csv", header + "\n1,2\n")
    with pytest.raises(BatchError, match=words):
        await collect(path)


async def test_csv_list_gaps_are_row_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "in.csv", "clientReferenceId,items.0.a,items.1.a\nA,,x\n")
    (op,) = await collect(path)
    assert op.error is not None and op.error.field == "items"


async def test_unknown_extension_and_count_rows(tmp_path: Path) -> None:
    with pytest.raises(BatchError):
        read_operations(tmp_path / "in.xml")
    csv_path = write(tmp_path / "in.csv", "a\n1\n2\n3")
    assert count_rows(csv_path) == 3
    assert count_rows(write(tmp_path / "in.jsonl", "{}\n{}\n")) == 2


async def test_run_batch_file_and_resume(tmp_path: Path) -> None:
    path = write(tmp_path / "orders.jsonl", "".join(
        json.dumps({"clientReferenceId": f"R{i}", "amount": {"value": 100 * i}}) + "\n"
        for i in range(1, 51)) + "oops\n")
    client = FakeClient()
    summary = await run_batch_file(client, path, concurrency=4, progress=False)
    assert summary.results_path == str(tmp_path / "orders.results.jsonl")
    assert summary.journal_path == str(tmp_path / "orders.jsonl.journal.sqlite")
    assert summary.counts == {"succeeded": 50, "failed": 0, "invalid": 1, "unknown": 0}
    rows = read_results(tmp_path / "orders.results.jsonl")
    assert len(rows) == 51 and rows[-1]["input"] == "oops"
    assert rows[-1]["error_message"].startswith("line 51")

    again = FakeClient()
    summary = await run_batch_file(again, path, resume=True, progress=False)
    assert again.calls == [] and summary.skipped == 50 and summary.invalid == 1
    assert len(read_results(tmp_path / "orders.results.jsonl")) == 51


async def test_run_batch_file_csv(tmp_path: Path) -> None:
    path = write(tmp_path / "orders.csv",
                 "clientReferenceId,amount\nA1,100\nA2,\n,5\n")
    out = tmp_path / "res.csv"
    summary = await run_batch_file(FakeClient(), path, results_path=out,
                                   journal_path=tmp_path / "j.sqlite", progress=False)
    rows = read_results(out)
    assert [r["outcome"] for r in rows] == ["succeeded", "succeeded", "invalid"]
    assert rows[2]["error_field"] == "clientReferenceId"
    assert json.loads(rows[0]["input"]) == {"clientReferenceId": "A1", "amount": "100"}
    assert summary.invalid == 1
