"""Small pieces the operators of the three APIs share: the try number and at-most-once acting."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from airflow_provider_sinch.exceptions import (
    SinchOutcomeUnknownError,
    SinchServerError,
    SinchTransportError,
    outcome_unknown,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

T = TypeVar("T")


def try_number(context: Context) -> int:
    """This task instance's try (1 on the first run; a retry or a clear makes it larger)."""
    return int(getattr(context.get("ti"), "try_number", 1) or 1)


class NotVisibleYet(str, enum.Enum):
    """What to do when an unclear answer leaves no trace at Sinch (yet).

    * ``ACT_AGAIN``: act again (at most ``attempts`` times in all). Only for actions whose result
      Sinch shows at once and reliably, so that "not visible" means "not done".
    * ``FAIL_TRY``: fail this try with :class:`~airflow_provider_sinch.exceptions.SinchOutcomeUnknownError`
      (retryable); the next try looks at Sinch's state again before acting. For actions whose
      result may show late, or that cost money.
    """

    ACT_AGAIN = "act_again"
    FAIL_TRY = "fail_try"


def at_most_once(
    *,
    act: Callable[[], T],
    find: Callable[[], T | None],
    what: str,
    log: Any,
    look_first: bool,
    if_not_visible: NotVisibleYet,
    attempts: int = 3,
) -> T:
    """Act once, and after an unclear answer look at Sinch's state before acting again.

    Sinch's POSTs have no idempotency key, so "did it happen?" is answered by looking: ``find``
    returns the result of an earlier act (the campaign, the note...) or ``None``.

    :param act: the action (one non-idempotent call, never repeated by the transport).
    :param find: Sinch's state: the earlier result, or ``None`` when none is visible.
    :param log: the task's logger.
    :param what: the action in words, for logs and errors (``"create campaign 'Spring sale'"``).
    :param look_first: look before the first act (a retried try: an earlier try may have acted).
    :param if_not_visible: the policy when an unclear answer left nothing visible.
    :param attempts: acts at most, with :attr:`NotVisibleYet.ACT_AGAIN`.
    :raises SinchOutcomeUnknownError: the outcome stayed unknown and the policy is to fail the try.
    """
    if look_first:
        found = find()
        if found is not None:
            log.warning("%s: an earlier try already did it; not doing it again.", what)
            return found
    attempt = 0
    while True:
        attempt += 1
        try:
            return act()
        except (SinchServerError, SinchTransportError) as exc:
            if not outcome_unknown(exc):
                raise
            log.warning(
                "%s: the answer was unclear (%s); checking Sinch's state before anything else.", what, exc
            )
            found = find()
            if found is not None:
                log.info("%s went through despite the unclear answer.", what)
                return found
            if if_not_visible is NotVisibleYet.ACT_AGAIN and attempt < attempts:
                log.warning("%s: not done at Sinch; acting again (%d/%d).", what, attempt + 1, attempts)
                continue
            raise SinchOutcomeUnknownError(
                f"{what}: the answer was unclear ({exc}) and Sinch shows no result yet. Failing this try "
                "rather than risk doing it twice; the next try looks at Sinch again before acting."
            ) from exc
