"""10DLC triggers: async polling through httpx (MockTransport), same decisions as the sync paths."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from airflow_provider_sinch import connections
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger, Sinch10DLCResubmitTrigger
from tests.conftest import KEY_ID, KEY_SECRET, PROJECT_ID, TOKEN_URL, set_connection

REG_ID = "01HZX3J6M5Q8R7T2V9W4Y6Z8AB"
GET_PATH = f"/v1/projects/{PROJECT_ID}/campaignRegistrations/{REG_ID}"
FEEDBACK_PATH = f"{GET_PATH}/feedback"

Answer = dict[str, Any]


class FakeSinch:
    """An httpx handler: the token endpoint, then the answers queued per path, in order."""

    def __init__(self, answers: dict[str, list[Answer]]) -> None:
        self.answers = {path: list(queue) for path, queue in answers.items()}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if str(request.url) == TOKEN_URL:
            return httpx.Response(200, json={"access_token": "async-token", "expires_in": 3600})
        queue = self.answers[request.url.path]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return httpx.Response(answer.get("status", 200), json=answer.get("json", {}))

    def api_requests(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests if str(r.url) != TOKEN_URL]


@pytest.fixture
def sinch(
    monkeypatch: pytest.MonkeyPatch, ten_dlc_conn: str
) -> Callable[[dict[str, list[Answer]]], FakeSinch]:
    """Route the trigger's real AsyncTransport (built from the real connection) to a FakeSinch."""

    def install(answers: dict[str, list[Answer]]) -> FakeSinch:
        fake = FakeSinch(answers)
        build = connections.TEN_DLC.async_transport

        def patched(conn: Any, hook_params: Any = None, *, mock_transport: Any = None, **options: Any) -> Any:
            return build(conn, hook_params, mock_transport=httpx.MockTransport(fake), **options)

        monkeypatch.setattr(connections.TEN_DLC, "async_transport", patched)
        return fake

    return install


def run(trigger: Any) -> dict[str, Any]:
    """The first (and only) event of a trigger."""

    async def first() -> dict[str, Any]:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("the trigger ended without an event")

    return asyncio.run(first())


def status_trigger(**kwargs: Any) -> Sinch10DLCCampaignStatusTrigger:
    return Sinch10DLCCampaignStatusTrigger(
        campaign_registration_id=REG_ID,
        project_id=PROJECT_ID,
        sinch_conn_id="sinch_10dlc_default",
        poll_interval=0,
        **kwargs,
    )


def registration(status: str, **fields: Any) -> Answer:
    return {"json": {"campaignRegistrationId": REG_ID, "status": status, **fields}}


def test_serialize_round_trips() -> None:
    trigger = status_trigger(target_statuses=("ACTIVE",), end_time=123.0, hook_params={"timeout": 5})

    path, kwargs = trigger.serialize()

    assert path == "airflow_provider_sinch.triggers.ten_dlc.Sinch10DLCCampaignStatusTrigger"
    assert kwargs == {
        "campaign_registration_id": REG_ID,
        "project_id": PROJECT_ID,
        "target_statuses": ["ACTIVE"],
        "sinch_conn_id": "sinch_10dlc_default",
        "poll_interval": 0.0,
        "end_time": 123.0,
        "hook_params": {"timeout": 5},
    }
    assert Sinch10DLCCampaignStatusTrigger(**kwargs).serialize() == (path, kwargs)


def test_polls_until_approved_with_a_bearer_token(sinch: Callable[..., FakeSinch]) -> None:
    fake = sinch(
        {
            GET_PATH: [
                registration("SINCH_REVIEW"),
                registration("SUBMITTED"),
                registration("APPROVED", campaignId="CX1"),
            ]
        }
    )

    event = run(status_trigger())

    assert event == {
        "status": "success",
        "api_status": "APPROVED",
        "message": f"10DLC campaign registration {REG_ID} is APPROVED (TCR campaign CX1)",
        "resource": f"10DLC campaign registration {REG_ID}",
        "xcom": {"campaignRegistrationId": REG_ID, "campaignId": "CX1", "status": "APPROVED"},
        "campaign_registration_id": REG_ID,
        "project_id": PROJECT_ID,
    }
    assert fake.api_requests() == [f"GET {GET_PATH}"] * 3
    assert {r.headers["Authorization"] for r in fake.requests if r.url.path == GET_PATH} == {
        "Bearer async-token"
    }


