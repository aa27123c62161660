"""Triggers of one event loop share one ``httpx.AsyncClient`` per connection config."""

from __future__ import annotations

import asyncio

import httpx

from airflow_provider_sinch._ahttp import AsyncTransport, shared_clients
from airflow_provider_sinch._transport import HttpSettings


def transport(account: str = "acct-1", **kwargs: object) -> AsyncTransport:
    return AsyncTransport(
        "https://api.example.test", auth=None, settings=HttpSettings(), account_key=account, **kwargs
    )


def test_one_client_per_loop_and_config_closed_by_its_last_user() -> None:
    async def scenario() -> None:
        first, second, other = transport(), transport(), transport("acct-2")
        shared = first.share()
        assert first.client is second.client is shared.client
        assert other.client is not first.client
        assert sorted(shared_clients().values()) == [1, 3]

        await first.aclose()
        await first.aclose()  # closing twice releases once
        await second.aclose()
        assert not shared.client.is_closed
        assert sorted(shared_clients().values()) == [1, 1]

        await shared.aclose()
        assert shared.client.is_closed
        assert list(shared_clients().values()) == [1]
        await other.aclose()
        assert shared_clients() == {}

        again = transport()  # a new user after the last one left gets a fresh client
        assert not again.client.is_closed
        assert again.client is not first.client
        await again.aclose()

    asyncio.run(scenario())


def test_different_timeouts_or_mock_servers_get_their_own_client() -> None:
    async def scenario() -> None:
        mock_a, mock_b = (
            httpx.MockTransport(lambda r: httpx.Response(200)),
            httpx.MockTransport(lambda r: httpx.Response(200)),
        )
        a, b = transport(mock_transport=mock_a), transport(mock_transport=mock_b)
        slow = AsyncTransport(
            "https://api.example.test", auth=None, settings=HttpSettings(timeout=5.0), account_key="acct-1"
        )
        assert len({id(a.client), id(b.client), id(slow.client)}) == 3
        for t in (a, b, slow):
            await t.aclose()

    asyncio.run(scenario())


def test_outside_an_event_loop_or_when_asked_a_transport_has_its_own_client() -> None:
    outside = transport()
    assert outside.client is not transport().client
    asyncio.run(outside.aclose())
    assert outside.client.is_closed

    async def scenario() -> None:
        own, shared = transport(share_client=False), transport()
        assert own.client is not shared.client
        copy = own.share()
        assert copy.client is not own.client  # a private transport's copies stay private
        await copy.aclose()
        await own.aclose()
        assert own.client.is_closed
        assert not shared.client.is_closed
        await shared.aclose()

    asyncio.run(scenario())


def test_each_event_loop_has_its_own_client() -> None:
    clients = []

    async def scenario() -> None:
        t = transport()
        clients.append(t.client)
        await t.aclose()

    asyncio.run(scenario())
    asyncio.run(scenario())
    assert clients[0] is not clients[1]
