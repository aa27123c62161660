"""A polling trigger shared by every Sinch wait: the async twin of the sensors' ``poke``.

It never calls a sync hook: it builds an :class:`~airflow_provider_sinch._http.AsyncTransport`
from the connection (fetched with ``aget_connection``) and the same endpoint descriptions.
It ends with one small JSON-safe event: ``{"status": "success" | "failure" | "error", ...}``.
"""

from __future__ import annotations

import asyncio
import time
from abc import abstractmethod
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_sinch.exceptions import (
    SinchError,
    SinchRateLimitError,
    SinchServerError,
    SinchTransportError,
)

if TYPE_CHECKING:
    from airflow_provider_sinch._http import AsyncTransport
    from airflow_provider_sinch.hooks.base import SinchBaseHook
    from airflow_provider_sinch.statuses import PollResult

#: Errors worth waiting out during a wait of hours or days: the next poll may well succeed.
TRANSIENT_ERRORS = (SinchServerError, SinchRateLimitError, SinchTransportError)


class SinchPollingTrigger(BaseTrigger):
    """Poll a Sinch resource every ``poll_interval`` seconds until it ends or ``end_time`` passes.

    :param sinch_conn_id: the connection id, as on the operator that deferred.
    :param poll_interval: seconds between two checks.
    :param end_time: epoch seconds after which the trigger ends with a timeout event, so that a
        deferred task that reaches its own timeout still learns why.
    :param hook_params: transport options, as on the operator.
    """

    hook_class: ClassVar[type[SinchBaseHook]]

    def __init__(
        self,
        *,
        sinch_conn_id: str,
        poll_interval: float = 60.0,
        end_time: float | None = None,
        hook_params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.sinch_conn_id = sinch_conn_id
        self.poll_interval = float(poll_interval)
        self.end_time = end_time
        self.hook_params = dict(hook_params or {})

    @abstractmethod
    def ids(self) -> dict[str, Any]:
        """The resource ids this trigger watches, included in ``serialize`` and every event."""

    @abstractmethod
    async def poll(self, transport: AsyncTransport) -> PollResult:
        """One status check."""

    def extra_kwargs(self) -> dict[str, Any]:
        """Further constructor arguments (target statuses...) to serialize."""
        return {}

    def serialize(self) -> tuple[str, dict[str, Any]]:
        path = f"{type(self).__module__}.{type(self).__qualname__}"
        return path, {
            **self.ids(),
            **self.extra_kwargs(),
            "sinch_conn_id": self.sinch_conn_id,
            "poll_interval": self.poll_interval,
            "end_time": self.end_time,
            "hook_params": self.hook_params,
        }

    async def _transport(self) -> AsyncTransport:
        conn = await self.hook_class.aget_connection(self.sinch_conn_id)
        return self.hook_class.async_transport(conn, self.hook_params)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            transport = await self._transport()
        except SinchError as exc:  # e.g. a connection without its secret
            yield TriggerEvent({"status": "error", "message": str(exc), **self.ids()})
            return
        try:
            while True:
                try:
                    result = await self.poll(transport)
                except TRANSIENT_ERRORS as exc:
                    self.log.warning("Status check failed, will try again at the next poll: %s", exc)
                except SinchError as exc:
                    yield TriggerEvent({"status": "error", "message": str(exc), **self.ids()})
                    return
                else:
                    if result.outcome != "pending":
                        yield TriggerEvent(result.to_event(**self.ids()))
                        return
                    self.log.info("%s", result.message)
                now = time.time()
                if self.end_time is not None and now >= self.end_time:
                    yield TriggerEvent(
                        {
                            "status": "error",
                            "timeout": True,
                            "message": "The wait reached its deadline before a target status.",
                            **self.ids(),
                        }
                    )
                    return
                wait = self.poll_interval
                if self.end_time is not None:
                    wait = max(0.0, min(wait, self.end_time - now))
                await asyncio.sleep(wait)
        finally:
            await transport.aclose()
