"""Retries never duplicate work, checked against the live emulator with injected failures.

The emulator can do a request's work and then answer 5xx (``after_processing``): Sinch acted, the
client never heard. These tests run the real operators (hook, transport, HTTP) through that and
through a task retry, then count what exists at "Sinch".
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from airflow_provider_sinch.emulator.campaign import TEMPLATE_CAMPAIGN_ID
from airflow_provider_sinch.emulator.core import (
    DEFAULT_CAMPAIGN_SECRET_KEY,
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
    Fault,
)
from airflow_provider_sinch.hooks.campaign import SinchCampaignHook
from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook
from airflow_provider_sinch.operators.campaign import SinchCreateCampaignOperator, SinchSendSmsOperator
from airflow_provider_sinch.operators.short_code import SinchCreateShortCodeCampaignOperator
from airflow_provider_sinch.operators.ten_dlc import SinchSubmit10DLCCampaignOperator
from tests.conftest import set_connection
from tests.test_ten_dlc_validation import valid_campaign


@pytest.fixture
def connections(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    set_connection(
        monkeypatch,
        "sinch_campaign_default",
        conn_type="sinch_campaign",
        host=emulator.url,
        password=DEFAULT_CAMPAIGN_SECRET_KEY,
        extra={"max_retries": 2},
    )
    key_pair = {"host": emulator.url, "login": DEFAULT_KEY_ID, "password": DEFAULT_KEY_SECRET}
    oauth = {"project_id": DEFAULT_PROJECT_ID, "token_url": f"{emulator.url}/oauth2/token", "max_retries": 2}
    set_connection(
        monkeypatch, "sinch_short_code_default", conn_type="sinch_us_short_code", **key_pair, extra=oauth
    )
    set_connection(monkeypatch, "sinch_10dlc_default", conn_type="sinch_10dlc", **key_pair, extra=oauth)
    return emulator


def lose_answer(emulator: Any, method: str, path: str, status: int = 502) -> None:
    """The next matching request is carried out, then answered with ``status``."""
    emulator.state.faults.append(Fault(method, path, status, count=1, after_processing=True))


def submitted_numbers(campaign_id: str) -> Counter[str]:
    hook = SinchCampaignHook()
    campaign = hook.get_campaign(campaign_id)
    events = hook.get_campaign_log(
        campaign_id, "2000-01-01 00:00:00", "2100-01-01 00:00:00", types=["SUBMIT"]
    )
    assert campaign["id"] == campaign_id
    return Counter(e["contact"]["msisdn"] for e in events)


def create_op(**kwargs: Any) -> SinchCreateCampaignOperator:
    return SinchCreateCampaignOperator(
        task_id="create",
        template_campaign_id=TEMPLATE_CAMPAIGN_ID,
        name="Retry safety",
        contacts=[["+15550100001", "Alice"], ["+15550100002", "Bob"]],
        **kwargs,
    )


class TestCampaignApi:
    def test_create_whose_answer_is_lost_makes_one_campaign(self, connections, make_context):
        lose_answer(connections, "POST", "/v1/campaign/create")
        context = make_context()

        created = create_op().execute(context)

        same_tag = SinchCampaignHook().find_campaigns(tag=created["tag"])
        assert [c["id"] for c in same_tag] == [created["uuid"]]
        assert context["ti"].xcom["campaign_id"] == created["uuid"]

    @pytest.mark.parametrize("tag", [None, "spring-promo"], ids=["marker-tag", "user-tag"])
    def test_retried_task_returns_the_first_tries_campaign(self, connections, make_context, tag):
        first = create_op(tag=tag, send_date="2100-01-01 10:00").execute(make_context(try_number=1))
        again = create_op(tag=tag, send_date="2100-01-01 10:00").execute(make_context(try_number=2))

        assert again["uuid"] == first["uuid"]
        assert again["url"] == first["url"]
        assert len(SinchCampaignHook().find_campaigns(tag=first["tag"], name="Retry safety")) == 1

    def test_sendsms_whose_answer_is_lost_texts_everyone_once(self, connections, make_context):
        campaign = create_op().execute(make_context())["uuid"]
        lose_answer(connections, "POST", "/v1/campaign/sendsms")
        late = [["+15550100006", "Frank"], ["+15550100007", "Grace"]]

        result = SinchSendSmsOperator(task_id="send", campaign_id=campaign, contacts=late).execute(
            make_context()
        )

        assert result["sent"] == 2
        connections.advance(30)
        assert submitted_numbers(campaign) == Counter(
            {"15550100001": 1, "15550100002": 1, "15550100006": 1, "15550100007": 1}
        )

    def test_retried_send_texts_only_those_the_first_try_missed(self, connections, make_context):
        campaign = create_op().execute(make_context())["uuid"]
        everyone = [[f"+1555020{i:04d}", f"N{i}"] for i in range(1500)]
        # The first try reached the first 1000 (one batch), then its worker died.
        SinchSendSmsOperator(task_id="send", campaign_id=campaign, contacts=everyone[:1000]).execute(
            make_context(try_number=1)
        )

        result = SinchSendSmsOperator(task_id="send", campaign_id=campaign, contacts=everyone).execute(
            make_context(try_number=2)
        )

        assert result == {
            "campaign_id": campaign,
            "sent": 500,
            "skipped": 1000,
            "batches": 1,
            "duplicates_skipped": 0,
        }
        connections.advance(30)
        counts = submitted_numbers(campaign)
        assert all(counts[f"1555020{i:04d}"] == 1 for i in range(1500))


SHORT_CODE = {
    "name": "Retry safety alerts",
    "trafficCharge": "STANDARD",
    "scRequested": True,
    "brandId": "B1",
}


def test_short_code_create_whose_answer_is_lost_makes_one_draft(connections, make_context):
    lose_answer(connections, "POST", f"/v1/projects/{DEFAULT_PROJECT_ID}/campaigns")
    first = SinchCreateShortCodeCampaignOperator(task_id="create", campaign=SHORT_CODE).execute(
        make_context()
    )
    again = SinchCreateShortCodeCampaignOperator(task_id="create", campaign=SHORT_CODE).execute(
        make_context(try_number=2)
    )

    drafts = [c for c in SinchShortCodeHook().list_campaigns() if c.get("name") == SHORT_CODE["name"]]
    assert [c["id"] for c in drafts] == [first["id"]]
    assert again["id"] == first["id"]


def test_10dlc_submit_whose_answer_is_lost_registers_once(connections, make_context):
    lose_answer(connections, "POST", "campaignRegistrations:submit")
    campaign = valid_campaign(campaignName="Retry safety")

    first = SinchSubmit10DLCCampaignOperator(task_id="submit", campaign=campaign).execute(make_context())
    again = SinchSubmit10DLCCampaignOperator(task_id="submit", campaign=campaign).execute(
        make_context(try_number=2)
    )

    registrations = [r for r in Sinch10DLCHook().list_campaigns() if r.get("campaignName") == "Retry safety"]
    assert [r["campaignRegistrationId"] for r in registrations] == [first]
    assert again == first
