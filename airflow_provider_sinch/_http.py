"""The sync request path shared by every hook: ``requests``, one ``Session`` per hook.

:class:`SyncTransport` sends the API layer's calls (:class:`~airflow_provider_sinch.apis._core.Call`)
and runs its operations (:meth:`SyncTransport.run`) with the retry decision, backoff, 401
renewal and error mapping of :mod:`airflow_provider_sinch._transport`, which the async
transport of the triggers (:mod:`airflow_provider_sinch._ahttp`) shares. Nothing here logs a
header or a body.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from airflow_provider_sinch._transport import (
    RETRYABLE_SERVER_STATUSES,
    USER_AGENT,
    Attempts,
    BodyFactory,
    Failure,
    HttpSettings,
    _sync_lock,
    decode_body,
    error_from_response,
    is_api_error,
    iter_pages,
    join_url,
    parse_response,
    parse_retry_after,
    retry_delay,
    should_retry,
    tls_handshake_error,
    utc_now,
)
from airflow_provider_sinch.apis._core import Call, Endpoint, Operation, drive

if TYPE_CHECKING:
    from airflow_provider_sinch._auth import SinchAuth

__all__ = [
    "RETRYABLE_SERVER_STATUSES",
    "USER_AGENT",
    "BodyFactory",
    "Endpoint",
    "Failure",
    "HttpSettings",
    "SyncTransport",
    "classify_requests_error",
    "decode_body",
    "error_from_response",
    "iter_pages",
    "join_url",
    "parse_response",
    "parse_retry_after",
    "retry_delay",
    "should_retry",
    "utc_now",
]

T = TypeVar("T")


def _sleep(seconds: float) -> None:
    """Backoff sleep; module-level so tests replace it and never really wait."""
    time.sleep(seconds)


class _SessionAuth(requests.auth.AuthBase):
    """The transport's auth as a ``requests`` auth, so that ``hook.get_conn()`` is authenticated too."""

    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        auth = self._transport.auth
        if auth is not None and "Authorization" not in request.headers:
            request.headers.update(auth.header(auth.credential(self._transport.run)))
        return request


class SyncTransport:
    """``requests`` transport: one ``Session`` for the hook's life.

    :param base_url: the API's base URL with scheme (the connection's host).
    :param auth: how requests are authenticated; ``None`` for none.
    :param settings: timeouts and retry policy.
    :param account_key: requests sharing a key take turns within the process.
    :param sleep: injected in tests so that no test really sleeps.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: SinchAuth | None,
        settings: HttpSettings,
        account_key: str,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.settings = settings
        self.account_key = account_key
        self._injected_sleep = sleep
        self.auth = auth
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        self.session.auth = _SessionAuth(self)

    def close(self) -> None:
        self.session.close()

    def _pause(self, seconds: float) -> None:
        (self._injected_sleep or _sleep)(seconds)

    def request(
        self,
        endpoint: Endpoint,
        *,
        path_params: Mapping[str, Any] | None = None,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        body: BodyFactory | None = None,
        files: Callable[[], Any] | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        base_url: str | None = None,
        authenticate: bool = True,
    ) -> requests.Response:
        """Send ``endpoint`` and return the successful response; raise a typed error otherwise.

        ``body`` and ``files`` are factories, called once per attempt, so that a streamed
        upload can be sent again when a retry is allowed.
        """
        path = endpoint.format_path(path_params)
        url = join_url(base_url or self.base_url, path)
        path = path or url  # the token endpoint is a whole URL; it holds no secret
        method = endpoint.method.upper()
        attempts = Attempts(endpoint, self.settings, method, path, url)
        auth = self.auth if authenticate else None
        while True:
            send_headers = dict(headers or {})
            credential = None
            if auth is not None:
                credential = auth.credential(self.run)
                send_headers.update(auth.header(credential))
            try:
                with _sync_lock(self.account_key):
                    response = self.session.request(
                        method,
                        url,
                        params=params,
                        json=json,
                        data=body() if body is not None else data,
                        files=files() if files is not None else None,
                        headers=send_headers,
                        # The header is set above; an unauthenticated call skips the session's auth.
                        auth=_no_auth if auth is None else None,
                        timeout=self.settings.requests_timeout,
                        stream=stream,
                    )
            except requests.RequestException as exc:
                self._pause(attempts.after_failure(classify_requests_error(exc), exc))
                continue
            delay = attempts.after_response(response, auth, credential)
            if delay is None:
                return response
            response.close()
            if delay:
                self._pause(delay)

    def call(self, endpoint: Endpoint, **kwargs: Any) -> Any:
        """Send ``endpoint`` and return its parsed, unwrapped JSON."""
        response = self.request(endpoint, **kwargs)
        return parse_response(
            endpoint, kwargs.get("path_params"), response.status_code, response.headers, response.content
        )

    def send(self, call: Call) -> Any:
        """Send one API-layer call and return its parsed answer."""
        return self.call(call.endpoint, **call.request_kwargs())

    def run(self, operation: Operation[T]) -> T:
        """Run an API-layer operation (one or several calls) and return its result."""
        return drive(operation, self.send, is_api_error)


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """Overrides the session's auth for an unauthenticated request (the token request)."""
    return request


def classify_requests_error(exc: requests.RequestException) -> Failure:
    """Whether a ``requests`` failure surely happened before Sinch saw the request.

    A refused TLS handshake (``requests.exceptions.SSLError`` wrapping an ``ssl`` error other than
    a closed connection) is :attr:`~Failure.TLS_HANDSHAKE`: never sent and not worth repeating.
    """
    import urllib3.exceptions as u3

    if isinstance(exc, requests.exceptions.SSLError) and tls_handshake_error(exc) is not None:
        return Failure.TLS_HANDSHAKE
    if isinstance(exc, requests.ConnectTimeout):
        return Failure.NOT_SENT
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        cause = exc.args[0] if exc.args else None
        reason = getattr(cause, "reason", cause)
        if isinstance(reason, (u3.NewConnectionError, u3.ConnectTimeoutError, u3.NameResolutionError)):
            return Failure.NOT_SENT
    return Failure.MAYBE_SENT
