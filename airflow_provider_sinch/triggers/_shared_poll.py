"""Coalesced polling: the waits of one triggerer process on one account share one list poll.

Every :class:`~airflow_provider_sinch.triggers.base.SinchPollingTrigger` whose wait a list can
serve (its :meth:`list_watch`) joins a *group*: one per event loop, API list (scope), account,
transport settings and poll interval. The group runs one *round* per interval for the waits that
are waiting for an answer, and hands each its :class:`~airflow_provider_sinch.statuses.PollResult`
or the exception its check raised. A round:

1. A wait alone in its group (or a group whose list took more pages than it has waits) runs its
   own check, as a lone trigger would.
2. Otherwise one list of the statuses the waits are still pending in answers for all of them,
   through the API layer's :class:`~airflow_provider_sinch.apis._lists.ListWatch` (where the API
   filters one status per request, only the status each wait was last seen in).
3. Waits the list did not show (their status changed, or the list leaves them out) are looked up
   in one list of the other statuses when that takes fewer requests than they are; what is still
   missing runs its own check.
4. Each wait's decision runs as an API-layer operation: usually no call, a follow-up call where the
   list item lacks what the decision quotes (10DLC feedback, Short Code notes).

A transient failure of a shared list (5xx, 429, a connection error) is handed to every wait it
served, each of which waits it out as it would its own failure; any other failure of a list
(a 400 for a filter the server refuses, a refused TLS handshake...) makes the round fall back to
each wait's own check, so that a wait that ends on an error names its own request.

A trigger keeps its own deadline: when its ``end_time`` comes before the group's next round it
sleeps until then and makes its last check itself, as a lone trigger does.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Hashable
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch.exceptions import (
    SinchRateLimitError,
    SinchServerError,
    SinchTLSError,
    SinchTransportError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_sinch._ahttp import AsyncTransport
    from airflow_provider_sinch.apis._core import Operation
    from airflow_provider_sinch.apis._lists import ListWatch
    from airflow_provider_sinch.statuses import PollResult

log = logging.getLogger(__name__)

#: Errors worth waiting out during a wait of hours or days: the next poll may well succeed. A 2xx
#: whose body is not JSON (a proxy's maintenance page) is a SinchServerError too.
TRANSIENT_ERRORS = (SinchServerError, SinchRateLimitError, SinchTransportError)


def _waited_out(exc: Exception) -> bool:
    """Whether a wait waits out ``exc`` (a TLS handshake refused ends it: the host is wrong)."""
    return isinstance(exc, TRANSIENT_ERRORS) and not isinstance(exc, SinchTLSError)


@dataclass
class Answer:
    """What a round found for one wait: a result, or the exception its check raised."""

    result: PollResult | None = None
    error: Exception | None = None

    def unwrap(self) -> PollResult:
        if self.error is not None:
            # One failed list is raised in every wait it served: drop the previous raise's
            # traceback, or each raise would chain onto the last.
            raise self.error.with_traceback(None)
        assert self.result is not None
        return self.result


@dataclass
class GroupStats:
    """Counters of one group, for logs and the benchmark."""

    rounds: int = 0
    list_requests: int = 0
    own_checks: int = 0
    list_failures: int = 0


class Subscription:
    """One trigger's membership of a group."""

    def __init__(self, group: _Group, watch: ListWatch) -> None:
        self.group = group
        self.watch = watch
        self.last_status: str | None = None
        self.last_item: Mapping[str, Any] | None = None
        self.closed = False
        self._answer: Answer | None = None
        self._ready = asyncio.Event()

    def deliver(self, answer: Answer) -> None:
        self._answer = answer
        self._ready.set()

    @property
    def answered(self) -> bool:
        """An answer is waiting to be read."""
        return self._answer is not None

    async def next(self, budget: float | None) -> Answer | None:
        """The answer of the group's next round, or ``None`` when the trigger's deadline (in
        ``budget`` seconds) comes before that round: then it has slept until the deadline.
        """
        if self._answer is None:
            loop = asyncio.get_running_loop()
            if budget is not None and loop.time() + budget < self.group.next_due():
                await asyncio.sleep(budget)
                return None
            self.group.wait(self)
            await self._ready.wait()
        answer, self._answer = self._answer, None
        self._ready.clear()
        assert answer is not None
        return answer

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.group.leave(self)


