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
            # Airflow's loop (poke, reschedule) applies soft_fail and never_fail itself; the first
            # check before deferring is ours, so they are applied here the same way.
            # (TaskDeferred is a BaseException: it passes through.)
            try:
                return self.defer_or_finish(context)
            except Exception as exc:
                settled = self._settled(exc)
                raise settled from settled.__cause__
        try:
            return super().execute(context)
        except AirflowSkipException as exc:
            if exc.__cause__ is None and "timed out" in str(exc):
                # Airflow's own poke-loop timeout under soft_fail: give the wait's reason instead.
                settled = self._settled(self.timed_out())
            else:
                settled = self._settled(exc)
            raise settled from settled.__cause__
        except AirflowSensorTimeout as exc:
            # Airflow's loop timed out (it raises even with never_fail): say what was waited on and
            # its last status, then apply the flags like every other path.
            timeout = exc if isinstance(exc, SinchWaitTimeout) else self.timed_out()
            settled = self._settled(timeout)
            raise settled from (exc if settled is timeout and timeout is not exc else settled.__cause__)

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Airflow's resume, with ``soft_fail`` / ``never_fail`` applied to the event like on every path.

        Airflow 3.3's skip says only "Skipping due to soft_fail is set to True." and skips any
        error under ``soft_fail`` (a 404 too); Airflow 3.1 does not apply ``never_fail`` here. The
        skip now reads ``Skipping (<flag>): <reason>``, and ``soft_fail`` skips only failure statuses
        and timeouts, as at the first check.
        """
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except Exception as exc:
            settled = self._settled(exc)
            raise settled from settled.__cause__

    def _settled(self, exc: Exception) -> BaseException:
        """What to raise for ``exc``: a skip naming its reason, the error itself, or ``exc`` as is.

        ``soft_fail`` skips on a failure status and a timeout, ``never_fail`` on any error. A skip
        Airflow made is replaced (with its reason, or by the error if the flags do not skip it); a
        skip already naming its reason stays as it is. Callers raise the value from its own
        ``__cause__`` (a skip's cause is its reason).
        """
        never_fail = bool(getattr(self, "never_fail", False))
        reason: BaseException | None = exc
        if isinstance(exc, AirflowSkipException):
            reason = exc.__cause__
            if reason is None or str(exc).startswith("Skipping ("):
                return exc
        skips = never_fail or (
            self.soft_fail and isinstance(reason, (AirflowFailException, AirflowSensorTimeout))
        )
        if not skips:
            return reason if reason is not None else exc
        skip = AirflowSkipException(f"Skipping ({'soft_fail' if self.soft_fail else 'never_fail'}): {reason}")
        skip.__cause__ = reason
        return skip
