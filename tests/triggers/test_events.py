"""Event triggers (``AssetWatcher``): one event per transition, none repeated after a restart.

Run on a virtual clock (``virtual_time``) against fake Sinch APIs whose resources change status
at set times. A "restart" re-creates the trigger from its serialized kwargs, as the triggerer
does, with the same asset state store.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from airflow.sdk import Connection
from airflow.triggers.base import BaseEventTrigger

from airflow_provider_sinch import connections
from airflow_provider_sinch.apis._changes import Change
from airflow_provider_sinch.triggers import events as events_module
from airflow_provider_sinch.triggers.campaign import SinchCampaignSentEventTrigger
from airflow_provider_sinch.triggers.events import Cursor, SinchEventTrigger
from airflow_provider_sinch.triggers.short_code import SinchShortCodeCampaignEventTrigger
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCRegistrationEventTrigger
from tests.conftest import CAMPAIGN_HOST, KEY_ID, KEY_SECRET, SECRET_KEY, SHORT_CODE_HOST, TEN_DLC_HOST
from tests.triggers.virtual_time import EPOCH, run_virtual

PROJECT = "proj-1"
TOKEN_URL = "https://auth.example.test/oauth2/token"
INTERVAL = 60.0


def at(seconds: float) -> str:
    """ISO 8601 of virtual time ``seconds``."""
    return datetime.fromtimestamp(EPOCH + seconds, timezone.utc).isoformat().replace("+00:00", "Z")


def sc_at(seconds: float) -> str:
    return at(seconds)


def api_date(seconds: float) -> str:
    return datetime.fromtimestamp(EPOCH + seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


Timeline = list[tuple[float, str]]  # (virtual time, status from then on)


class FakeApi:
    """Resources whose status follows a timeline; answers Get and List as the API would."""

    def __init__(self, kind: str, timelines: dict[str, Timeline], now: Callable[[], float]) -> None:
        self.kind = kind
        self.timelines = timelines
        self.now = now
        self.requests: list[tuple[float, str]] = []
        self.down: list[tuple[float, float]] = []  # virtual time spans answering 503
        self.mock: httpx.MockTransport | None = None

    def state(self, rid: str) -> tuple[str, float] | None:
        past = [(t, s) for t, s in self.timelines[rid] if t <= self.now()]
        return (past[-1][1], past[-1][0]) if past else None

    def item(self, rid: str) -> dict[str, Any] | None:
        found = self.state(rid)
        if found is None:
            return None
        status, since = found
        if self.kind == "10dlc":
            return {
                "campaignRegistrationId": rid,
                "status": status,
                "modifiedDate": at(since),
                "brandId": "BX",
            }
        if self.kind == "short_code":
            return {"id": rid, "name": rid, "status": status, "updatedAt": sc_at(since)}
        return {"id": rid, "name": rid, "status": status, "send_date": api_date(since)}

    def items(self) -> list[dict[str, Any]]:
        return [i for i in (self.item(r) for r in self.timelines) if i is not None]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path, query = request.url.path, parse_qs(request.url.query.decode())
        self.requests.append((self.now(), f"{request.method} {path}"))
        if request.method == "POST":
            return httpx.Response(
                200, json={"access_token": "tok", "expires_in": 3600, "expires": "2099-01-01"}
            )
        if any(start <= self.now() < stop for start, stop in self.down):
            return httpx.Response(503, json={"message": "down", "success": False})
        if self.kind == "10dlc":
            if path.endswith("campaignRegistrations"):
                wanted = set(query.get("status", []))
                items = [i for i in self.items() if not wanted or i["status"] in wanted]
                return httpx.Response(200, json={"campaignRegistrations": items, "totalSize": len(items)})
            item = self.item(path.rsplit("/", 1)[1])
            return httpx.Response(200, json=item) if item else httpx.Response(404, json={"message": "no"})
        if self.kind == "short_code":
            if path.endswith("campaigns"):
                assert query["orderBy"] == ["updateDate,desc"]
                items = sorted(self.items(), key=lambda i: i["updatedAt"], reverse=True)
                return httpx.Response(
                    200, json={"campaigns": items, "totalSize": len(items), "nextPageToken": ""}
                )
            item = self.item(path.rsplit("/", 1)[1])
            return httpx.Response(200, json=item) if item else httpx.Response(404, json={"message": "no"})
        if path == "/v1/campaigns":
            start = query.get("start", [""])[0]
            items = [
                i
                for i in self.items()
                if i["status"] == query["status"][0] and (not start or i["send_date"] >= start)
            ]
            return httpx.Response(200, json={"success": True, "campaigns": items})
        item = self.item(path.rsplit("/", 1)[1])
        if item is None:
            return httpx.Response(404, json={"success": False, "errors": "not found"})
        return httpx.Response(200, json={"success": True, "campaign": item})

    def lists(self) -> list[tuple[float, str]]:
        return [(t, r) for t, r in self.requests if r.endswith(("campaignRegistrations", "campaigns"))]


class FakeStore:
    """The asset state store's async accessor, JSON values only."""

    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.writes = 0

    async def aget(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self.data.get(key, default))

    async def aset(self, key: str, value: Any) -> None:
        self.data[key] = json.loads(json.dumps(value))
        self.writes += 1


