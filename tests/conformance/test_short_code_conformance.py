"""Schemathesis drives the running emulator from the US Short Code OpenAPI document.

Every operation of ``us-short-code-api.openapi.yaml`` is called with schema-valid and
schema-invalid requests (examples, coverage and fuzzing phases), on real ids: a fresh campaign
per case, in the state the operation needs, its carrier orders and attachments. Every check
Schemathesis has is on. A failure is tolerated only when the answer is one of the document's
own business rules, listed in :data:`ALLOWED` with the sentence of the document it comes from.

Bounded for a 2-core machine: a fixed seed, deterministic generation, a few examples per
operation (``MAX_EXAMPLES``).
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import Config

from airflow_provider_sinch.emulator.core import (
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
    Clock,
    EmulatorConfig,
    EmulatorState,
)
from airflow_provider_sinch.emulator.openapi import SHORT_CODE_SPEC

MAX_EXAMPLES = 5
STEP = 5.0
READY = {
    "name": "Conformance",
    "trafficCharge": "STANDARD",
    "scRequested": True,
    "brandId": "B1",
    "carrierIds": ["1", "2"],
    "complianceEmails": ["c@x.example"],
    "customerCare": {"optOutKeywords": "STOP"},
    "contentDefinitions": [{"messageType": "SMS"}],
    "termsAndConditions": {"url": "https://x.example/terms"},
    "privacyPolicy": {"text": "We never share data."},
}

CONFIG = Config.from_dict(
    {
        "seed": 20261130,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all"},
        "checks": {"enabled": True},
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_path(str(SHORT_CODE_SPEC), config=CONFIG)
ALL_CHECKS = [check for check in schemathesis.checks.CHECKS.get_all() if callable(check)]


def _check(name: str) -> Any:
    return schemathesis.checks.CHECKS.get_one(name)


# --- The allow-list: answers of the document's own rules ---------------------------------------------
@dataclass(frozen=True)
class Allowed:
    """A 400 the document's descriptions call for, and the checks it cannot satisfy.

    ``violation`` judges one field violation (a 400 is allowed when every violation it lists is
    allowed); ``error`` judges the whole error instead.
    """

    reason: str
    operations: frozenset[str]
    excluded_checks: tuple[str, ...]
    violation: Callable[[dict[str, Any]], bool] | None = None
    error: Callable[[dict[str, Any]], bool] | None = None


def _violations(error: dict[str, Any]) -> list[dict[str, Any]]:
    return [v for d in error.get("details", []) for v in d.get("fieldViolations", [])]


EDIT = frozenset({"createCampaign", "updateCampaign"})
NO_400 = frozenset({"listCampaigns", "addCampaignNote", "addCarrierOrderNote", "uploadCampaignAttachment"})
ALLOWED = (
    # FieldViolation's own example: "Carrier Id 123 does not exist." A schema-valid carrier id
    # that /carriers does not list is refused.
    Allowed(
        "unknown carrier id",
        EDIT,
        ("positive_data_acceptance",),
        violation=lambda v: v["description"].startswith("Carrier Id "),
    ),
    # updateCampaign / submitCampaign / cancelCampaign: "The campaign must be in DRAFT or
    # AWAITING_CLIENT_UPDATE status ... If the campaign is in any other status, an error will be
    # returned." ("BAD_REQUEST: Campaign in illegal state").
    Allowed(
        "campaign in illegal state",
        frozenset({"updateCampaign", "submitCampaign", "cancelCampaign"}),
        ("positive_data_acceptance",),
        error=lambda e: e.get("message", "").startswith("Campaign in illegal state"),
    ),
    # ContentDefinitionRequest.contentDefinitionId: "If the Content Definition does not exist,
    # an error will be returned."
    Allowed(
        "unknown content definition",
        EDIT,
        ("positive_data_acceptance",),
        violation=lambda v: v["description"].startswith("Content Definition "),
    ),
    # EditCampaignRequest.name: "Max length is 100 characters." (a description, not maxLength).
    Allowed(
        "name longer than 100 characters",
        EDIT,
        ("positive_data_acceptance",),
        violation=lambda v: v["field"] == "name" and v["description"].startswith("Max length"),
    ),
    # CreateNoteRequest.text: "Max length is 1000 characters." The note operations list no 400.
    Allowed(
        "note longer than 1000 characters",
        frozenset({"addCampaignNote", "addCarrierOrderNote"}),
        ("positive_data_acceptance", "status_code_conformance"),
        violation=lambda v: v["field"] == "text" and v["description"].startswith("Max length"),
    ),
    # EditCampaignRequest and CallbackConfigurationUpdateBody give properties and no
    # ``type: object``, so a JSON array or number passes their schema; nothing can be stored.
    Allowed(
        "a body that is not a JSON object",
        frozenset({*EDIT, "updateCallbackConfiguration"}),
        ("positive_data_acceptance",),
        violation=lambda v: v == {"field": "body", "description": "Must be a JSON object"},
    ),
    # No request body is marked required, yet EditCampaignRequest requires name, trafficCharge
    # and scRequested, and the upload requires its file: without a body there is nothing to store.
    Allowed(
        "no body where the body's schema requires properties",
        frozenset({*EDIT, "uploadCampaignAttachment"}),
        ("positive_data_acceptance", "status_code_conformance"),
        violation=lambda v: v == {"field": "body", "description": "A body is required"},
    ),
    # A request the schema refuses, on an operation whose responses list no 400: the document's
    # 400 RestError is the only answer that neither stores nor echoes it.
    Allowed(
        "schema violation where no 400 is listed",
        NO_400,
        ("status_code_conformance",),
        error=lambda e: e.get("status") == "INVALID_ARGUMENT" and bool(_violations(e)),
    ),
)


def allowed_for(operation_id: str, response: Any) -> list[Allowed]:
    """The allow-list entries that explain this answer; empty when none (or not all) do."""
    if response.status_code != 400:
        return []
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return []
    entries = [a for a in ALLOWED if operation_id in a.operations]
    found: list[Allowed] = []
    for violation in _violations(error):
        entry = next((a for a in entries if a.violation is not None and a.violation(violation)), None)
        if entry is None:
            found = []
            break
        found.append(entry)
    if found:
        return list(dict.fromkeys(found))
    return [a for a in entries if a.error is not None and a.error(error)][:1]


# --- A live emulator and real ids ----------------------------------------------------------------------
@dataclass
class Live:
    url: str
    state: EmulatorState
    token: str
    session: requests.Session = field(default_factory=requests.Session)
    turns: Iterator[int] = field(default_factory=itertools.count)
    allowed_seen: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"{self.url}/v1/projects/{DEFAULT_PROJECT_ID}/campaigns"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(
            method, self.base + path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs
        )
        assert response.status_code == 200, response.text
        return response.json()

    def campaign(self, *, completed: bool = False, submitted: bool = False) -> dict[str, Any]:
        campaign = self.call("POST", "", json=READY)
        if completed or submitted:
            self.call("POST", f"/{campaign['id']}/submit")
        if completed:
            self.state.clock.advance(STEP * 10)
        return self.call("GET", f"/{campaign['id']}")

    def ids_for(self, operation_id: str) -> dict[str, str]:
        """Path parameters naming real resources, in the state the operation can act on.

        Update, submit and cancel get a DRAFT on even turns and a COMPLETED campaign on odd
        ones, so that both the happy path and the wrong-state answer are exercised.
        """
        ids = {"projectId": DEFAULT_PROJECT_ID}
        if operation_id in ("updateCampaign", "submitCampaign", "cancelCampaign"):
            ids["campaignId"] = self.campaign(completed=next(self.turns) % 2 == 1)["id"]
        elif operation_id == "addCarrierOrderNote":
            campaign = self.campaign(submitted=True)
            ids["campaignId"] = campaign["id"]
            ids["carrierOrderId"] = campaign["carrierOrders"][0]["carrierOrderId"]
        elif operation_id == "downloadCampaignAttachment":
            campaign = self.campaign()
            attachment = self.call(
                "POST", f"/{campaign['id']}/attachments", files={"file": ("a.txt", b"receipt")}
            )
            ids["campaignId"] = campaign["id"]
            ids["attachmentId"] = attachment["attachmentId"]
        elif operation_id in ("getCampaign", "addCampaignNote", "uploadCampaignAttachment"):
            ids["campaignId"] = self.campaign()["id"]
        return ids


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live() -> Iterator[Live]:
    import uvicorn

    from airflow_provider_sinch.emulator import create_app

    state = EmulatorState(
        # The clock only moves when a case needs a completed campaign; the token outlives it.
        EmulatorConfig(review_step_seconds=STEP, check_responses=True, oauth_token_ttl=1e9),
        Clock(speed=0.0),
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the emulator did not start"
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    token = requests.post(
        f"{url}/oauth2/token",
        auth=(DEFAULT_KEY_ID, DEFAULT_KEY_SECRET),
        data={"grant_type": "client_credentials"},
        timeout=5,
    ).json()["access_token"]
    try:
        yield Live(url=url, state=state, token=token)
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@schema.parametrize()
def test_the_emulator_conforms_to_the_short_code_document(case: Any, live: Live) -> None:
    from schemathesis.core.parameters import ParameterLocation

    operation_id = case.operation.definition.raw["operationId"]
    if case.meta is None or not case.meta.is_negative_at(ParameterLocation.PATH):
        case.path_parameters = {**(case.path_parameters or {}), **live.ids_for(operation_id)}
    headers = {"Authorization": f"Bearer {live.token}"}

    response = case.call(base_url=live.url, headers=headers)

    assert response.status_code < 500, response.text
    allowed = allowed_for(operation_id, response)
    excluded = [_check(name) for entry in allowed for name in entry.excluded_checks]
    for entry in allowed:
        live.allowed_seen[entry.reason] = live.allowed_seen.get(entry.reason, 0) + 1
    case.validate_response(
        response,
        checks=ALL_CHECKS,
        excluded_checks=excluded,
        headers=headers,
        transport_kwargs={"base_url": live.url, "headers": headers},
    )
    assert live.state.response_problems == []
