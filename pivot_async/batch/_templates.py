"""The columns of a batch file, per operation, and ``--template`` samples of each.

The help of ``pivot-async batch`` prints :data:`COLUMNS_HELP`; ``--template NAME`` prints the
header and one sample row of :data:`TEMPLATES` (CSV, or JSON Lines with ``--template-format
jsonl``). Every sample is read back by :class:`~pivot_async.batch._csvmap.CsvMapping`, so a
template is always a well-formed row (``tests/batch/test_cli_templates.py`` feeds each one to
the command with ``--sandbox``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import msgspec

from ._csvmap import CsvMapping

__all__ = ["COLUMNS_HELP", "TEMPLATES", "Template", "render_template"]

_REDIRECT = (("redirectUrl.successReturnUrl", "https://shop.example/ok"),
             ("redirectUrl.failureReturnUrl", "https://shop.example/fail"),
             ("redirectUrl.expirationReturnUrl", "https://shop.example/expired"))


@dataclass(frozen=True)
class Template:
    """One sample: the operation, its cells in column order and what to change before use."""

    operation: str
    cells: tuple[tuple[str, str], ...]
    note: str


def _payment(method: str, *extra: tuple[str, str], mode: str = "API",
             note: str = "") -> Template:
    cells = (("operation", "create_payment"), ("clientReferenceId", f"inv{method[:2]}000001"),
             ("amount", "50000"), ("currency", "IDR"), ("mode", mode), ("method", method),
             *extra, *_REDIRECT)
    return Template("create_payment", cells, note or (
        "clientReferenceId: unique per row and across jobs (1-100 letters and digits); amount: "
        "whole rupiah, no thousands separators"))


TEMPLATES: dict[str, Template] = {
    "va": _payment("VIRTUAL_ACCOUNT", ("channel", "BCA"), ("customer.givenName", "Budi"),
                   ("customer.email", "budi@example.com")),
    "qr": _payment("QR"),
    "ewallet": _payment("EWALLET", ("channel", "DANA"),
                        ("paymentMethod.ewallet.accountIdentifier", "08111111001")),
    "card": _payment("CARD", mode="REDIRECT", note=(
        "CARD in REDIRECT mode: the customer enters the card on Pivot's page (the results "
        "file's url column); clientReferenceId unique per row and across jobs")),
    "refund": Template("refund", (
        ("operation", "refund"), ("clientReferenceId", "rfd000001"),
        ("paymentSessionId", "PUT-A-PAID-PAYMENT-SESSION-ID"), ("amount", "10000.00"),
        ("currency", "IDR"), ("reason", "REQUESTED_BY_CUSTOMER")),
        "paymentSessionId: a PAID session of yours (or use chargeId); amount: decimal rupiah "
        "(or isFullAmount true and no amount); reason: REQUESTED_BY_CUSTOMER, DUPLICATE, "
        "SUSPECT_FRAUDULENT, CANCELLATION or OTHERS"),
    "debit": Template("wallet_debit", (
        ("operation", "wallet_debit"), ("bindingId", "PUT-A-BINDING-ID"),
        ("partnerReferenceNo", "DEBIT000001"), ("subMerchantId", "SUB1"),
        ("amount", "35000.00"), ("currency", "IDR"),
        ("urlParams", '[{"url":"https://shop.example/back","type":"PAY_RETURN",'
                      '"isDeeplink":false}]')),
        "bindingId: the wallet customer (from account binding); partnerReferenceNo: unique, "
        "1-64 characters; urlParams: a JSON list, at least one entry"),
}
"""``--template`` names and their sample rows."""

COLUMNS_HELP = """\
columns (CSV header; JSON Lines objects use the same names, nested):
  A CSV column is a wire field's dotted path (amount.value, customer.email,
  orderInformation.productDetails.0.name); an empty cell leaves the field out.
  operation   create_payment (default, or --operation), refund or wallet_debit
  amount, currency   short for amount.value, amount.currency; amounts are written
              without thousands separators (50000, not 50.000)

  create_payment  required: clientReferenceId, amount, currency, method (short for
                  paymentMethod.type: VIRTUAL_ACCOUNT, QR, EWALLET, CARD), mode
                  (API or REDIRECT) and all three of redirectUrl.successReturnUrl,
                  redirectUrl.failureReturnUrl, redirectUrl.expirationReturnUrl;
                  channel (BCA, BNI..., or DANA, OVO...) for VIRTUAL_ACCOUNT / EWALLET;
                  optional customer.*, orderInformation.*, metadata (JSON), autoConfirm
  refund          required: clientReferenceId, paymentSessionId (or chargeId), reason,
                  amount + currency (or isFullAmount true); optional description
  wallet_debit    required: bindingId (the customer, not sent), partnerReferenceNo,
                  subMerchantId, amount + currency (decimal, e.g. 35000.00), urlParams
                  (a JSON list of {"url", "type", "isDeeplink"}); optional additionalInfo

  A type suffix overrides a column's type: metadata.count:int, flag:bool, extra:json.
  JSON Lines: one wire-format request per line, plus "operation" and "bindingId".
  Start from a sample: --template va|qr|ewallet|card|refund|debit (> orders.csv).\
"""
"""The column reference printed by ``pivot-async batch --help``."""


def render_template(name: str, fmt: str = "csv") -> str:
    """The header and sample row of template ``name`` as CSV, or one JSON Lines object."""
    template = TEMPLATES[name]
    header = [col for col, _ in template.cells]
    row = [cell for _, cell in template.cells]
    if fmt == "jsonl":
        op = CsvMapping(header, template.operation).operation(row, 1, 2)
        record = {"operation": op.kind, **({"bindingId": op.binding_id} if op.binding_id else {}),
                  **op.params}
        return msgspec.json.encode(record).decode() + "\n"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerow(row)
    return buf.getvalue()
