"""Sinch10DLCHook: every endpoint of the document, both auth modes, retries, and the pure decisions."""

from __future__ import annotations

import base64
import logging
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from airflow_provider_sinch.exceptions import (
    SinchBadRequestError,
    SinchNotFoundError,
    SinchServerError,
    SinchValidationError,
)
from airflow_provider_sinch.hooks.ten_dlc import (
    Sinch10DLCHook,
    describe_feedback,
    evaluate_registration,
    evaluate_resubmit,
)
from tests.conftest import KEY_ID, KEY_SECRET, PROJECT_ID, TEN_DLC_HOST, TOKEN_URL, set_connection
from tests.test_ten_dlc_validation import valid_campaign

BASE = f"{TEN_DLC_HOST}/v1/projects/{PROJECT_ID}"
REG_ID = "01HZX3J6M5Q8R7T2V9W4Y6Z8AB"
BEARER = "Bearer oauth-token-1"
BASIC = "Basic " + base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()


@pytest.fixture
def hook(ten_dlc_conn: str, oauth_token: Any) -> Sinch10DLCHook:
    return Sinch10DLCHook()


@pytest.fixture
def basic_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    set_connection(
        monkeypatch,
        "sinch_10dlc_basic",
        conn_type="sinch_10dlc",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, "auth": "basic"},
    )
    return "sinch_10dlc_basic"


def query(url: str) -> list[tuple[str, str]]:
    """The query string as sent, in order and with its case (requests_mock lowercases ``qs``)."""
    return parse_qsl(urlsplit(url).query)


def registration(status: str = "SINCH_REVIEW", **fields: Any) -> dict[str, Any]:
    return {
        "campaignRegistrationId": REG_ID,
        "brandId": "BESINCH",
        "useCase": "MIXED",
        "status": status,
        **fields,
    }


# --- Endpoints ----------------------------------------------------------------------------------
def test_submit_campaign_posts_the_validated_body_with_defaults(
    hook: Sinch10DLCHook, requests_mock: Any
) -> None:
    route = requests_mock.post(
        f"{BASE}/campaignRegistrations:submit", json={"campaignRegistrationId": REG_ID}
    )

    answer = hook.submit_campaign(valid_campaign())

    assert answer == {"campaignRegistrationId": REG_ID}
    sent = route.last_request
    assert sent.method == "POST"
    assert sent.url == f"{BASE}/campaignRegistrations:submit"
    assert sent.headers["Authorization"] == BEARER
    body = sent.json()
    assert body["brandId"] == "BESINCH"
    assert body["subUseCases"] == ["2FA", "ACCOUNT_NOTIFICATION"]
    assert body["autoRenewal"] is True
    assert body["numberPool"] is False


def test_submit_campaign_checks_every_rule_before_any_request(
    hook: Sinch10DLCHook, requests_mock: Any
) -> None:
    with pytest.raises(SinchValidationError) as err:
        hook.submit_campaign(valid_campaign(description="short", brandId="NOPE"))

    assert err.value.fields == ["description", "brandId"]
    assert requests_mock.call_count == 0


def test_get_campaign(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    route = requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=registration("APPROVED"))

    assert hook.get_campaign(REG_ID)["status"] == "APPROVED"
    assert route.last_request.url == f"{BASE}/campaignRegistrations/{REG_ID}"
    assert route.last_request.headers["Authorization"] == BEARER


def test_get_campaign_by_tcr_id_uses_the_documented_query_parameter(
    hook: Sinch10DLCHook, requests_mock: Any
) -> None:
    route = requests_mock.get(
        f"{BASE}/campaignRegistrations:fetchByTcrCampaignId",
        json=registration("ACTIVE", campaignId="CX12345"),
    )

    answer = hook.get_campaign_by_tcr_id("CX12345")

    assert answer["campaignId"] == "CX12345"
    assert (
        route.last_request.url
        == f"{BASE}/campaignRegistrations:fetchByTcrCampaignId?campaignRegistrationIdQuery=CX12345"
    )


@pytest.mark.parametrize(
    ("use_case", "query"),
    [
        pytest.param("MIXED", "?brandId=BESINCH&useCase=MIXED", id="with-use-case"),
        pytest.param(None, "?brandId=BESINCH", id="brand-only"),
    ],
)
def test_qualify_brand(hook: Sinch10DLCHook, requests_mock: Any, use_case: str | None, query: str) -> None:
    answer = {
        "useCase": "MIXED",
        "setupFee": 15.0,
        "monthlyFee": 10.0,
        "minSubUseCases": 2,
        "maxSubUseCases": 5,
    }
    route = requests_mock.get(f"{BASE}/campaignRegistrations:qualify", json=answer)

    assert hook.qualify_brand("BESINCH", use_case) == answer
    assert route.last_request.url == f"{BASE}/campaignRegistrations:qualify{query}"


