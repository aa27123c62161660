"""Authentication for the three Sinch APIs, with no HTTP client and no reference to a transport.

* Campaign API: ``POST /v1/token`` with ``Authorization: Basic <secret key>`` -> bearer token (2 h).
* US Short Code and 10DLC: OAuth2 client credentials against ``auth.sinch.com`` -> bearer token.
* 10DLC also accepts plain Basic ``key_id:key_secret`` on every request.

A strategy says which credential a request carries and, for tokens, describes the token request
as one more API-layer operation (:meth:`TokenAuth.token_operation`); the transport that needs a
credential runs that operation itself (``run`` / ``arun``), so this module imports neither
transport.

Secrets are hidden from every log before the first request uses them: a strategy's own secrets
(key secret, secret key, the Basic header) on its first credential or token request, a token the
moment its request returns. Sync callers use Airflow's ``mask_secret``; async ones (triggers)
``amask_secret``, which does not block the triggerer's event loop on the supervisor.

Tokens are cached per process (keyed by a hash of the credentials, never the credentials) until
shortly before they expire. When the cache is empty, concurrent requests make ONE token request
(a lock per cache key, a ``threading.Lock`` for sync callers and an ``asyncio.Lock`` per event
loop for triggers). After a 401, :meth:`SinchAuth.renew` drops the token only if it is still the
one that failed: a token another request already renewed is kept. Losing the cache only costs one
token request.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from airflow_provider_sinch._transport import loop_lock
from airflow_provider_sinch.apis._core import Call, Endpoint, Operation
from airflow_provider_sinch.exceptions import SinchAuthError

log = logging.getLogger(__name__)

#: Renew a token this many seconds before the expiry the server announced.
EXPIRY_MARGIN = 300.0

#: Runs an operation through a transport, unauthenticated (sync and async).
Run = Callable[[Operation[Any]], Any]
ARun = Callable[[Operation[Any]], Awaitable[Any]]

_cache: dict[str, tuple[str, float]] = {}
_cache_lock = threading.Lock()
_fetch_locks: dict[str, threading.Lock] = {}
_afetch_locks: dict[tuple[int, str], asyncio.Lock] = {}


def clear_token_cache() -> None:
    """Forget every cached token of this process (tests, or after rotating a key)."""
    with _cache_lock:
        _cache.clear()


def _fetch_lock(key: str) -> threading.Lock:
    with _cache_lock:
        return _fetch_locks.setdefault(key, threading.Lock())


def _afetch_lock(key: str) -> asyncio.Lock:
    return loop_lock(_afetch_locks, key)


def _mask(secret: str) -> None:
    """Hide ``secret`` in every log (sync callers: tasks, hooks)."""
    from airflow.sdk.log import mask_secret

    mask_secret(secret)


async def _amask(secret: str) -> None:
    """Hide ``secret`` in every log from a coroutine, without blocking the event loop."""
    from airflow_provider_sinch._compat import amask_secret

    await amask_secret(secret)


class SinchAuth(ABC):
    """How requests to one API are authenticated.

    A transport asks for :meth:`credential` (or :meth:`acredential`) before each attempt, sends
    :meth:`header` of it, and after a 401 calls :meth:`renew` with the credential it sent.

    :param secrets: what this strategy must hide from logs; masked once, before their first use.
    """

    def __init__(self, *secrets: str) -> None:
        self._secrets = tuple(secret for secret in secrets if secret)
        self._masked = False

    def mask_secrets(self) -> None:
        """Hide this strategy's secrets in every log, once (sync callers)."""
        if not self._masked:
            for secret in self._secrets:
                _mask(secret)
            self._masked = True

    async def amask_secrets(self) -> None:
        """Hide this strategy's secrets in every log, once, from a coroutine."""
        if not self._masked:
            for secret in self._secrets:
                await _amask(secret)
            self._masked = True

    @abstractmethod
    def credential(self, run: Run) -> str:
        """The credential for the next request (sync); ``run`` sends a token request if needed."""

    @abstractmethod
    async def acredential(self, arun: ARun) -> str:
        """The credential for the next request (async, for triggers)."""

    @abstractmethod
    def header(self, credential: str) -> dict[str, str]:
        """The headers that carry ``credential``."""

    def renew(self, failed: str) -> bool:
        """After a 401 on ``failed``: forget it if it is still cached; ``True`` if a replay may help."""
        return False


class BasicKeyAuth(SinchAuth):
    """``Authorization: Basic base64(key_id:key_secret)`` on every request (10DLC's Basic mode)."""

    def __init__(self, key_id: str, key_secret: str) -> None:
        if not key_id or not key_secret:
            raise SinchAuthError("Basic auth needs the access key id (login) and key secret (password).")
        encoded = base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
        super().__init__(key_secret, encoded)
        self._header = f"Basic {encoded}"

    def credential(self, run: Run) -> str:
        self.mask_secrets()
        return self._header

    async def acredential(self, arun: ARun) -> str:
        await self.amask_secrets()
        return self._header

    def header(self, credential: str) -> dict[str, str]:
        return {"Authorization": credential}

    def __repr__(self) -> str:
        return "BasicKeyAuth(***)"


