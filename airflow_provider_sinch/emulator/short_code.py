"""The emulator's US Short Code Campaigns API (``/v1/projects/{projectId}/campaigns...``).

Every operation of the document, behind the shared OAuth2 bearer tokens. Every request's
parameters and body are checked against the shipped OpenAPI document by openapi-core
(:mod:`airflow_provider_sinch.emulator.openapi`) before anything is read or stored; a violation
is the document's 400 ``RestError`` (``{"error": {"code", "message", "status", "details":
[{"type": "BadRequest", "fieldViolations": [...]}]}}``). The rules the schema cannot express
come next, each from a sentence of the document:

* update and submit only from DRAFT or AWAITING_CLIENT_UPDATE, cancel only from DRAFT,
  PENDING_REVIEW or AWAITING_CLIENT_UPDATE (400, "Campaign in illegal state");
* ``name`` at most 100 characters; every ``carrierIds`` item a carrier of ``/carriers``
  ("Carrier Id 123 does not exist."); a given ``contentDefinitionId`` must exist on the campaign;
* at submission: a content definition, customer care (with only the accepted opt-out keywords,
  at most 100 characters), terms and conditions, privacy policy and compliance emails; a brand
  when ``scRequested`` is true; an attachment when ``isMigrated`` is true;
* a note's text at most 1000 characters.

What the document leaves open, read here the most permissive way (and said so where applied):

* ``scRequested: false``: the ``ShortCodes`` description says both that the short code "must be
  provided when sc_requested is false" and that false means Sinch leases it and the field stays
  blank; neither reading is enforced.
* Brands: every ``brandId`` exists and is not rejected (the emulator has no Brands API).
* Operations that list no 400 (list, carriers, notes, attachments) never answer 400 to a
  request the schema accepts: an unknown ``orderBy`` sorts by ``campaignId,asc``, a
  ``pageSize`` below 1 is the default size, a page token not issued here is an empty last page,
  an unknown project lists no campaigns and the usual carriers. A request the schema refuses is
  400 everywhere, the only answer that neither stores nor echoes it.
* A note without text is kept with an empty text (``text`` is not required by the schema).
* ``PUT callback-configuration`` without ``hmacSecret`` keeps the current secret.

A submitted campaign moves on the emulator's clock, one step every ``review_step_seconds``,
computed lazily when read (no background task, so tests ``clock.advance()`` deterministically):

====  ===========================================  ==========================================
step  campaign                                     carrier orders (one per ``carrierIds``,
                                                   or per known carrier when none is named)
====  ===========================================  ==========================================
0     PENDING_REVIEW (at submission)               created PENDING
1     REVIEWING
2     READY_CARRIER_SUBMISSION
3     CARRIER_SUBMITTED                            SUBMITTED
4                                                  APPROVED
5                                                  PROVISIONED_BY_CARRIER (short code leased)
6                                                  PROVISIONED_BY_SINCH
7                                                  CLIENT_CERTIFICATION_REQUESTED
8                                                  CARRIER_CERTIFICATION_REQUESTED
9     COMPLETED (when every order is certified)    CERTIFIED
====  ===========================================  ==========================================

Every transition is logged (``campaignLogs`` / ``logs``) at the emulated time it happened and,
when the campaign has a ``callbackUrl``, delivered there as a ``CallbackEventBody`` signed with
HMAC-SHA1 (hex) of the body under the project's ``hmacSecret`` in ``X-Sinch-Signature``.

Scenarios for failure paths, written anywhere in the campaign's ``description``:

* ``emulator:await-update``: the reviewer moves the campaign to AWAITING_CLIENT_UPDATE at
  step 2 with an AGENT note saying what is missing (once: a resubmission goes through).
* ``emulator:reject=<carrierId>``: that carrier REJECTS its order at step 4, with a note.

``GET /_emulator/short-code/callbacks`` lists the callback deliveries attempted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from airflow_provider_sinch.emulator import openapi
from airflow_provider_sinch.emulator.core import EmulatorState, require_oauth

API = "short_code"
DEFAULT_HMAC_SECRET = "emulator-callback-secret"
CARRIERS = (
    {"id": "1", "name": "AT&T Mobility"},
    {"id": "2", "name": "T-Mobile USA"},
    {"id": "3", "name": "Verizon Wireless"},
    {"id": "4", "name": "US Cellular"},
)
#: ``CustomerCare.optOutKeywords``: "Acceptable Opt-out keywords are STOP, END, CANCEL, ...".
OPT_OUT_KEYWORDS = ("STOP", "END", "CANCEL", "UNSUBSCRIBE", "QUIT", "REVOKE", "OPTOUT", "OPT-OUT")
MAX_OPT_OUT_KEYWORDS_LENGTH = 100
EDIT_FIELDS = (
    "name",
    "description",
    "trafficCharge",
    "contactEmails",
    "complianceEmails",
    "scRequested",
    "brandId",
    "shortCodes",
    "carrierIds",
    "customerCare",
    "contentDefinitions",
    "termsAndConditions",
    "privacyPolicy",
    "isMigrated",
    "callbackUrl",
)
EDITABLE = ("DRAFT", "AWAITING_CLIENT_UPDATE")
CANCELLABLE = ("DRAFT", "PENDING_REVIEW", "AWAITING_CLIENT_UPDATE")
ORDER_FIELDS = {"campaignId": "id", "status": "status", "createDate": "createdAt", "updateDate": "updatedAt"}
MAX_NOTE_LENGTH = 1000
MAX_NAME_LENGTH = 100
#: Carrier order statuses of steps 5 to 9, in order (see the table above).
CERTIFICATION_PATH = (
    "PROVISIONED_BY_CARRIER",
    "PROVISIONED_BY_SINCH",
    "CLIENT_CERTIFICATION_REQUESTED",
    "CARRIER_CERTIFICATION_REQUESTED",
    "CERTIFIED",
)
LAST_STEP = 4 + len(CERTIFICATION_PATH)
DEFAULT_PAGE_SIZE = 20

Sender = Callable[[str, bytes, dict[str, str]], Awaitable[int]]


async def http_sender(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST a callback for real (the emulator's default)."""
    import httpx

    async with httpx.AsyncClient(timeout=2.0) as client:
        response = await client.post(url, content=body, headers=headers)
        return response.status_code


