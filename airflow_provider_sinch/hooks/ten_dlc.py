"""Hook for Sinch's 10DLC Campaign Registration API, ``../shared/api/10dlc-campaign-registration-api.txt``.

A thin typed facade over :mod:`airflow_provider_sinch.apis.ten_dlc`, where every endpoint is
described once (and re-exported here) with the wait decisions and the two-call checks
(:func:`~airflow_provider_sinch.apis.ten_dlc.check_registration`,
:func:`~airflow_provider_sinch.apis.ten_dlc.check_resubmit`) the async trigger runs too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from airflow_provider_sinch import connections
from airflow_provider_sinch._http import iter_pages
from airflow_provider_sinch.apis import ten_dlc as api
from airflow_provider_sinch.apis.ten_dlc import (
    AUTH_MODES,
    DEFAULT_CONN_ID,
    DEFAULT_DASHBOARD_URL,
    DEFAULT_HOST,
    DEFAULT_TARGET_STATUSES,
    DELETE_CAMPAIGN,
    GET_CAMPAIGN,
    GET_CAMPAIGN_BY_TCR_ID,
    GET_CAMPAIGN_FEEDBACK,
    HAPPY_PATH,
    LIST_CAMPAIGNS,
    QUALIFY_BRAND,
    RESUBMIT_CAMPAIGN,
    SUBMIT_CAMPAIGN,
    TCR_ID_QUERY_PARAM,
    BrandQualification,
    CampaignFeedback,
    CampaignRegistration,
    describe_feedback,
    evaluate_registration,
    evaluate_resubmit,
    registration_summary,
)
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.hooks.base import SinchBaseHook
from airflow_provider_sinch.statuses import PollResult, TenDLCCampaignStatus
from airflow_provider_sinch.ten_dlc_validation import mno_violations, prepare_submit

__all__ = [
    "AUTH_MODES",
    "DEFAULT_CONN_ID",
    "DEFAULT_DASHBOARD_URL",
    "DEFAULT_HOST",
    "DEFAULT_TARGET_STATUSES",
    "DELETE_CAMPAIGN",
    "GET_CAMPAIGN",
    "GET_CAMPAIGN_BY_TCR_ID",
    "GET_CAMPAIGN_FEEDBACK",
    "HAPPY_PATH",
    "LIST_CAMPAIGNS",
    "QUALIFY_BRAND",
    "RESUBMIT_CAMPAIGN",
    "SUBMIT_CAMPAIGN",
    "TCR_ID_QUERY_PARAM",
    "BrandQualification",
    "CampaignFeedback",
    "CampaignRegistration",
    "Sinch10DLCHook",
    "describe_feedback",
    "evaluate_registration",
    "evaluate_resubmit",
    "registration_summary",
]

log = logging.getLogger(__name__)


class Sinch10DLCHook(SinchBaseHook):
    """Sinch 10DLC Campaign Registration API: qualify, submit, follow, resubmit and delete campaigns.

    Connection (type ``sinch_10dlc``): login = access key id, password = key secret, host = API
    base URL (default ``https://us10dlc.numbers.api.sinch.com``), extra ``project_id``, ``auth``
    (``oauth2``, the default, or ``basic``), ``oauth_url`` (OAuth2, default
    ``https://auth.sinch.com/oauth2/token``), ``dashboard_url`` and the transport options.
    OAuth2 tokens are cached and renewed like the Short Code API's; Basic sends the key pair on
    every request. 429 answers are retried with backoff by the transport.

    :param sinch_conn_id: connection id, default ``sinch_10dlc_default``.
    """

    conn_type: ClassVar[str] = "sinch_10dlc"
    default_conn_name: ClassVar[str] = DEFAULT_CONN_ID
    hook_name: ClassVar[str] = "Sinch 10DLC Campaign Registration"
    default_host: ClassVar[str] = DEFAULT_HOST
    connection_kind = connections.TEN_DLC

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
        path = self._path(project_id, campaign_registration_id)
        return self._send(api.get_campaign(path["project_id"], campaign_registration_id))

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
        path = self._path(project_id, campaign_registration_id)
        return self._send(api.get_campaign_feedback(path["project_id"], campaign_registration_id))

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
        """One status check: the registration, plus its feedback when it was rejected
        (:func:`~airflow_provider_sinch.apis.ten_dlc.check_registration`)."""
        path = self._path(project_id, campaign_registration_id)
        return self._run(
            api.check_registration(path["project_id"], campaign_registration_id, tuple(target_statuses))
        )

    def check_resubmit(self, campaign_registration_id: str, *, project_id: str | None = None) -> PollResult:
        """One resubmit check: ``lastActionStatus``, plus the feedback when it failed
        (:func:`~airflow_provider_sinch.apis.ten_dlc.check_resubmit`)."""
        path = self._path(project_id, campaign_registration_id)
        return self._run(api.check_resubmit(path["project_id"], campaign_registration_id))
