"""Triggers for the US Short Code Campaigns API: the async twins of the sensors' ``poke``.

They read the campaign through the same :data:`~airflow_provider_sinch.hooks.short_code.GET_CAMPAIGN`
description as the hook, with an async client, and decide with the same pure functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_sinch.hooks.short_code import (
    GET_CAMPAIGN,
    SinchShortCodeHook,
    evaluate_carrier_orders,
    evaluate_short_code_campaign,
)
from airflow_provider_sinch.statuses import CARRIER_ORDER_FAILURE, SHORT_CODE_FAILURE, SHORT_CODE_SUCCESS
from airflow_provider_sinch.triggers.base import SinchPollingTrigger

if TYPE_CHECKING:
    from airflow_provider_sinch._http import AsyncTransport
    from airflow_provider_sinch.hooks.base import SinchBaseHook
    from airflow_provider_sinch.statuses import PollResult


def _strings(values: Iterable[Any]) -> list[str]:
    return [str(getattr(v, "value", v)) for v in values]


class _ShortCodeCampaignTriggerBase(SinchPollingTrigger):
    hook_class: ClassVar[type[SinchBaseHook]] = SinchShortCodeHook

    def __init__(self, *, campaign_id: str, project_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.project_id = project_id

    def ids(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "project_id": self.project_id}

    async def _campaign(self, transport: AsyncTransport) -> dict[str, Any]:
        return await transport.call(
            GET_CAMPAIGN, path_params={"project_id": self.project_id, "campaign_id": self.campaign_id}
        )


class SinchShortCodeCampaignStatusTrigger(_ShortCodeCampaignTriggerBase):
    """Wait for a campaign's status to reach a target (success) or a failure status.

    :param campaign_id: the campaign.
    :param project_id: its project (resolved by the operator before deferring).
    :param target_statuses: statuses that end the wait well.
    :param failure_statuses: statuses that end it badly.
    """

    def __init__(
        self,
        *,
        campaign_id: str,
        project_id: str,
        target_statuses: Iterable[str] = tuple(SHORT_CODE_SUCCESS),
        failure_statuses: Iterable[str] = tuple(SHORT_CODE_FAILURE),
        **kwargs: Any,
    ) -> None:
        super().__init__(campaign_id=campaign_id, project_id=project_id, **kwargs)
        self.target_statuses = _strings(target_statuses)
        self.failure_statuses = _strings(failure_statuses)

    def extra_kwargs(self) -> dict[str, Any]:
        return {"target_statuses": self.target_statuses, "failure_statuses": self.failure_statuses}

    async def poll(self, transport: AsyncTransport) -> PollResult:
        campaign = await self._campaign(transport)
        return evaluate_short_code_campaign(
            campaign, self.campaign_id, self.target_statuses, self.failure_statuses
        )


class SinchShortCodeCarrierOrderTrigger(_ShortCodeCampaignTriggerBase):
    """Wait until every (or each named) carrier order of a campaign reaches a target status.

    :param carrier_ids: only these carriers' orders; default: all of the campaign's orders.
    """

    def __init__(
        self,
        *,
        campaign_id: str,
        project_id: str,
        target_statuses: Iterable[str] = ("CERTIFIED",),
        failure_statuses: Iterable[str] = tuple(CARRIER_ORDER_FAILURE),
        carrier_ids: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(campaign_id=campaign_id, project_id=project_id, **kwargs)
        self.target_statuses = _strings(target_statuses)
        self.failure_statuses = _strings(failure_statuses)
        self.carrier_ids = [str(c) for c in carrier_ids] if carrier_ids else None

    def extra_kwargs(self) -> dict[str, Any]:
        return {
            "target_statuses": self.target_statuses,
            "failure_statuses": self.failure_statuses,
            "carrier_ids": self.carrier_ids,
        }

    async def poll(self, transport: AsyncTransport) -> PollResult:
        campaign = await self._campaign(transport)
        return evaluate_carrier_orders(
            campaign, self.campaign_id, self.target_statuses, self.failure_statuses, self.carrier_ids
        )
