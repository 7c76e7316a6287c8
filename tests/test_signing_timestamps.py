"""Tests for pivot_async.signing: SNAP timestamps, external ids, response codes and the public
surface (the signatures, string to sign and key loading are in tests/test_signing.py)."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator

import pytest

import pivot_async.signing as signing
from pivot_async.signing import (
    external_id,
    parse_response_code,
    parse_snap_datetime,
    snap_timestamp,
)

UTC = dt.timezone.utc


# ------------------------------------------------ timestamps (docs/reference/wire.md#decision-f)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2025, 1, 31, 7, 5, 9, tzinfo=UTC), "2025-01-31T14:05:09+07:00"),
        # fractional seconds are truncated, never rounded
        (dt.datetime(2025, 1, 31, 7, 5, 9, 999999, tzinfo=UTC), "2025-01-31T14:05:09+07:00"),
        (dt.datetime(2025, 1, 31, 7, 5, 9, 500000, tzinfo=UTC), "2025-01-31T14:05:09+07:00"),
        # day, month and year roll over in Jakarta
        (dt.datetime(2025, 1, 31, 17, 30, tzinfo=UTC), "2025-02-01T00:30:00+07:00"),
        (dt.datetime(2024, 12, 31, 16, 59, 59, 999, tzinfo=UTC), "2024-12-31T23:59:59+07:00"),
        (dt.datetime(2024, 12, 31, 17, 0, 0, tzinfo=UTC), "2025-01-01T00:00:00+07:00"),
        (dt.datetime(2024, 2, 28, 20, 0, tzinfo=UTC), "2024-02-29T03:00:00+07:00"),
        # aware non-UTC inputs are converted to UTC first
        (
            dt.datetime(2025, 1, 31, 14, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=7))),
            "2025-01-31T14:05:09+07:00",
        ),
        (
            dt.datetime(2025, 1, 31, 2, 5, 9, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
            "2025-01-31T14:05:09+07:00",
        ),
        (
            dt.datetime(
                2025, 1, 31, 12, 35, 9, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
            ),
            "2025-01-31T14:05:09+07:00",
        ),
    ],
)
def test_snap_timestamp_fixed(now: dt.datetime, expected: str) -> None:
    assert snap_timestamp(now) == expected


def test_snap_timestamp_across_a_dst_change() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        ny = zoneinfo.ZoneInfo("America/New_York")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("tz database not available")
    # 2025-03-09 02:00 local: clocks jump forward. Jakarta has no DST: a plain +7 h shift.
    before = dt.datetime(2025, 3, 9, 1, 59, 59, tzinfo=ny)  # 06:59:59Z
    after = dt.datetime(2025, 3, 9, 3, 0, 0, tzinfo=ny)  # 07:00:00Z
    assert snap_timestamp(before) == "2025-03-09T13:59:59+07:00"
    assert snap_timestamp(after) == "2025-03-09T14:00:00+07:00"


def test_snap_timestamp_rejects_naive() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        snap_timestamp(dt.datetime(2025, 1, 31, 7, 5, 9))


_TS_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+07:00")


@pytest.fixture
def restore_tz() -> Iterator[None]:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX-only")
    yield
    time.tzset()


@pytest.mark.usefixtures("restore_tz")
@pytest.mark.parametrize(
    "tz",
    ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Chatham", "EST+05EDT,M3.2.0,M11.1.0"],
)
def test_snap_timestamp_ignores_host_time_zone(monkeypatch: pytest.MonkeyPatch, tz: str) -> None:
    fixed = dt.datetime(2025, 7, 1, 23, 59, 59, 987654, tzinfo=UTC)
    monkeypatch.setenv("TZ", tz)
    time.tzset()
    assert snap_timestamp(fixed) == "2025-07-02T06:59:59+07:00"
    # The default "now" too: bracket it by two UTC readings instead of any timing tolerance.
    t1 = dt.datetime.now(UTC)
    stamp = snap_timestamp()
    t2 = dt.datetime.now(UTC)
    assert _TS_RE.fullmatch(stamp)
    assert stamp in {snap_timestamp(t1), snap_timestamp(t2)}
    assert external_id()[:14] in {external_id(t1)[:14], external_id(t2)[:14]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-31T14:05:09+07:00", dt.datetime(2025, 1, 31, 7, 5, 9, tzinfo=UTC)),
        ("2024-03-05T10:37:16.196Z", dt.datetime(2024, 3, 5, 10, 37, 16, 196000, tzinfo=UTC)),
        (
            "2025-08-04T15:24:27.415024635+07:00",
            dt.datetime(2025, 8, 4, 8, 24, 27, 415024, tzinfo=UTC),
        ),
        ("2009-07-03T12:08:56-07:00", dt.datetime(2009, 7, 3, 19, 8, 56, tzinfo=UTC)),
    ],
)
def test_parse_snap_datetime(text: str, expected: dt.datetime) -> None:
    assert parse_snap_datetime(text) == expected
    assert parse_snap_datetime(text).tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2025-01-31 14:05:09+07:00",
        "2025-01-31T14:05:09",
        "2025-13-31T14:05:09+07:00",
        "2025-01-31T14:05:09+7:00",
        "2025-01-31T14:05:09+07:00 ",
        "2025-01-31T14:05:09+24:00",
    ],
)
def test_parse_snap_datetime_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_snap_datetime(text)


# ----------------------------------------------------------------- external id


def test_external_id_format() -> None:
    now = dt.datetime(2025, 1, 31, 17, 30, 5, 999999, tzinfo=UTC)
    eid = external_id(now)
    assert re.fullmatch(r"[0-9]{36}", eid)
    assert eid.startswith("20250201003005")


def test_external_id_is_unique() -> None:
    now = dt.datetime(2025, 1, 31, 7, 0, tzinfo=UTC)
    ids = {external_id(now) for _ in range(2000)}
    assert len(ids) == 2000


def test_external_id_rejects_naive() -> None:
    with pytest.raises(ValueError):
        external_id(dt.datetime(2025, 1, 1))


# ----------------------------------------------------------------- response codes


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2005400", (200, "54", "00")),
        ("4045501", (404, "55", "01")),
        ("4017300", (401, "73", "00")),
        ("200Q500", (200, "Q5", "00")),
        ("4035414", (403, "54", "14")),
    ],
)
def test_parse_response_code(code: str, expected: tuple[int, str, str]) -> None:
    assert parse_response_code(code) == expected


@pytest.mark.parametrize(
    "code",
    [
        "",
        "200540",
        "20054000",
        "2OO5400",
        "abcdefg",
        "20054 0",
        " 2005400",
        "2005400\n",
        "9995400",
        "\u0662\u0660\u0660\u0665\u0664\u0660\u0660",
        "200-500",
    ],
)
def test_parse_response_code_rejects(code: str) -> None:
    with pytest.raises(ValueError):
        parse_response_code(code)


def test_parse_response_code_rejects_non_string() -> None:
    with pytest.raises(ValueError):
        parse_response_code(2005400)  # type: ignore[arg-type]


# ----------------------------------------------------------------- public surface


def test_public_all_is_sorted_and_complete() -> None:
    public = sorted(n for n in vars(signing) if not n.startswith("_") and n not in {"annotations"})
    assert signing.__all__ == sorted(signing.__all__)
    assert set(signing.__all__) == set(public)
