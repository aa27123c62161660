"""Authentication: Campaign secret key tokens, OAuth2 client credentials, Basic keys; no secret leaks."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from airflow_provider_sinch import _auth
from airflow_provider_sinch._ahttp import AsyncTransport
from airflow_provider_sinch._auth import (
    EXPIRY_MARGIN,
    BasicKeyAuth,
    CampaignSecretKeyAuth,
    OAuth2ClientCredentials,
)
from airflow_provider_sinch._http import Endpoint, HttpSettings, SyncTransport
from airflow_provider_sinch.exceptions import SinchAuthError
from airflow_provider_sinch.hooks.campaign import SinchCampaignHook
from tests.conftest import (
    CAMPAIGN_HOST,
    KEY_ID,
    KEY_SECRET,
    SECRET_KEY,
    SHORT_CODE_HOST,
    TOKEN_URL,
    set_connection,
)

CID = "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"
CAMPAIGN_URL = f"{CAMPAIGN_HOST}/v1/campaigns/{CID}"
CAMPAIGN_TOKEN_URL = f"{CAMPAIGN_HOST}/v1/token"
PING = Endpoint("GET", "/v1/ping")
PING_URL = f"{SHORT_CODE_HOST}/v1/ping"
BASIC_CREDENTIALS = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()


class Clock:
    """An injected clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def sync_transport(auth: Any, base_url: str = SHORT_CODE_HOST) -> SyncTransport:
    return SyncTransport(base_url, auth=auth, settings=HttpSettings(max_retries=2), account_key="test")


def oauth2_async_transport(handler: Any) -> AsyncTransport:
    """An async transport with OAuth2 auth whose requests (token ones included) go to ``handler``."""
    return AsyncTransport(
        SHORT_CODE_HOST,
        auth=OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL),
        settings=HttpSettings(),
        account_key="test",
        mock_transport=httpx.MockTransport(handler),
    )


@pytest.fixture
def masked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every value passed to Airflow's ``mask_secret`` (sync callers)."""
    values: list[str] = []
    monkeypatch.setattr(_auth, "_mask", values.append)
    return values


