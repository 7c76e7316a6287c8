"""Every ``docs/examples/*.py`` runs against the embedded sandbox, and says what it should.

The examples are collected from the directory listing, so a new example is run automatically;
it also needs an entry in ``CHECKS`` (what its ``main()`` returns and prints), or it fails.
Each example is a complete program with ``async def main()``; examples that read the
environment (``PivotClient.from_env()``) get ``PIVOT_*`` variables pointing at a sandbox.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from pivot_async.sandbox import Sandbox

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = ROOT / "docs" / "examples"
EXAMPLES = sorted(p.stem for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
NEEDS_ENV = {"from_env"}


def _check_logging(result: str, out: str) -> None:
    lines = result.splitlines()
    assert any(re.search(r"POST /v2/payments -> 200 .*request id [A-Za-z0-9]{32}", ln)
               for ln in lines), result
    assert any("POST /v1/access-token -> 200" in ln for ln in lines), result
    # nothing secret: no client secret, no bearer token, no Authorization header
    assert "sandbox-secret-not-for-production" not in result
    assert "Bearer" not in result and "Authorization" not in result
    assert "eyJ" not in result  # no JWT (the sandbox's tokens are JWTs)


def _check_retries(result: dict[str, Any], out: str) -> None:
    assert result == {"attempts": 3, "keys": 1, "dropped_sessions": 1, "replayed": True}
    assert "gave up: ServerError 503" in out
    assert "timed out:" in out


CHECKS: dict[str, Callable[[Any, str], tuple[object, ...] | None]] = {
    "quickstart": lambda r, out: (r == "REQUIRE_ACTION", out.rstrip().endswith("REQUIRE_ACTION")),
    "from_env": lambda r, out: (r == "REQUIRE_ACTION", "pay to BCA " in out),
    "card_redirect": lambda r, out: (r == "PAID", "/detail?token=" in out),
    "card_encrypted": lambda r, out: (
        r == "PAID", "444000******0002" in out, "4440000112290002" not in out,
        "PAID SUCCESS 444000...0002" in out,
    ),
    "va_payment": lambda r, out: (r == "PAID", "transfer to BNI 9888" in out),
    "qr_payment": lambda r, out: (r == "PAID", "QR code: 000201" in out),
    "ewallet_payment": lambda r, out: (r == "PAID", "dana://pay" in out),
    "static_va_multiple": lambda r, out: (r == 2, "ACTIVE: 2 payments received" in out),
    "manual_capture": lambda r, out: (
        r == "PAID", "PROCESSING WAITING_FOR_CAPTURE" in out, "PAID 200000" in out,
    ),
    "saved_cards": lambda r, out: (r == "PAID", "authenticate-token" in out),
    "refunds": lambda r, out: (r == "SUCCESS", "listed: refund10001 SUCCESS" in out),
    "customers": lambda r, out: (r == "budi@example.com", "1 session(s) for order11001" in out),
    "callbacks_aiohttp": lambda r, out: (r == ["PAYMENT.PAID order12001 PAID"],),
    "callbacks_asgi": lambda r, out: (r == [200, 200, 401], "processed: ['PAYMENT.PAID']" in out),
    "wallet": lambda r, out: (r == "00", "balance: 1000000.00" in out),
    "batch_job": lambda r, out: (
        r == 60, "succeeded 100  failed 0" in out, "100 rows in invoices.results.csv" in out,
    ),
    "testing_your_code": lambda r, out: (r == 0, re.search(r"\b5 passed\b", out) is not None),
    "configuration": lambda r, out: (
        "sandbox-secret-not-for-production" not in r, "PIVOT_CLIENT_ID" in out,
        "max_retries=3" in out, out.rstrip().endswith("REQUIRE_ACTION"),
    ),
    "logging_redaction": lambda r, out: _check_logging(r, out),
    "retries_idempotency": lambda r, out: _check_retries(r, out),
    "errors": lambda r, out: (
        r == ["RequestValidationError", "NotFoundError", "UnprocessableEntityError"],
        "not sent: clientReferenceId" in out,
    ),
    "sandbox_start": lambda r, out: (
        len(r) == 2, all(u.startswith("http://127.0.0.1:") for u in r),
        "2026-01-01T00:01:00+00:00" in out,
    ),
    "byo_http": lambda r, out: (
        isinstance(r, str) and len(r) == 32, f"X-REQUEST-ID {r}" in out,
        "POST /v2/payments -> 503\nPOST /v2/payments -> 200" in out,
        "POST /v1/access-token -> 200" in out,
    ),
    "sandbox_faults": lambda r, out: (r == 3, "REQUIRE_ACTION after 3 attempts" in out),
    "observability": lambda r, out: (
        r == ["INTERNAL pivot POST /v2/payments", "INTERNAL pivot POST /v1/access-token",
              "CLIENT POST /v1/access-token", "CLIENT POST /v2/payments",
              "CLIENT POST /v2/payments"],
        "http.response.status_code=503 error.type=503" in out,
        "http.response.status_code=200 http.request.resend_count=1" in out,
        "sandbox-secret-not-for-production" not in out, "Bearer" not in out,
    ),
    "wallet_sandbox_app": lambda r, out: (
        r == "2000600", "mounted in the gateway sandbox: True" in out,
    ),
}


def _load(name: str) -> ModuleType:
    path = EXAMPLES_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"docs_example_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.asynccontextmanager
async def _env_sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Sandbox]:
    """A sandbox, with the PIVOT_* variables of ``from_env()`` pointing at it."""
    async with Sandbox() as sandbox:
        monkeypatch.setenv("PIVOT_CLIENT_ID", sandbox.client_id)
        monkeypatch.setenv("PIVOT_CLIENT_SECRET", sandbox.client_secret)
        monkeypatch.setenv("PIVOT_BASE_URL", sandbox.url)
        monkeypatch.delenv("PIVOT_ENVIRONMENT", raising=False)
        yield sandbox


def test_examples_exist() -> None:
    assert len(EXAMPLES) >= 15, EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
async def test_example_runs(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert name in CHECKS, f"docs/examples/{name}.py has no entry in CHECKS"
    module = _load(name)
    assert callable(getattr(module, "main", None)), f"{name}.py has no main()"
    async with contextlib.AsyncExitStack() as stack:
        if name in NEEDS_ENV:
            await stack.enter_async_context(_env_sandbox(monkeypatch))
        result = await module.main()
    out = capsys.readouterr().out
    checks = CHECKS[name](result, out)
    if checks is not None:
        failed = [i for i, ok in enumerate(checks) if not ok]
        assert not failed, f"{name}: checks {failed} failed; main() returned {result!r}\n{out}"


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_is_included_in_a_page(name: str) -> None:
    include = f"docs/examples/{name}.py"
    pages = [p for p in (ROOT / "docs").rglob("*.md") if include in p.read_text("utf-8")]
    assert pages, f"{include} is not included in any docs page"


def test_readme_first_payment_matches_the_quick_start_example() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"## A first payment\s+```python\n(.*?)```", readme, re.S)
    assert block is not None
    code = block.group(1)
    start = code.index("    async with Sandbox()")
    end = code.index("print(session.id, session.status)")
    excerpt = code[start:end]
    assert len(excerpt) > 200
    assert excerpt in (EXAMPLES_DIR / "quickstart.py").read_text("utf-8")
