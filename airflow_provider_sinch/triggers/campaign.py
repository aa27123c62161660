"""Trigger that waits on a Campaign API campaign's status without holding a worker slot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch.hooks.campaign import GET_CAMPAIGN, SinchCampaignHook, evaluate_campaign
from airflow_provider_sinch.triggers.base import SinchPollingTrigger

if TYPE_CHECKING:
    from airflow_provider_sinch._http import AsyncTransport
    from airflow_provider_sinch.hooks.campaign import CampaignInfo
    from airflow_provider_sinch.statuses import PollResult


class SinchCampaignStatusTrigger(SinchPollingTrigger):
    """Poll ``GET /v1/campaigns/{id}`` until the status is one of ``target_statuses``.

    Same decision as :class:`~airflow_provider_sinch.sensors.campaign.SinchCampaignStatusSensor`
    (:func:`~airflow_provider_sinch.hooks.campaign.evaluate_campaign`), through the async client.

    :param campaign_id: campaign UUID.
    :param target_statuses: statuses that end the wait well.
    """

    hook_class = SinchCampaignHook

    def __init__(
        self, *, campaign_id: str, target_statuses: Sequence[str] = ("sent",), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.target_statuses = list(target_statuses)

    def ids(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id}

    def extra_kwargs(self) -> dict[str, Any]:
        return {"target_statuses": self.target_statuses}

    async def poll(self, transport: AsyncTransport) -> PollResult:
        campaign: CampaignInfo = await transport.call(
            GET_CAMPAIGN, path_params={"campaign_id": self.campaign_id}
        )
        return evaluate_campaign(campaign, self.campaign_id, self.target_statuses)
