"""The async request path of the triggers: ``httpx.AsyncClient`` (shipped with Airflow 3).

:class:`AsyncTransport` sends the same API-layer calls and runs the same operations as the
hooks' :class:`~airflow_provider_sinch._http.SyncTransport`, with the same retry decision,
backoff, 401 renewal and error mapping (:mod:`airflow_provider_sinch._transport`). It never
imports ``requests`` nor a hook, so the triggerer loads neither.

Triggers of one triggerer process share their HTTP client: one ``httpx.AsyncClient`` (its TLS
context and connection pool, a few hundred kilobytes each) per event loop and connection
config, counted by its users and closed when the last one ends (:func:`shared_clients`).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from airflow_provider_sinch._transport import (
    USER_AGENT,
    Attempts,
    Failure,
    HttpSettings,
    _async_lock,
    is_api_error,
    join_url,
    parse_response,
    tls_handshake_error,
)
from airflow_provider_sinch.apis._core import Call, Endpoint, Operation, adrive

if TYPE_CHECKING:
    from airflow_provider_sinch._auth import SinchAuth

T = TypeVar("T")


async def _asleep(seconds: float) -> None:
    """Backoff sleep; module-level so tests replace it and never really wait."""
    await asyncio.sleep(seconds)


def classify_httpx_error(exc: Exception) -> Failure:
    """Whether an ``httpx`` failure surely happened before Sinch saw the request.

    A ``ConnectError`` caused by a refused TLS handshake is :attr:`~Failure.TLS_HANDSHAKE`:
    never sent and not worth repeating.
    """
    if isinstance(exc, httpx.ConnectError) and tls_handshake_error(exc) is not None:
        return Failure.TLS_HANDSHAKE
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Failure.NOT_SENT
    return Failure.MAYBE_SENT


@dataclass
class _SharedClient:
    client: httpx.AsyncClient
    users: int
    #: Held so that the ``id()`` in the key cannot be reused by another transport (tests).
    mock_transport: Any = None


#: Shared clients: event loop -> connection config -> client. A loop that is gone takes its
#: clients with it (they cannot be used from another loop anyway).
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Hashable, _SharedClient]] = (
    weakref.WeakKeyDictionary()
)


def _new_client(settings: HttpSettings, mock_transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
        transport=mock_transport,
    )


def shared_clients() -> dict[Hashable, int]:
    """The shared clients open in the running event loop: config key -> number of users."""
    return {key: entry.users for key, entry in _clients.get(asyncio.get_running_loop(), {}).items()}


class AsyncTransport:
    """``httpx.AsyncClient`` transport for triggers.

    Same endpoints, retries, 401 renewal and errors as the sync transport.

    :param base_url: the API's base URL with scheme (the connection's host).
    :param auth: how requests are authenticated; ``None`` for none.
    :param settings: timeouts and retry policy.
    :param account_key: requests sharing a key take turns within the event loop.
    :param sleep: an async sleep injected in tests.
    :param mock_transport: an ``httpx`` transport to use instead of the network (tests).
    :param share_client: use the event loop's client for this connection config (created by the
        first user, closed by the last one's :meth:`aclose`) instead of a client of its own.
        Without a running event loop the transport always has its own client.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: SinchAuth | None,
        settings: HttpSettings,
        account_key: str,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        mock_transport: httpx.AsyncBaseTransport | None = None,
        share_client: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.settings = settings
        self.account_key = account_key
        self._injected_sleep = sleep
        self._mock_transport = mock_transport
        self._closed = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._client_key: Hashable | None = None
        try:
            loop = asyncio.get_running_loop() if share_client else None
        except RuntimeError:
            loop = None
        if loop is None:
            self.client = _new_client(settings, mock_transport)
            return
        # The client holds no credential (auth headers are set per request), so one per account
        # and timeouts is enough; the mock's identity keeps tests' fake servers apart.
        key = (account_key, settings.timeout, settings.connect_timeout, id(mock_transport))
        clients = _clients.setdefault(loop, {})
        entry = clients.get(key)
        if entry is None or entry.client.is_closed:
            entry = clients[key] = _SharedClient(_new_client(settings, mock_transport), 0, mock_transport)
        entry.users += 1
        self.client = entry.client
        self._loop, self._client_key = loop, key

    def share(self) -> AsyncTransport:
        """Another transport with the same connection config, counted as one more client user."""
        return AsyncTransport(
            self.base_url,
            auth=self.auth,
            settings=self.settings,
            account_key=self.account_key,
            sleep=self._injected_sleep,
            mock_transport=self._mock_transport,
            share_client=self._client_key is not None,
        )

    async def aclose(self) -> None:
        """Release the client: close it if it is this transport's own or its last user leaves."""
        if self._closed:
            return
        self._closed = True
        if self._loop is None:
            await self.client.aclose()
            return
        clients = _clients.get(self._loop, {})
        entry = clients.get(self._client_key)
        if entry is None or entry.client is not self.client:
            return
        entry.users -= 1
        if entry.users <= 0:
            # Forget it before awaiting, so that a new user meanwhile opens a fresh client.
            del clients[self._client_key]
            await entry.client.aclose()

    async def _pause(self, seconds: float) -> None:
        if self._injected_sleep is not None:
            await self._injected_sleep(seconds)
        else:
            await _asleep(seconds)

    async def request(
        self,
        endpoint: Endpoint,
        *,
        path_params: Mapping[str, Any] | None = None,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        base_url: str | None = None,
        authenticate: bool = True,
    ) -> httpx.Response:
        """Send ``endpoint`` and return the successful response; raise a typed error otherwise."""
        path = endpoint.format_path(path_params)
        url = join_url(base_url or self.base_url, path)
        path = path or url
        method = endpoint.method.upper()
        attempts = Attempts(endpoint, self.settings, method, path, url)
        auth = self.auth if authenticate else None
        while True:
            send_headers = dict(headers or {})
            credential = None
            if auth is not None:
                credential = await auth.acredential(self.run)
                send_headers.update(auth.header(credential))
            try:
                async with _async_lock(self.account_key):
                    response = await self.client.request(
                        method, url, params=params, json=json, data=data, headers=send_headers
                    )
            except httpx.HTTPError as exc:
                await self._pause(attempts.after_failure(classify_httpx_error(exc), exc))
                continue
            delay = attempts.after_response(response, auth, credential)
            if delay is None:
                return response
            if delay:
                await self._pause(delay)

    async def call(self, endpoint: Endpoint, **kwargs: Any) -> Any:
        """Send ``endpoint`` and return its parsed, unwrapped JSON."""
        response = await self.request(endpoint, **kwargs)
        return parse_response(
            endpoint, kwargs.get("path_params"), response.status_code, response.headers, response.content
        )

    async def send(self, call: Call) -> Any:
        """Send one API-layer call and return its parsed answer."""
        return await self.call(call.endpoint, **call.request_kwargs())

    async def run(self, operation: Operation[T]) -> T:
        """Run an API-layer operation (one or several calls) and return its result."""
        return await adrive(operation, self.send, is_api_error)
