"""The base of every Sinch sensor: poke, reschedule or deferrable, on the shared wait machinery.

The waiting itself (one check before deferring, the deadline passed to the trigger, one timeout
error in every mode) lives in :mod:`airflow_provider_sinch.waits`, which the operators with
``wait_for_completion`` use too. This module adds what is a sensor's own: ``poke`` for
Airflow's loop, and ``soft_fail`` and ``never_fail`` honoured on every path (poke, reschedule,
the deferrable first check, the resumed event and the timeout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_sinch._compat import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    conf,
)
from airflow_provider_sinch.exceptions import SinchWaitTimeout
from airflow_provider_sinch.waits import SinchWait, deadline, finish, finish_event

if TYPE_CHECKING:
    from airflow.sdk import Context

__all__ = ["SinchStatusSensorBase", "deadline", "finish", "finish_event"]


class SinchStatusSensorBase(SinchWait, BaseSensorOperator):
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
        result = self.checked()
        if result.outcome == "pending":
            self.log.info("%s", result.message)
            return False
        return PokeReturnValue(is_done=True, xcom_value=finish(result))

    def execute(self, context: Context) -> Any:
        if self.deferrable:
            # Airflow's own loop (poke, reschedule) and resume_execution (the event) apply
            # soft_fail and never_fail; the first check before deferring is ours, so they are
            # applied here the same way. (TaskDeferred is a BaseException: it passes through.)
            never_fail = bool(getattr(self, "never_fail", False))
            try:
                return self.defer_or_finish(context)
            except AirflowSkipException:
                raise
            except (AirflowFailException, AirflowSensorTimeout) as exc:
                if self.soft_fail or never_fail:
                    flag = "soft_fail" if self.soft_fail else "never_fail"
                    raise AirflowSkipException(f"Skipping ({flag}): {exc}") from exc
                raise
            except Exception as exc:
                if never_fail:
                    raise AirflowSkipException(f"Skipping (never_fail): {exc}") from exc
                raise
        try:
            return super().execute(context)
        except AirflowSkipException as exc:
            raise _skip_with_reason(exc) from exc.__cause__
        except AirflowSensorTimeout as exc:
            if isinstance(exc, SinchWaitTimeout):
                raise
            # Airflow's loop timed out: say what was waited on and its last status.
            raise self.timed_out() from exc

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Airflow's resume (which applies ``soft_fail`` / ``never_fail`` to the event), with the reason.

        Airflow's skip says only "Skipping due to soft_fail is set to True."; the task log then
        shows why: the failure status or the timeout the event carried.
        """
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except AirflowSkipException as exc:
            raise _skip_with_reason(exc) from exc.__cause__


def _skip_with_reason(skip: AirflowSkipException) -> AirflowSkipException:
    """``skip``, or a skip whose message also gives its cause's (what Airflow's own leaves out)."""
    cause = skip.__cause__
    if cause is None or str(cause) in str(skip):
        return skip
    flag = "never_fail" if "never_fail" in str(skip) else "soft_fail"
    return AirflowSkipException(f"Skipping ({flag}): {cause}")
