"""The 10DLC Campaign Registration API, ``../shared/api/10dlc-campaign-registration-api.txt``.

Endpoint descriptions, response types, the wait decisions (:func:`evaluate_registration`,
:func:`evaluate_resubmit`) and the checks that take two calls ("the registration, then its
feedback when it failed": :func:`check_registration`, :func:`check_resubmit`), written once for
the sync hook and the async trigger. No HTTP client, no Airflow.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.apis._changes import Change, ChangeFeed
from airflow_provider_sinch.apis._core import Call, CallFailed, Endpoint, Operation
from airflow_provider_sinch.apis._lists import LIST_PAGE_SIZE, Listing, ListWatch, collect_pages, no_listing
from airflow_provider_sinch.statuses import (
    RESUBMIT_FAILURE,
    RESUBMIT_SUCCESS,
    TEN_DLC_FAILURE,
    Outcome,
    PollResult,
    TenDLCCampaignStatus,
    TenDLCLastActionStatus,
    classify,
)

log = logging.getLogger(__name__)

# --- Endpoints, each described once -----------------------------------------------------------
_REGISTRATIONS = "/v1/projects/{project_id}/campaignRegistrations"
_REGISTRATION = _REGISTRATIONS + "/{campaign_registration_id}"

#: Paid (a setup fee once approved): never repeated by the transport after an unclear answer.
SUBMIT_CAMPAIGN = Endpoint("POST", _REGISTRATIONS + ":submit")
GET_CAMPAIGN = Endpoint("GET", _REGISTRATION)
GET_CAMPAIGN_BY_TCR_ID = Endpoint("GET", _REGISTRATIONS + ":fetchByTcrCampaignId")
QUALIFY_BRAND = Endpoint("GET", _REGISTRATIONS + ":qualify")
# The document spells the delete path in the singular (``campaignRegistration/{id}``) while every
# other path is plural. We follow the document literally.
DELETE_CAMPAIGN = Endpoint(
    "DELETE", "/v1/projects/{project_id}/campaignRegistration/{campaign_registration_id}"
)
LIST_CAMPAIGNS = Endpoint("GET", _REGISTRATIONS)
GET_CAMPAIGN_FEEDBACK = Endpoint("GET", _REGISTRATION + "/feedback")
RESUBMIT_CAMPAIGN = Endpoint("PUT", _REGISTRATION + "/resubmit")

DEFAULT_HOST = "https://us10dlc.numbers.api.sinch.com"
DEFAULT_CONN_ID = "sinch_10dlc_default"
AUTH_MODES = ("oauth2", "basic")
#: Where the task's extra link points; override with the connection extra ``dashboard_url``
#: (a template with ``{project_id}`` and ``{campaign_registration_id}``).
DEFAULT_DASHBOARD_URL = (
    "https://dashboard.sinch.com/numbers/10dlc/campaigns/{campaign_registration_id}?projectId={project_id}"
)
#: The query parameter of ``fetchByTcrCampaignId``, named as the document names it.
TCR_ID_QUERY_PARAM = "campaignRegistrationIdQuery"

DEFAULT_TARGET_STATUSES = (TenDLCCampaignStatus.APPROVED.value, TenDLCCampaignStatus.ACTIVE.value)
#: The way a registration goes when all is well; reaching a later step also passes an earlier target.
HAPPY_PATH = (
    TenDLCCampaignStatus.SINCH_REVIEW.value,
    TenDLCCampaignStatus.SINCH_APPROVED.value,
    TenDLCCampaignStatus.SUBMITTED.value,
    TenDLCCampaignStatus.APPROVED.value,
    TenDLCCampaignStatus.ACTIVE.value,
)
#: Every ``lastActionStatus`` the document names: the enum of the Get answer lists the CREATE_ and
#: DELETE_ values, the resubmit section the RESUBMIT_ ones.
_SUMMARY_KEYS = (
    "campaignRegistrationId",
    "campaignId",
    "campaignName",
    "brandId",
    "useCase",
    "status",
    "lastActionStatus",
    "setupFee",
    "monthlyFee",
    "createDate",
    "modifiedDate",
)


class CampaignRegistration(TypedDict, total=False):
    """A campaign registration (Get, Get by TCR id, and each item of the list)."""

    campaignRegistrationId: str
    campaignId: str
    campaignName: str
    createDate: str
    modifiedDate: str
    brandId: str
    useCase: str
    subUseCases: list[str]
    description: str
    status: str
    lastActionStatus: str
    mnoMetadata: dict[str, dict[str, Any]]
    setupFee: float
    monthlyFee: float
    mock: bool
    nextRenewalOrExpirationDate: str


class BrandQualification(TypedDict, total=False):
    """The ``campaignRegistrations:qualify`` answer."""

    useCase: str
    monthlyFee: float
    setupFee: float
    minSubUseCases: float
    maxSubUseCases: float
    mnoMetadata: dict[str, dict[str, Any]]


class CampaignFeedback(TypedDict, total=False):
    """The feedback answer: why a registration was rejected."""

    campaignRegistrationId: str
    campaignId: str
    status: str
    tcrErrorResponse: list[dict[str, Any]]
    internalErrorResponse: list[dict[str, Any]]


# --- Pure decisions, shared by the sync sensor / operator and the async trigger -----------------
def registration_summary(registration: Mapping[str, Any]) -> dict[str, Any]:
    """A small JSON-safe view of a registration for XCom."""
    return {key: registration.get(key) for key in _SUMMARY_KEYS if key in registration}


def _describe_entry(entry: Any) -> str:
    if not isinstance(entry, Mapping):
        return str(entry)
    # The document leaves these objects' fields unnamed: show the usual ones, else the whole entry.
    code = entry.get("code") or entry.get("errorCode")
    field = entry.get("field") or entry.get("fieldName")
    text = (
        entry.get("description")
        or entry.get("message")
        or entry.get("errorDescription")
        or entry.get("reason")
        or entry.get("detail")
    )
    if text is None:
        return json.dumps(dict(entry), sort_keys=True, default=str)
    parts = [f"[{code}]" if code not in (None, "") else "", f"{field}:" if field else "", str(text)]
    return " ".join(p for p in parts if p)


def describe_feedback(feedback: Mapping[str, Any] | None) -> str:
    """The feedback endpoint's TCR and internal errors as one readable sentence ("" if none)."""
    if not feedback:
        return ""
    sections = []
    for key, label in (("tcrErrorResponse", "TCR errors"), ("internalErrorResponse", "internal errors")):
        entries = feedback.get(key) or []
        if isinstance(entries, Mapping):
            entries = [entries]
        texts = [_describe_entry(e) for e in entries if e]
        if texts:
            sections.append(f"{label}: " + "; ".join(texts))
    return " | ".join(sections)


