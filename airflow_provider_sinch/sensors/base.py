"""Behaviour shared by every Sinch wait (sensors, and operators with ``wait_for_completion``)."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.configuration import conf

from airflow_provider_sinch.exceptions import SinchError, SinchTerminalStatusError, SinchWaitTimeout

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_sinch.statuses import PollResult
    from airflow_provider_sinch.triggers.base import SinchPollingTrigger


def finish(result: PollResult) -> Any:
    """Turn a finished check into the task's return value, or its failure."""
    if result.outcome == "failure":
        raise SinchTerminalStatusError(result.resource, result.status or "unknown", result.message)
    return result.xcom


def finish_event(event: dict[str, Any] | None) -> Any:
    """``execute_complete`` body: turn a trigger event back into a value or an exception."""
    if not event:
        raise SinchError("The trigger ended without an event.")
    status = event.get("status")
    if status == "success":
        return event.get("xcom")
    if status == "failure":
        raise SinchTerminalStatusError(
            event.get("resource", "Sinch resource"),
            event.get("api_status") or "unknown",
            event.get("message"),
        )
    if event.get("timeout"):
        raise SinchWaitTimeout(event.get("message", "The wait timed out."))
    raise SinchError(event.get("message", f"Unexpected trigger event: {event}"))


def deadline(timeout: float | timedelta | None) -> float | None:
    """Epoch seconds at which a wait of ``timeout`` ends (passed into triggers)."""
    if timeout is None:
        return None
    seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
    return time.time() + seconds


def defer_timeout(timeout: float | timedelta | None) -> timedelta | None:
    if timeout is None:
        return None
    return timeout if isinstance(timeout, timedelta) else timedelta(seconds=float(timeout))


class DeferrableWaitMixin:
    """``execute`` for a sensor: check once, return at once when done, defer only when pending.

    The sensor provides ``check() -> PollResult`` (sync, through its hook) and
    ``build_trigger(end_time) -> SinchPollingTrigger``.
    """

    deferrable: bool
    timeout: float

    def check(self) -> PollResult:
        raise NotImplementedError

    def build_trigger(self, end_time: float | None) -> SinchPollingTrigger:
        raise NotImplementedError

    def defer_or_finish(self) -> Any:
        result = self.check()
        if result.outcome != "pending":
            return finish(result)
        self.log.info("%s; deferring", result.message)  # type: ignore[attr-defined]
        self.defer(  # type: ignore[attr-defined]
            trigger=self.build_trigger(deadline(self.timeout)),
            method_name="execute_complete",
            timeout=defer_timeout(self.timeout),
        )

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        return finish_event(event)


class SinchStatusSensorBase(DeferrableWaitMixin, BaseSensorOperator):
    """Poke, reschedule or deferrable wait on one Sinch status.

    Subclasses implement ``check()`` with their hook and ``build_trigger()``. In ``poke`` mode
    the sensor keeps one hook (and so one cached token) across pokes.

    :param sinch_conn_id: the Airflow connection id.
    :param deferrable: free the worker slot while waiting (needs a triggerer).
    :param hook_params: transport options for the hook (timeouts, retries).
    """

    def __init__(
        self,
        *,
        sinch_conn_id: str,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sinch_conn_id = sinch_conn_id
        self.deferrable = deferrable
        self.hook_params = dict(hook_params or {})

    def poke(self, context: Context) -> PokeReturnValue | bool:
        result = self.check()
        if result.outcome == "pending":
            self.log.info("%s", result.message)
            return False
        return PokeReturnValue(is_done=True, xcom_value=finish(result))

    def execute(self, context: Context) -> Any:
        if self.deferrable:
            return self.defer_or_finish()
        return super().execute(context)
