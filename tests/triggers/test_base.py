"""The polling trigger every Sinch wait shares: one event, transient errors waited out, deadline honoured."""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from typing import Any

import pytest
from airflow.sdk import BaseHook

from airflow_provider_sinch import connections
from airflow_provider_sinch.exceptions import (
    SinchAuthError,
    SinchNotFoundError,
    SinchRateLimitError,
    SinchServerError,
    SinchTransportError,
)
from airflow_provider_sinch.statuses import PollResult
from airflow_provider_sinch.triggers import base as trigger_base
from airflow_provider_sinch.triggers.base import SinchPollingTrigger
from tests.conftest import CAMPAIGN_HOST, SECRET_KEY

CID = "c-123"
PENDING = PollResult(
    "pending", "sending", "Campaign c-123 is 'sending', waiting for ['sent']", "Campaign c-123"
)
SUCCESS = PollResult("success", "sent", "Campaign c-123 is 'sent'", "Campaign c-123", xcom={"id": CID})
FAILURE = PollResult("failure", "draft", "draft with validation errors: sender: too long", "Campaign c-123")


class ScriptedTrigger(SinchPollingTrigger):
    """A concrete trigger whose ``poll`` returns (or raises) scripted results in order."""

    connection_kind = connections.CAMPAIGN

    def __init__(self, *, campaign_id: str, target_statuses: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.target_statuses = list(target_statuses or ["sent"])
        self.script: list[PollResult | Exception] = []
        self.polled_with: list[Any] = []

    def ids(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id}

    def extra_kwargs(self) -> dict[str, Any]:
        return {"target_statuses": self.target_statuses}

    def operation(self) -> Any:
        raise AssertionError("poll is scripted")

    async def poll(self, transport: Any) -> PollResult:
        self.polled_with.append(transport)
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


class FakeTransport:
    def __init__(self) -> None:
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The trigger's waits between polls; nothing really sleeps."""
    waited: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waited.append(seconds)

    monkeypatch.setattr(trigger_base.asyncio, "sleep", no_sleep)
    return waited


@pytest.fixture
def transport() -> FakeTransport:
    return FakeTransport()


def make_trigger(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, script: list[Any], **kwargs: Any
) -> ScriptedTrigger:
    trigger = ScriptedTrigger(campaign_id=CID, sinch_conn_id="sinch_campaign_default", **kwargs)
    trigger.script = list(script)

    async def fake_transport() -> FakeTransport:
        return transport

    monkeypatch.setattr(trigger, "_transport", fake_transport)
    return trigger


def run_trigger(trigger: SinchPollingTrigger) -> list[dict[str, Any]]:
    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())


def test_pending_then_success_yields_one_success_event(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, sleeps: list[float]
) -> None:
    trigger = make_trigger(monkeypatch, transport, [PENDING, PENDING, SUCCESS], poll_interval=30)

    events = run_trigger(trigger)

    assert events == [
        {
            "status": "success",
            "api_status": "sent",
            "message": "Campaign c-123 is 'sent'",
            "resource": "Campaign c-123",
            "xcom": {"id": CID},
            "campaign_id": CID,
        }
    ]
    json.dumps(events[0])
    assert sleeps == [30.0, 30.0]
    assert trigger.polled_with == [transport] * 3
    assert transport.closed == 1


def test_failure_yields_one_failure_event(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, sleeps: list[float]
) -> None:
    events = run_trigger(make_trigger(monkeypatch, transport, [FAILURE]))
    assert events == [FAILURE.to_event(campaign_id=CID)]
    assert events[0]["status"] == "failure"
    assert sleeps == []
    assert transport.closed == 1


@pytest.mark.parametrize(
    "error",
    [
        SinchServerError("GET /v1/campaigns/c-123 failed with HTTP 503: down", status_code=503),
        SinchRateLimitError("slow down", status_code=429),
        SinchTransportError("GET /v1/campaigns/c-123 failed after 3 retries", maybe_delivered=True),
    ],
    ids=["server-error", "rate-limit", "transport-error"],
)
def test_transient_error_is_waited_out(
    monkeypatch: pytest.MonkeyPatch,
    transport: FakeTransport,
    sleeps: list[float],
    capsys: pytest.CaptureFixture[str],
    error: Exception,
) -> None:
    trigger = make_trigger(monkeypatch, transport, [error, SUCCESS], poll_interval=10)

    events = run_trigger(trigger)

    assert [e["status"] for e in events] == ["success"]
    assert sleeps == [10.0]
    # Triggers log through Airflow's structlog logger, which writes to the captured stdout.
    assert f"will try again at the next poll: {error}" in capsys.readouterr().out
    assert transport.closed == 1


