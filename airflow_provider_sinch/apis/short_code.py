"""The US Short Code Campaigns API, ``../shared/api/us-short-code-api.openapi.yaml``.

Endpoint descriptions (one per operationId), response types, and the wait decisions
(:func:`evaluate_short_code_campaign`, :func:`evaluate_carrier_orders`) with the checks built on
them, written once for the sync hook and the async triggers. No HTTP client, no Airflow.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any, TypedDict

from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.apis._changes import Change, ChangeFeed
from airflow_provider_sinch.apis._core import Call, Endpoint, Operation
from airflow_provider_sinch.apis._lists import LIST_PAGE_SIZE, Listing, ListWatch, collect_pages, no_listing
from airflow_provider_sinch.statuses import (
    CARRIER_ORDER_FAILURE,
    SHORT_CODE_FAILURE,
    SHORT_CODE_SUCCESS,
    CarrierOrderStatus,
    PollResult,
    ShortCodeCampaignStatus,
    classify,
)

# --- Endpoints, each described once -----------------------------------------------------------
_CAMPAIGNS = "/v1/projects/{project_id}/campaigns"
_CAMPAIGN = _CAMPAIGNS + "/{campaign_id}"

CREATE_CAMPAIGN = Endpoint("POST", _CAMPAIGNS)
LIST_CAMPAIGNS = Endpoint("GET", _CAMPAIGNS)
GET_CAMPAIGN = Endpoint("GET", _CAMPAIGN)
UPDATE_CAMPAIGN = Endpoint("PUT", _CAMPAIGN)
# Submit, cancel, notes and uploads are not repeated by the transport after a timeout or a 5xx:
# the operators look at the campaign first (a second submit or cancel answers 400, a second
# note or upload is a duplicate).
SUBMIT_CAMPAIGN = Endpoint("POST", _CAMPAIGN + "/submit")
CANCEL_CAMPAIGN = Endpoint("POST", _CAMPAIGN + "/cancel")
ADD_CAMPAIGN_NOTE = Endpoint("POST", _CAMPAIGN + "/notes")
# The document's path says ``carrier`` (singular); we follow it literally.
ADD_CARRIER_ORDER_NOTE = Endpoint("POST", _CAMPAIGN + "/carrier/{carrier_order_id}/notes")
GET_CARRIERS = Endpoint("GET", _CAMPAIGNS + "/carriers", unwrap="carriers")
UPLOAD_CAMPAIGN_ATTACHMENT = Endpoint("POST", _CAMPAIGN + "/attachments")
DOWNLOAD_CAMPAIGN_ATTACHMENT = Endpoint("GET", _CAMPAIGN + "/attachments/{attachment_id}")
GET_CALLBACK_CONFIGURATION = Endpoint("GET", _CAMPAIGNS + "/callback-configuration")
UPDATE_CALLBACK_CONFIGURATION = Endpoint("PUT", _CAMPAIGNS + "/callback-configuration")

DEFAULT_HOST = "https://usshortcode.api.sinch.com"
#: Where the operators' extra link points; the connection extra ``dashboard_url`` overrides it.
#: ``{project_id}`` and ``{campaign_id}`` are filled in.
DEFAULT_DASHBOARD_URL = "https://dashboard.sinch.com/sms/us-short-codes/campaigns/{campaign_id}"

#: How many of the latest notes a failure quotes.
NOTES_QUOTED = 3


class Note(TypedDict, total=False):
    author: str
    text: str
    createdAt: str


class CarrierOrder(TypedDict, total=False):
    carrierOrderId: str
    carrierId: str
    carrierName: str
    status: str
    notes: list[Note]
    logs: list[dict[str, Any]]
    createdAt: str
    updatedAt: str


class CampaignAttachment(TypedDict, total=False):
    attachmentId: str
    name: str
    description: str


class ShortCodeCampaign(TypedDict, total=False):
    """The document's ``Campaign`` (``BasicCampaign`` in lists holds a subset)."""

    id: str
    name: str
    description: str
    trafficCharge: str
    status: str
    scRequested: bool
    brandId: str
    shortCodes: str
    customerCare: dict[str, Any]
    contentDefinitions: list[dict[str, Any]]
    termsAndConditions: dict[str, Any]
    privacyPolicy: dict[str, Any]
    complianceEmails: list[str]
    contactEmails: list[str]
    callbackUrl: str
    isMigrated: bool
    carrierOrders: list[CarrierOrder]
    campaignAttachments: list[CampaignAttachment]
    campaignLogs: list[dict[str, Any]]
    notes: list[Note]
    createdAt: str
    updatedAt: str


class Carrier(TypedDict, total=False):
    id: str
    name: str


class CallbackConfiguration(TypedDict, total=False):
    hmacSecret: str
    projectId: str


