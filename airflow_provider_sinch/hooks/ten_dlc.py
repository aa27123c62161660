"""Hook for Sinch's 10DLC Campaign Registration API, ``../shared/api/10dlc-campaign-registration-api.txt``.

Every endpoint of the document is described once below as an :class:`Endpoint`; the public
methods are thin typed wrappers, and the async trigger reuses the same descriptions. The pure
functions :func:`evaluate_registration` and :func:`evaluate_resubmit` decide a wait from what
the API returned; the sync sensor / operator and the async trigger both use them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from airflow_provider_sinch._auth import BasicKeyAuth, OAuth2ClientCredentials
from airflow_provider_sinch._http import Endpoint, iter_pages
from airflow_provider_sinch.exceptions import SinchError, SinchValidationError
from airflow_provider_sinch.hooks.base import SinchBaseHook, connection_extra
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
from airflow_provider_sinch.ten_dlc_validation import mno_violations, prepare_submit

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from airflow_provider_sinch._auth import SinchAuth

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


class Sinch10DLCHook(SinchBaseHook):
    """Sinch 10DLC Campaign Registration API: qualify, submit, follow, resubmit and delete campaigns.

    Connection (type ``sinch_10dlc``): login = access key id, password = key secret, host = API
    base URL (default ``https://us10dlc.numbers.api.sinch.com``), extra ``project_id``, ``auth``
    (``oauth2``, the default, or ``basic``), ``token_url`` (OAuth2, default
    ``https://auth.sinch.com/oauth2/token``), ``dashboard_url`` and the transport options.
    OAuth2 tokens are cached and renewed like the Short Code API's; Basic sends the key pair on
    every request. 429 answers are retried with backoff by the transport.

    :param sinch_conn_id: connection id, default ``sinch_10dlc_default``.
    """

    conn_type: ClassVar[str] = "sinch_10dlc"
    default_conn_name: ClassVar[str] = DEFAULT_CONN_ID
    hook_name: ClassVar[str] = "Sinch 10DLC Campaign Registration"
    default_host: ClassVar[str] = DEFAULT_HOST

    @classmethod
    def auth_from(cls, conn: Connection, base_url: str) -> SinchAuth:
        extra = connection_extra(conn)
        mode = str(extra.get("auth") or "oauth2").strip().lower()
        if mode == "basic":
            return BasicKeyAuth(conn.login or "", conn.password or "")
        if mode == "oauth2":
            token_url = extra.get("token_url") or OAuth2ClientCredentials.DEFAULT_TOKEN_URL
            return OAuth2ClientCredentials(conn.login or "", conn.password or "", token_url)
        raise SinchValidationError([("auth", f"must be one of {list(AUTH_MODES)}, got {mode!r}")])

    # --- helpers --------------------------------------------------------------------------------
    @property
    def default_project_id(self) -> str | None:
        value = self.extra.get("project_id")
        return str(value) if value else None

    def resolve_project_id(self, project_id: str | None = None) -> str:
        """``project_id`` if given, else the connection's extra ``project_id``."""
        resolved = project_id or self.default_project_id
        if not resolved:
            raise SinchValidationError(
                [
                    (
                        "project_id",
                        "is required: pass project_id or set it in the extra of connection "
                        f"{self.sinch_conn_id!r}",
                    )
                ]
            )
        return resolved

    def _path(self, project_id: str | None, campaign_registration_id: str | None = None) -> dict[str, str]:
        params = {"project_id": self.resolve_project_id(project_id)}
        if campaign_registration_id is not None:
            if not campaign_registration_id:
                raise SinchValidationError([("campaign_registration_id", "is required")])
            params["campaign_registration_id"] = campaign_registration_id
        return params

    def campaign_url(self, campaign_registration_id: str, project_id: str | None = None) -> str:
        """A stable link to the registration in Sinch's dashboard (the task's extra link)."""
        template = str(self.extra.get("dashboard_url") or DEFAULT_DASHBOARD_URL)
        return template.format(
            campaign_registration_id=campaign_registration_id, project_id=self.resolve_project_id(project_id)
        )

    def _test_call(self) -> str:
        page = self.list_campaigns_page(page_size=1)
        total = page.get("totalSize")
        suffix = f" ({total} registrations)" if total is not None else ""
        return f"Listed the campaign registrations of project {self.resolve_project_id()}{suffix}."

    # --- endpoints ------------------------------------------------------------------------------
    def submit_campaign(
        self, campaign: Mapping[str, Any], *, project_id: str | None = None
    ) -> dict[str, Any]:
        """Create a campaign at TCR (``POST .../campaignRegistrations:submit``). Paid.

        ``campaign`` holds the request's fields as the API names them (``brandId``, ``useCase``...);
        every documented rule is checked first and all violations are raised together
        (:class:`SinchValidationError`), the documented boolean defaults are filled in.
        Returns ``{"campaignRegistrationId": ...}``. Not repeated after a timeout or a 5xx:
        :class:`~airflow_provider_sinch.operators.ten_dlc.SinchSubmit10DLCCampaignOperator` looks
        for the registration before submitting again.
        """
        body = prepare_submit(campaign)
        return self._call(SUBMIT_CAMPAIGN, path_params=self._path(project_id), json=body)

    def get_campaign(
        self, campaign_registration_id: str, *, project_id: str | None = None
    ) -> CampaignRegistration:
        """A registration by its Sinch id (``GET .../campaignRegistrations/{id}``)."""
        return self._call(GET_CAMPAIGN, path_params=self._path(project_id, campaign_registration_id))

    def get_campaign_by_tcr_id(
        self, tcr_campaign_id: str, *, project_id: str | None = None
    ) -> CampaignRegistration:
        """A registration by its TCR campaign id (``GET .../campaignRegistrations:fetchByTcrCampaignId``).

        The document names the query parameter ``campaignRegistrationIdQuery`` (and describes it
        as the registration id); the operation is "using the TCR Campaign ID", so the TCR id is
        sent under that literal name.
        """
        if not tcr_campaign_id:
            raise SinchValidationError([("tcr_campaign_id", "is required")])
        return self._call(
            GET_CAMPAIGN_BY_TCR_ID,
            path_params=self._path(project_id),
            params={TCR_ID_QUERY_PARAM: tcr_campaign_id},
        )

    def qualify_brand(
        self, brand_id: str, use_case: str | None = None, *, project_id: str | None = None
    ) -> BrandQualification:
        """Fees, sub-use-case bounds and MNO metadata for a brand and use case (``:qualify``)."""
        if not brand_id:
            raise SinchValidationError([("brand_id", "is required")])
        params = {"brandId": brand_id}
        if use_case:
            params["useCase"] = use_case
        return self._call(QUALIFY_BRAND, path_params=self._path(project_id), params=params)

    def delete_campaign(
        self, campaign_registration_id: str, *, project_id: str | None = None
    ) -> dict[str, Any]:
        """Deactivate a campaign: it leaves TCR and becomes EXPIRED, for good.

        ``DELETE .../campaignRegistration/{id}``, singular as the document spells it.
        """
        return self._call(DELETE_CAMPAIGN, path_params=self._path(project_id, campaign_registration_id)) or {}

    def list_campaigns_page(
        self,
        *,
        status: str | Iterable[str] | None = None,
        mock: bool | None = None,
        use_case: str | None = None,
        brand: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
        order_by: str | None = None,
        project_id: str | None = None,
    ) -> dict[str, Any]:
        """One page of ``GET .../campaignRegistrations``.

        Returns ``{"campaignRegistrations": [...], "nextPageToken": ..., "totalSize": ...}``.
        """
        params: list[tuple[str, str]] = []
        if status is not None:
            values = [status] if isinstance(status, str) else list(status)
            params += [("status", s.value if isinstance(s, TenDLCCampaignStatus) else str(s)) for s in values]
        if mock is not None:
            params.append(("mock", "true" if mock else "false"))
        if use_case:
            params.append(("useCase", use_case))
        if brand:
            params.append(("brand", brand))
        if page_size is not None:
            if page_size < 1:
                raise SinchValidationError([("page_size", "must be at least 1")])
            params.append(("pageSize", str(page_size)))
        if page_token:
            params.append(("pageToken", page_token))
        if order_by:
            params.append(("orderBy", order_by))
        return self._call(LIST_CAMPAIGNS, path_params=self._path(project_id), params=params) or {}

    def list_campaigns(
        self,
        *,
        status: str | Iterable[str] | None = None,
        mock: bool | None = None,
        use_case: str | None = None,
        brand: str | None = None,
        page_size: int | None = None,
        order_by: str | None = None,
        project_id: str | None = None,
    ) -> Iterator[CampaignRegistration]:
        """Every registration of the project, one at a time, following ``nextPageToken``.

        :param status: one status or several (sent as a repeated ``status`` parameter).
        :param mock: only mocked (``True``) or only real (``False``) registrations.
        :param use_case: only this use case.
        :param brand: only this brand id.
        :param page_size: registrations per request.
        :param order_by: the API's ``orderBy`` expression, passed through.
        """
        project = self.resolve_project_id(project_id)

        def fetch(token: str | None) -> dict[str, Any]:
            return self.list_campaigns_page(
                status=status,
                mock=mock,
                use_case=use_case,
                brand=brand,
                page_size=page_size,
                page_token=token,
                order_by=order_by,
                project_id=project,
            )

        return iter_pages(fetch, "campaignRegistrations")

    def get_campaign_feedback(
        self, campaign_registration_id: str, *, project_id: str | None = None
    ) -> CampaignFeedback:
        """Why a registration was rejected: ``tcrErrorResponse`` and ``internalErrorResponse``."""
        return self._call(GET_CAMPAIGN_FEEDBACK, path_params=self._path(project_id, campaign_registration_id))

    def resubmit_campaign(
        self,
        campaign_registration_id: str,
        mnos: Sequence[str] | None = None,
        *,
        project_id: str | None = None,
    ) -> dict[str, Any]:
        """Resubmit a campaign to TCR (``PUT .../{id}/resubmit``) for ``mnos`` (default: all).

        Then follow ``lastActionStatus`` (see :func:`evaluate_resubmit`).
        """
        problems = mno_violations(mnos)
        if problems:
            raise SinchValidationError(problems)
        body: dict[str, Any] = {"mnos": list(mnos)} if mnos else {}
        return (
            self._call(
                RESUBMIT_CAMPAIGN, path_params=self._path(project_id, campaign_registration_id), json=body
            )
            or {}
        )

    # --- built on the endpoints -----------------------------------------------------------------
    def check_registration(
        self,
        campaign_registration_id: str,
        target_statuses: Iterable[str] = DEFAULT_TARGET_STATUSES,
        *,
        project_id: str | None = None,
    ) -> PollResult:
        """One status check: the registration, plus its feedback when it was rejected."""
        registration = self.get_campaign(campaign_registration_id, project_id=project_id)
        targets = tuple(target_statuses)
        result = evaluate_registration(registration, campaign_registration_id, targets)
        if result.outcome != "failure":
            return result
        feedback, error = self._feedback_or_error(campaign_registration_id, project_id)
        return evaluate_registration(
            registration, campaign_registration_id, targets, feedback=feedback, feedback_error=error
        )

    def check_resubmit(self, campaign_registration_id: str, *, project_id: str | None = None) -> PollResult:
        """One resubmit check: ``lastActionStatus``, plus the feedback when it failed."""
        registration = self.get_campaign(campaign_registration_id, project_id=project_id)
        result = evaluate_resubmit(registration, campaign_registration_id)
        if result.outcome != "failure" or result.status not in {s.value for s in RESUBMIT_FAILURE}:
            return result
        feedback, error = self._feedback_or_error(campaign_registration_id, project_id)
        return evaluate_resubmit(
            registration, campaign_registration_id, feedback=feedback, feedback_error=error
        )

    def _feedback_or_error(
        self, campaign_registration_id: str, project_id: str | None
    ) -> tuple[CampaignFeedback | None, str | None]:
        try:
            return self.get_campaign_feedback(campaign_registration_id, project_id=project_id), None
        except SinchError as exc:
            log.warning("Could not read the feedback of %s: %s", campaign_registration_id, exc)
            return None, str(exc)