def test_delete_campaign_uses_the_documents_singular_path(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    route = requests_mock.delete(f"{BASE}/campaignRegistration/{REG_ID}", json={})

    assert hook.delete_campaign(REG_ID) == {}
    assert route.last_request.method == "DELETE"
    assert route.last_request.url == f"{BASE}/campaignRegistration/{REG_ID}"


def test_get_campaign_feedback(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    feedback = {"campaignRegistrationId": REG_ID, "status": "REJECTED", "tcrErrorResponse": [{"code": 1}]}
    route = requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}/feedback", json=feedback)

    assert hook.get_campaign_feedback(REG_ID) == feedback
    assert route.last_request.url == f"{BASE}/campaignRegistrations/{REG_ID}/feedback"


@pytest.mark.parametrize(
    ("mnos", "body"),
    [
        pytest.param(None, {}, id="all-mnos"),
        pytest.param(["ATT", "TMO"], {"mnos": ["ATT", "TMO"]}, id="some"),
    ],
)
def test_resubmit_campaign(
    hook: Sinch10DLCHook, requests_mock: Any, mnos: list[str] | None, body: Any
) -> None:
    route = requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})

    assert hook.resubmit_campaign(REG_ID, mnos) == {}
    assert route.last_request.method == "PUT"
    assert route.last_request.json() == body


def test_resubmit_refuses_unknown_mnos_before_any_request(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    with pytest.raises(SinchValidationError, match=r"\['SPRINT'\] are not MNOs"):
        hook.resubmit_campaign(REG_ID, ["SPRINT"])
    assert requests_mock.call_count == 0


def test_list_campaigns_follows_page_tokens_and_sends_every_filter(
    hook: Sinch10DLCHook, requests_mock: Any
) -> None:
    url = f"{BASE}/campaignRegistrations"
    requests_mock.get(
        url,
        [
            {
                "json": {
                    "campaignRegistrations": [registration(), registration()],
                    "nextPageToken": "p2",
                    "totalSize": 3,
                }
            },
            {
                "json": {
                    "campaignRegistrations": [registration("ACTIVE")],
                    "nextPageToken": "",
                    "totalSize": 3,
                }
            },
        ],
    )

    items = list(
        hook.list_campaigns(
            status=["APPROVED", "ACTIVE"],
            mock=False,
            use_case="MIXED",
            brand="BESINCH",
            page_size=2,
            order_by="createDate desc",
        )
    )

    assert [i["status"] for i in items] == ["SINCH_REVIEW", "SINCH_REVIEW", "ACTIVE"]
    first, second = (r for r in requests_mock.request_history if r.url.startswith(url))
    filters = [
        ("status", "APPROVED"),
        ("status", "ACTIVE"),
        ("mock", "false"),
        ("useCase", "MIXED"),
        ("brand", "BESINCH"),
        ("pageSize", "2"),
        ("orderBy", "createDate desc"),
    ]
    assert query(first.url) == filters
    assert sorted(query(second.url)) == sorted([*filters, ("pageToken", "p2")])


def test_list_campaigns_is_lazy(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations", json={"campaignRegistrations": [], "totalSize": 0})

    pages = hook.list_campaigns()

    assert requests_mock.call_count == 0
    assert list(pages) == []


def test_project_id_argument_overrides_the_connection(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    route = requests_mock.get(
        f"{TEN_DLC_HOST}/v1/projects/other/campaignRegistrations/{REG_ID}", json=registration()
    )

    hook.get_campaign(REG_ID, project_id="other")

    assert route.called


def test_a_missing_project_id_is_a_validation_error(
    monkeypatch: pytest.MonkeyPatch, requests_mock: Any
) -> None:
    set_connection(monkeypatch, "no_project", conn_type="sinch_10dlc", login=KEY_ID, password=KEY_SECRET)

    with pytest.raises(SinchValidationError, match="project_id: is required: pass project_id or set it"):
        Sinch10DLCHook("no_project").get_campaign(REG_ID)
    assert requests_mock.call_count == 0


# --- Auth ---------------------------------------------------------------------------------------
def test_oauth2_fetches_one_token_and_reuses_it(
    hook: Sinch10DLCHook, requests_mock: Any, oauth_token: Any
) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=registration())

    hook.get_campaign(REG_ID)
    hook.get_campaign(REG_ID)

    assert oauth_token.call_count == 1
    token_request = oauth_token.last_request
    assert token_request.url == TOKEN_URL
    assert token_request.headers["Authorization"] == BASIC
    assert token_request.text == "grant_type=client_credentials"


def test_oauth2_renews_the_token_once_on_401(
    hook: Sinch10DLCHook, requests_mock: Any, oauth_token: Any
) -> None:
    route = requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [{"status_code": 401, "json": {"code": 16, "message": "expired"}}, {"json": registration()}],
    )

    assert hook.get_campaign(REG_ID)["campaignRegistrationId"] == REG_ID
    assert oauth_token.call_count == 2
    assert route.call_count == 2


def test_basic_auth_sends_the_key_pair_on_every_request(basic_conn: str, requests_mock: Any) -> None:
    token = requests_mock.post(TOKEN_URL, json={"access_token": "never"})
    route = requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=registration())
    hook = Sinch10DLCHook(basic_conn)

    hook.get_campaign(REG_ID)
    hook.get_campaign(REG_ID)

    assert [r.headers["Authorization"] for r in route.request_history] == [BASIC, BASIC]
    assert not token.called