@dataclass
class ShortCodeState:
    """The Short Code API's part of :class:`EmulatorState` (``state.apis["short_code"]``)."""

    campaigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[str, bytes] = field(default_factory=dict)
    hmac_secrets: dict[str, str] = field(default_factory=dict)
    outbox: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    sender: Sender = http_sender
    _next_id: int = 20000

    def new_id(self) -> str:
        self._next_id += 1
        return str(self._next_id)

    def secret(self, project_id: str) -> str:
        return self.hmac_secrets.get(project_id, DEFAULT_HMAC_SECRET)


def short_code_state(state: EmulatorState) -> ShortCodeState:
    api = state.apis.get(API)
    if not isinstance(api, ShortCodeState):
        api = state.apis[API] = ShortCodeState()
    return api


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sign(body: bytes, secret: str) -> str:
    """HMAC-SHA1 of the body, lowercase hex: what the emulator puts in ``X-Sinch-Signature``."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


# --- Errors in the document's RestError shape -----------------------------------------------------
def rest_error(
    code: int,
    status: str,
    message: str,
    *,
    violations: list[tuple[str, str]] | None = None,
    resource: tuple[str, str] | None = None,
) -> HTTPException:
    details: list[dict[str, Any]] = []
    if violations:
        details.append(
            {"type": "BadRequest", "fieldViolations": [{"field": f, "description": d} for f, d in violations]}
        )
    if resource:
        details.append(
            {
                "type": "ResourceInfo",
                "resourceType": resource[0],
                "resourceName": resource[1],
                "description": message,
            }
        )
    return HTTPException(
        status_code=code,
        detail={"error": {"code": code, "message": message, "status": status, "details": details}},
    )


def _not_found(kind: str, name: str) -> HTTPException:
    return rest_error(404, "NOT_FOUND", f"{kind} {name} not found", resource=(kind, name))


def _illegal_state(campaign: dict[str, Any], action: str, allowed: tuple[str, ...]) -> HTTPException:
    return rest_error(
        400,
        "FAILED_PRECONDITION",
        f"Campaign in illegal state: cannot {action} a campaign in {campaign['status']}; "
        f"allowed from {list(allowed)}",
        violations=[("status", f"is {campaign['status']}")],
    )


async def checked_request(request: Request, message: str = "Request validation error") -> Any:
    """The request checked against the document; its JSON body parsed (``None`` without one).

    :raises HTTPException: 400 ``INVALID_ARGUMENT`` listing every field violation.
    """
    body = await request.body()
    violations = openapi.request_violations(
        request.method,
        request.url.path,
        request.query_params.multi_items(),
        request.headers.get("content-type", ""),
        body,
    )
    if violations:
        raise rest_error(400, "INVALID_ARGUMENT", message, violations=violations)
    if not request.headers.get("content-type", "").lower().startswith("application/json") and body:
        return None
    return json.loads(body) if body.strip() else {}


# --- Rules the schema cannot express (each from a sentence of the document) -----------------------
def _edit_violations(body: dict[str, Any], campaign: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``body`` already conforms to ``EditCampaignRequest``; ``campaign`` is the one updated."""
    problems: list[tuple[str, str]] = []
    if len(body["name"]) > MAX_NAME_LENGTH:
        problems.append(("name", f"Max length is {MAX_NAME_LENGTH} characters"))
    known = {c["id"] for c in CARRIERS}
    for carrier_id in body.get("carrierIds") or []:
        if carrier_id not in known:
            problems.append(("carrierIds", f"Carrier Id {carrier_id} does not exist."))
    existing = {d.get("contentDefinitionId") for d in (campaign or {}).get("contentDefinitions") or []}
    for index, definition in enumerate(body.get("contentDefinitions") or []):
        given = definition.get("contentDefinitionId")
        # "If the Content Definition does not exist, an error will be returned."
        if given is not None and given not in existing:
            where = f"contentDefinitions[{index}].contentDefinitionId"
            problems.append((where, f"Content Definition {given} does not exist."))
    return problems


