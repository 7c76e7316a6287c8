"""The journal's schema, its SQL statements and the records written to it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "INSERT_INTENT",
    "INSERT_INVALID",
    "REATTEMPT",
    "SCHEMA",
    "SCHEMA_VERSION",
    "UPDATE_OUTCOME",
    "Intent",
    "InvalidRecord",
    "JournalRow",
    "OutcomeRecord",
    "Reattempt",
    "Write",
]

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,
    runs INTEGER NOT NULL DEFAULT 1, finished_at REAL
);
CREATE TABLE IF NOT EXISTS ops (
    job_id TEXT NOT NULL, row INTEGER NOT NULL, kind TEXT NOT NULL, reference TEXT,
    binding_id TEXT, amount TEXT, idempotency_key TEXT, fingerprint TEXT,
    input TEXT NOT NULL, state TEXT NOT NULL, result_id TEXT, status TEXT, url TEXT,
    error_code TEXT, error_field TEXT, error_message TEXT, latency_ms REAL,
    attempts INTEGER NOT NULL DEFAULT 0, intent_at REAL, outcome_at REAL,
    PRIMARY KEY (job_id, row)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS ops_reference ON ops (job_id, kind, reference)
    WHERE state != 'invalid';
"""

INSERT_INTENT = """
INSERT INTO ops (job_id, row, kind, reference, binding_id, amount, idempotency_key,
                 fingerprint, input, state, attempts, intent_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 1, ?)
ON CONFLICT (job_id, row) DO UPDATE SET
    kind = excluded.kind, reference = excluded.reference, binding_id = excluded.binding_id,
    amount = excluded.amount, idempotency_key = excluded.idempotency_key,
    fingerprint = excluded.fingerprint, input = excluded.input, state = 'pending',
    result_id = NULL, status = NULL, url = NULL, error_code = NULL, error_field = NULL,
    error_message = NULL, latency_ms = NULL, attempts = ops.attempts + 1,
    intent_at = excluded.intent_at, outcome_at = NULL
WHERE ops.state = 'invalid'
"""

INSERT_INVALID = """
INSERT INTO ops (job_id, row, kind, input, state, error_code, error_field, error_message,
                 outcome_at)
VALUES (?, ?, ?, ?, 'invalid', ?, ?, ?, ?)
ON CONFLICT (job_id, row) DO UPDATE SET
    kind = excluded.kind, input = excluded.input, state = 'invalid',
    error_code = excluded.error_code, error_field = excluded.error_field,
    error_message = excluded.error_message, outcome_at = excluded.outcome_at
WHERE ops.state = 'invalid'
"""

UPDATE_OUTCOME = """
UPDATE ops SET state = ?, result_id = ?, status = ?, url = ?, error_code = ?, error_field = ?,
    error_message = ?, latency_ms = ?, outcome_at = ?
WHERE job_id = ? AND row = ?
"""

REATTEMPT = """
UPDATE ops SET state = 'pending', attempts = attempts + 1, intent_at = ?
WHERE job_id = ? AND row = ?
"""


@dataclass(frozen=True, slots=True)
class JournalRow:
    """What the journal knows about one row from an earlier run of the job."""

    row: int
    kind: str
    reference: str | None
    binding_id: str | None
    amount: str | None
    idempotency_key: str | None
    fingerprint: str | None
    state: str


@dataclass(frozen=True, slots=True)
class Intent:
    """The intent to send one operation, committed before it is sent."""

    job_id: str
    row: int
    kind: str
    reference: str
    binding_id: str | None
    amount: str | None
    idempotency_key: str
    fingerprint: str
    input: str


@dataclass(frozen=True, slots=True)
class OutcomeRecord:
    """The outcome of one row (``state`` is one of the four outcomes)."""

    job_id: str
    row: int
    state: str
    result_id: str | None = None
    status: str | None = None
    url: str | None = None
    error_code: str | None = None
    error_field: str | None = None
    error_message: str | None = None
    latency: float | None = None


@dataclass(frozen=True, slots=True)
class InvalidRecord:
    job_id: str
    row: int
    kind: str
    input: str
    error_code: str
    error_field: str | None
    error_message: str


@dataclass(frozen=True, slots=True)
class Reattempt:
    job_id: str
    row: int


Write = Intent | OutcomeRecord | InvalidRecord | Reattempt