KINDS: dict[str, tuple[Any, Connection]] = {
    "10dlc": (
        connections.TEN_DLC,
        Connection(
            conn_id="sinch",
            conn_type="sinch_10dlc",
            host=TEN_DLC_HOST,
            login=KEY_ID,
            password=KEY_SECRET,
            extra=json.dumps({"project_id": PROJECT, "token_url": TOKEN_URL, "max_retries": 0}),
        ),
    ),
    "short_code": (
        connections.SHORT_CODE,
        Connection(
            conn_id="sinch",
            conn_type="sinch_us_short_code",
            host=SHORT_CODE_HOST,
            login=KEY_ID,
            password=KEY_SECRET,
            extra=json.dumps({"project_id": PROJECT, "token_url": TOKEN_URL, "max_retries": 0}),
        ),
    ),
    "campaign": (
        connections.CAMPAIGN,
        Connection(
            conn_id="sinch",
            conn_type="sinch_campaign",
            host=CAMPAIGN_HOST,
            password=SECRET_KEY,
            extra=json.dumps({"max_retries": 0}),
        ),
    ),
}


def wire(monkeypatch: pytest.MonkeyPatch, kind: str, timelines: dict[str, Timeline]) -> list[FakeApi]:
    """Point the watchers' connection at a FakeApi made in the running loop (returned in a list)."""
    connection_kind, conn = KINDS[kind]
    made: list[FakeApi] = []
    build = connection_kind.async_transport

    async def get_connection(conn_id: str) -> Connection:
        return conn

    def transport(conn: Any, hook_params: Any = None, **options: Any) -> Any:
        if not made:
            api = FakeApi(kind, timelines, asyncio.get_running_loop().time)
            api.mock = httpx.MockTransport(api)
            made.append(api)
        return build(conn, hook_params, mock_transport=made[0].mock, **options)

    monkeypatch.setattr(events_module, "get_connection", get_connection)
    monkeypatch.setattr(connection_kind, "async_transport", transport)
    return made


async def collect(trigger: BaseEventTrigger, until: float, out: list[dict[str, Any]]) -> None:
    """Run ``trigger`` until virtual time ``until``, appending its events' payloads to ``out``."""

    async def consume() -> None:
        async for event in trigger.run():
            out.append(event.payload)

    task = asyncio.ensure_future(consume())
    await asyncio.sleep(until - asyncio.get_running_loop().time())
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def restart(trigger: SinchEventTrigger, store: FakeStore | None) -> SinchEventTrigger:
    """The triggerer's restart: a new instance from the serialized kwargs, the same store."""
    path, kwargs = trigger.serialize()
    assert path == f"{type(trigger).__module__}.{type(trigger).__qualname__}"
    clone = type(trigger)(**json.loads(json.dumps(kwargs)))
    clone.asset_state_store = store
    return clone