def test_a_rejection_ends_with_the_feedback_reasons(sinch: Callable[..., FakeSinch]) -> None:
    fake = sinch(
        {
            GET_PATH: [registration("REJECTED")],
            FEEDBACK_PATH: [
                {"json": {"tcrErrorResponse": [{"code": 502, "description": "vague description"}]}}
            ],
        }
    )

    event = run(status_trigger())

    assert event["status"] == "failure"
    assert event["api_status"] == "REJECTED"
    assert event["message"] == "Sinch feedback: TCR errors: [502] vague description"
    assert fake.api_requests() == [f"GET {GET_PATH}", f"GET {FEEDBACK_PATH}"]


def test_basic_auth_sends_the_key_pair(
    sinch: Callable[..., FakeSinch], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(
        monkeypatch,
        "sinch_10dlc_basic",
        conn_type="sinch_10dlc",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, "auth": "basic"},
    )
    fake = sinch({GET_PATH: [registration("ACTIVE")]})
    trigger = Sinch10DLCCampaignStatusTrigger(
        campaign_registration_id=REG_ID, project_id=PROJECT_ID, sinch_conn_id="sinch_10dlc_basic"
    )

    assert run(trigger)["status"] == "success"
    expected = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
    assert [r.headers["Authorization"] for r in fake.requests] == [expected]


def test_a_transient_error_is_waited_out(sinch: Callable[..., FakeSinch], slept: list[float]) -> None:
    fake = sinch(
        {
            GET_PATH: [
                {"status": 503, "json": {"code": 14, "message": "unavailable"}},
                {"status": 503, "json": {"code": 14, "message": "unavailable"}},
                {"status": 503, "json": {"code": 14, "message": "unavailable"}},
                {"status": 503, "json": {"code": 14, "message": "unavailable"}},
                registration("ACTIVE"),
            ]
        }
    )

    assert run(status_trigger())["status"] == "success"
    assert len(fake.api_requests()) == 5


def test_a_lasting_client_error_ends_with_an_error_event(sinch: Callable[..., FakeSinch]) -> None:
    sinch({GET_PATH: [{"status": 404, "json": {"code": 5, "message": "campaign registration not found"}}]})

    event = run(status_trigger())

    assert event["status"] == "error"
    assert "HTTP 404: campaign registration not found" in event["message"]
    assert event["campaign_registration_id"] == REG_ID


def test_the_deadline_ends_the_wait_with_a_timeout_event(sinch: Callable[..., FakeSinch]) -> None:
    fake = sinch({GET_PATH: [registration("SINCH_REVIEW")]})

    event = run(status_trigger(end_time=time.time() - 1))

    assert event["status"] == "error"
    assert event["timeout"] is True
    assert len(fake.api_requests()) == 1


@pytest.mark.parametrize(
    ("answers", "status", "message"),
    [
        pytest.param(
            {
                GET_PATH: [
                    registration("ACTIVE", lastActionStatus="RESUBMIT_IN_PROGRESS"),
                    registration("ACTIVE", lastActionStatus="RESUBMIT_SUCCESSFUL"),
                ]
            },
            "success",
            "is RESUBMIT_SUCCESSFUL",
            id="successful",
        ),
        pytest.param(
            {
                GET_PATH: [registration("ACTIVE", lastActionStatus="RESUBMIT_FAILED")],
                FEEDBACK_PATH: [{"json": {"tcrErrorResponse": [{"description": "class unchanged"}]}}],
            },
            "failure",
            "Sinch feedback: TCR errors: class unchanged",
            id="failed",
        ),
    ],
)
def test_resubmit_trigger(sinch: Callable[..., FakeSinch], answers: Any, status: str, message: str) -> None:
    sinch(answers)
    trigger = Sinch10DLCResubmitTrigger(
        campaign_registration_id=REG_ID,
        project_id=PROJECT_ID,
        sinch_conn_id="sinch_10dlc_default",
        poll_interval=0,
    )

    event = run(trigger)

    assert event["status"] == status
    assert message in event["message"]
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_sinch.triggers.ten_dlc.Sinch10DLCResubmitTrigger"
    assert Sinch10DLCResubmitTrigger(**kwargs).serialize() == (path, kwargs)
