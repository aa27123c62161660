"""Many waits at once in one triggerer: one HTTP client, one list poll per account and interval.

On a virtual clock (no real waiting), against a fake 10DLC API holding many registrations.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from airflow.sdk import Connection

from airflow_provider_sinch import connections
from airflow_provider_sinch._ahttp import shared_clients
from airflow_provider_sinch.triggers import _shared_poll
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger
from tests.conftest import KEY_ID, KEY_SECRET, TEN_DLC_HOST
from tests.triggers.virtual_time import run_virtual

INTERVAL = 30.0
PROJECT = "proj-1"
TOKEN_URL = "https://auth.example.test/oauth2/token"
REGISTRATIONS = "/v1/projects/proj-1/campaignRegistrations"


def conn(login: str = KEY_ID) -> Connection:
    return Connection(
        conn_id=f"sinch_{login}",
        conn_type="sinch_10dlc",
        host=TEN_DLC_HOST,
        login=login,
        password=KEY_SECRET,
        extra=json.dumps({"project_id": PROJECT, "token_url": TOKEN_URL, "max_retries": 0}),
    )


class Project:
    """A fake 10DLC project: registration ``r<i>`` has ``status(i, now)``; lists page by 100."""

    def __init__(self, count: int, status: Callable[[int, float], str], now: Callable[[], float]) -> None:
        self.count = count
        self.status = status
        self.now = now
        self.log: list[tuple[float, str]] = []
        self.list_faults: list[float] = []  # virtual times at which lists answer 503

    def item(self, index: int) -> dict[str, Any]:
        return {
            "campaignRegistrationId": f"r{index}",
            "status": self.status(index, self.now()),
            "campaignId": "CX",
        }

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.log.append((self.now(), f"{request.method} {path}"))
        if request.method == "POST":
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
        if path == REGISTRATIONS:
            if any(abs(self.now() - at) < 1 for at in self.list_faults):
                return httpx.Response(503, json={"message": "unavailable"})
            query = parse_qs(request.url.query.decode())
            wanted = set(query.get("status", []))
            items = [self.item(i) for i in range(self.count)]
            items = [i for i in items if not wanted or i["status"] in wanted]
            offset = int(query.get("pageToken", ["0"])[0])
            size = int(query["pageSize"][0])
            page: dict[str, Any] = {
                "campaignRegistrations": items[offset : offset + size],
                "totalSize": len(items),
            }
            if offset + size < len(items):
                page["nextPageToken"] = str(offset + size)
            return httpx.Response(200, json=page)
        index = int(path.rsplit("/r", 1)[1])
        return httpx.Response(200, json=self.item(index))

    def requests_between(self, start: float, stop: float, kind: str = "") -> list[str]:
        return [r for at, r in self.log if start <= at < stop and kind in r]


def make(index: int, connection: Connection, transport: httpx.MockTransport, **kwargs: Any) -> Any:
    trigger = Sinch10DLCCampaignStatusTrigger(
        campaign_registration_id=f"r{index}",
        project_id=PROJECT,
        sinch_conn_id=connection.conn_id,
        poll_interval=INTERVAL,
        **kwargs,
    )

    async def build() -> Any:
        return connections.TEN_DLC.async_transport(
            connection, trigger.hook_params, mock_transport=transport, share_client=trigger.share_polls
        )

    trigger._transport = build
    return trigger


async def run_all(triggers: list[Any], during: Callable[[], Any] | None = None) -> list[dict[str, Any]]:
    async def first_event(trigger: Any) -> dict[str, Any]:
        (event,) = [event.payload async for event in trigger.run()]  # one event, then the end
        return event

    tasks = [asyncio.ensure_future(first_event(t)) for t in triggers]
    if during is not None:
        await asyncio.sleep(1)
        during()
    return list(await asyncio.gather(*tasks))


def approved_after(change_at: float) -> Callable[[int, float], str]:
    return lambda index, now: "APPROVED" if now >= change_at else "SUBMITTED"


def test_250_waits_share_one_client_and_one_paged_list_per_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    count = 250
    seen: dict[str, Any] = {}

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        project = seen["project"] = Project(count, approved_after(100.0), loop.time)
        transport = httpx.MockTransport(project)
        triggers = [make(i, conn(), transport) for i in range(count)]

        def observe() -> None:
            seen["clients"] = shared_clients()
            seen["groups"] = len(_shared_poll.groups())

        events = await run_all(triggers, observe)
        seen["clients_after"] = shared_clients()
        seen["groups_after"] = _shared_poll.groups()
        return events

    events = run_virtual(scenario(), monkeypatch)
    project: Project = seen["project"]

    assert [e["status"] for e in events] == ["success"] * count
    assert {e["campaign_registration_id"] for e in events} == {f"r{i}" for i in range(count)}
    # One client (plus the group's share of it) and one group for all of them; both gone after.
    assert list(seen["clients"].values()) == [count + 1]
    assert seen["groups"] == 1
    assert seen["clients_after"] == {}
    assert seen["groups_after"] == {}
    # One token; the first round lists three pages of 100; no registration is read alone.
    assert len(project.requests_between(0, 1e9, "POST")) == 1
    pages = math.ceil(count / 100)
    assert len(project.requests_between(0, 1, "GET")) == pages
    assert project.requests_between(0, 1e9, f"GET {REGISTRATIONS}/") == []
    # Each later interval until the change: the same pages, nothing else.
    for start in (30, 60):
        assert len(project.requests_between(start, start + INTERVAL)) == pages
    # At the change (round at t=120) all left the pending list at once: one empty pending page,
    # then the list of the other statuses (3 pages) instead of 250 reads.
    assert len(project.requests_between(90, 1e9)) == pages + 1 + pages


def test_every_wait_ends_in_the_round_after_its_change(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes spread over time: each wait ends at the first round after its own change."""
    count = 40
    change = {i: 10.0 + 7.0 * i for i in range(count)}  # one change every 7 s, from t=10
    ended: dict[str, float] = {}

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        project = Project(count, lambda i, now: "APPROVED" if now >= change[i] else "SUBMITTED", loop.time)
        transport = httpx.MockTransport(project)

        async def one(index: int) -> None:
            async for event in make(index, conn(), transport).run():
                ended[event.payload["campaign_registration_id"]] = loop.time()

        await asyncio.gather(*(one(i) for i in range(count)))

    run_virtual(scenario(), monkeypatch)

    lags = [ended[f"r{i}"] - change[i] for i in range(count)]
    assert max(lags) <= INTERVAL
    assert min(lags) >= 0


