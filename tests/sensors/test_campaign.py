"""SinchCampaignStatusSensor in poke, reschedule and deferrable mode."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from airflow.sdk import PokeReturnValue

from airflow_provider_sinch._compat import TaskDeferred
from airflow_provider_sinch.exceptions import SinchTerminalStatusError, SinchWaitTimeout
from airflow_provider_sinch.sensors.campaign import SinchCampaignStatusSensor
from airflow_provider_sinch.triggers.campaign import SinchCampaignStatusTrigger
from tests.conftest import CAMPAIGN_HOST, assert_deferral_timeout

CID = "c2d2f656-09f4-4e26-b9f3-92c14e15116d"
INFO_URL = f"{CAMPAIGN_HOST}/v1/campaigns/{CID}"


@pytest.fixture(autouse=True)
def _conn(campaign_conn, campaign_token):
    return campaign_conn


def info(status: str, **extra) -> dict:
    return {"json": {"success": True, "campaign": {"id": CID, "status": status, "contact_count": 3, **extra}}}


def sensor(**kwargs) -> SinchCampaignStatusSensor:
    return SinchCampaignStatusSensor(task_id="wait", campaign_id=CID, poke_interval=5, **kwargs)


def test_poke_waits_then_succeeds_with_one_token_for_all_pokes(requests_mock, campaign_token, make_context):
    requests_mock.get(INFO_URL, [info("scheduled"), info("sending"), info("sent")])
    s = sensor()
    assert s.poke(make_context()) is False
    assert s.poke(make_context()) is False
    done = s.poke(make_context())
    assert isinstance(done, PokeReturnValue)
    assert done.is_done is True
    assert done.xcom_value["status"] == "sent"
    assert done.xcom_value["id"] == CID
    assert campaign_token.call_count == 1


def test_draft_with_validation_errors_fails_at_once_quoting_them(requests_mock, make_context):
    requests_mock.get(
        INFO_URL,
        **info(
            "draft",
            validation_errors={"contacts": [], "message": ["Missing sender"], "app": ["App is empty"]},
        ),
    )
    with pytest.raises(SinchTerminalStatusError) as err:
        sensor().poke(make_context())
    assert err.value.status == "draft"
    assert "message: Missing sender" in str(err.value)
    assert "app: App is empty" in str(err.value)


def test_unknown_status_is_pending_and_logged(requests_mock, make_context, caplog):
    requests_mock.get(INFO_URL, **info("paused"))
    assert sensor().poke(make_context()) is False
    assert "has status 'paused', which this provider does not know" in caplog.text


def test_custom_targets(requests_mock, make_context):
    requests_mock.get(INFO_URL, **info("scheduled"))
    assert sensor(target_statuses=("scheduled", "sending", "sent")).poke(make_context()).is_done


def test_empty_targets_refused():
    with pytest.raises(ValueError, match="target_statuses must name at least one status"):
        sensor(target_statuses=())._targets()


def test_reschedule_mode_is_accepted_and_pokes_the_same_way(requests_mock, make_context):
    requests_mock.get(INFO_URL, **info("sent"))
    s = sensor(mode="reschedule")
    assert s.mode == "reschedule"
    assert s.poke(make_context()).is_done


def test_deferrable_checks_once_then_defers_with_deadline(requests_mock, make_context):
    requests_mock.get(INFO_URL, **info("scheduled"))
    s = sensor(deferrable=True, timeout=3600, hook_params={"timeout": 30})
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        s.execute(make_context())
    trigger = deferred.value.trigger
    assert isinstance(trigger, SinchCampaignStatusTrigger)
    assert deferred.value.method_name == "execute_complete"
    assert_deferral_timeout(deferred.value.timeout, timedelta(seconds=3600))
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_sinch.triggers.campaign.SinchCampaignStatusTrigger"
    assert kwargs["campaign_id"] == CID
    assert kwargs["target_statuses"] == ["sent"]
    assert kwargs["poll_interval"] == 5
    assert kwargs["hook_params"] == {"timeout": 30}
    assert before + 3600 <= kwargs["end_time"] <= time.time() + 3600


def test_deferrable_does_not_defer_when_already_sent(requests_mock, make_context):
    requests_mock.get(INFO_URL, **info("sent"))
    assert sensor(deferrable=True).execute(make_context())["status"] == "sent"


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"status": "success", "xcom": {"status": "sent"}}, {"status": "sent"}),
        (
            {
                "status": "failure",
                "api_status": "draft",
                "message": "message: Missing sender",
                "resource": "Campaign x",
            },
            SinchTerminalStatusError,
        ),
        ({"status": "error", "timeout": True, "message": "deadline"}, SinchWaitTimeout),
    ],
    ids=["success", "failure", "timeout"],
)
def test_execute_complete(event, expected, make_context):
    s = sensor(deferrable=True)
    if isinstance(expected, type):
        with pytest.raises(expected):
            s.execute_complete(make_context(), event)
    else:
        assert s.execute_complete(make_context(), event) == expected
