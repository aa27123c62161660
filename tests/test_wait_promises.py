"""Deferral keeps every sensor and timeout promise, for the real sensors of all three APIs.

* ``soft_fail=True`` skips instead of failing on every path: poke, reschedule, the deferrable first
  check, the event the task resumes with (as Airflow's task runner resumes it:
  ``resume_execution``), and the timeout (poke, reschedule and deferred).
* ``never_fail=True`` skips on a failure status and on any other error (a 404) on the same paths.
* ``execution_timeout`` bounds a deferred wait of an operator with ``wait_for_completion``: the
  trigger's deadline is what is left of it, not the wait's 90-day ``timeout``.
* A trigger that cannot start in the triggerer (connection missing there, or without its secret)
  ends with an error event naming the connection id and the cause, and the task's failure says it.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from airflow_provider_sinch._compat import AirflowSkipException, TaskDeferred
from airflow_provider_sinch.exceptions import SinchError, SinchTerminalStatusError, SinchWaitTimeout
from airflow_provider_sinch.operators.short_code import SinchSubmitShortCodeCampaignOperator
from airflow_provider_sinch.operators.ten_dlc import SinchResubmit10DLCCampaignOperator
from airflow_provider_sinch.waits import DEFERRAL_GRACE
from tests.conftest import (
    CAMPAIGN_HOST,
    PROJECT_ID,
    SHORT_CODE_HOST,
    SHORT_CODE_READY,
    TEN_DLC_HOST,
    WAITED_CAMPAIGN_ID,
    WAITED_REGISTRATION_ID,
    WAITED_SHORT_CODE_ID,
    FakeTI,
    answer_tokens,
    drive_trigger,
    status_sensor,
)

CID = WAITED_CAMPAIGN_ID
SC_ID = WAITED_SHORT_CODE_ID
REG_ID = WAITED_REGISTRATION_ID
SC_URL = f"{SHORT_CODE_HOST}/v1/projects/{PROJECT_ID}/campaigns/{SC_ID}"
REG_URL = f"{TEN_DLC_HOST}/v1/projects/{PROJECT_ID}/campaignRegistrations/{REG_ID}"


@dataclass
class Api:
    """One API's sensor, and what its status endpoint answers when pending and when failed."""

    name: str
    conn_fixture: str
    conn_id: str
    answers: dict[str, dict[str, Any]]  # url -> JSON body, for "pending" and "failure"
    pending: dict[str, Any]
    failure: dict[str, dict[str, Any]]
    failure_text: str

    def sensor(self, **kwargs: Any) -> Any:
        return status_sensor(self.name, **kwargs)


APIS = [
    Api(
        "campaign",
        "campaign_conn",
        "sinch_campaign_default",
        {},
        {
            f"{CAMPAIGN_HOST}/v1/campaigns/{CID}": {
                "success": True,
                "campaign": {"id": CID, "status": "scheduled"},
            }
        },
        # The example: a draft with validation errors will never be sent.
        {
            f"{CAMPAIGN_HOST}/v1/campaigns/{CID}": {
                "success": True,
                "campaign": {
                    "id": CID,
                    "status": "draft",
                    "validation_errors": {"contacts": [], "message": ["Missing sender"]},
                },
            }
        },
        "message: Missing sender",
    ),
    Api(
        "short_code",
        "short_code_conn",
        "sinch_short_code_default",
        {},
        {SC_URL: {"id": SC_ID, "status": "REVIEWING"}},
        {
            SC_URL: {
                "id": SC_ID,
                "status": "CANCELLED",
                "notes": [{"author": "SINCH", "text": "brand mismatch", "createdAt": "2026-01-01T00:00:00Z"}],
            }
        },
        "'CANCELLED'",
    ),
    Api(
        "ten_dlc",
        "ten_dlc_conn",
        "sinch_10dlc_default",
        {},
        {REG_URL: {"campaignRegistrationId": REG_ID, "status": "SINCH_REVIEW"}},
        {
            REG_URL: {"campaignRegistrationId": REG_ID, "status": "REJECTED"},
            f"{REG_URL}/feedback": {"tcrErrors": [{"description": "sample messages missing"}]},
        },
        "REJECTED",
    ),
]
IDS = [api.name for api in APIS]


