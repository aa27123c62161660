"""The emulator's 10DLC API: documented paths, auth, the clock-driven review, markers, pagination."""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

with warnings.catch_warnings():
    # Starlette warns on import that it prefers ``httpx2``; the test client works the same.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from airflow_provider_sinch.emulator import create_app
from airflow_provider_sinch.emulator.core import (
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
    EmulatorConfig,
    EmulatorState,
)
from airflow_provider_sinch.emulator.ten_dlc import (
    REJECT_BRAND_ID,
    REJECT_REASON,
    RESUBMIT_FAIL_MARKER,
    TCR_REJECT_MARKER,
    TCR_REJECT_REASON,
)
from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook
from tests.conftest import set_connection
from tests.test_ten_dlc_validation import valid_campaign

STEP = 10.0
BASE = f"/v1/projects/{DEFAULT_PROJECT_ID}/campaignRegistrations"
BASIC = {
    "Authorization": "Basic " + base64.b64encode(f"{DEFAULT_KEY_ID}:{DEFAULT_KEY_SECRET}".encode()).decode()
}


@pytest.fixture
def state() -> Iterator[EmulatorState]:
    # Every answer is checked against the document's response schemas and listed codes.
    state = EmulatorState(EmulatorConfig(review_step_seconds=STEP, check_responses=True))
    yield state
    assert state.response_problems == []


@pytest.fixture
def client(state: EmulatorState) -> Iterator[TestClient]:
    with TestClient(create_app(state)) as test_client:
        yield test_client


def submit(client: TestClient, **changes: Any) -> str:
    answer = client.post(f"{BASE}:submit", json=valid_campaign(**changes), headers=BASIC)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["campaignRegistrationId"])


def get(client: TestClient, registration_id: str) -> dict[str, Any]:
    answer = client.get(f"{BASE}/{registration_id}", headers=BASIC)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


# --- Auth ---------------------------------------------------------------------------------------
def test_basic_and_oauth2_are_both_accepted(client: TestClient) -> None:
    token = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, headers=BASIC).json()

    assert client.get(BASE, headers=BASIC).status_code == 200
    assert client.get(BASE, headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="none"),
        pytest.param({"Authorization": "Bearer made-up"}, id="unknown-token"),
        pytest.param(
            {"Authorization": "Basic " + base64.b64encode(b"emulator-key-id:wrong").decode()}, id="bad-secret"
        ),
    ],
)
def test_requests_without_valid_credentials_get_401(client: TestClient, headers: dict[str, str]) -> None:
    answer = client.get(BASE, headers=headers)

    assert answer.status_code == 401
    assert answer.json() == {
        "code": 16,
        "message": "Request is missing or has an invalid credential.",
        "details": [],
    }


def test_an_unknown_project_is_404(client: TestClient) -> None:
    answer = client.get("/v1/projects/nope/campaignRegistrations/01ABC", headers=BASIC)

    assert answer.status_code == 404
    assert answer.json() == {"code": 5, "message": "project nope not found", "details": []}


def test_an_unknown_project_lists_nothing_and_qualifies(client: TestClient) -> None:
    # The list and qualify operations list no 404.
    listed = client.get("/v1/projects/nope/campaignRegistrations", headers=BASIC)
    assert listed.status_code == 200
    assert listed.json() == {"campaignRegistrations": [], "totalSize": 0}
    qualified = client.get(
        "/v1/projects/nope/campaignRegistrations:qualify", params={"brandId": "BESINCH"}, headers=BASIC
    )
    assert qualified.status_code == 200


# --- Submit and the review ----------------------------------------------------------------------------
def test_submit_refuses_a_broken_campaign_listing_every_field(client: TestClient) -> None:
    answer = client.post(
        f"{BASE}:submit",
        json=valid_campaign(description="short", brandId="XBAD", subUseCases=["2FA"]),
        headers=BASIC,
    )

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 3
    assert sorted((v["field"], v["description"]) for v in body["details"][0]["fieldViolations"]) == [
        ("brandId", "Does not have the documented format"),
        ("description", "Must be at least 40 characters"),
        ("subUseCases", "Must have at least 2 items"),
    ]


