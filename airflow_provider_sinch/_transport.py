"""What the sync and async transports share, with no HTTP client: settings, the retry decision,
backoff, error mapping, answer parsing and the per-account turn-taking.

:class:`~airflow_provider_sinch._http.SyncTransport` (``requests``, under the hooks) and
:class:`~airflow_provider_sinch._ahttp.AsyncTransport` (``httpx``, under the triggers) send the
API layer's calls with these pieces, so both retry, back off, renew a token and map errors the
same way. Nothing here logs a header or a body.
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import json as jsonlib
import logging
import math
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from airflow_provider_sinch import __version__
from airflow_provider_sinch.exceptions import (
    SinchApiError,
    SinchAuthError,
    SinchBadRequestError,
    SinchError,
    SinchNotFoundError,
    SinchRateLimitError,
    SinchResponseFormatError,
    SinchServerError,
    SinchTLSError,
    SinchTransportError,
    SinchValidationError,
)

if TYPE_CHECKING:
    from airflow_provider_sinch._auth import SinchAuth
    from airflow_provider_sinch.apis._core import Endpoint

log = logging.getLogger(__name__)

USER_AGENT = f"airflow-provider-sinch/{__version__}"
RETRYABLE_SERVER_STATUSES = frozenset({500, 502, 503, 504})
_REQUEST_ID_HEADERS = ("x-request-id", "x-correlation-id", "x-sinch-request-id", "request-id")


@dataclass(frozen=True)
class HttpSettings:
    """Transport settings, resolved from hook arguments, then the connection's extra, then defaults."""

    connect_timeout: float = 10.0
    timeout: float = 60.0
    max_retries: int = 5
    retry_backoff: float = 1.0
    retry_backoff_max: float = 60.0
    retry_after_max: float = 600.0

    OPTIONS = (
        "connect_timeout",
        "timeout",
        "max_retries",
        "retry_backoff",
        "retry_backoff_max",
        "retry_after_max",
    )

    @classmethod
    def resolve(cls, extra: Mapping[str, Any], overrides: Mapping[str, Any]) -> HttpSettings:
        """Settings from ``overrides`` (a hook's ``hook_params``), then ``extra``, then the defaults.

        :param extra: the connection's extra (other keys are ignored here; see
            :meth:`~airflow_provider_sinch.connections.ConnectionKind.unknown_extra_keys`).
        :param overrides: hook arguments; ``None`` or ``""`` falls through to the extra.
        :raises SinchValidationError: a value that is not a finite, non-negative number (a whole
            number for ``max_retries``), naming the option and where it was set.
        :raises TypeError: an override that is not one of :attr:`OPTIONS`.
        """
        values: dict[str, Any] = {}
        defaults = cls()
        for name in cls.OPTIONS:
            raw, source = overrides.get(name), "hook_params"
            if raw is None:
                raw, source = extra.get(name), "the connection's extra"
            if raw is None or raw == "":
                continue
            values[name] = _option_number(
                name, raw, whole=type(getattr(defaults, name)) is int, source=source
            )
        unknown = set(overrides) - set(cls.OPTIONS)
        if unknown:
            raise TypeError(f"Unknown hook option(s) {sorted(unknown)}; known: {list(cls.OPTIONS)}")
        return cls(**values)

    @property
    def requests_timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.timeout)


def _option_number(name: str, raw: Any, *, whole: bool, source: str) -> Any:
    """One transport option as a number: a JSON number or its text (URI extras are all text).

    ``True`` is refused although Python counts it as 1, and ``2.5`` retries is refused rather
    than truncated: either would silently run with a value nobody typed.
    """
    kind = "a whole number" if whole else "a number"

    def refuse(rule: str) -> SinchValidationError:
        return SinchValidationError(f"Sinch transport option {name!r} {rule}, got {raw!r} (set in {source})")

    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise refuse(f"must be {kind}")
    try:
        number = float(raw)
    except ValueError:
        raise refuse(f"must be {kind}") from None
    if not math.isfinite(number):
        raise refuse(f"must be {kind}, not infinite or NaN")
    if whole and not number.is_integer():
        raise refuse("must be a whole number")
    if number < 0:
        raise refuse("must not be negative")
    return int(number) if whole else number


