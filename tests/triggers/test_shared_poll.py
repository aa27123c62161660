"""Coalesced polling: a wait served by the shared list poll ends exactly as it would alone.

ONE table of answer sequences (statuses over time, failures, deadlines, a resource the list does
not show) runs two ways on a virtual clock:

* lone: the trigger with ``share_polls=False``, its own client and its own GET per poll;
* coalesced: the same trigger next to a companion wait on the same account, both served by the
  shared list poll.

Both must yield the same events. The fake server answers from the same state either way: a
GET reads the resource, a list filters it by the ``status`` asked for, as Sinch does.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from airflow.sdk import Connection

from airflow_provider_sinch.triggers.campaign import SinchCampaignStatusTrigger
from airflow_provider_sinch.triggers.short_code import SinchShortCodeCampaignStatusTrigger
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger
from tests.conftest import CAMPAIGN_HOST, KEY_ID, KEY_SECRET, SECRET_KEY, SHORT_CODE_HOST, TEN_DLC_HOST
from tests.triggers.virtual_time import EPOCH, run_virtual

INTERVAL = 30.0
PROJECT = "proj-1"
TARGET = "01HTARGET"
COMPANION = "01HCOMPANION"
TOKEN_URL = "https://auth.example.test/oauth2/token"
NOTES = [{"author": "SINCH", "text": "Add a privacy policy link", "createdAt": "2026-01-02T00:00:00Z"}]
FEEDBACK = {
    "campaignRegistrationId": TARGET,
    "tcrErrorResponse": [{"code": "T1", "description": "Opt-in unclear"}],
}
VALIDATION = {"message": ["Missing sender"], "contacts": []}


@dataclass
class Step:
    """The target's state during one poll interval.

    :param status: its status (``None``: unchanged).
    :param listed: whether the lists show it (a campaign older than a year is not listed).
    :param error: what every request about it answers (its GET, feedback, and the lists).
    :param get_error: what only its own GET answers.
    :param list_error: what only the lists answer (400: a filter the server refuses).
    :param feedback_error: what the 10DLC feedback call answers.
    :param tls: every request fails its TLS handshake (a plain-http host reached with https).
    """

    status: str | None = None
    listed: bool = True
    error: int | None = None
    get_error: int | None = None
    list_error: int | None = None
    feedback_error: int | None = None
    tls: bool = False


def tls_failure() -> httpx.ConnectError:
    try:
        try:
            raise ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as outer:
        return outer


@dataclass
class Api:
    name: str
    make: Callable[..., Any]
    conn: Connection
    companion_status: str
    resource: Callable[[str, str], dict[str, Any]]
    list_item: Callable[[str, str], dict[str, Any]]


def _registration(rid: str, status: str) -> dict[str, Any]:
    return {
        "campaignRegistrationId": rid,
        "status": status,
        "campaignId": "CX1",
        "modifiedDate": "2026-01-01T00:00:00Z",
        "brandId": "BX1",
    }


def _sc_campaign(cid: str, status: str) -> dict[str, Any]:
    return {
        "id": cid,
        "name": "Spring",
        "status": status,
        "shortCodes": "12345",
        "notes": NOTES,
        "carrierOrders": [
            {"carrierOrderId": "o1", "carrierId": "1", "carrierName": "AT&T", "status": "PENDING"}
        ],
        "updatedAt": "2026-01-01T00:00:00Z",
    }


def _sc_basic(cid: str, status: str) -> dict[str, Any]:
    whole = _sc_campaign(cid, status)
    return {k: whole[k] for k in ("id", "name", "status", "shortCodes", "updatedAt")}


def _campaign(cid: str, status: str) -> dict[str, Any]:
    return {
        "id": cid,
        "status": status,
        "send_date": "2026-01-01 10:00:00" if status != "draft" else None,
        "contact_count": 3,
        "tag": "t1",
        "name": "Launch",
        "format": "rich",
        "validation_errors": VALIDATION if status == "draft" else {},
    }


def _campaign_item(cid: str, status: str) -> dict[str, Any]:
    item = _campaign(cid, status)
    del item["format"], item["validation_errors"]
    return item


def _oauth_conn(conn_type: str, host: str) -> Connection:
    return Connection(
        conn_id="sinch",
        conn_type=conn_type,
        host=host,
        login=KEY_ID,
        password=KEY_SECRET,
        extra=json.dumps({"project_id": PROJECT, "token_url": TOKEN_URL, "max_retries": 0}),
    )


APIS = {
    "10dlc": Api(
        "10dlc",
        lambda rid, **kw: Sinch10DLCCampaignStatusTrigger(
            campaign_registration_id=rid, project_id=PROJECT, **kw
        ),
        _oauth_conn("sinch_10dlc", TEN_DLC_HOST),
        "SUBMITTED",
        _registration,
        _registration,
    ),
    "short_code": Api(
        "short_code",
        lambda cid, **kw: SinchShortCodeCampaignStatusTrigger(campaign_id=cid, project_id=PROJECT, **kw),
        _oauth_conn("sinch_us_short_code", SHORT_CODE_HOST),
        "PENDING_REVIEW",
        _sc_campaign,
        _sc_basic,
    ),
    "campaign": Api(
        "campaign",
        lambda cid, **kw: SinchCampaignStatusTrigger(campaign_id=cid, **kw),
        Connection(
            conn_id="sinch",
            conn_type="sinch_campaign",
            host=CAMPAIGN_HOST,
            password=SECRET_KEY,
            extra=json.dumps({"max_retries": 0}),
        ),
        "sending",
        _campaign,
        _campaign_item,
    ),
}


class FakeSinch:
    """One API's answers, from the target's step at the virtual time of each request."""

    def __init__(self, api: Api, steps: list[Step], now: Callable[[], float]) -> None:
        self.api = api
        self.steps = steps
        self.now = now
        self.requests: list[str] = []

    def step(self) -> Step:
        index = min(int(self.now() // INTERVAL), len(self.steps) - 1)
        state = Step(**vars(self.steps[index]))
        for earlier in reversed(self.steps[: index + 1]):  # a status holds until it changes
            if earlier.status is not None:
                state.status = earlier.status
                break
        return state

    def status_of(self, rid: str) -> str:
        return self.api.companion_status if rid == COMPANION else str(self.step().status)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, query = request.url.path, parse_qs(request.url.query.decode())
        self.requests.append(f"{request.method} {path}" + (f"?{request.url.query.decode()}" if query else ""))
        if request.method == "POST":  # a token, OAuth2 or the Campaign API's
            return httpx.Response(
                200, json={"access_token": "tok", "expires_in": 3600, "expires": "2099-01-01T00:00:00"}
            )
        step = self.step()
        if step.tls:
            raise tls_failure()
        is_list = path.rstrip("/").endswith(("campaignRegistrations", "campaigns"))
        if is_list:
            error = step.error or step.list_error
            if error:
                return httpx.Response(error, json={"message": "injected", "success": False})
            return self.listing(query, step)
        if TARGET in path:
            error = step.error or (step.feedback_error if path.endswith("/feedback") else step.get_error)
            if error:
                return httpx.Response(error, json={"message": "injected", "success": False})
            if path.endswith("/feedback"):
                return httpx.Response(200, json=FEEDBACK)
        rid = TARGET if TARGET in path else COMPANION
        body = self.api.resource(rid, self.status_of(rid))
        return httpx.Response(
            200, json={"success": True, "campaign": body} if self.api.name == "campaign" else body
        )

    def listing(self, query: dict[str, list[str]], step: Step) -> httpx.Response:
        wanted = set(query.get("status", []))
        ids = [COMPANION] + ([TARGET] if step.listed else [])
        items = [self.api.list_item(rid, self.status_of(rid)) for rid in ids]
        items = [i for i in items if not wanted or i["status"] in wanted]
        if self.api.name == "campaign":
            return httpx.Response(200, json={"success": True, "campaigns": items})
        key = "campaignRegistrations" if self.api.name == "10dlc" else "campaigns"
        return httpx.Response(200, json={key: items, "totalSize": len(items), "nextPageToken": ""})


@dataclass
class Case:
    id: str
    api: str
    expect: str  # how the wait ends: success, failure, error or timeout
    steps: list[Step]
    end_after: float | None = None  # seconds of virtual time before the deadline
    targets: dict[str, Any] = field(default_factory=dict)


S = Step
CASES = [
    Case("10dlc-approved", "10dlc", "success", [S("SINCH_REVIEW"), S("SUBMITTED"), S("APPROVED")]),
    Case("10dlc-active-passes-approved", "10dlc", "success", [S("SUBMITTED"), S("ACTIVE")]),
    Case("10dlc-rejected-quotes-feedback", "10dlc", "failure", [S("SUBMITTED"), S("REJECTED")]),
    Case(
        "10dlc-rejected-feedback-unreadable",
        "10dlc",
        "failure",
        [S("SUBMITTED"), S("REJECTED", feedback_error=500)],
    ),
    Case("10dlc-unknown-status-waits", "10dlc", "success", [S("SUBMITTED"), S("NEW_STATUS"), S("APPROVED")]),
    Case(
        "10dlc-5xx-waited-out",
        "10dlc",
        "success",
        [S("SUBMITTED"), S(error=503), S(error=503), S("APPROVED")],
    ),
    Case("10dlc-429-waited-out", "10dlc", "success", [S("SUBMITTED"), S(error=429), S("APPROVED")]),
    Case(
        "10dlc-missing-from-list",
        "10dlc",
        "success",
        [S("SUBMITTED", listed=False), S("APPROVED", listed=False)],
    ),
    Case(
        "10dlc-list-refused-400",
        "10dlc",
        "success",
        [S("SUBMITTED", list_error=400), S("APPROVED", list_error=400)],
    ),
    Case("10dlc-not-found", "10dlc", "error", [S("SUBMITTED"), S(listed=False, get_error=404)]),
    Case("10dlc-auth-error", "10dlc", "error", [S("SUBMITTED"), S(error=403)]),
    Case("10dlc-tls-misconfigured", "10dlc", "error", [S("SUBMITTED"), S(tls=True)]),
    Case(
        "10dlc-timeout-names-last-status",
        "10dlc",
        "timeout",
        [S("SUBMITTED"), S("SINCH_REVIEW")],
        end_after=75,
    ),
    Case("10dlc-timeout-after-failures", "10dlc", "timeout", [S("SUBMITTED"), S(error=503)], end_after=75),
    Case("10dlc-timeout-never-read", "10dlc", "timeout", [S(error=503)], end_after=45),
    Case("10dlc-deadline-passed-checks-once", "10dlc", "success", [S("APPROVED")], end_after=-5),
    Case(
        "10dlc-success-at-the-deadline",
        "10dlc",
        "success",
        [S("SUBMITTED"), S("SUBMITTED"), S("APPROVED")],
        end_after=61,
    ),
    Case(
        "10dlc-custom-target",
        "10dlc",
        "success",
        [S("SINCH_REVIEW"), S("SINCH_APPROVED")],
        targets={"target_statuses": ["SINCH_APPROVED"]},
    ),
    Case(
        "short-code-completed", "short_code", "success", [S("PENDING_REVIEW"), S("REVIEWING"), S("COMPLETED")]
    ),
    Case("short-code-cancelled-quotes-notes", "short_code", "failure", [S("REVIEWING"), S("CANCELLED")]),
    Case(
        "short-code-awaiting-update", "short_code", "failure", [S("REVIEWING"), S("AWAITING_CLIENT_UPDATE")]
    ),
    Case(
        "short-code-missing-from-list",
        "short_code",
        "success",
        [S("REVIEWING", listed=False), S("COMPLETED", listed=False)],
    ),
    Case("short-code-5xx", "short_code", "success", [S("REVIEWING"), S(error=502), S("COMPLETED")]),
    Case("short-code-timeout", "short_code", "timeout", [S("DRAFT")], end_after=70),
    Case("campaign-sent", "campaign", "success", [S("scheduled"), S("sending"), S("sent")]),
    Case("campaign-draft-with-errors-fails", "campaign", "failure", [S("scheduled"), S("draft")]),
    Case(
        "campaign-older-than-a-year",
        "campaign",
        "success",
        [S("sending", listed=False), S("sent", listed=False)],
    ),
    Case("campaign-5xx", "campaign", "success", [S("sending"), S(error=500), S("sent")]),
    Case("campaign-not-found", "campaign", "error", [S("sending"), S(listed=False, get_error=404)]),
    Case("campaign-timeout", "campaign", "timeout", [S("scheduled")], end_after=100),
]


def run_case(
    case: Case, *, shared: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[dict[str, Any]], FakeSinch]:
    api = APIS[case.api]

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        fake = FakeSinch(api, case.steps, loop.time)
        holder.append(fake)
        transport = httpx.MockTransport(fake)
        end_time = None if case.end_after is None else EPOCH + case.end_after
        target = api.make(
            TARGET,
            sinch_conn_id="sinch",
            poll_interval=INTERVAL,
            end_time=end_time,
            share_polls=shared,
            **case.targets,
        )
        triggers = [target]
        if shared:
            triggers.append(api.make(COMPANION, sinch_conn_id="sinch", poll_interval=INTERVAL))
        for trigger in triggers:

            async def build(trigger: Any = trigger) -> Any:
                return trigger.connection_kind.async_transport(
                    api.conn, trigger.hook_params, mock_transport=transport, share_client=trigger.share_polls
                )

            monkeypatch.setattr(trigger, "_transport", build)

        async def events_of(trigger: Any) -> list[dict[str, Any]]:
            return [event.payload async for event in trigger.run()]

        companions = [asyncio.ensure_future(events_of(t)) for t in triggers[1:]]
        try:
            return await events_of(target)
        finally:
            for task in companions:
                task.cancel()
            await asyncio.gather(*companions, return_exceptions=True)

    holder: list[FakeSinch] = []
    events = run_virtual(scenario(), monkeypatch)
    return events, holder[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_coalesced_wait_ends_like_a_lone_one(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    lone, lone_server = run_case(case, shared=False, monkeypatch=monkeypatch)
    coalesced, shared_server = run_case(case, shared=True, monkeypatch=monkeypatch)

    assert coalesced == lone
    assert len(lone) == 1
    ended = "timeout" if lone[0].get("timeout") else lone[0]["status"]
    assert ended == case.expect, lone[0]
    # The lone wait never lists; the coalesced one was served by lists, not only by its own GETs.
    assert not any("?" in r and "status=" in r for r in lone_server.requests if r.startswith("GET"))
    assert any(
        r.startswith("GET")
        and r.split("?")[0].endswith("campaigns" if case.api != "10dlc" else "campaignRegistrations")
        for r in shared_server.requests
    )
