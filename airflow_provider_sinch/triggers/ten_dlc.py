"""Triggers for the 10DLC Campaign Registration API: the async twins of the sensor and the resubmit wait.

They run the API layer's two-call checks
(:func:`~airflow_provider_sinch.apis.ten_dlc.check_registration`,
:func:`~airflow_provider_sinch.apis.ten_dlc.check_resubmit`: the registration, then its feedback
when it failed) through the async client; the sync sensor and operator run the same operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch import connections
from airflow_provider_sinch.apis import ten_dlc as api
from airflow_provider_sinch.statuses import string_list
from airflow_provider_sinch.triggers.base import SinchPollingTrigger
from airflow_provider_sinch.triggers.events import SinchEventTrigger

if TYPE_CHECKING:
    from airflow_provider_sinch.apis._changes import Change, ChangeFeed
    from airflow_provider_sinch.apis._core import Operation
    from airflow_provider_sinch.apis._lists import ListWatch
    from airflow_provider_sinch.statuses import PollResult


class _RegistrationTrigger(SinchPollingTrigger):
    connection_kind = connections.TEN_DLC

    def __init__(self, *, campaign_registration_id: str, project_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_registration_id = campaign_registration_id
        self.project_id = project_id

    def ids(self) -> dict[str, Any]:
        return {"campaign_registration_id": self.campaign_registration_id, "project_id": self.project_id}

    def describe(self) -> str:
        return f"10DLC campaign registration {self.campaign_registration_id}"


class Sinch10DLCCampaignStatusTrigger(_RegistrationTrigger):
    """Poll a registration's ``status`` until it reaches ``target_statuses`` or a rejection.

    On SINCH_REJECTED, REJECTED, EXPIRED or SUBMISSION_FAILED the failure event quotes the
    feedback endpoint's TCR and internal errors.

    :param campaign_registration_id: the registration to watch.
    :param project_id: the Sinch project holding it.
    :param target_statuses: statuses that end the wait well.
    """

    def __init__(
        self,
        *,
        campaign_registration_id: str,
        project_id: str,
        target_statuses: Iterable[str] = api.DEFAULT_TARGET_STATUSES,
        **kwargs: Any,
    ) -> None:
        super().__init__(campaign_registration_id=campaign_registration_id, project_id=project_id, **kwargs)
        self.target_statuses = tuple(target_statuses)

    def extra_kwargs(self) -> dict[str, Any]:
        return {"target_statuses": list(self.target_statuses)}

    def operation(self) -> Operation[PollResult]:
        return api.check_registration(self.project_id, self.campaign_registration_id, self.target_statuses)

    def list_watch(self) -> ListWatch | None:
        """Served by the list: :class:`~airflow_provider_sinch.apis.ten_dlc.RegistrationWatch`."""
        return api.RegistrationWatch(
            self.project_id, self.campaign_registration_id, tuple(self.target_statuses)
        )


class Sinch10DLCResubmitTrigger(_RegistrationTrigger):
    """Poll a registration's ``lastActionStatus`` after a resubmit until RESUBMIT_SUCCESSFUL.

    RESUBMIT_FAILED ends with a failure event quoting the feedback endpoint's reasons. It polls
    alone (with the shared HTTP client): a resubmit is a short, rare wait.

    :param campaign_registration_id: the registration that was resubmitted.
    :param project_id: the Sinch project holding it.
    """

    def describe(self) -> str:
        return f"Resubmit of 10DLC campaign registration {self.campaign_registration_id}"

    def operation(self) -> Operation[PollResult]:
        return api.check_resubmit(self.project_id, self.campaign_registration_id)


class Sinch10DLCRegistrationEventTrigger(SinchEventTrigger):
    """Fire when a 10DLC registration is approved or rejected: for an ``AssetWatcher``.

    One event per registration and outcome (reaching ACTIVE after APPROVED is not a second
    approval), never twice, also across triggerer restarts (see
    :mod:`airflow_provider_sinch.triggers.events`). The event::

        {"status": "APPROVED", "outcome": "approved", "resource": "10DLC campaign registration <id>",
         "changed_at": "<modifiedDate>", "campaign_registration_id": ..., "project_id": ...,
         "summary": {campaignRegistrationId, campaignId, campaignName, brandId, useCase, status, ...}}

    Sinch suggests polling 10DLC about hourly: watchers of one project share one poll, which lists
    the registrations in review each round (:class:`~airflow_provider_sinch.apis.ten_dlc.RegistrationFeed`).

    :param project_id: the Sinch project; default: the connection extra's ``project_id``.
    :param campaign_registration_id: watch this registration only; default: every one of the project.
    :param outcomes: what to report: ``"approved"`` (APPROVED or ACTIVE) and/or ``"rejected"``
        (SINCH_REJECTED, REJECTED, SUBMISSION_FAILED); a list, or one comma-separated / JSON list.
    """

    connection_kind = connections.TEN_DLC
    resource_label = "10DLC campaign registration"

    def __init__(
        self,
        *,
        project_id: str | None = None,
        campaign_registration_id: str | None = None,
        outcomes: Iterable[str] = tuple(api.REGISTRATION_OUTCOMES),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.project_id = project_id
        self.campaign_registration_id = campaign_registration_id
        self.outcomes = list(string_list("outcomes", outcomes))
        unknown = sorted(set(self.outcomes) - set(api.REGISTRATION_OUTCOMES))
        if unknown or not self.outcomes:
            raise ValueError(
                f"outcomes must name some of {list(api.REGISTRATION_OUTCOMES)}, got {self.outcomes}"
            )

    def own_kwargs(self) -> dict[str, Any]:
        return {
            "project_id": self.project_id,
            "campaign_registration_id": self.campaign_registration_id,
            "outcomes": self.outcomes,
        }

    def project_scope(self) -> str | None:
        return self.project_id

    def feed(self) -> ChangeFeed:
        project = self._resolved_project_id or self.project_id
        if not project:
            raise ValueError(f"No project_id: give one, or set it in the extra of {self.sinch_conn_id!r}")
        return api.RegistrationFeed(project)

    def watched_id(self) -> str | None:
        return self.campaign_registration_id

    def outcome(self, change: Change) -> str | None:
        outcome = api.registration_outcome(change.status)
        return outcome if outcome in self.outcomes else None

    def ids(self, change: Change) -> dict[str, Any]:
        return {
            "campaign_registration_id": change.resource_id,
            "project_id": self._resolved_project_id or self.project_id,
        }
