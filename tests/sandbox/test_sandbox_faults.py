"""Fault injection and rate limits, per route, by count and by seeded probability."""

from __future__ import annotations

import json

import aiohttp
import pytest
from aiohttp import web

from pivot_async.sandbox import CONTEXT_KEY, Fault, ManualClock, Sandbox, SandboxContext
from tests.sandbox.helpers import Api, request_id, session_body


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (500, "internal_error"),
        (502, "bad_gateway"),
        (503, "service_unavailable"),
        (504, "gateway_timeout"),
        (408, "request_timeout"),
    ],
)
async def test_status_faults(api: Api, sandbox: Sandbox, status: int, code: str) -> None:
    sandbox.faults.add(Fault(kind="status", status=status, route="POST /v2/payments", times=2))
    body = session_body("va")
    for _ in range(2):
        got, answer = await api.post("/v2/payments", body)
        assert got == status
        assert answer["code"] == code
        assert answer["error"]["type"] == "GATEWAY_ERROR"
        assert answer["data"] == {}
    assert (await api.get("/v2/payments"))[0] == 200  # other routes untouched
    assert (await api.post("/v2/payments", body))[0] == 200
    assert len(sandbox.state.sessions) == 1
    assert [r.fault for r in sandbox.requests_to("POST", "/v2/payments")] == [
        "status",
        "status",
        None,
    ]


async def test_429_with_retry_after(api: Api, sandbox: Sandbox) -> None:
    sandbox.faults.add(kind="status", status=429, retry_after=7, route="GET /v2/payments", times=1)
    async with api.http.get(
        sandbox.url + "/v2/payments", headers={"Authorization": f"Bearer {await api.token()}"}
    ) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "7"
        assert (await resp.json())["code"] == "frequency_above_limit"


async def test_reset_before_handling(api: Api, sandbox: Sandbox) -> None:
    await api.token()
    sandbox.faults.add(Fault(kind="reset", route="POST /v2/payments", times=1))
    with pytest.raises(aiohttp.ClientError):
        await api.post("/v2/payments", session_body("va"))
    assert sandbox.state.sessions == {}
    assert sandbox.requests_to("POST", "/v2/payments")[0].status is None


async def test_response_lost_after_processing(api: Api, sandbox: Sandbox) -> None:
    await api.token()
    sandbox.faults.add(Fault(kind="drop", route="POST /v2/payments", times=1))
    rid, body = request_id(), session_body("va")
    with pytest.raises(aiohttp.ClientError):
        await api.post("/v2/payments", body, request_id=rid)
    assert len(sandbox.state.sessions) == 1  # it was processed
    status, answer = await api.post("/v2/payments", body, request_id=rid)
    assert status == 200
    assert answer["data"]["id"] in sandbox.state.sessions
    assert len(sandbox.state.sessions) == 1
    assert sandbox.request_ids()[rid] == 2


async def test_malformed_json(api: Api, sandbox: Sandbox) -> None:
    sandbox.faults.add(Fault(kind="malformed", route="/v2/payments", times=1))
    status, body = await api.post("/v2/payments", session_body("va"))
    assert status == 200
    assert isinstance(body, bytes)
    with pytest.raises(ValueError):
        json.loads(body)
    assert sandbox.state.sessions == {}


async def test_truncated_json_after_processing(api: Api, sandbox: Sandbox) -> None:
    sandbox.faults.add(Fault(kind="truncated", route="POST /v2/payments", times=1))
    status, body = await api.post("/v2/payments", session_body("va"))
    assert status == 200
    assert isinstance(body, bytes)
    assert body.startswith(b'{"code":"00"')
    assert len(sandbox.state.sessions) == 1


async def test_latency(api: Api, sandbox: Sandbox) -> None:
    fault = sandbox.faults.add(Fault(kind="latency", delay=0.01, route="GET /v2/payments/{id}"))
    data = await api.create("va")
    assert (await api.get(f"/v2/payments/{data['id']}"))[0] == 200
    assert fault.hits == 1


async def test_skip_and_times(api: Api, sandbox: Sandbox) -> None:
    fault = sandbox.faults.add(
        Fault(kind="status", status=503, route="GET /v2/payments", skip=1, times=1)
    )
    codes = [(await api.get("/v2/payments"))[0] for _ in range(3)]
    assert codes == [200, 503, 200]
    assert (fault.seen, fault.hits, fault.exhausted) == (3, 1, True)