class TokenAuth(SinchAuth):
    """A bearer token obtained from a token endpoint and cached until shortly before expiry."""

    #: The token request: absolute URL in ``token_url``, so its path is empty. Repeating it after
    #: an unclear answer only costs a second token.
    TOKEN_ENDPOINT = Endpoint("POST", "", idempotent=True)

    def __init__(
        self,
        token_url: str,
        credential_fingerprint: str,
        *secrets: str,
        clock: Callable[[], float] = time.time,
    ):
        super().__init__(*secrets)
        self.token_url = token_url
        self.clock = clock
        self._cache_key = hashlib.sha256(
            f"{type(self).__name__}|{token_url}|{credential_fingerprint}".encode()
        ).hexdigest()

    @abstractmethod
    def _token_call(self) -> Call:
        """The token request."""

    @abstractmethod
    def _parse_token(self, payload: Any) -> tuple[str, float]:
        """``(token, expires_at)`` from the token endpoint's JSON, ``expires_at`` as epoch seconds."""

    def token_operation(self) -> Operation[str]:
        """The token request as an API-layer operation: yields the call, returns the (cached) token."""
        payload = yield self._token_call()
        return self._store(payload)

    def cached_token(self) -> str | None:
        """The cached token if it is still valid for :data:`EXPIRY_MARGIN` seconds."""
        with _cache_lock:
            entry = _cache.get(self._cache_key)
        if entry and entry[1] - EXPIRY_MARGIN > self.clock():
            return entry[0]
        return None

    def _store(self, payload: Any) -> str:
        try:
            token, expires_at = self._parse_token(payload)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise SinchAuthError(
                "The token endpoint answered without a usable access token.", status_code=200
            ) from None
        with _cache_lock:
            _cache[self._cache_key] = (token, expires_at)
        log.info(
            "Obtained a Sinch access token valid until %s", datetime.fromtimestamp(expires_at, timezone.utc)
        )
        return token

    def token(self, run: Run) -> str:
        """A valid token: the cached one, or one token request however many threads ask at once."""
        self.mask_secrets()
        cached = self.cached_token()
        if cached:
            return cached
        with _fetch_lock(self._cache_key):
            cached = self.cached_token()  # another thread may have fetched it while we waited
            if cached:
                return cached
            token = str(run(self.token_operation()))
            _mask(token)
            return token

    async def atoken(self, arun: ARun) -> str:
        """The async twin of :meth:`token`: one token request however many triggers ask at once."""
        await self.amask_secrets()
        cached = self.cached_token()
        if cached:
            return cached
        async with _afetch_lock(self._cache_key):
            cached = self.cached_token()
            if cached:
                return cached
            token = str(await arun(self.token_operation()))
            await _amask(token)
            return token

    def credential(self, run: Run) -> str:
        return self.token(run)

    async def acredential(self, arun: ARun) -> str:
        return await self.atoken(arun)

    def header(self, credential: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {credential}"}

    def renew(self, failed: str) -> bool:
        with _cache_lock:
            entry = _cache.get(self._cache_key)
            if entry is not None and entry[0] == failed:
                del _cache[self._cache_key]
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token_url={self.token_url!r})"


class CampaignSecretKeyAuth(TokenAuth):
    """Campaign API: the secret key, verbatim after ``Basic ``, buys a 2-hour bearer token.

    :param secret_key: the key exactly as Sinch's Options page shows it.
    :param token_url: ``{host}/v1/token``.
    """

    LIFETIME = 2 * 3600.0

    def __init__(self, secret_key: str, token_url: str, *, clock: Callable[[], float] = time.time) -> None:
        if not secret_key:
            raise SinchAuthError("The Campaign API connection needs the secret key in its password field.")
        self._secret_key = secret_key
        super().__init__(token_url, hashlib.sha256(secret_key.encode()).hexdigest(), secret_key, clock=clock)

    def _token_call(self) -> Call:
        return Call(
            self.TOKEN_ENDPOINT,
            base_url=self.token_url,
            authenticate=False,
            headers={"Authorization": f"Basic {self._secret_key}", "Content-Length": "0"},
        )

    def _parse_token(self, payload: Any) -> tuple[str, float]:
        token = payload["access_token"]
        now = self.clock()
        expires_at = now + self.LIFETIME
        raw = payload.get("expires")
        if raw:
            try:
                parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
                if parsed.tzinfo is None:
                    parsed = parsed.replace(tzinfo=timezone.utc)
                # The server's clock wins unless it disagrees wildly with ours.
                if now < parsed.timestamp() <= now + self.LIFETIME + 60:
                    expires_at = parsed.timestamp()
            except ValueError:
                log.warning("Token expiry %r is not ISO 8601; assuming 2 hours", raw)
        return str(token), expires_at


class OAuth2ClientCredentials(TokenAuth):
    """Short Code and 10DLC: OAuth2 client credentials (``key_id:key_secret``) for a bearer token.

    :param token_url: defaults to ``https://auth.sinch.com/oauth2/token``.
    """

    DEFAULT_TOKEN_URL = "https://auth.sinch.com/oauth2/token"
    DEFAULT_LIFETIME = 3600.0

    def __init__(
        self,
        key_id: str,
        key_secret: str,
        token_url: str = DEFAULT_TOKEN_URL,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key_id or not key_secret:
            raise SinchAuthError("OAuth2 needs the access key id (login) and key secret (password).")
        encoded = base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
        self._basic = f"Basic {encoded}"
        super().__init__(
            token_url,
            hashlib.sha256(f"{key_id}:{key_secret}".encode()).hexdigest(),
            key_secret,
            encoded,
            clock=clock,
        )

    def _token_call(self) -> Call:
        return Call(
            self.TOKEN_ENDPOINT,
            base_url=self.token_url,
            authenticate=False,
            headers={"Authorization": self._basic},
            data={"grant_type": "client_credentials"},
        )

    def _parse_token(self, payload: Any) -> tuple[str, float]:
        token = payload["access_token"]
        lifetime = float(payload.get("expires_in") or self.DEFAULT_LIFETIME)
        return str(token), self.clock() + lifetime