class Failure(str, enum.Enum):
    """How a request failed when no HTTP answer came back."""

    NOT_SENT = "not_sent"  # the connection was never made: Sinch surely saw nothing
    MAYBE_SENT = "maybe_sent"  # timeout or a connection dropped mid-request: Sinch may have acted
    # The TLS handshake failed: Sinch surely saw nothing, and trying again would fail the same way
    # (a plain-http server reached with https://, a certificate that is not trusted).
    TLS_HANDSHAKE = "tls_handshake"


#: TLS errors that are a connection closing (at any time, also mid-answer, like a pooled connection
#: the server dropped) rather than a handshake refused: classified like any dropped connection.
_TLS_CONNECTION_CLOSED = (ssl.SSLEOFError, ssl.SSLZeroReturnError, ssl.SSLSyscallError)


def tls_handshake_error(exc: BaseException) -> ssl.SSLError | None:
    """The ``ssl`` error of a refused TLS handshake somewhere in ``exc``'s chain, if there is one.

    Both HTTP clients wrap it (``requests`` -> ``urllib3`` -> ``ssl``; ``httpx`` -> ``httpcore`` ->
    ``ssl``), through ``__cause__``, ``__context__``, ``reason`` or the first argument; this walks
    the types only, never a message.
    """
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        current = todo.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLError) and not isinstance(current, _TLS_CONNECTION_CLOSED):
            return current
        todo.extend((current.__cause__, current.__context__, getattr(current, "reason", None)))
        todo.extend(current.args[:1])
    return None


def _tls_hint(exc: BaseException, url: str) -> str:
    """What a failed TLS handshake with ``url``'s server most likely means, and what to change."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
    error = tls_handshake_error(exc)
    if isinstance(error, ssl.SSLCertVerificationError):
        reason = error.verify_message or error.reason or "not trusted"
        return (
            f"TLS handshake with {origin} failed: its certificate was refused ({reason}); "
            "check the server name in the connection's host, "
            "or the CA bundle (REQUESTS_CA_BUNDLE, SSL_CERT_FILE)"
        )
    return (
        f"TLS handshake with {origin} failed: is the server plain http? put http:// in the connection's host"
    )


def should_retry(*, idempotent: bool, status: int | None = None, failure: Failure | None = None) -> bool:
    """The one retry decision, for both transports.

    A request that surely never reached Sinch (connection refused, 429) is always repeated.
    One that may have reached it (a timeout, a 5xx) is repeated only when it is idempotent:
    a POST that creates or sends is left to the operator, which checks Sinch's state first.
    A failed TLS handshake is never repeated: it is the connection's scheme or certificate, and
    five more handshakes would only delay the message that says so.
    """
    if failure is Failure.TLS_HANDSHAKE:
        return False
    if failure is Failure.NOT_SENT or status == 429:
        return True
    if failure is Failure.MAYBE_SENT or (status is not None and status in RETRYABLE_SERVER_STATUSES):
        return idempotent
    return False


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def retry_delay(
    attempt: int,
    settings: HttpSettings,
    retry_after: str | None = None,
    *,
    jitter: Callable[[], float] = random.random,
) -> float:
    """Exponential backoff with jitter for retry ``attempt`` (1-based), never less than Retry-After.

    Retry-After is honoured up to ``retry_after_max`` so a server cannot park a task forever.
    """
    ceiling = min(settings.retry_backoff_max, settings.retry_backoff * 2 ** (attempt - 1))
    delay = ceiling * (0.5 + jitter() / 2)
    server_wait = parse_retry_after(retry_after)
    if server_wait is not None:
        delay = max(delay, min(server_wait, settings.retry_after_max))
    return delay


def _request_id(headers: Mapping[str, str]) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    return next((lowered[h] for h in _REQUEST_ID_HEADERS if h in lowered), None)


def _describe_errors(errors: Any) -> tuple[str, list[dict[str, Any]]]:
    """Flatten the Campaign API's ``errors`` (a string, or field -> messages) into text and violations."""
    if isinstance(errors, dict):
        violations = []
        for key, messages in errors.items():
            if isinstance(messages, (list, tuple)):
                text = "; ".join(str(m) for m in messages)
            elif isinstance(messages, dict):
                text = "; ".join(f"{k}: {v}" for k, v in messages.items())
            else:
                text = str(messages)
            violations.append({"field": key, "description": text})
        return "invalid parameters", violations
    if isinstance(errors, list):
        return "; ".join(str(e) for e in errors), []
    return str(errors), []