def test_a_failed_list_is_a_transient_error_for_every_wait(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    count = 5
    seen: dict[str, Any] = {}

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        project = seen["project"] = Project(count, approved_after(50.0), loop.time)
        project.list_faults = [30.0]
        transport = httpx.MockTransport(project)
        return await run_all([make(i, conn(), transport) for i in range(count)])

    events = run_virtual(scenario(), monkeypatch)

    assert [e["status"] for e in events] == ["success"] * count
    out = capsys.readouterr().out
    warning = (
        "Status check failed, will try again at the next poll: GET /v1/projects/proj-1/campaignRegistrations"
    )
    assert out.count(f"{warning} failed with HTTP 503") == count
    assert "Shared Sinch list failed for 5 waits; each handles it as its own check's" in caplog.text


def test_waits_on_several_accounts_never_share_a_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        project = seen["project"] = Project(4, approved_after(40.0), loop.time)
        transport = httpx.MockTransport(project)
        # Two waits per account: each account's pair shares a list, the accounts do not.
        triggers = [
            make(i, conn(login), transport) for i, login in enumerate(["key-a", "key-a", "key-b", "key-b"])
        ]

        def observe() -> None:
            seen["groups"] = _shared_poll.groups()
            seen["clients"] = shared_clients()

        return await run_all(triggers, observe)

    events = run_virtual(scenario(), monkeypatch)

    assert [e["status"] for e in events] == ["success"] * 4
    groups = list(seen["groups"])
    assert len(groups) == 2
    assert {key[1].split("|")[-1] for key in groups} == {k[0].split("|")[-1] for k in seen["clients"]}
    assert len({key[1] for key in groups}) == 2  # two account keys
    assert sorted(seen["clients"].values()) == [3, 3]  # per account: two triggers and the group
    # Per round, one list per account: two lists at t=0.
    assert len(seen["project"].requests_between(0, 1, f"GET {REGISTRATIONS}")) == 2


def test_a_list_longer_than_the_waits_gives_way_to_their_own_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two waits in a project with 450 pending registrations: 5 pages would cost more than 2 reads."""
    seen: dict[str, Any] = {}

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        project = seen["project"] = Project(450, approved_after(70.0), loop.time)
        transport = httpx.MockTransport(project)
        return await run_all([make(0, conn(), transport), make(1, conn(), transport)])

    events = run_virtual(scenario(), monkeypatch)
    project: Project = seen["project"]

    assert [e["status"] for e in events] == ["success", "success"]
    assert len(project.requests_between(0, 1, "GET")) == 5  # the first round tried the list
    later = project.requests_between(20, 1e9, "GET")
    assert later
    assert all(r.startswith(f"GET {REGISTRATIONS}/r") for r in later)
    assert len(project.requests_between(20, 50, "GET")) == 2


def test_share_polls_off_is_todays_behaviour(monkeypatch: pytest.MonkeyPatch) -> None:
    """One client and one GET per wait and poll, and ``share_polls`` in the serialized kwargs."""
    count = 3
    seen: dict[str, Any] = {}

    async def scenario() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        project = seen["project"] = Project(count, approved_after(40.0), loop.time)
        transport = httpx.MockTransport(project)
        triggers = [make(i, conn(), transport, share_polls=False) for i in range(count)]
        seen["kwargs"] = triggers[0].serialize()[1]

        def observe() -> None:
            seen["clients"] = shared_clients()
            seen["groups"] = _shared_poll.groups()

        return await run_all(triggers, observe)

    events = run_virtual(scenario(), monkeypatch)

    assert [e["status"] for e in events] == ["success"] * count
    assert seen["clients"] == {}
    assert seen["groups"] == {}
    assert seen["kwargs"]["share_polls"] is False
    requests = seen["project"].requests_between(0, 1e9, "GET")
    assert requests
    assert all(r.startswith(f"GET {REGISTRATIONS}/r") for r in requests)
    assert len(requests) == count * 3  # t=0, 30, 60
    assert len(seen["project"].requests_between(0, 1e9, "POST")) == 1  # the token cache stays shared


def test_a_default_trigger_serializes_as_before() -> None:
    trigger = Sinch10DLCCampaignStatusTrigger(
        campaign_registration_id="r1", project_id=PROJECT, sinch_conn_id="c"
    )
    _path, kwargs = trigger.serialize()
    assert "share_polls" not in kwargs
    assert type(trigger)(**kwargs).share_polls is True
    assert (
        Sinch10DLCCampaignStatusTrigger(**{**kwargs, "share_polls": False}).serialize()[1]["share_polls"]
        is False
    )
