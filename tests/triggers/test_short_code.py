"""US Short Code triggers: the async twins of the sensors, tested with httpx.MockTransport."""

from __future__ import annotations

import asyncio
import base64
import json
import time

import httpx
from airflow.sdk import BaseHook, Connection

from airflow_provider_sinch._auth import OAuth2ClientCredentials
from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
from airflow_provider_sinch.triggers.short_code import (
    SinchShortCodeCampaignStatusTrigger,
    SinchShortCodeCarrierOrderTrigger,
)
from tests.conftest import KEY_ID, KEY_SECRET, PROJECT_ID, SHORT_CODE_HOST, TOKEN_URL, drive_trigger

CID = "20001"
PATH = f"/v1/projects/{PROJECT_ID}/campaigns/{CID}"
NOTE = {"author": "AGENT", "text": "Attach the opt-in screenshot.", "createdAt": "2026-03-02T00:00:00Z"}


def server(answers: list, seen: list) -> httpx.MockTransport:
    """A mock Short Code API and OAuth2 server: a token, then each campaign answer in turn."""
    pending = iter(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if str(request.url) == TOKEN_URL:
            return httpx.Response(200, json={"access_token": "tok-async", "expires_in": 3600})
        answer = next(pending)
        if isinstance(answer, int):
            return httpx.Response(
                answer,
                json={
                    "error": {"code": answer, "message": "Campaign 20001 not found", "status": "NOT_FOUND"}
                },
            )
        return httpx.Response(200, json={"id": CID, **answer})

    return httpx.MockTransport(handle)


def run_trigger(trigger, transport: httpx.MockTransport, monkeypatch) -> list[dict]:
    conn = Connection(
        conn_id="sc",
        conn_type="sinch_us_short_code",
        host=SHORT_CODE_HOST,
        login=KEY_ID,
        password=KEY_SECRET,
        extra=json.dumps({"project_id": PROJECT_ID, "token_url": TOKEN_URL}),
    )

    return drive_trigger(trigger, conn, transport, monkeypatch)


def campaign_trigger(**kwargs) -> SinchShortCodeCampaignStatusTrigger:
    return SinchShortCodeCampaignStatusTrigger(
        campaign_id=CID, project_id=PROJECT_ID, sinch_conn_id="sc", poll_interval=1, **kwargs
    )


def orders_trigger(**kwargs) -> SinchShortCodeCarrierOrderTrigger:
    return SinchShortCodeCarrierOrderTrigger(
        campaign_id=CID, project_id=PROJECT_ID, sinch_conn_id="sc", poll_interval=1, **kwargs
    )


def order(carrier_id, status):
    return {
        "carrierOrderId": f"o{carrier_id}",
        "carrierId": carrier_id,
        "carrierName": "AT&T",
        "status": status,
    }


class TestCampaignStatusTrigger:
    def test_polls_until_completed(self, monkeypatch):
        seen: list = []
        answers = [
            {"status": "PENDING_REVIEW"},
            {"status": "SOMETHING_NEW"},
            {"status": "COMPLETED", "name": "A"},
        ]

        events = run_trigger(campaign_trigger(), server(answers, seen), monkeypatch)

        assert events == [
            {
                "status": "success",
                "api_status": "COMPLETED",
                "message": f"Short code campaign {CID} is 'COMPLETED'",
                "resource": f"Short code campaign {CID}",
                "xcom": {
                    "id": CID,
                    "name": "A",
                    "status": "COMPLETED",
                    "shortCodes": None,
                    "carrierOrders": [],
                },
                "campaign_id": CID,
                "project_id": PROJECT_ID,
            }
        ]
        json.dumps(events)  # JSON-safe
        token, *gets = seen
        expected_basic = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        assert token.headers["Authorization"] == f"Basic {expected_basic}"
        assert [(r.method, r.url.path) for r in gets] == [("GET", PATH)] * 3
        assert {r.headers["Authorization"] for r in gets} == {"Bearer tok-async"}

    def test_failure_event_quotes_the_notes(self, monkeypatch):
        answers = [{"status": "AWAITING_CLIENT_UPDATE", "notes": [NOTE]}]

        (event,) = run_trigger(campaign_trigger(), server(answers, []), monkeypatch)

        assert event["status"] == "failure"
        assert event["api_status"] == "AWAITING_CLIENT_UPDATE"
        assert event["message"].endswith(
            "latest notes: AGENT at 2026-03-02T00:00:00Z: Attach the opt-in screenshot."
        )

    def test_custom_targets(self, monkeypatch):
        trigger = campaign_trigger(
            target_statuses=["READY_CARRIER_SUBMISSION"], failure_statuses=["CANCELLED"]
        )
        (event,) = run_trigger(trigger, server([{"status": "READY_CARRIER_SUBMISSION"}], []), monkeypatch)
        assert event["status"] == "success"

    def test_deadline_ends_with_a_timeout_event(self, monkeypatch):
        trigger = campaign_trigger(end_time=time.time() - 1)

        (event,) = run_trigger(trigger, server([{"status": "REVIEWING"}], []), monkeypatch)

        assert event == {
            "status": "error",
            "timeout": True,
            "resource": f"Short code campaign {CID}",
            "api_status": "REVIEWING",
            "message": f"Short code campaign {CID} is 'REVIEWING', waiting for ['COMPLETED']",
            "campaign_id": CID,
            "project_id": PROJECT_ID,
        }

    def test_not_found_ends_with_an_error_event(self, monkeypatch):
        (event,) = run_trigger(campaign_trigger(), server([404], []), monkeypatch)
        assert event["status"] == "error"
        assert "HTTP 404: NOT_FOUND: Campaign 20001 not found" in event["message"]

    def test_transient_server_errors_are_waited_out(self, monkeypatch):
        answers = [503] * 4 + [{"status": "COMPLETED"}]  # 1 try + 3 retries (the connection's max) fail
        (event,) = run_trigger(
            campaign_trigger(hook_params={"max_retries": 3}), server(answers, []), monkeypatch
        )
        assert event["status"] == "success"

    def test_serialize_round_trip(self):
        trigger = campaign_trigger(end_time=123.0, hook_params={"timeout": 5})

        path, kwargs = trigger.serialize()

        assert path == "airflow_provider_sinch.triggers.short_code.SinchShortCodeCampaignStatusTrigger"
        assert kwargs["target_statuses"] == ["COMPLETED"]
        assert sorted(kwargs["failure_statuses"]) == ["AWAITING_CLIENT_UPDATE", "CANCELLED", "DEPROVISIONED"]
        assert SinchShortCodeCampaignStatusTrigger(**kwargs).serialize() == (path, kwargs)


class TestCarrierOrderTrigger:
    def test_polls_until_every_order_is_certified(self, monkeypatch):
        answers = [
            {"status": "CARRIER_SUBMITTED", "carrierOrders": [order("1", "SUBMITTED")]},
            {"status": "COMPLETED", "carrierOrders": [order("1", "CERTIFIED")]},
        ]

        (event,) = run_trigger(orders_trigger(), server(answers, []), monkeypatch)

        assert event["status"] == "success"
        assert event["xcom"]["carrierOrders"] == [order("1", "CERTIFIED")]

    def test_rejection_names_the_carrier(self, monkeypatch):
        answers = [
            {
                "status": "CARRIER_SUBMITTED",
                "carrierOrders": [order("1", "REJECTED"), order("2", "CERTIFIED")],
            }
        ]

        (event,) = run_trigger(orders_trigger(carrier_ids=["1", "2"]), server(answers, []), monkeypatch)

        assert event["status"] == "failure"
        assert event["api_status"] == "REJECTED"
        assert event["message"] == "AT&T (carrier 1), order o1 is 'REJECTED'"

    def test_serialize_round_trip(self):
        trigger = orders_trigger(carrier_ids=["1"], target_statuses=["CERTIFIED", "PROVISIONED_BY_SINCH"])
        path, kwargs = trigger.serialize()
        assert kwargs["carrier_ids"] == ["1"]
        assert SinchShortCodeCarrierOrderTrigger(**kwargs).serialize() == (path, kwargs)


def test_connection_fetched_without_blocking_through_aget_connection(monkeypatch, short_code_conn):
    calls = []
    original = BaseHook.aget_connection

    async def spy(conn_id):
        calls.append(conn_id)
        return await original(conn_id)

    monkeypatch.setattr(BaseHook, "aget_connection", spy)
    trigger = SinchShortCodeCampaignStatusTrigger(
        campaign_id=CID, project_id=PROJECT_ID, sinch_conn_id=short_code_conn
    )

    async def build():
        transport = await trigger._transport()
        await transport.aclose()
        return transport

    transport = asyncio.run(build())

    assert calls == [short_code_conn]
    assert transport.base_url == SHORT_CODE_HOST
    assert isinstance(transport.auth, OAuth2ClientCredentials)
    assert transport.auth.token_url == TOKEN_URL


def test_operator_and_sensor_modules_do_not_import_triggers():
    """DAG parsing stays cheap: trigger modules are imported only when deferring."""
    import subprocess
    import sys

    # Modules Airflow's own authoring classes load do not count (Airflow 3.1's BaseOperator loads
    # airflow.triggers and fastapi itself): only what importing this provider adds.
    code = (
        "import sys\n"
        "from airflow.sdk import BaseHook, BaseOperator, BaseSensorOperator\n"
        "before = set(sys.modules)\n"
        "import airflow_provider_sinch.operators.short_code, airflow_provider_sinch.sensors.short_code\n"
        "heavy = ('airflow.triggers', 'airflow_provider_sinch.triggers', 'fastapi')\n"
        "print(sorted(m for m in set(sys.modules) - before if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_trigger_against_the_emulator(emulator, monkeypatch):
    """No mocks: the connection from the environment, OAuth2 and the campaign from the emulator."""
    from airflow_provider_sinch.emulator.core import DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, DEFAULT_PROJECT_ID
    from tests.conftest import set_connection

    set_connection(
        monkeypatch,
        "sc_emulator",
        conn_type="sinch_us_short_code",
        host=emulator.url,
        login=DEFAULT_KEY_ID,
        password=DEFAULT_KEY_SECRET,
        extra={"project_id": DEFAULT_PROJECT_ID, "token_url": f"{emulator.url}/oauth2/token"},
    )
    hook = SinchShortCodeHook("sc_emulator")
    campaign = hook.create_campaign(
        {
            "name": "Trigger test",
            "trafficCharge": "STANDARD",
            "scRequested": True,
            "brandId": "B1",
            "carrierIds": ["1"],
            "complianceEmails": ["c@x.example"],
            "customerCare": {"email": "care@x.example"},
            "contentDefinitions": [{"messageType": "SMS"}],
            "termsAndConditions": {"url": "https://x.example/t"},
            "privacyPolicy": {"url": "https://x.example/p"},
        }
    )
    hook.submit_campaign(campaign["id"])
    emulator.advance(60)
    trigger = SinchShortCodeCarrierOrderTrigger(
        campaign_id=campaign["id"],
        project_id=DEFAULT_PROJECT_ID,
        sinch_conn_id="sc_emulator",
        poll_interval=0,
    )

    async def collect():
        return [event.payload async for event in trigger.run()]

    (event,) = asyncio.run(collect())

    assert event["status"] == "success"
    assert [o["status"] for o in event["xcom"]["carrierOrders"]] == ["CERTIFIED"]
