"""The US Short Code emulator against the document (``us-short-code-api.openapi.yaml``)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airflow_provider_sinch.callbacks import CampaignStatusUpdateEvent, verify_and_parse
from airflow_provider_sinch.emulator import create_app
from airflow_provider_sinch.emulator.core import (
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
    Clock,
    EmulatorConfig,
    EmulatorState,
)
from airflow_provider_sinch.emulator.short_code import DEFAULT_HMAC_SECRET, short_code_state

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
STEP = 5.0
BASE = f"/v1/projects/{DEFAULT_PROJECT_ID}/campaigns"
DRAFT = {"name": "Alerts", "trafficCharge": "STANDARD", "scRequested": True, "brandId": "B1"}
READY = {
    **DRAFT,
    "carrierIds": ["1", "2"],
    "complianceEmails": ["c@x.example"],
    "customerCare": {"optOutKeywords": "STOP", "helpMtText": "Help"},
    "contentDefinitions": [{"messageType": "SMS", "contentType": "CHAT", "subscriptionType": "ONE_TIME"}],
    "termsAndConditions": {"url": "https://x.example/terms"},
    "privacyPolicy": {"text": "We never share data."},
}


@pytest.fixture
def state() -> EmulatorState:
    # speed=0: emulated time only moves when a test advances it.
    return EmulatorState(EmulatorConfig(review_step_seconds=STEP), Clock(speed=0.0, start=NOW))


@pytest.fixture
def client(state: EmulatorState) -> Iterator[TestClient]:
    with TestClient(create_app(state)) as test_client:
        response = test_client.post(
            "/oauth2/token",
            auth=(DEFAULT_KEY_ID, DEFAULT_KEY_SECRET),
            data={"grant_type": "client_credentials"},
        )
        test_client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        yield test_client


@pytest.fixture
def delivered(state: EmulatorState) -> list[tuple[str, bytes, dict[str, str]]]:
    """Callbacks the emulator sends, captured instead of posted."""
    seen: list[tuple[str, bytes, dict[str, str]]] = []

    async def capture(url: str, body: bytes, headers: dict[str, str]) -> int:
        seen.append((url, body, headers))
        return 200

    short_code_state(state).sender = capture
    return seen


def create(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(BASE, json=body or READY)
    assert response.status_code == 200, response.text
    return response.json()


def submitted(client: TestClient, body: dict[str, Any] | None = None) -> str:
    campaign_id = create(client, body)["id"]
    assert client.post(f"{BASE}/{campaign_id}/submit").status_code == 200
    return campaign_id


def get(client: TestClient, campaign_id: str) -> dict[str, Any]:
    return client.get(f"{BASE}/{campaign_id}").json()


def error_of(response) -> dict[str, Any]:
    return response.json()["error"]


class TestAuthAndErrors:
    def test_requests_without_a_token_are_refused(self, client):
        response = client.get(f"{BASE}/carriers", headers={"Authorization": ""})
        assert response.status_code == 401
        assert error_of(response)["status"] == "UNAUTHENTICATED"

    def test_unknown_project_is_404_rest_error(self, client):
        response = client.get("/v1/projects/nope/campaigns/carriers")
        assert response.status_code == 404
        assert error_of(response) == {
            "code": 404,
            "message": "Project nope not found",
            "status": "NOT_FOUND",
            "details": [
                {
                    "type": "ResourceInfo",
                    "resourceType": "Project",
                    "resourceName": "nope",
                    "description": "Project nope not found",
                }
            ],
        }

    def test_unknown_campaign_is_404(self, client):
        response = client.get(f"{BASE}/99999")
        assert response.status_code == 404
        assert error_of(response)["details"][0]["resourceType"] == "Campaign"

    def test_create_validation_lists_field_violations(self, client):
        response = client.post(
            BASE, json={"name": "n" * 101, "trafficCharge": "CHEAP", "carrierIds": ["123"]}
        )
        assert response.status_code == 400
        error = error_of(response)
        assert error["status"] == "INVALID_ARGUMENT"
        assert error["details"][0]["type"] == "BadRequest"
        assert [v["field"] for v in error["details"][0]["fieldViolations"]] == [
            "scRequested",
            "name",
            "trafficCharge",
            "carrierIds",
        ]
        assert error["details"][0]["fieldViolations"][3]["description"] == "Carrier Id 123 does not exist."

    def test_malformed_json_is_400(self, client):
        response = client.post(BASE, content=b"{", headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert error_of(response)["message"] == "The body is not valid JSON"


class TestCampaigns:
    def test_create_returns_a_draft_with_notes(self, client):
        campaign = create(client, {**READY, "notes": ["first"]})

        assert campaign["status"] == "DRAFT"
        assert campaign["name"] == "Alerts"
        assert campaign["notes"] == [
            {"author": "CUSTOMER", "text": "first", "createdAt": "2026-03-01T12:00:00.000Z"}
        ]
        assert campaign["contentDefinitions"][0]["contentDefinitionId"]
        assert campaign["carrierOrders"] == []
        assert not any(key.startswith("_") for key in campaign)

    def test_update_replaces_the_content(self, client):
        campaign_id = create(client)["id"]

        response = client.put(f"{BASE}/{campaign_id}", json={**DRAFT, "name": "Renamed"})

        assert response.json()["name"] == "Renamed"
        assert "complianceEmails" not in get(client, campaign_id)

    def test_submission_requirements_are_checked(self, client):
        campaign_id = create(client, {**DRAFT, "brandId": None})["id"]

        response = client.post(f"{BASE}/{campaign_id}/submit")

        assert response.status_code == 400
        fields = [v["field"] for v in error_of(response)["details"][0]["fieldViolations"]]
        assert fields == [
            "contentDefinitions",
            "customerCare",
            "termsAndConditions",
            "privacyPolicy",
            "complianceEmails",
            "brandId",
        ]
        assert get(client, campaign_id)["status"] == "DRAFT"

    def test_own_short_code_needs_its_receipt(self, client):
        campaign_id = create(client, {**READY, "scRequested": False, "brandId": None, "shortCodes": "12345"})[
            "id"
        ]
        response = client.post(f"{BASE}/{campaign_id}/submit")
        assert [v["field"] for v in error_of(response)["details"][0]["fieldViolations"]] == [
            "campaignAttachments"
        ]

        client.post(f"{BASE}/{campaign_id}/attachments", files={"file": ("receipt.txt", b"receipt")})
        assert client.post(f"{BASE}/{campaign_id}/submit").json()["status"] == "PENDING_REVIEW"

    def test_submitted_campaign_moves_on_the_clock_with_logs(self, client, state):
        campaign_id = submitted(client)
        seen = []
        for _ in range(6):
            state.clock.advance(STEP)
            campaign = get(client, campaign_id)
            seen.append((campaign["status"], tuple(o["status"] for o in campaign["carrierOrders"])))

        assert seen == [
            ("REVIEWING", ("PENDING", "PENDING")),
            ("READY_CARRIER_SUBMISSION", ("PENDING", "PENDING")),
            ("CARRIER_SUBMITTED", ("SUBMITTED", "SUBMITTED")),
            ("CARRIER_SUBMITTED", ("APPROVED", "APPROVED")),
            ("CARRIER_SUBMITTED", ("PROVISIONED_BY_CARRIER", "PROVISIONED_BY_CARRIER")),
            ("COMPLETED", ("CERTIFIED", "CERTIFIED")),
        ]
        campaign = get(client, campaign_id)
        assert [
            (log["previousStatus"], log["currentStatus"], log["createdAt"])
            for log in campaign["campaignLogs"]
        ] == [
            ("DRAFT", "PENDING_REVIEW", "2026-03-01T12:00:00.000Z"),
            ("PENDING_REVIEW", "REVIEWING", "2026-03-01T12:00:05.000Z"),
            ("REVIEWING", "READY_CARRIER_SUBMISSION", "2026-03-01T12:00:10.000Z"),
            ("READY_CARRIER_SUBMISSION", "CARRIER_SUBMITTED", "2026-03-01T12:00:15.000Z"),
            ("CARRIER_SUBMITTED", "COMPLETED", "2026-03-01T12:00:30.000Z"),
        ]
        assert [o["carrierName"] for o in campaign["carrierOrders"]] == ["AT&T Mobility", "T-Mobile USA"]
        assert [log["currentStatus"] for log in campaign["carrierOrders"][0]["logs"]] == [
            "SUBMITTED",
            "APPROVED",
            "PROVISIONED_BY_CARRIER",
            "CERTIFIED",
        ]

    def test_reading_late_applies_every_missed_step_at_its_time(self, client, state):
        campaign_id = submitted(client)
        state.clock.advance(1800)  # within the token's hour
        campaign = get(client, campaign_id)
        assert campaign["status"] == "COMPLETED"
        assert campaign["campaignLogs"][-1]["createdAt"] == "2026-03-01T12:00:30.000Z"

    def test_leased_short_code_is_assigned_when_provisioned(self, client, state):
        campaign_id = submitted(client)
        state.clock.advance(STEP * 5)
        assert get(client, campaign_id)["shortCodes"]

    @pytest.mark.parametrize(
        ("action", "allowed"),
        [
            ("update", {"DRAFT", "AWAITING_CLIENT_UPDATE"}),
            ("submit", {"DRAFT", "AWAITING_CLIENT_UPDATE"}),
            ("cancel", {"DRAFT", "PENDING_REVIEW", "AWAITING_CLIENT_UPDATE"}),
        ],
    )
    @pytest.mark.parametrize(
        ("status", "steps"),
        [
            ("DRAFT", None),
            ("PENDING_REVIEW", 0),
            ("REVIEWING", 1),
            ("AWAITING_CLIENT_UPDATE", 2),
            ("CARRIER_SUBMITTED", 3),
            ("COMPLETED", 6),
        ],
    )
    def test_status_rules(self, client, state, action, allowed, status, steps):
        description = "emulator:await-update" if status == "AWAITING_CLIENT_UPDATE" else "plain"
        body = {**READY, "description": description}
        campaign_id = create(client, body)["id"] if steps is None else submitted(client, body)
        state.clock.advance(STEP * (steps or 0))
        assert get(client, campaign_id)["status"] == status

        if action == "update":
            response = client.put(f"{BASE}/{campaign_id}", json=body)
        else:
            response = client.post(f"{BASE}/{campaign_id}/{action}")

        if status in allowed:
            assert response.status_code == 200, response.text
        else:
            assert response.status_code == 400
            error = error_of(response)
            assert error["status"] == "FAILED_PRECONDITION"
            assert error["message"].startswith(
                f"Campaign in illegal state: cannot {action} a campaign in {status}"
            )

    def test_cancel_stops_the_review_and_cancels_orders(self, client, state):
        campaign_id = submitted(client)
        campaign = client.post(f"{BASE}/{campaign_id}/cancel").json()
        assert campaign["status"] == "CANCELLED"
        assert {o["status"] for o in campaign["carrierOrders"]} == {"CANCELLED"}
        state.clock.advance(STEP * 10)
        assert get(client, campaign_id)["status"] == "CANCELLED"

    def test_await_update_scenario_then_resubmission_completes(self, client, state):
        body = {**READY, "description": "emulator:await-update"}
        campaign_id = submitted(client, body)
        state.clock.advance(STEP * 3)
        campaign = get(client, campaign_id)
        assert campaign["status"] == "AWAITING_CLIENT_UPDATE"
        assert campaign["notes"][-1]["author"] == "AGENT"

        assert client.put(f"{BASE}/{campaign_id}", json=body).status_code == 200
        assert client.post(f"{BASE}/{campaign_id}/submit").json()["status"] == "PENDING_REVIEW"
        state.clock.advance(STEP * 6)
        assert get(client, campaign_id)["status"] == "COMPLETED"

    def test_rejecting_carrier_scenario(self, client, state):
        campaign_id = submitted(client, {**READY, "description": "emulator:reject=2"})
        state.clock.advance(STEP * 6)
        campaign = get(client, campaign_id)
        statuses = {o["carrierId"]: o["status"] for o in campaign["carrierOrders"]}
        assert statuses == {"1": "CERTIFIED", "2": "REJECTED"}
        assert campaign["status"] == "CARRIER_SUBMITTED"
        assert campaign["carrierOrders"][1]["notes"][0]["author"] == "AGENT"


class TestList:
    def test_filters_orders_and_pages(self, client, state):
        ids = [create(client, {**READY, "name": f"c{i}"})["id"] for i in range(3)]
        client.post(f"{BASE}/{ids[1]}/submit")

        first = client.get(BASE, params={"orderBy": "campaignId,desc", "pageSize": 2}).json()
        second = client.get(
            BASE, params={"orderBy": "campaignId,desc", "pageSize": 2, "pageToken": first["nextPageToken"]}
        ).json()

        assert [c["id"] for c in first["campaigns"] + second["campaigns"]] == list(reversed(ids))
        assert first["totalSize"] == 3
        assert second["nextPageToken"] == ""
        assert set(first["campaigns"][0]) == {"id", "name", "status", "createdAt", "updatedAt"}
        drafts = client.get(BASE, params={"status": "DRAFT"}).json()
        assert [c["id"] for c in drafts["campaigns"]] == [ids[0], ids[2]]

    def test_short_code_filter(self, client):
        create(client, {**READY, "shortCodes": "11111"})
        mine = create(client, {**READY, "shortCodes": "22222"})
        found = client.get(BASE, params={"shortCodes": "22222"}).json()["campaigns"]
        assert [c["id"] for c in found] == [mine["id"]]

    def test_bad_order_by_is_400(self, client):
        response = client.get(BASE, params={"orderBy": "name,up"})
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"][0]["field"] == "orderBy"


class TestNotesAttachmentsCarriers:
    def test_notes_on_campaign_and_carrier_order(self, client):
        campaign_id = submitted(client)
        order_id = get(client, campaign_id)["carrierOrders"][0]["carrierOrderId"]

        note = client.post(f"{BASE}/{campaign_id}/notes", json={"text": "Hello"}).json()
        order_note = client.post(f"{BASE}/{campaign_id}/carrier/{order_id}/notes", json={"text": "Hi"}).json()

        assert note == {"author": "CUSTOMER", "text": "Hello", "createdAt": "2026-03-01T12:00:00.000Z"}
        assert order_note["text"] == "Hi"
        campaign = get(client, campaign_id)
        assert campaign["notes"][-1]["text"] == "Hello"
        assert campaign["carrierOrders"][0]["notes"][-1]["text"] == "Hi"
        missing = client.post(f"{BASE}/{campaign_id}/carrier/nope/notes", json={"text": "Hi"})
        assert missing.status_code == 404

    @pytest.mark.parametrize(
        ("text", "problem"), [("x" * 1001, "Max length is 1000 characters"), ("", "Field is required")]
    )
    def test_note_text_rules(self, client, text, problem):
        campaign_id = create(client)["id"]
        response = client.post(f"{BASE}/{campaign_id}/notes", json={"text": text})
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {"field": "text", "description": problem}
        ]

    def test_attachment_round_trip(self, client):
        campaign_id = create(client)["id"]
        content = bytes(range(256)) * 10

        attachment = client.post(
            f"{BASE}/{campaign_id}/attachments",
            files={"file": ("letter.pdf", content, "application/pdf")},
            data={"description": "Migration letter"},
        ).json()

        assert attachment["name"] == "letter.pdf"
        assert attachment["description"] == "Migration letter"
        assert get(client, campaign_id)["campaignAttachments"] == [attachment]
        download = client.get(f"{BASE}/{campaign_id}/attachments/{attachment['attachmentId']}")
        assert download.headers["content-type"] == "application/octet-stream"
        assert download.content == content
        assert client.get(f"{BASE}/{campaign_id}/attachments/nope").status_code == 404

    def test_upload_without_a_file_part_is_400(self, client):
        campaign_id = create(client)["id"]
        response = client.post(f"{BASE}/{campaign_id}/attachments", data={"description": "x"})
        assert response.status_code == 400

    def test_carriers(self, client):
        carriers = client.get(f"{BASE}/carriers").json()["carriers"]
        assert carriers[0] == {"id": "1", "name": "AT&T Mobility"}


class TestCallbacks:
    def test_configuration_get_and_put(self, client):
        assert client.get(f"{BASE}/callback-configuration").json() == {
            "hmacSecret": DEFAULT_HMAC_SECRET,
            "projectId": DEFAULT_PROJECT_ID,
        }
        assert client.put(f"{BASE}/callback-configuration", json={"hmacSecret": "s3cret"}).json() == {
            "hmacSecret": "s3cret",
            "projectId": DEFAULT_PROJECT_ID,
        }
        assert client.get(f"{BASE}/callback-configuration").json()["hmacSecret"] == "s3cret"
        assert client.put(f"{BASE}/callback-configuration", json={}).status_code == 400

    def test_transitions_and_notes_are_delivered_signed(self, client, state, delivered):
        client.put(f"{BASE}/callback-configuration", json={"hmacSecret": "s3cret"})
        campaign_id = submitted(
            client, {**READY, "carrierIds": ["1"], "callbackUrl": "https://hooks.example/sinch"}
        )
        client.post(f"{BASE}/{campaign_id}/notes", json={"text": "Hello"})
        state.clock.advance(STEP)
        get(client, campaign_id)

        assert [json.loads(body)["eventType"] for _, body, _ in delivered] == [
            "CAMPAIGN_STATUS_UPDATE",  # DRAFT -> PENDING_REVIEW
            "CAMPAIGN_NOTE",
            "CAMPAIGN_STATUS_UPDATE",  # -> REVIEWING
        ]
        for url, body, headers in delivered:
            assert url == "https://hooks.example/sinch"
            expected = hmac.new(b"s3cret", body, hashlib.sha1).hexdigest()
            assert headers["X-Sinch-Signature"] == expected
            assert headers["Content-Type"] == "application/json"
        event = verify_and_parse(delivered[2][1], delivered[2][2]["X-Sinch-Signature"], "s3cret")
        assert isinstance(event, CampaignStatusUpdateEvent)
        assert (event.campaign_id, event.new_status, event.project_id) == (
            campaign_id,
            "REVIEWING",
            DEFAULT_PROJECT_ID,
        )
        assert event.create_time == datetime(2026, 3, 1, 12, 0, 5, tzinfo=timezone.utc)

    def test_carrier_order_events(self, client, state, delivered):
        campaign_id = submitted(
            client, {**READY, "carrierIds": ["1"], "callbackUrl": "https://hooks.example/sinch"}
        )
        state.clock.advance(STEP * 3)
        get(client, campaign_id)
        events = [json.loads(body) for _, body, _ in delivered]
        order_events = [e for e in events if e["eventType"] == "CARRIER_ORDER_STATUS_UPDATE"]
        assert order_events[0]["resourceType"] == "CARRIER_ORDER"
        assert order_events[0]["data"]["newStatus"] == "SUBMITTED"

    def test_no_callback_url_no_delivery(self, client, state, delivered):
        submitted(client)
        state.clock.advance(STEP * 6)
        assert delivered == []

    def test_unreachable_receiver_does_not_break_the_api(self, client, state):
        async def down(url: str, body: bytes, headers: dict[str, str]) -> int:
            raise ConnectionError("refused")

        short_code_state(state).sender = down
        campaign_id = submitted(client, {**READY, "callbackUrl": "https://down.example/"})
        assert get(client, campaign_id)["status"] == "PENDING_REVIEW"
        deliveries = client.get("/_emulator/short-code/callbacks").json()["deliveries"]
        assert deliveries[0]["error"] == "ConnectionError: refused"