@pytest.mark.parametrize(
    "error",
    [
        SinchAuthError("GET /v1/campaigns/c-123 failed with HTTP 401: Invalid access token", status_code=401),
        SinchNotFoundError("no such campaign", status_code=404),
    ],
    ids=["auth", "not-found"],
)
def test_lasting_error_yields_error_event(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, sleeps: list[float], error: Exception
) -> None:
    trigger = make_trigger(monkeypatch, transport, [PENDING, error, SUCCESS])

    events = run_trigger(trigger)

    assert events == [{"status": "error", "message": str(error), "campaign_id": CID}]
    assert len(sleeps) == 1
    assert trigger.script == [SUCCESS]  # no poll after the error
    assert transport.closed == 1


def test_unexpected_exception_propagates_and_closes(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, sleeps: list[float]
) -> None:
    trigger = make_trigger(monkeypatch, transport, [KeyError("status")])
    with pytest.raises(KeyError):
        run_trigger(trigger)
    assert transport.closed == 1


def test_end_time_in_the_past_yields_timeout_event(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, sleeps: list[float]
) -> None:
    trigger = make_trigger(monkeypatch, transport, [PENDING, SUCCESS], end_time=time.time() - 1)

    events = run_trigger(trigger)

    assert events == [
        {
            "status": "error",
            "timeout": True,
            "resource": "Campaign c-123",
            "api_status": "sending",
            "message": "Campaign c-123 is 'sending', waiting for ['sent']",
            "campaign_id": CID,
        }
    ]
    assert sleeps == []
    assert trigger.script == [SUCCESS]
    assert transport.closed == 1


def test_end_time_in_the_past_still_reports_a_finished_wait(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, sleeps: list[float]
) -> None:
    """A last check is made before giving up: a success that arrived in time is not lost."""
    events = run_trigger(make_trigger(monkeypatch, transport, [SUCCESS], end_time=time.time() - 1))
    assert [e["status"] for e in events] == ["success"]


def test_wait_never_sleeps_past_end_time(
    monkeypatch: pytest.MonkeyPatch, transport: FakeTransport, sleeps: list[float]
) -> None:
    trigger = make_trigger(
        monkeypatch, transport, [PENDING, SUCCESS], poll_interval=3600, end_time=time.time() + 5
    )
    run_trigger(trigger)
    assert len(sleeps) == 1
    assert 4.0 <= sleeps[0] <= 5.0


def test_transport_closed_when_cancelled(monkeypatch: pytest.MonkeyPatch, transport: FakeTransport) -> None:
    async def cancelled(seconds: float) -> None:
        raise asyncio.CancelledError

    monkeypatch.setattr(trigger_base.asyncio, "sleep", cancelled)
    trigger = make_trigger(monkeypatch, transport, [PENDING])
    with pytest.raises(asyncio.CancelledError):
        run_trigger(trigger)
    assert transport.closed == 1


def test_serialize_round_trips() -> None:
    trigger = ScriptedTrigger(
        campaign_id=CID,
        target_statuses=["sent", "sending"],
        sinch_conn_id="my_sinch",
        poll_interval=45,
        end_time=1_767_225_600.0,
        hook_params={"timeout": 5, "max_retries": 2},
    )

    path, kwargs = trigger.serialize()

    assert path == f"{ScriptedTrigger.__module__}.ScriptedTrigger"
    assert kwargs == {
        "campaign_id": CID,
        "target_statuses": ["sent", "sending"],
        "sinch_conn_id": "my_sinch",
        "poll_interval": 45.0,
        "end_time": 1_767_225_600.0,
        "hook_params": {"timeout": 5, "max_retries": 2},
    }
    assert json.loads(json.dumps(kwargs)) == kwargs
    module, name = path.rsplit(".", 1)
    clone = getattr(importlib.import_module(module), name)(**kwargs)
    assert clone.serialize() == (path, kwargs)


def test_serialize_defaults() -> None:
    _, kwargs = ScriptedTrigger(campaign_id=CID, sinch_conn_id="c").serialize()
    assert kwargs["poll_interval"] == 60.0
    assert kwargs["end_time"] is None
    assert kwargs["hook_params"] == {}


def test_transport_built_from_aget_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real ``_transport``: the connection fetched without blocking, hook params applied."""
    from airflow.sdk import Connection

    asked: list[str] = []

    async def aget_connection(conn_id: str) -> Connection:
        asked.append(conn_id)
        return Connection(
            conn_id=conn_id,
            conn_type="sinch_campaign",
            host=CAMPAIGN_HOST,
            password=SECRET_KEY,
            extra=json.dumps({"max_retries": 4, "timeout": 20}),
        )

    monkeypatch.setattr(BaseHook, "aget_connection", staticmethod(aget_connection))
    trigger = ScriptedTrigger(campaign_id=CID, sinch_conn_id="my_sinch", hook_params={"max_retries": 1})

    async def build() -> Any:
        transport = await trigger._transport()
        await transport.aclose()
        return transport

    transport = asyncio.run(build())
    assert asked == ["my_sinch"]
    assert transport.base_url == CAMPAIGN_HOST
    assert transport.settings.max_retries == 1  # hook_params beat the connection's extra
    assert transport.settings.timeout == 20.0