def _answer_with(requests_mock: Any, bodies: dict[str, dict[str, Any]]) -> None:
    answer_tokens(requests_mock)
    for url, body in bodies.items():
        requests_mock.get(url, json=body)


def _transport(bodies: dict[str, dict[str, Any]]) -> httpx.MockTransport:
    """The same answers on the async client the trigger uses."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path in ("/oauth2/token", "/v1/token"):
            return httpx.Response(
                200, json={"access_token": "t", "expires_in": 3600, "expires": "2099-01-01"}
            )
        url = str(request.url).split("?")[0]
        if url in bodies:
            return httpx.Response(200, json=bodies[url])
        return httpx.Response(404, json={"error": "not mocked"})

    return httpx.MockTransport(answer)


def _event(
    api: Api, bodies: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch, **trigger: Any
) -> dict:
    """The event the real trigger ends with, in the triggerer, on these answers."""
    sensor = api.sensor()
    (event,) = drive_trigger(
        sensor.build_trigger(**trigger), sensor.hook.connection, _transport(bodies), monkeypatch
    )
    return event


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("airflow.sdk.bases.sensor.time.sleep", lambda s: None)


# --- soft_fail on every path ---------------------------------------------------------------------
@pytest.mark.parametrize("api", APIS, ids=IDS)
@pytest.mark.parametrize("mode", ["poke", "reschedule"])
@pytest.mark.parametrize("soft_fail", [True, False], ids=["soft_fail", "hard"])
def test_a_failure_status_while_poking_skips_with_soft_fail(
    api: Api, mode: str, soft_fail: bool, request: Any, requests_mock: Any, make_context: Any
) -> None:
    request.getfixturevalue(api.conn_fixture)
    _answer_with(requests_mock, api.failure)
    sensor = api.sensor(mode=mode, soft_fail=soft_fail)
    expected = AirflowSkipException if soft_fail else SinchTerminalStatusError
    with pytest.raises(expected) as info:
        sensor.execute(make_context())
    cause = info.value.__cause__ if soft_fail else info.value
    assert isinstance(cause, SinchTerminalStatusError)
    assert api.failure_text in str(cause)
    assert api.failure_text in str(info.value)  # the skip's own message says why (in the task log)


@pytest.mark.parametrize("api", APIS, ids=IDS)
@pytest.mark.parametrize("soft_fail", [True, False], ids=["soft_fail", "hard"])
def test_a_failure_at_the_deferrable_first_check_skips_with_soft_fail(
    api: Api, soft_fail: bool, request: Any, requests_mock: Any, make_context: Any
) -> None:
    request.getfixturevalue(api.conn_fixture)
    _answer_with(requests_mock, api.failure)
    sensor = api.sensor(deferrable=True, soft_fail=soft_fail)
    expected = AirflowSkipException if soft_fail else SinchTerminalStatusError
    with pytest.raises(expected) as info:  # never TaskDeferred: nothing is left to wait for
        sensor.execute(make_context())
    assert api.failure_text in str(info.value)


@pytest.mark.parametrize("api", APIS, ids=IDS)
@pytest.mark.parametrize("soft_fail", [True, False], ids=["soft_fail", "hard"])
def test_a_failure_event_the_task_resumes_with_skips_with_soft_fail(
    api: Api, soft_fail: bool, request: Any, monkeypatch: pytest.MonkeyPatch, make_context: Any
) -> None:
    request.getfixturevalue(api.conn_fixture)
    event = _event(api, api.failure, monkeypatch, end_time=None)
    assert event["status"] == "failure"
    sensor = api.sensor(deferrable=True, soft_fail=soft_fail)
    expected = AirflowSkipException if soft_fail else SinchTerminalStatusError
    with pytest.raises(expected) as info:
        sensor.resume_execution("execute_complete", {"event": json.loads(json.dumps(event))}, make_context())
    cause = info.value.__cause__ if soft_fail else info.value
    assert isinstance(cause, SinchTerminalStatusError)
    assert api.failure_text in str(cause)
    assert api.failure_text in str(info.value)  # the skip's own message says why (in the task log)


# --- never_fail on every path ---------------------------------------------------------------------
def _not_found(requests_mock: Any, api: Api) -> None:
    """Every status read of ``api`` answers 404 (a wrong id): an error, not a status."""
    answer_tokens(requests_mock)
    for url in api.failure:
        requests_mock.get(url, status_code=404, json={"error": "not found"})


@pytest.mark.parametrize("api", APIS, ids=IDS)
@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
@pytest.mark.parametrize("answer", ["failure status", "404"])
def test_never_fail_skips_on_a_failure_or_an_error_in_every_mode(
    api: Api, mode: str, answer: str, request: Any, requests_mock: Any, make_context: Any
) -> None:
    request.getfixturevalue(api.conn_fixture)
    if answer == "404":
        _not_found(requests_mock, api)
    else:
        _answer_with(requests_mock, api.failure)
    kwargs = {"deferrable": True} if mode == "deferrable" else {"mode": mode}
    with pytest.raises(AirflowSkipException) as info:  # never TaskDeferred, never a failure
        api.sensor(never_fail=True, **kwargs).execute(make_context())
    assert isinstance(info.value.__cause__, SinchError)
    if answer == "404":
        assert info.value.__cause__.status_code == 404
    else:
        assert api.failure_text in str(info.value.__cause__)


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_never_fail_skips_on_a_failure_event_the_task_resumes_with(
    api: Api, request: Any, monkeypatch: pytest.MonkeyPatch, make_context: Any
) -> None:
    request.getfixturevalue(api.conn_fixture)
    event = _event(api, api.failure, monkeypatch, end_time=None)
    sensor = api.sensor(deferrable=True, never_fail=True)
    with pytest.raises(AirflowSkipException) as info:
        sensor.resume_execution("execute_complete", {"event": json.loads(json.dumps(event))}, make_context())
    assert api.failure_text in str(info.value.__cause__)
    assert str(info.value).startswith("Skipping (never_fail): ")
    assert api.failure_text in str(info.value)


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_without_never_fail_an_error_at_the_deferrable_first_check_fails(
    api: Api, request: Any, requests_mock: Any, make_context: Any
) -> None:
    request.getfixturevalue(api.conn_fixture)
    _not_found(requests_mock, api)
    with pytest.raises(SinchError) as info:
        api.sensor(deferrable=True, soft_fail=True).execute(make_context())  # soft_fail: not for errors
    assert info.value.status_code == 404


@pytest.mark.parametrize("api", APIS, ids=IDS)
@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_a_timeout_skips_with_soft_fail(
    api: Api,
    mode: str,
    request: Any,
    requests_mock: Any,
    monkeypatch: pytest.MonkeyPatch,
    make_context: Any,
    no_sleep: None,
) -> None:
    request.getfixturevalue(api.conn_fixture)
    if mode == "deferrable":
        event = _event(api, api.pending, monkeypatch, end_time=time.time() - 1)
        assert event["timeout"] is True
        sensor = api.sensor(deferrable=True, soft_fail=True)
        with pytest.raises(AirflowSkipException) as info:
            sensor.resume_execution("execute_complete", {"event": event}, make_context())
    else:
        _answer_with(requests_mock, api.pending)
        sensor = api.sensor(mode=mode, timeout=0, poke_interval=1, soft_fail=True)
        with pytest.raises(AirflowSkipException) as info:
            sensor.execute(make_context())
    # The same message in every mode (poke and reschedule gave Airflow's generic "Sensor has timed
    # out; run duration ..." before; found by a new user).
    assert isinstance(info.value.__cause__, SinchWaitTimeout)
    assert "(last status " in str(info.value.__cause__)
    assert str(info.value).startswith("Skipping (soft_fail): Timed out waiting on ")


@pytest.mark.parametrize("api", APIS, ids=IDS)
@pytest.mark.parametrize("mode", ["poke", "reschedule"])
def test_never_fail_skips_a_timeout_in_poke_and_reschedule_mode(
    api: Api, mode: str, request: Any, requests_mock: Any, make_context: Any, no_sleep: None
) -> None:
    """Airflow's loop raises its timeout even with never_fail (found by a new user): skipped here."""
    request.getfixturevalue(api.conn_fixture)
    _answer_with(requests_mock, api.pending)
    sensor = api.sensor(mode=mode, timeout=0, poke_interval=1, never_fail=True)
    with pytest.raises(AirflowSkipException) as info:
        sensor.execute(make_context())
    assert isinstance(info.value.__cause__, SinchWaitTimeout)
    assert str(info.value).startswith("Skipping (never_fail): Timed out waiting on ")


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_soft_fail_does_not_skip_an_error_the_deferred_wait_ends_with(
    api: Api, request: Any, make_context: Any
) -> None:
    """A 404 while deferred fails under soft_fail, as at the first check (Airflow 3.3's resume would
    skip it: a deleted campaign or revoked key during a long wait must not pass unnoticed)."""
    request.getfixturevalue(api.conn_fixture)
    event = {"status": "error", "message": "GET ... failed with HTTP 404", "status_code": 404}
    sensor = api.sensor(deferrable=True, soft_fail=True)
    with pytest.raises(SinchError) as info:
        sensor.resume_execution("execute_complete", {"event": event}, make_context())
    assert not isinstance(info.value, AirflowSkipException)
    assert "HTTP 404" in str(info.value)
    skipped = api.sensor(deferrable=True, never_fail=True)
    with pytest.raises(AirflowSkipException, match=r"^Skipping \(never_fail\): .*HTTP 404"):
        skipped.resume_execution("execute_complete", {"event": event}, make_context())


