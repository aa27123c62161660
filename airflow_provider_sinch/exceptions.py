"""Typed errors raised by the Sinch provider.

Every error that comes from an HTTP exchange carries the status code, the API's own error
payload (the Campaign API's ``errors``, the Short Code API's ``RestError`` with its
``fieldViolations``, the 10DLC API's ``details``) and the request id when Sinch sends one.
None of them ever holds a credential: messages are built from the response body and the
endpoint's path, never from request headers.

Every error travels unchanged (type, message, attributes) through ``pickle`` and
``copy.deepcopy`` (a result handed between processes, a task's failure stored by an executor) and
through Airflow's own serializer, which calls :meth:`SinchError.serialize`: each message is
formatted once, when the error is first built, never again on the way back.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_sinch._compat import AirflowException, AirflowFailException, AirflowSensorTimeout


def _rebuild(cls: type[SinchError], args: tuple[Any, ...]) -> SinchError:
    """Recreate an unpickled error without calling its ``__init__``.

    ``__init__`` formats the message from its arguments; ``args`` already hold that message, so
    calling it again would format it twice (or fail for want of a keyword-only argument). The
    attributes come back through ``BaseException.__setstate__``.
    """
    return cls.__new__(cls, *args)


class SinchError(AirflowException):
    """Base class of every error raised by this provider.

    Subclasses whose ``__init__`` takes other arguments than the message override
    :meth:`_constructor_arguments`; ``tests/test_exceptions.py`` checks every class of this module.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (type(self), self.args), self.__dict__

    def _constructor_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` such that ``type(self)(*args, **kwargs)`` rebuilds this error."""
        return self.args, {}

    def serialize(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """``(class path, args, kwargs)`` that Airflow's serializer stores to rebuild this error.

        Airflow's own version stores ``(str(self),)``, which would format the message twice.
        """
        cls = type(self)
        args, kwargs = self._constructor_arguments()
        return f"{cls.__module__}.{cls.__qualname__}", args, kwargs


class SinchValidationError(SinchError, AirflowFailException, ValueError):
    """The input breaks a rule the API documents; raised before any request is sent.

    Fails the task without retries: the same input would break the same rule again.

    :param violations: one ``(field, message)`` pair per broken rule, all reported together.
    :param context: what was being checked (an operationId), put before the message.
    """

    def __init__(self, violations: list[tuple[str, str]] | str, *, context: str | None = None) -> None:
        if isinstance(violations, str):
            violations = [("", violations)]
        self.violations = violations
        self.context = context
        lines = [f"{field}: {message}" if field else message for field, message in violations]
        head = f"{context}: " if context else ""
        if len(lines) == 1:
            text = head + lines[0]
        else:
            text = head + f"{len(lines)} problems found before sending:\n  - " + "\n  - ".join(lines)
        super().__init__(text)

    @property
    def fields(self) -> list[str]:
        return [field for field, _ in self.violations]

    def _constructor_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.violations,), {"context": self.context}


class SinchApiError(SinchError):
    """Sinch answered with an error status.

    :param status_code: the HTTP status.
    :param message: a readable summary of what the API said.
    :param errors: the API's ``errors`` payload (Campaign API) or ``details`` (others), verbatim.
    :param field_violations: ``[{"field": ..., "description": ...}]`` when the API sent them.
    :param request_id: the request id header, when present, to quote to Sinch support.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str | None = None,
        path: str | None = None,
        errors: Any = None,
        field_violations: list[dict[str, Any]] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status_code = status_code  # type: ignore[assignment]  # AirflowException declares an HTTPStatus
        self.method = method
        self.path = path
        self.errors = errors
        self.field_violations = field_violations or []
        self.request_id = request_id
        self.api_message = message
        super().__init__(self._format())

    def _format(self) -> str:
        where = f"{self.method} {self.path}" if self.method and self.path else "Sinch API"
        status = f" with HTTP {self.status_code}" if self.status_code is not None else ""
        text = f"{where} failed{status}: {self.api_message}"
        if self.field_violations:
            text += "".join(
                f"\n  - {v.get('field', '?')}: {v.get('description', v.get('message', ''))}"
                for v in self.field_violations
            )
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text

    def _constructor_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.api_message,), {
            "status_code": self.status_code,
            "method": self.method,
            "path": self.path,
            "errors": self.errors,
            "field_violations": self.field_violations,
            "request_id": self.request_id,
        }


class SinchAuthError(SinchApiError):
    """401 / 403: the credentials were refused (wrong key, expired token that could not be renewed)."""


class SinchNotFoundError(SinchApiError):
    """404: the resource does not exist on this account.

    The Campaign API answers an unknown ``campaign_uuid`` parameter with a 400 instead; that is a
    :class:`SinchBadRequestError` whose ``field_violations`` name ``campaign_uuid`` (the provider
    does not read message texts to decide types).
    """


class SinchBadRequestError(SinchApiError):
    """400: the API refused the request's parameters."""


class SinchRateLimitError(SinchApiError):
    """429 after every retry was spent."""


class SinchServerError(SinchApiError):
    """5xx after every retry was spent (or at once for a request that is not safe to repeat)."""


class SinchResponseFormatError(SinchServerError):
    """A 2xx answer that is not the JSON the endpoint promises (an HTML page from a proxy, an
    empty body, a bare JSON string).

    A :class:`SinchServerError`: Sinch may have acted, and a long wait waits it out like a 5xx.

    :param content_type: the answer's ``Content-Type``.
    """

    def __init__(self, message: str, *, content_type: str | None = None, **kwargs: Any) -> None:
        self.content_type = content_type
        super().__init__(message, **kwargs)

    def _constructor_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        args, kwargs = super()._constructor_arguments()
        return args, {**kwargs, "content_type": self.content_type}


class SinchTransportError(SinchError):
    """No HTTP answer at all: connection refused, DNS failure, timeout.

    :param maybe_delivered: ``True`` when the request may have reached Sinch (a read timeout),
        so a non-idempotent call must check Sinch's state before trying again.
    """

    def __init__(self, message: str, *, maybe_delivered: bool) -> None:
        self.maybe_delivered = maybe_delivered
        super().__init__(message)

    def _constructor_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return self.args, {"maybe_delivered": self.maybe_delivered}


class SinchOutcomeUnknownError(SinchError):
    """An action's answer was unclear (a timeout, a 5xx) and Sinch shows no result of it yet.

    Retryable: the next try looks at Sinch's state again before acting, so nothing is done twice.
    """


class SinchTLSError(SinchTransportError):
    """The TLS handshake with the connection's host failed (a plain-http server reached with
    ``https://``, an untrusted certificate): a configuration problem, not a transient one.

    Sinch was not reached. Neither the transport nor a long wait tries again: the message says
    what to change in the connection.
    """


class SinchTerminalStatusError(SinchError, AirflowFailException):
    """A sensor or waiting operator saw a status from which the target can no longer be reached.

    Fails the task without retries: waiting again would see the same status.

    :param status: the terminal status seen.
    :param reason: what the API gave as the reason (validation errors, notes, feedback).
    """

    def __init__(self, resource: str, status: str, reason: str | None = None) -> None:
        self.resource = resource
        self.status = status
        self.reason = reason
        text = f"{resource} reached terminal status {status!r}"
        if reason:
            text += f": {reason}"
        super().__init__(text)

    def _constructor_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.resource, self.status, self.reason), {}


class SinchWaitTimeout(SinchError, AirflowSensorTimeout):
    """A wait reached its timeout before a target status: in poke, reschedule or deferrable mode,
    in a sensor or an operator's ``wait_for_completion``.

    An :class:`AirflowSensorTimeout`, so the task fails without a retry starting the wait anew
    (a sensor with ``soft_fail`` is skipped instead).

    :param resource: what was waited on (``"10DLC campaign registration 01H..."``).
    :param status: the last status seen, if any.
    """

    def __init__(self, message: str, *, resource: str | None = None, status: str | None = None) -> None:
        self.resource = resource
        self.status = status
        super().__init__(message)

    def _constructor_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return self.args, {"resource": self.resource, "status": self.status}


def outcome_unknown(exc: BaseException) -> bool:
    """Whether Sinch may have acted on a request that failed: a 5xx, or no answer after sending.

    Operators check Sinch's state before repeating such a request (the hook never repeats a
    non-idempotent one).
    """
    return isinstance(exc, SinchServerError) or (isinstance(exc, SinchTransportError) and exc.maybe_delivered)