REGISTRATIONS: dict[str, Timeline] = {
    # approved long ago: history, never reported without a since
    "old": [(-86400.0, "ACTIVE")],
    # approved, then active: one "approved" event
    "r1": [(0.0, "SUBMITTED"), (200.0, "APPROVED"), (500.0, "ACTIVE")],
    # rejected
    "r2": [(0.0, "SINCH_REVIEW"), (300.0, "SINCH_REJECTED")],
    # approved while the triggerer is down (t in [700, 1000))
    "r3": [(0.0, "SUBMITTED"), (800.0, "APPROVED")],
    # created and approved after the restart
    "r4": [(1100.0, "SINCH_REVIEW"), (1300.0, "APPROVED")],
}


def payload_ids(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["campaign_registration_id"], e["outcome"]) for e in events]


def test_10dlc_watcher_fires_once_per_transition_and_not_again_after_a_restart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = wire(monkeypatch, "10dlc", REGISTRATIONS)
    store = FakeStore()
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []

    async def scenario() -> None:
        watcher = Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", poll_interval=INTERVAL)
        watcher.asset_state_store = store
        await collect(watcher, 700.0, first)  # the triggerer stops at t=700 ...
        await asyncio.sleep(300.0)
        await collect(restart(watcher, store), 1600.0, second)  # ... and is back at t=1000

    run_virtual(scenario(), monkeypatch)

    assert payload_ids(first) == [("r1", "approved"), ("r2", "rejected")]
    assert payload_ids(second) == [("r3", "approved"), ("r4", "approved")]
    assert first[0] == {
        "status": "APPROVED",
        "outcome": "approved",
        "resource": "10DLC campaign registration r1",
        "changed_at": datetime.fromtimestamp(EPOCH + 200, timezone.utc).isoformat(),
        "campaign_registration_id": "r1",
        "project_id": PROJECT,
        "summary": {
            "campaignRegistrationId": "r1",
            "brandId": "BX",
            "status": "APPROVED",
            "modifiedDate": at(200),
        },
    }
    stored = store.data[watcher_key()]
    assert set(stored["reported"]) == {"r1", "r2", "r3", "r4"}
    assert made[0].lists()  # it listed, it did not read each registration


def timed_events(
    monkeypatch: pytest.MonkeyPatch, timelines: dict[str, Timeline], interval: float, *, until: float
) -> list[tuple[float, dict[str, Any]]]:
    """Run a durable 10DLC watcher over ``timelines`` until ``until``: (virtual time, payload) per event."""
    wire(monkeypatch, "10dlc", timelines)
    timed: list[tuple[float, dict[str, Any]]] = []

    async def scenario() -> None:
        watcher = Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", poll_interval=interval)
        watcher.asset_state_store = FakeStore()

        async def consume() -> None:
            async for event in watcher.run():
                timed.append((asyncio.get_running_loop().time(), event.payload))

        task = asyncio.ensure_future(consume())
        await asyncio.sleep(until)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    run_virtual(scenario(), monkeypatch)
    return timed


