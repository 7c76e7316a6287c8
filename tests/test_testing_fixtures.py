"""``pivot_async.testing`` as a user's suite uses it: pytest run on a tiny project."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pivot_async.testing import DOCUMENTED_RESPONSES, documented_response

DATA = Path(__file__).resolve().parent / "data" / "examples"

CONFTEST = '''
import pytest
from aiohttp import web

pytest_plugins = ["pivot_async.testing"]


@pytest.fixture
async def receiver():
    """The user's callback endpoint: records each POST and its X-API-Key."""
    got = []

    async def handle(request):
        got.append((request.headers.get("X-API-Key"), await request.json()))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/pivot/callbacks", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}/pivot/callbacks", got
    await runner.cleanup()


@pytest.fixture
def pivot_callback_url(request, receiver):
    if request.node.get_closest_marker("with_receiver") is None:
        return None
    return receiver[0]
'''

USER_TESTS = '''
import pytest
from aioresponses import aioresponses

from pivot_async import APIError, PivotClient
from pivot_async.testing import mock_create_payment, mock_create_refund, mock_error

REDIRECT = {"successReturnUrl": "https://shop.example/ok",
            "failureReturnUrl": "https://shop.example/fail",
            "expirationReturnUrl": "https://shop.example/expired"}


async def open_va(client, ref):
    return await client.payments.create({
        "clientReferenceId": ref, "amount": {"value": 50000, "currency": "IDR"},
        "mode": "API", "paymentMethod": {"type": "VIRTUAL_ACCOUNT"},
        "paymentMethodOptions": {"virtualAccount": {"channel": "BCA"}},
        "redirectUrl": REDIRECT})


async def test_client_is_bound_to_the_sandbox(pivot_client, pivot_sandbox):
    assert str(pivot_client.base_url) == pivot_sandbox.url
    session = await open_va(pivot_client, "user1")
    (held,) = pivot_sandbox.state.sessions_by_reference("user1")
    assert held.id == session.id
    pivot_sandbox.simulate(session.id)
    assert (await pivot_client.payments.retrieve(session.id)).status == "PAID"
    assert pivot_sandbox.callbacks.url is None


async def test_client_reaches_the_wallet_too(pivot_client):
    assert pivot_client.wallet is not None


@pytest.mark.with_receiver
async def test_callbacks_reach_the_url_from_the_fixture(pivot_client, pivot_sandbox, receiver):
    url, got = receiver
    assert pivot_sandbox.callbacks.url == url
    session = await open_va(pivot_client, "user2")
    pivot_sandbox.simulate(session.id)
    await pivot_sandbox.callbacks.wait_idle()
    keys = {key for key, _ in got}
    assert keys == {pivot_sandbox.callbacks.key}
    assert any(body.get("event") == "PAYMENT.PAID" for _, body in got)


@pytest.mark.pivot_sandbox(callback_url="http://127.0.0.1:9/hooks", callback_key="k-123")
async def test_marker_sets_callback_url_and_key(pivot_sandbox):
    assert pivot_sandbox.callbacks.url == "http://127.0.0.1:9/hooks"
    assert pivot_sandbox.callbacks.key == "k-123"


@pytest.mark.pivot_sandbox(callback_url="http://127.0.0.1:9/manual")
async def test_marker_applies_to_the_manual_clock_sandbox(pivot_sandbox_manual, pivot_clock):
    assert pivot_sandbox_manual.callbacks.url == "http://127.0.0.1:9/manual"
    assert pivot_sandbox_manual.clock is pivot_clock


async def test_documented_create_session_under_aioresponses():
    with aioresponses() as mock:
        body = mock_create_payment(mock, "qr_dynamic_api", clientReferenceId="order9")
        async with PivotClient("id", "secret") as client:
            session = await client.payments.create({
                "clientReferenceId": "order9", "amount": {"value": 10000, "currency": "IDR"},
                "mode": "API", "paymentMethod": {"type": "QR"}, "redirectUrl": REDIRECT})
    assert session.id == body["data"]["id"]
    assert session.client_reference_id == "order9"
    assert session.charge_details[0].qr.qr_content


