"""Triggers for the 10DLC Campaign Registration API: the async twins of the sensor and the resubmit wait.

They poll through :class:`~airflow_provider_sinch._http.AsyncTransport` with the hook's endpoint
descriptions and decide with the same pure functions as the sync paths
(:func:`~airflow_provider_sinch.hooks.ten_dlc.evaluate_registration`,
:func:`~airflow_provider_sinch.hooks.ten_dlc.evaluate_resubmit`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from airflow_provider_sinch.exceptions import SinchError
from airflow_provider_sinch.hooks.ten_dlc import (
    DEFAULT_TARGET_STATUSES,
    GET_CAMPAIGN,
    GET_CAMPAIGN_FEEDBACK,
    Sinch10DLCHook,
    evaluate_registration,
    evaluate_resubmit,
)
from airflow_provider_sinch.statuses import RESUBMIT_FAILURE
from airflow_provider_sinch.triggers.base import SinchPollingTrigger

if TYPE_CHECKING:
    from airflow_provider_sinch._http import AsyncTransport
    from airflow_provider_sinch.hooks.base import SinchBaseHook
    from airflow_provider_sinch.statuses import PollResult


class _RegistrationTrigger(SinchPollingTrigger):
    hook_class: ClassVar[type[SinchBaseHook]] = Sinch10DLCHook

    def __init__(self, *, campaign_registration_id: str, project_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_registration_id = campaign_registration_id
        self.project_id = project_id

    def ids(self) -> dict[str, Any]:
        return {"campaign_registration_id": self.campaign_registration_id, "project_id": self.project_id}

    @property
    def _path_params(self) -> dict[str, str]:
        return {"project_id": self.project_id, "campaign_registration_id": self.campaign_registration_id}

    async def _feedback(self, transport: AsyncTransport) -> tuple[dict[str, Any] | None, str | None]:
        try:
            return await transport.call(GET_CAMPAIGN_FEEDBACK, path_params=self._path_params), None
        except SinchError as exc:
            self.log.warning("Could not read the feedback of %s: %s", self.campaign_registration_id, exc)
            return None, str(exc)


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
        target_statuses: Iterable[str] = DEFAULT_TARGET_STATUSES,
        **kwargs: Any,
    ) -> None:
        super().__init__(campaign_registration_id=campaign_registration_id, project_id=project_id, **kwargs)
        self.target_statuses = tuple(target_statuses)

    def extra_kwargs(self) -> dict[str, Any]:
        return {"target_statuses": list(self.target_statuses)}

    async def poll(self, transport: AsyncTransport) -> PollResult:
        registration = await transport.call(GET_CAMPAIGN, path_params=self._path_params)
        result = evaluate_registration(registration, self.campaign_registration_id, self.target_statuses)
        if result.outcome != "failure":
            return result
        feedback, error = await self._feedback(transport)
        return evaluate_registration(
            registration,
            self.campaign_registration_id,
            self.target_statuses,
            feedback=feedback,
            feedback_error=error,
        )


class Sinch10DLCResubmitTrigger(_RegistrationTrigger):
    """Poll a registration's ``lastActionStatus`` after a resubmit until RESUBMIT_SUCCESSFUL.

    RESUBMIT_FAILED ends with a failure event quoting the feedback endpoint's reasons.

    :param campaign_registration_id: the registration that was resubmitted.
    :param project_id: the Sinch project holding it.
    """

    async def poll(self, transport: AsyncTransport) -> PollResult:
        registration = await transport.call(GET_CAMPAIGN, path_params=self._path_params)
        result = evaluate_resubmit(registration, self.campaign_registration_id)
        if result.outcome != "failure" or result.status not in {s.value for s in RESUBMIT_FAILURE}:
            return result
        feedback, error = await self._feedback(transport)
        return evaluate_resubmit(
            registration, self.campaign_registration_id, feedback=feedback, feedback_error=error
        )
