"""Send dates: every form a DAG hands us, converted once and checked before any request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest

from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.send_date import PAST_TOLERANCE, SendDate, resolve_send_date

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
UTC = timezone.utc


@pytest.mark.parametrize(
    ("value", "tz", "local", "zone", "utc"),
    [
        ("2026-12-01 10:00", None, "2026-12-01 10:00", "UTC", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        ("2026-12-01 10:00:45", None, "2026-12-01 10:00", "UTC", datetime(2026, 12, 1, 10, 0, tzinfo=UTC)),
        (
            "2026-12-01 10:00",
            "Europe/Paris",
            "2026-12-01 10:00",
            "Europe/Paris",
            datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        ),
        (
            "2026-12-01T10:00",
            "America/New_York",
            "2026-12-01 10:00",
            "America/New_York",
            datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
        ),
        (
            "2026-12-01T10:00:00+00:00",
            "Europe/Paris",
            "2026-12-01 11:00",
            "Europe/Paris",
            datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ),
        (
            "2026-12-01T10:00:31.123456789Z",
            None,
            "2026-12-01 10:00",
            "UTC",
            datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ),
        (
            "2026-12-01T12:00:00+02:00",
            None,
            "2026-12-01 10:00",
            "UTC",
            datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris")),
            None,
            "2026-12-01 10:00",
            "Europe/Paris",
            datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        ),
        (
            pendulum.datetime(2026, 12, 1, 10, 0, tz="Asia/Tokyo").add(days=1),
            None,
            "2026-12-02 10:00",
            "Asia/Tokyo",
            datetime(2026, 12, 2, 1, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
            None,
            "2026-12-01 10:00",
            "UTC",
            datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        ),
        (
            datetime(2026, 12, 1, 10, 0),
            "America/Chicago",
            "2026-12-01 10:00",
            "America/Chicago",
            datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
        ),
    ],
    ids=[
        "api-format-is-utc",
        "api-format-with-seconds",
        "api-format-in-timezone",
        "iso-without-offset-in-timezone",
        "iso-converted-to-timezone",
        "iso-z-nanoseconds",
        "iso-offset-to-utc",
        "zoneinfo-keeps-its-zone",
        "pendulum-keeps-its-zone",
        "fixed-offset-to-utc",
        "naive-with-timezone",
    ],
)
def test_forms_are_converted(value: Any, tz: str | None, local: str, zone: str, utc: datetime) -> None:
    resolved = resolve_send_date(value, tz, now=NOW)
    assert resolved == SendDate(local, zone, utc)
    assert resolved.fields() == {"send_date": local, "timezone": zone}


@pytest.mark.parametrize(
    ("value", "tz", "message"),
    [
        (
            datetime(2026, 12, 1, 10, 0),
            None,
            "send_date: 2026-12-01 10:00 has no time zone: give an aware datetime",
        ),
        ("tomorrow 10am", None, "send_date: 'tomorrow 10am' is not a date-time; accepted: an aware datetime"),
        ("2026-12-01", None, "send_date: '2026-12-01' is not a date-time"),
        ("01/12/2026 10:00", None, "send_date: '01/12/2026 10:00' is not a date-time"),
        ("2026-13-01 10:00", None, "send_date: '2026-13-01 10:00' is not a date-time"),
        ("", None, "send_date: an empty string is not a date-time"),
        (1764576000, None, "send_date: 1764576000 is not a date-time"),
        ("None", None, "send_date: 'None' is not a date-time (a template that rendered None?"),
        ("2026-12-01 10:00", "Europe/Pariss", "timezone: unknown time zone 'Europe/Pariss'"),
    ],
    ids=[
        "naive",
        "words",
        "date-only",
        "day-first",
        "bad-month",
        "empty",
        "epoch",
        "rendered-none",
        "bad-zone",
    ],
)
def test_malformed_values_are_refused_naming_the_field_and_the_forms(
    value: Any, tz: str | None, message: str
) -> None:
    with pytest.raises(SinchValidationError) as info:
        resolve_send_date(value, tz, now=NOW)
    assert str(info.value).startswith(message)
    if "is not a date-time" in message:
        assert "'yyyy-mm-dd HH:MM' read in `timezone` (default UTC)" in str(info.value)
        assert "{{ data_interval_end }}" in str(info.value)


def test_the_past_is_refused_beyond_the_documented_hour() -> None:
    resolve_send_date(NOW - PAST_TOLERANCE, now=NOW)  # the document: "1h in the past is accepted"
    resolve_send_date("2026-12-01 08:00", "Europe/Paris", now=NOW)  # 07:00 UTC: an hour ago
    with pytest.raises(SinchValidationError) as info:
        resolve_send_date("2026-12-01 07:59", "Europe/Paris", now=NOW)  # 06:59 UTC: 61 minutes ago
    assert str(info.value).startswith(
        "send_date: 2026-12-01 07:59 Europe/Paris is in the past (now is 2026-12-01 08:00 UTC); "
        "Sinch accepts a send date at most 1 hour in the past."
    )
    assert resolve_send_date("2020-01-01 00:00", now=NOW, check_past=False).local == "2020-01-01 00:00"


def test_the_field_name_is_quoted() -> None:
    with pytest.raises(SinchValidationError, match=r"^when: 'soon' is not a date-time"):
        resolve_send_date("soon", field="when")


# --- The README's template, for a manual run, at any hour ------------------------------------------------
README = (Path(__file__).parents[1] / "README.md").read_text()


def _readme_send_date() -> tuple[str, str]:
    block = next(
        b
        for b in re.findall(r"```python\n(.*?)```", README, flags=re.S)
        if "SinchCreateCampaignOperator(" in b
    )
    send_date = re.search(r'send_date="([^"]+)"', block)
    tz = re.search(r'timezone="([^"]+)"', block)
    assert send_date, "the README's create example sets send_date"
    assert tz, "the README's create example sets timezone"
    return send_date.group(1), tz.group(1)


def _manual_run(run_after: datetime) -> Any:
    """The DagRun a task sees in a manual Airflow 3 run: no logical date, no data interval."""
    from airflow.sdk.api.datamodels._generated import DagRun

    fields: dict[str, Any] = dict(
        dag_id="spring",
        run_id=f"manual__{run_after.isoformat()}",
        logical_date=None,
        data_interval_start=None,
        data_interval_end=None,
        run_after=run_after,
        start_date=run_after,
        end_date=None,
        run_type="manual",
        state="running",
        consumed_asset_events=[],
        partition_key=None,
    )
    # Only the fields the installed Airflow's model has (partition_key is new in Airflow 3.2).
    return DagRun(**{name: value for name, value in fields.items() if name in DagRun.model_fields})


@pytest.mark.parametrize(
    "run_after",
    [
        datetime(2026, 12, 1, 0, 5, tzinfo=UTC),
        datetime(2026, 12, 1, 9, 59, 59, 999999, tzinfo=UTC),
        datetime(2026, 12, 1, 22, 45, 12, tzinfo=UTC),  # the next day in Paris
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC),  # Paris moves its clocks that night
    ],
    ids=["after-midnight", "just-before-ten", "late-evening", "dst-night"],
)
def test_the_readme_send_date_renders_and_validates_for_a_manual_run_at_any_hour(run_after: datetime) -> None:
    from airflow.sdk import DAG
    from airflow.sdk.execution_time.context import MacrosAccessor

    from airflow_provider_sinch.operators.campaign import SinchCreateCampaignOperator

    template, tz = _readme_send_date()
    with DAG(dag_id="readme_send_date", schedule=None) as dag:
        op = SinchCreateCampaignOperator(
            task_id="create",
            template_campaign_id="t",
            name="n",
            contacts=[["1"]],
            send_date=template,
            timezone=tz,
        )
    context = {"dag_run": _manual_run(run_after), "macros": MacrosAccessor(), "ds": None, "ts": None}
    op.render_template_fields(context, jinja_env=dag.get_template_env())

    # The task starts a few minutes after the run was triggered.
    resolved = resolve_send_date(op.send_date, op.timezone, now=run_after + timedelta(minutes=5))

    expected = (run_after + timedelta(hours=1)).replace(second=0, microsecond=0)
    assert resolved.utc == expected
    assert resolved.timezone == "Europe/Paris"
    assert resolved.local == expected.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%d %H:%M")