def test_the_default_host_and_token_url_apply_when_the_connection_leaves_them_out(
    monkeypatch: pytest.MonkeyPatch, requests_mock: Any, oauth_token: Any
) -> None:
    set_connection(
        monkeypatch,
        "bare",
        conn_type="sinch_10dlc",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID},
    )
    route = requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=registration())

    Sinch10DLCHook("bare").get_campaign(REG_ID)

    assert route.last_request.headers["Authorization"] == BEARER
    assert oauth_token.last_request.url == "https://auth.sinch.com/oauth2/token"


def test_an_unknown_auth_mode_is_refused(monkeypatch: pytest.MonkeyPatch, requests_mock: Any) -> None:
    set_connection(
        monkeypatch,
        "weird",
        conn_type="sinch_10dlc",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"auth": "apikey"},
    )

    with pytest.raises(
        SinchValidationError, match=r"auth: must be one of \['oauth2', 'basic'\], got 'apikey'"
    ):
        Sinch10DLCHook("weird").get_campaign(REG_ID, project_id="p")
    assert requests_mock.call_count == 0


def test_secrets_never_appear_in_errors(basic_conn: str, requests_mock: Any) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}", status_code=404, json={"code": 5, "message": "not found"}
    )

    with pytest.raises(SinchNotFoundError) as err:
        Sinch10DLCHook(basic_conn).get_campaign(REG_ID)

    assert KEY_SECRET not in str(err.value)
    assert BASIC.split()[1] not in str(err.value)


# --- Retries and errors ---------------------------------------------------------------------------
def test_429_is_retried_with_backoff(hook: Sinch10DLCHook, requests_mock: Any, slept: list[float]) -> None:
    route = requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [
            {
                "status_code": 429,
                "headers": {"Retry-After": "7"},
                "json": {"code": 8, "message": "Over limit"},
            },
            {"json": registration("ACTIVE")},
        ],
    )

    assert hook.get_campaign(REG_ID)["status"] == "ACTIVE"
    assert route.call_count == 2
    assert len(slept) == 1
    assert slept[0] >= 7.0


def test_a_429_on_the_paid_submit_is_retried_too(
    hook: Sinch10DLCHook, requests_mock: Any, slept: list[float]
) -> None:
    route = requests_mock.post(
        f"{BASE}/campaignRegistrations:submit",
        [
            {"status_code": 429, "json": {"code": 8, "message": "Over limit"}},
            {"json": {"campaignRegistrationId": REG_ID}},
        ],
    )

    assert hook.submit_campaign(valid_campaign()) == {"campaignRegistrationId": REG_ID}
    assert route.call_count == 2
    assert len(slept) == 1


