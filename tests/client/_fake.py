"""A tiny scripted gateway on 127.0.0.1 for the answers the sandbox never gives (nested 401
bodies, JSON nested thousands deep, oversize or endless bodies, tokens with control
characters, servers that hang). Each route answers from a list of handlers, one per request
(the last one repeats); every request is recorded."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from multidict import CIMultiDict

Answer = Callable[[web.Request], Awaitable[web.StreamResponse]]

TOKEN_PATH = "/v1/access-token"


@dataclass
class Seen:
    method: str
    path: str
    headers: CIMultiDict[str]


@dataclass
class FakeGateway:
    routes: dict[str, list[Answer]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    tokens_issued: int = 0
    url: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.routes[f"{method} {path}"] = list(answers)

    def count(self, method: str, path: str) -> int:
        return sum(1 for s in self.seen if s.method == method and s.path == path)

    async def arrived(self, method: str, path: str, n: int) -> None:
        """Wait until ``n`` requests to ``method path`` have arrived."""
        while self.count(method, path) < n:
            self.changed.clear()
            await self.changed.wait()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(Seen(request.method, request.path, CIMultiDict(request.headers)))
        self.changed.set()
        key = f"{request.method} {request.path}"
        if key == f"POST {TOKEN_PATH}" and key not in self.routes:
            self.tokens_issued += 1
            return token_answer(f"tok{self.tokens_issued}")
        answers = self.routes.get(key)
        if not answers:
            return web.json_response({"code": "not_found", "message": "no route"}, status=404)
        n = sum(1 for s in self.seen if f"{s.method} {s.path}" == key)
        return await answers[min(n, len(answers)) - 1](request)


def token_answer(token: str) -> web.Response:
    return web.json_response({"code": "00", "message": "Success",
                              "data": {"accessToken": token, "expiresIn": 900}})


def raw(status: int, body: bytes, **headers: str) -> Answer:
    async def answer(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type="application/json",
                            headers=headers)
    return answer


def ok(data: object) -> Answer:
    return raw(200, json.dumps({"code": "00", "message": "Success", "data": data}).encode())


def hang(forever: asyncio.Event) -> Answer:
    async def answer(request: web.Request) -> web.Response:
        await forever.wait()
        return web.Response(status=204)
    return answer


def deep_json(depth: int = 50_000) -> bytes:
    """A success envelope whose free-form ``data.metadata`` is nested ``depth`` levels deep."""
    nested = b"[" * depth + b"]" * depth
    return (b'{"code":"00","message":"Success","data":{"id":"x","metadata":{"deep":'
            + nested + b"}}}")


@contextlib.asynccontextmanager
async def fake_gateway() -> AsyncIterator[FakeGateway]:
    gateway = FakeGateway()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", gateway._dispatch)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    try:
        await site.start()
        host, port = runner.addresses[0][:2]
        gateway.url = f"http://{host}:{port}"
        yield gateway
    finally:
        await runner.cleanup()
