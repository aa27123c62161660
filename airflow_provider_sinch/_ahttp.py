"""The async request path of the triggers: ``httpx.AsyncClient`` (shipped with Airflow 3).

:class:`AsyncTransport` sends the same API-layer calls and runs the same operations as the
hooks' :class:`~airflow_provider_sinch._http.SyncTransport`, with the same retry decision,
backoff, 401 renewal and error mapping (:mod:`airflow_provider_sinch._transport`). It never
imports ``requests`` nor a hook, so the triggerer loads neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
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


class AsyncTransport:
    """``httpx.AsyncClient`` transport for triggers.

    Same endpoints, retries, 401 renewal and errors as the sync transport.

    :param base_url: the API's base URL with scheme (the connection's host).
    :param auth: how requests are authenticated; ``None`` for none.
    :param settings: timeouts and retry policy.
    :param account_key: requests sharing a key take turns within the event loop.
    :param sleep: an async sleep injected in tests.
    :param mock_transport: an ``httpx`` transport to use instead of the network (tests).
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
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.settings = settings
        self.account_key = account_key
        self._injected_sleep = sleep
        self.client = httpx.AsyncClient(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            transport=mock_transport,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

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