def error_from_response(
    status: int, body: Any, *, method: str, path: str, headers: Mapping[str, str]
) -> SinchApiError:
    """Map an error answer of any of the three APIs to a typed exception.

    Understands the Campaign API's ``{"errors": ...}``, the Short Code API's
    ``{"error": {"code", "message", "status", "details": [{"fieldViolations": [...]}]}}``
    and the gRPC-gateway style ``{"code", "message", "details"}`` of the 10DLC API.
    """
    message = f"HTTP {status}"
    errors: Any = None
    violations: list[dict[str, Any]] = []
    if isinstance(body, dict):
        if isinstance(body.get("error"), str):  # the OAuth2 token endpoint (RFC 6749)
            description = body.get("error_description")
            message = f"{body['error']}: {description}" if description else body["error"]
        if "errors" in body:
            errors = body["errors"]
            message, violations = _describe_errors(errors)
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        if isinstance(inner, dict) and ("message" in inner or "details" in inner):
            message = str(inner.get("message") or inner.get("status") or message)
            details = inner.get("details")
            if details is not None:
                errors = details
            for detail in details if isinstance(details, list) else []:
                if isinstance(detail, dict):
                    violations.extend(v for v in detail.get("fieldViolations", []) if isinstance(v, dict))
            api_status = inner.get("status")
            if isinstance(api_status, str) and api_status not in message:
                message = f"{api_status}: {message}"
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:500]
    if status in (401, 403):
        cls: type[SinchApiError] = SinchAuthError
    elif status == 404:
        cls = SinchNotFoundError
    elif status == 429:
        cls = SinchRateLimitError
    elif status >= 500:
        cls = SinchServerError
    else:
        # 400, other 4xx, and the Campaign API's 200 carrying ``success: false``: a usage error.
        cls = SinchBadRequestError
    return cls(
        message,
        status_code=status,
        method=method,
        path=path,
        errors=errors,
        field_violations=violations,
        request_id=_request_id(headers),
    )


def decode_body(content: bytes, content_type: str | None) -> Any:
    if not content:
        return None
    try:
        return jsonlib.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")


def parse_response(
    endpoint: Endpoint,
    path_params: Mapping[str, Any] | None,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
) -> Any:
    """The parsed, unwrapped JSON of a successful answer.

    Every JSON endpoint of the three APIs answers an object (or an array). Anything else on a
    2xx (an HTML page from a proxy, an empty body, a bare JSON string) is raised as
    :class:`~airflow_provider_sinch.exceptions.SinchResponseFormatError`, naming the endpoint,
    the status and the content type; an empty ``204`` or ``DELETE`` answer is ``None``.
    The Campaign API can answer 200 with ``success: false``; that is raised as an error too.
    """
    if not content and (status == 204 or endpoint.method.upper() == "DELETE"):
        return None
    try:
        payload = jsonlib.loads(content) if content else None
    except ValueError:
        payload = _NOT_JSON
    if not isinstance(payload, (dict, list)):
        content_type = headers.get("Content-Type") or "no content type"
        what = "an empty body" if not content else "a body that is not a JSON object"
        raise SinchResponseFormatError(
            f"answered {what} ({content_type})",
            status_code=status,
            method=endpoint.method.upper(),
            path=endpoint.format_path(path_params),
            request_id=_request_id(headers),
            content_type=content_type,
        )
    if isinstance(payload, dict) and payload.get("success") is False:
        path = endpoint.format_path(path_params)
        raise error_from_response(status, payload, method=endpoint.method, path=path, headers=headers)
    return endpoint.parse(payload)


_NOT_JSON = object()


def join_url(base_url: str, path: str) -> str:
    if not path:
        return base_url
    return base_url.rstrip("/") + "/" + path.lstrip("/")


# --- One account, one request at a time ----------------------------------------------------
# The Campaign API asks clients not to call one account in parallel. Within a process
# (a task, or the triggerer running many triggers) requests to one account take turns.
_sync_locks: dict[str, threading.RLock] = {}
_sync_locks_guard = threading.Lock()
_async_locks: dict[tuple[int, str], asyncio.Lock] = {}


def _sync_lock(key: str) -> threading.RLock:
    with _sync_locks_guard:
        return _sync_locks.setdefault(key, threading.RLock())


