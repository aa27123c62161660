"""Operators for Sinch's 10DLC Campaign Registration API: qualify, submit, resubmit, delete.

Nothing paid is done twice. The submit endpoint has no idempotency key and charges a setup fee
once Sinch approves a registration, so :class:`SinchSubmit10DLCCampaignOperator`, on a retried
try or after an answer that leaves the outcome unclear (a 5xx, a timeout), lists the project's
registrations with the API's ``brand`` and ``useCase`` filters and takes the one with the same
campaign name, description and first sample created since the DAG run started, instead of
submitting a second one. A resubmit already in progress is waited on, not started again, and a
registration already EXPIRED is not deleted again.

Every operator pushes the registration's dashboard URL (XCom key ``ten_dlc_campaign_url``, the
:class:`~airflow_provider_sinch.links.Sinch10DLCCampaignLink` button) before any waiting.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_sinch._compat import conf
from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.arguments import json_object, optional_string_list, string_list
from airflow_provider_sinch.exceptions import SinchError, SinchValidationError
from airflow_provider_sinch.links import Sinch10DLCCampaignLink
from airflow_provider_sinch.operators.base import NotVisibleYet, at_most_once, try_number
from airflow_provider_sinch.ten_dlc_validation import (
    check_qualification,
    mno_violations,
    prepare_submit,
)
from airflow_provider_sinch.waits import SinchWait

if TYPE_CHECKING:
    from airflow.sdk import BaseOperatorLink, Context

    from airflow_provider_sinch.hooks.ten_dlc import CampaignRegistration, Sinch10DLCHook
    from airflow_provider_sinch.statuses import PollResult
    from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCResubmitTrigger

DEFAULT_CONN_ID = "sinch_10dlc_default"
URL_XCOM_KEY = Sinch10DLCCampaignLink.url_xcom_key
#: Registrations created this long before the DAG run started still count as this run's
#: (clocks of Airflow and Sinch differ a little).
CLOCK_SKEW = timedelta(minutes=5)
#: Fields a registration echoes back, compared to recognise one an earlier try submitted.
MATCH_FIELDS = ("brandId", "useCase", "campaignName", "description", "sample1")


class _TenDLCOperator(BaseOperator):
    """Shared by the 10DLC operators: connection, project, hook and the dashboard link.

    :param sinch_conn_id: connection id, default ``sinch_10dlc_default``.
    :param project_id: Sinch project id; default the connection's extra ``project_id``.
    :param hook_params: transport options for the hook (``timeout``, ``max_retries``...).
    """

    ui_color = "#fff2e0"
    operator_extra_links: Collection[BaseOperatorLink] = (Sinch10DLCCampaignLink(),)

    def __init__(
        self,
        *,
        sinch_conn_id: str = DEFAULT_CONN_ID,
        project_id: str | None = None,
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sinch_conn_id = sinch_conn_id
        self.project_id = project_id
        self.hook_params = dict(hook_params or {})

    @cached_property
    def hook(self) -> Sinch10DLCHook:
        from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook

        return Sinch10DLCHook(self.sinch_conn_id, **self.hook_params)

    def _project(self) -> str:
        return self.hook.resolve_project_id(self.project_id)

    def _push_link(self, context: Context, campaign_registration_id: str) -> None:
        url = self.hook.campaign_url(campaign_registration_id, self._project())
        context["ti"].xcom_push(key=URL_XCOM_KEY, value=url)

    def _require_id(self, campaign_registration_id: str | None) -> str:
        if not campaign_registration_id:
            raise SinchValidationError([("campaign_registration_id", "is required")], context=self.task_id)
        return str(campaign_registration_id)


class Sinch10DLCQualifyBrandOperator(_TenDLCOperator):
    """Qualify a brand for a use case before submitting (``GET .../campaignRegistrations:qualify``).

    Returns the answer with the brand id: ``{"brandId", "useCase", "setupFee", "monthlyFee",
    "minSubUseCases", "maxSubUseCases", "mnoMetadata"}``. Optionally fails (before anything is
    submitted, so before anything is paid) when the campaign you plan would not be carried as
    you need:

    :param brand_id: the TCR brand id (``BESINCH``).
    :param use_case: the use case to qualify (``MIXED``, ``2FA``...).
    :param sub_use_cases: the sub use cases you mean to submit; fail when their number is outside
        the answer's ``minSubUseCases`` .. ``maxSubUseCases``.
    :param required_mnos: operators the campaign must reach (``ATT``, ``TMO``, ``VZW``, ``USC``, a
        network id or an ``mno`` name); fail when one is marked ``qualify: false`` /
        ``mnoSupport: false`` in ``mnoMetadata``. The document does not define those inner keys
        nor list the network ids, so an operator not found there, or without those keys, is
        not failed: it is logged as a warning and listed under ``"unchecked"`` in the result.

    Both lists are a list, one value, or a JSON / comma-separated list (templated, read after
    rendering); ``None`` is not checked.
    """

    template_fields: Sequence[str] = (
        "sinch_conn_id",
        "brand_id",
        "use_case",
        "sub_use_cases",
        "required_mnos",
        "project_id",
    )
    # Nothing is registered yet, so there is no registration to link to.
    operator_extra_links = ()

    def __init__(
        self,
        *,
        brand_id: str,
        use_case: str | None = None,
        sub_use_cases: str | Sequence[str] | None = None,
        required_mnos: str | Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.brand_id = brand_id
        self.use_case = use_case
        self.sub_use_cases = sub_use_cases
        self.required_mnos = required_mnos

    def execute(self, context: Context) -> dict[str, Any]:
        if not self.brand_id:
            raise SinchValidationError([("brand_id", "is required")], context=self.task_id)
        sub_use_cases = (
            None
            if self.sub_use_cases is None
            else list(string_list("sub_use_cases", self.sub_use_cases, context=self.task_id))
        )
        required_mnos = optional_string_list("required_mnos", self.required_mnos, context=self.task_id)
        answer = self.hook.qualify_brand(self.brand_id, self.use_case or None, project_id=self._project())
        metadata = answer.get("mnoMetadata") or {}
        self.log.info(
            "Brand %s qualifies for %s: setup fee %s, monthly fee %s, %s..%s sub use cases, MNOs %s",
            self.brand_id,
            answer.get("useCase") or self.use_case,
            answer.get("setupFee"),
            answer.get("monthlyFee"),
            answer.get("minSubUseCases"),
            answer.get("maxSubUseCases"),
            sorted(
                str(entry.get("mno", key)) for key, entry in metadata.items() if isinstance(entry, Mapping)
            ),
        )
        check = check_qualification(answer, sub_use_cases=sub_use_cases, required_mnos=required_mnos)
        if check.problems:
            raise SinchValidationError(
                check.problems, context=f"{self.task_id}: brand {self.brand_id} does not qualify as needed"
            )
        for name, message in check.unchecked:
            self.log.warning("Not checked (%s): %s", name, message)
        unchecked = {"unchecked": [f"{n}: {m}" for n, m in check.unchecked]} if check.unchecked else {}
        return {"brandId": self.brand_id, **answer, **unchecked}


class SinchSubmit10DLCCampaignOperator(_TenDLCOperator):
    """Submit a 10DLC campaign to TCR (``POST .../campaignRegistrations:submit``). Paid.

    Every rule the API documents is checked before any request and all violations are reported
    together; the documented boolean defaults are filled in. Returns the
    ``campaignRegistrationId`` and pushes the dashboard URL.

    A retried task does not submit a second registration: on a try after the first, and after an
    unclear answer (5xx, timeout), it lists the project's registrations filtered by ``brand`` and
    ``useCase`` and reuses the one with the same ``campaignName``, ``description`` and ``sample1``
    created since the DAG run started (less five minutes of clock skew). When an unclear answer
    leaves no such registration to be found, the try fails instead of submitting again; the next
    try looks again first.

    :param campaign: the submit request's fields as the API names them (``brandId``, ``useCase``,
        ``campaignName``, ``description``, ``sample1``... ``messageFlow``, ``subUseCases``): a
        mapping (templates inside are rendered) or a string holding a JSON object.
    :param reuse_existing: look for the registration of an earlier try (see above). Turn off only
        to submit an identical campaign again on purpose.
    """

    template_fields: Sequence[str] = ("sinch_conn_id", "campaign", "project_id")
    template_fields_renderers = {"campaign": "json"}

    def __init__(self, *, campaign: dict[str, Any], reuse_existing: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign = campaign
        self.reuse_existing = reuse_existing

    def execute(self, context: Context) -> str:
        body = prepare_submit(
            json_object("campaign", self.campaign, context=self.task_id), context=self.task_id
        )
        project = self._project()
        run_start = parse_timestamp(getattr(context.get("dag_run"), "start_date", None))
        since = run_start - CLOCK_SKEW if run_start else None

        def submit() -> str:
            answer = self.hook.submit_campaign(body, project_id=project)
            registration_id = answer.get("campaignRegistrationId") or ""
            if not registration_id:
                raise SinchError(f"{self.task_id}: the submit answer holds no campaignRegistrationId")
            self.log.info("Submitted campaign registration %s for brand %s", registration_id, body["brandId"])
            return str(registration_id)

        if self.reuse_existing:
            registration_id = at_most_once(
                act=submit,
                find=lambda: self._find_existing(body, since, project),
                what=f"submit the 10DLC campaign {body.get('campaignName')!r} of brand {body['brandId']}",
                log=self.log,
                look_first=try_number(context) > 1,
                # Paid, and the list may lag behind a submit: never submit again on a guess.
                if_not_visible=NotVisibleYet.FAIL_TRY,
            )
        else:
            registration_id = submit()
        self._push_link(context, registration_id)
        return registration_id

    def _find_existing(self, body: Mapping[str, Any], since: datetime | None, project: str) -> str | None:
        """The id of a registration matching ``body`` created since ``since``, newest first."""
        matches: list[tuple[datetime, str]] = []
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        listed: Iterable[Mapping[str, Any]] = self.hook.list_campaigns(
            brand=body["brandId"], use_case=body["useCase"], project_id=project
        )
        for registration in listed:
            if any(registration.get(key) != body.get(key) for key in MATCH_FIELDS):
                continue
            created = parse_timestamp(registration.get("createDate"))
            if since is not None and created is not None and created < since:
                continue
            registration_id = registration.get("campaignRegistrationId")
            if registration_id:
                matches.append((created or epoch, registration_id))
        if not matches:
            return None
        matches.sort(reverse=True)
        self.log.warning(
            "Registration %s matches this campaign and was submitted by an earlier try; reusing it "
            "instead of paying for a second one.",
            matches[0][1],
        )
        return matches[0][1]


class SinchResubmit10DLCCampaignOperator(SinchWait, _TenDLCOperator):
    """Resubmit a campaign to TCR (``PUT .../{id}/resubmit``) and wait on ``lastActionStatus``.

    Waits until RESUBMIT_SUCCESSFUL and returns the registration's summary; RESUBMIT_FAILED fails
    the task with the feedback endpoint's reasons. A resubmit already in progress (an earlier
    try's) is waited on, not started again.

    :param campaign_registration_id: the registration to resubmit.
    :param mnos: MNOs to resubmit to (``ATT``, ``TMO``, ``USC``, ``VZW``): a list, one MNO, or a JSON /
        comma-separated list (templated, read after rendering); default all.
    :param wait_for_completion: wait for the resubmit's outcome.
    :param poll_interval: time between two checks while waiting (seconds or a ``timedelta``).
    :param timeout: how long to wait at most (seconds or a ``timedelta``); a deferred wait also ends
        when what is left of ``execution_timeout`` runs out.
    :param deferrable: wait in the triggerer rather than on a worker.
    """

    template_fields: Sequence[str] = ("sinch_conn_id", "campaign_registration_id", "mnos", "project_id")

    def __init__(
        self,
        *,
        campaign_registration_id: str,
        mnos: str | Sequence[str] | None = None,
        wait_for_completion: bool = True,
        poll_interval: float | timedelta = 300.0,
        timeout: float | timedelta = timedelta(days=1),
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_registration_id = campaign_registration_id
        self.mnos = mnos
        self.wait_for_completion = wait_for_completion
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable

    def execute(self, context: Context) -> Any:
        registration_id = self._require_id(self.campaign_registration_id)
        mnos = optional_string_list("mnos", self.mnos, context=self.task_id)
        problems = mno_violations(mnos)
        if problems:
            raise SinchValidationError(problems, context=self.task_id)
        self._push_link(context, registration_id)
        registration = self.hook.get_campaign(registration_id, project_id=self._project())
        if registration.get("lastActionStatus") == "RESUBMIT_IN_PROGRESS":
            self.log.warning(
                "A resubmit of %s is already in progress (an earlier try's?); waiting on it instead of "
                "starting another.",
                registration_id,
            )
        else:
            self.hook.resubmit_campaign(registration_id, mnos, project_id=self._project())
            self.log.info("Resubmitted %s to %s", registration_id, mnos or "all MNOs")
        if not self.wait_for_completion:
            return registration_id
        return self.wait(context)

    def check(self) -> PollResult:
        return self.hook.check_resubmit(self.campaign_registration_id, project_id=self._project())

    def build_trigger(self, end_time: float | None) -> Sinch10DLCResubmitTrigger:
        from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCResubmitTrigger

        return Sinch10DLCResubmitTrigger(
            campaign_registration_id=self.campaign_registration_id,
            project_id=self._project(),
            sinch_conn_id=self.sinch_conn_id,
            poll_interval=self._poll_seconds(),
            end_time=end_time,
            hook_params=self.hook_params,
        )


class SinchDelete10DLCCampaignOperator(_TenDLCOperator):
    """Deactivate a campaign (``DELETE .../campaignRegistration/{id}``): it becomes EXPIRED, for good.

    A registration already EXPIRED, or whose delete is in progress or done, is left alone (a
    retried task does not delete twice). Returns the registration id.

    :param campaign_registration_id: the registration to delete.
    """

    template_fields: Sequence[str] = ("sinch_conn_id", "campaign_registration_id", "project_id")

    def __init__(self, *, campaign_registration_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_registration_id = campaign_registration_id

    def execute(self, context: Context) -> str:
        registration_id = self._require_id(self.campaign_registration_id)
        self._push_link(context, registration_id)
        registration: CampaignRegistration = self.hook.get_campaign(
            registration_id, project_id=self._project()
        )
        status, action = registration.get("status"), registration.get("lastActionStatus")
        if status == "EXPIRED" or action in ("DELETE_IN_PROGRESS", "DELETE_SUCCESSFUL"):
            self.log.info("%s is already %s (%s); nothing to delete.", registration_id, status, action)
            return registration_id
        self.hook.delete_campaign(registration_id, project_id=self._project())
        self.log.info("Deleted %s (was %s); it is now EXPIRED.", registration_id, status)
        return registration_id