def test_a_5xx_on_the_paid_submit_is_not_repeated(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    route = requests_mock.post(
        f"{BASE}/campaignRegistrations:submit", status_code=500, json={"code": 13, "message": "INTERNAL"}
    )

    with pytest.raises(SinchServerError, match="HTTP 500: INTERNAL"):
        hook.submit_campaign(valid_campaign())
    assert route.call_count == 1


def test_a_5xx_on_a_read_is_retried(hook: Sinch10DLCHook, requests_mock: Any, slept: list[float]) -> None:
    route = requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}", [{"status_code": 503}, {"json": registration()}]
    )

    hook.get_campaign(REG_ID)

    assert route.call_count == 2
    assert len(slept) == 1


def test_a_400_quotes_the_field_violations(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations:qualify",
        status_code=400,
        json={
            "code": 3,
            "message": "Invalid Brand ID",
            "details": [{"fieldViolations": [{"field": "brandId", "description": "Invalid Brand ID"}]}],
        },
    )

    with pytest.raises(SinchBadRequestError) as err:
        hook.qualify_brand("BNOPE")

    assert err.value.status_code == 400
    assert "Invalid Brand ID" in str(err.value)
    assert "brandId: Invalid Brand ID" in str(err.value)


@pytest.mark.parametrize(
    ("answer", "ok", "message"),
    [
        pytest.param(
            {"json": {"totalSize": 4}},
            True,
            "Listed the campaign registrations of project proj-123 (4",
            id="ok",
        ),
        pytest.param(
            {"status_code": 403, "json": {"code": 7, "message": "denied"}}, False, "HTTP 403", id="denied"
        ),
    ],
)
def test_test_connection_lists_one_page(
    hook: Sinch10DLCHook, requests_mock: Any, answer: dict[str, Any], ok: bool, message: str
) -> None:
    route = requests_mock.get(f"{BASE}/campaignRegistrations", **answer)

    result = hook.test_connection()

    assert result[0] is ok
    assert message in result[1]
    assert query(route.last_request.url) == [("pageSize", "1")]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        pytest.param(
            {},
            f"https://dashboard.sinch.com/numbers/10dlc/campaigns/{REG_ID}?projectId={PROJECT_ID}",
            id="default",
        ),
        pytest.param(
            {"dashboard_url": "https://example.test/{project_id}/{campaign_registration_id}"},
            f"https://example.test/{PROJECT_ID}/{REG_ID}",
            id="from-extra",
        ),
    ],
)
def test_campaign_url(monkeypatch: pytest.MonkeyPatch, extra: dict[str, str], expected: str) -> None:
    set_connection(
        monkeypatch,
        "links",
        conn_type="sinch_10dlc",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, **extra},
    )

    assert Sinch10DLCHook("links").campaign_url(REG_ID) == expected


# --- The pure decisions -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "targets", "outcome"),
    [
        pytest.param("SINCH_REVIEW", ("APPROVED", "ACTIVE"), "pending", id="review-pending"),
        pytest.param("SINCH_APPROVED", ("APPROVED", "ACTIVE"), "pending", id="sinch-approved-pending"),
        pytest.param("SUBMITTED", ("APPROVED", "ACTIVE"), "pending", id="submitted-pending"),
        pytest.param("APPROVED", ("APPROVED", "ACTIVE"), "success", id="approved"),
        pytest.param("ACTIVE", ("APPROVED", "ACTIVE"), "success", id="active"),
        pytest.param("ACTIVE", ("SINCH_APPROVED",), "success", id="later-step-passes-an-earlier-target"),
        pytest.param("SINCH_REVIEW", ("SUBMITTED",), "pending", id="earlier-step-does-not"),
        pytest.param("SINCH_REJECTED", ("APPROVED", "ACTIVE"), "failure", id="sinch-rejected"),
        pytest.param("REJECTED", ("APPROVED", "ACTIVE"), "failure", id="rejected"),
        pytest.param("EXPIRED", ("APPROVED", "ACTIVE"), "failure", id="expired"),
        pytest.param("SUBMISSION_FAILED", ("APPROVED", "ACTIVE"), "failure", id="submission-failed"),
        pytest.param("EXPIRED", ("EXPIRED",), "success", id="a-targeted-failure-status-is-success"),
        pytest.param("BRAND_NEW_STATUS", ("APPROVED",), "pending", id="unknown-is-pending"),
        pytest.param(None, ("APPROVED",), "pending", id="missing-is-pending"),
    ],
)
def test_evaluate_registration(status: str | None, targets: tuple[str, ...], outcome: str) -> None:
    result = evaluate_registration(registration(status) if status else {}, REG_ID, targets)

    assert result.outcome == outcome
    assert result.status == status
    assert result.resource == f"10DLC campaign registration {REG_ID}"