@pytest.mark.parametrize("api", APIS, ids=IDS)
def test_a_deferrable_sensor_already_at_its_deadline_skips_with_soft_fail(
    api: Api, request: Any, requests_mock: Any
) -> None:
    """The first check is pending and nothing is left of ``execution_timeout``: no deferral."""
    request.getfixturevalue(api.conn_fixture)
    _answer_with(requests_mock, api.pending)
    ti = FakeTI()
    ti.start_date = datetime.now(timezone.utc) - timedelta(minutes=11)  # type: ignore[attr-defined]
    sensor = api.sensor(deferrable=True, soft_fail=True, execution_timeout=timedelta(minutes=10))
    with pytest.raises(AirflowSkipException) as info:
        sensor.execute({"ti": ti})
    assert isinstance(info.value.__cause__, SinchWaitTimeout)
    assert "last status" in str(info.value)


# --- execution_timeout bounds a deferred wait -------------------------------------------------------
SC_READY = SHORT_CODE_READY


def _submit_short_code(requests_mock: Any) -> Any:
    requests_mock.get(SC_URL, [{"json": SC_READY}, {"json": {**SC_READY, "status": "REVIEWING"}}])
    requests_mock.post(f"{SC_URL}/submit", json={**SC_READY, "status": "PENDING_REVIEW"})
    return SinchSubmitShortCodeCampaignOperator