# --- Deciding a wait (shared by the sensors and the triggers) -----------------------------------
def _values(statuses: Iterable[str | Enum]) -> tuple[str, ...]:
    return tuple(str(getattr(s, "value", s)) for s in statuses)


def latest_notes(notes: Any, count: int = NOTES_QUOTED) -> str:
    """The latest ``count`` notes as one readable string (newest last), or ``""``."""
    items = [n for n in (notes or []) if isinstance(n, Mapping) and n.get("text")]
    items.sort(key=lambda n: parse_timestamp(n.get("createdAt")) or datetime.min.replace(tzinfo=timezone.utc))
    return " | ".join(
        f"{n.get('author') or 'NOTE'}"
        + (f" at {n['createdAt']}" if n.get("createdAt") else "")
        + f": {n['text']}"
        for n in items[-count:]
    )


def _order_summary(order: Mapping[str, Any]) -> dict[str, Any]:
    return {k: order.get(k) for k in ("carrierOrderId", "carrierId", "carrierName", "status")}


def evaluate_short_code_campaign(
    campaign: Mapping[str, Any],
    campaign_id: str,
    target_statuses: Iterable[str | Enum] = SHORT_CODE_SUCCESS,
    failure_statuses: Iterable[str | Enum] = SHORT_CODE_FAILURE,
) -> PollResult:
    """Decide a wait on a campaign's status.

    A failure quotes the status and the campaign's latest notes, where Sinch's agents say what
    they need. An unknown status is pending (and logged), never an error.
    """
    status = campaign.get("status")
    resource = f"Short code campaign {campaign_id}"
    targets, failures = _values(target_statuses), _values(failure_statuses)
    outcome = classify(
        status, success=targets, failure=failures, known=ShortCodeCampaignStatus, resource=resource
    )
    xcom = {
        "id": campaign.get("id", campaign_id),
        "name": campaign.get("name"),
        "status": status,
        "shortCodes": campaign.get("shortCodes"),
        "carrierOrders": [
            _order_summary(o) for o in campaign.get("carrierOrders") or [] if isinstance(o, Mapping)
        ],
    }
    if outcome == "failure":
        notes = latest_notes(campaign.get("notes"))
        message = f"{resource} is {status!r}" + (
            f"; latest notes: {notes}" if notes else "; Sinch left no note"
        )
        return PollResult("failure", status, message, resource, xcom=xcom)
    if outcome == "success":
        return PollResult("success", status, f"{resource} is {status!r}", resource, xcom=xcom)
    hint = " (not submitted yet?)" if status == ShortCodeCampaignStatus.DRAFT.value else ""
    return PollResult(
        "pending", status, f"{resource} is {status!r}{hint}, waiting for {list(targets)}", resource, xcom=xcom
    )


def _carrier_label(order: Mapping[str, Any]) -> str:
    name, carrier_id = order.get("carrierName"), order.get("carrierId")
    label = f"{name} (carrier {carrier_id})" if name else f"carrier {carrier_id}"
    return label + (f", order {order['carrierOrderId']}" if order.get("carrierOrderId") else "")


def evaluate_carrier_orders(
    campaign: Mapping[str, Any],
    campaign_id: str,
    target_statuses: Iterable[str | Enum] = (CarrierOrderStatus.CERTIFIED,),
    failure_statuses: Iterable[str | Enum] = CARRIER_ORDER_FAILURE,
    carrier_ids: Iterable[str] | None = None,
) -> PollResult:
    """Decide a wait on a campaign's carrier orders: every order (or each of ``carrier_ids``)
    in a target status is success; any in a failure status is a failure naming the carrier and
    quoting its notes. A cancelled or deprovisioned campaign will never certify: failure too.
    """
    resource = f"Short code campaign {campaign_id} carrier orders"
    targets, failures = _values(target_statuses), _values(failure_statuses)
    wanted = [str(c) for c in carrier_ids] if carrier_ids else None
    orders = [o for o in campaign.get("carrierOrders") or [] if isinstance(o, Mapping)]
    if wanted is not None:
        orders = [o for o in orders if str(o.get("carrierId")) in wanted]
    xcom = {"id": campaign.get("id", campaign_id), "carrierOrders": [_order_summary(o) for o in orders]}
    campaign_status = campaign.get("status")
    if campaign_status in (
        ShortCodeCampaignStatus.CANCELLED.value,
        ShortCodeCampaignStatus.DEPROVISIONED.value,
    ):
        notes = latest_notes(campaign.get("notes"))
        message = f"the campaign itself is {campaign_status!r}" + (
            f"; latest notes: {notes}" if notes else ""
        )
        return PollResult("failure", campaign_status, message, resource, xcom=xcom)
    failed = []
    for order in orders:
        label = _carrier_label(order)
        status = order.get("status")
        if (
            classify(status, success=targets, failure=failures, known=CarrierOrderStatus, resource=label)
            == "failure"
        ):
            notes = latest_notes(order.get("notes"))
            failed.append((status, f"{label} is {status!r}" + (f" ({notes})" if notes else "")))
    if failed:
        return PollResult("failure", failed[0][0], "; ".join(text for _, text in failed), resource, xcom=xcom)
    missing = sorted(set(wanted) - {str(o.get("carrierId")) for o in orders}) if wanted is not None else []
    waiting = [o for o in orders if o.get("status") not in targets]
    if orders and not missing and not waiting:
        return PollResult(
            "success",
            orders[0].get("status"),
            f"{resource}: all {len(orders)} in {list(targets)}",
            resource,
            xcom=xcom,
        )
    parts = [f"{_carrier_label(o)} is {o.get('status')!r}" for o in waiting]
    if missing:
        parts.append(f"no carrier order yet for carriers {missing}")
    if not orders and not missing:
        parts.append(f"no carrier orders yet (campaign is {campaign_status!r})")
    return PollResult(
        "pending", None, f"{resource}: waiting for {list(targets)}: " + "; ".join(parts), resource, xcom=xcom
    )


