"""The Campaign API (``/work/shared/api/campaign-api.txt``) on loopback, for tests and the demo.

Same paths, parameter names, answers and status codes as the document. It deliberately shares
no code with the hook: a test double built on the client's own helpers would hide their bugs.

What the document leaves open, decided here the way a real server would do it:

* One account: every key of ``config.campaign_secret_keys`` opens it. It starts with
  :data:`STARTING_CREDITS` credits and the seeded campaigns below.
* Status is computed on read from the emulated clock: a copy of a valid template is
  ``scheduled`` until ``send_date`` (or its creation, if ``send_date`` is in the past),
  ``sending`` for ``config.campaign_sending_seconds``, then ``sent``. A campaign with
  validation errors (a copy of :data:`BROKEN_TEMPLATE_CAMPAIGN_ID`) stays ``draft`` forever.
* Each recipient's events follow from when it was texted (``t``) and the LAST CHARACTER of its
  msisdn, so tests can pick numbers for the outcome they want:

  ===========  ===============================================================================
  last char    events
  ===========  ===============================================================================
  any          SUBMIT at ``t`` (SMS recipients only)
  ``9``        DELIVER at ``t+1s`` with ``success: false`` (hard bounce, ``npai``); nothing more
  other        DELIVER at ``t+1s`` with ``success: true``
  ``8``        RESPONSE ``STOP`` (``stop: true``) at ``t+60s``
  ``3``        RESPONSE ``Thanks`` (``stop: false``) at ``t+90s``
  ``1``        OG_PREVIEW at ``t+30s``, VISIT at ``t+120s`` and ``t+300s``
  ``2``        VISIT at ``t+120s``
  ===========  ===============================================================================

  External-channel recipients (landing pages, redirects, ``external_channel=true``) get no
  SUBMIT / DELIVER / RESPONSE (Sinch sends no SMS), only the visits and previews.
* ``columns`` (stats and log) are 0-based indexes into the recipient's row, so column 0 is the
  phone number (``[[A]]``): the document's ``columns=1&columns=3`` returning
  ``["CLIENT1234", "Alice"]`` only fits rows that start with the phone.
* An unknown id in a path (``/v1/campaigns/{id}``, ``/v1/campaign/contacts/{contact_id}``)
  is a 404 in the document's error style; an unknown ``campaign_uuid`` parameter is the
  documented 400.
"""

from __future__ import annotations

import html
import json
import math
import random
import re
import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qsl, quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

if TYPE_CHECKING:
    from airflow_provider_sinch.emulator.core import EmulatorState

#: A valid template (status ``draft``, sender and message set, no validation errors): duplicate it.
TEMPLATE_CAMPAIGN_ID = "c2d2f656-09f4-4e26-b9f3-92c14e15116d"
#: A template without a sender on an account short of credits: its copies stay ``draft``.
BROKEN_TEMPLATE_CAMPAIGN_ID = "0cafc06b-13ba-4e1e-b03c-dd7b9a11b5e7"
#: Two campaigns sent before the emulator started (30 and 7 days earlier), so lists are not empty.
SENT_CAMPAIGN_IDS = ("e397637a-f9e2-4838-bcd0-2b87eef1311b", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
TEMPLATE_SENDER = "SinchDemo"
TEMPLATE_MESSAGE = "Hi [[B]], your offer is at [[URL]]"
BROKEN_TEMPLATE_ERRORS: dict[str, list[str]] = {
    "message": ["Missing sender"],
    "global": ["Not enough credits"],
}
STARTING_CREDITS = 100_000
MAX_CONTACTS_PER_REQUEST = 1000
SHORT_LINK_BASE = "https://rsms.us"
#: Where ``/api/login`` sends the browser: the account's campaign list (served here too).
CAMPAIGN_LIST_PAGE = "/campaigns"
REDIRECT_LIFETIME = timedelta(days=365)

API_DATETIME = "%Y-%m-%d %H:%M:%S"
SEND_DATE_FORMAT = "%Y-%m-%d %H:%M"
EVENT_TYPES = ("SUBMIT", "DELIVER", "RESPONSE", "VISIT", "OG_PREVIEW", "TRACKER", "FORM")
STATUSES = ("draft", "scheduled", "sending", "sent")
STATS_FIELDS = (
    "msisdn",
    "url",
    "message",
    "submitted",
    "delivered",
    "stopped",
    "visits",
    "datetimes",
    "preview",
    "user_agent",
    "npai",
    "columns",
)

REQUIRED = "This field is required."
INVALID_TOKEN_BODY = {"errors": {"Authorization": ["Invalid access token"]}, "success": False}
VISIT_USER_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 5_0_1 like Mac OS X) AppleWebKit/534.46 (KHTML, like Gecko) "
    "Mobile/9A405"
)
PREVIEW_USER_AGENT = "WhatsApp/2.23.20.0"

_PHONE = re.compile(r"^\+?[0-9 ().\-]+$")
_FIELD_NAME = re.compile(r"^[A-Za-z0-9_\- ]+$")
_PLACEHOLDER = re.compile(r"\[\[(URL|[A-Z])\]\]")
_SENDER_TEXT = re.compile(r"^[A-Za-z0-9 ]{1,11}$")
_SENDER_NUMBER = re.compile(r"^\+?[0-9]{1,15}$")


