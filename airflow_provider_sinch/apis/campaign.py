"""The Campaign API (rich SMS campaigns), ``../shared/api/campaign-api.txt``.

Endpoint descriptions, response types, date formats, and the wait decision
(:func:`evaluate_campaign`) with the check built on it, written once for the sync hook and the
async trigger. No HTTP client, no Airflow.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, TypedDict

from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.apis._changes import Change, ChangeFeed
from airflow_provider_sinch.apis._core import Call, Endpoint, Operation
from airflow_provider_sinch.apis._lists import Listing, ListWatch, no_listing
from airflow_provider_sinch.statuses import CampaignStatus, PollResult, classify

# --- Endpoints, each described once -----------------------------------------------------------
# The document's raw HTTP example says ``POST /api/token`` but its URL is ``/v1/token``; we follow the URL.
TOKEN = Endpoint("POST", "/v1/token", idempotent=True)
CREATE_CAMPAIGN = Endpoint("POST", "/v1/campaign/create")
SEND_SMS = Endpoint("POST", "/v1/campaign/sendsms")
GENERATE_LANDING_PAGES = Endpoint("POST", "/v1/campaign/generate-landingpages")
CREATE_REDIRECT = Endpoint("POST", "/v1/campaign/create-redirect")
LIST_CAMPAIGNS = Endpoint("GET", "/v1/campaigns", unwrap="campaigns")
GET_CAMPAIGN = Endpoint("GET", "/v1/campaigns/{campaign_id}", unwrap="campaign")
GET_STATS = Endpoint("GET", "/v1/campaign/stats")
GET_LOG = Endpoint("GET", "/v1/campaign/log", unwrap="log")
GET_RECIPIENTS = Endpoint("GET", "/v1/campaign/contacts", unwrap="contacts")
GET_RECIPIENT_DATA = Endpoint("GET", "/v1/campaign/contacts/{contact_id}", unwrap="fields")

DEFAULT_HOST = "https://api.us.campaign.sinch.com"
DEFAULT_LOGIN_URL = "https://us.campaign.sinch.com/api/login"
#: Short links are ``https://rsms.us/<code>`` (the create answer's ``url`` for the campaign ``code``).
DEFAULT_SHORT_LINK_BASE = "https://rsms.us"

EVENT_TYPES = ("SUBMIT", "DELIVER", "RESPONSE", "VISIT", "OG_PREVIEW", "TRACKER", "FORM")
API_DATETIME = "%Y-%m-%d %H:%M:%S"
SEND_DATE_FORMAT = "%Y-%m-%d %H:%M"
#: What the document allows in a contact field name.
FIELD_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_\- ]+$")


class CreatedCampaign(TypedDict, total=False):
    """The ``campaign`` object of the create answer."""

    uuid: str
    url: str
    contact_count: int
    duplicated_contacts: list[str]
    wrong_contacts: list[str]
    tag: str | None


class CampaignInfo(TypedDict, total=False):
    """``GET /v1/campaigns/{id}`` (and one item of the list)."""

    id: str
    code: str
    name: str
    sender: str
    message: str
    send_date: str | None
    status: str
    contact_count: int
    is_test: bool
    tag: str | None
    connect_tag: str | None
    conversation: dict[str, Any] | None
    format: str
    validation_errors: dict[str, list[str]]


def to_api_datetime(value: datetime | str, *, fmt: str = API_DATETIME) -> str:
    """``yyyy-mm-dd HH:MM:SS`` in UTC; naive datetimes are taken as UTC, strings pass through."""
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc)
    return value.strftime(fmt)


def describe_validation_errors(errors: Any) -> str:
    """A draft's ``validation_errors`` as one sentence ("" when there are none).

    The document shows an object of field -> messages; a list or a string is quoted as it is, so
    that an answer of another shape still reads, never crashes the decision.
    """
    if isinstance(errors, dict):
        parts = []
        for key, value in errors.items():
            messages = value if isinstance(value, (list, tuple)) else [value]
            texts = [str(m) for m in messages if m not in (None, "")]
            if texts:
                parts.append(f"{key}: {', '.join(texts)}")
        return "; ".join(parts)
    if isinstance(errors, (list, tuple)):
        return "; ".join(str(e) for e in errors if e not in (None, ""))
    return str(errors) if errors else ""


def evaluate_campaign(campaign: CampaignInfo, campaign_id: str, target_statuses: Iterable[str]) -> PollResult:
    """Decide a wait on a campaign from its info.

    A draft with non-empty ``validation_errors`` will never be sent: that is a failure, quoting
    them. Any other status not in ``target_statuses`` is pending (unknown ones are logged).
    """
    campaign = campaign or {}
    status = campaign.get("status")
    resource = f"Campaign {campaign_id}"
    targets = tuple(target_statuses)
    outcome = classify(status, success=targets, failure=(), known=CampaignStatus, resource=resource)
    if outcome == "pending" and status == CampaignStatus.DRAFT.value:
        reason = describe_validation_errors(campaign.get("validation_errors"))
        if reason:
            return PollResult("failure", status, f"draft with validation errors: {reason}", resource)
    summary = {k: campaign.get(k) for k in ("id", "status", "send_date", "contact_count", "tag", "name")}
    return PollResult(
        outcome,
        status,
        f"{resource} is {status!r}" + ("" if outcome == "success" else f", waiting for {list(targets)}"),
        resource,
        xcom=summary,
    )


# --- Calls and operations, shared by the hook and the trigger -----------------------------------
def get_campaign(campaign_id: str) -> Call:
    """``GET /v1/campaigns/{id}``: a :class:`CampaignInfo`."""
    return Call(GET_CAMPAIGN, path_params={"campaign_id": campaign_id})


def check_campaign(campaign_id: str, target_statuses: Iterable[str] = ("sent",)) -> Operation[PollResult]:
    """One check of a campaign's status."""
    campaign = yield get_campaign(campaign_id)
    return evaluate_campaign(campaign, campaign_id, target_statuses)


