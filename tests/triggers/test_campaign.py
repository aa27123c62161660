"""SinchCampaignStatusTrigger: the async twin of the sensor, tested with httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
from airflow.sdk import BaseHook, Connection

from airflow_provider_sinch.triggers.campaign import SinchCampaignStatusTrigger
from tests.conftest import CAMPAIGN_HOST, SECRET_KEY, drive_trigger

CID = "c2d2f656-09f4-4e26-b9f3-92c14e15116d"


def server(statuses: list, seen: list):
    """A mock Campaign API: a token, then the campaign with each status in turn."""
    answers = iter(statuses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/v1/token":
            return httpx.Response(200, json={"access_token": "tok-async", "expires": "2099-01-01T00:00:00"})
        answer = next(answers)
        if isinstance(answer, int):
            return httpx.Response(answer, json={"success": False, "errors": "nope"})
        return httpx.Response(200, json={"success": True, "campaign": {"id": CID, "status": answer}})

    return httpx.MockTransport(handle)


def run_trigger(
    trigger: SinchCampaignStatusTrigger, transport: httpx.MockTransport, monkeypatch
) -> list[dict]:
    conn = Connection(conn_id="c", conn_type="sinch_campaign", host=CAMPAIGN_HOST, password=SECRET_KEY)
    return drive_trigger(trigger, conn, transport, monkeypatch)


def make(**kwargs) -> SinchCampaignStatusTrigger:
    return SinchCampaignStatusTrigger(campaign_id=CID, sinch_conn_id="c", poll_interval=1, **kwargs)


def test_polls_until_sent(monkeypatch):
    seen: list = []
    events = run_trigger(make(), server(["scheduled", "sending", "sent"], seen), monkeypatch)
    assert events == [
        {
            "status": "success",
            "api_status": "sent",
            "message": f"Campaign {CID} is 'sent'",
            "resource": f"Campaign {CID}",
            "xcom": {
                "id": CID,
                "status": "sent",
                "send_date": None,
                "contact_count": None,
                "tag": None,
                "name": None,
            },
            "campaign_id": CID,
        }
    ]
    gets = [r for r in seen if r.method == "GET"]
    assert [r.url.path for r in gets] == [f"/v1/campaigns/{CID}"] * 3
    assert all(r.headers["Authorization"] == "Bearer tok-async" for r in gets)
    assert sum(r.url.path == "/v1/token" for r in seen) == 1
    assert json.loads(json.dumps(events))  # JSON-safe


def test_transient_5xx_is_waited_out(monkeypatch):
    seen: list = []
    # max_retries=0 so the transport gives up at once and the trigger waits for the next poll.
    trigger = make(hook_params={"max_retries": 0})
    events = run_trigger(trigger, server([503, "sent"], seen), monkeypatch)
    assert events[0]["status"] == "success"


def test_not_found_ends_with_error_event(monkeypatch):
    events = run_trigger(make(), server([404], []), monkeypatch)
    assert events[0]["status"] == "error"
    assert "HTTP 404" in events[0]["message"]
    assert events[0]["campaign_id"] == CID


def test_deadline_ends_with_timeout_event(monkeypatch):
    events = run_trigger(make(end_time=time.time() - 1), server(["sending"], []), monkeypatch)
    assert events[0]["status"] == "error"
    assert events[0]["timeout"] is True


def test_serialize_round_trip():
    trigger = make(target_statuses=["scheduled"], end_time=123.0, hook_params={"timeout": 5})
    path, kwargs = trigger.serialize()
    again = SinchCampaignStatusTrigger(**kwargs)
    assert again.serialize() == (path, kwargs)
    assert kwargs == {
        "campaign_id": CID,
        "target_statuses": ["scheduled"],
        "sinch_conn_id": "c",
        "poll_interval": 1.0,
        "end_time": 123.0,
        "hook_params": {"timeout": 5},
    }


def test_connection_fetched_without_blocking_through_aget_connection(monkeypatch, campaign_conn):
    """The real ``_transport`` uses ``aget_connection`` (no sync hook in the event loop)."""
    calls = []
    original = BaseHook.aget_connection

    async def spy(conn_id):
        calls.append(conn_id)
        return await original(conn_id)

    monkeypatch.setattr(BaseHook, "aget_connection", spy)
    trigger = SinchCampaignStatusTrigger(campaign_id=CID, sinch_conn_id=campaign_conn)

    async def build():
        transport = await trigger._transport()
        await transport.aclose()
        return transport

    transport = asyncio.run(build())
    assert calls == [campaign_conn]
    assert transport.base_url == CAMPAIGN_HOST