# --- Calls and operations, shared by the hook and the triggers ----------------------------------
def get_campaign(project_id: str, campaign_id: str) -> Call:
    """``GET /v1/projects/{project_id}/campaigns/{campaign_id}``: a :class:`ShortCodeCampaign`."""
    return Call(GET_CAMPAIGN, path_params={"project_id": project_id, "campaign_id": campaign_id})


def check_campaign_status(
    project_id: str,
    campaign_id: str,
    target_statuses: Iterable[str | Enum] = SHORT_CODE_SUCCESS,
    failure_statuses: Iterable[str | Enum] = SHORT_CODE_FAILURE,
) -> Operation[PollResult]:
    """One check of a campaign's status (the status sensor's, the submit operator's wait)."""
    campaign = yield get_campaign(project_id, campaign_id)
    return evaluate_short_code_campaign(campaign, campaign_id, target_statuses, failure_statuses)


def check_carrier_orders(
    project_id: str,
    campaign_id: str,
    target_statuses: Iterable[str | Enum] = (CarrierOrderStatus.CERTIFIED,),
    failure_statuses: Iterable[str | Enum] = CARRIER_ORDER_FAILURE,
    carrier_ids: Iterable[str] | None = None,
) -> Operation[PollResult]:
    """One check of a campaign's carrier orders."""
    campaign = yield get_campaign(project_id, campaign_id)
    return evaluate_carrier_orders(campaign, campaign_id, target_statuses, failure_statuses, carrier_ids)


# --- Many waits served by one list (coalesced polling, ``apis/_lists.py``) ------------------------
def list_campaigns_page(
    project_id: str,
    *,
    status: str | None = None,
    order_by: str | None = None,
    page_token: str | None = None,
    page_size: int = LIST_PAGE_SIZE,
) -> Call:
    """One page of ``listCampaigns``: ``{"campaigns": [BasicCampaign...], "nextPageToken", "totalSize"}``.

    The document's ``status`` filter takes one status; ``order_by`` is ``"<field>,asc|desc"``.
    """
    params: dict[str, Any] = {"pageSize": page_size}
    if status:
        params["status"] = status
    if order_by:
        params["orderBy"] = order_by
    if page_token:
        params["pageToken"] = page_token
    return Call(LIST_CAMPAIGNS, path_params={"project_id": project_id}, params=params)


def list_campaigns_by_status(
    project_id: str, statuses: Collection[str] | None, *, budget: int | None = None
) -> Operation[Listing]:
    """The project's campaigns in ``statuses``: one paged list per status (the filter takes one);
    ``None``: one unfiltered list. ``budget`` caps the requests of an unfiltered list.
    """
    if statuses is None:
        return (
            yield from collect_pages(
                lambda token: list_campaigns_page(project_id, page_token=token),
                "campaigns",
                "id",
                budget=budget,
            )
        )
    listing = Listing()
    for status in sorted(statuses):
        listing.merge((yield from collect_pages(_pages_of(project_id, status), "campaigns", "id")))
    return listing


def _pages_of(project_id: str, status: str | None) -> Callable[[str | None], Call]:
    return lambda token: list_campaigns_page(project_id, status=status, page_token=token)


def short_code_pending_statuses(
    target_statuses: Iterable[str | Enum] = SHORT_CODE_SUCCESS,
    failure_statuses: Iterable[str | Enum] = SHORT_CODE_FAILURE,
) -> frozenset[str]:
    """The documented statuses in which a campaign status wait goes on."""
    ends = set(_values(target_statuses)) | set(_values(failure_statuses))
    return frozenset(s.value for s in ShortCodeCampaignStatus if s.value not in ends)


