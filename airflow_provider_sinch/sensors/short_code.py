"""Sensors for Sinch's US Short Code Campaigns API: campaign status and carrier orders.

Both work in ``poke``, ``reschedule`` and deferrable mode; a deferred wait runs the matching
trigger of :mod:`airflow_provider_sinch.triggers.short_code` (imported only when deferring).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch.links import SinchShortCodeCampaignLink
from airflow_provider_sinch.sensors.base import SinchStatusSensorBase
from airflow_provider_sinch.statuses import (
    CARRIER_ORDER_FAILURE,
    SHORT_CODE_FAILURE,
    CarrierOrderStatus,
    ShortCodeCampaignStatus,
    validate_statuses,
)

if TYPE_CHECKING:
    from enum import Enum

    from airflow.sdk import Context

    from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
    from airflow_provider_sinch.statuses import PollResult
    from airflow_provider_sinch.triggers.short_code import (
        SinchShortCodeCampaignStatusTrigger,
        SinchShortCodeCarrierOrderTrigger,
    )

DEFAULT_CAMPAIGN_FAILURES = tuple(sorted(s.value for s in SHORT_CODE_FAILURE))
DEFAULT_CARRIER_ORDER_FAILURES = tuple(sorted(s.value for s in CARRIER_ORDER_FAILURE))


def _statuses(value: str | Iterable[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def checked_statuses(
    targets: str | Iterable[str], failures: str | Iterable[str], known: type[Enum]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    target_values = validate_statuses("target_statuses", _statuses(targets), known)
    failure_values = validate_statuses("failure_statuses", _statuses(failures), known)
    both = sorted(set(target_values) & set(failure_values))
    if both:
        raise ValueError(f"{both} cannot be both a target and a failure status")
    return target_values, failure_values


def check_campaign_status(
    hook: SinchShortCodeHook, campaign_id: str, targets: Iterable[str], failures: Iterable[str]
) -> PollResult:
    """One check of a campaign's status (the status sensor's, and the submit operator's wait)."""
    from airflow_provider_sinch.hooks.short_code import evaluate_short_code_campaign

    return evaluate_short_code_campaign(
        hook.get_campaign(campaign_id), campaign_id, _statuses(targets), _statuses(failures)
    )


def campaign_status_trigger(
    task: Any, poll_interval: float, end_time: float | None
) -> SinchShortCodeCampaignStatusTrigger:
    """The deferred twin of :func:`check_campaign_status` for a sensor or operator ``task``."""
    from airflow_provider_sinch.triggers.short_code import SinchShortCodeCampaignStatusTrigger

    return SinchShortCodeCampaignStatusTrigger(
        campaign_id=task.campaign_id,
        project_id=task.hook.project_id,
        target_statuses=_statuses(task.target_statuses),
        failure_statuses=_statuses(task.failure_statuses),
        sinch_conn_id=task.sinch_conn_id,
        poll_interval=poll_interval,
        end_time=end_time,
        hook_params=task.hook_params,
    )


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

    def execute(self, context: Context) -> Any:
        context["ti"].xcom_push(
            key=SinchShortCodeCampaignLink.url_xcom_key, value=self.hook.campaign_url(self.campaign_id)
        )
        return super().execute(context)


class SinchShortCodeCampaignStatusSensor(_ShortCodeSensor):
    """Wait until a US Short Code campaign reaches a target status.

    A failure status fails the task with the status and the campaign's latest notes (where
    Sinch's reviewers say what they need). An unknown status is logged and waited on.

    :param campaign_id: the campaign.
    :param target_statuses: statuses that end the wait well.
    :param failure_statuses: statuses that fail the task.
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
        self.target_statuses, self.failure_statuses = checked_statuses(
            target_statuses, failure_statuses, ShortCodeCampaignStatus
        )

    def check(self) -> PollResult:
        return check_campaign_status(self.hook, self.campaign_id, self.target_statuses, self.failure_statuses)

    def build_trigger(self, end_time: float | None) -> SinchShortCodeCampaignStatusTrigger:
        return campaign_status_trigger(self, float(self.poke_interval), end_time)


class SinchShortCodeCarrierOrderSensor(_ShortCodeSensor):
    """Wait until every carrier order of a campaign (or each of ``carrier_ids``) reaches a target.

    Fails when an order is REJECTED, CERTIFICATION_FAILURE, CANCELLED or DEPROVISIONED (by
    default), naming the carrier and quoting the order's notes, or when the campaign itself is
    cancelled or deprovisioned. A named carrier without an order yet is waited for.

    :param campaign_id: the campaign.
    :param target_statuses: carrier order statuses that count as done.
    :param carrier_ids: only these carriers (ids from ``get_carriers``); default: every order.
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
        self.target_statuses, self.failure_statuses = checked_statuses(
            target_statuses, failure_statuses, CarrierOrderStatus
        )
        self.carrier_ids = carrier_ids

    def _carrier_ids(self) -> list[str] | None:
        if not self.carrier_ids:
            return None
        return [str(c) for c in _statuses(self.carrier_ids)]

    def check(self) -> PollResult:
        campaign = self.hook.get_campaign(self.campaign_id)
        from airflow_provider_sinch.hooks.short_code import evaluate_carrier_orders

        return evaluate_carrier_orders(
            campaign,
            self.campaign_id,
            _statuses(self.target_statuses),
            _statuses(self.failure_statuses),
            self._carrier_ids(),
        )

    def build_trigger(self, end_time: float | None) -> SinchShortCodeCarrierOrderTrigger:
        from airflow_provider_sinch.triggers.short_code import SinchShortCodeCarrierOrderTrigger

        return SinchShortCodeCarrierOrderTrigger(
            campaign_id=self.campaign_id,
            project_id=self.hook.project_id,
            target_statuses=_statuses(self.target_statuses),
            failure_statuses=_statuses(self.failure_statuses),
            carrier_ids=self._carrier_ids(),
            sinch_conn_id=self.sinch_conn_id,
            poll_interval=float(self.poke_interval),
            end_time=end_time,
            hook_params=self.hook_params,
        )