@pytest.mark.parametrize(
    ("change", "violation"),
    [
        ({"useCase": []}, ("useCase", "Must be one of")),
        ({"subUseCases": [{}, "2FA"]}, ("subUseCases[0]", "Must be one of")),
        ({"useCase": {"x": 1}}, ("useCase", "Must be one of")),
        ({"autoRenewal": "yes"}, ("autoRenewal", "Must be of type boolean")),
        ({"sample1": 12345678901234567890123}, ("sample1", "Must be of type string")),
        ({"optinKeywords": "JOIN, START"}, ("optinKeywords", "Does not have the documented format")),
    ],
    ids=["use-case-list", "sub-use-case-object", "use-case-object", "boolean-string", "number", "keywords"],
)
def test_submit_refuses_wrong_types_with_a_400_never_a_500(
    client: TestClient, state: EmulatorState, change: dict[str, Any], violation: tuple[str, str]
) -> None:
    answer = client.post(f"{BASE}:submit", json=valid_campaign(**change), headers=BASIC)

    assert answer.status_code == 400, answer.text
    assert answer.headers["content-type"] == "application/json"
    violations = answer.json()["details"][0]["fieldViolations"]
    assert [(v["field"], v["description"][: len(violation[1])]) for v in violations] == [violation]
    assert client.get(BASE, headers=BASIC).json()["totalSize"] == 0


def test_a_registration_goes_through_the_review_on_the_clock(
    client: TestClient, state: EmulatorState
) -> None:
    registration_id = submit(client)
    assert len(registration_id) == 26
    seen = []
    for _ in range(5):
        current = get(client, registration_id)
        seen.append((current["status"], current.get("lastActionStatus"), "campaignId" in current))
        state.clock.advance(STEP)

    assert seen == [
        ("SINCH_REVIEW", None, False),
        ("SINCH_APPROVED", None, False),
        ("SUBMITTED", "CREATE_IN_PROGRESS", True),
        ("APPROVED", "CREATE_SUCCESSFUL", True),
        ("ACTIVE", "CREATE_SUCCESSFUL", True),
    ]
    final = get(client, registration_id)
    assert final["autoRenewal"] is True  # documented default filled in by the server
    assert final["description"] == valid_campaign()["description"]
    assert len(final["campaignId"]) <= 7


def test_the_reject_brand_is_rejected_by_sinch_with_feedback(
    client: TestClient, state: EmulatorState
) -> None:
    registration_id = submit(client, brandId=REJECT_BRAND_ID)
    state.clock.advance(STEP * 4)

    assert get(client, registration_id)["status"] == "SINCH_REJECTED"
    feedback = client.get(f"{BASE}/{registration_id}/feedback", headers=BASIC).json()
    assert feedback == {
        "campaignRegistrationId": registration_id,
        "status": "SINCH_REJECTED",
        "tcrErrorResponse": [],
        "internalErrorResponse": [{"code": "SINCH_REVIEW_REJECTED", "description": REJECT_REASON}],
    }


def test_the_tcr_marker_is_rejected_by_the_operators_with_feedback(
    client: TestClient, state: EmulatorState
) -> None:
    registration_id = submit(client, description=f"{valid_campaign()['description']} {TCR_REJECT_MARKER}")
    state.clock.advance(STEP * 2)
    assert get(client, registration_id)["status"] == "SUBMITTED"
    state.clock.advance(STEP)

    current = get(client, registration_id)
    assert (current["status"], current["lastActionStatus"]) == ("REJECTED", "CREATE_FAILED")
    feedback = client.get(f"{BASE}/{registration_id}/feedback", headers=BASIC).json()
    assert feedback["tcrErrorResponse"] == [
        {"code": 502, "field": "description", "description": TCR_REJECT_REASON}
    ]
    assert feedback["campaignId"] == current["campaignId"]


def test_an_approved_registration_has_empty_feedback(client: TestClient, state: EmulatorState) -> None:
    registration_id = submit(client)
    state.clock.advance(STEP * 3)

    feedback = client.get(f"{BASE}/{registration_id}/feedback", headers=BASIC).json()

    assert feedback["tcrErrorResponse"] == feedback["internalErrorResponse"] == []


