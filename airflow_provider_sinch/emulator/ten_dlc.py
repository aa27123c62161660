"""The 10DLC Campaign Registration API (``/work/shared/api/10dlc-campaign-registration-api.txt``) on loopback.

Same paths (the colon verbs, and the singular ``campaignRegistration/{id}`` of the delete),
parameter names, answers and status codes as the document, with Basic (``key_id:key_secret``) or
OAuth2 bearer auth. It shares no code with the hook: a test double built on the client's own
rules would hide their bugs. Errors come in the gRPC-gateway shape ``{"code", "message",
"details"}``, a 400 listing ``fieldViolations``.

What the document leaves open, decided here:

* Status is computed on read from the emulated clock, one step every
  ``config.review_step_seconds``: SINCH_REVIEW -> SINCH_APPROVED -> SUBMITTED (the TCR campaign
  id appears) -> APPROVED -> ACTIVE. ``lastActionStatus`` is CREATE_IN_PROGRESS while SUBMITTED,
  CREATE_SUCCESSFUL after.
* Rejection markers:

  ======================================  ====================================================
  marker                                  what happens
  ======================================  ====================================================
  ``brandId`` :data:`REJECT_BRAND_ID`     Sinch's review rejects it after one step:
                                          SINCH_REJECTED, the reason in ``internalErrorResponse``
  ``description`` holds                   the operators reject it after SUBMITTED: REJECTED,
  :data:`TCR_REJECT_MARKER`               the reason in ``tcrErrorResponse``
  ``description`` holds                   a resubmit ends RESUBMIT_FAILED, the reason in
  :data:`RESUBMIT_FAIL_MARKER`            ``tcrErrorResponse``
  ======================================  ====================================================

* Resubmit (only once registered in TCR: SUBMITTED, APPROVED, ACTIVE) sets
  RESUBMIT_IN_PROGRESS at once and RESUBMIT_SUCCESSFUL (or RESUBMIT_FAILED) one step later;
  a second resubmit while one is in progress is a 400.
* Delete makes the registration EXPIRED with ``lastActionStatus`` DELETE_SUCCESSFUL; deleting
  it again answers ``{}`` again.
* Qualify: brand ids that are not ``B`` + up to seven letters or digits are the documented
  400 "Invalid Brand ID". T-Mobile (network 10035) does not qualify special use cases.
* List: ``pageSize`` defaults to 10 (at most 100); ``pageToken`` is opaque; ``orderBy`` takes
  ``createDate`` or ``createDate desc``; ``status`` may repeat.
* An unknown project is a 404, like an unknown registration, except on the list and
  ``:qualify``, which list no 404: the list is empty, the qualification answered.
* The submit body is checked against :data:`SUBMIT_SCHEMA`, a JSON Schema transcribed from the
  document's request schema (types, enums, lengths, "alphanumeric comma separated values, no
  blank spaces", a brand id that "always begins with a B", 2 to 5 sub use cases for MIXED), by
  ``jsonschema``; every violation is listed, and nothing is stored.
* The document gives no error bodies: errors come in the gRPC gateway's shape, 401 included.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NoReturn

from fastapi import APIRouter, HTTPException, Request

from airflow_provider_sinch.emulator.core import require_oauth
from airflow_provider_sinch.emulator.openapi import describe

if TYPE_CHECKING:
    from airflow_provider_sinch.emulator.core import EmulatorState

API = "ten_dlc"
REJECT_BRAND_ID = "BREJECT"
REJECT_REASON = (
    "Insufficient opt-in: the message flow does not show where and how end users consent to "
    "receive messages from the brand"
)
TCR_REJECT_MARKER = "[tcr-reject]"
TCR_REJECT_REASON = "Campaign description does not match the selected use case"
RESUBMIT_FAIL_MARKER = "[resubmit-fail]"
RESUBMIT_FAIL_REASON = "T-Mobile refused the resubmit: the brand's message class did not change"

USE_CASES = frozenset(
    [
        "2FA",
        "ACCOUNT_NOTIFICATION",
        "CUSTOMER_CARE",
        "DELIVERY_NOTIFICATION",
        "FRAUD_ALERT",
        "HIGHER_EDUCATION",
        "LOW_VOLUME",
        "MARKETING",
        "MIXED",
        "POLLING_VOTING",
        "PUBLIC_SERVICE_ANNOUNCEMENT",
        "SECURITY_ALERT",
        "AGENTS_FRANCHISES",
        "CARRIER_EXEMPT",
        "CHARITY",
        "EMERGENCY",
        "K12_EDUCATION",
        "POLITICAL",
        "PROXY",
        "SOCIAL",
        "SWEEPSTAKE",
    ]
)
SPECIAL_USE_CASES = frozenset(
    [
        "AGENTS_FRANCHISES",
        "CARRIER_EXEMPT",
        "CHARITY",
        "EMERGENCY",
        "K12_EDUCATION",
        "POLITICAL",
        "PROXY",
        "SOCIAL",
        "SWEEPSTAKE",
    ]
)
SUB_USE_CASES = frozenset(
    [
        "2FA",
        "ACCOUNT_NOTIFICATION",
        "CUSTOMER_CARE",
        "DELIVERY_NOTIFICATION",
        "FRAUD_ALERT",
        "HIGHER_EDUCATION",
        "MARKETING",
        "POLLING_VOTING",
        "PUBLIC_SERVICE_ANNOUNCEMENT",
        "SECURITY_ALERT",
    ]
)
MNOS = ("ATT", "TMO", "USC", "VZW")
#: field -> (minimum, maximum) characters; ``None`` in REQUIRED means optional.
LENGTHS: dict[str, tuple[int, int]] = {
    "brandId": (1, 8),
    "campaignName": (0, 128),
    "description": (40, 4096),
    "sample1": (20, 1024),
    "sample2": (0, 1024),
    "sample3": (0, 1024),
    "sample4": (0, 1024),
    "stopMessage": (20, 255),
    "optInMessage": (20, 255),
    "helpMessage": (20, 255),
    "optinKeywords": (0, 255),
    "optoutKeywords": (0, 255),
    "helpKeywords": (0, 255),
    "messageFlow": (40, 2048),
}
REQUIRED = [
    "brandId",
    "useCase",
    "campaignName",
    "description",
    "sample1",
    "sample2",
    "sample3",
    "stopMessage",
    "optInMessage",
    "helpMessage",
    "optinKeywords",
    "optoutKeywords",
    "helpKeywords",
    "messageFlow",
]
BOOLEAN_DEFAULTS = {
    "autoRenewal": True,
    "embeddedLink": False,
    "embeddedPhone": False,
    "numberPool": False,
    "ageGated": False,
    "directLending": False,
    "subscriberOptIn": True,
    "subscriberOptOut": True,
    "subscriberHelp": True,
}
BRAND_ID = re.compile(r"^B[A-Za-z0-9]{0,7}$")
KEYWORDS = re.compile(r"^([A-Za-z0-9]+(,[A-Za-z0-9]+)*)?$")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _text(low: int, high: int, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "minLength": low, "maxLength": high}
    if pattern:
        schema["pattern"] = pattern
    return schema


#: The submit request body of the document, as a JSON Schema (draft 7).
SUBMIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [*REQUIRED, *BOOLEAN_DEFAULTS],
    "properties": {
        **{name: _text(low, high) for name, (low, high) in LENGTHS.items()},
        "brandId": _text(1, 8, BRAND_ID.pattern),
        **{
            name: _text(0, 255, KEYWORDS.pattern)
            for name in ("optinKeywords", "optoutKeywords", "helpKeywords")
        },
        "useCase": {"enum": sorted(USE_CASES)},
        "subUseCases": {"type": "array", "items": {"enum": sorted(SUB_USE_CASES)}},
        "vertical": {"type": "string"},
        **{name: {"type": "boolean"} for name in BOOLEAN_DEFAULTS},
    },
    # "If you have selected a mixed use case ... Choose between 2 and 5 sub use cases".
    "if": {"properties": {"useCase": {"const": "MIXED"}}, "required": ["useCase"]},
    "then": {"properties": {"subUseCases": {"minItems": 2, "maxItems": 5}}, "required": ["subUseCases"]},
}
STEPS = ("SINCH_REVIEW", "SINCH_APPROVED", "SUBMITTED", "APPROVED", "ACTIVE")
IN_TCR = frozenset({"SUBMITTED", "APPROVED", "ACTIVE", "REJECTED"})
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100

# gRPC status codes, as the gateway puts them in ``code``.
INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION = 3, 5, 9


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ulid(moment: datetime) -> str:
    millis = int(moment.timestamp() * 1000)
    head = "".join(CROCKFORD[(millis >> (5 * i)) & 31] for i in reversed(range(10)))
    return head + "".join(secrets.choice(CROCKFORD) for _ in range(16))


def _fail(status: int, code: int, message: str, violations: list[tuple[str, str]] | None = None) -> NoReturn:
    details: list[dict[str, Any]] = []
    if violations:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": f, "description": d} for f, d in violations],
            }
        )
    raise HTTPException(status_code=status, detail={"code": code, "message": message, "details": details})


@dataclass
class Registration:
    registration_id: str
    project_id: str
    body: dict[str, Any]
    created: datetime
    tcr_id: str
    deleted_at: datetime | None = None
    resubmitted_at: datetime | None = None
    resubmit_mnos: list[str] = field(default_factory=list)


@dataclass
class TenDLCState:
    registrations: dict[str, Registration] = field(default_factory=dict)


def _api_state(state: EmulatorState) -> TenDLCState:
    with state.lock:
        api = state.apis.get(API)
        if api is None:
            api = state.apis[API] = TenDLCState()
        return api


# --- Status, computed on read from the clock ----------------------------------------------------
def _status(reg: Registration, now: datetime, step: float) -> tuple[str, datetime]:
    """The registration's status and when it last changed."""
    if reg.deleted_at is not None and reg.deleted_at <= now:
        return "EXPIRED", reg.deleted_at
    elapsed = (now - reg.created).total_seconds()
    index = min(int(elapsed // step) if step > 0 else len(STEPS) - 1, len(STEPS) - 1)
    changed = reg.created + timedelta(seconds=index * step)
    if reg.body.get("brandId") == REJECT_BRAND_ID and index >= 1:
        return "SINCH_REJECTED", reg.created + timedelta(seconds=step)
    if TCR_REJECT_MARKER in str(reg.body.get("description", "")) and index >= 3:
        return "REJECTED", reg.created + timedelta(seconds=3 * step)
    return STEPS[index], changed


def _last_action(
    reg: Registration, status: str, now: datetime, step: float
) -> tuple[str | None, datetime | None]:
    if status == "EXPIRED":
        return "DELETE_SUCCESSFUL", reg.deleted_at
    if reg.resubmitted_at is not None:
        done = reg.resubmitted_at + timedelta(seconds=step)
        if now < done:
            return "RESUBMIT_IN_PROGRESS", reg.resubmitted_at
        failed = RESUBMIT_FAIL_MARKER in str(reg.body.get("description", ""))
        return ("RESUBMIT_FAILED" if failed else "RESUBMIT_SUCCESSFUL"), done
    if status == "SUBMITTED":
        return "CREATE_IN_PROGRESS", None
    if status in ("APPROVED", "ACTIVE"):
        return "CREATE_SUCCESSFUL", None
    if status == "REJECTED":
        return "CREATE_FAILED", None
    return None, None


def _fees(use_case: str | None) -> tuple[float, float]:
    if use_case == "LOW_VOLUME":
        return 15.0, 1.5
    if use_case in SPECIAL_USE_CASES:
        return 15.0, 2.0
    return 15.0, 10.0


def _mno_metadata(use_case: str | None) -> dict[str, dict[str, Any]]:
    special = use_case in SPECIAL_USE_CASES
    common = {
        "mnoSupport": True,
        "reqSubscriberOptin": True,
        "reqSubscriberOptout": True,
        "reqSubscriberHelp": True,
    }
    return {
        "10017": {"mno": "AT&T", "qualify": True, "mnoReview": False, "tpm": 240, "msgClass": "E", **common},
        "10035": {
            "mno": "T-Mobile",
            "qualify": not special,
            "mnoReview": special,
            "brandTier": "LOW",
            **common,
        },
        "10037": {"mno": "Verizon Wireless", "qualify": True, "mnoReview": False, **common},
        "10038": {"mno": "US Cellular", "qualify": True, "mnoReview": False, **common},
    }


def _view(reg: Registration, now: datetime, step: float) -> dict[str, Any]:
    """The Campaign Response object of the document."""
    status, changed = _status(reg, now, step)
    action, action_changed = _last_action(reg, status, now, step)
    modified = max(m for m in (changed, action_changed, reg.created) if m is not None)
    setup_fee, monthly_fee = _fees(reg.body.get("useCase"))
    view: dict[str, Any] = {
        "campaignName": reg.body.get("campaignName", ""),
        "campaignRegistrationId": reg.registration_id,
        "createDate": _iso(reg.created),
        "modifiedDate": _iso(modified),
        "createdBy": "api",
        "modifiedBy": "api",
        "brandId": reg.body.get("brandId"),
        "useCase": reg.body.get("useCase"),
        "subUseCases": list(reg.body.get("subUseCases") or []),
        "affiliateMarketing": False,
        "monthlyFee": monthly_fee,
        "setupFee": setup_fee,
        "status": status,
        "mock": False,
        "nextRenewalOrExpirationDate": _iso(reg.created + timedelta(days=90)),
    }
    for key in (
        "description",
        "sample1",
        "sample2",
        "sample3",
        "sample4",
        "stopMessage",
        "optInMessage",
        "helpMessage",
        "optinKeywords",
        "optoutKeywords",
        "helpKeywords",
        "messageFlow",
        "vertical",
        *BOOLEAN_DEFAULTS,
    ):
        if key in reg.body:
            view[key] = reg.body[key]
    if status in IN_TCR or (status == "EXPIRED" and reg.deleted_at is not None and _reached_tcr(reg, step)):
        view["campaignId"] = reg.tcr_id
        view["mnoMetadata"] = _mno_metadata(reg.body.get("useCase"))
        view["billedDate"] = _iso(reg.created + timedelta(seconds=2 * step))
    if action is not None:
        view["lastActionStatus"] = action
    return view


def _reached_tcr(reg: Registration, step: float) -> bool:
    assert reg.deleted_at is not None
    return (reg.deleted_at - reg.created).total_seconds() >= 2 * step and reg.body.get(
        "brandId"
    ) != REJECT_BRAND_ID


def _feedback(reg: Registration, now: datetime, step: float) -> dict[str, Any]:
    status, _ = _status(reg, now, step)
    action, _ = _last_action(reg, status, now, step)
    tcr_errors: list[dict[str, Any]] = []
    internal_errors: list[dict[str, Any]] = []
    if status == "SINCH_REJECTED":
        internal_errors.append({"code": "SINCH_REVIEW_REJECTED", "description": REJECT_REASON})
    if status == "REJECTED":
        tcr_errors.append({"code": 502, "field": "description", "description": TCR_REJECT_REASON})
    if action == "RESUBMIT_FAILED":
        tcr_errors.append({"code": 409, "field": "mnos", "description": RESUBMIT_FAIL_REASON})
    answer: dict[str, Any] = {
        "campaignRegistrationId": reg.registration_id,
        "status": status,
        "tcrErrorResponse": tcr_errors,
        "internalErrorResponse": internal_errors,
    }
    if status in IN_TCR:
        answer["campaignId"] = reg.tcr_id
    return answer


# --- Request checks (the server's own, independent of the client's) -----------------------------
def _submit_violations(body: dict[str, Any]) -> list[tuple[str, str]]:
    """Every way ``body`` breaks :data:`SUBMIT_SCHEMA`, as ``(field, description)`` pairs."""
    from jsonschema import Draft7Validator

    problems = []
    for error in Draft7Validator(SUBMIT_SCHEMA).iter_errors(body):
        problems.extend(describe(error))
    return list(dict.fromkeys(problems))


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        _fail(400, INVALID_ARGUMENT, "request body is not valid JSON")
    if not isinstance(value, dict):
        _fail(400, INVALID_ARGUMENT, "request body must be a JSON object")
    return value


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "offset":
            raise ValueError(token)
        return int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        _fail(400, INVALID_ARGUMENT, "page_token is not valid")


def router(state: EmulatorState) -> APIRouter:
    """The 10DLC endpoints, all under ``/v1/projects/{projectId}/...``."""
    api = APIRouter()
    base = "/v1/projects/{project_id}/campaignRegistrations"

    def step() -> float:
        return float(state.config.review_step_seconds)

    def guard(request: Request, project_id: str, *, project_must_exist: bool = True) -> None:
        require_oauth(request, state, allow_basic=True)
        if project_must_exist and project_id not in state.config.project_ids:
            _fail(404, NOT_FOUND, f"project {project_id} not found")

    def find(project_id: str, registration_id: str) -> Registration:
        reg = _api_state(state).registrations.get(registration_id)
        if reg is None or reg.project_id != project_id:
            _fail(404, NOT_FOUND, f"campaign registration {registration_id} not found")
        return reg

    @api.post(base + ":submit")
    async def submit(project_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id)
        body = await _json(request)
        for name, default in BOOLEAN_DEFAULTS.items():
            body.setdefault(name, default)
        problems = _submit_violations(body)
        if problems:
            _fail(400, INVALID_ARGUMENT, "invalid campaign registration", problems)
        now = state.clock.now()
        alphabet = string.ascii_uppercase + string.digits
        with state.lock:
            reg = Registration(
                registration_id=_ulid(now),
                project_id=project_id,
                body=body,
                created=now,
                tcr_id="C" + "".join(secrets.choice(alphabet) for _ in range(6)),
            )
            _api_state(state).registrations[reg.registration_id] = reg
        return {"campaignRegistrationId": reg.registration_id}

    @api.get(base + ":qualify")
    async def qualify(project_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id, project_must_exist=False)
        brand = request.query_params.get("brandId")
        use_case = request.query_params.get("useCase") or None
        if not brand or not BRAND_ID.match(brand):
            _fail(400, INVALID_ARGUMENT, "Invalid Brand ID", [("brandId", "Invalid Brand ID")])
        if use_case is not None and use_case not in USE_CASES:
            _fail(400, INVALID_ARGUMENT, f"invalid use case {use_case!r}", [("useCase", "invalid value")])
        setup_fee, monthly_fee = _fees(use_case)
        low, high = {"MIXED": (2, 5), "LOW_VOLUME": (1, 5)}.get(use_case or "", (0, 0))
        answer: dict[str, Any] = {
            "monthlyFee": monthly_fee,
            "setupFee": setup_fee,
            "minSubUseCases": low,
            "maxSubUseCases": high,
            "mnoMetadata": _mno_metadata(use_case),
        }
        if use_case:
            answer["useCase"] = use_case
        return answer

    @api.get(base + ":fetchByTcrCampaignId")
    async def fetch_by_tcr_id(project_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id)
        # The document names the parameter campaignRegistrationIdQuery; it carries the TCR id.
        tcr_id = request.query_params.get("campaignRegistrationIdQuery")
        if not tcr_id:
            _fail(400, INVALID_ARGUMENT, "campaignRegistrationIdQuery is required")
        now = state.clock.now()
        for reg in list(_api_state(state).registrations.values()):
            if reg.project_id == project_id and reg.tcr_id == tcr_id:
                view = _view(reg, now, step())
                if view.get("campaignId") == tcr_id:
                    return view
        _fail(404, NOT_FOUND, f"campaign {tcr_id} not found")

    @api.get(base)
    async def list_registrations(project_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id, project_must_exist=False)
        query = request.query_params
        statuses = set(query.getlist("status"))
        mock = query.get("mock")
        use_case = query.get("useCase")
        brand = query.get("brand")
        try:
            size = int(query.get("pageSize") or DEFAULT_PAGE_SIZE)
        except ValueError:
            _fail(400, INVALID_ARGUMENT, "pageSize must be an integer")
        size = max(1, min(size, MAX_PAGE_SIZE))
        offset = _decode_token(query["pageToken"]) if query.get("pageToken") else 0
        order = (query.get("orderBy") or "").strip()
        if order not in ("", "createDate", "createDate asc", "createDate desc"):
            _fail(400, INVALID_ARGUMENT, f"order_by is not valid: {order!r}")
        now = state.clock.now()
        views = [
            _view(r, now, step())
            for r in list(_api_state(state).registrations.values())
            if r.project_id == project_id
        ]
        views = [
            v
            for v in views
            if (not statuses or v["status"] in statuses)
            and (mock is None or str(v["mock"]).lower() == mock.lower())
            and (not use_case or v["useCase"] == use_case)
            and (not brand or v["brandId"] == brand)
        ]
        views.sort(key=lambda v: v["createDate"], reverse=order.endswith("desc"))
        page = views[offset : offset + size]
        answer: dict[str, Any] = {"campaignRegistrations": page, "totalSize": len(views)}
        if offset + size < len(views):
            answer["nextPageToken"] = _encode_token(offset + size)
        return answer

    @api.get(base + "/{registration_id}")
    async def get_registration(project_id: str, registration_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id)
        return _view(find(project_id, registration_id), state.clock.now(), step())

    @api.get(base + "/{registration_id}/feedback")
    async def feedback(project_id: str, registration_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id)
        return _feedback(find(project_id, registration_id), state.clock.now(), step())

    @api.put(base + "/{registration_id}/resubmit")
    async def resubmit(project_id: str, registration_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id)
        body = await _json(request)
        mnos = body.get("mnos") or []
        if not isinstance(mnos, list) or any(m not in MNOS for m in mnos):
            _fail(400, INVALID_ARGUMENT, "invalid mnos", [("mnos", f"each must be one of {list(MNOS)}")])
        reg = find(project_id, registration_id)
        now = state.clock.now()
        with state.lock:
            status, _ = _status(reg, now, step())
            action, _ = _last_action(reg, status, now, step())
            if status not in IN_TCR - {"REJECTED"}:
                _fail(
                    400,
                    FAILED_PRECONDITION,
                    f"campaign is {status}; only campaigns registered in TCR can be resubmitted",
                )
            if action == "RESUBMIT_IN_PROGRESS":
                _fail(400, FAILED_PRECONDITION, "a resubmit of this campaign is already in progress")
            reg.resubmitted_at = now
            reg.resubmit_mnos = list(mnos) or list(MNOS)
        return {}

    # Singular ``campaignRegistration`` as the document spells the delete path.
    @api.delete("/v1/projects/{project_id}/campaignRegistration/{registration_id}")
    async def delete(project_id: str, registration_id: str, request: Request) -> dict[str, Any]:
        guard(request, project_id)
        reg = find(project_id, registration_id)
        with state.lock:
            if reg.deleted_at is None:
                reg.deleted_at = state.clock.now()
        return {}

    return api