def test_a_registration_submitted_and_settled_between_two_rounds_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Never in flight when a round looks (found by a new user): reported the round after it settled."""
    timelines: dict[str, Timeline] = {
        "old": [(-86400.0, "ACTIVE")],
        "g": [(130.0, "SINCH_REVIEW"), (140.0, "SINCH_APPROVED"), (150.0, "ACTIVE")],
        "h": [(250.0, "SINCH_REVIEW"), (260.0, "SINCH_REJECTED")],
    }
    timed = timed_events(monkeypatch, timelines, INTERVAL, until=600.0)
    events = [payload for _, payload in timed]
    seen_at = [at for at, _ in timed]

    assert payload_ids(events) == [("g", "approved"), ("h", "rejected")]
    assert seen_at[0] - 150.0 <= INTERVAL  # within one interval of settling
    assert seen_at[1] - 260.0 <= INTERVAL


@pytest.mark.parametrize(("interval", "spacing"), [(INTERVAL, 5.0), (6.0, 2.0)])
def test_events_of_one_round_are_spaced_so_that_each_starts_a_run(
    monkeypatch: pytest.MonkeyPatch, interval: float, spacing: float
) -> None:
    """Three approvals at once fire EVENT_SPACING apart (Airflow <= 3.3 merges a burst, see the class),
    a burst taking at most one interval."""
    timelines: dict[str, Timeline] = {rid: [(-10.0, "SUBMITTED"), (100.0, "APPROVED")] for rid in "abc"}
    seen_at = [at for at, _ in timed_events(monkeypatch, timelines, interval, until=300.0)]

    assert Sinch10DLCRegistrationEventTrigger.EVENT_SPACING == 5.0
    assert [round(t - seen_at[0], 3) for t in seen_at] == [0.0, spacing, 2 * spacing]


@pytest.mark.parametrize(
    ("trigger", "reported"),
    [(SinchCampaignSentEventTrigger, ["C"]), (Sinch10DLCRegistrationEventTrigger, [])],
)
def test_a_campaign_still_sending_when_the_watcher_started_is_reported_once_sent(
    trigger: type[SinchEventTrigger], reported: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """send_date is when sending starts (found by a new user): C, sending at the start, is sent later
    with a send date before the floor. A, sent before the start, stays history. Feeds dated by the
    change itself (10DLC) keep the floor strict."""
    start = 1_800_000_000.0
    monkeypatch.setattr(events_module._base, "_now", lambda: start)

    def sent(rid: str, seconds_before: float) -> Change:
        return Change(rid, "sent", datetime.fromtimestamp(start - seconds_before, timezone.utc))

    async def scenario() -> list[str]:
        watcher = trigger(sinch_conn_id="sinch")
        monkeypatch.setattr(watcher, "outcome", lambda change: change.status)
        watcher.asset_state_store = FakeStore()
        cursor, durable = await watcher._open_cursor()
        cursor.grace = watcher.first_seen_grace
        rounds = [[sent("A", 3600)], [sent("A", 3600), sent("C", 120)], [sent("C", 120)]]
        fired = []
        for changes in rounds:
            fired += [e.payload["resource"] async for e in watcher._transitions(changes, cursor, durable)]
            cursor.baselined = True  # as filter_shared_stream does after each round
        return [resource.rsplit(" ", 1)[1] for resource in fired]

    assert asyncio.run(scenario()) == reported


def watcher_key() -> str:
    return Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", poll_interval=INTERVAL).cursor_key()


def test_the_cursor_key_ignores_the_interval_but_not_what_is_watched() -> None:
    base = Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch")
    assert (
        base.cursor_key()
        == Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", poll_interval=5).cursor_key()
    )
    assert (
        base.cursor_key()
        != Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", outcomes=["approved"]).cursor_key()
    )
    assert base.cursor_key() != Sinch10DLCRegistrationEventTrigger(sinch_conn_id="other").cursor_key()


def test_restarted_many_times_in_a_row_it_still_reports_each_transition_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wire(monkeypatch, "10dlc", REGISTRATIONS)
    store = FakeStore()
    seen: list[dict[str, Any]] = []

    async def scenario() -> None:
        watcher: SinchEventTrigger = Sinch10DLCRegistrationEventTrigger(
            sinch_conn_id="sinch", poll_interval=INTERVAL
        )
        watcher.asset_state_store = store
        for stop in range(130, 1700, 130):  # a restart every 130 s, some mid-interval
            await collect(watcher, float(stop), seen)
            watcher = restart(watcher, store)

    run_virtual(scenario(), monkeypatch)

    assert sorted(payload_ids(seen)) == [
        ("r1", "approved"),
        ("r2", "rejected"),
        ("r3", "approved"),
        ("r4", "approved"),
    ]


def test_since_reports_what_changed_before_the_watcher_started(monkeypatch: pytest.MonkeyPatch) -> None:
    wire(monkeypatch, "10dlc", REGISTRATIONS)
    store = FakeStore()
    seen: list[dict[str, Any]] = []

    async def scenario() -> None:
        await asyncio.sleep(600.0)  # the DAG is deployed at t=600 with since=t-100
        watcher = Sinch10DLCRegistrationEventTrigger(
            sinch_conn_id="sinch", poll_interval=INTERVAL, since=at(100)
        )
        watcher.asset_state_store = store
        await collect(watcher, 900.0, seen)
        await collect(restart(watcher, store), 1000.0, seen)

    run_virtual(scenario(), monkeypatch)

    # At the start's catch-up, in Sinch's order: r2 (rejected at t=300), r1 (approved, and ACTIVE
    # since t=500: one event); then r3 (t=800) live. "old" is before since.
    assert payload_ids(seen) == [("r2", "rejected"), ("r1", "approved"), ("r3", "approved")]
    assert seen[1]["status"] == "ACTIVE"


def test_without_a_store_a_restart_repeats_nothing_and_since_is_not_honoured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wire(monkeypatch, "10dlc", REGISTRATIONS)
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []

    async def scenario() -> None:
        watcher = Sinch10DLCRegistrationEventTrigger(
            sinch_conn_id="sinch", poll_interval=INTERVAL, since=at(-1e6)
        )
        await collect(watcher, 700.0, first)
        await asyncio.sleep(300.0)
        await collect(restart(watcher, None), 1600.0, second)

    run_virtual(scenario(), monkeypatch)

    assert payload_ids(first) == [("r1", "approved"), ("r2", "rejected")]
    # r3 changed while down: missed (no durable cursor); nothing repeated.
    assert payload_ids(second) == [("r4", "approved")]
    assert "needs Airflow's asset state store" in capsys.readouterr().out


def test_a_watcher_of_one_registration_and_one_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    wire(monkeypatch, "10dlc", REGISTRATIONS)
    seen: list[dict[str, Any]] = []

    async def scenario() -> None:
        watcher = Sinch10DLCRegistrationEventTrigger(
            sinch_conn_id="sinch",
            poll_interval=INTERVAL,
            campaign_registration_id="r2",
            outcomes=["approved"],
        )
        await collect(watcher, 1600.0, seen)
        rejected = Sinch10DLCRegistrationEventTrigger(
            sinch_conn_id="sinch",
            poll_interval=INTERVAL,
            campaign_registration_id="r2",
            outcomes="rejected",
            since=at(0),
        )
        rejected.asset_state_store = FakeStore()
        await collect(rejected, 1700.0, seen)

    run_virtual(scenario(), monkeypatch)

    assert payload_ids(seen) == [("r2", "rejected")]  # only the second watcher's catch-up


def test_failed_rounds_are_waited_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made = wire(monkeypatch, "10dlc", REGISTRATIONS)
    seen: list[dict[str, Any]] = []

    async def scenario() -> None:
        watcher = Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", poll_interval=INTERVAL)
        task = asyncio.ensure_future(collect(watcher, 700.0, seen))
        await asyncio.sleep(1)
        made[0].down = [(150.0, 400.0)]  # r1 and r2 change while Sinch answers 503
        await task

    run_virtual(scenario(), monkeypatch)

    assert payload_ids(seen) == [("r1", "approved"), ("r2", "rejected")]
    out = capsys.readouterr().out
    failures = [line for line in out.splitlines() if "will try again next round" in line]
    # One line per failed round (rounds at 180, 240, 300, 360), naming what and which connection.
    assert len(failures) == 4
    assert "Watching 10DLC campaign registrations of project proj-1 (connection 'sinch')" in failures[0]


def test_short_code_watcher_reports_each_status_change_once(monkeypatch: pytest.MonkeyPatch) -> None:
    timelines: dict[str, Timeline] = {
        "c-old": [(-5000.0, "COMPLETED")],
        # in these statuses since before the watcher started: history
        "c1": [(-10.0, "PENDING_REVIEW"), (100.0, "REVIEWING"), (250.0, "COMPLETED")],
        "c2": [(-10.0, "REVIEWING"), (200.0, "AWAITING_CLIENT_UPDATE")],
    }
    wire(monkeypatch, "short_code", timelines)
    store = FakeStore()
    everything: list[dict[str, Any]] = []
    completed: list[dict[str, Any]] = []

    async def scenario() -> None:
        watcher = SinchShortCodeCampaignEventTrigger(sinch_conn_id="sinch", poll_interval=INTERVAL)
        watcher.asset_state_store = store
        only_completed = SinchShortCodeCampaignEventTrigger(
            sinch_conn_id="sinch", poll_interval=INTERVAL, statuses=["COMPLETED"]
        )
        await asyncio.gather(collect(watcher, 230.0, everything), collect(only_completed, 600.0, completed))
        await collect(restart(watcher, store), 900.0, everything)  # back at t=600

    run_virtual(scenario(), monkeypatch)

    assert [(e["campaign_id"], e["status"]) for e in everything] == [
        ("c1", "REVIEWING"),
        ("c2", "AWAITING_CLIENT_UPDATE"),
        ("c1", "COMPLETED"),
    ]
    assert [(e["campaign_id"], e["status"]) for e in completed] == [("c1", "COMPLETED")]
    assert everything[0]["project_id"] == PROJECT


def test_campaign_watcher_reports_each_sent_campaign_once(monkeypatch: pytest.MonkeyPatch) -> None:
    timelines: dict[str, Timeline] = {
        "old": [(-90000.0, "sent")],
        "k1": [(0.0, "scheduled"), (100.0, "sending"), (160.0, "sent")],
        "k2": [(0.0, "draft")],
        "k3": [(300.0, "sending"), (330.0, "sent")],
    }
    wire(monkeypatch, "campaign", timelines)
    store = FakeStore()
    seen: list[dict[str, Any]] = []

    async def scenario() -> None:
        watcher = SinchCampaignSentEventTrigger(sinch_conn_id="sinch", poll_interval=INTERVAL)
        watcher.asset_state_store = store
        await collect(watcher, 200.0, seen)
        await collect(restart(watcher, store), 500.0, seen)

    run_virtual(scenario(), monkeypatch)

    assert [(e["campaign_id"], e["status"]) for e in seen] == [("k1", "sent"), ("k3", "sent")]
    assert seen[0]["summary"]["send_date"] == api_date(160)


def test_watchers_of_one_account_share_one_poll_through_airflows_shared_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Airflow 3.3's SharedStreamManager runs one poll for watchers with equal keys."""
    shared_stream = pytest.importorskip(
        "airflow.triggers.shared_stream", reason="shared streams arrived in Airflow 3.3"
    )
    SharedStreamManager = shared_stream.SharedStreamManager

    made = wire(monkeypatch, "10dlc", REGISTRATIONS)
    results: dict[int, list[dict[str, Any]]] = {}

    async def scenario() -> None:
        manager = SharedStreamManager()
        watchers = [
            Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", poll_interval=INTERVAL),
            Sinch10DLCRegistrationEventTrigger(
                sinch_conn_id="sinch", poll_interval=INTERVAL, outcomes=["rejected"]
            ),
            Sinch10DLCRegistrationEventTrigger(
                sinch_conn_id="sinch", poll_interval=INTERVAL, campaign_registration_id="r1"
            ),
        ]
        keys = {w.shared_stream_key() for w in watchers}
        assert len(keys) == 1

        async def consume(number: int, watcher: SinchEventTrigger) -> None:
            key = watcher.shared_stream_key()
            stream = manager.subscribe(trigger_id=number, trigger=watcher, key=key)
            try:
                async for event in watcher.filter_shared_stream(stream):
                    results.setdefault(number, []).append(event.payload)
            finally:
                await manager.unsubscribe(number, key)

        tasks = [asyncio.ensure_future(consume(n, w)) for n, w in enumerate(watchers)]
        await asyncio.sleep(700.0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await manager.stop_all()

    run_virtual(scenario(), monkeypatch)

    assert payload_ids(results[0]) == [("r1", "approved"), ("r2", "rejected")]
    assert payload_ids(results[1]) == [("r2", "rejected")]
    assert payload_ids(results[2]) == [("r1", "approved")]
    # One poll for the three, whatever the number of watchers: per round one list of the
    # registrations in flight and one read of the project's size (plus, in the first round and
    # after a submission, one list of those with an outcome).
    per_round = Counter(t for t, r in made[0].lists())
    assert len(per_round) == 12  # t = 0, 60, ..., 660
    assert set(per_round.values()) <= {2, 3}
    assert sum(n == 3 for n in per_round.values()) <= 1 + 2  # the first round, one per submission


def test_watchers_of_other_accounts_or_intervals_do_not_share() -> None:
    one = Sinch10DLCRegistrationEventTrigger(sinch_conn_id="a", project_id="p1")
    assert (
        one.shared_stream_key()
        != Sinch10DLCRegistrationEventTrigger(sinch_conn_id="b", project_id="p1").shared_stream_key()
    )
    assert (
        one.shared_stream_key()
        != Sinch10DLCRegistrationEventTrigger(sinch_conn_id="a", project_id="p2").shared_stream_key()
    )
    assert (
        one.shared_stream_key()
        != Sinch10DLCRegistrationEventTrigger(
            sinch_conn_id="a", project_id="p1", poll_interval=5
        ).shared_stream_key()
    )
    assert (
        one.shared_stream_key()
        != SinchShortCodeCampaignEventTrigger(sinch_conn_id="a", project_id="p1").shared_stream_key()
    )
    assert (
        Sinch10DLCRegistrationEventTrigger(sinch_conn_id="a", share_stream=False).shared_stream_key() is None
    )


def test_watchers_serialize_to_json_and_refuse_bad_arguments() -> None:
    watcher = Sinch10DLCRegistrationEventTrigger(
        sinch_conn_id="sinch", project_id=PROJECT, since=datetime(2026, 1, 1, tzinfo=timezone.utc)
    )
    path, kwargs = watcher.serialize()
    assert path == "airflow_provider_sinch.triggers.ten_dlc.Sinch10DLCRegistrationEventTrigger"
    assert kwargs == {
        "project_id": PROJECT,
        "campaign_registration_id": None,
        "outcomes": ["approved", "rejected"],
        "sinch_conn_id": "sinch",
        "poll_interval": 60.0,
        "since": "2026-01-01T00:00:00+00:00",
        "hook_params": {},
    }
    json.dumps(kwargs)
    assert isinstance(watcher, BaseEventTrigger)
    with pytest.raises(ValueError, match="outcomes must name some of"):
        Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", outcomes=["approved", "paid"])
    # Read as every other list argument: one string, a comma-separated or a JSON list.
    for text in ("approved,rejected", '["approved", "rejected"]'):
        assert Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", outcomes=text).outcomes == [
            "approved",
            "rejected",
        ]
    with pytest.raises(ValueError, match="since must be an ISO 8601 date"):
        SinchCampaignSentEventTrigger(sinch_conn_id="sinch", since="last tuesday")


