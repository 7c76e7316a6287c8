"""A rewriting proxy on 127.0.0.1 in front of the sandbox, for answers the sandbox's own fault
injection does not produce: a 401 in Pivot's documented nested shape (not forwarded, so never
processed), and a processed request whose answer is JSON nested thousands deep or larger
than the client's body cap. Every request the proxy sees is recorded."""

from __future__ import annotations

import contextlib
import json
import random
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

__all__ = ["NESTED_401", "OVERSIZE_BYTES", "Proxy", "ProxyFault", "rewriting_proxy"]

#: Pivot's documented credentials_invalid body: the code is not at the top level.
NESTED_401 = json.dumps({"error": {"type": "API_ERROR", "details": [
    {"field": "", "message": "Request new access token"}], "traceId": "0" * 32}}).encode()
OVERSIZE_BYTES = 256 * 1024
_DEPTH = 20_000  # 40 kB: under the matrix's body cap, far past the recursion limit
_HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


@dataclass
class ProxyFault:
    kind: str  # "nested401" | "deep" | "oversize"
    method: str
    path: str  # exact path, or a regex when it starts with "^"
    times: int | None = None
    probability: float = 1.0
    hits: int = 0

    def fires(self, method: str, path: str, rng: random.Random) -> bool:
        if self.method != "*" and method != self.method:
            return False
        matched = (re.fullmatch(self.path, path) if self.path.startswith("^")
                   else path == self.path)
        if not matched or (self.times is not None and self.hits >= self.times):
            return False
        if self.probability < 1.0 and rng.random() >= self.probability:
            return False
        self.hits += 1
        return True


@dataclass
class Seen:
    method: str
    path: str
    headers: CIMultiDict[str]
    fault: str | None


@dataclass
class Proxy:
    upstream: str
    url: str = ""
    faults: list[ProxyFault] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(15))
    _http: aiohttp.ClientSession | None = None

    def attempts(self, method: str, path: str, since: int = 0) -> list[Seen]:
        return [s for s in self.seen[since:] if s.method == method and s.path == path]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        fault = next(
            (f for f in self.faults if f.fires(request.method, request.path, self.rng)), None
        )
        self.seen.append(Seen(request.method, request.path, CIMultiDict(request.headers),
                              fault.kind if fault else None))
        if fault is not None and fault.kind == "nested401":
            return web.Response(status=401, body=NESTED_401, content_type="application/json")
        assert self._http is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        async with self._http.request(
            request.method, self.upstream + request.path_qs, data=await request.read(),
            headers=headers, allow_redirects=False,
        ) as upstream:
            body = await upstream.read()
            status = upstream.status
            out = {k: v for k, v in upstream.headers.items()
                   if k.lower() in ("content-type", "retry-after")}
        if fault is not None and fault.kind == "deep":
            body = b'{"code":"00","data":' + b"[" * _DEPTH + b"]" * _DEPTH + b"}"
            status = 200
        elif fault is not None and fault.kind == "oversize":
            body = b'{"code":"00","data":"' + b"x" * OVERSIZE_BYTES + b'"}'
            status = 200
        return web.Response(status=status, body=body, headers=out)


@contextlib.asynccontextmanager
async def rewriting_proxy(upstream: str) -> AsyncIterator[Proxy]:
    proxy = Proxy(upstream.rstrip("/"))
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", proxy.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    async with aiohttp.ClientSession() as http:
        proxy._http = http
        try:
            await site.start()
            host, port = runner.addresses[0][:2]
            proxy.url = f"http://{host}:{port}"
            yield proxy
        finally:
            await runner.cleanup()
