"""Every multi-call check of the API layer, from ONE table of cases, run three ways:

* fed canned answers directly (no HTTP at all): the operation is plain code;
* through the hooks' sync transport (``requests``, mocked with ``requests_mock``);
* through the triggers' async transport (``httpx`` with a ``MockTransport``).

All three must make the same calls and reach the same result.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from airflow_provider_sinch._ahttp import AsyncTransport
from airflow_provider_sinch._http import SyncTransport
from airflow_provider_sinch._transport import HttpSettings, error_from_response, is_api_error
from airflow_provider_sinch.apis import campaign, short_code, ten_dlc
from airflow_provider_sinch.apis._core import Call, Operation, drive
from airflow_provider_sinch.statuses import PollResult

HOST = "https://api.example.test"
PROJECT = "proj-1"
REG = "01HREG"
CID = "c-1"
REG_PATH = f"/v1/projects/{PROJECT}/campaignRegistrations/{REG}"
FEEDBACK_PATH = f"{REG_PATH}/feedback"
SC_PATH = f"/v1/projects/{PROJECT}/campaigns/{CID}"
CAMPAIGN_PATH = f"/v1/campaigns/{CID}"
FEEDBACK = {
    "campaignRegistrationId": REG,
    "internalErrorResponse": [{"code": "SINCH_REVIEW_REJECTED", "description": "Insufficient opt-in"}],
}


@dataclass
class Case:
    name: str
    operation: Callable[[], Operation[PollResult]]
    answers: dict[str, tuple[int, Any]]
    outcome: str
    status: str | None
    calls: list[str]
    message_has: list[str] = field(default_factory=list)


def registration(status: str, **extra: Any) -> tuple[int, Any]:
    return 200, {"campaignRegistrationId": REG, "status": status, **extra}


CASES = [
    Case(
        "10dlc-approved",
        lambda: ten_dlc.check_registration(PROJECT, REG),
        {REG_PATH: registration("APPROVED", campaignId="CX1")},
        "success",
        "APPROVED",
        [REG_PATH],
        ["TCR campaign CX1"],
    ),
    Case(
        "10dlc-pending",
        lambda: ten_dlc.check_registration(PROJECT, REG),
        {REG_PATH: registration("SINCH_REVIEW")},
        "pending",
        "SINCH_REVIEW",
        [REG_PATH],
    ),
    Case(
        "10dlc-unknown-status-is-pending",
        lambda: ten_dlc.check_registration(PROJECT, REG),
        {REG_PATH: registration("SOMETHING_NEW")},
        "pending",
        "SOMETHING_NEW",
        [REG_PATH],
    ),
    Case(
        "10dlc-rejected-quotes-feedback",
        lambda: ten_dlc.check_registration(PROJECT, REG),
        {REG_PATH: registration("REJECTED"), FEEDBACK_PATH: (200, FEEDBACK)},
        "failure",
        "REJECTED",
        [REG_PATH, FEEDBACK_PATH],
        ["SINCH_REVIEW_REJECTED", "Insufficient opt-in"],
    ),
    Case(
        "10dlc-rejected-feedback-unreadable",
        lambda: ten_dlc.check_registration(PROJECT, REG),
        {REG_PATH: registration("SINCH_REJECTED"), FEEDBACK_PATH: (403, {"code": 7, "message": "denied"})},
        "failure",
        "SINCH_REJECTED",
        [REG_PATH, FEEDBACK_PATH],
        ["the feedback endpoint could not be read", "denied"],
    ),
    Case(
        "10dlc-resubmit-failed-quotes-feedback",
        lambda: ten_dlc.check_resubmit(PROJECT, REG),
        {
            REG_PATH: registration("ACTIVE", lastActionStatus="RESUBMIT_FAILED"),
            FEEDBACK_PATH: (200, FEEDBACK),
        },
        "failure",
        "RESUBMIT_FAILED",
        [REG_PATH, FEEDBACK_PATH],
        ["Insufficient opt-in"],
    ),
    Case(
        "10dlc-resubmit-succeeded",
        lambda: ten_dlc.check_resubmit(PROJECT, REG),
        {REG_PATH: registration("ACTIVE", lastActionStatus="RESUBMIT_SUCCESSFUL")},
        "success",
        "RESUBMIT_SUCCESSFUL",
        [REG_PATH],
    ),
    Case(
        "campaign-sent",
        lambda: campaign.check_campaign(CID),
        {CAMPAIGN_PATH: (200, {"success": True, "campaign": {"id": CID, "status": "sent"}})},
        "success",
        "sent",
        [CAMPAIGN_PATH],
    ),
    Case(
        "campaign-draft-with-validation-errors",
        lambda: campaign.check_campaign(CID),
        {
            CAMPAIGN_PATH: (
                200,
                {
                    "success": True,
                    "campaign": {"id": CID, "status": "draft", "validation_errors": {"sender": ["too long"]}},
                },
            )
        },
        "failure",
        "draft",
        [CAMPAIGN_PATH],
        ["sender: too long"],
    ),
    Case(
        "short-code-cancelled-quotes-notes",
        lambda: short_code.check_campaign_status(PROJECT, CID),
        {
            SC_PATH: (
                200,
                {"id": CID, "status": "CANCELLED", "notes": [{"author": "SINCH", "text": "No opt-in"}]},
            )
        },
        "failure",
        "CANCELLED",
        [SC_PATH],
        ["No opt-in"],
    ),
    Case(
        "short-code-carrier-order-rejected",
        lambda: short_code.check_carrier_orders(PROJECT, CID),
        {
            SC_PATH: (
                200,
                {
                    "id": CID,
                    "status": "CARRIER_SUBMITTED",
                    "carrierOrders": [{"carrierId": "1", "carrierName": "T-Mobile", "status": "REJECTED"}],
                },
            )
        },
        "failure",
        "REJECTED",
        [SC_PATH],
        ["T-Mobile"],
    ),
]
IDS = [case.name for case in CASES]


def check(case: Case, result: PollResult, calls: list[str]) -> None:
    assert (result.outcome, result.status) == (case.outcome, case.status)
    for text in case.message_has:
        assert text in result.message
    assert calls == case.calls


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fed_canned_answers_without_http(case: Case) -> None:
    calls: list[str] = []

    def send(call: Call) -> Any:
        path = call.endpoint.format_path(call.path_params)
        calls.append(path)
        status, body = case.answers[path]
        if status >= 400:
            raise error_from_response(status, body, method=call.endpoint.method, path=path, headers={})
        return call.endpoint.parse(body)

    check(case, drive(case.operation(), send, is_api_error), calls)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_through_the_sync_transport(case: Case, requests_mock: Any) -> None:
    for path, (status, body) in case.answers.items():
        requests_mock.get(f"{HOST}{path}", status_code=status, json=body)
    transport = SyncTransport(HOST, auth=None, settings=HttpSettings(max_retries=0), account_key="k")

    result = transport.run(case.operation())

    check(case, result, [request.path for request in requests_mock.request_history])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_through_the_async_transport(case: Case) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        status, body = case.answers[request.url.path]
        return httpx.Response(
            status, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )

    async def go() -> PollResult:
        transport = AsyncTransport(
            HOST,
            auth=None,
            settings=HttpSettings(max_retries=0),
            account_key="k",
            mock_transport=httpx.MockTransport(handler),
        )
        try:
            return await transport.run(case.operation())
        finally:
            await transport.aclose()

    check(case, asyncio.run(go()), calls)


def test_an_error_on_a_required_call_is_raised_not_absorbed() -> None:
    def send(call: Call) -> Any:
        raise error_from_response(
            404, {"code": 5, "message": "not found"}, method="GET", path="/x", headers={}
        )

    with pytest.raises(Exception, match="not found"):
        drive(ten_dlc.check_registration(PROJECT, REG), send, is_api_error)


@pytest.mark.parametrize(
    ("errors", "reason"),
    [
        ({"sender": ["too long"], "message": []}, "sender: too long"),
        ({"sender": "too long"}, "sender: too long"),
        (["sender too long", "no message"], "sender too long; no message"),
        ("sender too long", "sender too long"),
    ],
    ids=["documented-object", "object-of-strings", "list", "string"],
)
def test_a_draft_fails_quoting_its_validation_errors_whatever_their_shape(errors: Any, reason: str) -> None:
    result = campaign.evaluate_campaign(
        {"id": CID, "status": "draft", "validation_errors": errors}, CID, ["sent"]
    )
    assert (result.outcome, result.message) == ("failure", f"draft with validation errors: {reason}")


@pytest.mark.parametrize(
    "errors", [None, {}, [], {"sender": []}], ids=["none", "empty-object", "empty-list", "empty-field"]
)
def test_a_draft_without_validation_errors_is_pending(errors: Any) -> None:
    result = campaign.evaluate_campaign(
        {"id": CID, "status": "draft", "validation_errors": errors}, CID, ["sent"]
    )
    assert result.outcome == "pending"
