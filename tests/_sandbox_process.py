"""``python -m pivot_async sandbox`` in a child process, for the tests and benchmarks that need
the gateway in a process of its own (batch crash tests, Dask workers, multi-process scale
tests). One helper for all of them."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SandboxProcess:
    """A running sandbox process: its URL and its default merchant's credentials."""

    url: str
    client_id: str
    client_secret: str

    def __getitem__(self, name: str) -> str:
        """``["url"]``, ``["id"]``, ``["secret"]`` (the scale workers' argument names)."""
        return {"url": self.url, "id": self.client_id, "secret": self.client_secret}[name]

    def requests(self) -> list[dict[str, Any]]:
        """The sandbox's request log (``GET /_sandbox/requests``; bounded, newest last)."""
        with urllib.request.urlopen(  # noqa: S310 - loopback http
                self.url + "/_sandbox/requests", timeout=60) as resp:
            log: list[dict[str, Any]] = json.load(resp)["data"]
        return log


@contextlib.contextmanager
def sandbox_process(*, seed: int | None = None,
                    token_ttl: int | None = None) -> Iterator[SandboxProcess]:
    """Start ``python -m pivot_async sandbox --port 0`` and yield it once it listens.

    The child stops on SIGINT when the block ends, and by itself (``--stop-on-eof``) if this
    process dies first, since its stdin is a pipe held by this process. Its stderr goes to a
    temporary file (a pipe nobody reads could fill up and block it), shown if it fails to start.
    """
    args = [sys.executable, "-m", "pivot_async", "sandbox", "--port", "0", "--stop-on-eof"]
    if seed is not None:
        args += ["--seed", str(seed)]
    if token_ttl is not None:
        args += ["--token-ttl", str(token_ttl)]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=stderr, text=True)
        try:
            assert proc.stdout is not None
            info: dict[str, str] = {}
            for line in proc.stdout:
                if "listening on" in line:
                    info["url"] = line.split()[-1]
                elif "client id:" in line:
                    info["id"] = line.split()[-1]
                elif "client secret:" in line:
                    info["secret"] = line.split()[-1]
                    break
            if set(info) != {"url", "id", "secret"}:
                stderr.seek(0)
                raise RuntimeError(f"the sandbox did not start: {stderr.read()[-2000:]}")
            yield SandboxProcess(info["url"], info["id"], info["secret"])
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.communicate(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.communicate()
            elif proc.stdout is not None:
                proc.stdout.close()
            if proc.stdin is not None and not proc.stdin.closed:
                proc.stdin.close()
