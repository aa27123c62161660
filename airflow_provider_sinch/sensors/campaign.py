"""Sensor that waits until a Campaign API campaign reaches a status (``sent`` by default)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch.arguments import status_lists
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.sensors.base import SinchStatusSensorBase
from airflow_provider_sinch.statuses import CampaignStatus

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_sinch.hooks.campaign import SinchCampaignHook
    from airflow_provider_sinch.statuses import PollResult
    from airflow_provider_sinch.triggers.base import SinchPollingTrigger


class SinchCampaignStatusSensor(SinchStatusSensorBase):
    """Wait until a campaign's status is one of ``target_statuses`` (poke, reschedule or deferrable).

    Fails at once, quoting them, when the campaign is a ``draft`` whose ``validation_errors``
    are not empty: such a campaign will never be sent. An unknown status is logged and waited on.
    Returns ``{"id", "status", "send_date", "contact_count", "tag", "name"}``.

    :param campaign_id: campaign UUID (templated).
    :param target_statuses: statuses that end the wait well (``draft``, ``scheduled``, ``sending``,
        ``sent``): a list, one status, or a JSON / comma-separated list (templated, read after rendering).
    :param sinch_conn_id: connection id, default ``sinch_campaign_default``.
    :param poke_interval: seconds between checks (default 60).
    :param timeout: seconds before giving up (default 7 days); a deferred wait ends at the same deadline.
    :param deferrable: wait in the triggerer instead of a worker slot.
    """

    template_fields: Sequence[str] = ("sinch_conn_id", "campaign_id", "target_statuses")
    ui_color = "#e8f1ff"

    def __init__(
        self,
        *,
        campaign_id: str,
        target_statuses: Sequence[str] = (CampaignStatus.SENT.value,),
        sinch_conn_id: str = "sinch_campaign_default",
        poke_interval: float = 60,
        timeout: float = 7 * 24 * 3600,
        **kwargs: Any,
    ) -> None:
        super().__init__(sinch_conn_id=sinch_conn_id, poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.campaign_id = campaign_id
        self.target_statuses = target_statuses

    def _targets(self) -> tuple[str, ...]:
        """The rendered ``target_statuses``, parsed and checked."""
        return status_lists(self.target_statuses, (), CampaignStatus, context=self.task_id)[0]

    def execute(self, context: Context) -> Any:
        if not self.campaign_id:
            raise SinchValidationError([("campaign_id", "is required")], context=self.task_id)
        self._targets()
        return super().execute(context)

    @cached_property
    def hook(self) -> SinchCampaignHook:
        from airflow_provider_sinch.hooks.campaign import SinchCampaignHook

        return SinchCampaignHook(self.sinch_conn_id, **self.hook_params)

    def check(self) -> PollResult:
        return self.hook.check_campaign(self.campaign_id, self._targets())

    def build_trigger(self, end_time: float | None) -> SinchPollingTrigger:
        from airflow_provider_sinch.triggers.campaign import SinchCampaignStatusTrigger

        return SinchCampaignStatusTrigger(
            campaign_id=self.campaign_id,
            target_statuses=self._targets(),
            sinch_conn_id=self.sinch_conn_id,
            poll_interval=self.poke_interval,
            end_time=end_time,
            hook_params=self.hook_params,
        )
