"""Sensor for the 10DLC Campaign Registration API: wait for a registration to be approved.

10DLC registration has no webhooks and can take days; Sinch suggests polling about hourly. The
defaults follow that: a poke an hour, for up to a week, in ``reschedule`` mode so that no worker
slot is held between pokes (or ``deferrable=True`` to wait in the triggerer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch.arguments import status_lists
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.links import Sinch10DLCCampaignLink
from airflow_provider_sinch.sensors.base import SinchStatusSensorBase
from airflow_provider_sinch.statuses import TenDLCCampaignStatus

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook
    from airflow_provider_sinch.statuses import PollResult
    from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger

DEFAULT_CONN_ID = "sinch_10dlc_default"
DEFAULT_TARGET_STATUSES = ("APPROVED", "ACTIVE")
#: Sinch suggests polling a registration about every hour.
DEFAULT_POKE_INTERVAL = timedelta(hours=1)
#: Some registrations take days.
DEFAULT_TIMEOUT = timedelta(days=7)


class Sinch10DLCCampaignStatusSensor(SinchStatusSensorBase):
    """Wait until a 10DLC campaign registration reaches ``target_statuses``.

    A status later on the happy path (SINCH_REVIEW -> SINCH_APPROVED -> SUBMITTED -> APPROVED ->
    ACTIVE) than a target also ends the wait. On SINCH_REJECTED, REJECTED, EXPIRED or
    SUBMISSION_FAILED (unless targeted) the task fails with
    :class:`~airflow_provider_sinch.exceptions.SinchTerminalStatusError`, whose message quotes the
    feedback endpoint's TCR and internal errors. A status unknown to this provider is logged and
    waited on. Returns a summary of the registration (id, TCR campaign id, status, fees...).
    Pushes the dashboard URL (XCom ``ten_dlc_campaign_url``) before waiting.

    :param campaign_registration_id: the registration (the submit's return value).
    :param target_statuses: statuses that end the wait well: a list, one status, or a JSON /
        comma-separated list (templated, read after rendering).
    :param sinch_conn_id: connection id, default ``sinch_10dlc_default``.
    :param project_id: Sinch project id; default the connection's extra ``project_id``.
    :param hook_params: transport options for the hook.
    :param poke_interval: time between checks (default one hour); also the deferred poll interval.
    :param timeout: how long to wait in all (default seven days).
    :param mode: ``reschedule`` by default, so that the worker slot is free between pokes.
    :param deferrable: wait in the triggerer instead.
    """

    template_fields: Sequence[str] = (
        "sinch_conn_id",
        "campaign_registration_id",
        "target_statuses",
        "project_id",
    )
    operator_extra_links = (Sinch10DLCCampaignLink(),)
    ui_color = "#fff2e0"

    def __init__(
        self,
        *,
        campaign_registration_id: str,
        target_statuses: Iterable[str] = DEFAULT_TARGET_STATUSES,
        sinch_conn_id: str = DEFAULT_CONN_ID,
        project_id: str | None = None,
        poke_interval: timedelta | float = DEFAULT_POKE_INTERVAL,
        timeout: timedelta | float = DEFAULT_TIMEOUT,
        mode: str = "reschedule",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            sinch_conn_id=sinch_conn_id, poke_interval=poke_interval, timeout=timeout, mode=mode, **kwargs
        )
        self.campaign_registration_id = campaign_registration_id
        self.target_statuses = target_statuses
        self.project_id = project_id

    @cached_property
    def hook(self) -> Sinch10DLCHook:
        from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook

        return Sinch10DLCHook(self.sinch_conn_id, **self.hook_params)

    def _targets(self) -> tuple[str, ...]:
        """The rendered ``target_statuses`` as strings; an empty list is refused, a typo logged."""
        return status_lists(self.target_statuses, (), TenDLCCampaignStatus, context=self.task_id)[0]

    def _project(self) -> str:
        return self.hook.resolve_project_id(self.project_id)

    def execute(self, context: Context) -> Any:
        if not self.campaign_registration_id:
            raise SinchValidationError([("campaign_registration_id", "is required")], context=self.task_id)
        self._targets()
        url = self.hook.campaign_url(self.campaign_registration_id, self._project())
        context["ti"].xcom_push(key=Sinch10DLCCampaignLink.url_xcom_key, value=url)
        return super().execute(context)

    def check(self) -> PollResult:
        return self.hook.check_registration(
            self.campaign_registration_id, self._targets(), project_id=self._project()
        )

    def build_trigger(self, end_time: float | None) -> Sinch10DLCCampaignStatusTrigger:
        from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger

        return Sinch10DLCCampaignStatusTrigger(
            campaign_registration_id=self.campaign_registration_id,
            project_id=self._project(),
            target_statuses=self._targets(),
            sinch_conn_id=self.sinch_conn_id,
            poll_interval=self.poke_interval,
            end_time=end_time,
            hook_params=self.hook_params,
        )
