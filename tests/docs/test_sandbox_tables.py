"""The test data documented in docs/sandbox.md is the sandbox's own data.

Parses the Markdown tables of the page (test cards, e-wallet test phones) and compares them
with ``pivot_async.sandbox.TEST_CARDS`` and ``EWALLET_TEST_PHONES``, in both directions, so a
card added to, removed from or changed in either place fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from pivot_async.sandbox import EWALLET_TEST_PHONES, TEST_CARDS

PAGE = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"

# The page's scenario wording -> the sandbox's scenario key.
SCENARIO_KEYS = {
    "Success, frictionless (no challenge)": "SUCCESS_FRICTIONLESS",
    "Success, challenge": "SUCCESS_CHALLENGE",
    "DECLINED_BY_CHANNEL": "DECLINED",
    "DECLINED_BY_CHANNEL (expired card)": "DECLINED_EXPIRED",
    "DECLINED_BY_CHANNEL (invalid CVV)": "DECLINED_CVV",
    "INVALID_ACCOUNT": "INVALID_ACCOUNT",
    "AUTHENTICATION_FAILED": "AUTHENTICATION_FAILED",
    "SUSPECTED_FRAUD (stolen)": "FRAUD_STOLEN",
    "SUSPECTED_FRAUD (blocked)": "FRAUD_BLOCKED",
    "BLOCKED_BY_FDS (`fdsRiskAssessment.status` REJECTED)": "BLOCKED_BY_FDS",
    "REQUIRE_REVIEW (stays PROCESSING)": "REQUIRE_REVIEW",
    "INSUFFICIENT_FUND": "INSUFFICIENT_FUND",
    "CHANNEL_UNAVAILABLE": "CHANNEL_UNAVAILABLE",
    "CANCELLED_BY_USER": "CANCELLED_BY_USER",
    "Foreign card, AVS (needs `orderInformation.billingInfo`)": "FOREIGN_AVS",
}


def _table_after(heading: str) -> list[list[str]]:
    text = PAGE.read_text("utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in rows]
    return [r for r in cells[1:] if not set("".join(r)) <= set("-: ")]  # no header, no rule


def test_documented_test_cards_are_the_sandbox_cards() -> None:
    rows = _table_after("Test cards")
    assert rows and len(rows[0]) == 4
    documented = {}
    for scenario, *pans in rows:
        assert scenario in SCENARIO_KEYS, f"unknown scenario row {scenario!r}"
        for pan in pans:
            assert re.fullmatch(r"\d{16}", pan), pan
            documented[pan] = SCENARIO_KEYS[scenario]
    assert documented == TEST_CARDS


def test_documented_ewallet_phones_are_the_sandbox_phones() -> None:
    rows = _table_after("E-wallet test accounts")
    documented = {}
    for phone, session, charge in rows:
        documented[phone] = (session, charge.split()[0])
    assert documented == EWALLET_TEST_PHONES


def test_documented_fault_kinds_are_the_sandbox_kinds() -> None:
    from pivot_async.sandbox._faults import FAULT_KINDS

    rows = _table_after("Fault injection")
    kinds = {row[0].strip("`") for row in rows}
    assert kinds == FAULT_KINDS