def _reason(feedback: Mapping[str, Any] | None, feedback_error: str | None) -> str:
    """The failure message: it follows "<resource> reached terminal status 'X': " in the error."""
    reason = describe_feedback(feedback)
    if reason:
        return f"Sinch feedback: {reason}"
    if feedback_error:
        return f"the feedback endpoint could not be read: {feedback_error}"
    return "the feedback endpoint gave no reason"


def _reached(status: str, targets: Sequence[str]) -> bool:
    if status in targets:
        return True
    if status not in HAPPY_PATH:
        return False
    step = HAPPY_PATH.index(status)
    return any(t in HAPPY_PATH and HAPPY_PATH.index(t) <= step for t in targets)


def evaluate_registration(
    registration: Mapping[str, Any],
    campaign_registration_id: str,
    target_statuses: Iterable[str] = DEFAULT_TARGET_STATUSES,
    *,
    feedback: Mapping[str, Any] | None = None,
    feedback_error: str | None = None,
) -> PollResult:
    """Decide a wait on a registration's ``status``.

    A status in ``target_statuses``, or later on the happy path (SINCH_REVIEW -> SINCH_APPROVED ->
    SUBMITTED -> APPROVED -> ACTIVE) than one of them, is success. SINCH_REJECTED, REJECTED,
    EXPIRED and SUBMISSION_FAILED (unless targeted) are failures: pass the feedback endpoint's
    answer as ``feedback`` so that the message quotes its TCR and internal errors. Anything else,
    including a status this provider does not know, is pending.
    """
    status = registration.get("status")
    resource = f"10DLC campaign registration {campaign_registration_id}"
    targets = tuple(t.value if isinstance(t, TenDLCCampaignStatus) else str(t) for t in target_statuses)
    failures = [s for s in TEN_DLC_FAILURE if s.value not in targets]
    outcome: Outcome
    if isinstance(status, str) and _reached(status, targets):
        outcome = "success"
    else:
        outcome = classify(
            status, success=targets, failure=failures, known=TenDLCCampaignStatus, resource=resource
        )
    summary = registration_summary(registration)
    if outcome == "failure":
        message = _reason(feedback, feedback_error)
    elif outcome == "success":
        tcr = registration.get("campaignId")
        message = f"{resource} is {status}" + (f" (TCR campaign {tcr})" if tcr else "")
    else:
        message = f"{resource} is {status}, waiting for {list(targets)}"
    return PollResult(outcome, status, message, resource, xcom=summary)