# --- State -------------------------------------------------------------------------------------
@dataclass
class Recipient:
    """One row of a campaign's contacts, kept as sent."""

    row: list[Any]
    msisdn: str
    url: str
    #: When Sinch texted (or, for external channels, published) it; ``None``: with the campaign.
    sent_at: datetime | None
    sms: bool = True


@dataclass
class Campaign:
    id: str
    code: str
    name: str
    sender: str | None
    message: str | None
    created_at: datetime
    send_date: datetime | None = None
    tag: str | None = None
    is_test: bool = False
    is_template: bool = False
    is_redirect: bool = False
    channel: str = "sms"
    format: str = "rich"
    has_landing_page: bool = True
    global_errors: list[str] = field(default_factory=list)
    field_names: list[str] | None = None
    recipients: list[Recipient] = field(default_factory=list)

    def validation_errors(self) -> dict[str, list[str]]:
        message: list[str] = []
        if not self.is_redirect:
            if not self.sender:
                message.append("Missing sender")
            if not self.message:
                message.append("Missing message")
        return {"contacts": [], "message": message, "app": [], "global": list(self.global_errors)}

    @property
    def is_valid(self) -> bool:
        return not any(self.validation_errors().values())

    @property
    def sends(self) -> bool:
        """Whether the campaign itself goes out (not a template, not a broken draft)."""
        return self.send_date is not None and not self.is_template and self.is_valid

    @property
    def sending_start(self) -> datetime | None:
        # A send date up to 1 h in the past is accepted: such a campaign goes out at creation.
        return max(self.send_date, self.created_at) if self.send_date is not None else None

    def status(self, now: datetime, sending_seconds: float) -> str:
        if self.is_redirect:
            return "sent"
        start = self.sending_start
        if not self.sends or start is None:
            return "draft"
        if now < start:
            return "scheduled"
        if now < start + timedelta(seconds=sending_seconds):
            return "sending"
        return "sent"

    def sent_at(self, recipient: Recipient) -> datetime | None:
        if recipient.sent_at is not None:
            return recipient.sent_at
        return self.sending_start if self.sends else None


@dataclass
class CampaignApiState:
    """The account behind every secret key, its tokens and the codes already handed out."""

    rng: random.Random
    credits: int = STARTING_CREDITS
    tokens: dict[str, datetime] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    codes: set[str] = field(default_factory=set)

    def new_id(self) -> str:
        value = self.rng.getrandbits(128)
        # Version 4, RFC 4122 variant, like Sinch's ids; drawn from a seeded generator so that a
        # test run is reproducible.
        value = (value & ~(0xF << 76)) | (4 << 76)
        value = (value & ~(0x3 << 62)) | (0x2 << 62)
        text = f"{value:032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"

    def new_code(self, length: int = 3) -> str:
        alphabet = string.ascii_letters if length == 3 else string.ascii_letters + string.digits
        while True:
            code = "".join(self.rng.choice(alphabet) for _ in range(length))
            if code not in self.codes:
                self.codes.add(code)
                return code

    def token_valid(self, token: str | None, now: datetime) -> bool:
        expires = self.tokens.get(token or "")
        return expires is not None and expires > now


def campaign_state(state: EmulatorState) -> CampaignApiState:
    """This API's sub-state in ``state.apis["campaign"]``, seeded on first use."""
    with state.lock:
        api = state.apis.get("campaign")
        if api is None:
            api = state.apis["campaign"] = _seed(state.clock.now())
        assert isinstance(api, CampaignApiState)
        return api


def _floor(moment: datetime, unit: str = "second") -> datetime:
    moment = moment.replace(microsecond=0)
    return moment.replace(second=0) if unit == "minute" else moment


def _seed(now: datetime) -> CampaignApiState:
    api = CampaignApiState(rng=random.Random(20160812))  # noqa: S311  # reproducible ids, not secrets
    start = _floor(now, "minute")
    templates = [
        Campaign(
            id=TEMPLATE_CAMPAIGN_ID,
            code="HcE",
            name="API template",
            sender=TEMPLATE_SENDER,
            message=TEMPLATE_MESSAGE,
            created_at=start - timedelta(days=60),
            is_test=True,
            is_template=True,
        ),
        Campaign(
            id=BROKEN_TEMPLATE_CAMPAIGN_ID,
            code="BrK",
            name="API template without sender",
            sender=None,
            message="Hi [[B]], see [[URL]]",
            created_at=start - timedelta(days=59),
            is_test=True,
            is_template=True,
            global_errors=list(BROKEN_TEMPLATE_ERRORS["global"]),
        ),
    ]
    # Last digits chosen to show every event rule (see the module docstring).
    sent = [
        (SENT_CAMPAIGN_IDS[0], "mpD", "Spring sale", 30, "spring-sale", (1, 2, 3, 8, 9)),
        (SENT_CAMPAIGN_IDS[1], "wLc", "Welcome", 7, "welcome", (10, 21, 34)),
    ]
    for campaign_id, code, name, days, tag, endings in sent:
        send_date = start - timedelta(days=days)
        campaign = Campaign(
            id=campaign_id,
            code=code,
            name=name,
            sender=TEMPLATE_SENDER,
            message=f"{name}! [[B]], see [[URL]]",
            created_at=send_date - timedelta(days=1),
            send_date=send_date,
            tag=tag,
        )
        for index, ending in enumerate(endings):
            number = f"1555010{days:02d}{ending:02d}"
            row: list[Any] = [f"+{number}", f"Customer {index + 1}"]
            campaign.recipients.append(Recipient(row, number, f"{SHORT_LINK_BASE}/{code}{index}", None))
        templates.append(campaign)
    for campaign in templates:
        api.campaigns[campaign.id] = campaign
        api.codes.add(campaign.code)
        api.credits -= len(campaign.recipients)
    return api