# --- Other endpoints ------------------------------------------------------------------------------
def test_fetch_by_tcr_campaign_id(client: TestClient, state: EmulatorState) -> None:
    registration_id = submit(client)
    state.clock.advance(STEP * 3)
    tcr_id = get(client, registration_id)["campaignId"]

    found = client.get(
        f"{BASE}:fetchByTcrCampaignId", params={"campaignRegistrationIdQuery": tcr_id}, headers=BASIC
    )
    unknown = client.get(
        f"{BASE}:fetchByTcrCampaignId", params={"campaignRegistrationIdQuery": "CNONE00"}, headers=BASIC
    )
    missing = client.get(f"{BASE}:fetchByTcrCampaignId", headers=BASIC)

    assert found.json()["campaignRegistrationId"] == registration_id
    assert unknown.status_code == 404
    assert missing.status_code == 400


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param(
            {"brandId": "BESINCH", "useCase": "MIXED"},
            {"minSubUseCases": 2, "maxSubUseCases": 5},
            id="mixed-bounds",
        ),
        pytest.param(
            {"brandId": "BESINCH", "useCase": "2FA"},
            {"minSubUseCases": 0, "maxSubUseCases": 0},
            id="standard",
        ),
    ],
)
def test_qualify(client: TestClient, params: dict[str, str], expected: dict[str, int]) -> None:
    answer = client.get(f"{BASE}:qualify", params=params, headers=BASIC).json()

    assert {k: answer[k] for k in expected} == expected
    assert answer["useCase"] == params["useCase"]
    assert answer["setupFee"] > 0
    assert {m["mno"] for m in answer["mnoMetadata"].values()} == {
        "AT&T",
        "T-Mobile",
        "Verizon Wireless",
        "US Cellular",
    }


def test_qualify_a_special_use_case_is_not_carried_by_t_mobile(client: TestClient) -> None:
    answer = client.get(
        f"{BASE}:qualify", params={"brandId": "BESINCH", "useCase": "POLITICAL"}, headers=BASIC
    )

    assert answer.json()["mnoMetadata"]["10035"]["qualify"] is False


@pytest.mark.parametrize("brand", ["", "ESINCH", "BTOOLONG1"])
def test_qualify_an_invalid_brand_is_400(client: TestClient, brand: str) -> None:
    answer = client.get(f"{BASE}:qualify", params={"brandId": brand}, headers=BASIC)

    assert answer.status_code == 400
    assert answer.json()["message"] == "Invalid Brand ID"


def test_resubmit_moves_last_action_status(client: TestClient, state: EmulatorState) -> None:
    registration_id = submit(client)
    early = client.put(f"{BASE}/{registration_id}/resubmit", json={}, headers=BASIC)
    assert early.status_code == 400  # not in TCR yet
    state.clock.advance(STEP * 4)

    started = client.put(f"{BASE}/{registration_id}/resubmit", json={"mnos": ["TMO"]}, headers=BASIC)
    again = client.put(f"{BASE}/{registration_id}/resubmit", headers=BASIC)
    in_progress = get(client, registration_id)["lastActionStatus"]
    state.clock.advance(STEP)

    assert started.json() == {}
    assert again.status_code == 400
    assert "already in progress" in again.json()["message"]
    assert in_progress == "RESUBMIT_IN_PROGRESS"
    assert get(client, registration_id)["lastActionStatus"] == "RESUBMIT_SUCCESSFUL"


def test_the_resubmit_marker_fails_with_feedback(client: TestClient, state: EmulatorState) -> None:
    registration_id = submit(client, description=f"{valid_campaign()['description']} {RESUBMIT_FAIL_MARKER}")
    state.clock.advance(STEP * 4)
    client.put(f"{BASE}/{registration_id}/resubmit", headers=BASIC)
    state.clock.advance(STEP)

    assert get(client, registration_id)["lastActionStatus"] == "RESUBMIT_FAILED"
    feedback = client.get(f"{BASE}/{registration_id}/feedback", headers=BASIC).json()
    assert feedback["tcrErrorResponse"][0]["field"] == "mnos"


def test_resubmit_refuses_unknown_mnos(client: TestClient, state: EmulatorState) -> None:
    registration_id = submit(client)
    state.clock.advance(STEP * 4)

    answer = client.put(f"{BASE}/{registration_id}/resubmit", json={"mnos": ["SPRINT"]}, headers=BASIC)

    assert answer.status_code == 400


def test_delete_uses_the_singular_path_and_expires_the_registration(
    client: TestClient, state: EmulatorState
) -> None:
    registration_id = submit(client)
    state.clock.advance(STEP * 4)
    singular = f"/v1/projects/{DEFAULT_PROJECT_ID}/campaignRegistration/{registration_id}"

    plural = client.delete(f"{BASE}/{registration_id}", headers=BASIC)
    first = client.delete(singular, headers=BASIC)
    second = client.delete(singular, headers=BASIC)

    assert plural.status_code == 405
    assert first.json() == second.json() == {}
    current = get(client, registration_id)
    assert (current["status"], current["lastActionStatus"]) == ("EXPIRED", "DELETE_SUCCESSFUL")


