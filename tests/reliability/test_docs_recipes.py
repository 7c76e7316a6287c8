"""The code shown on docs/reliability.md runs and does what the page says."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from aiohttp import web

from pivot_async import PivotClient
from pivot_async.sandbox import Fault, ManualClock, Sandbox

from .conftest import RecordingSleep, open_env, serve, va_request

PAGE = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"


def python_blocks(section: str) -> list[str]:
    text = PAGE.read_text("utf-8")
    start = text.index(f"\n{section}\n")
    end = text.find("\n## ", start + len(section) + 2)
    body = text[start:end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", body, re.S)


async def test_ambiguous_create_recipe_gives_one_session() -> None:
    (block,) = python_blocks("### Payments: re-send with the same key")
    source = "async def recipe(client, params):\n" + textwrap.indent(block, "    ")
    source += "    return session\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs page
    async with open_env() as env:
        # every attempt is processed and its answer lost: the call fails ambiguously
        env.sandbox.faults.add(Fault(kind="drop", route="POST /v2/payments", times=3))
        session = await namespace["recipe"](env.client, va_request("recipe1"))
        assert [s.id for s in env.sandbox.state.sessions_by_reference("recipe1")] == [session.id]
        assert len(env.sandbox.request_ids("POST", "/v2/payments")) == 1  # one key throughout


class Store:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def mark_paid(self, ref: Any) -> None:
        self.calls.append(("paid", ref))

    async def update(self, refund_id: Any, status: Any) -> None:
        self.calls.append((refund_id, status))


async def test_callback_recipe_receives_a_real_delivery() -> None:
    block = python_blocks("## Receiving callbacks")[0]
    orders, refunds = Store(), Store()
    namespace: dict[str, Any] = {"orders": orders, "refunds": refunds,
                                 "CALLBACK_KEY": "recipe-callback-key"}
    exec(compile(block, str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs page
    app: web.Application = namespace["app"]
    async with serve(app) as url, Sandbox(
        clock=ManualClock(), callback_url=f"{url}/pivot/callbacks",
        callback_key="recipe-callback-key", callback_delay_scale=0.0001,
    ) as sandbox, PivotClient(sandbox.client_id, sandbox.client_secret, base_url=sandbox.url,
                              sleep=RecordingSleep()) as client:
        session = await client.payments.create(va_request("recipe2"))
        sandbox.simulate(session.id)
        await sandbox.callbacks.wait_idle()
        states = [d.state for d in sandbox.callbacks.deliveries]
    assert orders.calls == [("paid", "recipe2")]
    assert states and all(s == "delivered" for s in states)
