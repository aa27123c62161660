"""Starting DAGs from Sinch events: ``BaseEventTrigger`` subclasses for ``AssetWatcher``.

A watcher polls one account (one project) of one API with the API layer's
:class:`~airflow_provider_sinch.apis._changes.ChangeFeed` and fires one event per *transition*:
a resource reaching a status (or outcome) it reports, seen for the first time.

Sharing
    Watchers of one account, API and interval return the same ``shared_stream_key``, so
    Airflow 3.3's triggerer runs ONE poll (:meth:`SinchEventTrigger.open_shared_stream`) and hands
    every round to each watcher's :meth:`SinchEventTrigger.filter_shared_stream`. On an Airflow
    without shared streams, or with ``share_stream=False``, :meth:`run` polls alone, same code.
    A failed round (5xx, timeout, even a missing connection) is logged by every watcher and the
    next round is tried: a watcher runs for as long as its DAG does.

Where the cursor lives (never one event twice, also across a triggerer restart)
    The trigger's serialized kwargs never change, so they cannot hold what was reported. What
    Sinch says is durable: each resource's status and the time Sinch last changed it (10DLC
    ``modifiedDate``, Short Code ``updatedAt``, Campaign API ``send_date``). The cursor is made
    of those, never of the triggerer's clock:

    * a *floor*: changes Sinch dates at or before it are history, never reported;
    * per resource, the last state seen (a reported outcome, or a status on the way) and its
      Sinch time: a state equal to it, or a view older than it, is no transition.

    The floor is ``since`` (kwargs) when given, else the moment the watcher starts. The
    reported part of the cursor is written to Airflow's asset state store (Airflow 3.3+, injected
    into watchers as ``asset_state_store``) under a key naming the watcher, *before* the event is
    yielded: after a restart the watcher reloads floor and reported outcomes, catches up on what
    changed meanwhile (:meth:`~ChangeFeed.catch_up`) and reports only what it had not. Writing
    first makes the guarantee at-most-once: a crash between the write and Airflow storing the
    event loses that one event rather than firing it twice.

    Without an asset state store (older Airflow, a watcher on several assets, a store error at
    start) the cursor is in memory only, so the floor must be the moment of each start: a restart
    then never repeats an event but misses transitions that happened while the triggerer was
    down, and ``since`` is not honoured (a warning says so).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from abc import abstractmethod
from collections.abc import AsyncIterator, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.triggers.base import BaseEventTrigger, TriggerEvent

from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.connections import connection_extra
from airflow_provider_sinch.exceptions import SinchTLSError
from airflow_provider_sinch.triggers import base as _base
from airflow_provider_sinch.triggers.base import TRANSIENT_ERRORS, get_connection

if TYPE_CHECKING:
    from airflow_provider_sinch._ahttp import AsyncTransport
    from airflow_provider_sinch.apis._changes import Change, ChangeFeed
    from airflow_provider_sinch.connections import ConnectionKind

#: Reported outcomes older than this (behind the newest one) are forgotten and the floor raised
#: past them, so the stored cursor stays small.
RETENTION = timedelta(days=30)
CURSOR_KEY_PREFIX = "sinch_event_cursor:"


def _epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat()


@dataclass
class Cursor:
    """What a watcher has seen; see the module's docstring.

    :param floor: epoch seconds; Sinch changes at or before it are history.
    :param last: resource id -> (state key, Sinch epoch seconds or ``None``) of the last state
        seen: a reported outcome, or ``~<status>`` for a status on the way.
    :param reported: the reported subset of ``last`` (what the store keeps).
    :param grace: seconds before the floor within which a resource first seen after the first
        round (``baselined``) is still reported: for a feed whose date is not the change's own
        time (the Campaign API's ``send_date`` is when sending starts, and a campaign sending when
        the watcher started becomes sent later). 0 for the others.
    :param baselined: a first round has been seen: what it listed is known.
    """

    floor: float
    last: dict[str, tuple[str, float | None]] = field(default_factory=dict)
    reported: dict[str, tuple[str, float | None]] = field(default_factory=dict)
    grace: float = 0.0
    baselined: bool = False

    def see(self, change: Change, outcome: str | None) -> bool:
        """Note ``change``; ``True`` when it is a transition to ``outcome`` to report."""
        at = _epoch(change.changed_at)
        key = outcome if outcome is not None else f"~{change.status}"
        previous = self.last.get(change.resource_id)
        if previous is not None:
            if previous[0] == key:
                return False
            if at is not None and previous[1] is not None and at < previous[1]:
                return False  # an older view (a stale page) than one already seen
        self.last[change.resource_id] = (key, at)
        if outcome is None:
            return False
        if at is None:  # undated: a transition only if a different state was seen before
            return previous is not None
        if at > self.floor:
            return True
        return previous is None and self.baselined and at > self.floor - self.grace

    def reported_now(self, change: Change, outcome: str) -> None:
        self.reported[change.resource_id] = (outcome, _epoch(change.changed_at))
        self._prune()

    def _prune(self) -> None:
        dated = [at for _, at in self.reported.values() if at is not None]
        if not dated:
            return
        cutoff = max(dated) - RETENTION.total_seconds()
        if cutoff <= self.floor:
            return
        self.floor = cutoff
        for entries in (self.reported, self.last):
            for rid in [r for r, (_, at) in entries.items() if at is not None and at <= cutoff]:
                del entries[rid]

    def to_json(self) -> dict[str, Any]:
        return {
            "floor": _iso(self.floor),
            "reported": {rid: [key, _iso(at)] for rid, (key, at) in sorted(self.reported.items())},
        }

    @classmethod
    def from_json(cls, value: Any, *, floor: float) -> Cursor | None:
        """A stored cursor (its floor raised to ``floor`` if lower); ``None`` if unreadable."""
        if not isinstance(value, dict):
            return None
        stored_floor = _epoch(parse_timestamp(value.get("floor")))
        if stored_floor is None:
            return None
        reported: dict[str, tuple[str, float | None]] = {}
        for rid, entry in (value.get("reported") or {}).items():
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str):
                reported[str(rid)] = (entry[0], _epoch(parse_timestamp(entry[1])))
        return cls(max(stored_floor, floor), dict(reported), reported)


@dataclass
class FeedRound:
    """One round of a feed: its changes, or why it failed."""

    changes: list[Change] = field(default_factory=list)
    error: Exception | None = None


class SinchEventTrigger(BaseEventTrigger):
    """Fire one event per transition of the resources of one Sinch account; see the module.

    :param sinch_conn_id: the connection of the account to watch.
    :param poll_interval: seconds between two rounds of the (shared) poll.
    :param since: ISO 8601 date (or an aware datetime): report transitions Sinch dates after it,
        also those before the watcher started (needs the asset state store, Airflow 3.3+).
        Default: from the watcher's first start on.
    :param hook_params: transport options, as on the operators.
    :param share_stream: share one poll with the other watchers of this account (default).
    """

    connection_kind: ClassVar[ConnectionKind]
    resource_label: ClassVar[str] = "Sinch resource"
    #: Seconds of precision of the Sinch time a change is dated by: a watcher's first floor is
    #: moved back by as much, so a change made just after it starts, but dated in the same
    #: second (or minute), is not taken for history.
    timestamp_resolution: ClassVar[float] = 1.0
    #: Seconds before its floor within which a resource the watcher first sees after its first
    #: round is still reported (see :class:`Cursor`); for feeds not dated by the change itself.
    first_seen_grace: ClassVar[float] = 0.0
    #: The shortest ``poll_interval`` accepted, in seconds.
    MIN_POLL_INTERVAL: ClassVar[float] = 1.0
    #: Seconds between two events of one round. Airflow up to 3.3 gives an asset-triggered run
    #: only the events up to the first one queued: events that follow it before the scheduler
    #: has made that run start no run of their own until the next event (apache/airflow#54659,
    #: fixed in 3.4). Spacing a burst lets the scheduler make one run per event.
    EVENT_SPACING: ClassVar[float] = 5.0

    def __init__(
        self,
        *,
        sinch_conn_id: str,
        poll_interval: float = 60.0,
        since: str | datetime | None = None,
        hook_params: dict[str, Any] | None = None,
        share_stream: bool = True,
    ) -> None:
        super().__init__()
        self.sinch_conn_id = sinch_conn_id
        try:
            self.poll_interval = float(poll_interval)
        except (TypeError, ValueError):
            raise ValueError(f"poll_interval must be a number of seconds, got {poll_interval!r}") from None
        if not self.poll_interval >= self.MIN_POLL_INTERVAL:  # also refuses NaN
            raise ValueError(
                f"poll_interval must be at least {self.MIN_POLL_INTERVAL:g} second, got {poll_interval!r} "
                "(Sinch suggests about an hour for 10DLC)"
            )
        moment = parse_timestamp(since) if since is not None else None
        if since is not None and moment is None:
            raise ValueError(f"since must be an ISO 8601 date or a datetime, got {since!r}")
        self.since = moment.isoformat() if moment is not None else None
        self.hook_params = dict(hook_params or {})
        self.share_stream = bool(share_stream)
        self._resolved_project_id: str | None = None

    # --- What a subclass says -----------------------------------------------------------------
    @abstractmethod
    def feed(self) -> ChangeFeed:
        """The API layer's feed of the watched account (after :meth:`connect`)."""

    @abstractmethod
    def watched_id(self) -> str | None:
        """The one resource watched, or ``None`` for every resource of the account."""

    @abstractmethod
    def outcome(self, change: Change) -> str | None:
        """What ``change`` means to this watcher: an outcome to report, or ``None``."""

    @abstractmethod
    def ids(self, change: Change) -> dict[str, Any]:
        """The ids an event names."""

    def own_kwargs(self) -> dict[str, Any]:
        """The subclass's constructor arguments, for :meth:`serialize`."""
        return {}

    def project_scope(self) -> str | None:
        """The project given in the kwargs, if the API has projects."""
        return None

    # --- Serialization and sharing ------------------------------------------------------------
    def serialize(self) -> tuple[str, dict[str, Any]]:
        path = f"{type(self).__module__}.{type(self).__qualname__}"
        return path, {
            **self.own_kwargs(),
            "sinch_conn_id": self.sinch_conn_id,
            "poll_interval": self.poll_interval,
            "since": self.since,
            "hook_params": self.hook_params,
            **({} if self.share_stream else {"share_stream": False}),
        }

    def shared_stream_key(self) -> Hashable | None:
        """Watchers of one class, connection, project, transport options and interval share a poll."""
        if not self.share_stream:
            return None
        path = f"{type(self).__module__}.{type(self).__qualname__}"
        options = json.dumps(self.hook_params, sort_keys=True, default=str)
        return ("sinch", path, self.sinch_conn_id, self.project_scope() or "", options, self.poll_interval)

    def cursor_key(self) -> str:
        """The asset state store key of this watcher's cursor: its class and what it watches."""
        identity = {k: v for k, v in self.serialize()[1].items() if k not in ("poll_interval", "since")}
        identity.pop("share_stream", None)
        identity.pop("hook_params", None)
        text = json.dumps({"class": self.serialize()[0], **identity}, sort_keys=True, default=str)
        return CURSOR_KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:24]

    # --- Polling ---------------------------------------------------------------------------------
    async def connect(self) -> AsyncTransport:
        """A transport for the connection (shared client), and the project resolved from it."""
        conn = await get_connection(self.sinch_conn_id)
        extra_project = None
        if "project_id" in self.connection_kind.extra_keys:  # Short Code and 10DLC have projects
            extra_project = connection_extra(conn).get("project_id")
        self._resolved_project_id = self.project_scope() or (str(extra_project) if extra_project else None)
        return self.connection_kind.async_transport(conn, self.hook_params)

    @classmethod
    async def open_shared_stream(cls, kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        """The shared poll: one :class:`FeedRound` per interval, forever (failures included)."""
        async for feed_round in cls(**kwargs).rounds():
            yield feed_round

    async def rounds(self) -> AsyncIterator[FeedRound]:
        """Poll the feed every ``poll_interval`` seconds; a failure is a round with its error."""
        loop = asyncio.get_running_loop()
        memory: dict[str, Any] = {}
        transport: AsyncTransport | None = None
        try:
            while True:
                started = loop.time()
                try:
                    if transport is None:
                        transport = await self.connect()
                    now = datetime.fromtimestamp(_base._now(), timezone.utc)
                    changes = await transport.run(self.feed().poll(memory, now))
                except Exception as exc:
                    yield FeedRound(error=exc)
                else:
                    yield FeedRound(changes=list(changes))
                await asyncio.sleep(max(0.0, self.poll_interval - (loop.time() - started)))
        finally:
            if transport is not None:
                await transport.aclose()

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll alone (no shared stream): the same rounds, the same filter."""
        async for event in self.filter_shared_stream(self.rounds()):
            yield event

    # --- Transitions ---------------------------------------------------------------------------
    def _store(self) -> Any:
        return getattr(self, "asset_state_store", None)

    async def _open_cursor(self) -> tuple[Cursor, bool]:
        """The cursor, and whether it is durable (in the asset state store)."""
        # A first floor a little in the past: Sinch dates changes to the second (the Campaign API's
        # send_date to the minute), so a change just after the start may carry an earlier time.
        now = _base._now() - self.timestamp_resolution
        since = _epoch(parse_timestamp(self.since)) if self.since else None
        store = self._store()
        if store is not None:
            try:
                stored = await store.aget(self.cursor_key())
                cursor = Cursor.from_json(stored, floor=since if since is not None else float("-inf"))
                if cursor is None:
                    cursor = Cursor(since if since is not None else now)
                    await store.aset(self.cursor_key(), cursor.to_json())
                return cursor, True
            except Exception as exc:
                self.log.warning(
                    "No asset state store for the Sinch watcher's cursor (%s): kept in memory", exc
                )
        if since is not None:
            self.log.warning(
                "since=%s needs Airflow's asset state store (Airflow 3.3+, one watched asset); "
                "without it the watcher reports transitions from its start only, so that a "
                "restart never repeats one",
                self.since,
            )
        return Cursor(now), False

    async def _catch_up(self, cursor: Cursor) -> list[Change]:
        transport = await self.connect()
        try:
            since = datetime.fromtimestamp(cursor.floor, timezone.utc)
            return list(await transport.run(self.feed().catch_up(since, self.watched_id())))
        finally:
            await transport.aclose()

    def _event(self, change: Change, outcome: str) -> dict[str, Any]:
        return {
            "status": change.status,
            "outcome": outcome,
            "resource": f"{self.resource_label} {change.resource_id}",
            "changed_at": change.changed_at.isoformat() if change.changed_at else None,
            **self.ids(change),
            "summary": change.summary,
        }

    async def _transitions(
        self, changes: Iterable[Change], cursor: Cursor, durable: bool
    ) -> AsyncIterator[TriggerEvent]:
        watched = self.watched_id()
        ordered = sorted(
            (c for c in changes if watched is None or c.resource_id == watched),
            key=lambda c: (c.changed_at is None, c.changed_at or datetime.min.replace(tzinfo=timezone.utc)),
        )
        reportable = []
        for change in ordered:
            outcome = self.outcome(change)
            if cursor.see(change, outcome) and outcome is not None:
                reportable.append((change, outcome))
        # A burst's spacing takes at most one interval, so that the watcher keeps up with the rounds
        # (Airflow fails a shared-stream subscriber that falls 1,024 rounds behind).
        spacing = min(self.EVENT_SPACING, self.poll_interval / max(1, len(reportable)))
        for number, (change, outcome) in enumerate(reportable):
            if number:  # before the cursor is written: a restart meanwhile loses nothing
                await asyncio.sleep(spacing)
            cursor.reported_now(change, outcome)
            if durable:
                try:  # before the event: at most once, see the module's docstring
                    await self._store().aset(self.cursor_key(), cursor.to_json())
                except Exception as exc:
                    self.log.error("Could not store the cursor; a restart may repeat this event: %s", exc)
            event = self._event(change, outcome)
            self.log.info("%s is %s (%s)", event["resource"], change.status, outcome)
            yield TriggerEvent(event)

    def describe(self) -> str:
        """What this watcher watches, for its log lines (the triggerer names no DAG or asset)."""
        what = self.watched_id()
        scope = f" {what}" if what else "s"
        project = self._resolved_project_id or self.project_scope()
        where = f" of project {project}" if project else ""
        return f"{self.resource_label}{scope}{where} (connection {self.sinch_conn_id!r})"

    async def filter_shared_stream(self, shared_stream: AsyncIterator[Any]) -> AsyncIterator[TriggerEvent]:
        """This watcher's events from the (shared) rounds, after catching up from its cursor.

        A failed round logs one line naming what is watched and the connection: a warning for a
        transient error, an error otherwise (bad credentials, a wrong host); the next round is
        tried either way.
        """
        cursor, durable = await self._open_cursor()
        cursor.grace = self.first_seen_grace
        # A cursor made just now (its floor moved back by the resolution) has nothing to catch up.
        behind = cursor.floor < _base._now() - 1.0 - self.timestamp_resolution
        while True:
            catch_up_error: Exception | None = None
            if behind:
                try:
                    caught = await self._catch_up(cursor)
                except Exception as exc:
                    catch_up_error = exc
                else:
                    behind = False
                    async for event in self._transitions(caught, cursor, durable):
                        yield event
            try:
                feed_round = await anext(shared_stream)
            except StopAsyncIteration:
                return
            error = feed_round.error
            if error is None and catch_up_error is not None:
                self.log.warning(
                    "Catching up on %s failed, will try again next round: %s", self.describe(), catch_up_error
                )
            if error is not None:
                transient = isinstance(error, TRANSIENT_ERRORS) and not isinstance(error, SinchTLSError)
                level = self.log.warning if transient else self.log.error
                level("Watching %s failed, will try again next round: %s", self.describe(), error)
                continue
            async for event in self._transitions(feed_round.changes, cursor, durable):
                yield event
            cursor.baselined = True