# --- Small helpers -------------------------------------------------------------------------------
def _fmt(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).strftime(API_DATETIME) if moment is not None else None


def _bad(errors: dict[str, Any], status: int = 400) -> NoReturn:
    raise HTTPException(status_code=status, detail={"success": False, "errors": errors})


class _Errors(dict[str, list[str]]):
    """``field -> [messages]``: every wrong parameter is reported, as the document says."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            _bad(dict(self))


def not_found(campaign_id: Any) -> str:
    return f"Campaign '{campaign_id}' not found."


def msisdn_of(value: Any) -> str | None:
    """The digits of a phone number, or ``None`` when it is malformed (letters, <6 or >15 digits)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    if not _PHONE.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if 6 <= len(digits) <= 15 else None


def column_name(index: int) -> str:
    """``A``, ``B``, ... ``Z``, ``AA``...: the default field names."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def nb_parts(text: str) -> int:
    single, multi = (160, 153) if text.isascii() else (70, 67)
    return 1 if len(text) <= single else math.ceil(len(text) / multi)


def render(template: str | None, recipient: Recipient) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "URL":
            return recipient.url
        index = ord(key) - ord("A")
        return str(recipient.row[index]) if index < len(recipient.row) else ""

    return _PLACEHOLDER.sub(value, template or "")


def _truthy(value: Any, name: str, errors: _Errors) -> bool:
    if value is None or value is False or value == "":
        return False
    if value is True or str(value).strip().lower() in {"true", "1", "on", "yes"}:
        return True
    if str(value).strip().lower() in {"false", "0", "off", "no"}:
        return False
    errors.add(name, "Not a valid boolean value.")
    return False


# --- Request parameters ----------------------------------------------------------------------------
@dataclass
class _Params:
    values: dict[str, Any]

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def decoded(self, name: str, errors: _Errors) -> Any:
        """A JSON parameter (``contacts``, ``field_names``): a JSON string in forms, a value in JSON."""
        value = self.values.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                errors.add(name, "No JSON object could be decoded.")
                return None
        return value


async def read_params(request: Request) -> _Params:
    """Both content types the document accepts for POSTs (JSON may declare another charset)."""
    mime, _, options = request.headers.get("content-type", "").partition(";")
    mime = mime.strip().lower()
    charset = "utf-8"
    for option in options.split(";"):
        key, _, value = option.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    if mime == "multipart/form-data":
        form = await request.form()
        values: dict[str, Any] = {}
        for key, item in form.multi_items():
            if isinstance(item, str):
                values.setdefault(key, []).append(item)
        return _Params({k: v[0] if len(v) == 1 else v for k, v in values.items()})
    raw = await request.body()
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        _bad({"body": [f"The body is not valid {charset}."]})
    if mime == "application/json":
        try:
            data = json.loads(text) if text.strip() else {}
        except ValueError:
            _bad({"body": ["No JSON object could be decoded."]})
        if not isinstance(data, dict):
            _bad({"body": ["A JSON object is expected."]})
        return _Params(data)
    if mime in ("application/x-www-form-urlencoded", ""):
        pairs: dict[str, list[str]] = {}
        for key, item in parse_qsl(text, keep_blank_values=True):
            pairs.setdefault(key, []).append(item)
        return _Params({k: v[0] if len(v) == 1 else v for k, v in pairs.items()})
    _bad({"Content-Type": ["Use application/json or application/x-www-form-urlencoded."]})


def _rows(value: Any, name: str, errors: _Errors) -> list[list[Any]] | None:
    """A required ``contacts`` list: rows of scalar values (a bare string is a one-column row)."""
    if value is None:
        errors.add(name, REQUIRED)
        return None
    if not isinstance(value, list):
        errors.add(name, "Not a valid list.")
        return None
    rows: list[list[Any]] = []
    for number, row in enumerate(value, start=1):
        if isinstance(row, (str, int)) and not isinstance(row, bool):
            row = [row]
        if not isinstance(row, list) or not row or any(isinstance(v, (list, dict)) for v in row):
            errors.add(name, f"Row {number} is not a list of values.")
            continue
        rows.append(row)
    return rows


def _batch(params: _Params, errors: _Errors, *, deprecated_single: bool = False) -> list[list[Any]] | None:
    """``contacts`` of sendsms / landing pages / redirect: required, at most 1000 rows."""
    value = params.decoded("contacts", errors)
    if value is None and "contacts" in errors:
        return None
    if value is None and deprecated_single and params.get("contact") is not None:
        single = params.decoded("contact", errors)
        if single is None:
            return None
        value = [single]
    rows = _rows(value, "contacts", errors)
    if rows is None:
        return None
    if not rows and "contacts" not in errors:
        errors.add("contacts", REQUIRED)
    if len(rows) > MAX_CONTACTS_PER_REQUEST:
        errors.add("contacts", f"Maximum list size is {MAX_CONTACTS_PER_REQUEST}, got {len(rows)}.")
    return rows


def _campaign_param(
    api: CampaignApiState, value: Any, name: str, errors: _Errors, *, required: bool = True
) -> Campaign | None:
    if value is None or value == "":
        if required:
            errors.add(name, REQUIRED)
        return None
    campaign = api.campaigns.get(str(value))
    if campaign is None:
        errors.add(name, not_found(value))
    return campaign


def _api_datetime(value: str | None, name: str, errors: _Errors, *, required: bool) -> datetime | None:
    if value is None or value == "":
        if required:
            errors.add(name, "this field is required")  # the log's wording, lower case in the document
        return None
    try:
        return datetime.strptime(value, API_DATETIME).replace(tzinfo=timezone.utc)
    except ValueError:
        errors.add(name, "Not a valid datetime value")
        return None


def _indexes(values: list[str], name: str, errors: _Errors) -> list[int]:
    indexes = []
    for value in values:
        try:
            index = int(value)
        except ValueError:
            errors.add(name, f"Not a valid integer value: {value!r}")
            continue
        if index < 0:
            errors.add(name, f"Must be at least 0, got {index}.")
            continue
        indexes.append(index)
    return indexes


def _columns(recipient: Recipient, indexes: list[int]) -> list[Any]:
    return [recipient.row[i] if i < len(recipient.row) else None for i in indexes]


# --- Events and stats --------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    at: datetime
    type: str
    data: dict[str, Any]
    recipient_index: int


def recipient_events(campaign: Campaign, index: int, recipient: Recipient) -> list[Event]:
    """Every event this recipient will ever have (the caller keeps those already past)."""
    sent_at = campaign.sent_at(recipient)
    if sent_at is None:
        return []
    last = recipient.msisdn[-1:] if recipient.msisdn else ""
    events: list[Event] = []

    def add(offset: float, kind: str, **data: Any) -> None:
        at = sent_at + timedelta(seconds=offset)
        events.append(Event(at, kind, {"datetime": _fmt(at), **data}, index))

    if recipient.sms:
        text = render(campaign.message, recipient)
        parts = nb_parts(text)
        add(0, "SUBMIT", success=True, message=text, nb_parts=parts)
        if last == "9":
            add(1, "DELIVER", success=False, code="16", reason="Unknown subscriber", nb_parts=parts)
            return events
        add(1, "DELIVER", success=True, code="2", reason="Delivered", nb_parts=parts)
        if last == "8":
            add(60, "RESPONSE", message="STOP", stop=True)
        elif last == "3":
            add(90, "RESPONSE", message="Thanks", stop=False)
    visit = {
        "user_agent": VISIT_USER_AGENT,
        "device": {"family": "iPhone"},
        "os": {"family": "iOS", "version": "5.0.1"},
        "browser": {"family": "Mobile Safari", "version": "5.0.1"},
    }
    if last == "1":
        add(30, "OG_PREVIEW", user_agent=PREVIEW_USER_AGENT)
        add(120, "VISIT", **visit)
        add(300, "VISIT", **visit)
    elif last == "2":
        add(120, "VISIT", **visit)
    return events


def campaign_events(campaign: Campaign, now: datetime) -> list[Event]:
    events = [
        event
        for index, recipient in enumerate(campaign.recipients)
        for event in recipient_events(campaign, index, recipient)
        if event.at <= now
    ]
    events.sort(key=lambda e: (e.at, e.recipient_index))
    return events


def recipient_stats(
    campaign: Campaign, recipient: Recipient, events: list[Event], stopped_as_date: bool
) -> dict[str, Any]:
    by_type: dict[str, list[Event]] = {}
    for event in events:
        by_type.setdefault(event.type, []).append(event)
    submit = by_type.get("SUBMIT", [])
    deliver = by_type.get("DELIVER", [])
    stops = [e for e in by_type.get("RESPONSE", []) if e.data.get("stop")]
    visits = by_type.get("VISIT", [])
    stopped: Any = None
    if stops:
        stopped = _fmt(stops[0].at) if stopped_as_date else True
    return {
        "msisdn": recipient.msisdn,
        "url": recipient.url,
        "message": render(campaign.message, recipient),
        "submitted": _fmt(submit[0].at) if submit else None,
        "delivered": _fmt(deliver[0].at) if deliver and deliver[0].data["success"] else None,
        "stopped": stopped,
        "visits": len(visits),
        "datetimes": ",".join(str(_fmt(v.at)) for v in visits) or None,
        "preview": True if by_type.get("OG_PREVIEW") else None,
        "user_agent": visits[-1].data["user_agent"] if visits else None,
        "npai": bool(deliver) and not deliver[0].data["success"],
    }


def summary(contacts: list[dict[str, Any]], events: list[Event]) -> dict[str, int]:
    return {
        "sms_submitted": sum(1 for c in contacts if c["submitted"]),
        "sms_delivered": sum(1 for c in contacts if c["delivered"]),
        "sms_stopped": sum(1 for c in contacts if c["stopped"]),
        "clicks": sum(c["visits"] for c in contacts),
        "unique_clicks": sum(1 for c in contacts if c["visits"]),
        "previews": sum(1 for c in contacts if c["preview"]),
        "npai": sum(1 for c in contacts if c["npai"]),
        "credits_used": sum(int(e.data.get("nb_parts") or 1) for e in events if e.type == "SUBMIT"),
    }


# --- Answers -------------------------------------------------------------------------------------
def _first_send_date(campaign: Campaign, now: datetime) -> str | None:
    moments = [m for r in campaign.recipients if (m := campaign.sent_at(r)) is not None and m <= now]
    return _fmt(min(moments)) if moments else None


def campaign_item(campaign: Campaign, now: datetime, sending_seconds: float) -> dict[str, Any]:
    """The fields the list and the info share, in the document's order."""
    return {
        "status": campaign.status(now, sending_seconds),
        "code": campaign.code,
        "send_date": _fmt(campaign.send_date),
        "name": campaign.name,
        "message": campaign.message,
        "contact_count": len(campaign.recipients),
        "id": campaign.id,
        "sender": campaign.sender,
        "is_test": campaign.is_test,
        "tag": campaign.tag,
        "connect_tag": None,
        "conversation": None,
    }


