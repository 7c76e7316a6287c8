"""Issue 19, "one validation engine": both halves validate with the same field tables.

- the engine collects every problem; Payments renders them all (400 ``api_validation_error``),
  SNAP the first mandatory one (``400xx02``) else the first bad format (``400xx01``);
- every row of the payments create table and of the ten wallet tables is enforced on the wire
  (too long, not a choice, missing: the answer names the row's path);
- the sandbox's tables agree with the client's request models except for documented
  exceptions, and docs/sandbox.md "Rules" shows the generated comparison.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pivot_async.sandbox._errors import SandboxError, SnapError
from pivot_async.sandbox._fields import GIVEN, Field, Rule, When, check, text
from pivot_async.sandbox._validation import CREATE_FIELDS, METHOD_FIELDS
from pivot_async.sandbox._wallet import ENDPOINTS
from tests.sandbox import _rules_compare as rules
from tests.sandbox._wallet_testing import BoundCustomer, WalletEnv
from tests.sandbox.helpers import Api, session_body

DATA = Path(__file__).resolve().parents[1] / "data" / "examples"

# -- the engine ---------------------------------------------------------------------------------

TABLE = (
    Field("name", False, text(3)),
    Field("kind", True, Rule(choices=("A", "B"))),
    Field("box", False, Rule("object")),
    Field("box.size", When("kind", "B"), Rule("integer")),
    Field("items[]", True, Rule("object")),
    Field("items[].id", True, text(2)),
)


def test_payments_rendering_names_every_problem() -> None:
    checked = check({"name": "long", "box": {}, "items": [{"id": "abc"}, {}]}, TABLE)
    assert checked.details == [
        ("name", "name length must be 0 to 3 characters"),
        ("kind", "Make sure kind value is fulfilled"),
        ("items[0].id", "items[0].id length must be 1 to 2 characters"),
        ("items[1].id", "Make sure items[1].id value is fulfilled"),
    ]
    with pytest.raises(SandboxError) as info:
        checked.raise_if_failed()
    assert info.value.status == 400
    assert info.value.code == "api_validation_error"


def test_snap_rendering_reports_the_first_mandatory_field_before_any_format() -> None:
    checked = check({"name": "long", "kind": "", "items": []}, TABLE, blank_is_missing=True)
    with pytest.raises(SnapError) as info:
        checked.raise_snap("54")
    assert (info.value.code, info.value.message) == ("4005402", "Invalid Mandatory Field {kind}")
    checked = check({"name": "long", "kind": "A", "items": [{"id": "x"}]}, TABLE)
    with pytest.raises(SnapError) as info:
        checked.raise_snap("54")
    assert (info.value.code, info.value.message) == ("4005401", "Invalid Field Format {name}")


def test_conditional_requirement_reads_the_valid_value() -> None:
    assert check({"kind": "A", "box": {}, "items": []}, TABLE).details == []
    assert check({"kind": "B", "box": {}, "items": []}, TABLE).details == [
        ("box.size", "Make sure box.size value is fulfilled")
    ]
    given = (Field("n", False, text()), Field("m", When("n", GIVEN), text()))
    assert check({}, given).details == []
    assert check({"n": "1"}, given).details == [("m", "Make sure m value is fulfilled")]
    assert str(given[1].required) == "when n is given"


def test_rows_under_an_absent_or_invalid_parent_are_not_looked_at() -> None:
    body = {"kind": "B", "box": "not an object", "items": [{"id": "ok"}, "not an object"]}
    assert check(body, TABLE).details == [
        ("box", "box must be an object"),
        ("items[1]", "items[1] must be an object"),
    ]
    assert check({"kind": "A", "items": []}, TABLE).details == []


def test_values_are_normalised_and_invalid_ones_left_out() -> None:
    table = (
        Field("count", True, Rule("integer")),
        Field("mode", False, Rule(choices=("manual",), fold_case=True)),
        Field("bad", False, Rule("integer")),
    )
    checked = check({"count": "12", "mode": "MANUAL", "bad": "x"}, table)
    assert checked.get("count") == 12
    assert checked.get("mode") == "manual"
    assert checked.get("bad", "default") == "default"


# -- every table row is enforced on the wire ----------------------------------------------------


def _concrete(path: str) -> str:
    return path.replace("[]", "[0]")


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (``[]``: the first item) to ``value``, creating the parents it needs."""
    node: Any = body
    parts = path.split(".")
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part.endswith("[]"):
            name = part[:-2]
            if not isinstance(node.get(name), list) or not node[name]:
                node[name] = [{}]
            if last:
                node[name][0] = value
                return
            if not isinstance(node[name][0], dict):
                node[name][0] = {}
            node = node[name][0]
        elif last:
            node[part] = value
        else:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]


def _breaking(fields: tuple[Field, ...]) -> list[tuple[str, Any]]:
    """(path, a value breaking the row): too long, not a choice, or missing."""
    cases: list[tuple[str, Any]] = []
    for f in fields:
        if f.rule.max_len is not None and f.rule.type == "string":
            cases.append((f.path, "x" * (f.rule.max_len + 1)))
        if f.rule.choices:
            cases.append((f.path, "NOT-A-CHOICE"))
        if f.required is True:
            cases.append((f.path, None))
    return cases


CREATE_CASES = _breaking((*CREATE_FIELDS, *METHOD_FIELDS))


