"""A polling trigger shared by every Sinch wait: the async twin of the sensors' ``poke``.

It imports no hook and no ``requests``: it builds an
:class:`~airflow_provider_sinch._ahttp.AsyncTransport` from the connection (fetched with
``aget_connection``, so the event loop is not blocked) by the rules of
:mod:`airflow_provider_sinch.connections`, and runs the API layer's check operation, the same
one the sync sensor runs. It ends with one small JSON-safe event:
``{"status": "success" | "failure" | "error", ...}``; a wait that reaches ``end_time`` ends with
``{"status": "error", "timeout": True, ...}`` carrying the last status seen.
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
    SinchTLSError,
    SinchTransportError,
)

if TYPE_CHECKING:
    from airflow_provider_sinch._ahttp import AsyncTransport
    from airflow_provider_sinch.apis._core import Operation
    from airflow_provider_sinch.connections import ConnectionKind
    from airflow_provider_sinch.statuses import PollResult

#: Errors worth waiting out during a wait of hours or days: the next poll may well succeed. A 2xx
#: whose body is not JSON (a proxy's maintenance page) is a SinchServerError too.
TRANSIENT_ERRORS = (SinchServerError, SinchRateLimitError, SinchTransportError)


async def get_connection(conn_id: str) -> Any:
    """The connection, without blocking the event loop."""
    from airflow.sdk import BaseHook

    aget = getattr(BaseHook, "aget_connection", None)
    if aget is not None:
        return await aget(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(BaseHook.get_connection)(conn_id)


def timeout_event(last: PollResult | None, resource: str, ids: dict[str, Any]) -> dict[str, Any]:
    """The event of a wait that reached its deadline, with the last status it saw."""
    return {
        "status": "error",
        "timeout": True,
        "resource": last.resource if last else resource,
        "api_status": last.status if last else None,
        "message": last.message if last else "no status could be read before the deadline",
        **ids,
    }


class SinchPollingTrigger(BaseTrigger):
    """Poll a Sinch resource every ``poll_interval`` seconds until it ends or ``end_time`` passes.

    :param sinch_conn_id: the connection id, as on the operator that deferred.
    :param poll_interval: seconds between two checks.
    :param end_time: epoch seconds after which the trigger ends with a timeout event, so that a
        deferred task that reaches its own timeout still learns why.
    :param hook_params: transport options, as on the operator.
    """

    connection_kind: ClassVar[ConnectionKind]

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
    def operation(self) -> Operation[PollResult]:
        """One status check, as an API-layer operation (the sync sensor runs the same one)."""

    def describe(self) -> str:
        """What is waited on, for a timeout before any status was read."""
        return ", ".join(f"{k}={v}" for k, v in self.ids().items())

    async def poll(self, transport: AsyncTransport) -> PollResult:
        """One status check through the async transport."""
        return await transport.run(self.operation())

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
        conn = await get_connection(self.sinch_conn_id)
        return self.connection_kind.async_transport(conn, self.hook_params)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        try:
            transport = await self._transport()
        except Exception as exc:  # a missing connection, one without its secret...
            yield TriggerEvent(
                {
                    "status": "error",
                    "message": f"Cannot wait on connection {self.sinch_conn_id!r} in the triggerer: "
                    f"{type(exc).__name__}: {exc}",
                    **self.ids(),
                }
            )
            return
        last: PollResult | None = None
        try:
            while True:
                try:
                    result = await self.poll(transport)
                except SinchTLSError as exc:  # a misconfigured host: waiting will not fix it
                    yield TriggerEvent({"status": "error", "message": str(exc), **self.ids()})
                    return
                except TRANSIENT_ERRORS as exc:
                    self.log.warning("Status check failed, will try again at the next poll: %s", exc)
                except SinchError as exc:
                    yield TriggerEvent({"status": "error", "message": str(exc), **self.ids()})
                    return
                else:
                    if result.outcome != "pending":
                        yield TriggerEvent(result.to_event(**self.ids()))
                        return
                    last = result
                    self.log.info("%s", result.message)
                now = time.time()
                if self.end_time is not None and now >= self.end_time:
                    yield TriggerEvent(timeout_event(last, self.describe(), self.ids()))
                    return
                wait = self.poll_interval
                if self.end_time is not None:
                    wait = max(0.0, min(wait, self.end_time - now))
                await asyncio.sleep(wait)
        finally:
            await transport.aclose()
