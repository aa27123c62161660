"""The one wait machinery (``airflow_provider_sinch.waits``) that sensors and waiting operators share:
results and trigger events back into values or errors, one timeout behaviour in every mode,
``soft_fail`` on every sensor path, and deferral deadlines bounded by ``execution_timeout``."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from airflow.sdk import BaseOperator, PokeReturnValue

from airflow_provider_sinch import waits
from airflow_provider_sinch._compat import AirflowSensorTimeout, AirflowSkipException, TaskDeferred
from airflow_provider_sinch.exceptions import SinchError, SinchTerminalStatusError, SinchWaitTimeout
from airflow_provider_sinch.sensors.base import SinchStatusSensorBase
from airflow_provider_sinch.statuses import PollResult
from airflow_provider_sinch.waits import DEFERRAL_GRACE, SinchWait, deadline, finish, finish_event

SUCCESS = PollResult("success", "sent", "Campaign c1 is 'sent'", "Campaign c1", xcom={"id": "c1"})
FAILURE = PollResult("failure", "REJECTED", "rejected by T-Mobile: brand mismatch", "10DLC campaign 01H")
PENDING = PollResult("pending", "sending", "Campaign c1 is 'sending', waiting for ['sent']", "Campaign c1")
#: The one timeout message of every wait mode on PENDING.
TIMEOUT_TEXT = (
    "Timed out waiting on Campaign c1 (last status 'sending'): Campaign c1 is 'sending', waiting for ['sent']"
)


# --- finish ---------------------------------------------------------------------------------------
def test_finish_success_returns_the_xcom() -> None:
    assert finish(SUCCESS) == {"id": "c1"}


def test_finish_failure_raises_with_status_and_reason() -> None:
    with pytest.raises(SinchTerminalStatusError) as info:
        finish(FAILURE)
    assert str(info.value) == (
        "10DLC campaign 01H reached terminal status 'REJECTED': rejected by T-Mobile: brand mismatch"
    )
    assert info.value.status == "REJECTED"


def test_finish_failure_without_status() -> None:
    with pytest.raises(SinchTerminalStatusError, match="reached terminal status 'unknown': gone"):
        finish(PollResult("failure", None, "gone", "Campaign c1"))


# --- finish_event ---------------------------------------------------------------------------------
def test_finish_event_success_returns_the_xcom() -> None:
    assert finish_event(SUCCESS.to_event(campaign_id="c1")) == {"id": "c1"}


def test_finish_event_failure_raises_terminal_status() -> None:
    with pytest.raises(SinchTerminalStatusError) as info:
        finish_event(FAILURE.to_event(campaign_registration_id="01H"))
    assert type(info.value) is SinchTerminalStatusError
    assert str(info.value) == (
        "10DLC campaign 01H reached terminal status 'REJECTED': rejected by T-Mobile: brand mismatch"
    )
    assert (info.value.status, info.value.reason) == ("REJECTED", "rejected by T-Mobile: brand mismatch")


def test_finish_event_failure_with_few_fields() -> None:
    with pytest.raises(SinchTerminalStatusError) as info:
        finish_event({"status": "failure"})
    assert str(info.value) == "Sinch resource reached terminal status 'unknown'"


def test_finish_event_timeout_raises_wait_timeout_naming_resource_and_last_status() -> None:
    event = {
        "status": "error",
        "timeout": True,
        "resource": "Campaign c1",
        "api_status": "sending",
        "message": "Campaign c1 is 'sending', waiting for ['sent']",
        "campaign_id": "c1",
    }
    with pytest.raises(SinchWaitTimeout) as info:
        finish_event(event)
    assert str(info.value) == TIMEOUT_TEXT
    assert isinstance(info.value, AirflowSensorTimeout)  # Airflow fails it without a retry
    assert (info.value.resource, info.value.status) == ("Campaign c1", "sending")


def test_finish_event_error_raises_sinch_error() -> None:
    event = {"status": "error", "message": "GET /v1/campaigns/c1 failed with HTTP 401: Invalid access token"}
    with pytest.raises(SinchError) as info:
        finish_event(event)
    assert type(info.value) is SinchError
    assert str(info.value) == "GET /v1/campaigns/c1 failed with HTTP 401: Invalid access token"


def test_finish_event_unexpected_status() -> None:
    with pytest.raises(SinchError, match="Unexpected trigger event") as info:
        finish_event({"status": "pending", "campaign_id": "c1"})
    assert type(info.value) is SinchError


@pytest.mark.parametrize("event", [None, {}], ids=["none", "empty"])
def test_finish_event_without_event_raises(event: dict[str, Any] | None) -> None:
    with pytest.raises(SinchError) as info:
        finish_event(event)
    assert type(info.value) is SinchError
    assert str(info.value) == "The trigger ended without an event."


# --- deadline -------------------------------------------------------------------
def test_deadline_none() -> None:
    assert deadline(None) is None


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [(60, 60.0), (1.5, 1.5), ("90", 90.0), (timedelta(hours=2), 7200.0)],
    ids=["int", "float", "string", "timedelta"],
)
def test_deadline_is_epoch_seconds_from_now(timeout: Any, seconds: float) -> None:
    before = time.time()
    end = deadline(timeout)
    after = time.time()
    assert end is not None
    assert before + seconds <= end <= after + seconds


# --- The base sensor, with a scripted check --------------------------------------------------------
class ScriptedSensor(SinchStatusSensorBase):
    """A concrete sensor whose checks return scripted results."""

    def __init__(self, *, results: list[PollResult], **kwargs: Any) -> None:
        super().__init__(sinch_conn_id="sinch_test", **kwargs)
        self.results = results
        self.built: list[float | None] = []

    def check(self) -> PollResult:
        return self.results.pop(0)

    def build_trigger(self, end_time: float | None) -> Any:
        self.built.append(end_time)
        return {"trigger_end_time": end_time}


def test_poke_pending_then_success() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[PENDING, SUCCESS])
    assert sensor.poke({}) is False
    done = sensor.poke({})
    assert isinstance(done, PokeReturnValue)
    assert done.is_done is True
    assert done.xcom_value == {"id": "c1"}


def test_poke_failure_raises() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[FAILURE])
    with pytest.raises(SinchTerminalStatusError, match="'REJECTED'"):
        sensor.poke({})


def test_deferrable_done_at_once_does_not_defer() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[SUCCESS], deferrable=True)
    assert sensor.execute({}) == {"id": "c1"}
    assert sensor.built == []


def test_deferrable_failure_at_once_raises_without_deferring() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[FAILURE], deferrable=True)
    with pytest.raises(SinchTerminalStatusError):
        sensor.execute({})
    assert sensor.built == []


def test_deferrable_pending_defers_with_deadline() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[PENDING], deferrable=True, timeout=600)
    before = time.time()
    with pytest.raises(TaskDeferred) as info:
        sensor.execute({})
    (end_time,) = sensor.built
    assert end_time is not None
    assert before + 600 <= end_time <= time.time() + 600
    assert info.value.trigger == {"trigger_end_time": end_time}
    assert info.value.method_name == "execute_complete"
    # Airflow's own backstop comes after the trigger's deadline, so the trigger's event wins.
    assert (
        timedelta(seconds=599) + DEFERRAL_GRACE
        <= info.value.timeout
        <= timedelta(seconds=600) + DEFERRAL_GRACE
    )


def test_execute_complete_turns_events_back() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[])
    assert sensor.execute_complete({}, SUCCESS.to_event(campaign_id="c1")) == {"id": "c1"}
    with pytest.raises(SinchWaitTimeout):
        sensor.execute_complete({}, {"status": "error", "timeout": True, "message": "late"})


def test_sensor_keeps_hook_params() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[], hook_params={"timeout": 5})
    assert sensor.hook_params == {"timeout": 5}
    assert sensor.sinch_conn_id == "sinch_test"


# --- One timeout behaviour in every mode ------------------------------------------------------------
class FakeTI:
    def __init__(self, start_date: Any = None) -> None:
        self.start_date = start_date
        self.try_number = 1

    def get_first_reschedule_date(self, context: Any) -> Any:
        return None


def test_poke_mode_timeout_names_resource_and_last_status(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("airflow.sdk.bases.sensor.time.sleep", lambda s: None)
    sensor = ScriptedSensor(task_id="wait", results=[PENDING, PENDING], timeout=0, poke_interval=1)
    with pytest.raises(SinchWaitTimeout) as info:
        sensor.execute({"ti": FakeTI()})
    assert str(info.value) == TIMEOUT_TEXT


def test_reschedule_mode_timeout_names_resource_and_last_status() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[PENDING], timeout=0, mode="reschedule")
    with pytest.raises(SinchWaitTimeout) as info:
        sensor.execute({"ti": FakeTI()})
    assert str(info.value) == TIMEOUT_TEXT


def test_deferred_timeout_ends_the_same_way() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[])
    event = {
        "status": "error",
        "timeout": True,
        **{k: v for k, v in PENDING.to_event().items() if k != "status"},
    }
    with pytest.raises(SinchWaitTimeout) as info:
        sensor.execute_complete({}, event)
    assert str(info.value) == TIMEOUT_TEXT


class WaitingOperator(SinchWait, BaseOperator):
    """An operator with ``wait_for_completion`` on the shared machinery."""

    def __init__(
        self, *, results: list[PollResult], timeout: float, poll_interval: float = 60, **kwargs: Any
    ):
        super().__init__(**kwargs)
        self.results = results
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.deferrable = False

    def check(self) -> PollResult:
        return self.results.pop(0)

    def build_trigger(self, end_time: float | None) -> Any:
        return {"end_time": end_time}


def test_operator_sync_wait_timeout_ends_the_same_way(slept: list[float]) -> None:
    operator = WaitingOperator(
        task_id="op", results=[PENDING, PENDING, PENDING], timeout=90, poll_interval=60
    )
    clock = iter([0.0, 0.0, 60.0, 90.0])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(waits.time, "monotonic", lambda: next(clock))
        with pytest.raises(SinchWaitTimeout) as info:
            operator.wait({})
    assert str(info.value) == TIMEOUT_TEXT
    assert slept == [60.0, 30.0]  # the last sleep is clipped to the deadline


# --- soft_fail on every sensor path -----------------------------------------------------------------
def test_soft_fail_skips_a_failure_at_the_deferrable_first_check() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[FAILURE], deferrable=True, soft_fail=True)
    with pytest.raises(AirflowSkipException, match="REJECTED"):
        sensor.execute({})


def test_soft_fail_skips_a_poke_failure() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[FAILURE], soft_fail=True)
    with pytest.raises(AirflowSkipException):
        sensor.execute({"ti": FakeTI()})


def test_soft_fail_skips_a_timeout() -> None:
    sensor = ScriptedSensor(task_id="wait", results=[PENDING], timeout=0, mode="reschedule", soft_fail=True)
    with pytest.raises(AirflowSkipException):
        sensor.execute({"ti": FakeTI()})


# --- execution_timeout bounds a deferred wait --------------------------------------------------------
def test_deferral_deadline_is_clipped_to_what_is_left_of_execution_timeout() -> None:
    from datetime import datetime, timezone

    started = datetime.now(timezone.utc) - timedelta(minutes=4)
    sensor = ScriptedSensor(
        task_id="wait",
        results=[PENDING],
        deferrable=True,
        timeout=timedelta(days=90),
        execution_timeout=timedelta(minutes=10),
    )
    with pytest.raises(TaskDeferred):
        sensor.execute({"ti": FakeTI(started)})
    (end_time,) = sensor.built
    assert end_time is not None
    assert abs(end_time - (started.timestamp() + 600)) < 2  # six minutes left, not 90 days