def loop_lock(registry: dict[tuple[int, str], asyncio.Lock], key: str) -> asyncio.Lock:
    """The ``asyncio.Lock`` of ``key`` in ``registry`` for the running event loop (a lock is bound
    to one loop, and a triggerer or a test may run several in turn)."""
    loop_key = (id(asyncio.get_running_loop()), key)
    lock = registry.get(loop_key)
    if lock is None:
        lock = registry[loop_key] = asyncio.Lock()
    return lock


def _async_lock(key: str) -> asyncio.Lock:
    return loop_lock(_async_locks, key)


BodyFactory = Callable[[], Iterable[bytes]]


def is_api_error(exc: Exception) -> bool:
    """Whether ``exc`` is one of the provider's own errors (an optional call may absorb it)."""
    return isinstance(exc, SinchError)


class Answer(Protocol):
    """What both HTTP clients' responses offer the decision code."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...


@dataclass
class Attempts:
    """Counts retries and 401 renewals for one logical request; decides what each outcome means."""

    endpoint: Endpoint
    settings: HttpSettings
    method: str
    path: str
    url: str = ""  # the whole URL, to name the server when the connection to it failed
    retries: int = 0
    renewed: bool = False

    def after_failure(self, failure: Failure, exc: Exception) -> float:
        """Delay before the next try, or raise when this failure ends the request.

        :raises SinchTransportError: no retry is left, or none is allowed; ``maybe_delivered``
            tells whether Sinch may have acted on the request.
        """
        if self.retries < self.settings.max_retries and should_retry(
            idempotent=self.endpoint.safe_to_repeat, failure=failure
        ):
            self.retries += 1
            delay = retry_delay(self.retries, self.settings)
            log.warning(
                "%s %s: %s (%s); retry %d/%d in %.1fs",
                self.method,
                self.path,
                type(exc).__name__,
                failure.value,
                self.retries,
                self.settings.max_retries,
                delay,
            )
            return delay
        if failure is Failure.TLS_HANDSHAKE:
            raise SinchTLSError(
                f"{self.method} {self.path} failed: {_tls_hint(exc, self.url or self.path)} "
                "(Sinch was not reached; not retried)",
                maybe_delivered=False,
            ) from exc
        hint = (
            "the request may have reached Sinch; check its state before repeating it"
            if failure is Failure.MAYBE_SENT
            else "Sinch was not reached"
        )
        raise SinchTransportError(
            f"{self.method} {self.path} failed after {self.retries} retries: {type(exc).__name__} ({hint})",
            maybe_delivered=failure is Failure.MAYBE_SENT,
        ) from exc

    def after_response(
        self, response: Answer, auth: SinchAuth | None, credential: str | None
    ) -> float | None:
        """What to do with an answer: ``None`` returns it, a delay (0 for a replay) tries again.

        A 401 renews the credential once (only if ``credential``, the one this request sent, is
        still the cached one: a token another request already renewed is not renewed again) and
        replays the request; an error that is final is raised as a typed exception (the body is
        only read then, so streamed downloads stay streamed).
        """
        status, headers = response.status_code, response.headers
        renewable = status == 401 and auth is not None and credential is not None and not self.renewed
        if renewable and auth.renew(credential):  # type: ignore[union-attr,arg-type]
            self.renewed = True
            log.info("%s %s: HTTP 401, renewing the access token once", self.method, self.path)
            return 0.0
        if status < 400:
            return None
        delay = self.after_status(status, headers)
        if delay is None:
            body = decode_body(response.content, headers.get("Content-Type"))
            raise error_from_response(status, body, method=self.method, path=self.path, headers=headers)
        return delay

    def after_status(self, status: int, headers: Mapping[str, str]) -> float | None:
        """Delay before the next try, or ``None`` when the answer is final."""
        if self.retries < self.settings.max_retries and should_retry(
            idempotent=self.endpoint.safe_to_repeat, status=status
        ):
            self.retries += 1
            delay = retry_delay(self.retries, self.settings, headers.get("Retry-After"))
            log.warning(
                "%s %s: HTTP %d; retry %d/%d in %.1fs",
                self.method,
                self.path,
                status,
                self.retries,
                self.settings.max_retries,
                delay,
            )
            return delay
        return None


def iter_pages(
    fetch: Callable[[str | None], Mapping[str, Any]], items_key: str, token_key: str = "nextPageToken"
) -> Iterator[Any]:
    """Yield items one at a time across pages that chain with ``nextPageToken``."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(token) or {}
        yield from page.get(items_key) or []
        token = page.get(token_key) or None
        if not token or token in seen:
            return
        seen.add(token)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)
