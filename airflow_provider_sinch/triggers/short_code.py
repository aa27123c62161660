"""Triggers for the US Short Code Campaigns API: the async twins of the sensors' ``poke``.

They run the API layer's checks (:func:`~airflow_provider_sinch.apis.short_code.check_campaign_status`,
:func:`~airflow_provider_sinch.apis.short_code.check_carrier_orders`) through the async client,
the same operations the sync sensors and the submit operator run through the hook.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch import connections
from airflow_provider_sinch.apis import short_code as api
from airflow_provider_sinch.statuses import (
    CARRIER_ORDER_FAILURE,
    SHORT_CODE_FAILURE,
    SHORT_CODE_SUCCESS,
    ShortCodeCampaignStatus,
    string_list,
    validate_statuses,
)
from airflow_provider_sinch.triggers.base import SinchPollingTrigger
from airflow_provider_sinch.triggers.events import SinchEventTrigger

if TYPE_CHECKING:
    from airflow_provider_sinch.apis._changes import Change, ChangeFeed
    from airflow_provider_sinch.apis._core import Operation
    from airflow_provider_sinch.apis._lists import ListWatch
    from airflow_provider_sinch.statuses import PollResult


class _ShortCodeCampaignTriggerBase(SinchPollingTrigger):
    connection_kind = connections.SHORT_CODE

    def __init__(
        self,
        *,
        campaign_id: str,
        project_id: str,
        target_statuses: Iterable[str],
        failure_statuses: Iterable[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.project_id = project_id
        self.target_statuses = list(string_list("target_statuses", target_statuses))
        self.failure_statuses = list(string_list("failure_statuses", failure_statuses))

    def ids(self) -> dict[str, Any]:
        return {"campaign_id": self.campaign_id, "project_id": self.project_id}

    def describe(self) -> str:
        return f"Short code campaign {self.campaign_id}"

    def extra_kwargs(self) -> dict[str, Any]:
        return {"target_statuses": self.target_statuses, "failure_statuses": self.failure_statuses}


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
        super().__init__(
            campaign_id=campaign_id,
            project_id=project_id,
            target_statuses=target_statuses,
            failure_statuses=failure_statuses,
            **kwargs,
        )

    def operation(self) -> Operation[PollResult]:
        return api.check_campaign_status(
            self.project_id, self.campaign_id, self.target_statuses, self.failure_statuses
        )

    def list_watch(self) -> ListWatch | None:
        """Served by the list: :class:`~airflow_provider_sinch.apis.short_code.CampaignStatusWatch`."""
        return api.CampaignStatusWatch(
            self.project_id, self.campaign_id, tuple(self.target_statuses), tuple(self.failure_statuses)
        )


class SinchShortCodeCarrierOrderTrigger(_ShortCodeCampaignTriggerBase):
    """Wait until every (or each named) carrier order of a campaign reaches a target status.

    It polls alone (with the shared HTTP client): the list's ``BasicCampaign`` items hold no
    carrier orders.

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
        super().__init__(
            campaign_id=campaign_id,
            project_id=project_id,
            target_statuses=target_statuses,
            failure_statuses=failure_statuses,
            **kwargs,
        )
        self.carrier_ids = [str(c) for c in carrier_ids] if carrier_ids else None

    def describe(self) -> str:
        return f"Short code campaign {self.campaign_id} carrier orders"

    def extra_kwargs(self) -> dict[str, Any]:
        return {**super().extra_kwargs(), "carrier_ids": self.carrier_ids}

    def operation(self) -> Operation[PollResult]:
        return api.check_carrier_orders(
            self.project_id, self.campaign_id, self.target_statuses, self.failure_statuses, self.carrier_ids
        )


class SinchShortCodeCampaignEventTrigger(SinchEventTrigger):
    """Fire when a US Short Code campaign changes status: for an ``AssetWatcher``.

    One event per campaign and status reached, never twice, also across triggerer restarts (see
    :mod:`airflow_provider_sinch.triggers.events`). The event::

        {"status": "COMPLETED", "outcome": "COMPLETED", "resource": "Short code campaign <id>",
         "changed_at": "<updatedAt>", "campaign_id": ..., "project_id": ...,
         "summary": {id, name, status, shortCodes, createdAt, updatedAt}}

    Watchers of one project share one poll: the list newest change first, usually one request
    (:class:`~airflow_provider_sinch.apis.short_code.ShortCodeCampaignFeed`).

    :param project_id: the Sinch project; default: the connection extra's ``project_id``.
    :param campaign_id: watch this campaign only; default: every campaign of the project.
    :param statuses: report only these statuses (a list, or a comma-separated / JSON list); default:
        every status change. Statuses are case-sensitive: ``"completed"`` is refused with the right
        spelling, and so is a status the document does not list, or an empty list.
    """

    connection_kind = connections.SHORT_CODE
    resource_label = "Short code campaign"

    def __init__(
        self,
        *,
        project_id: str | None = None,
        campaign_id: str | None = None,
        statuses: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_id = project_id
        self.campaign_id = campaign_id
        values = string_list("statuses", statuses)
        if statuses is not None and not values:
            raise ValueError("statuses must name at least one status, or be None for every status change")
        # A status the document does not list would never fire: refused, not only warned about.
        values = validate_statuses("statuses", values, ShortCodeCampaignStatus, allow_unknown=False)
        self.statuses = list(values) if values else None

    def own_kwargs(self) -> dict[str, Any]:
        return {"project_id": self.project_id, "campaign_id": self.campaign_id, "statuses": self.statuses}

    def project_scope(self) -> str | None:
        return self.project_id

    def feed(self) -> ChangeFeed:
        project = self._resolved_project_id or self.project_id
        if not project:
            raise ValueError(f"No project_id: give one, or set it in the extra of {self.sinch_conn_id!r}")
        # Rounds overlap by at least one interval, so a failed round or a few minutes of clock
        # difference lose nothing.
        return api.ShortCodeCampaignFeed(project, lookback=max(600.0, 2 * self.poll_interval + 60.0))

    def watched_id(self) -> str | None:
        return self.campaign_id

    def outcome(self, change: Change) -> str | None:
        return change.status if self.statuses is None or change.status in self.statuses else None

    def ids(self, change: Change) -> dict[str, Any]:
        return {"campaign_id": change.resource_id, "project_id": self._resolved_project_id or self.project_id}
