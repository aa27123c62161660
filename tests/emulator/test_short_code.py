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
def state() -> Iterator[EmulatorState]:
    # speed=0: emulated time only moves when a test advances it. Every answer is checked
    # against the OpenAPI document's response schemas and status codes.
    state = EmulatorState(
        EmulatorConfig(review_step_seconds=STEP, check_responses=True), Clock(speed=0.0, start=NOW)
    )
    yield state
    assert state.response_problems == []


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
        response = client.get("/v1/projects/nope/campaigns/callback-configuration")
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

    def test_schema_violations_are_all_listed_before_any_business_rule(self, client, state):
        response = client.post(
            BASE, json={"name": "n" * 101, "trafficCharge": "CHEAP", "carrierIds": ["123"]}
        )
        assert response.status_code == 400
        error = error_of(response)
        assert error["status"] == "INVALID_ARGUMENT"
        assert error["message"] == "Registration validation error"
        assert error["details"][0]["type"] == "BadRequest"
        assert sorted((v["field"], v["description"]) for v in error["details"][0]["fieldViolations"]) == [
            ("scRequested", "Field is required"),
            ("trafficCharge", "Must be one of ['STANDARD', 'FREE_TO_END_USER']"),
        ]
        assert short_code_state(state).campaigns == {}

    def test_business_rules_follow_the_schema(self, client):
        response = client.post(BASE, json={**DRAFT, "name": "n" * 101, "carrierIds": ["123"]})
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {"field": "name", "description": "Max length is 100 characters"},
            {"field": "carrierIds", "description": "Carrier Id 123 does not exist."},
        ]

    def test_malformed_json_is_400(self, client):
        response = client.post(BASE, content=b"{", headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {"field": "body", "description": "The body cannot be parsed for its media type"}
        ]


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
        campaign_id = create(client, {k: v for k, v in DRAFT.items() if k != "brandId"})["id"]

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

    def test_sc_requested_false_needs_neither_short_code_nor_receipt(self, client):
        # The document contradicts itself on scRequested false: the most permissive reading.
        body = {k: v for k, v in READY.items() if k != "brandId"}
        campaign_id = create(client, {**body, "scRequested": False})["id"]
        assert client.post(f"{BASE}/{campaign_id}/submit").json()["status"] == "PENDING_REVIEW"

    def test_migrated_campaign_needs_an_attachment(self, client):
        campaign_id = create(client, {**READY, "isMigrated": True})["id"]
        response = client.post(f"{BASE}/{campaign_id}/submit")
        assert [v["field"] for v in error_of(response)["details"][0]["fieldViolations"]] == [
            "campaignAttachments"
        ]

        client.post(f"{BASE}/{campaign_id}/attachments", files={"file": ("letter.txt", b"letter")})
        assert client.post(f"{BASE}/{campaign_id}/submit").json()["status"] == "PENDING_REVIEW"

    def test_opt_out_keywords_are_checked_at_submission(self, client):
        body = {**READY, "customerCare": {"optOutKeywords": "STOP, PLEASE"}}
        campaign_id = create(client, body)["id"]
        response = client.post(f"{BASE}/{campaign_id}/submit")
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {
                "field": "customerCare.optOutKeywords",
                "description": "Acceptable opt-out keywords are STOP, END, CANCEL, UNSUBSCRIBE, QUIT, "
                "REVOKE, OPTOUT, OPT-OUT",
            }
        ]

    def test_submitted_campaign_moves_on_the_clock_with_logs(self, client, state):
        campaign_id = submitted(client)
        seen = []
        for _ in range(9):
            state.clock.advance(STEP)
            campaign = get(client, campaign_id)
            seen.append((campaign["status"], tuple(o["status"] for o in campaign["carrierOrders"])))

        assert seen == [
            ("REVIEWING", ("PENDING", "PENDING")),
            ("READY_CARRIER_SUBMISSION", ("PENDING", "PENDING")),
            ("CARRIER_SUBMITTED", ("SUBMITTED", "SUBMITTED")),
            ("CARRIER_SUBMITTED", ("APPROVED", "APPROVED")),
            ("CARRIER_SUBMITTED", ("PROVISIONED_BY_CARRIER", "PROVISIONED_BY_CARRIER")),
            ("CARRIER_SUBMITTED", ("PROVISIONED_BY_SINCH", "PROVISIONED_BY_SINCH")),
            ("CARRIER_SUBMITTED", ("CLIENT_CERTIFICATION_REQUESTED", "CLIENT_CERTIFICATION_REQUESTED")),
            ("CARRIER_SUBMITTED", ("CARRIER_CERTIFICATION_REQUESTED", "CARRIER_CERTIFICATION_REQUESTED")),
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
            ("CARRIER_SUBMITTED", "COMPLETED", "2026-03-01T12:00:45.000Z"),
        ]
        assert [o["carrierName"] for o in campaign["carrierOrders"]] == ["AT&T Mobility", "T-Mobile USA"]
        assert [log["currentStatus"] for log in campaign["carrierOrders"][0]["logs"]] == [
            "SUBMITTED",
            "APPROVED",
            "PROVISIONED_BY_CARRIER",
            "PROVISIONED_BY_SINCH",
            "CLIENT_CERTIFICATION_REQUESTED",
            "CARRIER_CERTIFICATION_REQUESTED",
            "CERTIFIED",
        ]

    def test_reading_late_applies_every_missed_step_at_its_time(self, client, state):
        campaign_id = submitted(client)
        state.clock.advance(1800)  # within the token's hour
        campaign = get(client, campaign_id)
        assert campaign["status"] == "COMPLETED"
        assert campaign["campaignLogs"][-1]["createdAt"] == "2026-03-01T12:00:45.000Z"

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
            ("COMPLETED", 9),
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
        state.clock.advance(STEP * 9)
        assert get(client, campaign_id)["status"] == "COMPLETED"

    def test_rejecting_carrier_scenario(self, client, state):
        campaign_id = submitted(client, {**READY, "description": "emulator:reject=2"})
        state.clock.advance(STEP * 9)
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

    @pytest.mark.parametrize(
        "params",
        [{"orderBy": "name,up"}, {"pageSize": 0}, {"pageSize": -3}],
        ids=["unknown-order", "zero-page", "negative-page"],
    )
    def test_values_the_schema_accepts_are_never_400(self, client, params):
        # listCampaigns lists only 200 and 500: the default order and page size are used.
        ids = [create(client, {**READY, "name": f"c{i}"})["id"] for i in range(2)]
        response = client.get(BASE, params=params)
        assert response.status_code == 200
        assert [c["id"] for c in response.json()["campaigns"]] == ids

    def test_a_page_token_not_issued_here_is_an_empty_last_page(self, client):
        create(client)
        answer = client.get(BASE, params={"pageToken": "not-ours"}).json()
        assert answer == {"campaigns": [], "nextPageToken": "", "totalSize": 1}

    def test_a_page_size_that_is_not_an_integer_is_400(self, client):
        response = client.get(BASE, params={"pageSize": "ten"})
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {"field": "pageSize", "description": "Must be of type integer"}
        ]

    def test_an_unknown_project_lists_nothing(self, client):
        response = client.get("/v1/projects/nope/campaigns")
        assert response.status_code == 200
        assert response.json() == {"campaigns": [], "nextPageToken": "", "totalSize": 0}


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
        ("body", "problem"),
        [
            ({"text": "x" * 1001}, ("text", "Max length is 1000 characters")),
            ({"text": 7}, ("text", "Must be of type string")),
            (["text"], ("body", "Must be of type object")),
        ],
        ids=["too-long", "not-a-string", "not-an-object"],
    )
    def test_note_text_rules(self, client, body, problem):
        campaign_id = create(client)["id"]
        response = client.post(f"{BASE}/{campaign_id}/notes", json=body)
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {"field": problem[0], "description": problem[1]}
        ]
        assert get(client, campaign_id)["notes"] == []

    def test_a_note_without_text_is_kept_empty(self, client):
        # ``text`` is not required by the schema, and notes list no 400.
        campaign_id = create(client)["id"]
        note = client.post(f"{BASE}/{campaign_id}/notes", json={}).json()
        assert note == {"author": "CUSTOMER", "text": "", "createdAt": "2026-03-01T12:00:00.000Z"}

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
        response = client.post(f"{BASE}/{campaign_id}/attachments", files={"description": (None, "x")})
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {"field": "file", "description": "Field is required"}
        ]
        assert get(client, campaign_id)["campaignAttachments"] == []

    def test_carriers(self, client):
        carriers = client.get(f"{BASE}/carriers").json()["carriers"]
        assert carriers[0] == {"id": "1", "name": "AT&T Mobility"}

    def test_carriers_do_not_depend_on_the_project(self, client):
        # getCarriers lists only 200 and 500.
        response = client.get("/v1/projects/nope/campaigns/carriers")
        assert response.status_code == 200
        assert response.json()["carriers"][0] == {"id": "1", "name": "AT&T Mobility"}


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
        # ``hmacSecret`` is not required: without it the secret stays as it is.
        assert client.put(f"{BASE}/callback-configuration", json={}).json()["hmacSecret"] == "s3cret"
        response = client.put(f"{BASE}/callback-configuration", json={"hmacSecret": ["s"]})
        assert response.status_code == 400
        assert error_of(response)["message"] == "Project validation error"
        assert client.get(f"{BASE}/callback-configuration").json()["hmacSecret"] == "s3cret"

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


