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
                skip = self._as_skip(exc)
                if skip is None:
                    raise
                raise skip from skip.__cause__
        try:
            return super().execute(context)
        except AirflowSkipException as exc:
            skip = self._as_skip(exc)
            if skip is None:
                raise
            raise skip from skip.__cause__
        except AirflowSensorTimeout as exc:
            if isinstance(exc, SinchWaitTimeout):
                raise
            # Airflow's loop timed out: say what was waited on and its last status.
            raise self.timed_out() from exc

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None, context: Context) -> Any:
        """Airflow's resume, with ``soft_fail`` / ``never_fail`` applied to the event and the reason given.

        Airflow 3.3's skip says only "Skipping due to soft_fail is set to True."; Airflow 3.1 does
        not apply ``never_fail`` here. Either way the skip now reads ``Skipping (<flag>): <reason>``.
        """
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except Exception as exc:
            skip = self._as_skip(exc)
            if skip is None:
                raise
            raise skip from skip.__cause__

    def _as_skip(self, exc: Exception) -> AirflowSkipException | None:
        """The skip ``soft_fail`` / ``never_fail`` make of ``exc``, naming its reason; ``None``: raise it.

        ``soft_fail`` skips on a failure status and a timeout, ``never_fail`` on any error. A skip
        Airflow already made is given its cause's message; any other skip stays as it is.
        """
        never_fail = bool(getattr(self, "never_fail", False))
        reason: BaseException | None
        if isinstance(exc, AirflowSkipException):
            reason = exc.__cause__
            if reason is None or str(exc).startswith("Skipping ("):
                return None
        elif never_fail or (self.soft_fail and isinstance(exc, (AirflowFailException, AirflowSensorTimeout))):
            reason = exc
        else:
            return None
        skip = AirflowSkipException(f"Skipping ({'soft_fail' if self.soft_fail else 'never_fail'}): {reason}")
        skip.__cause__ = reason
        return skip