@pytest.fixture
def amasked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every value passed to ``amask_secret`` (async callers); the blocking one then fails the test.

    ``mask_secret`` tells the supervisor with a blocking send: called on a running event loop (the
    triggerer's), it blocks every trigger of that loop, or deadlocks on older Airflow.
    """
    values: list[str] = []

    async def amask(secret: str) -> None:
        values.append(secret)

    def blocking(secret: str) -> None:
        raise AssertionError(f"mask_secret called from async code for a {len(secret)}-character value")

    monkeypatch.setattr(_auth, "_amask", amask)
    monkeypatch.setattr(_auth, "_mask", blocking)
    return values


# --- Campaign API: secret key -> bearer token ----------------------------------------------------
def test_campaign_secret_key_sent_verbatim(
    campaign_conn: str, campaign_token: Any, requests_mock: Any
) -> None:
    route = requests_mock.get(CAMPAIGN_URL, json={"campaign": {"id": CID}})

    SinchCampaignHook().get_campaign(CID)

    token_request = campaign_token.last_request
    assert token_request.method == "POST"
    assert token_request.url == CAMPAIGN_TOKEN_URL
    # The key is already what Sinch expects after "Basic ": it is not encoded again.
    assert token_request.headers["Authorization"] == f"Basic {SECRET_KEY}"
    assert not token_request.body
    assert route.last_request.headers["Authorization"] == "Bearer campaign-token-1"


def test_campaign_token_cached_across_calls(
    campaign_conn: str, campaign_token: Any, requests_mock: Any
) -> None:
    route = requests_mock.get(CAMPAIGN_URL, json={"campaign": {"id": CID}})
    hook = SinchCampaignHook()

    for _ in range(5):
        hook.get_campaign(CID)

    assert campaign_token.call_count == 1
    assert route.call_count == 5
    assert {r.headers["Authorization"] for r in route.request_history} == {"Bearer campaign-token-1"}


def _campaign_tokens(requests_mock: Any, **answer: Any) -> Any:
    return requests_mock.post(
        CAMPAIGN_TOKEN_URL,
        [
            {"json": {"access_token": "token-1", "success": True, **answer}},
            {"json": {"access_token": "token-2", "success": True, **answer}},
        ],
    )


def _bearers(route: Any) -> list[str]:
    return [r.headers["Authorization"] for r in route.request_history]


def test_campaign_token_renewed_within_expiry_margin(requests_mock: Any) -> None:
    clock = Clock()
    tokens = _campaign_tokens(requests_mock)  # no "expires": the documented two hours
    route = requests_mock.get(CAMPAIGN_URL, json={"campaign": {"id": CID}})
    transport = sync_transport(
        CampaignSecretKeyAuth(SECRET_KEY, CAMPAIGN_TOKEN_URL, clock=clock), CAMPAIGN_HOST
    )
    get = Endpoint("GET", "/v1/campaigns/{campaign_id}")

    transport.call(get, path_params={"campaign_id": CID})
    clock.now = T0 + 7200 - EXPIRY_MARGIN - 1
    transport.call(get, path_params={"campaign_id": CID})
    clock.now = T0 + 7200 - EXPIRY_MARGIN
    transport.call(get, path_params={"campaign_id": CID})

    assert tokens.call_count == 2
    assert _bearers(route) == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


@pytest.mark.parametrize(
    ("expires", "lifetime"),
    [
        ("2026-01-01T00:30:00", 1800),
        ("2026-01-01T00:30:00Z", 1800),
        ("2026-01-01T01:30:00+01:00", 1800),
        ("2099-01-01T00:00:00", 7200),
        ("2025-12-31T23:00:00", 7200),
        ("tomorrow", 7200),
    ],
    ids=["naive-utc", "zulu", "offset", "far-future-ignored", "past-ignored", "not-iso-ignored"],
)
def test_campaign_token_server_expiry(requests_mock: Any, expires: str, lifetime: float) -> None:
    clock = Clock()
    tokens = _campaign_tokens(requests_mock, expires=expires)
    requests_mock.get(PING_URL, json={})
    transport = sync_transport(CampaignSecretKeyAuth(SECRET_KEY, CAMPAIGN_TOKEN_URL, clock=clock))

    transport.call(PING)
    clock.now = T0 + lifetime - EXPIRY_MARGIN - 1
    transport.call(PING)
    assert tokens.call_count == 1
    clock.now = T0 + lifetime - EXPIRY_MARGIN
    transport.call(PING)
    assert tokens.call_count == 2


def test_campaign_token_refused_names_no_secret(
    campaign_conn: str, requests_mock: Any, caplog: pytest.LogCaptureFixture, masked: list[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    requests_mock.post(
        CAMPAIGN_TOKEN_URL, status_code=401, json={"errors": "Invalid secret key", "success": False}
    )
    route = requests_mock.get(CAMPAIGN_URL, json={})

    with pytest.raises(SinchAuthError) as info:
        SinchCampaignHook().get_campaign(CID)

    assert route.call_count == 0
    assert info.value.status_code == 401
    assert "Invalid secret key" in str(info.value)
    assert SECRET_KEY not in str(info.value)
    assert SECRET_KEY not in repr(info.value.__dict__)
    assert all(SECRET_KEY not in r.getMessage() for r in caplog.records)


def test_campaign_token_answer_without_token(requests_mock: Any) -> None:
    requests_mock.post(CAMPAIGN_TOKEN_URL, json={"success": True})
    transport = sync_transport(CampaignSecretKeyAuth(SECRET_KEY, CAMPAIGN_TOKEN_URL))
    with pytest.raises(SinchAuthError, match="without a usable access token"):
        transport.call(PING)


def test_campaign_missing_secret_key() -> None:
    with pytest.raises(SinchAuthError, match="needs the secret key in its password field"):
        CampaignSecretKeyAuth("", CAMPAIGN_TOKEN_URL)


# --- OAuth2 client credentials -------------------------------------------------------------------
def _oauth_tokens(requests_mock: Any, expires_in: Any = 3600) -> Any:
    return requests_mock.post(
        TOKEN_URL,
        [
            {"json": {"access_token": "oauth-1", "expires_in": expires_in, "token_type": "bearer"}},
            {"json": {"access_token": "oauth-2", "expires_in": expires_in, "token_type": "bearer"}},
        ],
    )


def test_oauth2_client_credentials_request(oauth_token: Any, requests_mock: Any) -> None:
    route = requests_mock.get(PING_URL, json={"ok": True})
    transport = sync_transport(OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL))

    assert transport.call(PING) == {"ok": True}

    token_request = oauth_token.last_request
    assert token_request.method == "POST"
    assert token_request.url == TOKEN_URL
    assert token_request.headers["Authorization"] == f"Basic {BASIC_CREDENTIALS}"
    assert token_request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(token_request.text) == {"grant_type": ["client_credentials"]}
    assert route.last_request.headers["Authorization"] == "Bearer oauth-token-1"


def test_oauth2_default_token_url() -> None:
    assert OAuth2ClientCredentials(KEY_ID, KEY_SECRET).token_url == "https://auth.sinch.com/oauth2/token"


@pytest.mark.parametrize(
    ("expires_in", "lifetime"),
    [(600, 600), ("1200", 1200), (None, 3600)],
    ids=["seconds", "string", "absent-one-hour"],
)
def test_oauth2_expires_in_honoured(requests_mock: Any, expires_in: Any, lifetime: float) -> None:
    clock = Clock()
    tokens = _oauth_tokens(requests_mock, expires_in)
    route = requests_mock.get(PING_URL, json={})
    transport = sync_transport(OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL, clock=clock))

    transport.call(PING)
    clock.now = T0 + lifetime - EXPIRY_MARGIN - 1
    transport.call(PING)
    clock.now = T0 + lifetime - EXPIRY_MARGIN
    transport.call(PING)

    assert tokens.call_count == 2
    assert _bearers(route) == ["Bearer oauth-1", "Bearer oauth-1", "Bearer oauth-2"]


def test_oauth2_401_renews_once(requests_mock: Any) -> None:
    tokens = _oauth_tokens(requests_mock)
    route = requests_mock.get(PING_URL, [{"status_code": 401}, {"json": {"ok": True}}])
    transport = sync_transport(OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL))

    assert transport.call(PING) == {"ok": True}
    assert tokens.call_count == 2
    assert _bearers(route) == ["Bearer oauth-1", "Bearer oauth-2"]


def test_oauth2_token_refused_leaks_nothing(
    requests_mock: Any, caplog: pytest.LogCaptureFixture, masked: list[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    requests_mock.post(
        TOKEN_URL, status_code=401, json={"error": "invalid_client", "error_description": "bad credentials"}
    )
    transport = sync_transport(OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL))

    with pytest.raises(SinchAuthError) as info:
        transport.call(PING)

    text = str(info.value) + repr(info.value.__dict__)
    for secret in (KEY_SECRET, BASIC_CREDENTIALS):
        assert secret not in text
        assert all(secret not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("key_id", "key_secret"), [("", KEY_SECRET), (KEY_ID, "")], ids=["no-key-id", "no-secret"]
)
def test_oauth2_needs_both_keys(key_id: str, key_secret: str) -> None:
    with pytest.raises(SinchAuthError, match=r"access key id \(login\) and key secret \(password\)"):
        OAuth2ClientCredentials(key_id, key_secret)


def test_oauth2_async_token_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "async-oauth", "expires_in": 3600})
        return httpx.Response(200, json={"ok": True})

    async def go() -> Any:
        transport = oauth2_async_transport(handler)
        try:
            return [await transport.call(PING), await transport.call(PING)]
        finally:
            await transport.aclose()

    assert asyncio.run(go()) == [{"ok": True}, {"ok": True}]
    token_request, first, second = seen
    assert str(token_request.url) == TOKEN_URL
    assert token_request.headers["Authorization"] == f"Basic {BASIC_CREDENTIALS}"
    assert parse_qs(token_request.content.decode()) == {"grant_type": ["client_credentials"]}
    assert first.headers["Authorization"] == second.headers["Authorization"] == "Bearer async-oauth"


# --- Basic key auth ------------------------------------------------------------------------------
def test_basic_key_auth_header(requests_mock: Any) -> None:
    route = requests_mock.get(PING_URL, json={"ok": True})
    token = requests_mock.post(TOKEN_URL, json={})
    transport = sync_transport(BasicKeyAuth(KEY_ID, KEY_SECRET))

    transport.call(PING)
    transport.call(PING)

    assert _bearers(route) == [f"Basic {BASIC_CREDENTIALS}"] * 2
    assert token.call_count == 0


def test_basic_key_auth_401_not_repeated(requests_mock: Any) -> None:
    route = requests_mock.get(PING_URL, status_code=401, json={"code": 16, "message": "Unauthenticated"})
    transport = sync_transport(BasicKeyAuth(KEY_ID, KEY_SECRET))
    with pytest.raises(SinchAuthError, match="HTTP 401: Unauthenticated"):
        transport.call(PING)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("key_id", "key_secret"), [("", KEY_SECRET), (KEY_ID, "")], ids=["no-key-id", "no-secret"]
)
def test_basic_key_auth_needs_both_keys(key_id: str, key_secret: str) -> None:
    with pytest.raises(SinchAuthError, match=r"access key id \(login\) and key secret \(password\)"):
        BasicKeyAuth(key_id, key_secret)


# --- The per-process token cache ------------------------------------------------------------------
def test_cache_shared_by_hooks_with_same_credentials(
    campaign_conn: str, campaign_token: Any, requests_mock: Any
) -> None:
    requests_mock.get(CAMPAIGN_URL, json={"campaign": {"id": CID}})

    SinchCampaignHook().get_campaign(CID)
    SinchCampaignHook().get_campaign(CID)

    assert campaign_token.call_count == 1


def test_cache_not_shared_by_different_credentials(
    campaign_conn: str, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_connection(
        monkeypatch,
        "other_campaign",
        conn_type="sinch_campaign",
        host=CAMPAIGN_HOST,
        password="another-secret-key",
    )
    tokens = _campaign_tokens(requests_mock)
    route = requests_mock.get(CAMPAIGN_URL, json={"campaign": {"id": CID}})

    SinchCampaignHook().get_campaign(CID)
    SinchCampaignHook(sinch_conn_id="other_campaign").get_campaign(CID)
    SinchCampaignHook().get_campaign(CID)

    assert tokens.call_count == 2
    assert [r.headers["Authorization"] for r in tokens.request_history] == [
        f"Basic {SECRET_KEY}",
        "Basic another-secret-key",
    ]
    assert _bearers(route) == ["Bearer token-1", "Bearer token-2", "Bearer token-1"]


def test_oauth_cache_shared_by_instances_not_by_keys(requests_mock: Any) -> None:
    tokens = _oauth_tokens(requests_mock)
    route = requests_mock.get(PING_URL, json={})

    sync_transport(OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL)).call(PING)
    sync_transport(OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL)).call(PING)
    assert tokens.call_count == 1
    sync_transport(OAuth2ClientCredentials("other-id", KEY_SECRET, TOKEN_URL)).call(PING)
    assert tokens.call_count == 2
    assert _bearers(route) == ["Bearer oauth-1", "Bearer oauth-1", "Bearer oauth-2"]


def test_cache_keyed_by_hash_not_by_secret(campaign_conn: str, campaign_token: Any) -> None:
    SinchCampaignHook().get_token()
    assert _auth._cache
    for key, (token, _) in _auth._cache.items():
        assert SECRET_KEY not in key
        assert token == "campaign-token-1"


def test_clear_token_cache_forces_a_new_token(campaign_conn: str, campaign_token: Any) -> None:
    hook = SinchCampaignHook()
    hook.get_token()
    _auth.clear_token_cache()
    hook.get_token()
    assert campaign_token.call_count == 2


# --- Secrets never leak ----------------------------------------------------------------------------
def test_campaign_secret_and_token_masked(campaign_conn: str, campaign_token: Any, masked: list[str]) -> None:
    assert SinchCampaignHook().get_token() == "campaign-token-1"
    assert SECRET_KEY in masked
    assert "campaign-token-1" in masked


def test_oauth_secret_credentials_and_token_masked(
    oauth_token: Any, requests_mock: Any, masked: list[str]
) -> None:
    requests_mock.get(PING_URL, json={})
    sync_transport(OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL)).call(PING)
    assert KEY_SECRET in masked
    assert BASIC_CREDENTIALS in masked
    assert "oauth-token-1" in masked


def test_basic_key_secret_masked_before_the_first_request(requests_mock: Any, masked: list[str]) -> None:
    auth = BasicKeyAuth(KEY_ID, KEY_SECRET)
    assert masked == []  # building a strategy (at DAG parse, in a trigger's __init__) masks nothing
    requests_mock.get(PING_URL, json={})
    transport = sync_transport(auth)
    transport.call(PING)
    transport.call(PING)
    assert masked == [KEY_SECRET, BASIC_CREDENTIALS]  # once, before the first request


def test_async_callers_mask_without_blocking_the_event_loop(amasked: list[str]) -> None:
    """Triggers mask the key secret, the Basic header and the token with ``amask_secret`` only."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "async-oauth", "expires_in": 3600})
        return httpx.Response(200, json={"ok": True})

    async def go() -> None:
        transport = oauth2_async_transport(handler)
        try:
            await transport.call(PING)
            await transport.call(PING)
        finally:
            await transport.aclose()

    asyncio.run(go())
    assert amasked == [KEY_SECRET, BASIC_CREDENTIALS, "async-oauth"]


def test_async_basic_key_auth_masks_without_blocking(amasked: list[str]) -> None:
    async def go() -> str:
        return await BasicKeyAuth(KEY_ID, KEY_SECRET).acredential(_never_called)

    assert asyncio.run(go()) == f"Basic {BASIC_CREDENTIALS}"
    assert amasked == [KEY_SECRET, BASIC_CREDENTIALS]


async def _never_called(operation: Any) -> Any:
    raise AssertionError("Basic auth sends no token request")


def test_no_secret_in_repr(
    campaign_conn: str, campaign_token: Any, oauth_token: Any, requests_mock: Any
) -> None:
    requests_mock.get(PING_URL, json={})
    hook = SinchCampaignHook()
    hook.get_token()
    oauth = OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL)
    sync_transport(oauth).call(PING)
    basic = BasicKeyAuth(KEY_ID, KEY_SECRET)

    texts = [repr(hook.transport.auth), str(hook.transport.auth), repr(oauth), repr(basic), repr(hook)]
    for text in texts:
        for secret in (SECRET_KEY, KEY_SECRET, BASIC_CREDENTIALS, "campaign-token-1", "oauth-token-1"):
            assert secret not in text
    assert repr(basic) == "BasicKeyAuth(***)"
    assert repr(oauth) == f"OAuth2ClientCredentials(token_url={TOKEN_URL!r})"