@pytest.mark.parametrize("interval", [0, -5, 0.5, math.nan, "often"])
def test_a_poll_interval_under_a_second_is_refused(interval: Any) -> None:
    """``poll_interval=0`` made 1,452 list requests in 3 s (found by a new user)."""
    with pytest.raises(ValueError, match="poll_interval must be"):
        Sinch10DLCRegistrationEventTrigger(sinch_conn_id="sinch", poll_interval=interval)


def test_short_code_statuses_are_read_as_a_list_and_checked() -> None:
    def statuses(value: Any) -> Any:
        return SinchShortCodeCampaignEventTrigger(sinch_conn_id="sinch", statuses=value).statuses

    assert statuses("COMPLETED,CANCELLED") == [
        "COMPLETED",
        "CANCELLED",
    ]  # not one status "COMPLETED,CANCELLED"
    assert statuses('["COMPLETED", "CANCELLED"]') == ["COMPLETED", "CANCELLED"]
    assert statuses("COMPLETED") == ["COMPLETED"]
    assert statuses(None) is None
    with pytest.raises(ValueError, match="case-sensitive; did you mean 'completed' -> 'COMPLETED'"):
        statuses(["completed"])
    # A status the document does not list would never fire: refused at parse, naming the known ones.
    with pytest.raises(ValueError, match=r"statuses has statuses the API does not document: \['complete'\]"):
        statuses(["complete"])
    for empty in ([], ""):
        with pytest.raises(ValueError, match="statuses must name at least one status, or be None"):
            statuses(empty)


