"""parse_timestamp: the one parser of API and Airflow timestamps."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from airflow_provider_sinch._time import parse_timestamp

UTC = timezone.utc


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02 03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2026-01-02T03:04:05.123456789Z", datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2026-01-02T03:04:05.5Z", datetime(2026, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        ("2026-01-02T03:04:05+02:00", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))),
        (datetime(2026, 1, 2), datetime(2026, 1, 2, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        (None, None),
        (12345, None),
    ],
    ids=[
        "zulu",
        "space-naive-is-utc",
        "nanoseconds",
        "one-digit-fraction",
        "offset",
        "naive-datetime",
        "empty",
        "garbage",
        "none",
        "number",
    ],
)
def test_parse_timestamp(value, expected):
    assert parse_timestamp(value) == expected