def test_no_secret_in_log_records(
    campaign_conn: str, requests_mock: Any, caplog: pytest.LogCaptureFixture, masked: list[str]
) -> None:
    """A token, a 401 renewal and retries: the logs say what happened, never with a credential."""
    caplog.set_level(logging.DEBUG)
    _campaign_tokens(requests_mock)
    requests_mock.get(
        CAMPAIGN_URL,
        [{"status_code": 401}, {"status_code": 503}, {"json": {"campaign": {"id": CID}}}],
    )

    SinchCampaignHook().get_campaign(CID)

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("airflow_provider_sinch")]
    assert any("Obtained a Sinch access token" in m for m in messages)
    assert any("renewing the access token once" in m for m in messages)
    assert any("HTTP 503; retry 1/3" in m for m in messages)
    for record in caplog.records:
        for secret in (SECRET_KEY, "token-1", "token-2"):
            assert secret not in record.getMessage()


# --- One token request for many waiters; renewal only of the token that failed ----------------------
def test_fifty_concurrent_async_requests_with_an_empty_cache_make_one_token_request() -> None:
    token_requests: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            token_requests.append(request)
            await asyncio.sleep(0.01)  # every other request arrives while this one is in flight
            return httpx.Response(200, json={"access_token": "shared", "expires_in": 3600})
        assert request.headers["Authorization"] == "Bearer shared"
        return httpx.Response(200, json={"ok": True})

    async def go() -> list[Any]:
        transport = oauth2_async_transport(handler)
        try:
            return await asyncio.gather(*(transport.call(PING) for _ in range(50)))
        finally:
            await transport.aclose()

    assert asyncio.run(go()) == [{"ok": True}] * 50
    assert len(token_requests) == 1