async def _pattern(seed: int) -> list[int]:
    async with Sandbox(clock=ManualClock(), seed=seed) as sandbox, aiohttp.ClientSession() as http:
        api = Api(sandbox, http)
        await api.token()
        sandbox.faults.add(
            Fault(kind="status", status=500, route="GET /v2/payments", probability=0.5)
        )
        return [(await api.get("/v2/payments"))[0] for _ in range(16)]


async def test_probability_is_seeded() -> None:
    first, second = await _pattern(7), await _pattern(7)
    assert first == second
    assert set(first) == {200, 500}


async def test_rate_limit(api: Api, sandbox: Sandbox, clock: ManualClock) -> None:
    await api.token()
    sandbox.faults.add_rate_limit("GET /v2/payments", limit=2, per=10)
    assert [(await api.get("/v2/payments"))[0] for _ in range(2)] == [200, 200]
    async with api.http.get(
        sandbox.url + "/v2/payments", headers={"Authorization": f"Bearer {await api.token()}"}
    ) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "10"
        assert (await resp.json())["code"] == "frequency_above_limit"
    assert (await api.get("/v2/payments/x"))[0] == 404  # other routes are not limited
    clock.advance(10)
    assert (await api.get("/v2/payments"))[0] == 200


async def test_control_routes(api: Api, sandbox: Sandbox) -> None:
    await api.token()
    status, body = await api.control(
        "/_sandbox/faults", {"kind": "status", "status": 502, "route": "*", "times": 1}
    )
    assert status == 200
    assert body["data"]["id"] >= 1
    assert (await api.get("/v2/payments"))[0] == 502
    status, body = await api.control("/_sandbox/faults", {"kind": "status", "route": "*"})
    status, listed = await api.call("GET", "/_sandbox/faults", auth=False)
    assert len(listed["data"]["faults"]) == 2
    assert (await api.get("/v2/payments"))[0] == 503
    assert (await api.call("DELETE", "/_sandbox/faults", auth=False))[0] == 200
    assert (await api.get("/v2/payments"))[0] == 200
    fault = (await api.control("/_sandbox/faults", {"kind": "latency", "delay": 0}))[1]["data"]
    assert (await api.call("DELETE", f"/_sandbox/faults/{fault['id']}", auth=False))[0] == 200
    assert (await api.call("DELETE", f"/_sandbox/faults/{fault['id']}", auth=False))[0] == 404
    assert (await api.control("/_sandbox/faults", {"kind": "explode"}))[0] == 400
    assert (await api.control("/_sandbox/faults", {"kind": "status", "status": 418}))[0] == 400
    assert (await api.control("/_sandbox/faults", {"kind": "status", "bogus": 1}))[0] == 400
    status, body = await api.control("/_sandbox/rate-limits", {"route": "GET *", "limit": 0})
    assert status == 200
    assert (await api.get("/v2/payments"))[0] == 429


async def test_faults_reach_routes_added_by_hooks() -> None:
    async def ping(request: web.Request) -> web.Response:
        return web.json_response({"pong": True})

    def hook(app: web.Application, ctx: SandboxContext) -> None:
        assert app[CONTEXT_KEY] is ctx  # the context is handed over
        app.router.add_get("/extension/ping", ping)

    async with (
        Sandbox(clock=ManualClock(), setup_hooks=[hook]) as sandbox,
        aiohttp.ClientSession() as http,
    ):
        sandbox.faults.add(Fault(kind="status", status=503, route="/extension/*", times=1))
        async with http.get(sandbox.url + "/extension/ping") as resp:
            assert resp.status == 503
        async with http.get(sandbox.url + "/extension/ping") as resp:
            assert resp.status == 200
        assert sandbox.request_count("GET", "/extension/ping") == 2


def test_fault_validation() -> None:
    with pytest.raises(ValueError):
        Fault(kind="status", status=404)
    with pytest.raises(ValueError):
        Fault(kind="latency", probability=2)
    assert Fault(kind="truncated").processes
    assert not Fault(kind="malformed").processes
    assert Fault(kind="status", route="POST /v2/payments/{id}/confirm").matches(
        "POST", "/v2/payments/abc/confirm"
    )
    assert not Fault(kind="status", route="POST /v2/payments").matches("POST", "/v2/payments/abc")
