"""Trigger that waits on a Campaign API campaign's status without holding a worker slot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch import connections
from airflow_provider_sinch.apis import campaign as api
from airflow_provider_sinch.triggers.base import SinchPollingTrigger
from airflow_provider_sinch.triggers.events import SinchEventTrigger

if TYPE_CHECKING:
    from airflow_provider_sinch.apis._changes import Change, ChangeFeed
    from airflow_provider_sinch.apis._core import Operation
    from airflow_provider_sinch.apis._lists import ListWatch
    from airflow_provider_sinch.statuses import PollResult


class SinchCampaignStatusTrigger(SinchPollingTrigger):
    """Poll ``GET /v1/campaigns/{id}`` until the status is one of ``target_statuses``.

    Runs :func:`~airflow_provider_sinch.apis.campaign.check_campaign`, the same check as
    :class:`~airflow_provider_sinch.sensors.campaign.SinchCampaignStatusSensor`.

    :param campaign_id: campaign UUID.
    :param target_statuses: statuses that end the wait well.
    """

    connection_kind = connections.CAMPAIGN

    def __init__(
        self, *, campaign_id: str, target_statuses: Sequence[str] = ("sent",), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.target_statuses = list(target_statuses)

    def ids(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id}

    def describe(self) -> str:
        return f"Campaign {self.campaign_id}"

    def extra_kwargs(self) -> dict[str, Any]:
        return {"target_statuses": self.target_statuses}

    def operation(self) -> Operation[PollResult]:
        return api.check_campaign(self.campaign_id, self.target_statuses)

    def list_watch(self) -> ListWatch | None:
        """Served by ``GET /v1/campaigns`` (:class:`~airflow_provider_sinch.apis.campaign.CampaignWatch`)."""
        return api.CampaignWatch(self.campaign_id, tuple(self.target_statuses))


class SinchCampaignSentEventTrigger(SinchEventTrigger):
    """Fire when a Campaign API campaign is sent: for an ``AssetWatcher``.

    One event per campaign, never twice, also across triggerer restarts (see
    :mod:`airflow_provider_sinch.triggers.events`). The event::

        {"status": "sent", "outcome": "sent", "resource": "Campaign <id>",
         "changed_at": "<send_date>", "campaign_id": ...,
         "summary": {id, name, status, send_date, contact_count, tag}}

    Watchers of one account share one poll: ``GET /v1/campaigns?status=sent`` with a send date
    within the last day (:class:`~airflow_provider_sinch.apis.campaign.CampaignSentFeed`).

    :param campaign_id: watch this campaign only; default: every campaign of the account.
    """

    connection_kind = connections.CAMPAIGN
    resource_label = "Campaign"
    #: ``send_date`` is to the minute (``yyyy-mm-dd HH:MM:00``).
    timestamp_resolution = 60.0
    #: ``send_date`` is when sending starts: a campaign still sending when the watcher starts is
    #: sent later, dated before the floor. One not listed as sent in the first round, and sent
    #: with a send date in the last day (the feed's lookback), is reported.
    first_seen_grace = 86400.0

    def __init__(self, *, campaign_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id

    def own_kwargs(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id}

    def feed(self) -> ChangeFeed:
        return api.CampaignSentFeed(lookback=max(86400.0, 2 * self.poll_interval))

    def watched_id(self) -> str | None:
        return self.campaign_id

    def outcome(self, change: Change) -> str | None:
        return change.status if change.status == "sent" else None

    def ids(self, change: Change) -> dict[str, Any]:
        return {"campaign_id": change.resource_id}