class _Group:
    def __init__(self, key: Hashable, transport: AsyncTransport, interval: float) -> None:
        self.key = key
        self.transport = transport
        self.interval = interval
        self.members: list[Subscription] = []
        self.waiting: set[Subscription] = set()
        self.stats = GroupStats()
        self._someone_waiting = asyncio.Event()
        self._due = asyncio.get_running_loop().time()
        #: Requests the last pending / settled listing took (``None``: not tried yet).
        self._pending_pages: int | None = None
        self._settled_pages: int | None = None
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"sinch-shared-poll{key!r}")

    def next_due(self) -> float:
        return self._due

    def wait(self, subscription: Subscription) -> None:
        self.waiting.add(subscription)
        self._someone_waiting.set()

    async def leave(self, subscription: Subscription) -> None:
        self.waiting.discard(subscription)
        with suppress(ValueError):
            self.members.remove(subscription)
        if self.members:
            return
        # The last member: forget the group before awaiting, so a newcomer starts a fresh one.
        groups = _groups.get(asyncio.get_running_loop(), {})
        if groups.get(self.key) is self:
            del groups[self.key]
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task
        await self.transport.aclose()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._someone_waiting.wait()
            delay = self._due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            started = loop.time()
            self._due = started + self.interval
            served = [s for s in self.members if s in self.waiting]
            self.waiting.difference_update(served)
            self._someone_waiting.clear()
            if self.waiting:
                self._someone_waiting.set()
            if not served:
                continue
            try:
                await self._round(served)
            except Exception as exc:  # a bug must not leave the waits hanging
                log.exception("Shared Sinch poll %r failed", self.key)
                for subscription in served:
                    if not subscription.answered:
                        subscription.deliver(Answer(error=exc))

    async def _list(self, operation: Any) -> Any:
        listing = await self.transport.run(operation)
        self.stats.list_requests += listing.requests
        return listing

    async def _round(self, served: list[Subscription]) -> None:
        self.stats.rounds += 1
        count = len(served)
        operations: list[tuple[Subscription, Operation[PollResult]]]
        if count < 2 or (self._pending_pages is not None and self._pending_pages >= count):
            self.stats.own_checks += count
            operations = [(s, s.watch.check()) for s in served]
        else:
            operations = await self._from_lists(served)
        for subscription, operation in operations:
            if subscription.closed:
                operation.close()
                continue
            try:
                result = await self.transport.run(operation)
            except Exception as exc:
                subscription.deliver(Answer(error=exc))
            else:
                subscription.last_status = result.status
                subscription.deliver(Answer(result=result))

    async def _from_lists(
        self, served: list[Subscription]
    ) -> list[tuple[Subscription, Operation[PollResult]]]:
        statuses: set[str] = set()
        for subscription in served:
            listable = subscription.watch.listable_statuses()
            last = subscription.last_status
            narrow = subscription.watch.one_status_per_request and last in listable
            statuses |= {last} if narrow and last is not None else set(listable)
        lister = served[0].watch
        try:
            listing = await self._list(lister.pending_listing(statuses))
        except Exception as exc:
            if not _waited_out(exc):
                # Only an error each wait would wait out is handed out; one that ends a wait
                # must name the wait's own request, so each makes it.
                self.stats.list_failures += 1
                log.warning("Shared Sinch list refused (%s); each wait checks on its own this round", exc)
                self.stats.own_checks += len(served)
                return [(s, s.watch.check()) for s in served]
            self.stats.list_failures += 1
            log.warning(
                "Shared Sinch list failed for %d waits; each handles it as its own check's: %s",
                len(served),
                exc,
            )
            for subscription in served:
                subscription.deliver(Answer(error=exc))
            return []
        self._pending_pages = listing.pages or listing.requests
        items = dict(listing.items)
        missing = [s for s in served if s.watch.resource_id not in items]
        if len(missing) >= 2 and (self._settled_pages is None or self._settled_pages < len(missing)):
            try:
                settled = await self._list(
                    lister.settled_listing(statuses, [s.last_item for s in missing], len(missing) - 1)
                )
            except Exception as exc:
                self.stats.list_failures += 1
                if _waited_out(exc):
                    for subscription in missing:
                        subscription.deliver(Answer(error=exc))
                    gone = set(missing)
                    served = [s for s in served if s not in gone]
                else:
                    log.warning("Shared Sinch list refused (%s); the waits it missed check on their own", exc)
            else:
                self._settled_pages = settled.pages if settled.requests else self._settled_pages
                for subscription in missing:
                    found = settled.items.get(subscription.watch.resource_id)
                    if found is not None:
                        items[subscription.watch.resource_id] = found
        operations = []
        for subscription in served:
            item = items.get(subscription.watch.resource_id)
            if item is None:
                self.stats.own_checks += 1
            else:
                subscription.last_item = item
            operations.append((subscription, subscription.watch.from_list(item)))
        return operations


_groups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _Group]] = (
    weakref.WeakKeyDictionary()
)


def group_key(watch: ListWatch, transport: AsyncTransport, interval: float) -> Hashable:
    """Waits share a poll only with the same list, account, transport settings and interval."""
    return (watch.scope(), transport.account_key, transport.settings, float(interval))


def subscribe(watch: ListWatch, transport: AsyncTransport, interval: float) -> Subscription:
    """Join (or start) the group of ``watch`` in the running event loop.

    The group sends its requests through its own share of ``transport``'s client (released when
    the group's last member leaves). Call :meth:`Subscription.close` when the wait ends.
    """
    groups = _groups.setdefault(asyncio.get_running_loop(), {})
    key = group_key(watch, transport, interval)
    group = groups.get(key)
    if group is None:
        group = groups[key] = _Group(key, transport.share(), float(interval))
    subscription = Subscription(group, watch)
    group.members.append(subscription)
    return subscription


def groups() -> dict[Hashable, _Group]:
    """The groups polling in the running event loop (for tests and the benchmark)."""
    return dict(_groups.get(asyncio.get_running_loop(), {}))