def evaluate_resubmit(
    registration: Mapping[str, Any],
    campaign_registration_id: str,
    *,
    feedback: Mapping[str, Any] | None = None,
    feedback_error: str | None = None,
) -> PollResult:
    """Decide a wait on a resubmit from the registration's ``lastActionStatus``.

    RESUBMIT_SUCCESSFUL is success, RESUBMIT_FAILED a failure quoting the feedback endpoint's
    reasons (pass its answer as ``feedback``), RESUBMIT_IN_PROGRESS and anything else pending,
    except a registration that was deleted meanwhile (EXPIRED), which can no longer succeed.
    """
    action = registration.get("lastActionStatus")
    resource = f"Resubmit of 10DLC campaign registration {campaign_registration_id}"
    outcome = classify(
        action,
        success=RESUBMIT_SUCCESS,
        failure=RESUBMIT_FAILURE,
        known=TenDLCLastActionStatus,
        resource=resource,
    )
    summary = registration_summary(registration)
    status = registration.get("status")
    if outcome == "pending" and status == TenDLCCampaignStatus.EXPIRED.value:
        return PollResult(
            "failure",
            action,
            "the registration is EXPIRED (deleted), so the resubmit cannot finish",
            resource,
            summary,
        )
    if outcome == "failure":
        message = _reason(feedback, feedback_error)
    elif outcome == "success":
        message = f"{resource} is {action}; the MNO metadata is up to date"
    else:
        message = f"{resource}: lastActionStatus is {action}, waiting for RESUBMIT_SUCCESSFUL"
    return PollResult(outcome, action, message, resource, xcom=summary)


# --- Calls and operations, shared by the hook and the triggers ----------------------------------
def _ids(project_id: str, campaign_registration_id: str) -> dict[str, str]:
    return {"project_id": project_id, "campaign_registration_id": campaign_registration_id}


def get_campaign(project_id: str, campaign_registration_id: str) -> Call:
    """``GET .../campaignRegistrations/{id}``: a :class:`CampaignRegistration`."""
    return Call(GET_CAMPAIGN, path_params=_ids(project_id, campaign_registration_id))


def get_campaign_feedback(project_id: str, campaign_registration_id: str, *, optional: bool = False) -> Call:
    """``GET .../campaignRegistrations/{id}/feedback``: a :class:`CampaignFeedback`."""
    return Call(
        GET_CAMPAIGN_FEEDBACK, path_params=_ids(project_id, campaign_registration_id), optional=optional
    )


def _feedback(answer: Any, campaign_registration_id: str) -> tuple[Mapping[str, Any] | None, str | None]:
    if isinstance(answer, CallFailed):
        log.warning("Could not read the feedback of %s: %s", campaign_registration_id, answer.error)
        return None, answer.error
    return answer, None


def check_registration(
    project_id: str,
    campaign_registration_id: str,
    target_statuses: Iterable[str] = DEFAULT_TARGET_STATUSES,
) -> Operation[PollResult]:
    """One status check: the registration, plus its feedback when it was rejected.

    A feedback read that fails does not fail the check: the failure says it could not be read.
    """
    registration = yield get_campaign(project_id, campaign_registration_id)
    return (
        yield from registration_result(project_id, campaign_registration_id, registration, target_statuses)
    )


def registration_result(
    project_id: str,
    campaign_registration_id: str,
    registration: Mapping[str, Any],
    target_statuses: Iterable[str] = DEFAULT_TARGET_STATUSES,
) -> Operation[PollResult]:
    """Decide a wait on a registration already read (by Get, or as an item of the list): no call,
    unless it was rejected, then its feedback (a failed feedback read does not fail the check).
    """
    targets = tuple(target_statuses)
    result = evaluate_registration(registration, campaign_registration_id, targets)
    if result.outcome != "failure":
        return result
    answer = yield get_campaign_feedback(project_id, campaign_registration_id, optional=True)
    feedback, error = _feedback(answer, campaign_registration_id)
    return evaluate_registration(
        registration, campaign_registration_id, targets, feedback=feedback, feedback_error=error
    )