def _submit_violations(campaign: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not campaign.get("contentDefinitions"):
        problems.append(("contentDefinitions", "At least one content definition is required"))
    care = campaign.get("customerCare")
    if not care:
        problems.append(("customerCare", "Customer care is mandatory at submission time"))
    else:
        keywords = care.get("optOutKeywords")
        if isinstance(keywords, str):
            if len(keywords) > MAX_OPT_OUT_KEYWORDS_LENGTH:
                problems.append(
                    ("customerCare.optOutKeywords", f"Max length is {MAX_OPT_OUT_KEYWORDS_LENGTH} characters")
                )
            words = [w.strip().upper() for w in keywords.split(",") if w.strip()]
            if any(w not in OPT_OUT_KEYWORDS for w in words):
                accepted = ", ".join(OPT_OUT_KEYWORDS)
                where = "customerCare.optOutKeywords"
                problems.append((where, f"Acceptable opt-out keywords are {accepted}"))
    for key in ("termsAndConditions", "privacyPolicy"):
        value = campaign.get(key) or {}
        if not (value.get("url") or value.get("text")):
            problems.append((key, "Mandatory at submission time"))
    if not campaign.get("complianceEmails"):
        problems.append(("complianceEmails", "Mandatory at submission time"))
    if campaign.get("scRequested") is True and not campaign.get("brandId"):
        problems.append(("brandId", "Brand is required when scRequested is true"))
    # scRequested false: the document contradicts itself on whether a short code (and its
    # receipt) is then required or must stay blank; the most permissive reading requires neither.
    if campaign.get("isMigrated") is True and not campaign.get("campaignAttachments"):
        problems.append(("campaignAttachments", "Attachments are needed when migrating a campaign"))
    return problems


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _page_offset(token: str | None) -> int | None:
    """The offset a page token stands for: 0 without one, ``None`` for a token not issued here."""
    if not token:
        return 0
    try:
        prefix, _, number = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        offset = int(number)
    except (ValueError, UnicodeError):
        return None
    return offset if prefix == "offset" and offset >= 0 else None


# --- Campaign records -------------------------------------------------------------------------------
def public(campaign: dict[str, Any]) -> dict[str, Any]:
    """The ``Campaign`` as the API shows it (private bookkeeping keys start with ``_``)."""
    return json.loads(json.dumps({k: v for k, v in campaign.items() if not k.startswith("_")}))


def basic(campaign: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "name", "shortCodes", "status", "createdAt", "updatedAt")
    return {k: campaign[k] for k in keys if campaign.get(k) is not None}


def _apply_edit(api: ShortCodeState, campaign: dict[str, Any], body: dict[str, Any], now: datetime) -> None:
    """Store a conforming ``EditCampaignRequest``: the fields it gives replace the campaign's
    (a PUT), fields the document does not name are not kept, ``notes`` are appended."""
    for key in EDIT_FIELDS:
        if key in body and body[key] is not None:
            campaign[key] = body[key]
        else:
            campaign.pop(key, None)
    definitions = []
    for definition in campaign.get("contentDefinitions") or []:
        definition = dict(definition)
        if definition.get("contentDefinitionId") is None:
            definition["contentDefinitionId"] = api.new_id()
        definitions.append(definition)
    if definitions:
        campaign["contentDefinitions"] = definitions
    for text in body.get("notes") or []:
        campaign["notes"].append({"author": "CUSTOMER", "text": text, "createdAt": iso(now)})
    campaign["updatedAt"] = iso(now)


class Timeline:
    """Applies a submitted campaign's steps lazily, up to the clock's ``now``."""

    def __init__(self, state: EmulatorState, api: ShortCodeState) -> None:
        self.state = state
        self.api = api

    def _event(
        self,
        campaign: dict[str, Any],
        event_type: str,
        resource: tuple[str, str],
        data: dict[str, Any],
        at: datetime,
    ) -> None:
        url = campaign.get("callbackUrl")
        if not url:
            return
        event = {
            "eventId": str(uuid.uuid4()),
            "eventType": event_type,
            "projectId": campaign["_project"],
            "resourceId": resource[1],
            "resourceType": resource[0],
            "shortCodes": campaign.get("shortCodes") or "",
            "data": data,
            "createTime": iso(at),
        }
        self.api.outbox.append((url, campaign["_project"], event))

    def set_status(self, campaign: dict[str, Any], status: str, at: datetime) -> None:
        previous = campaign["status"]
        if previous == status:
            return
        campaign["status"] = status
        campaign["updatedAt"] = iso(at)
        campaign["campaignLogs"].append(
            {"previousStatus": previous, "currentStatus": status, "createdAt": iso(at)}
        )
        self._event(
            campaign,
            "CAMPAIGN_STATUS_UPDATE",
            ("CAMPAIGN", campaign["id"]),
            {"campaignId": campaign["id"], "newStatus": status},
            at,
        )

    def set_order_status(
        self, campaign: dict[str, Any], order: dict[str, Any], status: str, at: datetime
    ) -> None:
        previous = order["status"]
        if previous == status:
            return
        order["status"] = status
        order["updatedAt"] = iso(at)
        order["logs"].append({"previousStatus": previous, "currentStatus": status, "createdAt": iso(at)})
        self._event(
            campaign,
            "CARRIER_ORDER_STATUS_UPDATE",
            ("CARRIER_ORDER", order["carrierOrderId"]),
            {"campaignId": campaign["id"], "carrierOrderId": order["carrierOrderId"], "newStatus": status},
            at,
        )

    def add_note(
        self,
        campaign: dict[str, Any],
        text: str,
        at: datetime,
        *,
        author: str,
        order: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        note = {"author": author, "text": text, "createdAt": iso(at)}
        if order is None:
            campaign["notes"].append(note)
            self._event(
                campaign,
                "CAMPAIGN_NOTE",
                ("CAMPAIGN", campaign["id"]),
                {"campaignId": campaign["id"], "note": note},
                at,
            )
        else:
            order["notes"].append(note)
            self._event(
                campaign,
                "CARRIER_ORDER_NOTE",
                ("CARRIER_ORDER", order["carrierOrderId"]),
                {"campaignId": campaign["id"], "carrierOrderId": order["carrierOrderId"], "note": note},
                at,
            )
        return note

    def submit(self, campaign: dict[str, Any], now: datetime) -> None:
        campaign["_submitted_at"] = now
        campaign["_step"] = 0
        self.set_status(campaign, "PENDING_REVIEW", now)
        carrier_ids = campaign.get("carrierIds") or [c["id"] for c in CARRIERS]
        names = {c["id"]: c["name"] for c in CARRIERS}
        existing = {o["carrierId"]: o for o in campaign["carrierOrders"]}
        for carrier_id in carrier_ids:
            order = existing.get(carrier_id)
            if order is None:
                order = {
                    "carrierOrderId": self.api.new_id(),
                    "carrierId": carrier_id,
                    "carrierName": names.get(carrier_id, carrier_id),
                    "status": "PENDING",
                    "notes": [],
                    "logs": [],
                    "createdAt": iso(now),
                    "updatedAt": iso(now),
                }
                campaign["carrierOrders"].append(order)
            else:
                self.set_order_status(campaign, order, "PENDING", now)

    def stop(self, campaign: dict[str, Any]) -> None:
        campaign["_submitted_at"] = None

    def _apply(self, campaign: dict[str, Any], step: int, at: datetime) -> bool:
        """Apply one step; ``False`` stops the timeline."""
        description = str(campaign.get("description") or "")
        orders = campaign["carrierOrders"]
        rejected = set(re.findall(r"emulator:reject=([\w-]+)", description))
        if step == 1:
            self.set_status(campaign, "REVIEWING", at)
        elif step == 2:
            if "emulator:await-update" in description and not campaign.get("_awaited"):
                campaign["_awaited"] = True
                self.set_status(campaign, "AWAITING_CLIENT_UPDATE", at)
                self.add_note(
                    campaign,
                    "Please add the opt-in screenshot for the call to action and resubmit.",
                    at,
                    author="AGENT",
                )
                return False
            self.set_status(campaign, "READY_CARRIER_SUBMISSION", at)
        elif step == 3:
            self.set_status(campaign, "CARRIER_SUBMITTED", at)
            for order in orders:
                self.set_order_status(campaign, order, "SUBMITTED", at)
        elif step == 4:
            for order in orders:
                if order["carrierId"] in rejected:
                    self.set_order_status(campaign, order, "REJECTED", at)
                    self.add_note(
                        campaign,
                        "Carrier rejected the program: the call to action is not compliant.",
                        at,
                        author="AGENT",
                        order=order,
                    )
                else:
                    self.set_order_status(campaign, order, "APPROVED", at)
        elif step >= 5:
            status = CERTIFICATION_PATH[step - 5]
            previous = "APPROVED" if step == 5 else CERTIFICATION_PATH[step - 6]
            if step == 5 and campaign.get("scRequested") and not campaign.get("shortCodes"):
                campaign["shortCodes"] = str(50000 + int(campaign["id"]) % 50000)
            for order in orders:
                if order["status"] == previous:
                    self.set_order_status(campaign, order, status, at)
            if step == LAST_STEP:
                if all(o["status"] == "CERTIFIED" for o in orders):
                    self.set_status(campaign, "COMPLETED", at)
                return False
        return True

    def advance(self, campaign: dict[str, Any], now: datetime) -> None:
        submitted = campaign.get("_submitted_at")
        if submitted is None:
            return
        step_seconds = float(self.state.config.review_step_seconds)
        due = LAST_STEP if step_seconds <= 0 else int((now - submitted).total_seconds() // step_seconds)
        while campaign["_step"] < min(due, LAST_STEP):
            campaign["_step"] += 1
            at = submitted + timedelta(seconds=step_seconds * campaign["_step"])
            if not self._apply(campaign, campaign["_step"], at):
                self.stop(campaign)
                return


def router(state: EmulatorState) -> APIRouter:
    api = short_code_state(state)
    timeline = Timeline(state, api)
    routes = APIRouter()
    base = "/v1/projects/{project_id}/campaigns"

    def guard(request: Request, project_id: str, *, project_must_exist: bool = True) -> datetime:
        require_oauth(request, state)
        if project_must_exist and project_id not in state.config.project_ids:
            raise _not_found("Project", project_id)
        return state.clock.now()

    def load(project_id: str, campaign_id: str, now: datetime) -> dict[str, Any]:
        campaign = api.campaigns.get(campaign_id)
        if campaign is None or campaign["_project"] != project_id:
            raise _not_found("Campaign", campaign_id)
        timeline.advance(campaign, now)
        return campaign

    async def flush() -> None:
        while api.outbox:
            url, project_id, event = api.outbox.pop(0)
            body = json.dumps(event, separators=(",", ":")).encode()
            headers = {
                "Content-Type": "application/json",
                "X-Sinch-Signature": sign(body, api.secret(project_id)),
            }
            record: dict[str, Any] = {"url": url, "eventType": event["eventType"], "event": event}
            try:
                record["status"] = await api.sender(url, body, headers)
            except Exception as exc:  # a receiver that is down must not break the API
                record["error"] = f"{type(exc).__name__}: {exc}"
            api.deliveries.append(record)

    async def answer(value: Any, error: HTTPException | None = None) -> JSONResponse:
        """Deliver the callbacks reading the campaign produced, then answer (or fail)."""
        await flush()
        if error is not None:
            raise error
        return JSONResponse(value)

    @routes.post(base)
    async def create_campaign(project_id: str, request: Request) -> JSONResponse:
        now = guard(request, project_id)
        body = await checked_request(request, "Registration validation error")
        problems = _edit_violations(body, None)
        if problems:
            raise rest_error(400, "INVALID_ARGUMENT", "Registration validation error", violations=problems)
        with state.lock:
            campaign: dict[str, Any] = {
                "id": api.new_id(),
                "status": "DRAFT",
                "carrierOrders": [],
                "campaignAttachments": [],
                "campaignLogs": [],
                "notes": [],
                "createdAt": iso(now),
                "_project": project_id,
                "_submitted_at": None,
                "_step": 0,
            }
            _apply_edit(api, campaign, body, now)
            api.campaigns[campaign["id"]] = campaign
        return await answer(public(campaign))

    @routes.get(base)
    async def list_campaigns(project_id: str, request: Request) -> JSONResponse:
        # The document lists no 400 nor 404 here: a request its schema accepts is answered 200.
        now = guard(request, project_id, project_must_exist=False)
        await checked_request(request)
        query = request.query_params
        key_name, _, direction = (query.get("orderBy") or "").partition(",")
        direction = (direction or "asc").strip().lower()
        if key_name.strip() not in ORDER_FIELDS or direction not in ("asc", "desc"):
            key_name, direction = "campaignId", "asc"
        size = int(query.get("pageSize") or DEFAULT_PAGE_SIZE)
        if size < 1:
            size = DEFAULT_PAGE_SIZE
        offset = _page_offset(query.get("pageToken"))
        with state.lock:
            campaigns = [c for c in api.campaigns.values() if c["_project"] == project_id]
            for campaign in campaigns:
                timeline.advance(campaign, now)
        if query.get("status"):
            campaigns = [c for c in campaigns if c["status"] == query["status"]]
        if query.get("shortCodes"):
            # ``shortCodes`` is one string: campaigns whose short code is that value.
            wanted = query["shortCodes"].strip()
            campaigns = [c for c in campaigns if str(c.get("shortCodes") or "").strip() == wanted]
        field_name = ORDER_FIELDS[key_name.strip()]

        def sort_key(c: dict[str, Any]) -> Any:
            value = c.get(field_name) or ""
            return (int(value), "") if field_name == "id" and str(value).isdigit() else (0, str(value))

        campaigns.sort(key=sort_key, reverse=direction == "desc")
        page = campaigns[offset : offset + size] if offset is not None else []
        more = offset is not None and offset + size < len(campaigns)
        token = _page_token(offset + size) if offset is not None and more else ""
        return await answer(
            {"campaigns": [basic(c) for c in page], "nextPageToken": token, "totalSize": len(campaigns)}
        )

    # Fixed paths before ``{campaign_id}`` so that "carriers" is not read as an id.
    @routes.get(base + "/carriers")
    async def get_carriers(project_id: str, request: Request) -> JSONResponse:
        # The document lists no 404 here, and the carriers do not depend on the project.
        guard(request, project_id, project_must_exist=False)
        await checked_request(request)
        return JSONResponse({"carriers": [dict(c) for c in CARRIERS]})

    @routes.get(base + "/callback-configuration")
    async def get_callback_configuration(project_id: str, request: Request) -> JSONResponse:
        guard(request, project_id)
        await checked_request(request)
        return JSONResponse({"hmacSecret": api.secret(project_id), "projectId": project_id})

    @routes.put(base + "/callback-configuration")
    async def update_callback_configuration(project_id: str, request: Request) -> JSONResponse:
        guard(request, project_id)
        body = await checked_request(request, "Project validation error")
        # ``hmacSecret`` is not required by the schema: without it the secret stays as it is.
        if "hmacSecret" in body:
            api.hmac_secrets[project_id] = body["hmacSecret"]
        return JSONResponse({"hmacSecret": api.secret(project_id), "projectId": project_id})

    @routes.get("/_emulator/short-code/callbacks")
    async def callbacks_delivered() -> dict[str, Any]:
        return {"deliveries": api.deliveries}

    @routes.get(base + "/{campaign_id}")
    async def get_campaign(project_id: str, campaign_id: str, request: Request) -> JSONResponse:
        now = guard(request, project_id)
        await checked_request(request)
        with state.lock:
            campaign = load(project_id, campaign_id, now)
        return await answer(public(campaign))

    @routes.put(base + "/{campaign_id}")
    async def update_campaign(project_id: str, campaign_id: str, request: Request) -> JSONResponse:
        now = guard(request, project_id)
        body = await checked_request(request, "Registration validation error")
        with state.lock:
            campaign = load(project_id, campaign_id, now)
            problems = _edit_violations(body, campaign)
            if campaign["status"] not in EDITABLE:
                error = _illegal_state(campaign, "update", EDITABLE)
            elif problems:
                error = rest_error(
                    400, "INVALID_ARGUMENT", "Registration validation error", violations=problems
                )
            else:
                error = None
                _apply_edit(api, campaign, body, now)
        return await answer(public(campaign), error)

    @routes.post(base + "/{campaign_id}/submit")
    async def submit_campaign(project_id: str, campaign_id: str, request: Request) -> JSONResponse:
        now = guard(request, project_id)
        await checked_request(request)
        with state.lock:
            campaign = load(project_id, campaign_id, now)
            problems = _submit_violations(campaign)
            if campaign["status"] not in EDITABLE:
                error = _illegal_state(campaign, "submit", EDITABLE)
            elif problems:
                error = rest_error(
                    400, "INVALID_ARGUMENT", "Campaign submission validation error", violations=problems
                )
            else:
                error = None
                timeline.submit(campaign, now)
        return await answer(public(campaign), error)

    @routes.post(base + "/{campaign_id}/cancel")
    async def cancel_campaign(project_id: str, campaign_id: str, request: Request) -> JSONResponse:
        now = guard(request, project_id)
        await checked_request(request)
        with state.lock:
            campaign = load(project_id, campaign_id, now)
            if campaign["status"] not in CANCELLABLE:
                error = _illegal_state(campaign, "cancel", CANCELLABLE)
            else:
                error = None
                timeline.stop(campaign)
                timeline.set_status(campaign, "CANCELLED", now)
                for order in campaign["carrierOrders"]:
                    timeline.set_order_status(campaign, order, "CANCELLED", now)
        return await answer(public(campaign), error)

    async def _note_text(request: Request) -> str:
        body = await checked_request(request, "Note validation error")
        # ``text`` is not required by the schema: a note without one is kept with an empty text.
        text: str = body.get("text", "")
        if len(text) > MAX_NOTE_LENGTH:
            raise rest_error(
                400,
                "INVALID_ARGUMENT",
                "Note validation error",
                violations=[("text", f"Max length is {MAX_NOTE_LENGTH} characters")],
            )
        return text

    @routes.post(base + "/{campaign_id}/notes")
    async def add_campaign_note(project_id: str, campaign_id: str, request: Request) -> JSONResponse:
        now = guard(request, project_id)
        text = await _note_text(request)
        with state.lock:
            campaign = load(project_id, campaign_id, now)
            note = timeline.add_note(campaign, text, now, author="CUSTOMER")
        return await answer(note)

    @routes.post(base + "/{campaign_id}/carrier/{carrier_order_id}/notes")
    async def add_carrier_order_note(
        project_id: str, campaign_id: str, carrier_order_id: str, request: Request
    ) -> JSONResponse:
        now = guard(request, project_id)
        text = await _note_text(request)
        with state.lock:
            campaign = load(project_id, campaign_id, now)
            order = next(
                (o for o in campaign["carrierOrders"] if o["carrierOrderId"] == carrier_order_id), None
            )
            if order is None:
                raise _not_found("CarrierOrder", carrier_order_id)
            note = timeline.add_note(campaign, text, now, author="CUSTOMER", order=order)
        return await answer(note)

    @routes.post(base + "/{campaign_id}/attachments")
    async def upload_campaign_attachment(project_id: str, campaign_id: str, request: Request) -> JSONResponse:
        from starlette.datastructures import UploadFile

        now = guard(request, project_id)
        await checked_request(request, "Attachment validation error")
        with state.lock:
            campaign = load(project_id, campaign_id, now)
        try:
            form = await request.form()
        except Exception:  # a multipart body Starlette cannot split is the client's error
            raise rest_error(
                400,
                "INVALID_ARGUMENT",
                "Attachment validation error",
                violations=[("body", "The multipart body cannot be parsed")],
            ) from None
        # openapi-core reads a repeated part as its last value; the schema's ``file`` and
        # ``description`` are single strings, so a repeated part is a list the schema refuses.
        repeated = [name for name in ("file", "description") if len(form.getlist(name)) > 1]
        if repeated:
            raise rest_error(
                400,
                "INVALID_ARGUMENT",
                "Attachment validation error",
                violations=[(name, "Must be of type string") for name in repeated],
            )
        upload = form.get("file")
        # The schema's ``file`` is a binary string: a plain form field named "file" is read as
        # the file's content too (the most permissive reading).
        if isinstance(upload, UploadFile):
            content, name = await upload.read(), upload.filename or "file"
        else:
            content, name = str(upload or "").encode(), "file"
        description = form.get("description")
        attachment = {"attachmentId": api.new_id(), "name": name}
        if isinstance(description, str):
            attachment["description"] = description
        with state.lock:
            api.attachments[attachment["attachmentId"]] = content
            campaign["campaignAttachments"].append(attachment)
            campaign["updatedAt"] = iso(now)
        return await answer(attachment)

    @routes.get(base + "/{campaign_id}/attachments/{attachment_id}")
    async def download_campaign_attachment(
        project_id: str, campaign_id: str, attachment_id: str, request: Request
    ) -> Response:
        now = guard(request, project_id)
        await checked_request(request)
        with state.lock:
            campaign = load(project_id, campaign_id, now)
        attachment = next(
            (a for a in campaign["campaignAttachments"] if a["attachmentId"] == attachment_id), None
        )
        if attachment is None:
            raise _not_found("Attachment", attachment_id)
        await flush()
        return Response(
            api.attachments[attachment_id],
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="{attachment["name"]}"'},
        )

    return routes
