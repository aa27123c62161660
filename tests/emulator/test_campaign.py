"""The Campaign API emulator against the document (``/work/shared/api/campaign-api.txt``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi.testclient import TestClient

from airflow_provider_sinch.emulator import create_app
from airflow_provider_sinch.emulator.campaign import (
    BROKEN_TEMPLATE_CAMPAIGN_ID,
    SENT_CAMPAIGN_IDS,
    STARTING_CREDITS,
    TEMPLATE_CAMPAIGN_ID,
    TEMPLATE_MESSAGE,
    TEMPLATE_SENDER,
    CampaignApiState,
    column_name,
)
from airflow_provider_sinch.emulator.core import (
    DEFAULT_CAMPAIGN_SECRET_KEY,
    Clock,
    EmulatorConfig,
    EmulatorState,
)

NOW = datetime(2025, 3, 1, 12, 0, 30, tzinfo=timezone.utc)
SENDING_SECONDS = 5.0
INVALID_TOKEN = {"errors": {"Authorization": ["Invalid access token"]}, "success": False}
REQUIRED = ["This field is required."]
SPRING_SALE = SENT_CAMPAIGN_IDS[0]  # five recipients ending in 01, 02, 03, 08, 09, sent 30 days ago


@pytest.fixture
def state() -> Iterator[EmulatorState]:
    # speed=0: emulated time only moves when a test advances it. Every answer is checked
    # against the shapes of the document's examples.
    state = EmulatorState(
        EmulatorConfig(campaign_sending_seconds=SENDING_SECONDS, check_responses=True),
        Clock(speed=0.0, start=NOW),
    )
    yield state
    assert state.response_problems == []


@pytest.fixture
def client(state: EmulatorState) -> Iterator[TestClient]:
    with TestClient(create_app(state)) as test_client:
        yield test_client


@pytest.fixture
def auth(client: TestClient) -> dict[str, str]:
    answer = client.post("/v1/token", headers={"Authorization": f"Basic {DEFAULT_CAMPAIGN_SECRET_KEY}"})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def create_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "logic": "duplicate",
        "logic_param": TEMPLATE_CAMPAIGN_ID,
        "name": "Spring",
        "send_date": "2025-03-01 12:00",
        "contacts": [["+15550100001", "Alice"], ["+15550100002", "Bob"]],
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def create(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    answer = client.post("/v1/campaign/create", headers=auth, json=create_body(**overrides))
    assert answer.status_code == 200, answer.text
    return answer.json()


def info(client: TestClient, auth: dict[str, str], campaign_id: str) -> dict[str, Any]:
    answer = client.get(f"/v1/campaigns/{campaign_id}", headers=auth)
    assert answer.status_code == 200, answer.text
    return answer.json()["campaign"]


def log(client: TestClient, auth: dict[str, str], campaign_id: str, **params: Any) -> list[dict[str, Any]]:
    query = {"campaign_uuid": campaign_id, "start": "2000-01-01 00:00:00", "stop": "2100-01-01 00:00:00"}
    query.update(params)
    answer = client.get("/v1/campaign/log", headers=auth, params=query)
    assert answer.status_code == 200, answer.text
    return answer.json()["log"]


# --- Authentication ------------------------------------------------------------------------------
def test_token_answers_as_documented(client: TestClient, state: EmulatorState) -> None:
    answer = client.post(
        "/v1/token", headers={"Authorization": f"Basic {DEFAULT_CAMPAIGN_SECRET_KEY}", "Content-Length": "0"}
    )

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "expires", "success"}
    assert body["success"] is True
    assert body["expires"] == "2025-03-01T14:00:30"  # UTC, ISO, no zone, two hours later
    assert state.apis["campaign"].token_valid(body["access_token"], NOW)


@pytest.mark.parametrize(
    "header",
    [
        {"Authorization": "Basic not-the-key"},
        {"Authorization": "Basic ZW11bGF0b3Itc2VjcmV0LWtleQ=="},  # base64 of the key: not what Sinch wants
        {"Authorization": f"Bearer {DEFAULT_CAMPAIGN_SECRET_KEY}"},
        {},
    ],
    ids=["wrong-key", "base64-of-key", "bearer-scheme", "no-header"],
)
def test_token_refuses_a_bad_secret_key(client: TestClient, header: dict[str, str]) -> None:
    answer = client.post("/v1/token", headers=header)

    assert answer.status_code == 401
    assert answer.json() == {"errors": "Invalid secret key", "success": False}


def test_old_api_token_path_of_the_raw_example_is_not_served(client: TestClient) -> None:
    # The document's raw HTTP example says POST /api/token; its URL (which we follow) is /v1/token.
    answer = client.post("/api/token", headers={"Authorization": f"Basic {DEFAULT_CAMPAIGN_SECRET_KEY}"})

    assert answer.status_code in (404, 405)


PROTECTED = [
    ("POST", "/v1/campaign/create"),
    ("POST", "/v1/campaign/sendsms"),
    ("POST", "/v1/campaign/generate-landingpages"),
    ("POST", "/v1/campaign/create-redirect"),
    ("GET", "/v1/campaigns"),
    ("GET", f"/v1/campaigns/{TEMPLATE_CAMPAIGN_ID}"),
    ("GET", f"/v1/campaign/stats?campaign_uuid={SPRING_SALE}"),
    ("GET", f"/v1/campaign/log?campaign_uuid={SPRING_SALE}"),
    ("GET", f"/v1/campaign/contacts?campaign_uuid={SPRING_SALE}"),
    ("GET", f"/v1/campaign/contacts/{SPRING_SALE}_0"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p.split('?')[0]}" for m, p in PROTECTED])
def test_every_endpoint_needs_a_bearer_token(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path, json={})

    assert answer.status_code == 401
    assert answer.json() == INVALID_TOKEN


@pytest.mark.parametrize(
    "credential", ["unknown", "expired", "basic-secret-key", "no-space"], ids=lambda c: str(c)
)
def test_a_bad_bearer_token_is_refused(
    client: TestClient, state: EmulatorState, auth: dict[str, str], credential: str
) -> None:
    token = auth["Authorization"].removeprefix("Bearer ")
    headers = {
        "unknown": {"Authorization": "Bearer not-a-token"},
        "expired": auth,
        "basic-secret-key": {"Authorization": f"Basic {DEFAULT_CAMPAIGN_SECRET_KEY}"},
        "no-space": {"Authorization": f"Bearer{token}"},
    }[credential]
    if credential == "expired":
        state.clock.advance(2 * 3600 + 1)

    answer = client.post("/v1/campaign/sendsms", headers=headers, json={})

    assert answer.status_code == 401
    assert answer.json() == INVALID_TOKEN


def test_token_is_valid_for_exactly_its_ttl(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    state.clock.advance(2 * 3600 - 1)
    assert client.get("/v1/campaigns", headers=auth).status_code == 200

    state.clock.advance(1)
    assert client.get("/v1/campaigns", headers=auth).status_code == 401


def test_user_login_redirects_to_the_campaign_list(client: TestClient, auth: dict[str, str]) -> None:
    token = auth["Authorization"].removeprefix("Bearer ")

    answer = client.get("/api/login", params={"access_token": token}, follow_redirects=False)

    assert answer.status_code == 302
    assert answer.headers["location"] == "/campaigns"
    assert "richsms-v2.cookie" in answer.headers["set-cookie"]
    page = client.get("/campaigns")
    assert page.status_code == 200
    assert "API template" in page.text


@pytest.mark.parametrize("token", ["nope", ""], ids=["unknown", "empty"])
def test_user_login_with_a_bad_token_is_a_plain_text_401(client: TestClient, token: str) -> None:
    answer = client.get("/api/login", params={"access_token": token}, follow_redirects=False)

    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("text/plain")
    assert answer.text == "Invalid access token"


# --- Campaign creation ---------------------------------------------------------------------------
def test_create_answers_with_the_documented_shape(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    body = create(client, auth, tag="batch-42")

    assert list(body) == ["success", "solde", "campaign"]
    assert body["success"] is True
    assert body["solde"] == state.apis["campaign"].credits
    campaign = body["campaign"]
    assert list(campaign) == ["uuid", "url", "contact_count", "duplicated_contacts", "wrong_contacts", "tag"]
    assert campaign["contact_count"] == 2
    assert campaign["duplicated_contacts"] == []
    assert campaign["wrong_contacts"] == []
    assert campaign["tag"] == "batch-42"
    code = campaign["url"].removeprefix("https://rsms.us/")
    assert len(code) == 3
    assert code.isalpha()
    assert info(client, auth, campaign["uuid"])["code"] == code


def test_create_copies_the_template_and_stores_the_send_date_in_utc(
    client: TestClient, auth: dict[str, str]
) -> None:
    body = create(client, auth, send_date="2025-03-01 15:00", timezone="Europe/Paris", tag="t1")

    campaign = info(client, auth, body["campaign"]["uuid"])
    assert campaign["send_date"] == "2025-03-01 14:00:00"
    assert campaign["sender"] == TEMPLATE_SENDER
    assert campaign["message"] == TEMPLATE_MESSAGE
    assert campaign["status"] == "scheduled"
    assert campaign["tag"] == "t1"
    assert campaign["is_test"] is False
    assert campaign["validation_errors"] == {"contacts": [], "message": [], "app": [], "global": []}


def test_create_uses_the_given_sender_and_message(client: TestClient, auth: dict[str, str]) -> None:
    body = create(client, auth, sender="Shop", message="Hello [[B]] ([[A]]): [[URL]] [[C]]")
    campaign_id = body["campaign"]["uuid"]

    campaign = info(client, auth, campaign_id)
    stats = client.get("/v1/campaign/stats", headers=auth, params={"campaign_uuid": campaign_id}).json()

    assert (campaign["sender"], campaign["message"]) == ("Shop", "Hello [[B]] ([[A]]): [[URL]] [[C]]")
    url = stats["contacts"][0]["url"]
    assert url == body["campaign"]["url"] + "0"
    assert stats["contacts"][0]["message"] == f"Hello Alice (+15550100001): {url} "


def test_create_debits_the_credits(client: TestClient, auth: dict[str, str]) -> None:
    first = create(client, auth)
    second = create(client, auth, contacts=[["+15550100003"]])

    assert second["solde"] == first["solde"] - 1
    assert first["solde"] == STARTING_CREDITS - 8 - 2  # the seeded sent campaigns used 8


def test_create_accepts_a_form_with_json_strings(client: TestClient, auth: dict[str, str]) -> None:
    form = create_body(
        contacts=json.dumps([["0612345678", "Alice"], ["0612345679", "Bob"]]),
        field_names=json.dumps(["phone", "first name"]),
        external_channel="true",
    )

    answer = client.post("/v1/campaign/create", headers=auth, data=form)

    assert answer.status_code == 200, answer.text
    campaign_id = answer.json()["campaign"]["uuid"]
    rows = client.get("/v1/campaign/contacts", headers=auth, params={"campaign_uuid": campaign_id}).json()
    assert rows == {"success": True, "contacts": [["0612345678", "Alice"], ["0612345679", "Bob"]]}
    fields = client.get(f"/v1/campaign/contacts/{campaign_id}_1", headers=auth).json()
    assert fields == {
        "success": True,
        "fields": [{"name": "phone", "value": "0612345679"}, {"name": "first name", "value": "Bob"}],
    }
    listed = client.get("/v1/campaigns", headers=auth, params={"extended": "true"}).json()["campaigns"]
    assert next(c for c in listed if c["id"] == campaign_id)["channel"] == "external"


def test_create_accepts_a_chunked_json_body_in_another_charset(
    client: TestClient, auth: dict[str, str]
) -> None:
    payload = json.dumps(create_body(name="Été"), ensure_ascii=False).encode("utf-16")

    def chunks() -> Iterator[bytes]:
        yield from (payload[i : i + 7] for i in range(0, len(payload), 7))

    answer = client.post(
        "/v1/campaign/create",
        headers={**auth, "Content-Type": "application/json; charset=utf-16"},
        content=chunks(),
    )

    assert answer.status_code == 200, answer.text
    assert info(client, auth, answer.json()["campaign"]["uuid"])["name"] == "Été"


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"logic": "template"}, {"logic": ["Logic not found. Try with duplicate"]}),
        ({"logic": None}, {"logic": REQUIRED}),
        ({"logic_param": "nope"}, {"logic_param": ["Campaign 'nope' not found."]}),
        ({"logic_param": None}, {"logic_param": REQUIRED}),
        ({"name": None}, {"name": REQUIRED}),
        ({"name": "  "}, {"name": REQUIRED}),
        ({"sender": "Shop"}, {"message": REQUIRED}),
        ({"message": "Hi [[URL]]"}, {"sender": REQUIRED}),
        ({"sender": "Far too long sender", "message": "Hi"}, {"sender": ["Invalid input."]}),
        ({"sender": "Sh@p", "message": "Hi"}, {"sender": ["Invalid input."]}),
        ({"send_date": None}, {"send_date": REQUIRED}),
        ({"send_date": "2025-03-01T12:00"}, {"send_date": ["Not a valid datetime value"]}),
        ({"send_date": "2025-03-01 12:00:00"}, {"send_date": ["Not a valid datetime value"]}),
        (
            {"send_date": "2025-03-01 10:59"},
            {"send_date": ["The send date must be in the future (at most 1 hour in the past is accepted)."]},
        ),
        ({"timezone": "Mars/Olympus"}, {"timezone": ["Unknown timezone 'Mars/Olympus'."]}),
        ({"contacts": None}, {"contacts": REQUIRED}),
        ({"contacts": "not json"}, {"contacts": ["No JSON object could be decoded."]}),
        ({"contacts": {"a": 1}}, {"contacts": ["Not a valid list."]}),
        ({"contacts": [["+15550100001"], {"x": 1}]}, {"contacts": ["Row 2 is not a list of values."]}),
        (
            {"field_names": ["phone", "e-mail!"]},
            {
                "field_names": [
                    "Invalid field name 'e-mail!': use only alphanumeric characters, underscores, dashes "
                    "or white spaces."
                ]
            },
        ),
        ({"field_names": "phone"}, {"field_names": ["No JSON object could be decoded."]}),
        ({"external_channel": "maybe"}, {"external_channel": ["Not a valid boolean value."]}),
    ],
    ids=[
        "logic-unknown",
        "logic-missing",
        "template-unknown",
        "template-missing",
        "name-missing",
        "name-blank",
        "sender-without-message",
        "message-without-sender",
        "sender-too-long",
        "sender-bad-chars",
        "send-date-missing",
        "send-date-iso",
        "send-date-with-seconds",
        "send-date-over-1h-past",
        "timezone-unknown",
        "contacts-missing",
        "contacts-not-json",
        "contacts-not-list",
        "contacts-bad-row",
        "field-name-bad-chars",
        "field-names-not-json",
        "external-channel-not-bool",
    ],
)
def test_create_reports_wrong_parameters(
    client: TestClient, auth: dict[str, str], overrides: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    answer = client.post("/v1/campaign/create", headers=auth, json=create_body(**overrides))

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


def test_create_reports_every_wrong_parameter_at_once(client: TestClient, auth: dict[str, str]) -> None:
    form = {"logic": "copy", "logic_param": TEMPLATE_CAMPAIGN_ID, "sender": "x" * 12, "send_date": "soon"}

    answer = client.post("/v1/campaign/create", headers=auth, data=form)

    assert answer.status_code == 400
    assert answer.json() == {
        "success": False,
        "errors": {
            "logic": ["Logic not found. Try with duplicate"],
            "name": REQUIRED,
            "sender": ["Invalid input."],
            "message": REQUIRED,
            "send_date": ["Not a valid datetime value"],
            "contacts": REQUIRED,
        },
    }


@pytest.mark.parametrize(
    ("send_date", "zone"),
    [("2025-03-01 11:01", None), ("2025-03-01 06:01", "America/New_York"), ("2026-01-01 00:00", None)],
    ids=["59-min-past-utc", "59-min-past-new-york", "future"],
)
def test_create_accepts_a_send_date_up_to_one_hour_past(
    client: TestClient, auth: dict[str, str], send_date: str, zone: str | None
) -> None:
    answer = client.post(
        "/v1/campaign/create", headers=auth, json=create_body(send_date=send_date, timezone=zone)
    )

    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("sender", ["SinchDemo", "My Shop", "+15550100", "12345678901234"], ids=str)
def test_create_accepts_alphanumeric_and_numeric_senders(
    client: TestClient, auth: dict[str, str], sender: str
) -> None:
    answer = client.post("/v1/campaign/create", headers=auth, json=create_body(sender=sender, message="Hi"))

    assert answer.status_code == 200, answer.text


def test_create_counts_duplicated_and_wrong_contacts_apart(client: TestClient, auth: dict[str, str]) -> None:
    contacts = [
        ["+1 (555) 010-0001", "Alice"],
        ["15550100001", "Alice again"],
        ["+1 555 010 0001", "Alice thrice"],
        ["abc", "no digits"],
        ["555abc0100", "letters"],
        ["12345", "five digits"],
        ["1234567890123456", "sixteen digits"],
        ["123456", "six digits"],
        ["123456789012345", "fifteen digits"],
        ["+15550100002", "Bob"],
    ]

    campaign = create(client, auth, contacts=contacts)["campaign"]

    assert campaign["contact_count"] == 4
    assert campaign["duplicated_contacts"] == ["15550100001"]
    assert campaign["wrong_contacts"] == ["abc", "555abc0100", "12345", "1234567890123456"]
    rows = client.get(
        "/v1/campaign/contacts", headers=auth, params={"campaign_uuid": campaign["uuid"]}
    ).json()
    assert [r[1] for r in rows["contacts"]] == ["Alice", "six digits", "fifteen digits", "Bob"]


def test_create_accepts_an_empty_recipient_list(client: TestClient, auth: dict[str, str]) -> None:
    campaign = create(client, auth, contacts=[])["campaign"]

    assert campaign["contact_count"] == 0


# --- Status progression --------------------------------------------------------------------------
def test_a_copy_is_scheduled_then_sending_then_sent(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    campaign_id = create(client, auth, send_date="2025-03-01 12:10")["campaign"]["uuid"]
    until_send = (datetime(2025, 3, 1, 12, 10, tzinfo=timezone.utc) - NOW).total_seconds()

    seen = [info(client, auth, campaign_id)["status"]]
    state.clock.advance(until_send - 1)
    seen.append(info(client, auth, campaign_id)["status"])
    state.clock.advance(1)
    seen.append(info(client, auth, campaign_id)["status"])
    state.clock.advance(SENDING_SECONDS - 1)
    seen.append(info(client, auth, campaign_id)["status"])
    state.clock.advance(1)
    seen.append(info(client, auth, campaign_id)["status"])

    assert seen == ["scheduled", "scheduled", "sending", "sending", "sent"]


def test_a_send_date_in_the_past_goes_out_at_creation(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    campaign_id = create(client, auth, send_date="2025-03-01 11:30")["campaign"]["uuid"]

    assert info(client, auth, campaign_id)["status"] == "sending"
    submits = log(client, auth, campaign_id, types="SUBMIT")
    assert {e["datetime"] for e in submits} == {"2025-03-01 12:00:30"}  # creation, not 11:30
    state.clock.advance(SENDING_SECONDS)
    assert info(client, auth, campaign_id)["status"] == "sent"


def test_a_copy_of_the_broken_template_stays_draft_with_its_errors(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    before = state.apis["campaign"].credits
    answer = create(client, auth, logic_param=BROKEN_TEMPLATE_CAMPAIGN_ID)
    campaign_id = answer["campaign"]["uuid"]

    state.clock.advance(7000)  # long past its send date, within the token's life
    campaign = info(client, auth, campaign_id)

    assert campaign["status"] == "draft"
    assert campaign["sender"] is None
    assert campaign["validation_errors"] == {
        "contacts": [],
        "message": ["Missing sender"],
        "app": [],
        "global": ["Not enough credits"],
    }
    assert log(client, auth, campaign_id) == []
    assert answer["solde"] == before  # nothing will be sent, nothing is debited


def test_a_sender_does_not_rescue_a_copy_of_the_broken_template(
    client: TestClient, auth: dict[str, str]
) -> None:
    campaign_id = create(client, auth, logic_param=BROKEN_TEMPLATE_CAMPAIGN_ID, sender="Shop", message="Hi")[
        "campaign"
    ]["uuid"]

    campaign = info(client, auth, campaign_id)

    assert campaign["status"] == "draft"
    assert campaign["validation_errors"]["message"] == []
    assert campaign["validation_errors"]["global"] == ["Not enough credits"]


def test_the_seeded_templates(client: TestClient, auth: dict[str, str]) -> None:
    template = info(client, auth, TEMPLATE_CAMPAIGN_ID)
    broken = info(client, auth, BROKEN_TEMPLATE_CAMPAIGN_ID)

    assert (template["status"], template["sender"], template["message"]) == (
        "draft",
        TEMPLATE_SENDER,
        TEMPLATE_MESSAGE,
    )
    assert not any(template["validation_errors"].values())
    assert broken["status"] == "draft"
    assert {k: v for k, v in broken["validation_errors"].items() if v} == {
        "message": ["Missing sender"],
        "global": ["Not enough credits"],
    }


# --- Send SMS ------------------------------------------------------------------------------------
def test_sendsms_adds_and_texts_the_recipients_now(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    created = create(client, auth, send_date="2025-03-02 09:00")["campaign"]
    credits = state.apis["campaign"].credits
    state.clock.advance(10)

    answer = client.post(
        "/v1/campaign/sendsms",
        headers=auth,
        json={
            "campaign_uuid": created["uuid"],
            "contacts": [["+1 555 010 0004", "Dan"], ["15550100009", "Eve"]],
        },
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "success": True,
        "contacts": [
            {"msisdn": "15550100004", "url": created["url"] + "2"},
            {"msisdn": "15550100009", "url": created["url"] + "3"},
        ],
    }
    rows = client.get("/v1/campaign/contacts", headers=auth, params={"campaign_uuid": created["uuid"]}).json()
    assert rows["contacts"][2:] == [["+1 555 010 0004", "Dan"], ["15550100009", "Eve"]]
    assert state.apis["campaign"].credits == credits - 2
    state.clock.advance(1)
    events = [
        (e["datetime"], e["type"], e["contact"]["msisdn"], e["data"]["success"])
        for e in log(client, auth, created["uuid"])
    ]
    assert events == [
        ("2025-03-01 12:00:40", "SUBMIT", "15550100004", True),
        ("2025-03-01 12:00:40", "SUBMIT", "15550100009", True),
        ("2025-03-01 12:00:41", "DELIVER", "15550100004", True),
        ("2025-03-01 12:00:41", "DELIVER", "15550100009", False),
    ]
    assert info(client, auth, created["uuid"])["status"] == "scheduled"  # the campaign itself still waits


def test_sendsms_accepts_a_form_and_the_deprecated_contact(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.post(
        "/v1/campaign/sendsms",
        headers=auth,
        data={"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contact": json.dumps(["0612345678", "Alice"])},
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["contacts"] == [{"msisdn": "0612345678", "url": "https://rsms.us/HcE0"}]


def test_sendsms_on_the_external_channel_sends_no_sms(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    credits = state.apis["campaign"].credits
    answer = client.post(
        "/v1/campaign/sendsms",
        headers=auth,
        json={"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": [["15550100002"]], "external_channel": True},
    )
    state.clock.advance(3600)

    assert answer.status_code == 200
    assert [e["type"] for e in log(client, auth, TEMPLATE_CAMPAIGN_ID)] == ["VISIT"]
    assert state.apis["campaign"].credits == credits


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"campaign_uuid": "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f", "contacts": [["15550100001"]]},
            {"campaign_uuid": ["Campaign '5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f' not found."]},
        ),
        ({"contacts": [["15550100001"]]}, {"campaign_uuid": REQUIRED}),
        ({"campaign_uuid": TEMPLATE_CAMPAIGN_ID}, {"contacts": REQUIRED}),
        ({"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": []}, {"contacts": REQUIRED}),
        (
            {"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": [[f"1555{i:07d}"] for i in range(1001)]},
            {"contacts": ["Maximum list size is 1000, got 1001."]},
        ),
        (
            {"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": [["15550100001"], ["call me"]]},
            {"contacts": ["Wrong MSISDN format: 'call me'"]},
        ),
        (
            {"campaign_uuid": BROKEN_TEMPLATE_CAMPAIGN_ID, "contacts": [["15550100001"]]},
            {
                "campaign_uuid": [
                    f"Campaign '{BROKEN_TEMPLATE_CAMPAIGN_ID}' cannot be sent: message: Missing sender; "
                    "global: Not enough credits"
                ]
            },
        ),
    ],
    ids=[
        "unknown-campaign",
        "no-campaign",
        "no-contacts",
        "empty-contacts",
        "1001-contacts",
        "bad-msisdn",
        "broken",
    ],
)
def test_sendsms_errors(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    answer = client.post("/v1/campaign/sendsms", headers=auth, json=body)

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


def test_sendsms_takes_exactly_1000_contacts(client: TestClient, auth: dict[str, str]) -> None:
    contacts = [[f"1555{i:07d}"] for i in range(1000)]

    answer = client.post(
        "/v1/campaign/sendsms",
        headers=auth,
        json={"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": contacts},
    )

    assert answer.status_code == 200
    assert len(answer.json()["contacts"]) == 1000


def test_sendsms_form_with_undecodable_contacts(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.post(
        "/v1/campaign/sendsms", headers=auth, data={"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": "[[1,"}
    )

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": {"contacts": ["No JSON object could be decoded."]}}


# --- Landing pages and redirects -----------------------------------------------------------------
def test_generate_landing_pages(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.post(
        "/v1/campaign/generate-landingpages",
        headers=auth,
        json={
            "campaign_uuid": TEMPLATE_CAMPAIGN_ID,
            "contacts": [["id1", "Alice", "SALE30"], ["id2", "Bob"]],
        },
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True
    assert [c["msisdn"] for c in body["contacts"]] == ["id1", "id2"]
    urls = [c["url"] for c in body["contacts"]]
    assert all(u.startswith("https://rsms.us/") and len(u) == len("https://rsms.us/") + 8 for u in urls)
    assert len(set(urls)) == 2
    rows = client.get(
        "/v1/campaign/contacts", headers=auth, params={"campaign_uuid": TEMPLATE_CAMPAIGN_ID}
    ).json()
    assert rows["contacts"] == [["id1", "Alice", "SALE30"], ["id2", "Bob"]]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"campaign_uuid": "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"},
            {
                "contacts": REQUIRED,
                "campaign_uuid": ["Campaign '5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f' not found."],
            },
        ),
        (
            {"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": [[f"id{i}"] for i in range(1001)]},
            {"contacts": ["Maximum list size is 1000, got 1001."]},
        ),
    ],
    ids=["both-wrong", "1001-contacts"],
)
def test_generate_landing_pages_errors(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], errors: dict[str, Any]
) -> None:
    answer = client.post("/v1/campaign/generate-landingpages", headers=auth, json=body)

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


def test_create_redirect_personalises_the_target_url(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.post(
        "/v1/campaign/create-redirect",
        headers=auth,
        json={
            "name": "Redirect Sales",
            "target_url": "https://example.com?id=[[A]]&promocode=[[C]]&x=[[D]]",
            "contacts": [["id1", "Alice", "SALE30"], ["id2", "Bob", "SALE 10"]],
            "tag": "sales",
        },
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert list(body) == ["success", "contacts", "campaign_id", "expiration_date"]
    assert [(c["key"], c["target_url"]) for c in body["contacts"]] == [
        ("id1", "https://example.com?id=id1&promocode=SALE30&x="),
        ("id2", "https://example.com?id=id2&promocode=SALE%2010&x="),
    ]
    assert all(c["redirection"].startswith("https://rsms.us/") for c in body["contacts"])
    assert datetime.fromisoformat(body["expiration_date"]) == NOW + timedelta(days=365)
    assert body["expiration_date"].endswith("+00:00")
    campaign = info(client, auth, body["campaign_id"])
    assert (campaign["name"], campaign["tag"], campaign["status"], campaign["contact_count"]) == (
        "Redirect Sales",
        "sales",
        "sent",
        2,
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"name": "R", "target_url": "https://x.test/[[A]]"}, {"contacts": REQUIRED}),
        ({"contacts": [["id1"]]}, {"name": REQUIRED, "target_url": REQUIRED}),
        (
            {"name": "R", "target_url": "x.test/[[A]]", "contacts": [["id1"]]},
            {"target_url": ["Not a valid URL."]},
        ),
        (
            {"name": "R", "target_url": "https://x.test", "contacts": [[f"id{i}"] for i in range(1001)]},
            {"contacts": ["Maximum list size is 1000, got 1001."]},
        ),
    ],
    ids=["no-contacts", "no-name-no-url", "bad-url", "1001-contacts"],
)
def test_create_redirect_errors(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], errors: dict[str, Any]
) -> None:
    answer = client.post("/v1/campaign/create-redirect", headers=auth, json=body)

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


# --- List and info -------------------------------------------------------------------------------
LIST_FIELDS = [
    "status",
    "code",
    "send_date",
    "name",
    "message",
    "contact_count",
    "id",
    "sender",
    "is_test",
    "tag",
    "connect_tag",
    "conversation",
    "is_burst",
]


def test_list_shows_every_campaign_newest_first(client: TestClient, auth: dict[str, str]) -> None:
    first = create(client, auth, name="first")["campaign"]["uuid"]
    second = create(client, auth, name="second")["campaign"]["uuid"]

    answer = client.get("/v1/campaigns", headers=auth)

    assert answer.status_code == 200
    campaigns = answer.json()["campaigns"]
    assert [c["id"] for c in campaigns] == [
        second,
        first,
        SENT_CAMPAIGN_IDS[1],
        SENT_CAMPAIGN_IDS[0],
        BROKEN_TEMPLATE_CAMPAIGN_ID,
        TEMPLATE_CAMPAIGN_ID,
    ]
    assert all(list(c) == LIST_FIELDS for c in campaigns)
    assert campaigns[2]["status"] == "sent"
    assert campaigns[2]["send_date"] == "2025-02-22 12:00:00"


def test_list_extended_adds_channel_landing_page_and_first_send_date(
    client: TestClient, auth: dict[str, str]
) -> None:
    answer = client.get("/v1/campaigns", headers=auth, params={"extended": "true"})

    by_id = {c["id"]: c for c in answer.json()["campaigns"]}
    assert list(by_id[SPRING_SALE]) == [*LIST_FIELDS, "channel", "has_landing_page", "first_send_date"]
    assert by_id[SPRING_SALE]["channel"] == "sms"
    assert by_id[SPRING_SALE]["first_send_date"] == "2025-01-30 12:00:00"
    assert by_id[TEMPLATE_CAMPAIGN_ID]["first_send_date"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"start": "2025-02-22 12:00:00"}, [SENT_CAMPAIGN_IDS[1]]),
        ({"start": "2025-02-22 12:00:01"}, []),
        ({"stop": "2025-02-22 12:00:00"}, [SENT_CAMPAIGN_IDS[0]]),
        ({"stop": "2025-02-22 12:00:01"}, [SENT_CAMPAIGN_IDS[1], SENT_CAMPAIGN_IDS[0]]),
        ({"start": "2025-01-30 12:00:00", "stop": "2025-01-30 12:00:01"}, [SENT_CAMPAIGN_IDS[0]]),
        ({"status": "draft"}, [BROKEN_TEMPLATE_CAMPAIGN_ID, TEMPLATE_CAMPAIGN_ID]),
        ({"status": "sent", "start": "2025-02-01 00:00:00"}, [SENT_CAMPAIGN_IDS[1]]),
        ({"status": "scheduled"}, []),
    ],
    ids=[
        "start-included",
        "start-after",
        "stop-excluded",
        "stop-after",
        "one-second-window",
        "status-draft",
        "status-and-start",
        "status-scheduled",
    ],
)
def test_list_filters(
    client: TestClient, auth: dict[str, str], params: dict[str, str], expected: list[str]
) -> None:
    answer = client.get("/v1/campaigns", headers=auth, params=params)

    assert answer.status_code == 200
    assert [c["id"] for c in answer.json()["campaigns"]] == expected


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"status": "done"},
            {"status": ["Not a valid choice, should be one of: ['draft', 'scheduled', 'sending', 'sent']"]},
        ),
        ({"extended": "yes"}, {"extended": ["Not a valid choice, should be one of: ['false', 'true']"]}),
        ({"start": "2025-02-22"}, {"start": ["Not a valid datetime value"]}),
        ({"stop": "2025-02-22T00:00:00"}, {"stop": ["Not a valid datetime value"]}),
    ],
    ids=["status", "extended", "start", "stop"],
)
def test_list_errors(client: TestClient, auth: dict[str, str], params: dict[str, str], errors: Any) -> None:
    answer = client.get("/v1/campaigns", headers=auth, params=params)

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


def test_info_has_the_documented_fields(client: TestClient, auth: dict[str, str]) -> None:
    campaign = info(client, auth, SPRING_SALE)

    assert list(campaign) == [f for f in LIST_FIELDS if f != "is_burst"] + ["format", "validation_errors"]
    assert campaign["contact_count"] == 5
    assert campaign["format"] == "rich"


def test_info_of_an_unknown_campaign_is_a_404(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.get("/v1/campaigns/5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f", headers=auth)

    assert answer.status_code == 404
    assert answer.json() == {
        "success": False,
        "errors": {"id": ["Campaign '5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f' not found."]},
    }


# --- Stats ---------------------------------------------------------------------------------------
def stats(client: TestClient, auth: dict[str, str], **params: Any) -> Any:
    return client.get("/v1/campaign/stats", headers=auth, params={"campaign_uuid": SPRING_SALE, **params})


def test_stats_summary_follows_from_the_events(client: TestClient, auth: dict[str, str]) -> None:
    body = stats(client, auth).json()

    assert body["summary"] == {
        "sms_submitted": 5,
        "sms_delivered": 4,
        "sms_stopped": 1,
        "clicks": 3,
        "unique_clicks": 2,
        "previews": 1,
        "npai": 1,
        "credits_used": 5,
    }
    first, *_, bounced = body["contacts"]
    assert first == {
        "msisdn": "15550103001",
        "url": "https://rsms.us/mpD0",
        "message": "Spring sale! Customer 1, see https://rsms.us/mpD0",
        "submitted": "2025-01-30 12:00:00",
        "delivered": "2025-01-30 12:00:01",
        "stopped": None,
        "visits": 2,
        "datetimes": "2025-01-30 12:02:00,2025-01-30 12:05:00",
        "preview": True,
        "user_agent": first["user_agent"],
        "npai": False,
    }
    assert "iPhone" in first["user_agent"]
    assert (bounced["msisdn"], bounced["delivered"], bounced["npai"]) == ("15550103009", None, True)
    stopped = body["contacts"][3]
    assert (stopped["msisdn"], stopped["stopped"]) == ("15550103008", True)


def test_stats_stopped_as_date(client: TestClient, auth: dict[str, str]) -> None:
    body = stats(client, auth, stopped_as_date=1).json()

    assert body["contacts"][3]["stopped"] == "2025-01-30 12:01:00"


@pytest.mark.parametrize(
    ("params", "msisdns"),
    [
        ({}, ["15550103001", "15550103002", "15550103003", "15550103008", "15550103009"]),
        ({"start": 0, "stop": 2}, ["15550103001", "15550103002"]),
        ({"start": 2, "stop": 4}, ["15550103003", "15550103008"]),
        ({"start": 4, "stop": 6}, ["15550103009"]),
        ({"start": 3}, ["15550103008", "15550103009"]),
        ({"stop": 1}, ["15550103001"]),
        ({"start": 5, "stop": 10}, []),
        ({"start": 3, "stop": 3}, []),
    ],
    ids=[
        "all",
        "first-page",
        "second-page",
        "short-last-page",
        "start-only",
        "stop-only",
        "past-end",
        "empty",
    ],
)
def test_stats_pages_by_contact_index(
    client: TestClient, auth: dict[str, str], params: dict[str, int], msisdns: list[str]
) -> None:
    body = stats(client, auth, **params).json()

    assert [c["msisdn"] for c in body["contacts"]] == msisdns
    assert body["summary"]["sms_submitted"] == 5  # the summary is the campaign's, on every page


def test_stats_columns_and_filters(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.get(
        "/v1/campaign/stats",
        headers=auth,
        params=[
            ("campaign_uuid", SPRING_SALE),
            ("stop", 2),
            ("columns", 1),
            ("columns", 0),
            ("columns", 7),
            ("filters", "msisdn"),
            ("filters", "columns"),
        ],
    )

    assert answer.json()["contacts"] == [
        {"msisdn": "15550103001", "columns": ["Customer 1", "+15550103001", None]},
        {"msisdn": "15550103002", "columns": ["Customer 2", "+15550103002", None]},
    ]


def test_stats_before_sending_are_empty(client: TestClient, auth: dict[str, str]) -> None:
    campaign_id = create(client, auth, send_date="2025-03-02 09:00")["campaign"]["uuid"]

    body = client.get("/v1/campaign/stats", headers=auth, params={"campaign_uuid": campaign_id}).json()

    assert set(body["summary"].values()) == {0}
    assert [(c["submitted"], c["visits"], c["npai"]) for c in body["contacts"]] == [(None, 0, False)] * 2


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"campaign_uuid": "nope"},
            {"campaign_uuid": "La campagne n'existe pas ou n'est pas associée à ce compte."},
        ),
        ({}, {"campaign_uuid": REQUIRED}),
        ({"campaign_uuid": SPRING_SALE, "start": "a"}, {"start": ["Not a valid integer value: 'a'"]}),
        ({"campaign_uuid": SPRING_SALE, "stop": -1}, {"stop": ["Must be at least 0, got -1."]}),
        (
            {"campaign_uuid": SPRING_SALE, "filters": "phone"},
            {
                "filters": [
                    "Unknown contact fields ['phone']; known: ['msisdn', 'url', 'message', 'submitted', "
                    "'delivered', 'stopped', 'visits', 'datetimes', 'preview', 'user_agent', 'npai', "
                    "'columns']"
                ]
            },
        ),
    ],
    ids=["unknown-campaign", "no-campaign", "bad-start", "negative-stop", "unknown-filter"],
)
def test_stats_errors(client: TestClient, auth: dict[str, str], params: dict[str, Any], errors: Any) -> None:
    answer = client.get("/v1/campaign/stats", headers=auth, params=params)

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


# --- Log -----------------------------------------------------------------------------------------
def test_log_events_have_the_documented_shape(client: TestClient, auth: dict[str, str]) -> None:
    events = log(client, auth, SPRING_SALE)

    assert [e["type"] for e in events if e["contact"]["msisdn"] == "15550103001"] == [
        "SUBMIT",
        "DELIVER",
        "OG_PREVIEW",
        "VISIT",
        "VISIT",
    ]
    submit, deliver = events[0], events[5]
    assert submit == {
        "datetime": "2025-01-30 12:00:00",
        "contact": {"msisdn": "15550103001", "code": "0", "channel": "sms"},
        "type": "SUBMIT",
        "data": {
            "datetime": "2025-01-30 12:00:00",
            "success": True,
            "message": "Spring sale! Customer 1, see https://rsms.us/mpD0",
            "nb_parts": 1,
        },
    }
    assert deliver["data"] == {
        "datetime": "2025-01-30 12:00:01",
        "success": True,
        "code": "2",
        "reason": "Delivered",
        "nb_parts": 1,
    }
    responses = [(e["contact"]["msisdn"], e["data"]) for e in events if e["type"] == "RESPONSE"]
    assert responses == [
        ("15550103008", {"datetime": "2025-01-30 12:01:00", "message": "STOP", "stop": True}),
        ("15550103003", {"datetime": "2025-01-30 12:01:30", "message": "Thanks", "stop": False}),
    ]
    visit = next(e for e in events if e["type"] == "VISIT")
    assert set(visit["data"]) == {"datetime", "user_agent", "device", "os", "browser"}
    assert [e["datetime"] for e in events] == sorted(e["datetime"] for e in events)


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [
        ("2025-01-30 12:00:01", "2025-01-30 12:00:01", 5),  # the five DELIVERs of the same second
        ("2025-01-30 12:00:00", "2025-01-30 12:00:00", 5),  # the five SUBMITs
        ("2025-01-30 12:00:00", "2025-01-30 12:00:01", 10),
        ("2025-01-30 12:00:02", "2025-01-30 12:00:29", 0),
        ("2025-01-30 12:00:30", "2025-01-30 12:01:00", 2),  # preview at :30 and STOP at 12:01:00, both bounds
    ],
    ids=["one-second", "start-equals-stop", "two-seconds", "gap", "both-bounds-inclusive"],
)
def test_log_bounds_are_both_inclusive(
    client: TestClient, auth: dict[str, str], start: str, stop: str, expected: int
) -> None:
    assert len(log(client, auth, SPRING_SALE, start=start, stop=stop)) == expected


def test_log_filters_types_and_adds_columns(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.get(
        "/v1/campaign/log",
        headers=auth,
        params=[
            ("campaign_uuid", SPRING_SALE),
            ("start", "2025-01-30 00:00:00"),
            ("stop", "2025-01-31 00:00:00"),
            ("types", "RESPONSE"),
            ("types", "OG_PREVIEW"),
            ("columns", 1),
        ],
    )

    assert [(e["type"], e["contact"]) for e in answer.json()["log"]] == [
        ("OG_PREVIEW", {"msisdn": "15550103001", "code": "0", "channel": "sms", "columns": ["Customer 1"]}),
        ("RESPONSE", {"msisdn": "15550103008", "code": "3", "channel": "sms", "columns": ["Customer 4"]}),
        ("RESPONSE", {"msisdn": "15550103003", "code": "2", "channel": "sms", "columns": ["Customer 3"]}),
    ]


def test_log_shows_only_what_already_happened(
    client: TestClient, state: EmulatorState, auth: dict[str, str]
) -> None:
    client.post(
        "/v1/campaign/sendsms",
        headers=auth,
        json={"campaign_uuid": TEMPLATE_CAMPAIGN_ID, "contacts": [["15550100001"]]},
    )

    seen = [[e["type"] for e in log(client, auth, TEMPLATE_CAMPAIGN_ID)]]
    for seconds in (1, 29, 90, 180):
        state.clock.advance(seconds)
        seen.append([e["type"] for e in log(client, auth, TEMPLATE_CAMPAIGN_ID)])

    assert seen == [
        ["SUBMIT"],
        ["SUBMIT", "DELIVER"],
        ["SUBMIT", "DELIVER", "OG_PREVIEW"],
        ["SUBMIT", "DELIVER", "OG_PREVIEW", "VISIT"],
        ["SUBMIT", "DELIVER", "OG_PREVIEW", "VISIT", "VISIT"],
    ]


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        (
            {"campaign_uuid": "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"},
            {
                "campaign_uuid": ["Campaign '5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f' not found."],
                "start": ["this field is required"],
                "stop": ["this field is required"],
            },
        ),
        (
            {"campaign_uuid": SPRING_SALE, "start": "2025-01-30", "stop": "2025-01-30 12:00:00"},
            {"start": ["Not a valid datetime value"]},
        ),
        (
            {
                "campaign_uuid": SPRING_SALE,
                "start": "2025-01-30 12:00:00",
                "stop": "2025-01-30 13:00:00",
                "types": "CLICK",
            },
            {
                "types": [
                    "Unknown event types ['CLICK']; known: ['SUBMIT', 'DELIVER', 'RESPONSE', 'VISIT', "
                    "'OG_PREVIEW', 'TRACKER', 'FORM']"
                ]
            },
        ),
    ],
    ids=["documented-example", "bad-start", "unknown-type"],
)
def test_log_errors(client: TestClient, auth: dict[str, str], params: dict[str, str], errors: Any) -> None:
    answer = client.get("/v1/campaign/log", headers=auth, params=params)

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


# --- Recipients ----------------------------------------------------------------------------------
def test_recipients_are_the_rows_as_sent(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.get("/v1/campaign/contacts", headers=auth, params={"campaign_uuid": SENT_CAMPAIGN_IDS[1]})

    assert answer.json() == {
        "success": True,
        "contacts": [
            ["+15550100710", "Customer 1"],
            ["+15550100721", "Customer 2"],
            ["+15550100734", "Customer 3"],
        ],
    }


def test_recipients_of_an_unknown_campaign(client: TestClient, auth: dict[str, str]) -> None:
    answer = client.get("/v1/campaign/contacts", headers=auth, params={"campaign_uuid": "nope"})

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": {"campaign_uuid": ["Campaign 'nope' not found."]}}


def test_recipient_data_uses_default_field_names(client: TestClient, auth: dict[str, str]) -> None:
    campaign_id = create(client, auth, contacts=[["+1 555 010 0001", "Alice", "VIP"]], field_names=["phone"])[
        "campaign"
    ]["uuid"]

    answer = client.get(f"/v1/campaign/contacts/{campaign_id}_0", headers=auth)

    assert answer.json() == {
        "success": True,
        "fields": [
            {"name": "phone", "value": "15550100001"},  # the document shows the phone as an MSISDN
            {"name": "B", "value": "Alice"},
            {"name": "C", "value": "VIP"},
        ],
    }


@pytest.mark.parametrize(
    "contact_id", [f"{SPRING_SALE}_5", f"{SPRING_SALE}_x", f"{SPRING_SALE}", "nope_0"], ids=str
)
def test_recipient_data_of_an_unknown_contact_is_a_404(
    client: TestClient, auth: dict[str, str], contact_id: str
) -> None:
    answer = client.get(f"/v1/campaign/contacts/{contact_id}", headers=auth)

    assert answer.status_code == 404
    assert answer.json() == {
        "success": False,
        "errors": {"contact_id": [f"Contact '{contact_id}' not found."]},
    }


# --- Bodies and state ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "content_type", "errors"),
    [
        (b"{not json", "application/json", {"body": ["No JSON object could be decoded."]}),
        (b"[1, 2]", "application/json", {"body": ["A JSON object is expected."]}),
        (
            b"<xml/>",
            "text/xml",
            {"Content-Type": ["Use application/json or application/x-www-form-urlencoded."]},
        ),
        (b"\xff\xfe\xfd", "application/json; charset=utf-8", {"body": ["The body is not valid utf-8."]}),
    ],
    ids=["bad-json", "json-array", "xml", "bad-bytes"],
)
def test_unreadable_bodies(
    client: TestClient, auth: dict[str, str], content: bytes, content_type: str, errors: Any
) -> None:
    answer = client.post(
        "/v1/campaign/sendsms", headers={**auth, "Content-Type": content_type}, content=content
    )

    assert answer.status_code == 400
    assert answer.json() == {"success": False, "errors": errors}


def test_state_lives_in_apis_campaign(client: TestClient, state: EmulatorState, auth: dict[str, str]) -> None:
    campaign_id = create(client, auth)["campaign"]["uuid"]

    api = state.apis["campaign"]
    assert isinstance(api, CampaignApiState)
    assert campaign_id in api.campaigns


def test_ids_are_reproducible(auth: dict[str, str], client: TestClient) -> None:
    other = EmulatorState(EmulatorConfig(), Clock(speed=0.0, start=NOW))
    with TestClient(create_app(other)) as other_client:
        token = other_client.post(
            "/v1/token", headers={"Authorization": f"Basic {DEFAULT_CAMPAIGN_SECRET_KEY}"}
        )
        other_auth = {"Authorization": f"Bearer {token.json()['access_token']}"}

        assert create(client, auth)["campaign"] == create(other_client, other_auth)["campaign"]


@pytest.mark.parametrize(("index", "name"), [(0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB")], ids=str)
def test_default_field_names(index: int, name: str) -> None:
    assert column_name(index) == name