def test_unknown_registrations_are_404(client: TestClient) -> None:
    for method, path in [
        ("GET", f"{BASE}/NOPE"),
        ("GET", f"{BASE}/NOPE/feedback"),
        ("PUT", f"{BASE}/NOPE/resubmit"),
        ("DELETE", f"/v1/projects/{DEFAULT_PROJECT_ID}/campaignRegistration/NOPE"),
    ]:
        answer = client.request(method, path, headers=BASIC)
        assert answer.status_code == 404, (method, path)
        assert answer.json()["code"] == 5


# --- List -------------------------------------------------------------------------------------
def test_list_pages_with_tokens_and_filters(client: TestClient, state: EmulatorState) -> None:
    first = submit(client)
    state.clock.advance(1)
    second = submit(client, brandId="BOTHER")
    state.clock.advance(1)
    third = submit(client, useCase="2FA", subUseCases=[])
    state.clock.advance(1)
    rejected = submit(client, brandId=REJECT_BRAND_ID)
    state.clock.advance(STEP)

    page1 = client.get(BASE, params={"pageSize": 3}, headers=BASIC).json()
    page2 = client.get(
        BASE, params={"pageSize": 3, "pageToken": page1["nextPageToken"]}, headers=BASIC
    ).json()
    newest = client.get(BASE, params={"pageSize": 1, "orderBy": "createDate desc"}, headers=BASIC).json()
    by_status = client.get(
        BASE, params=[("status", "SINCH_REJECTED"), ("status", "SINCH_REVIEW")], headers=BASIC
    ).json()
    by_brand = client.get(BASE, params={"brand": "BOTHER"}, headers=BASIC).json()
    by_use_case = client.get(BASE, params={"useCase": "2FA", "mock": "false"}, headers=BASIC).json()
    mocked = client.get(BASE, params={"mock": "true"}, headers=BASIC).json()

    ids = [
        r["campaignRegistrationId"] for r in page1["campaignRegistrations"] + page2["campaignRegistrations"]
    ]
    assert ids == [first, second, third, rejected]
    assert page1["totalSize"] == 4
    assert "nextPageToken" not in page2
    assert [r["campaignRegistrationId"] for r in newest["campaignRegistrations"]] == [rejected]
    assert [r["campaignRegistrationId"] for r in by_status["campaignRegistrations"]] == [rejected]
    assert [r["campaignRegistrationId"] for r in by_brand["campaignRegistrations"]] == [second]
    assert [r["campaignRegistrationId"] for r in by_use_case["campaignRegistrations"]] == [third]
    assert mocked["totalSize"] == 0


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"pageToken": "garbage!"}, id="bad-page-token"),
        pytest.param({"orderBy": "brandId"}, id="bad-order-by"),
        pytest.param({"pageSize": "many"}, id="bad-page-size"),
    ],
)
def test_list_refuses_invalid_parameters(client: TestClient, params: dict[str, str]) -> None:
    answer = client.get(BASE, params=params, headers=BASIC)

    assert answer.status_code == 400
    assert answer.json()["code"] == 3


# --- The hook against the running emulator, both auth modes ------------------------------------------
@pytest.mark.parametrize("auth", ["oauth2", "basic"])
def test_the_hook_drives_the_emulator(emulator: Any, monkeypatch: pytest.MonkeyPatch, auth: str) -> None:
    set_connection(
        monkeypatch,
        "emulated",
        conn_type="sinch_10dlc",
        host=emulator.url,
        login=DEFAULT_KEY_ID,
        password=DEFAULT_KEY_SECRET,
        extra={"project_id": DEFAULT_PROJECT_ID, "token_url": f"{emulator.url}/oauth2/token", "auth": auth},
    )
    hook = Sinch10DLCHook("emulated")

    assert hook.qualify_brand("BESINCH", "MIXED")["maxSubUseCases"] == 5
    registration_id = hook.submit_campaign(valid_campaign())["campaignRegistrationId"]
    assert hook.check_registration(registration_id).outcome == "pending"
    emulator.advance(3 * emulator.state.config.review_step_seconds)
    approved = hook.check_registration(registration_id)
    assert (approved.outcome, approved.status) == ("success", "APPROVED")
    assert (
        hook.get_campaign_by_tcr_id(approved.xcom["campaignId"])["campaignRegistrationId"] == registration_id
    )
    assert [r["campaignRegistrationId"] for r in hook.list_campaigns(page_size=1)] == [registration_id]
    hook.delete_campaign(registration_id)
    assert hook.get_campaign(registration_id)["status"] == "EXPIRED"
    token_requests = [path for method, path in emulator.state.request_log if path == "/oauth2/token"]
    assert len(token_requests) == (1 if auth == "oauth2" else 0)
    assert json.dumps(hook.get_campaign_feedback(registration_id))