def _resubmit_ten_dlc(requests_mock: Any) -> Any:
    requests_mock.get(
        REG_URL,
        [
            {
                "json": {
                    "campaignRegistrationId": REG_ID,
                    "status": "REJECTED",
                    "lastActionStatus": "CREATE_SUCCESSFUL",
                }
            },
            {
                "json": {
                    "campaignRegistrationId": REG_ID,
                    "status": "REJECTED",
                    "lastActionStatus": "RESUBMIT_IN_PROGRESS",
                }
            },
        ],
    )
    requests_mock.put(f"{REG_URL}/resubmit", json={})
    return SinchResubmit10DLCCampaignOperator


@pytest.mark.parametrize(
    ("conn_fixture", "prepare", "ids", "timeout"),
    [
        ("short_code_conn", _submit_short_code, {"campaign_id": SC_ID}, timedelta(days=90)),
        ("ten_dlc_conn", _resubmit_ten_dlc, {"campaign_registration_id": REG_ID}, timedelta(days=1)),
    ],
    ids=["short-code-submit", "ten-dlc-resubmit"],
)
def test_execution_timeout_bounds_the_deferred_wait_of_an_operator(
    conn_fixture: str,
    prepare: Any,
    ids: dict[str, str],
    timeout: timedelta,
    request: Any,
    requests_mock: Any,
) -> None:
    request.getfixturevalue(conn_fixture)
    answer_tokens(requests_mock)
    operator_class = prepare(requests_mock)
    operator = operator_class(
        task_id="act_and_wait",
        wait_for_completion=True,
        deferrable=True,
        timeout=timeout,
        execution_timeout=timedelta(minutes=10),
        **ids,
    )
    ti = FakeTI()
    started = datetime.now(timezone.utc) - timedelta(minutes=1)
    ti.start_date = started  # type: ignore[attr-defined]

    with pytest.raises(TaskDeferred) as info:
        operator.execute({"ti": ti, "dag_run": None})

    deferred = info.value
    # The trigger ends itself when execution_timeout runs out (nine minutes from now), not in 90 days.
    assert abs(deferred.trigger.end_time - (started.timestamp() + 600)) < 2
    # Airflow's own backstop comes only a little after, so that the trigger's event arrives first.
    assert (
        timedelta(minutes=13)
        < deferred.timeout
        <= timedelta(minutes=9) + DEFERRAL_GRACE + timedelta(seconds=2)
    )


