"""A canned-response HTTP/1.1 keep-alive server for the benchmarks (run in its own process).

Usage::

    python benchmarks/canned_server.py [--port 0]

It prints ``PORT <n>`` once listening on 127.0.0.1 and serves until its standard input is
closed (the parent closing the pipe, or dying), so it always stops by itself.

It is an ``asyncio.Protocol`` with a hand-written request parser and pre-built response bytes,
so that it costs far less CPU per request than any client it serves. Routes (documented
responses from Pivot's docs, compacted, see ``benchmarks/data/``):

- ``POST /v1/access-token``: the documented access-token response.
- ``POST /v2/payments``: the documented create-session response (VA, API mode).
- ``POST /snap/v1.0/access-token/b2b`` and ``/b2b2c``: the documented SNAP token responses,
  with realistic token strings and expiry times one hour / one day from start-up.
- ``POST /wallet-backend/snap/v1.0/debit/payment-host-to-host``: the documented debit response.
- ``GET /_bench/stats``: ``{"cpu": user+system seconds of this process, "requests": n,
  "paths": {path: n}}``, so that the parent can report the server's CPU share.

A path prefix ``/hold<ms>`` (e.g. ``/hold1000/v2/payments``) holds the answer for that many
milliseconds (never for token routes), for the memory benchmark's in-flight requests.
Signatures and tokens are not verified: this server measures clients, not security.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import collections
import datetime as dt
import json
import os
import secrets
import sys
from pathlib import Path

from _common import raise_fd_limit  # stdlib only, like this server

DATA = Path(__file__).resolve().parent / "data"

PAY_TOKEN_PATH = b"/v1/access-token"
PAYMENTS_PATH = b"/v2/payments"
B2B_TOKEN_PATH = b"/snap/v1.0/access-token/b2b"
B2B2C_TOKEN_PATH = b"/snap/v1.0/access-token/b2b2c"
DEBIT_PATH = b"/wallet-backend/snap/v1.0/debit/payment-host-to-host"
STATS_PATH = b"/_bench/stats"
TOKEN_PATHS = frozenset({PAY_TOKEN_PATH, B2B_TOKEN_PATH, B2B2C_TOKEN_PATH})

_REASONS = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 501: b"Not Implemented"}


def _load(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((DATA / name).read_text("utf-8"))
    return data


def _compact(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _fake_jwt() -> str:
    def seg(n: int) -> str:
        return base64.urlsafe_b64encode(secrets.token_bytes(n)).rstrip(b"=").decode()

    return f"{seg(27)}.{seg(180)}.{seg(32)}"


def response(status: int, body: bytes) -> bytes:
    head = (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
        b"Server: canned\r\n\r\n" % (status, _REASONS.get(status, b"OK"), len(body))
    )
    return head + body


def build_routes() -> dict[bytes, bytes]:
    """Path -> the full response bytes (headers and body)."""
    jakarta = dt.timezone(dt.timedelta(hours=7))
    now = dt.datetime.now(jakarta).replace(microsecond=0)
    b2b = _load("wallet__access_token_b2b__response.json")
    b2b["accessToken"] = _fake_jwt()
    b2b2c = _load("wallet__access_token_b2b2c__response.json")
    b2b2c["accessToken"] = _fake_jwt()
    b2b2c["refreshToken"] = _fake_jwt()
    b2b2c["accessTokenExpiryTime"] = (now + dt.timedelta(hours=1)).isoformat()
    b2b2c["refreshTokenExpiryTime"] = (now + dt.timedelta(days=1)).isoformat()
    return {
        PAY_TOKEN_PATH: response(200, _compact(_load("auth__access_token__response.json"))),
        PAYMENTS_PATH: response(
            200, _compact(_load("payments__create__response__va_single_api.json"))
        ),
        B2B_TOKEN_PATH: response(200, _compact(b2b)),
        B2B2C_TOKEN_PATH: response(200, _compact(b2b2c)),
        DEBIT_PATH: response(
            200, _compact(_load("wallet__debit_payment_host_to_host__response.json"))
        ),
    }


NOT_FOUND = response(404, b'{"code":"resource_missing","message":"no canned response"}')
UNSUPPORTED = response(501, b'{"code":"unsupported","message":"chunked bodies unsupported"}')


class Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.paths: collections.Counter[bytes] = collections.Counter()

    def encode(self) -> bytes:
        t = os.times()
        return _compact({
            "cpu": t.user + t.system,
            "requests": self.requests,
            "paths": {k.decode(): v for k, v in self.paths.items()},
        })


class CannedProtocol(asyncio.Protocol):
    """Parses pipelined or keep-alive HTTP/1.1 requests and writes canned answers."""

    def __init__(self, routes: dict[bytes, bytes], stats: Stats) -> None:
        self._routes = routes
        self._stats = stats
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end]).lower()
            length = 0
            i = head.find(b"\r\ncontent-length:")
            if i >= 0:
                j = head.find(b"\r\n", i + 2)
                length = int(head[i + 17 : j if j >= 0 else len(head)])
            elif b"\r\ntransfer-encoding:" in head:
                self._write(UNSUPPORTED)
                if self._transport is not None:
                    self._transport.close()
                return
            total = end + 4 + length
            if len(buf) < total:
                return
            line_end = head.find(b"\r\n")
            parts = bytes(buf[: line_end if line_end >= 0 else end]).split(b" ")
            del buf[:total]
            target = parts[1] if len(parts) > 1 else b"/"
            self._answer(target)

    def _answer(self, target: bytes) -> None:
        path = target.split(b"?", 1)[0]
        hold = 0.0
        if path.startswith(b"/hold"):
            slash = path.find(b"/", 1)
            hold = int(path[5:slash]) / 1000.0
            path = path[slash:]
        self._stats.requests += 1
        self._stats.paths[path] += 1
        if path == STATS_PATH:
            self._write(response(200, self._stats.encode()))
            return
        data = self._routes.get(path, NOT_FOUND)
        if hold > 0 and path not in TOKEN_PATHS:
            self._loop.call_later(hold, self._write, data)
        else:
            self._write(data)


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    routes = build_routes()
    stats = Stats()
    server = await loop.create_server(
        lambda: CannedProtocol(routes, stats), "127.0.0.1", port, backlog=4096
    )
    sock_port = server.sockets[0].getsockname()[1]
    print(f"PORT {sock_port}", flush=True)
    # Serve until the parent closes our stdin (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    raise_fd_limit()
    asyncio.run(serve(args.port))


if __name__ == "__main__":
    main()