def check_resubmit(project_id: str, campaign_registration_id: str) -> Operation[PollResult]:
    """One resubmit check: ``lastActionStatus``, plus the feedback when the resubmit failed."""
    registration = yield get_campaign(project_id, campaign_registration_id)
    result = evaluate_resubmit(registration, campaign_registration_id)
    if result.outcome != "failure" or result.status not in {s.value for s in RESUBMIT_FAILURE}:
        return result
    answer = yield get_campaign_feedback(project_id, campaign_registration_id, optional=True)
    feedback, error = _feedback(answer, campaign_registration_id)
    return evaluate_resubmit(registration, campaign_registration_id, feedback=feedback, feedback_error=error)


# --- Many waits served by one list (coalesced polling, ``apis/_lists.py``) ------------------------
def list_campaigns_page(
    project_id: str,
    *,
    statuses: Iterable[str] = (),
    page_token: str | None = None,
    page_size: int = LIST_PAGE_SIZE,
) -> Call:
    """One page of ``GET .../campaignRegistrations``, ``status`` repeated once per status.

    Answers ``{"campaignRegistrations": [CampaignRegistration...], "nextPageToken", "totalSize"}``.
    """
    params: list[tuple[str, str]] = [("status", s) for s in sorted(set(statuses))]
    params.append(("pageSize", str(page_size)))
    if page_token:
        params.append(("pageToken", page_token))
    return Call(LIST_CAMPAIGNS, path_params={"project_id": project_id}, params=params)


def list_registrations(
    project_id: str, statuses: Collection[str], *, budget: int | None = None
) -> Operation[Listing]:
    """The project's registrations in ``statuses`` (none: nothing is listed), every page."""
    if not statuses:
        return (yield from no_listing())
    return (
        yield from collect_pages(
            lambda token: list_campaigns_page(project_id, statuses=statuses, page_token=token),
            "campaignRegistrations",
            "campaignRegistrationId",
            budget=budget,
        )
    )


def pending_statuses(target_statuses: Iterable[str] = DEFAULT_TARGET_STATUSES) -> frozenset[str]:
    """The documented statuses in which a wait for ``target_statuses`` goes on."""
    targets = tuple(str(getattr(t, "value", t)) for t in target_statuses)
    failures = {s.value for s in TEN_DLC_FAILURE} - set(targets)
    return frozenset(
        s.value for s in TenDLCCampaignStatus if not _reached(s.value, targets) and s.value not in failures
    )


@dataclass(frozen=True)
class RegistrationWatch(ListWatch):
    """A wait on a registration's ``status`` (:func:`check_registration`) served by the list.

    The list's items are whole registrations (the document's "Campaign Response"), so an item
    decides the wait with :func:`registration_result`, the lone check's own second half: no call
    when it is pending or approved, the feedback call when it was rejected.
    """

    project_id: str
    campaign_registration_id: str
    target_statuses: tuple[str, ...] = DEFAULT_TARGET_STATUSES
    #: ``status`` repeats: every pending status costs the same one paged list.
    one_status_per_request = False

    @property
    def resource_id(self) -> str:
        return self.campaign_registration_id

    def scope(self) -> Hashable:
        return ("10dlc-registrations", self.project_id)

    def listable_statuses(self) -> frozenset[str]:
        return pending_statuses(self.target_statuses)

    def pending_listing(self, statuses: Collection[str]) -> Operation[Listing]:
        return list_registrations(self.project_id, statuses)

    def settled_listing(
        self, listed: Collection[str], last_items: Sequence[Mapping[str, Any] | None], budget: int
    ) -> Operation[Listing]:
        others = {s.value for s in TenDLCCampaignStatus} - set(listed)
        if budget < 1:
            return no_listing()
        return list_registrations(self.project_id, others, budget=budget)

    def from_list(self, item: Mapping[str, Any] | None) -> Operation[PollResult]:
        if item is None:
            return (yield from self.check())
        return (
            yield from registration_result(
                self.project_id, self.campaign_registration_id, item, self.target_statuses
            )
        )

    def check(self) -> Operation[PollResult]:
        return check_registration(self.project_id, self.campaign_registration_id, self.target_statuses)


# --- Watching a project for outcomes (event triggers, ``apis/_changes.py``) ---------------------
#: What a registration watcher reports, by outcome: reaching ACTIVE after APPROVED is no new one.
REGISTRATION_OUTCOMES: dict[str, tuple[str, ...]] = {
    "approved": (TenDLCCampaignStatus.APPROVED.value, TenDLCCampaignStatus.ACTIVE.value),
    "rejected": (
        TenDLCCampaignStatus.SINCH_REJECTED.value,
        TenDLCCampaignStatus.REJECTED.value,
        TenDLCCampaignStatus.SUBMISSION_FAILED.value,
    ),
}
#: Where a registration is on its way to an outcome: the feed lists these every round.
IN_FLIGHT_STATUSES = (
    TenDLCCampaignStatus.SINCH_REVIEW.value,
    TenDLCCampaignStatus.SINCH_APPROVED.value,
    TenDLCCampaignStatus.SUBMITTED.value,
)
#: Rounds a departed registration whose read failed is tried again before it is let go.
_DEPARTED_RETRIES = 3