def test_concurrent_sync_requests_with_an_empty_cache_make_one_token_request(requests_mock: Any) -> None:
    import threading
    import time as real_time

    def slow_token(request: Any, context: Any) -> dict[str, Any]:
        real_time.sleep(0.05)
        return {"access_token": "shared", "expires_in": 3600}

    token = requests_mock.post(TOKEN_URL, json=slow_token)
    route = requests_mock.get(PING_URL, json={"ok": True})
    auth = OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL)
    start = threading.Barrier(8)

    def call() -> None:
        transport = sync_transport(auth)  # one hook per thread, one process-wide cache
        start.wait()
        transport.call(PING)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert token.call_count == 1
    assert _bearers(route) == ["Bearer shared"] * 8


def test_a_401_on_a_token_another_request_already_renewed_renews_nothing() -> None:
    issued = iter(["stale", "fresh", "third"])
    token_requests: list[str] = []
    api_calls: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            token = next(issued)
            token_requests.append(token)
            return httpx.Response(200, json={"access_token": token, "expires_in": 3600})
        bearer = request.headers["Authorization"].removeprefix("Bearer ")
        api_calls.append(bearer)
        await asyncio.sleep(0)
        if bearer == "stale":  # revoked at Sinch while still cached here
            return httpx.Response(401, json={"error": {"message": "expired", "status": "UNAUTHENTICATED"}})
        return httpx.Response(200, json={"ok": True})

    async def go() -> list[Any]:
        transport = oauth2_async_transport(handler)
        try:
            return await asyncio.gather(transport.call(PING), transport.call(PING))
        finally:
            await transport.aclose()

    assert asyncio.run(go()) == [{"ok": True}, {"ok": True}]
    # Both requests went out with the stale token and got a 401; the first renewed it, the
    # second found "fresh" already cached and replayed with it instead of renewing again.
    assert token_requests == ["stale", "fresh"]
    assert sorted(api_calls) == ["fresh", "fresh", "stale", "stale"]


def test_renew_drops_only_the_token_that_failed(requests_mock: Any) -> None:
    requests_mock.post(TOKEN_URL, [{"json": {"access_token": t, "expires_in": 3600}} for t in ("a", "b")])
    auth = OAuth2ClientCredentials(KEY_ID, KEY_SECRET, TOKEN_URL)
    run = sync_transport(auth).run

    assert auth.token(run) == "a"
    assert auth.renew("a") is True
    assert auth.token(run) == "b"
    assert auth.renew("a") is True  # a replay may help: the cached token is another one
    assert auth.cached_token() == "b"  # ...which is kept
