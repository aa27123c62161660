"""A wait that reaches its timeout ends the same way in poke, reschedule and deferrable mode, for the
sensors of all three APIs and the operators that wait: a ``SinchWaitTimeout`` (an
``AirflowSensorTimeout``, so Airflow does not retry the wait) whose message names the resource and
its last status, word for word the same in every mode."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from airflow_provider_sinch._compat import AirflowSensorTimeout
from airflow_provider_sinch.exceptions import SinchWaitTimeout
from tests.conftest import (
    CAMPAIGN_HOST,
    PROJECT_ID,
    SHORT_CODE_HOST,
    TEN_DLC_HOST,
    WAITED_CAMPAIGN_ID,
    WAITED_REGISTRATION_ID,
    WAITED_SHORT_CODE_ID,
    answer_tokens,
    drive_trigger,
    status_sensor,
)

CID = WAITED_CAMPAIGN_ID
SC_ID = WAITED_SHORT_CODE_ID
REG_ID = WAITED_REGISTRATION_ID


@dataclass
class Api:
    name: str
    conn_fixture: str
    url: str
    body: dict[str, Any]
    expected: str

    def sensor(self, **kwargs: Any) -> Any:
        return status_sensor(self.name, **kwargs)


APIS = [
    Api(
        "campaign",
        "campaign_conn",
        f"{CAMPAIGN_HOST}/v1/campaigns/{CID}",
        {"success": True, "campaign": {"id": CID, "status": "scheduled"}},
        f"Timed out waiting on Campaign {CID} (last status 'scheduled'): "
        f"Campaign {CID} is 'scheduled', waiting for ['sent']",
    ),
    Api(
        "short_code",
        "short_code_conn",
        f"{SHORT_CODE_HOST}/v1/projects/{PROJECT_ID}/campaigns/{SC_ID}",
        {"id": SC_ID, "status": "REVIEWING"},
        f"Timed out waiting on Short code campaign {SC_ID} (last status 'REVIEWING'): "
        f"Short code campaign {SC_ID} is 'REVIEWING', waiting for ['COMPLETED']",
    ),
    Api(
        "ten_dlc",
        "ten_dlc_conn",
        f"{TEN_DLC_HOST}/v1/projects/{PROJECT_ID}/campaignRegistrations/{REG_ID}",
        {"campaignRegistrationId": REG_ID, "status": "SINCH_REVIEW"},
        f"Timed out waiting on 10DLC campaign registration {REG_ID} (last status 'SINCH_REVIEW'): "
        f"10DLC campaign registration {REG_ID} is SINCH_REVIEW, waiting for ['APPROVED', 'ACTIVE']",
    ),
]


def timeout_of(mode: str, api: Api, request: Any, monkeypatch: pytest.MonkeyPatch, make_context: Any) -> Any:
    request.getfixturevalue(api.conn_fixture)
    if mode == "deferrable":
        sensor = api.sensor()
        # The trigger reaches its deadline in the triggerer; the task resumes with its event.
        trigger = sensor.build_trigger(end_time=time.time() - 1)

        def answer(req: httpx.Request) -> httpx.Response:
            if req.url.path in ("/oauth2/token", "/v1/token"):
                return httpx.Response(
                    200, json={"access_token": "t", "expires_in": 3600, "expires": "2099-01-01"}
                )
            return httpx.Response(200, json=api.body)

        conn = sensor.hook.connection
        (event,) = drive_trigger(trigger, conn, httpx.MockTransport(answer), monkeypatch)
        with pytest.raises(SinchWaitTimeout) as info:
            sensor.execute_complete(make_context(), event)
        return info.value
    requests_mock = request.getfixturevalue("requests_mock")
    answer_tokens(requests_mock)
    requests_mock.get(api.url, json=api.body)
    monkeypatch.setattr("airflow.sdk.bases.sensor.time.sleep", lambda s: None)
    sensor = api.sensor(mode=mode, timeout=0, poke_interval=1)
    with pytest.raises(SinchWaitTimeout) as info:
        sensor.execute(make_context())
    return info.value


@pytest.mark.parametrize("api", APIS, ids=[a.name for a in APIS])
@pytest.mark.parametrize("mode", ["poke", "reschedule", "deferrable"])
def test_a_timed_out_wait_fails_without_retry_naming_resource_and_last_status(
    mode: str, api: Api, request: Any, monkeypatch: pytest.MonkeyPatch, make_context: Any
) -> None:
    error = timeout_of(mode, api, request, monkeypatch, make_context)
    assert isinstance(error, AirflowSensorTimeout)  # the task runner fails it, no retry
    assert str(error) == api.expected
