"""A polling trigger shared by every Sinch wait: the async twin of the sensors' ``poke``.

It imports no hook and no ``requests``: it builds an
:class:`~airflow_provider_sinch._ahttp.AsyncTransport` from the connection (fetched with
``aget_connection``, so the event loop is not blocked) by the rules of
:mod:`airflow_provider_sinch.connections`, and runs the API layer's check operation, the same
one the sync sensor runs. It ends with one small JSON-safe event:
``{"status": "success" | "failure" | "error", ...}``; a wait that reaches ``end_time`` ends with
``{"status": "error", "timeout": True, ...}`` carrying the last status seen.

Waits that a list can serve (:meth:`SinchPollingTrigger.list_watch`) on one account share one
poll per interval in the triggerer (:mod:`._shared_poll`); each still ends on its own result,
deadline and event. ``share_polls=False`` makes a trigger poll alone with a client of its own.
"""

from __future__ import annotations

import asyncio
import time
from abc import abstractmethod
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_sinch.exceptions import SinchError, SinchTLSError
from airflow_provider_sinch.triggers import _shared_poll
from airflow_provider_sinch.triggers._shared_poll import TRANSIENT_ERRORS

if TYPE_CHECKING:
    from airflow_provider_sinch._ahttp import AsyncTransport
    from airflow_provider_sinch.apis._core import Operation
    from airflow_provider_sinch.apis._lists import ListWatch
    from airflow_provider_sinch.connections import ConnectionKind
    from airflow_provider_sinch.statuses import PollResult

__all__ = ["TRANSIENT_ERRORS", "SinchPollingTrigger", "get_connection", "timeout_event"]


def _now() -> float:
    """Wall-clock epoch seconds (``end_time`` is one); module-level so tests can move time."""
    return time.time()


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
    :param share_polls: share the HTTP client and, where a list can serve this wait, the poll
        with the other waits of this triggerer on the same account (default). ``False``: one
        client and one request per poll of its own (serialized only when ``False``).
    """

    connection_kind: ClassVar[ConnectionKind]

    def __init__(
        self,
        *,
        sinch_conn_id: str,
        poll_interval: float = 60.0,
        end_time: float | None = None,
        hook_params: dict[str, Any] | None = None,
        share_polls: bool = True,
    ) -> None:
        super().__init__()
        self.sinch_conn_id = sinch_conn_id
        self.poll_interval = float(poll_interval)
        self.end_time = end_time
        self.hook_params = dict(hook_params or {})
        self.share_polls = bool(share_polls)

    @abstractmethod
    def ids(self) -> dict[str, Any]:
        """The resource ids this trigger watches, included in ``serialize`` and every event."""

    @abstractmethod
    def operation(self) -> Operation[PollResult]:
        """One status check, as an API-layer operation (the sync sensor runs the same one)."""

    def describe(self) -> str:
        """What is waited on, for a timeout before any status was read."""
        return ", ".join(f"{k}={v}" for k, v in self.ids().items())

    def list_watch(self) -> ListWatch | None:
        """How the API's list can serve this wait (coalesced polling); ``None``: it cannot."""
        return None

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
            # Only when off, so that a default trigger serializes exactly as before.
            **({} if self.share_polls else {"share_polls": False}),
        }

    async def _transport(self) -> AsyncTransport:
        conn = await get_connection(self.sinch_conn_id)
        return self.connection_kind.async_transport(conn, self.hook_params, share_client=self.share_polls)

    async def _check(self, transport: AsyncTransport, shared: _shared_poll.Subscription | None) -> PollResult:
        """The next status check: its own, or its share of the group's next round."""
        if shared is None:
            return await self.poll(transport)
        budget = None if self.end_time is None else max(0.0, self.end_time - _now())
        answer = await shared.next(budget)
        if answer is None:  # the deadline came before the group's next round: a last check alone
            return await self.poll(transport)
        return answer.unwrap()

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
        watch = self.list_watch() if self.share_polls else None
        shared = _shared_poll.subscribe(watch, transport, self.poll_interval) if watch is not None else None
        last: PollResult | None = None
        try:
            while True:
                try:
                    result = await self._check(transport, shared)
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
                now = _now()
                if self.end_time is not None and now >= self.end_time:
                    yield TriggerEvent(timeout_event(last, self.describe(), self.ids()))
                    return
                if shared is None:  # a shared wait sleeps in the group's cadence instead
                    wait = self.poll_interval
                    if self.end_time is not None:
                        wait = max(0.0, min(wait, self.end_time - now))
                    await asyncio.sleep(wait)
        finally:
            if shared is not None:
                await shared.close()
            await transport.aclose()