@pytest.mark.parametrize(
    ("path", "value"), CREATE_CASES, ids=[f"{p}={v!r:.12}" for p, v in CREATE_CASES]
)
async def test_every_create_row_is_enforced(api: Api, path: str, value: Any) -> None:
    body = copy.deepcopy(session_body("va"))
    _put(body, path, value)
    status, answer = await api.post("/v2/payments", body)
    assert status == 400, answer
    assert _concrete(path) in [d["field"] for d in answer["error"]["details"]], answer


_EXAMPLES = {
    "registration-account-creation": "account_creation",
    "registration-account-unbinding": "account_unbinding",
    "balance-inquiry": "balance_inquiry",
    "transaction-history-list": "transaction_history_list",
    "transaction-history-detail": "transaction_history_detail",
    "qr/qr-mpm-decode": "qr_mpm_decode",
    "qr/apply-ott": "qr_apply_ott",
    "qr/qr-mpm-payment": "qr_mpm_payment",
    "debit/payment-host-to-host": "debit_payment_host_to_host",
    "debit/status": "debit_status",
}
WALLET_CASES = [
    (ep.path, ep.service, ep.customer, path, value)
    for ep in ENDPOINTS
    for path, value in _breaking(ep.fields)
]


@pytest.mark.parametrize(
    ("endpoint", "service", "customer", "path", "value"),
    WALLET_CASES,
    ids=[f"{c[0]}:{c[3]}={c[4]!r:.12}" for c in WALLET_CASES],
)
async def test_every_wallet_row_is_enforced(
    env: WalletEnv,
    cust: BoundCustomer,
    endpoint: str,
    service: str,
    customer: bool,
    path: str,
    value: Any,
) -> None:
    text_ = (DATA / f"wallet__{_EXAMPLES[endpoint]}__request.json").read_text("utf-8")
    body: dict[str, Any] = json.loads(text_)
    _put(body, path, value)
    res = await env.snap.call(
        endpoint, body, token=cust.b2b, customer=cust.access if customer else None
    )
    code, text_ = (
        ("02", "Invalid Mandatory Field") if value is None else ("01", "Invalid Field Format")
    )
    assert res.code == f"400{service}{code}", res.body
    assert res.body["responseMessage"] == f"{text_} {{{_concrete(path)}}}"


# -- the client's rules side by side ------------------------------------------------------------


def test_every_difference_with_the_client_is_documented() -> None:
    undocumented = [d for d in rules.differences() if not d.kind and d.key not in rules.EXCEPTIONS]
    assert undocumented == []


def test_comparison_sees_the_client_constraints() -> None:
    client = rules.client_rules(rules.REQUESTS["POST /v2/payments"][1])
    assert client["statementDescriptor"].max_len == 20
    assert client["redirectUrl"].required == "yes"
    sandbox = rules.sandbox_rules(rules.REQUESTS["POST /v2/payments"][0])
    assert sandbox["statementDescriptor"].max_len == 20
    assert sandbox["redirectUrl"].required == "when mode is REDIRECT"


def test_docs_rules_table_is_the_generated_one() -> None:
    """Also catches a stale exception: a row that no longer differs leaves the table."""
    found = {d.key for d in rules.differences()}
    stale = sorted(k for k in rules.EXCEPTIONS if k not in found)
    doc = rules.DOC.read_text(encoding="utf-8")
    assert (rules.doc_section(doc), stale) == (rules.markdown(), []), (
        "regenerate: .venv/bin/python -m tests.sandbox._rules_compare --write, "
        "and drop the exceptions that no longer apply"
    )


#: Fields Pivot's tables mark mandatory that the client now requires as the sandbox does
#: (docs/reference/wire.md#required-fields, wire-snap.md#required-snap-fields).
ALIGNED = [
    ("POST /v2/payments", "orderInformation.productDetails"),
    ("POST /v2/payments", "orderInformation.billingInfo.givenName"),
    ("POST /v2/payments", "orderInformation.billingInfo.email"),
    ("POST /v2/payments", "orderInformation.shippingInfo.givenName"),
    ("POST /v2/payments", "orderInformation.shippingInfo.email"),
    ("POST /v2/payments", "orderInformation.shippingInfo.method"),
    ("POST /v2/payments",
     "customer.refundPreference.transferDestination.channelInformation.accountName"),
    ("POST /v2/payments/{id}/confirm", "orderInformation.productDetails"),
    ("POST /v2/payments/{id}/confirm", "orderInformation.shippingInfo.method"),
    ("POST /v1/refunds", "transferDestination.channelInformation.accountName"),
    ("SNAP qr/apply-ott (49)", "additionalInfo"),
    ("SNAP qr/apply-ott (49)", "additionalInfo.partnerReferenceNo"),
]


@pytest.mark.parametrize(("request_", "path"), ALIGNED)
def test_mandatory_fields_are_required_on_both_sides(request_: str, path: str) -> None:
    assert not [d for d in rules.differences()
                if (d.request, d.path, d.aspect) == (request_, path, "required")]


def test_no_difference_is_left_to_align_in_the_client() -> None:
    """Each remaining "sandbox requires, client does not" row cites why (none is a to-do)."""
    assert not [k for k, why in rules.EXCEPTIONS.items() if "to align" in why]