def _bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def router(state: EmulatorState) -> APIRouter:
    """The Campaign API's routes; state lives in ``state.apis["campaign"]``."""
    api = campaign_state(state)

    def sending_seconds() -> float:
        return state.config.campaign_sending_seconds  # read on each request: tests may change it

    def authorized(request: Request) -> None:
        if not api.token_valid(_bearer(request), state.clock.now()):
            raise HTTPException(status_code=401, detail=INVALID_TOKEN_BODY)

    auth = [Depends(authorized)]
    routes = APIRouter()

    # --- Authentication ---------------------------------------------------------------------
    # The document's raw HTTP example says ``POST /api/token``; its URL says ``/v1/token``.
    # We serve the URL, as the hook does.
    @routes.post("/v1/token")
    async def token(request: Request) -> JSONResponse:
        header = request.headers.get("Authorization", "")
        # The secret key is sent verbatim after "Basic " (not base64 of id:secret).
        key = header[6:].strip() if header.startswith("Basic ") else ""
        if key not in state.config.campaign_secret_keys:
            return JSONResponse({"errors": "Invalid secret key", "success": False}, status_code=401)
        now = state.clock.now()
        expires = now + timedelta(seconds=state.config.campaign_token_ttl)
        access_token = secrets.token_urlsafe(36)
        with state.lock:
            api.tokens[access_token] = expires
        # UTC, ISO format without a zone, like the document's "2016-08-12T10:45:04".
        expires_text = expires.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        return JSONResponse({"access_token": access_token, "expires": expires_text, "success": True})

    @routes.get("/api/login")
    async def login(access_token: str | None = None) -> Response:
        if not api.token_valid(access_token, state.clock.now()):
            return PlainTextResponse("Invalid access token", status_code=401)
        session = secrets.token_hex(20)
        with state.lock:
            api.sessions.add(session)
        response = RedirectResponse(CAMPAIGN_LIST_PAGE, status_code=302)
        response.set_cookie("richsms-v2.cookie", session, max_age=86400, path="/", httponly=True)
        return response

    @routes.get(CAMPAIGN_LIST_PAGE)
    async def campaign_list_page(request: Request) -> Response:
        """Stands for ``https://us.campaign.sinch.com/campaigns``, where the login lands."""
        if request.cookies.get("richsms-v2.cookie") not in api.sessions:
            return PlainTextResponse("Please log in through /api/login", status_code=401)
        now = state.clock.now()
        rows = "".join(
            f"<tr><td>{html.escape(c.name)}</td><td>{c.status(now, sending_seconds())}</td>"
            f"<td>{html.escape(c.id)}</td></tr>"
            for c in reversed(api.campaigns.values())
        )
        return HTMLResponse(f"<!DOCTYPE html><title>Campaigns</title><table>{rows}</table>")

    # --- Campaign creation ----------------------------------------------------------------------
    @routes.post("/v1/campaign/create", dependencies=auth)
    async def create(request: Request) -> JSONResponse:
        params = await read_params(request)
        errors = _Errors()
        now = state.clock.now()
        logic = params.get("logic")
        if logic in (None, ""):
            errors.add("logic", REQUIRED)
        elif logic != "duplicate":
            errors.add("logic", "Logic not found. Try with duplicate")
        template = _campaign_param(api, params.get("logic_param"), "logic_param", errors)
        name = params.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.add("name", REQUIRED)
        sender, message = params.get("sender"), params.get("message")
        if sender is not None or message is not None:
            # Either the request includes both, or neither.
            if sender is None:
                errors.add("sender", REQUIRED)
            elif not isinstance(sender, str) or not (
                _SENDER_TEXT.match(sender) or _SENDER_NUMBER.match(sender)
            ):
                errors.add("sender", "Invalid input.")
            if message is None or message == "":
                errors.add("message", REQUIRED)
            elif not isinstance(message, str):
                errors.add("message", "Invalid input.")
        zone: ZoneInfo | None = None
        tz_name = params.get("timezone") or "UTC"
        try:
            zone = ZoneInfo(str(tz_name))
        except (ZoneInfoNotFoundError, ValueError):
            errors.add("timezone", f"Unknown timezone '{tz_name}'.")
        send_date: datetime | None = None
        raw_date = params.get("send_date")
        if raw_date in (None, ""):
            errors.add("send_date", REQUIRED)
        else:
            try:
                local = datetime.strptime(str(raw_date), SEND_DATE_FORMAT)
            except ValueError:
                errors.add("send_date", "Not a valid datetime value")
            else:
                if zone is not None:
                    send_date = local.replace(tzinfo=zone).astimezone(timezone.utc)
                    if send_date < now - timedelta(hours=1):
                        errors.add(
                            "send_date",
                            "The send date must be in the future (at most 1 hour in the past is accepted).",
                        )
        tag = params.get("tag")
        if tag is not None and not isinstance(tag, str):
            tag = json.dumps(tag)
        external = _truthy(params.get("external_channel"), "external_channel", errors)
        field_names = params.decoded("field_names", errors)
        if field_names is not None:
            if not isinstance(field_names, list):
                errors.add("field_names", "Not a valid list.")
                field_names = None
            else:
                for item in field_names:
                    if not isinstance(item, str) or not _FIELD_NAME.match(item):
                        errors.add(
                            "field_names",
                            f"Invalid field name {item!r}: use only alphanumeric characters, underscores, "
                            "dashes or white spaces.",
                        )
        contacts = params.decoded("contacts", errors)
        rows = _rows(contacts, "contacts", errors) if "contacts" not in errors else None
        errors.raise_if_any()
        assert template is not None
        assert send_date is not None
        assert rows is not None

        seen: set[str] = set()
        duplicated: list[str] = []
        wrong: list[str] = []
        kept: list[tuple[list[Any], str]] = []
        for row in rows:
            msisdn = msisdn_of(row[0])
            if msisdn is None:
                wrong.append(str(row[0]))
            elif msisdn in seen:
                if msisdn not in duplicated:
                    duplicated.append(msisdn)
            else:
                seen.add(msisdn)
                kept.append((row, msisdn))
        with state.lock:
            code = api.new_code()
            campaign = Campaign(
                id=api.new_id(),
                code=code,
                name=str(name),
                sender=sender if sender is not None else template.sender,
                message=message if message is not None else template.message,
                created_at=_floor(now),
                send_date=send_date,
                tag=tag,
                channel="external" if external else template.channel,
                format=template.format,
                has_landing_page=template.has_landing_page,
                global_errors=list(template.global_errors),
                field_names=list(field_names) if field_names is not None else None,
            )
            campaign.recipients = [
                Recipient(row, msisdn, f"{SHORT_LINK_BASE}/{code}{i}", None, sms=not external)
                for i, (row, msisdn) in enumerate(kept)
            ]
            api.campaigns[campaign.id] = campaign
            if campaign.sends:
                api.credits -= len(kept)
            solde = api.credits
        return JSONResponse(
            {
                "success": True,
                "solde": solde,
                "campaign": {
                    "uuid": campaign.id,
                    "url": f"{SHORT_LINK_BASE}/{code}",
                    "contact_count": len(kept),
                    "duplicated_contacts": duplicated,
                    "wrong_contacts": wrong,
                    "tag": tag,
                },
            }
        )

    # --- Sending to an existing campaign ---------------------------------------------------------
    @routes.post("/v1/campaign/sendsms", dependencies=auth)
    async def send_sms(request: Request) -> JSONResponse:
        params = await read_params(request)
        errors = _Errors()
        campaign = _campaign_param(api, params.get("campaign_uuid"), "campaign_uuid", errors)
        if campaign is not None and not campaign.is_redirect and not campaign.is_valid:
            problems = "; ".join(f"{k}: {', '.join(v)}" for k, v in campaign.validation_errors().items() if v)
            errors.add("campaign_uuid", f"Campaign '{campaign.id}' cannot be sent: {problems}")
        rows = _batch(params, errors, deprecated_single=True)
        external = _truthy(params.get("external_channel"), "external_channel", errors)
        for row in rows or []:
            if msisdn_of(row[0]) is None:
                errors.add("contacts", f"Wrong MSISDN format: {row[0]!r}")
        errors.raise_if_any()
        assert campaign is not None
        assert rows is not None
        now = _floor(state.clock.now())
        answer = []
        with state.lock:
            for row in rows:
                msisdn = msisdn_of(row[0]) or ""
                index = len(campaign.recipients)
                recipient = Recipient(
                    row, msisdn, f"{SHORT_LINK_BASE}/{campaign.code}{index}", now, sms=not external
                )
                campaign.recipients.append(recipient)
                answer.append({"msisdn": msisdn, "url": recipient.url})
            if not external:
                api.credits -= len(rows)
        return JSONResponse({"success": True, "contacts": answer})

    @routes.post("/v1/campaign/generate-landingpages", dependencies=auth)
    async def generate_landing_pages(request: Request) -> JSONResponse:
        params = await read_params(request)
        errors = _Errors()
        rows = _batch(params, errors)
        campaign = _campaign_param(api, params.get("campaign_uuid"), "campaign_uuid", errors)
        errors.raise_if_any()
        assert campaign is not None
        assert rows is not None
        now = _floor(state.clock.now())
        answer = []
        with state.lock:
            for row in rows:
                key = str(row[0])
                recipient = Recipient(row, key, f"{SHORT_LINK_BASE}/{api.new_code(8)}", now, sms=False)
                campaign.recipients.append(recipient)
                campaign.has_landing_page = True
                answer.append({"msisdn": key, "url": recipient.url})
        return JSONResponse({"success": True, "contacts": answer})

    @routes.post("/v1/campaign/create-redirect", dependencies=auth)
    async def create_redirect(request: Request) -> JSONResponse:
        params = await read_params(request)
        errors = _Errors()
        name = params.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.add("name", REQUIRED)
        target_url = params.get("target_url")
        if target_url in (None, ""):
            errors.add("target_url", REQUIRED)
        elif not isinstance(target_url, str) or not re.match(r"^https?://[^\s/]+", target_url):
            errors.add("target_url", "Not a valid URL.")
        tag = params.get("tag")
        rows = _batch(params, errors)
        errors.raise_if_any()
        assert isinstance(target_url, str)
        assert rows is not None
        now = _floor(state.clock.now())

        def personalised(row: list[Any]) -> str:
            def value(match: re.Match[str]) -> str:
                index = ord(match.group(1)) - ord("A")
                return quote(str(row[index]), safe="") if index < len(row) else ""

            return re.sub(r"\[\[([A-Z])\]\]", value, target_url)

        with state.lock:
            campaign = Campaign(
                id=api.new_id(),
                code=api.new_code(),
                name=str(name),
                sender=None,
                message=None,
                created_at=now,
                send_date=now,
                tag=tag if tag is None or isinstance(tag, str) else json.dumps(tag),
                is_redirect=True,
                channel="external",
                format="simple",
                has_landing_page=False,
            )
            answer = []
            for row in rows:
                recipient = Recipient(
                    row, str(row[0]), f"{SHORT_LINK_BASE}/{api.new_code(8)}", now, sms=False
                )
                campaign.recipients.append(recipient)
                answer.append(
                    {"key": str(row[0]), "target_url": personalised(row), "redirection": recipient.url}
                )
            api.campaigns[campaign.id] = campaign
        return JSONResponse(
            {
                "success": True,
                "contacts": answer,
                "campaign_id": campaign.id,
                "expiration_date": (state.clock.now() + REDIRECT_LIFETIME).isoformat(),
            }
        )

    # --- Reading campaigns ----------------------------------------------------------------------
    @routes.get("/v1/campaigns", dependencies=auth)
    async def list_campaigns(request: Request) -> JSONResponse:
        query = request.query_params
        errors = _Errors()
        start = _api_datetime(query.get("start"), "start", errors, required=False)
        stop = _api_datetime(query.get("stop"), "stop", errors, required=False)
        status = query.get("status")
        if status is not None and status not in STATUSES:
            errors.add("status", f"Not a valid choice, should be one of: {list(STATUSES)}")
        extended = query.get("extended", "false")
        if extended not in ("false", "true"):
            errors.add("extended", "Not a valid choice, should be one of: ['false', 'true']")
        errors.raise_if_any()
        now = state.clock.now()
        items = []
        # Newest first; campaigns created in the same second in reverse order of creation.
        ordered = sorted(
            enumerate(api.campaigns.values()), key=lambda p: (p[1].created_at, p[0]), reverse=True
        )
        for _, campaign in ordered:
            if (start is not None or stop is not None) and campaign.send_date is None:
                continue
            if start is not None and campaign.send_date is not None and campaign.send_date < start:
                continue
            if stop is not None and campaign.send_date is not None and campaign.send_date >= stop:
                continue
            item = campaign_item(campaign, now, sending_seconds())
            if status is not None and item["status"] != status:
                continue
            item["is_burst"] = False  # deprecated, always disabled
            if extended == "true":
                item["channel"] = campaign.channel
                item["has_landing_page"] = campaign.has_landing_page
                item["first_send_date"] = _first_send_date(campaign, now)
            items.append(item)
        return JSONResponse({"success": True, "campaigns": items})

    @routes.get("/v1/campaigns/{campaign_id}", dependencies=auth)
    async def campaign_info(campaign_id: str) -> JSONResponse:
        campaign = api.campaigns.get(campaign_id)
        if campaign is None:
            _bad({"id": [not_found(campaign_id)]}, status=404)
        item = campaign_item(campaign, state.clock.now(), sending_seconds())
        item["format"] = campaign.format
        item["validation_errors"] = campaign.validation_errors()
        return JSONResponse({"success": True, "campaign": item})

    @routes.get("/v1/campaign/stats", dependencies=auth)
    async def stats(request: Request) -> JSONResponse:
        query = request.query_params
        errors = _Errors()
        campaign_id = query.get("campaign_uuid")
        campaign = api.campaigns.get(campaign_id or "")
        if not campaign_id:
            errors.add("campaign_uuid", REQUIRED)
        start_values = _indexes(query.getlist("start")[:1], "start", errors)
        stop_values = _indexes(query.getlist("stop")[:1], "stop", errors)
        columns = _indexes(query.getlist("columns"), "columns", errors)
        filters = query.getlist("filters")
        unknown = [f for f in filters if f not in STATS_FIELDS]
        if unknown:
            errors.add("filters", f"Unknown contact fields {unknown}; known: {list(STATS_FIELDS)}")
        stopped_as_date = _truthy(query.get("stopped_as_date"), "stopped_as_date", errors)
        errors.raise_if_any()
        if campaign is None:
            # The document's answer for this route: a plain string, in French.
            _bad({"campaign_uuid": "La campagne n'existe pas ou n'est pas associée à ce compte."})
        now = state.clock.now()
        contacts = []
        all_events = campaign_events(campaign, now)
        by_recipient: dict[int, list[Event]] = {}
        for event in all_events:
            by_recipient.setdefault(event.recipient_index, []).append(event)
        for index, recipient in enumerate(campaign.recipients):
            contacts.append(
                recipient_stats(campaign, recipient, by_recipient.get(index, []), stopped_as_date)
            )
        total = summary(contacts, all_events)
        first = start_values[0] if start_values else 0
        last = stop_values[0] if stop_values else len(contacts)
        page = []
        for index in range(first, min(last, len(contacts))):
            entry = contacts[index]
            if query.getlist("columns"):
                entry["columns"] = _columns(campaign.recipients[index], columns)
            if filters:
                entry = {k: entry[k] for k in filters if k in entry}
            page.append(entry)
        return JSONResponse({"success": True, "summary": total, "contacts": page})

    @routes.get("/v1/campaign/log", dependencies=auth)
    async def log(request: Request) -> JSONResponse:
        query = request.query_params
        errors = _Errors()
        campaign = _campaign_param(api, query.get("campaign_uuid"), "campaign_uuid", errors)
        start = _api_datetime(query.get("start"), "start", errors, required=True)
        stop = _api_datetime(query.get("stop"), "stop", errors, required=True)
        columns = _indexes(query.getlist("columns"), "columns", errors)
        types = query.getlist("types")
        unknown = [t for t in types if t not in EVENT_TYPES]
        if unknown:
            errors.add("types", f"Unknown event types {unknown}; known: {list(EVENT_TYPES)}")
        errors.raise_if_any()
        assert campaign is not None
        assert start is not None
        assert stop is not None
        entries = []
        # Both bounds are inclusive, at one-second resolution.
        for event in campaign_events(campaign, state.clock.now()):
            if not start <= event.at <= stop or (types and event.type not in types):
                continue
            recipient = campaign.recipients[event.recipient_index]
            contact: dict[str, Any] = {
                "msisdn": recipient.msisdn,
                "code": str(event.recipient_index),
                "channel": "sms" if recipient.sms else "external",
            }
            if query.getlist("columns"):
                contact["columns"] = _columns(recipient, columns)
            entries.append(
                {"datetime": _fmt(event.at), "contact": contact, "type": event.type, "data": event.data}
            )
        return JSONResponse({"success": True, "log": entries})

    @routes.get("/v1/campaign/contacts", dependencies=auth)
    async def recipients(request: Request) -> JSONResponse:
        errors = _Errors()
        campaign = _campaign_param(api, request.query_params.get("campaign_uuid"), "campaign_uuid", errors)
        errors.raise_if_any()
        assert campaign is not None
        return JSONResponse({"success": True, "contacts": [r.row for r in campaign.recipients]})

    @routes.get("/v1/campaign/contacts/{contact_id}", dependencies=auth)
    async def recipient_data(contact_id: str) -> JSONResponse:
        campaign_id, _, index_text = contact_id.rpartition("_")
        campaign = api.campaigns.get(campaign_id)
        index = int(index_text) if index_text.isdigit() else -1
        if campaign is None or not 0 <= index < len(campaign.recipients):
            _bad({"contact_id": [f"Contact '{contact_id}' not found."]}, status=404)
        recipient = campaign.recipients[index]
        names = campaign.field_names or []
        fields = [
            {
                "name": names[i] if i < len(names) else column_name(i),
                # The document's example shows the phone column as the normalised MSISDN.
                "value": recipient.msisdn if i == 0 else value,
            }
            for i, value in enumerate(recipient.row)
        ]
        return JSONResponse({"success": True, "fields": fields})

    return routes