# --- Many waits served by one list (coalesced polling, ``apis/_lists.py``) ------------------------
def list_campaigns(*, status: str | None = None, start: str | None = None) -> Call:
    """``GET /v1/campaigns`` (not paged): a list of :class:`CampaignInfo` without ``validation_errors``.

    :param status: one of draft, scheduled, sending, sent.
    :param start: leave out campaigns sent before this ``yyyy-mm-dd HH:MM:SS`` UTC date.
    """
    params = {k: v for k, v in (("status", status), ("start", start)) if v}
    return Call(LIST_CAMPAIGNS, params=params or None)


def list_campaigns_by_status(statuses: Collection[str], *, start: str | None = None) -> Operation[Listing]:
    """The account's campaigns in ``statuses``: one request per status (the filter takes one).

    The document warns that campaigns created more than a year ago may be missing.
    """
    listing = Listing()
    for status in sorted(statuses):
        answer = yield list_campaigns(status=status, start=start)
        listing.requests += 1
        listing.pages += 1
        for item in answer if isinstance(answer, list) else []:
            if isinstance(item, Mapping) and item.get("id"):
                listing.items[str(item["id"])] = item
    return listing


#: The list leaves ``validation_errors`` out, and a draft is pending or failed by them.
_UNDECIDABLE_FROM_LIST = CampaignStatus.DRAFT.value


@dataclass(frozen=True)
class CampaignWatch(ListWatch):
    """A wait on a campaign's status (:func:`check_campaign`) served by ``GET /v1/campaigns``.

    A listed campaign is decided from its item with :func:`evaluate_campaign` (the list's items
    hold every field the decision returns), except a draft, which the lone check reads whole
    for its ``validation_errors``, like a campaign the list did not show (older than a year).
    """

    campaign_id: str
    target_statuses: tuple[str, ...] = ("sent",)

    @property
    def resource_id(self) -> str:
        return self.campaign_id

    def scope(self) -> Hashable:
        return ("campaigns",)

    def listable_statuses(self) -> frozenset[str]:
        return frozenset(
            s.value
            for s in CampaignStatus
            if s.value not in self.target_statuses and s.value != _UNDECIDABLE_FROM_LIST
        )

    def pending_listing(self, statuses: Collection[str]) -> Operation[Listing]:
        return list_campaigns_by_status(statuses)

    def settled_listing(
        self, listed: Collection[str], last_items: Sequence[Mapping[str, Any] | None], budget: int
    ) -> Operation[Listing]:
        others = {s.value for s in CampaignStatus} - set(listed) - {_UNDECIDABLE_FROM_LIST}
        if not others or len(others) > budget:
            return no_listing()
        # Only campaigns sent since the earliest send date of the missing ones, when all have one.
        dates = [item.get("send_date") if item else None for item in last_items]
        start = min(str(d) for d in dates) if dates and all(dates) else None
        return list_campaigns_by_status(others, start=start)

    def from_list(self, item: Mapping[str, Any] | None) -> Operation[PollResult]:
        if item is None or item.get("status") == _UNDECIDABLE_FROM_LIST:
            return (yield from self.check())
        return evaluate_campaign(item, self.campaign_id, self.target_statuses)  # type: ignore[arg-type]

    def check(self) -> Operation[PollResult]:
        return check_campaign(self.campaign_id, self.target_statuses)


# --- Watching an account for sent campaigns (event triggers, ``apis/_changes.py``) --------------
_SUMMARY_KEYS = ("id", "name", "status", "send_date", "contact_count", "tag")


def campaign_change(campaign: Mapping[str, Any]) -> Change | None:
    """A campaign (info, or a list item) as a :class:`Change` dated by its ``send_date`` (UTC)."""
    cid, status = campaign.get("id"), campaign.get("status")
    if not cid or not isinstance(status, str):
        return None
    summary = {k: campaign.get(k) for k in _SUMMARY_KEYS}
    return Change(str(cid), status, parse_timestamp(campaign.get("send_date")), summary)


def sent_since(since: datetime) -> Operation[list[Change]]:
    """Campaigns ``sent`` whose send date is at or after ``since`` (one request)."""
    answer = yield list_campaigns(status=CampaignStatus.SENT.value, start=to_api_datetime(since))
    items = answer if isinstance(answer, list) else []
    return [c for c in (campaign_change(i) for i in items if isinstance(i, Mapping)) if c is not None]


@dataclass(frozen=True)
class CampaignSentFeed(ChangeFeed):
    """The account's campaigns that are sent.

    The list filters by status and by send date (``start``), not by when a campaign finished
    sending, so each round asks for campaigns sent with a send date within ``lookback`` seconds
    (a day by default: a campaign that takes longer than that to send is missed by the rounds).
    """

    lookback: float = 86400.0

    def scope(self) -> Hashable:
        return ("campaigns",)

    def poll(self, memory: dict[str, Any], now: datetime) -> Operation[list[Change]]:
        return sent_since(now - timedelta(seconds=self.lookback))

    def catch_up(self, since: datetime, resource_id: str | None) -> Operation[list[Change]]:
        if resource_id is not None:
            campaign = yield get_campaign(resource_id)
            change = campaign_change(campaign or {})
            return [change] if change is not None else []
        return (yield from sent_since(since))