@dataclass(frozen=True)
class CampaignStatusWatch(ListWatch):
    """A wait on a campaign's status (:func:`check_campaign_status`) served by the list.

    The list's items are ``BasicCampaign`` (id, name, shortCodes, status, dates): enough to see
    that the wait goes on, not enough for its end (a failure quotes the notes, a success returns
    the carrier orders). A listed campaign still pending is decided from its item with no call;
    one that reached a target or a failure status, or that the list did not show, is read whole
    by the lone check.
    """

    project_id: str
    campaign_id: str
    target_statuses: tuple[str, ...] = tuple(sorted(s.value for s in SHORT_CODE_SUCCESS))
    failure_statuses: tuple[str, ...] = tuple(sorted(s.value for s in SHORT_CODE_FAILURE))

    @property
    def resource_id(self) -> str:
        return self.campaign_id

    def scope(self) -> Hashable:
        return ("short-code-campaigns", self.project_id)

    def listable_statuses(self) -> frozenset[str]:
        return short_code_pending_statuses(self.target_statuses, self.failure_statuses)

    def pending_listing(self, statuses: Collection[str]) -> Operation[Listing]:
        if not statuses:
            return no_listing()
        return list_campaigns_by_status(self.project_id, statuses)

    def settled_listing(
        self, listed: Collection[str], last_items: Sequence[Mapping[str, Any] | None], budget: int
    ) -> Operation[Listing]:
        # One unfiltered list finds them all (the filter takes one status at a time).
        if budget < 1:
            return no_listing()
        return list_campaigns_by_status(self.project_id, None, budget=budget)

    def from_list(self, item: Mapping[str, Any] | None) -> Operation[PollResult]:
        if item is not None:
            result = evaluate_short_code_campaign(
                item, self.campaign_id, self.target_statuses, self.failure_statuses
            )
            if result.outcome == "pending":
                return result
        return (yield from self.check())

    def check(self) -> Operation[PollResult]:
        return check_campaign_status(
            self.project_id, self.campaign_id, self.target_statuses, self.failure_statuses
        )


# --- Watching a project for status changes (event triggers, ``apis/_changes.py``) ---------------
#: The list ordered newest change first (the document's ``orderBy`` field ``updateDate``).
_NEWEST_CHANGE_FIRST = "updateDate,desc"


def campaign_change(campaign: Mapping[str, Any]) -> Change | None:
    """A campaign (whole, or a list's ``BasicCampaign``) as a :class:`Change` dated by ``updatedAt``."""
    cid, status = campaign.get("id"), campaign.get("status")
    if not cid or not isinstance(status, str):
        return None
    summary = {k: campaign.get(k) for k in ("id", "name", "status", "shortCodes", "createdAt", "updatedAt")}
    return Change(str(cid), status, parse_timestamp(campaign.get("updatedAt")), summary)


def changed_since(project_id: str, since: datetime) -> Operation[list[Change]]:
    """The project's campaigns updated at or after ``since``: the list newest change first, paged
    until a page reaches older ones (usually one request)."""
    changes: list[Change] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = yield list_campaigns_page(project_id, order_by=_NEWEST_CHANGE_FIRST, page_token=token)
        page = page if isinstance(page, Mapping) else {}
        reached_older = False
        for item in page.get("campaigns") or []:
            change = campaign_change(item) if isinstance(item, Mapping) else None
            if change is None:
                continue
            if change.changed_at is not None and change.changed_at < since:
                reached_older = True
                continue
            changes.append(change)
        token = page.get("nextPageToken") or None
        if reached_older or not token or token in seen:
            return changes
        seen.add(token)


@dataclass(frozen=True)
class ShortCodeCampaignFeed(ChangeFeed):
    """The campaigns of one project changing status.

    Each round lists the campaigns newest change first and stops at those not updated within
    ``lookback`` seconds of the caller's clock (rounds overlap, so a change is seen even if a round
    fails or the clocks differ by less than the overlap; the trigger's cursor drops repeats).
    """

    project_id: str
    lookback: float = 600.0

    def scope(self) -> Hashable:
        return ("short-code-campaigns", self.project_id)

    def poll(self, memory: dict[str, Any], now: datetime) -> Operation[list[Change]]:
        return changed_since(self.project_id, now - timedelta(seconds=self.lookback))

    def catch_up(self, since: datetime, resource_id: str | None) -> Operation[list[Change]]:
        if resource_id is not None:
            campaign = yield get_campaign(self.project_id, resource_id)
            change = campaign_change(campaign or {})
            return [change] if change is not None else []
        return (yield from changed_since(self.project_id, since))