def test_an_unknown_status_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        evaluate_registration(registration("ON_HOLD"), REG_ID)

    assert "'ON_HOLD', which this provider does not know" in caplog.text


def test_a_rejection_quotes_the_feedback() -> None:
    feedback = {
        "tcrErrorResponse": [
            {"code": 502, "field": "description", "description": "does not match the use case"}
        ],
        "internalErrorResponse": [{"description": "Insufficient opt-in"}],
    }

    result = evaluate_registration(registration("REJECTED"), REG_ID, feedback=feedback)

    assert result.outcome == "failure"
    assert result.message == (
        "Sinch feedback: TCR errors: [502] description: does not match the use case"
        " | internal errors: Insufficient opt-in"
    )


@pytest.mark.parametrize(
    ("feedback", "error", "expected"),
    [
        pytest.param(
            {"tcrErrorResponse": [], "internalErrorResponse": []},
            None,
            "the feedback endpoint gave no reason",
            id="empty",
        ),
        pytest.param(None, "HTTP 500", "the feedback endpoint could not be read: HTTP 500", id="unreadable"),
    ],
)
def test_a_rejection_without_reasons_says_so(feedback: Any, error: str | None, expected: str) -> None:
    result = evaluate_registration(
        registration("SINCH_REJECTED"), REG_ID, feedback=feedback, feedback_error=error
    )

    assert result.message == expected


def test_success_carries_a_small_summary() -> None:
    result = evaluate_registration(
        registration("APPROVED", campaignId="CX12345", description="long text"), REG_ID
    )

    assert result.xcom == {
        "campaignRegistrationId": REG_ID,
        "campaignId": "CX12345",
        "brandId": "BESINCH",
        "useCase": "MIXED",
        "status": "APPROVED",
    }
    assert result.message == f"10DLC campaign registration {REG_ID} is APPROVED (TCR campaign CX12345)"


@pytest.mark.parametrize(
    ("action", "status", "outcome"),
    [
        pytest.param("RESUBMIT_IN_PROGRESS", "ACTIVE", "pending", id="in-progress"),
        pytest.param("RESUBMIT_SUCCESSFUL", "ACTIVE", "success", id="successful"),
        pytest.param("RESUBMIT_FAILED", "ACTIVE", "failure", id="failed"),
        pytest.param("CREATE_SUCCESSFUL", "ACTIVE", "pending", id="not-started-yet"),
        pytest.param("SOMETHING_NEW", "ACTIVE", "pending", id="unknown"),
        pytest.param("DELETE_SUCCESSFUL", "EXPIRED", "failure", id="deleted-meanwhile"),
    ],
)
def test_evaluate_resubmit(action: str, status: str, outcome: str) -> None:
    result = evaluate_resubmit(registration(status, lastActionStatus=action), REG_ID)

    assert result.outcome == outcome
    assert result.status == action


def test_describe_feedback_handles_any_entry_shape() -> None:
    feedback = {
        "tcrErrorResponse": [{"errorCode": "E1", "errorDescription": "bad sample"}, {"unexpected": 1}],
        "internalErrorResponse": {"message": "one object, not a list"},
    }

    assert describe_feedback(feedback) == (
        'TCR errors: [E1] bad sample; {"unexpected": 1} | internal errors: one object, not a list'
    )
    assert describe_feedback(None) == ""


def test_check_registration_reads_the_feedback_only_on_failure(
    hook: Sinch10DLCHook, requests_mock: Any
) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [{"json": registration("SUBMITTED")}, {"json": registration("SINCH_REJECTED")}],
    )
    feedback = requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}/feedback",
        json={"internalErrorResponse": [{"code": "X", "description": "Brand name mismatch"}]},
    )

    assert hook.check_registration(REG_ID).outcome == "pending"
    assert not feedback.called
    rejected = hook.check_registration(REG_ID)
    assert rejected.outcome == "failure"
    assert rejected.message == "Sinch feedback: internal errors: [X] Brand name mismatch"


def test_check_resubmit_reads_the_feedback_when_it_failed(hook: Sinch10DLCHook, requests_mock: Any) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        json=registration("ACTIVE", lastActionStatus="RESUBMIT_FAILED"),
    )
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}/feedback",
        status_code=500,
        json={"code": 13, "message": "boom"},
    )

    result = hook.check_resubmit(REG_ID)

    assert result.outcome == "failure"
    assert result.message.startswith("the feedback endpoint could not be read:")