class TestTheDocumentDecides:
    """Bodies and methods the OpenAPI document forbids are refused, never stored nor echoed."""

    @pytest.mark.parametrize(
        ("change", "field", "description"),
        [
            ({"name": 123}, "name", "Must be of type string"),
            ({"shortCodes": ["12345"]}, "shortCodes", "Must be of type string"),
            ({"customerCare": "x"}, "customerCare", "Must be of type object"),
            ({"isMigrated": "yes"}, "isMigrated", "Must be of type boolean"),
            ({"complianceEmails": ["nope"]}, "complianceEmails[0]", "Must be a valid email"),
            ({"contactEmails": ["nope"]}, "contactEmails[0]", "Must be a valid email"),
            ({"customerCare": {"email": "nope"}}, "customerCare.email", "Must be a valid email"),
            ({"callbackUrl": "not a url"}, "callbackUrl", "Must be a valid uri"),
            ({"carrierIds": [{}]}, "carrierIds[0]", "Must be of type string"),
            ({"termsAndConditions": "abc"}, "termsAndConditions", "Must be of type object"),
            ({"notes": "abc"}, "notes", "Must be of type array"),
            (
                {"contentDefinitions": [{"messageType": "FAX"}]},
                "contentDefinitions[0].messageType",
                "Must be one of ['SMS', 'MMS_VIDEO', 'MMS_AUDIO', 'MMS_IMAGE']",
            ),
        ],
        ids=[
            "name-number",
            "short-codes-list",
            "customer-care-string",
            "is-migrated-string",
            "compliance-email",
            "contact-email",
            "care-email",
            "callback-url",
            "carrier-ids-object",
            "terms-string",
            "notes-string",
            "message-type",
        ],
    )
    def test_create_and_update_refuse_what_the_schema_forbids(
        self, client, state, change, field, description
    ):
        response = client.post(BASE, json={**READY, **change})

        assert response.status_code == 400, response.text
        assert error_of(response) == {
            "code": 400,
            "message": "Registration validation error",
            "status": "INVALID_ARGUMENT",
            "details": [
                {"type": "BadRequest", "fieldViolations": [{"field": field, "description": description}]}
            ],
        }
        assert short_code_state(state).campaigns == {}

        campaign = create(client)
        update = client.put(f"{BASE}/{campaign['id']}", json={**READY, **change})
        assert update.status_code == 400
        assert get(client, campaign["id"]) == campaign

    def test_a_submit_after_a_refused_terms_string_is_a_400_not_a_500(self, client):
        campaign_id = create(client, {**DRAFT})["id"]
        assert (
            client.put(f"{BASE}/{campaign_id}", json={**DRAFT, "termsAndConditions": "abc"}).status_code
            == 400
        )

        response = client.post(f"{BASE}/{campaign_id}/submit")

        assert response.status_code == 400
        fields = [v["field"] for v in error_of(response)["details"][0]["fieldViolations"]]
        assert "termsAndConditions" in fields

    def test_notes_are_one_note_per_string(self, client):
        campaign = create(client, {**READY, "notes": ["first note", "second"]})
        assert [n["text"] for n in campaign["notes"]] == ["first note", "second"]

    def test_an_unknown_content_definition_id_is_refused(self, client):
        definition = {"contentDefinitionId": "777", "messageType": "SMS"}
        response = client.post(BASE, json={**READY, "contentDefinitions": [definition]})
        assert response.status_code == 400
        assert error_of(response)["details"][0]["fieldViolations"] == [
            {
                "field": "contentDefinitions[0].contentDefinitionId",
                "description": "Content Definition 777 does not exist.",
            }
        ]

    def test_a_known_content_definition_id_is_updated_in_place(self, client):
        campaign = create(client)
        definition_id = campaign["contentDefinitions"][0]["contentDefinitionId"]
        definition = {"contentDefinitionId": definition_id, "messageType": "MMS_IMAGE"}
        updated = client.put(f"{BASE}/{campaign['id']}", json={**READY, "contentDefinitions": [definition]})
        assert updated.json()["contentDefinitions"] == [definition]

    def test_unknown_fields_are_neither_stored_nor_echoed(self, client):
        campaign = create(client, {**READY, "secretSauce": "x"})
        assert "secretSauce" not in campaign
        assert "secretSauce" not in get(client, campaign["id"])

    @pytest.mark.parametrize(
        ("path", "allow"),
        [
            (BASE, "GET, POST"),
            (f"{BASE}/carriers", "GET"),
            (f"{BASE}/callback-configuration", "GET, PUT"),
            (f"{BASE}/20001", "GET, PUT"),
            (f"{BASE}/20001/submit", "POST"),
            (f"{BASE}/20001/carrier/20002/notes", "POST"),
        ],
        ids=["campaigns", "carriers", "callback-configuration", "campaign", "submit", "order-notes"],
    )
    def test_options_and_405_name_every_method_of_the_path(self, client, path, allow):
        options = client.options(path)
        assert options.status_code == 204
        assert options.headers["allow"] == allow

        response = client.delete(path)
        assert response.status_code == 405
        assert response.headers["allow"] == allow
        assert error_of(response)["code"] == 405

    def test_a_fixed_path_is_never_read_as_a_campaign_id(self, client, state):
        response = client.put(f"{BASE}/carriers", json=READY)
        assert response.status_code == 405
        assert short_code_state(state).campaigns == {}