def registration_outcome(status: str | None) -> str | None:
    """``"approved"``, ``"rejected"`` or ``None`` (no outcome yet, or EXPIRED)."""
    return next((name for name, statuses in REGISTRATION_OUTCOMES.items() if status in statuses), None)


def registration_change(registration: Mapping[str, Any]) -> Change | None:
    """A registration (Get, or a list item) as a :class:`Change` dated by its ``modifiedDate``."""
    rid, status = registration.get("campaignRegistrationId"), registration.get("status")
    if not rid or not isinstance(status, str):
        return None
    return Change(
        str(rid),
        status,
        parse_timestamp(registration.get("modifiedDate")),
        registration_summary(registration),
    )


def _changes(items: Iterable[Mapping[str, Any]]) -> list[Change]:
    return [c for c in map(registration_change, items) if c is not None]


@dataclass(frozen=True)
class RegistrationFeed(ChangeFeed):
    """The registrations of one project reaching an outcome.

    10DLC lists filter by status but not by date, and a project keeps its approved registrations
    for years. So each round lists the registrations still in flight (:data:`IN_FLIGHT_STATUSES`,
    usually a page) and looks up those that left since the last round: in one list of the other
    statuses when that takes fewer requests than they are, else one Get each.

    A registration submitted and settled between two rounds is never in flight when a round
    looks. So each round also reads the project's ``totalSize`` (a one-item page of the whole
    list): when it differs from the last round's (a registration was submitted), or the answer has
    none, the registrations with an outcome are listed. The first round lists them too, so a
    watcher sees what the stream's start found. A round costs two requests when nothing was
    submitted.
    """

    project_id: str

    def scope(self) -> Hashable:
        return ("10dlc-registrations", self.project_id)

    def poll(self, memory: dict[str, Any], now: datetime) -> Operation[list[Change]]:
        # The size first: a registration submitted after it is in flight in the list that follows,
        # or changes the size the next round reads.
        probe = yield list_campaigns_page(self.project_id, page_size=1)
        total = probe.get("totalSize") if isinstance(probe, Mapping) else None
        in_flight = yield from list_registrations(self.project_id, IN_FLIGHT_STATUSES)
        changes = _changes(in_flight.items.values())
        if "in_flight" not in memory or total is None or total != memory.get("total"):
            outcome_statuses = [s for statuses in REGISTRATION_OUTCOMES.values() for s in statuses]
            settled = yield from list_registrations(self.project_id, outcome_statuses)
            changes += _changes(settled.items.values())
        memory["total"] = total
        retries: dict[str, int] = memory.get("retries", {})
        departed = sorted(set(memory.get("in_flight", ())) - set(in_flight.items))
        if len(departed) > 1:
            others = {s.value for s in TenDLCCampaignStatus} - set(IN_FLIGHT_STATUSES)
            settled = yield from list_registrations(self.project_id, others, budget=len(departed) - 1)
            changes += _changes(settled.items[r] for r in departed if r in settled.items)
            departed = [r for r in departed if r not in settled.items]
        kept: set[str] = set()
        for rid in departed:
            answer = yield Call(GET_CAMPAIGN, path_params=_ids(self.project_id, rid), optional=True)
            change = registration_change(answer) if isinstance(answer, Mapping) else None
            if change is not None:
                changes.append(change)
                retries.pop(rid, None)
            elif retries.get(rid, 0) < _DEPARTED_RETRIES:
                retries[rid] = retries.get(rid, 0) + 1
                kept.add(rid)
        memory["in_flight"] = set(in_flight.items) | kept
        memory["retries"] = {r: n for r, n in retries.items() if r in kept}
        return changes

    def catch_up(self, since: datetime, resource_id: str | None) -> Operation[list[Change]]:
        if resource_id is not None:
            registration = yield get_campaign(self.project_id, resource_id)
            return _changes([registration])
        statuses = [s for statuses in REGISTRATION_OUTCOMES.values() for s in statuses]
        listing = yield from list_registrations(self.project_id, statuses)
        return [c for c in _changes(listing.items.values()) if c.changed_at is None or c.changed_at > since]
