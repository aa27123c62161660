"""Sensors for Sinch's US Short Code Campaigns API: campaign status and carrier orders.

Both work in ``poke``, ``reschedule`` and deferrable mode; a deferred wait runs the matching
trigger of :mod:`airflow_provider_sinch.triggers.short_code` (imported only when deferring).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch.arguments import optional_string_list, status_lists
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.links import SinchShortCodeCampaignLink
from airflow_provider_sinch.sensors.base import SinchStatusSensorBase
from airflow_provider_sinch.statuses import (
    CARRIER_ORDER_FAILURE,
    SHORT_CODE_FAILURE,
    CarrierOrderStatus,
    ShortCodeCampaignStatus,
)
from airflow_provider_sinch.waits import ShortCodeCampaignStatusWait

if TYPE_CHECKING:
    from enum import Enum

    from airflow.sdk import Context

    from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
    from airflow_provider_sinch.statuses import PollResult
    from airflow_provider_sinch.triggers.short_code import (
        SinchShortCodeCarrierOrderTrigger,
    )

DEFAULT_CAMPAIGN_FAILURES = tuple(sorted(s.value for s in SHORT_CODE_FAILURE))
DEFAULT_CARRIER_ORDER_FAILURES = tuple(sorted(s.value for s in CARRIER_ORDER_FAILURE))


#: Sinch's review and the carriers' certification take days to weeks: check every half hour,
#: free the worker slot between checks, give up after 90 days.
DEFAULT_POKE_INTERVAL = timedelta(minutes=30)
DEFAULT_TIMEOUT = timedelta(days=90)


class _ShortCodeSensor(SinchStatusSensorBase):
    operator_extra_links = (SinchShortCodeCampaignLink(),)
    template_fields: Sequence[str] = (
        "sinch_conn_id",
        "project_id",
        "campaign_id",
        "target_statuses",
        "failure_statuses",
    )

    def __init__(
        self,
        *,
        campaign_id: str,
        project_id: str | None = None,
        sinch_conn_id: str = "sinch_short_code_default",
        poke_interval: timedelta | float = DEFAULT_POKE_INTERVAL,
        timeout: timedelta | float = DEFAULT_TIMEOUT,
        mode: str = "reschedule",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            sinch_conn_id=sinch_conn_id, poke_interval=poke_interval, timeout=timeout, mode=mode, **kwargs
        )
        self.campaign_id = campaign_id
        self.project_id = project_id

    @cached_property
    def hook(self) -> SinchShortCodeHook:
        from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook

        return SinchShortCodeHook(self.sinch_conn_id, project_id=self.project_id or None, **self.hook_params)

    known_statuses: type[Enum]
    target_statuses: Any
    failure_statuses: Any

    def _statuses(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The rendered ``target_statuses`` and ``failure_statuses``, checked."""
        return status_lists(
            self.target_statuses, self.failure_statuses, self.known_statuses, context=self.task_id
        )

    def _check_arguments(self) -> None:
        """The rendered template fields, checked before any request."""
        if not self.campaign_id:
            raise SinchValidationError([("campaign_id", "is required")], context=self.task_id)
        self._statuses()

    def execute(self, context: Context) -> Any:
        self._check_arguments()
        context["ti"].xcom_push(
            key=SinchShortCodeCampaignLink.url_xcom_key, value=self.hook.campaign_url(self.campaign_id)
        )
        return super().execute(context)


class SinchShortCodeCampaignStatusSensor(ShortCodeCampaignStatusWait, _ShortCodeSensor):
    """Wait until a US Short Code campaign reaches a target status.

    A failure status fails the task with the status and the campaign's latest notes (where
    Sinch's reviewers say what they need). An unknown status is logged and waited on.

    :param campaign_id: the campaign.
    :param target_statuses: statuses that end the wait well.
    :param failure_statuses: statuses that fail the task. Both are lists, one status, or a JSON /
        comma-separated list (templated, read after rendering).
    :param project_id: the project; default: the connection's extra ``project_id``.
    :param sinch_conn_id: the connection id (type ``sinch_us_short_code``).
    :param deferrable: wait in the triggerer (needs one running).
    :return: ``{"id", "name", "status", "shortCodes", "carrierOrders": [...]}``.
    """

    def __init__(
        self,
        *,
        campaign_id: str,
        target_statuses: str | Iterable[str] = (ShortCodeCampaignStatus.COMPLETED.value,),
        failure_statuses: str | Iterable[str] = DEFAULT_CAMPAIGN_FAILURES,
        **kwargs: Any,
    ) -> None:
        super().__init__(campaign_id=campaign_id, **kwargs)
        self.target_statuses = target_statuses
        self.failure_statuses = failure_statuses

    known_statuses = ShortCodeCampaignStatus


class SinchShortCodeCarrierOrderSensor(_ShortCodeSensor):
    """Wait until every carrier order of a campaign (or each of ``carrier_ids``) reaches a target.

    Fails when an order is REJECTED, CERTIFICATION_FAILURE, CANCELLED or DEPROVISIONED (by
    default), naming the carrier and quoting the order's notes, or when the campaign itself is
    cancelled or deprovisioned. A named carrier without an order yet is waited for.

    :param campaign_id: the campaign.
    :param target_statuses: carrier order statuses that count as done.
    :param carrier_ids: only these carriers (ids from ``get_carriers``; a list, one id or a JSON /
        comma-separated list); default: every order.
    :param failure_statuses: carrier order statuses that fail the task.
    :return: ``{"id", "carrierOrders": [{"carrierOrderId", "carrierId", "carrierName", "status"}]}``.
    """

    template_fields: Sequence[str] = (*_ShortCodeSensor.template_fields, "carrier_ids")

    def __init__(
        self,
        *,
        campaign_id: str,
        target_statuses: str | Iterable[str] = (CarrierOrderStatus.CERTIFIED.value,),
        carrier_ids: Iterable[str] | None = None,
        failure_statuses: str | Iterable[str] = DEFAULT_CARRIER_ORDER_FAILURES,
        **kwargs: Any,
    ) -> None:
        super().__init__(campaign_id=campaign_id, **kwargs)
        self.target_statuses = target_statuses
        self.failure_statuses = failure_statuses
        self.carrier_ids = carrier_ids

    known_statuses = CarrierOrderStatus

    def _check_arguments(self) -> None:
        super()._check_arguments()
        self._carrier_ids()

    def _carrier_ids(self) -> list[str] | None:
        return optional_string_list("carrier_ids", self.carrier_ids, context=self.task_id)

    def check(self) -> PollResult:
        targets, failures = self._statuses()
        return self.hook.check_carrier_orders(self.campaign_id, targets, failures, self._carrier_ids())

    def build_trigger(self, end_time: float | None) -> SinchShortCodeCarrierOrderTrigger:
        from airflow_provider_sinch.triggers.short_code import SinchShortCodeCarrierOrderTrigger

        targets, failures = self._statuses()
        return SinchShortCodeCarrierOrderTrigger(
            campaign_id=self.campaign_id,
            project_id=self.hook.project_id,
            target_statuses=targets,
            failure_statuses=failures,
            carrier_ids=self._carrier_ids(),
            sinch_conn_id=self.sinch_conn_id,
            poll_interval=self.poke_interval,
            end_time=end_time,
            hook_params=self.hook_params,
        )
