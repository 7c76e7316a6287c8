"""Measure batch re-runs without the journal: rows, creates sent, duplicate sessions.

    .venv/bin/python -m tests.batch.measure_rerun [ROWS] [KILL_AT]

Against a standalone sandbox (``python -m pivot_async sandbox``) that loses 3 % of the create
responses after processing them, through the CLI (``python -m pivot_async batch``):

1. ``full``: a fresh job runs every row;
2. ``rerun``: the journal is deleted and the same file is run again (a new job);
3. ``killed``: another file is started, SIGKILLed once the journal holds KILL_AT rows, its
   journal deleted, and the file run again.

For each: the rows, the ``POST /v2/payments`` requests the sandbox received for this file's
idempotency keys (a retried lost response counts once per attempt), the rows the run found at
the gateway, and the references holding more than one session (duplicates).
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
import urllib.request
from pathlib import Path

from tests.batch.conftest import add_fault, standalone_sandbox
from tests.batch.test_crash import Batch, sessions_by_reference

_COUNTS = re.compile(r"(\d+) found at the gateway, (\d+) sent")


def _posts(url: str) -> int:
    with urllib.request.urlopen(url + "/_sandbox/requests", timeout=60) as resp:  # noqa: S310
        body = json.loads(resp.read())
    return sum(1 for r in body.get("data", body)
               if r["method"] == "POST" and r["path"] == "/v2/payments")


def _run(batch: Batch, url: str, label: str, prefix: str) -> dict[str, object]:
    before = _posts(url)
    proc = batch.start(resume=False)
    out, err = proc.communicate(timeout=900)
    match = _COUNTS.search(out)
    sessions = asyncio.run(sessions_by_reference(url, prefix))
    return {"step": label, "exit": proc.returncode, "rows": len(batch.refs),
            "creates_sent": _posts(url) - before,
            "found_at_gateway": int(match.group(1)) if match else None,
            "rows_sent": int(match.group(2)) if match else None,
            "sessions": sum(len(v) for v in sessions.values()),
            "duplicates": sum(len(v) - 1 for v in sessions.values() if len(v) > 1),
            "error": err.strip().splitlines()[-1:] if proc.returncode else []}


def main(rows: int, kill_at: int) -> None:
    with standalone_sandbox(seed=5) as url, tempfile.TemporaryDirectory() as tmp:
        add_fault(url, kind="drop", route="POST /v2/payments", probability=0.03)
        (Path(tmp) / "a").mkdir()
        a = Batch(Path(tmp) / "a", url, "full", rows=rows)
        print(json.dumps(_run(a, url, "full", "full")))
        a.delete_journal()
        print(json.dumps(_run(a, url, "rerun without journal", "full")))

        (Path(tmp) / "b").mkdir()
        b = Batch(Path(tmp) / "b", url, "killed", rows=rows)
        before = _posts(url)
        states = b.kill_after(b.start(resume=False), kill_at)
        print(json.dumps({"step": f"SIGKILL at {kill_at} rows", "journal": dict(states),
                          "creates_sent": _posts(url) - before}))
        b.delete_journal()
        print(json.dumps(_run(b, url, "rerun after SIGKILL without journal", "killed")))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
         int(sys.argv[2]) if len(sys.argv) > 2 else 800)
