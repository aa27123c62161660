"""Authentication for the three Sinch APIs.

* Campaign API: ``POST /v1/token`` with ``Authorization: Basic <secret key>`` -> bearer token (2 h).
* US Short Code and 10DLC: OAuth2 client credentials against ``auth.sinch.com`` -> bearer token.
* 10DLC also accepts plain Basic ``key_id:key_secret`` on every request.

Tokens are cached per process (keyed by a hash of the credentials, never the credentials) until
shortly before they expire, renewed once when a request answers 401, and passed through
``mask_secret`` the moment they arrive. Losing the cache only costs one token request.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from abc import abstractmethod
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import requests

from airflow_provider_sinch._http import Endpoint
from airflow_provider_sinch.exceptions import SinchAuthError

if TYPE_CHECKING:
    from airflow_provider_sinch._http import AsyncTransport, SyncTransport

log = logging.getLogger(__name__)

#: Renew a token this many seconds before the expiry the server announced.
EXPIRY_MARGIN = 300.0

_cache: dict[str, tuple[str, float]] = {}
_cache_lock = threading.Lock()


def clear_token_cache() -> None:
    """Forget every cached token of this process (tests, or after rotating a key)."""
    with _cache_lock:
        _cache.clear()


def _mask(secret: str) -> None:
    from airflow.sdk.log import mask_secret

    mask_secret(secret)


class SinchAuth(requests.auth.AuthBase):
    """Base of the auth strategies; a ``requests`` auth and an async header source at once."""

    _transport: SyncTransport | None = None

    def bind(self, transport: SyncTransport) -> None:
        """Give the auth the transport it may use to fetch a token (its session and retries)."""
        self._transport = transport

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.update(self.headers())
        return request

    @abstractmethod
    def headers(self) -> dict[str, str]:
        """Headers that authenticate a request (sync)."""

    @abstractmethod
    async def aheaders(self, transport: AsyncTransport) -> dict[str, str]:
        """Headers that authenticate a request (async, for triggers)."""

    def invalidate(self) -> bool:
        """Forget a cached credential after a 401; ``True`` if trying again may help."""
        return False


class BasicKeyAuth(SinchAuth):
    """``Authorization: Basic base64(key_id:key_secret)`` on every request (10DLC's Basic mode)."""

    def __init__(self, key_id: str, key_secret: str) -> None:
        if not key_id or not key_secret:
            raise SinchAuthError("Basic auth needs the access key id (login) and key secret (password).")
        encoded = base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
        _mask(key_secret)
        _mask(encoded)
        self._header = f"Basic {encoded}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": self._header}

    async def aheaders(self, transport: AsyncTransport) -> dict[str, str]:
        return self.headers()

    def __repr__(self) -> str:
        return "BasicKeyAuth(***)"


class TokenAuth(SinchAuth):
    """A bearer token obtained from a token endpoint and cached until shortly before expiry."""

    #: The token request: absolute URL in ``token_url``, so its path is empty.
    TOKEN_ENDPOINT = Endpoint("POST", "", idempotent=True)

    def __init__(
        self, token_url: str, credential_fingerprint: str, *, clock: Callable[[], float] = time.time
    ):
        self.token_url = token_url
        self.clock = clock
        self._cache_key = hashlib.sha256(
            f"{type(self).__name__}|{token_url}|{credential_fingerprint}".encode()
        ).hexdigest()

    @abstractmethod
    def _token_request(self) -> dict[str, Any]:
        """Keyword arguments (headers, data) of the token request."""

    @abstractmethod
    def _parse_token(self, payload: Any) -> tuple[str, float]:
        """``(token, expires_at)`` from the token endpoint's JSON, ``expires_at`` as epoch seconds."""

    def _cached(self) -> str | None:
        with _cache_lock:
            entry = _cache.get(self._cache_key)
        if entry and entry[1] - EXPIRY_MARGIN > self.clock():
            return entry[0]
        return None

    def _store(self, payload: Any) -> str:
        try:
            token, expires_at = self._parse_token(payload)
        except (KeyError, TypeError, ValueError):
            raise SinchAuthError(
                "The token endpoint answered without a usable access token.", status_code=200
            ) from None
        _mask(token)
        with _cache_lock:
            _cache[self._cache_key] = (token, expires_at)
        log.info(
            "Obtained a Sinch access token valid until %s", datetime.fromtimestamp(expires_at, timezone.utc)
        )
        return token

    def token(self) -> str:
        cached = self._cached()
        if cached:
            return cached
        if self._transport is None:
            raise RuntimeError("TokenAuth used before being bound to a transport")
        payload = self._transport.call(
            self.TOKEN_ENDPOINT, base_url=self.token_url, authenticate=False, **self._token_request()
        )
        return self._store(payload)

    async def atoken(self, transport: AsyncTransport) -> str:
        cached = self._cached()
        if cached:
            return cached
        payload = await transport.call(
            self.TOKEN_ENDPOINT, base_url=self.token_url, authenticate=False, **self._token_request()
        )
        return self._store(payload)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    async def aheaders(self, transport: AsyncTransport) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.atoken(transport)}"}

    def invalidate(self) -> bool:
        with _cache_lock:
            _cache.pop(self._cache_key, None)
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
        _mask(secret_key)
        self._secret_key = secret_key
        super().__init__(token_url, hashlib.sha256(secret_key.encode()).hexdigest(), clock=clock)

    def _token_request(self) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Basic {self._secret_key}", "Content-Length": "0"}}

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
        _mask(key_secret)
        encoded = base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
        _mask(encoded)
        self._basic = f"Basic {encoded}"
        super().__init__(
            token_url, hashlib.sha256(f"{key_id}:{key_secret}".encode()).hexdigest(), clock=clock
        )

    def _token_request(self) -> dict[str, Any]:
        return {"headers": {"Authorization": self._basic}, "data": {"grant_type": "client_credentials"}}

    def _parse_token(self, payload: Any) -> tuple[str, float]:
        token = payload["access_token"]
        lifetime = float(payload.get("expires_in") or self.DEFAULT_LIFETIME)
        return str(token), self.clock() + lifetime