@pytest.mark.parametrize(
    ("trigger", "back"), [(SinchCampaignSentEventTrigger, 60.0), (Sinch10DLCRegistrationEventTrigger, 1.0)]
)
def test_a_first_floor_allows_for_the_precision_of_sinch_dates(
    trigger: type[SinchEventTrigger], back: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A campaign sent just after the watcher started has a send_date to the minute, maybe earlier."""
    monkeypatch.setattr(events_module._base, "_now", lambda: 1_800_000_010.0)
    watcher = trigger(sinch_conn_id="sinch")
    watcher.asset_state_store = FakeStore()
    cursor, durable = asyncio.run(watcher._open_cursor())
    assert durable
    assert cursor.floor == 1_800_000_010.0 - back
    sent = Change("k", "sent", datetime.fromtimestamp(1_800_000_000.0, timezone.utc))  # same minute
    if trigger is SinchCampaignSentEventTrigger:
        assert cursor.see(sent, "sent")


def change(rid: str, status: str, seconds: float | None) -> Change:
    return Change(rid, status, None if seconds is None else datetime.fromtimestamp(seconds, timezone.utc))


@pytest.mark.parametrize(
    ("views", "reported"),
    [
        (
            [("SUBMITTED", 10), ("APPROVED", 20), ("APPROVED", 20), ("ACTIVE", 30)],
            [False, True, False, False],
        ),
        ([("APPROVED", 5)], [False]),  # at or before the floor: history
        ([("APPROVED", 20), ("SUBMITTED", 15)], [True, False]),  # an older view is ignored
        ([("REJECTED", 20), ("SUBMITTED", 25), ("REJECTED", 30)], [True, False, True]),  # rejected again
        ([("APPROVED", None)], [False]),  # undated, never seen before: not known to be new
        ([("SUBMITTED", None), ("APPROVED", None)], [False, True]),  # undated, seen changing
    ],
    ids=[
        "approved-then-active",
        "history",
        "stale-view",
        "rejected-twice",
        "undated-first",
        "undated-change",
    ],
)
def test_the_cursor_reports_transitions_only(
    views: list[tuple[str, float | None]], reported: list[bool]
) -> None:
    from airflow_provider_sinch.apis.ten_dlc import registration_outcome

    cursor = Cursor(floor=10.0)
    assert [cursor.see(change("r", s, t), registration_outcome(s)) for s, t in views] == reported


def test_the_stored_cursor_round_trips_and_forgets_old_outcomes() -> None:
    cursor = Cursor(floor=0.0)
    for rid, seconds in (("a", 1.0), ("b", 40 * 86400.0)):
        cursor.see(change(rid, "APPROVED", seconds), "approved")
        cursor.reported_now(change(rid, "APPROVED", seconds), "approved")
    assert set(cursor.reported) == {"b"}  # "a" is 40 days older than the newest: below the new floor
    assert cursor.floor == 10 * 86400.0
    again = Cursor.from_json(json.loads(json.dumps(cursor.to_json())), floor=float("-inf"))
    assert again is not None
    assert again.floor == cursor.floor
    assert again.reported == cursor.reported
    assert not again.see(change("b", "ACTIVE", 41 * 86400.0), "approved")  # already reported
    assert Cursor.from_json("garbage", floor=0.0) is None