async def test_documented_refund_and_error_under_aioresponses():
    with aioresponses() as mock:
        body = mock_create_refund(mock)
        mock_error(mock, "POST", "/v2/payments", code="api_validation_error",
                   message="amount.value is too low",
                   details={"amount.value": "must be at least 10000"})
        async with PivotClient("id", "secret", max_retries=0) as client:
            refund = await client.refunds.create({
                "clientReferenceId": "r1", "paymentSessionId": "s1",
                "amount": {"value": "10000.00", "currency": "IDR"},
                "reason": "REQUESTED_BY_CUSTOMER"})
            with pytest.raises(APIError) as info:
                await open_va(client, "user3")
    assert refund.id == body["data"]["id"]
    assert info.value.status == 400
    assert info.value.fields == {"amount.value": "must be at least 10000"}
'''


# pytest run with what the `testing` extra installs and nothing more of the `test` extra:
# importing any of these fails in the user's suite
_NOT_IN_THE_EXTRA = ("hypothesis", "cryptography", "mypy")
_RUN = ("import sys\n"
        "class Absent:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {_NOT_IN_THE_EXTRA!r}:\n"
        "            raise ImportError(f'{name} is not in the testing extra')\n"
        "sys.meta_path.insert(0, Absent())\n"
        "import pytest\n"
        "sys.exit(pytest.main(sys.argv[1:]))\n")


def run_user_suite(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _RUN, "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
         "--strict-markers", "-W", "ignore::pytest.PytestUnraisableExceptionWarning", *args],
        cwd=project, capture_output=True, text=True, timeout=300, check=False)


def test_the_testing_extra_is_what_a_user_suite_needs() -> None:
    tomllib = pytest.importorskip("tomllib")  # the standard library's from Python 3.11

    root = Path(__file__).resolve().parents[1]
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    extra = meta["project"]["optional-dependencies"]["testing"]
    assert sorted(req.split(">")[0] for req in extra) == ["aioresponses", "pytest",
                                                          "pytest-asyncio"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(CONFTEST), encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
        "markers =\n    with_receiver: start the test's callback receiver\n",
        encoding="utf-8")
    (tmp_path / "test_user.py").write_text(USER_TESTS, encoding="utf-8")
    return tmp_path


def test_a_user_suite_passes_with_the_fixtures_and_helpers(project: Path) -> None:
    proc = run_user_suite(project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "7 passed" in proc.stdout, proc.stdout


def test_the_marker_is_registered_and_positional_options_are_refused(project: Path) -> None:
    (project / "test_user.py").write_text(textwrap.dedent('''
        import pytest

        @pytest.mark.pivot_sandbox("http://127.0.0.1:9/x")
        async def test_positional(pivot_sandbox):
            pass
    '''), encoding="utf-8")
    proc = run_user_suite(project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "keyword arguments only" in proc.stdout
    assert "1 error" in proc.stdout
    proc = run_user_suite(project, "--markers")
    assert "@pytest.mark.pivot_sandbox(**options)" in proc.stdout


@pytest.mark.parametrize("name", sorted(DOCUMENTED_RESPONSES))
def test_served_payloads_are_the_documented_ones(name: str) -> None:
    from pivot_async._testing_payloads import DOCUMENTED_FILES

    documented = json.loads((DATA / DOCUMENTED_FILES[name]).read_text(encoding="utf-8"))
    assert documented_response(name) == documented
    changed = documented_response(name, clientReferenceId="x")
    assert changed["data"]["clientReferenceId"] == "x"
    assert documented_response(name) == documented  # each call is a fresh copy


def test_unknown_payload_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="payment_va_single_api"):
        documented_response("payment_nope")