def test_the_trigger_of_an_operator_that_ran_out_of_execution_timeout_names_resource_and_last_status(
    short_code_conn: str, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_tokens(requests_mock)
    _submit_short_code(requests_mock)
    operator = SinchSubmitShortCodeCampaignOperator(
        task_id="submit",
        campaign_id=SC_ID,
        wait_for_completion=True,
        deferrable=True,
        execution_timeout=timedelta(minutes=10),
    )
    with pytest.raises(TaskDeferred) as info:
        operator.execute({"ti": FakeTI(), "dag_run": None})
    trigger = info.value.trigger
    trigger.end_time = time.time() - 1  # the triggerer reaches the deadline
    (event,) = drive_trigger(
        trigger,
        operator.hook.connection,
        _transport({SC_URL: {"id": SC_ID, "status": "REVIEWING"}}),
        monkeypatch,
    )

    with pytest.raises(SinchWaitTimeout) as failed:
        operator.resume_execution("execute_complete", {"event": event}, {"ti": FakeTI()})

    assert str(failed.value) == (
        f"Timed out waiting on Short code campaign {SC_ID} (last status 'REVIEWING'): "
        f"Short code campaign {SC_ID} is 'REVIEWING', waiting for ['COMPLETED']"
    )


# --- A trigger that cannot start names the connection -------------------------------------------------
async def _run(trigger: Any) -> list[dict[str, Any]]:
    return [event.payload async for event in trigger.run()]


@pytest.mark.parametrize("api", APIS, ids=IDS)
@pytest.mark.parametrize("cause", ["missing", "no-secret"])
def test_a_trigger_without_its_connection_ends_with_an_error_naming_it_and_the_task_says_so(
    api: Api, cause: str, request: Any, monkeypatch: pytest.MonkeyPatch, make_context: Any
) -> None:
    import asyncio

    request.getfixturevalue(api.conn_fixture)
    sensor = api.sensor(deferrable=True)
    trigger = sensor.build_trigger(end_time=None)  # built on the worker, where the connection exists
    # In the triggerer, the connection is missing, or lacks its secret.
    env = f"AIRFLOW_CONN_{api.conn_id.upper()}"
    if cause == "missing":
        monkeypatch.delenv(env)
    else:
        conn = json.loads(os.environ[env])
        conn.pop("password")
        monkeypatch.setenv(env, json.dumps(conn))

    (event,) = asyncio.run(_run(trigger))

    assert event["status"] == "error"
    assert f"connection {api.conn_id!r}" in event["message"]
    json.dumps(event)  # small and JSON-safe
    with pytest.raises(SinchError) as info:
        sensor.resume_execution("execute_complete", {"event": event}, make_context())
    assert type(info.value) is SinchError
    assert f"Cannot wait on connection {api.conn_id!r} in the triggerer: " in str(info.value)
    assert ("isn't defined" if cause == "missing" else "password") in str(info.value)  # and the cause
    assert str(info.value) != "Trigger failure"
