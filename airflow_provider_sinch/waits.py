"""One wait machinery for every Sinch wait: the sensors, and the operators with ``wait_for_completion``.

A waiting task provides ``check() -> PollResult`` (one status check through its hook: an API-layer
operation) and ``build_trigger(end_time)`` (the trigger that runs the same operation in the
triggerer). :class:`SinchWait` then waits in one of three ways, with one timeout behaviour:

* ``poke`` / ``reschedule`` (sensors): Airflow's sensor loop calls ``poke``;
* a sync loop on the worker (operators with ``wait_for_completion`` and ``deferrable=False``),
  whose sleeps never pass the deadline;
* deferrable: check once, finish at once when done, otherwise defer to the trigger with a
  deadline that is the earliest of the wait's ``timeout`` and what is left of the task's
  ``execution_timeout``.

A wait that reaches its timeout raises :class:`~airflow_provider_sinch.exceptions.SinchWaitTimeout`
in every mode: an ``AirflowSensorTimeout``, so the task fails without a retry starting the wait
anew, with a message naming the resource and the last status seen.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch.exceptions import SinchError, SinchTerminalStatusError, SinchWaitTimeout

if TYPE_CHECKING:
    from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
    from airflow_provider_sinch.statuses import PollResult
    from airflow_provider_sinch.triggers.base import SinchPollingTrigger
    from airflow_provider_sinch.triggers.short_code import SinchShortCodeCampaignStatusTrigger

#: Airflow's own deferral timeout comes this long after the trigger's deadline, so that the
#: trigger's timeout event (which names the last status) normally arrives first.
DEFERRAL_GRACE = timedelta(minutes=5)


def _sleep(seconds: float) -> None:
    """Pause of a sync wait; module-level so that tests replace it and never really wait."""
    time.sleep(seconds)


def timeout_error(resource: str, status: str | None, message: str | None) -> SinchWaitTimeout:
    """The one timeout error of every wait mode."""
    text = f"Timed out waiting on {resource} (last status {status!r})"
    if message:
        text += f": {message}"
    return SinchWaitTimeout(text, resource=resource, status=status)


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
        raise timeout_error(
            event.get("resource", "Sinch resource"), event.get("api_status"), event.get("message")
        )
    raise SinchError(event.get("message", f"Unexpected trigger event: {event}"))


def seconds(value: float | timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def deadline(timeout: float | timedelta | None) -> float | None:
    """Epoch seconds at which a wait of ``timeout`` ends (passed into triggers)."""
    span = seconds(timeout)
    return None if span is None else time.time() + span


class SinchWait:
    """Mixed into sensors and waiting operators; see the module's docstring.

    The host class has ``deferrable``, ``timeout`` (seconds or a timedelta), a poll interval
    (``poll_interval``, or a sensor's ``poke_interval``) and Airflow's ``execution_timeout``.
    """

    deferrable: bool
    timeout: Any
    execution_timeout: timedelta | None
    _last_result: PollResult | None = None

    def check(self) -> PollResult:
        raise NotImplementedError

    def build_trigger(self, end_time: float | None) -> SinchPollingTrigger:
        raise NotImplementedError

    def _poll_seconds(self) -> float:
        value = getattr(self, "poll_interval", None)
        if value is None:
            value = self.poke_interval  # type: ignore[attr-defined]
        return seconds(value) or 0.0

    def checked(self) -> PollResult:
        """One check, remembered as the last status seen (for the timeout message)."""
        result = self.check()
        self._last_result = result
        return result

    def timed_out(self) -> SinchWaitTimeout:
        last = self._last_result
        if last is None:
            return timeout_error("the Sinch resource", None, None)
        return timeout_error(last.resource, last.status, last.message)

    def wait_end_time(self, context: Any = None) -> float | None:
        """The deadline of a deferred wait: the wait's timeout, clipped to ``execution_timeout``."""
        now = time.time()
        ends = []
        span = seconds(self.timeout)
        if span is not None:
            ends.append(now + span)
        execution_timeout = getattr(self, "execution_timeout", None)
        if execution_timeout:
            ti = context.get("ti") if context else None
            started = getattr(ti, "start_date", None)
            if isinstance(started, datetime):
                start = started if started.tzinfo else started.replace(tzinfo=timezone.utc)
                ends.append(start.timestamp() + execution_timeout.total_seconds())
            else:
                ends.append(now + execution_timeout.total_seconds())
        return min(ends) if ends else None

    def defer_or_finish(self, context: Any = None) -> Any:
        """Check once; return (or fail) at once when done, defer to the trigger otherwise."""
        result = self.checked()
        if result.outcome != "pending":
            return finish(result)
        end_time = self.wait_end_time(context)
        if end_time is not None and end_time <= time.time():
            raise self.timed_out()
        self.log.info("%s; deferring", result.message)  # type: ignore[attr-defined]
        backstop = None if end_time is None else timedelta(seconds=end_time - time.time()) + DEFERRAL_GRACE
        self.defer(  # type: ignore[attr-defined]
            trigger=self.build_trigger(end_time),
            method_name="execute_complete",
            timeout=backstop,
        )

    def wait_sync(self) -> Any:
        """Wait on the worker: check, sleep (never past the deadline), until done or timed out."""
        span = seconds(self.timeout)
        give_up = None if span is None else time.monotonic() + span
        while True:
            result = self.checked()
            if result.outcome != "pending":
                return finish(result)
            remaining = None if give_up is None else give_up - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise self.timed_out()
            self.log.info("%s", result.message)  # type: ignore[attr-defined]
            pause = self._poll_seconds()
            _sleep(pause if remaining is None else min(pause, remaining))

    def wait(self, context: Any = None) -> Any:
        """An operator's ``wait_for_completion``: deferred or on the worker."""
        if self.deferrable:
            return self.defer_or_finish(context)
        return self.wait_sync()

    def execute_complete(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        return finish_event(event)


class ShortCodeCampaignStatusWait(SinchWait):
    """The wait on a Short Code campaign's status, shared by
    :class:`~airflow_provider_sinch.sensors.short_code.SinchShortCodeCampaignStatusSensor` and
    :class:`~airflow_provider_sinch.operators.short_code.SinchSubmitShortCodeCampaignOperator`
    (``wait_for_completion``): the same check through the hook, the same trigger when deferred.
    """

    campaign_id: str
    target_statuses: Any
    failure_statuses: Any
    sinch_conn_id: str
    hook_params: dict[str, Any]
    task_id: str
    hook: SinchShortCodeHook

    def _statuses(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The rendered ``target_statuses`` and ``failure_statuses``, checked."""
        from airflow_provider_sinch.arguments import status_lists
        from airflow_provider_sinch.statuses import ShortCodeCampaignStatus

        return status_lists(
            self.target_statuses, self.failure_statuses, ShortCodeCampaignStatus, context=self.task_id
        )

    def check(self) -> PollResult:
        targets, failures = self._statuses()
        return self.hook.check_campaign_status(self.campaign_id, targets, failures)

    def build_trigger(self, end_time: float | None) -> SinchShortCodeCampaignStatusTrigger:
        from airflow_provider_sinch.triggers.short_code import SinchShortCodeCampaignStatusTrigger

        targets, failures = self._statuses()
        return SinchShortCodeCampaignStatusTrigger(
            campaign_id=self.campaign_id,
            project_id=self.hook.project_id,
            target_statuses=targets,
            failure_statuses=failures,
            sinch_conn_id=self.sinch_conn_id,
            poll_interval=self._poll_seconds(),
            end_time=end_time,
            hook_params=self.hook_params,
        )
