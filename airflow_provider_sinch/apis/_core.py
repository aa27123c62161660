"""Endpoint descriptions, call descriptions and operations: the vocabulary of the API layer.

Nothing here sends a request. An :class:`Endpoint` says what an API operation is; a
:class:`Call` is one request to make (endpoint, path parameters, query, body); an
:data:`Operation` is a generator that yields calls and receives each call's parsed answer,
then returns its result. :func:`drive` and :func:`adrive` run an operation with a function
that sends one call (the sync and async transports provide it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

T = TypeVar("T")


@dataclass(frozen=True)
class Endpoint:
    """One API operation, described once and used by the sync hooks and the async triggers.

    :param method: HTTP method.
    :param path: path template relative to the API's base URL, ``{name}`` placeholders quoted.
    :param idempotent: whether repeating the request after an unclear outcome (timeout, 5xx) is
        harmless. Defaults to ``True`` for GET / PUT / DELETE, ``False`` for POST.
    :param unwrap: key of the JSON body holding the useful value (``"campaign"``), if any.
    """

    method: str
    path: str
    idempotent: bool | None = None
    unwrap: str | None = None

    @property
    def safe_to_repeat(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method.upper() in {"GET", "HEAD", "PUT", "DELETE", "OPTIONS"}

    def format_path(self, path_params: Mapping[str, Any] | None = None) -> str:
        params = {k: quote(str(v), safe="") for k, v in (path_params or {}).items()}
        try:
            return self.path.format(**params)
        except KeyError as err:
            raise ValueError(f"{self.method} {self.path} needs the path parameter {err.args[0]!r}") from None

    def parse(self, payload: Any) -> Any:
        if self.unwrap is not None and isinstance(payload, dict):
            return payload.get(self.unwrap)
        return payload


@dataclass(frozen=True)
class Call:
    """One request of an operation.

    :param endpoint: what to call.
    :param path_params: values for the path's placeholders.
    :param params: the query (a mapping or a list of pairs, for repeated names).
    :param json: a JSON body.
    :param data: a form body.
    :param headers: extra headers (never logged).
    :param base_url: an absolute base URL instead of the connection's (the OAuth2 token URL).
    :param authenticate: send the connection's credential (``False`` for the token request).
    :param optional: the operation can go on without this answer: a Sinch error is sent back
        into the operation as a :class:`CallFailed` instead of being raised.
    """

    endpoint: Endpoint
    path_params: Mapping[str, Any] | None = None
    params: Any = None
    json: Any = None
    data: Any = None
    headers: Mapping[str, str] | None = None
    base_url: str | None = None
    authenticate: bool = True
    optional: bool = field(default=False, compare=False)

    def request_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of a transport's ``call``/``request``."""
        return {
            "path_params": self.path_params,
            "params": self.params,
            "json": self.json,
            "data": self.data,
            "headers": self.headers,
            "base_url": self.base_url,
            "authenticate": self.authenticate,
        }


@dataclass(frozen=True)
class CallFailed:
    """The answer an operation receives for an ``optional`` call that failed: why, as text."""

    error: str


#: An operation: yields calls, receives their parsed answers, returns a result.
Operation = Generator[Call, Any, T]


def single(call: Call) -> Operation[Any]:
    """The operation of one call: its parsed answer."""
    return (yield call)


def _advance(
    operation: Operation[Any],
    call: Call,
    answer: Any,
    error: Exception | None,
    is_api_error: Callable[[Exception], bool],
) -> Call:
    """The operation's next call, once ``call`` got ``answer`` or raised ``error``.

    The error is raised inside the operation at its ``yield``, so the operation decides what to do
    with it; for an ``optional`` call an API error comes back as :class:`CallFailed` instead.
    Raises ``StopIteration`` (holding the result) when the operation is done.
    """
    if error is None:
        return operation.send(answer)
    if call.optional and is_api_error(error):
        return operation.send(CallFailed(str(error)))
    return operation.throw(error)


def drive(
    operation: Operation[T], send: Callable[[Call], Any], is_api_error: Callable[[Exception], bool]
) -> T:
    """Run ``operation`` with ``send`` (one call -> its parsed answer, or an exception)."""
    try:
        call = next(operation)
        while True:
            try:
                answer, error = send(call), None
            except Exception as exc:
                answer, error = None, exc
            call = _advance(operation, call, answer, error, is_api_error)
    except StopIteration as stop:
        return stop.value
    finally:
        operation.close()


async def adrive(
    operation: Operation[T], send: Callable[[Call], Awaitable[Any]], is_api_error: Callable[[Exception], bool]
) -> T:
    """The async twin of :func:`drive`: same operation, ``send`` awaited."""
    try:
        call = next(operation)
        while True:
            try:
                answer, error = await send(call), None
            except Exception as exc:
                answer, error = None, exc
            call = _advance(operation, call, answer, error, is_api_error)
    except StopIteration as stop:
        return stop.value
    finally:
        operation.close()
