"""Waiting on the emulator's full carrier-order timeline, certification steps included."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_sinch.emulator.core import DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, DEFAULT_PROJECT_ID
from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
from airflow_provider_sinch.sensors.short_code import (
    SinchShortCodeCampaignStatusSensor,
    SinchShortCodeCarrierOrderSensor,
)
from tests.conftest import FakeTI, set_connection

STEP = 1000.0
READY = {
    "name": "Live wait",
    "trafficCharge": "STANDARD",
    "scRequested": True,
    "brandId": "B1",
    "carrierIds": ["1", "3"],
    "complianceEmails": ["c@x.example"],
    "customerCare": {"optOutKeywords": "STOP"},
    "contentDefinitions": [{"messageType": "SMS"}],
    "termsAndConditions": {"url": "https://x.example/terms"},
    "privacyPolicy": {"text": "We never share data."},
}


@pytest.fixture
def campaign_id(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    # Steps far longer than the test: only ``advance`` moves the timeline.
    emulator.state.config.review_step_seconds = STEP
    set_connection(
        monkeypatch,
        "sinch_short_code_default",
        conn_type="sinch_us_short_code",
        host=emulator.url,
        login=DEFAULT_KEY_ID,
        password=DEFAULT_KEY_SECRET,
        extra={"project_id": DEFAULT_PROJECT_ID, "token_url": f"{emulator.url}/oauth2/token"},
    )
    hook = SinchShortCodeHook()
    campaign = hook.create_campaign(READY)
    hook.submit_campaign(campaign["id"])
    return str(campaign["id"])


def test_the_carrier_order_sensor_waits_through_every_certification_step(emulator, campaign_id):
    sensor = SinchShortCodeCarrierOrderSensor(task_id="orders", campaign_id=campaign_id, poke_interval=1)
    context = {"ti": FakeTI()}
    seen = []
    for _ in range(12):
        result = sensor.poke(context)
        campaign = emulator.state.apis["short_code"].campaigns[campaign_id]
        seen.append((sorted({o["status"] for o in campaign["carrierOrders"]}), bool(result)))
        if result:
            break
        emulator.advance(STEP)

    assert seen == [
        (["PENDING"], False),
        (["PENDING"], False),
        (["PENDING"], False),
        (["SUBMITTED"], False),
        (["APPROVED"], False),
        (["PROVISIONED_BY_CARRIER"], False),
        (["PROVISIONED_BY_SINCH"], False),
        (["CLIENT_CERTIFICATION_REQUESTED"], False),
        (["CARRIER_CERTIFICATION_REQUESTED"], False),
        (["CERTIFIED"], True),
    ]
    assert {o["status"] for o in result.xcom_value["carrierOrders"]} == {"CERTIFIED"}


def test_a_sensor_can_stop_at_an_intermediate_certification_status(emulator, campaign_id):
    sensor = SinchShortCodeCarrierOrderSensor(
        task_id="orders",
        campaign_id=campaign_id,
        target_statuses=["CLIENT_CERTIFICATION_REQUESTED"],
        carrier_ids=["3"],
    )
    emulator.advance(STEP * 6)
    assert not sensor.poke({"ti": FakeTI()})

    emulator.advance(STEP)
    result = sensor.poke({"ti": FakeTI()})

    assert result
    assert [(o["carrierId"], o["status"]) for o in result.xcom_value["carrierOrders"]] == [
        ("3", "CLIENT_CERTIFICATION_REQUESTED")
    ]


def test_the_campaign_completes_only_after_carrier_certification(emulator, campaign_id):
    sensor = SinchShortCodeCampaignStatusSensor(task_id="campaign", campaign_id=campaign_id)
    emulator.advance(STEP * 8)
    assert not sensor.poke({"ti": FakeTI()})
    emulator.advance(STEP)
    assert sensor.poke({"ti": FakeTI()})
