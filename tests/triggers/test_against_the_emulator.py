"""Coalesced waits and an event watcher against the running emulator (real HTTP on loopback)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from airflow_provider_sinch.emulator.core import DEFAULT_KEY_ID, DEFAULT_KEY_SECRET, DEFAULT_PROJECT_ID
from airflow_provider_sinch.emulator.ten_dlc import REJECT_BRAND_ID
from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook
from airflow_provider_sinch.triggers.ten_dlc import (
    Sinch10DLCCampaignStatusTrigger,
    Sinch10DLCRegistrationEventTrigger,
)
from tests.conftest import set_connection
from tests.emulator.test_ten_dlc import valid_campaign


def test_waits_and_a_watcher_share_their_polls_against_the_emulator(
    emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(
        monkeypatch,
        "emulated",
        conn_type="sinch_10dlc",
        host=emulator.url,
        login=DEFAULT_KEY_ID,
        password=DEFAULT_KEY_SECRET,
        extra={"project_id": DEFAULT_PROJECT_ID, "token_url": f"{emulator.url}/oauth2/token"},
    )
    hook = Sinch10DLCHook("emulated")
    approved = [hook.submit_campaign(valid_campaign())["campaignRegistrationId"] for _ in range(4)]
    rejected = hook.submit_campaign({**valid_campaign(), "brandId": REJECT_BRAND_ID})[
        "campaignRegistrationId"
    ]
    emulator.state.request_log.clear()
    watched: list[dict[str, Any]] = []

    # The emulator reviews in fractions of a second: so may this test's watcher poll.
    monkeypatch.setattr(Sinch10DLCRegistrationEventTrigger, "MIN_POLL_INTERVAL", 0.1)
    monkeypatch.setattr(Sinch10DLCRegistrationEventTrigger, "EVENT_SPACING", 0.0)  # no scheduler here

    async def scenario() -> list[dict[str, Any]]:
        watcher = Sinch10DLCRegistrationEventTrigger(sinch_conn_id="emulated", poll_interval=0.2)

        async def watch() -> None:
            async for event in watcher.run():
                watched.append(event.payload)

        async def wait(rid: str) -> dict[str, Any]:
            trigger = Sinch10DLCCampaignStatusTrigger(
                campaign_registration_id=rid,
                project_id=DEFAULT_PROJECT_ID,
                sinch_conn_id="emulated",
                poll_interval=0.2,
            )
            (event,) = [e.payload async for e in trigger.run()]
            return event

        watching = asyncio.ensure_future(watch())
        waits = asyncio.ensure_future(asyncio.gather(*(wait(r) for r in [*approved, rejected])))
        await asyncio.sleep(0.7)
        emulator.advance(4 * emulator.state.config.review_step_seconds)  # all reach their outcome
        events = await asyncio.wait_for(waits, timeout=30)
        await asyncio.sleep(1.0)
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        return events

    events = asyncio.run(scenario())

    assert [e["status"] for e in events] == ["success"] * 4 + ["failure"]
    assert "Sinch feedback: internal errors:" in events[-1]["message"]
    assert sorted((e["campaign_registration_id"], e["outcome"]) for e in watched) == sorted(
        [(r, "approved") for r in approved] + [(rejected, "rejected")]
    )
    reads = [p for m, p in emulator.state.request_log if p.rsplit("/", 1)[-1] in approved]
    lists = [p for m, p in emulator.state.request_log if p.endswith("/campaignRegistrations")]
    assert lists
    # Waits were served by lists; no approved registration was read alone more than once.
    assert len(reads) <= len(approved)
