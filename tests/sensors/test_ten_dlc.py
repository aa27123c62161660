"""Sinch10DLCCampaignStatusSensor in poke, reschedule and deferrable modes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk import PokeReturnValue
from airflow.sdk.bases import sensor as sdk_sensor

from airflow_provider_sinch._compat import AirflowRescheduleException, TaskDeferred
from airflow_provider_sinch.exceptions import SinchTerminalStatusError, SinchValidationError, SinchWaitTimeout
from airflow_provider_sinch.links import Sinch10DLCCampaignLink
from airflow_provider_sinch.sensors.ten_dlc import Sinch10DLCCampaignStatusSensor
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger
from tests.conftest import PROJECT_ID, TEN_DLC_HOST, assert_deferral_timeout

BASE = f"{TEN_DLC_HOST}/v1/projects/{PROJECT_ID}"
REG_ID = "01HZX3J6M5Q8R7T2V9W4Y6Z8AB"
GET_URL = f"{BASE}/campaignRegistrations/{REG_ID}"
FEEDBACK_URL = f"{GET_URL}/feedback"
URL = f"https://dashboard.sinch.com/numbers/10dlc/campaigns/{REG_ID}?projectId={PROJECT_ID}"


class FakeTI:
    def __init__(self) -> None:
        self.try_number = 1
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value

    def get_first_reschedule_date(self, context: Any) -> datetime | None:
        return None


@pytest.fixture(autouse=True)
def _connection(ten_dlc_conn: str, oauth_token: Any) -> None:
    """Every test talks to the mocked API through the default connection (OAuth2)."""


@pytest.fixture
def ctx() -> dict[str, Any]:
    return {"ti": FakeTI()}


def registration(status: str, **fields: Any) -> dict[str, Any]:
    return {"campaignRegistrationId": REG_ID, "brandId": "BESINCH", "status": status, **fields}


def sensor(**kwargs: Any) -> Sinch10DLCCampaignStatusSensor:
    return Sinch10DLCCampaignStatusSensor(task_id="wait", campaign_registration_id=REG_ID, **kwargs)


def test_defaults_suit_a_wait_of_hours_to_days() -> None:
    waiting = sensor()

    assert waiting.poke_interval == 3600
    assert waiting.timeout == 7 * 24 * 3600
    assert waiting.mode == "reschedule"
    assert waiting.target_statuses == ("APPROVED", "ACTIVE")
    assert waiting.sinch_conn_id == "sinch_10dlc_default"
    assert set(waiting.template_fields) == {
        "sinch_conn_id",
        "campaign_registration_id",
        "target_statuses",
        "project_id",
    }
    assert [type(link) for link in waiting.operator_extra_links] == [Sinch10DLCCampaignLink]


# --- poke ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "done"),
    [
        pytest.param("SINCH_REVIEW", False, id="sinch-review"),
        pytest.param("SUBMITTED", False, id="submitted"),
        pytest.param("BRAND_NEW", False, id="unknown-status-waits"),
        pytest.param("APPROVED", True, id="approved"),
        pytest.param("ACTIVE", True, id="active"),
    ],
)
def test_poke(requests_mock: Any, ctx: dict[str, Any], status: str, done: bool) -> None:
    requests_mock.get(GET_URL, json=registration(status))

    result = sensor().poke(ctx)

    if done:
        assert isinstance(result, PokeReturnValue)
        assert result.is_done
        assert result.xcom_value == {"campaignRegistrationId": REG_ID, "brandId": "BESINCH", "status": status}
    else:
        assert result is False


@pytest.mark.parametrize("status", ["SINCH_REJECTED", "REJECTED", "EXPIRED", "SUBMISSION_FAILED"])
def test_poke_fails_on_a_rejection_with_the_feedback_reasons(
    requests_mock: Any, ctx: dict[str, Any], status: str
) -> None:
    requests_mock.get(GET_URL, json=registration(status))
    requests_mock.get(
        FEEDBACK_URL,
        json={
            "status": status,
            "tcrErrorResponse": [{"code": 502, "field": "description", "description": "vague description"}],
            "internalErrorResponse": [{"code": "OPTIN", "description": "Insufficient opt-in"}],
        },
    )

    with pytest.raises(SinchTerminalStatusError) as err:
        sensor().poke(ctx)

    assert err.value.status == status
    assert str(err.value) == (
        f"10DLC campaign registration {REG_ID} reached terminal status '{status}': Sinch feedback: "
        "TCR errors: [502] description: vague description | internal errors: [OPTIN] Insufficient opt-in"
    )


def test_a_targeted_terminal_status_ends_the_wait_well(requests_mock: Any, ctx: dict[str, Any]) -> None:
    requests_mock.get(GET_URL, json=registration("EXPIRED"))
    feedback = requests_mock.get(FEEDBACK_URL, json={})

    result = sensor(target_statuses=["EXPIRED"]).poke(ctx)

    assert isinstance(result, PokeReturnValue)
    assert result.is_done
    assert not feedback.called


# --- execute: poke and reschedule modes -----------------------------------------------------------
def test_execute_in_poke_mode_pushes_the_link_then_waits(
    requests_mock: Any, ctx: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(sdk_sensor, "time", SimpleNamespace(sleep=pauses.append, monotonic=time.monotonic))
    requests_mock.get(GET_URL, [{"json": registration("SINCH_APPROVED")}, {"json": registration("APPROVED")}])

    result = sensor(mode="poke", poke_interval=5).execute(ctx)

    assert result["status"] == "APPROVED"
    assert pauses == [5]
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}


def test_execute_in_reschedule_mode_frees_the_worker_until_the_next_hour(
    requests_mock: Any, ctx: dict[str, Any]
) -> None:
    requests_mock.get(GET_URL, json=registration("SUBMITTED"))
    before = datetime.now(timezone.utc)

    with pytest.raises(AirflowRescheduleException) as err:
        sensor().execute(ctx)

    delay = err.value.reschedule_date - before
    assert timedelta(minutes=59) < delay < timedelta(minutes=61)
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}


def test_execute_refuses_an_empty_target_list_before_any_request(
    requests_mock: Any, ctx: dict[str, Any]
) -> None:
    with pytest.raises(SinchValidationError, match="target_statuses must name at least one status"):
        sensor(target_statuses=[]).execute(ctx)
    assert requests_mock.call_count == 0


# --- deferrable ---------------------------------------------------------------------------------
def test_deferrable_checks_once_then_defers_with_its_deadline(
    requests_mock: Any, ctx: dict[str, Any]
) -> None:
    requests_mock.get(GET_URL, json=registration("SINCH_REVIEW"))
    waiting = sensor(
        deferrable=True,
        target_statuses=["ACTIVE"],
        poke_interval=timedelta(minutes=30),
        timeout=timedelta(days=2),
        project_id="{{ params.project }}",
        hook_params={"max_retries": 2},
    )
    waiting.render_template_fields({"params": {"project": PROJECT_ID}})
    before = time.time()

    with pytest.raises(TaskDeferred) as deferred:
        waiting.execute(ctx)

    trigger = deferred.value.trigger
    assert isinstance(trigger, Sinch10DLCCampaignStatusTrigger)
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_sinch.triggers.ten_dlc.Sinch10DLCCampaignStatusTrigger"
    assert kwargs["campaign_registration_id"] == REG_ID
    assert kwargs["project_id"] == PROJECT_ID
    assert kwargs["target_statuses"] == ["ACTIVE"]
    assert kwargs["poll_interval"] == 1800.0
    assert kwargs["hook_params"] == {"max_retries": 2}
    assert kwargs["sinch_conn_id"] == "sinch_10dlc_default"
    assert before + 2 * 86400 - 5 < kwargs["end_time"] < time.time() + 2 * 86400 + 5
    assert_deferral_timeout(deferred.value.timeout, timedelta(days=2))
    assert requests_mock.call_count == 2  # the token, then one status check
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}


def test_deferrable_returns_at_once_when_already_approved(requests_mock: Any, ctx: dict[str, Any]) -> None:
    requests_mock.get(GET_URL, json=registration("ACTIVE", campaignId="CX12345"))

    result = sensor(deferrable=True).execute(ctx)

    assert result["campaignId"] == "CX12345"


def test_deferrable_fails_at_once_when_already_rejected(requests_mock: Any, ctx: dict[str, Any]) -> None:
    requests_mock.get(GET_URL, json=registration("SINCH_REJECTED"))
    requests_mock.get(FEEDBACK_URL, json={"internalErrorResponse": [{"description": "Brand name mismatch"}]})

    with pytest.raises(SinchTerminalStatusError, match="Brand name mismatch"):
        sensor(deferrable=True).execute(ctx)


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        pytest.param(
            {"status": "success", "xcom": {"status": "APPROVED"}}, {"status": "APPROVED"}, id="success"
        ),
        pytest.param(
            {
                "status": "failure",
                "api_status": "REJECTED",
                "resource": f"10DLC campaign registration {REG_ID}",
                "message": "Sinch feedback: TCR errors: vague description",
            },
            SinchTerminalStatusError("x", "y"),
            id="failure",
        ),
        pytest.param(
            {"status": "error", "timeout": True, "message": "The wait reached its deadline"},
            SinchWaitTimeout("x"),
            id="deadline",
        ),
    ],
)
def test_execute_complete(event: dict[str, Any], expected: Any, ctx: dict[str, Any]) -> None:
    waiting = sensor(deferrable=True)
    if isinstance(expected, Exception):
        with pytest.raises(type(expected), match=event["message"]):
            waiting.execute_complete(ctx, event)
    else:
        assert waiting.execute_complete(ctx, event) == expected
