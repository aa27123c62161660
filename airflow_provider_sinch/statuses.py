"""Status enums of the three Sinch APIs, with explicit success / failure / pending sets.

Sinch may add a status at any time. A value we do not know is logged and treated as
pending, never a crash: :func:`classify` is the one place that decides.
"""

from __future__ import annotations

import ast
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

log = logging.getLogger(__name__)

Outcome = Literal["success", "failure", "pending"]


class CampaignStatus(str, Enum):
    """Campaign API: ``status`` of ``GET /v1/campaigns/{id}``."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"


class ShortCodeCampaignStatus(str, Enum):
    """US Short Code API: ``CampaignStatus``."""

    DRAFT = "DRAFT"
    PENDING_REVIEW = "PENDING_REVIEW"
    REVIEWING = "REVIEWING"
    READY_CARRIER_SUBMISSION = "READY_CARRIER_SUBMISSION"
    CARRIER_SUBMITTED = "CARRIER_SUBMITTED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    DEPROVISIONED = "DEPROVISIONED"
    AWAITING_CLIENT_UPDATE = "AWAITING_CLIENT_UPDATE"


class CarrierOrderStatus(str, Enum):
    """US Short Code API: ``CarrierOrderStatus``."""

    PENDING = "PENDING"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    PROVISIONED_BY_CARRIER = "PROVISIONED_BY_CARRIER"
    PROVISIONED_BY_SINCH = "PROVISIONED_BY_SINCH"
    CLIENT_CERTIFICATION_REQUESTED = "CLIENT_CERTIFICATION_REQUESTED"
    CARRIER_CERTIFICATION_REQUESTED = "CARRIER_CERTIFICATION_REQUESTED"
    CERTIFIED = "CERTIFIED"
    DEPROVISIONED = "DEPROVISIONED"
    CERTIFICATION_FAILURE = "CERTIFICATION_FAILURE"
    CANCELLED = "CANCELLED"


class TenDLCCampaignStatus(str, Enum):
    """10DLC API: ``status`` of a campaign registration."""

    SINCH_REVIEW = "SINCH_REVIEW"
    SINCH_APPROVED = "SINCH_APPROVED"
    SINCH_REJECTED = "SINCH_REJECTED"
    SUBMITTED = "SUBMITTED"
    APPROVED = "APPROVED"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REJECTED = "REJECTED"
    SUBMISSION_FAILED = "SUBMISSION_FAILED"


class TenDLCLastActionStatus(str, Enum):
    """10DLC API: ``lastActionStatus`` (Get lists CREATE_/DELETE_, the resubmit section RESUBMIT_)."""

    CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
    CREATE_SUCCESSFUL = "CREATE_SUCCESSFUL"
    CREATE_FAILED = "CREATE_FAILED"
    DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
    DELETE_SUCCESSFUL = "DELETE_SUCCESSFUL"
    DELETE_FAILED = "DELETE_FAILED"
    RESUBMIT_IN_PROGRESS = "RESUBMIT_IN_PROGRESS"
    RESUBMIT_SUCCESSFUL = "RESUBMIT_SUCCESSFUL"
    RESUBMIT_FAILED = "RESUBMIT_FAILED"


# --- Campaign API -------------------------------------------------------------------------
CAMPAIGN_SUCCESS = frozenset({CampaignStatus.SENT})
# A draft is only a failure when its validation_errors are not empty: the sensor decides that.
CAMPAIGN_FAILURE: frozenset[CampaignStatus] = frozenset()
CAMPAIGN_PENDING = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.SENDING})

# --- US Short Code ------------------------------------------------------------------------
SHORT_CODE_SUCCESS = frozenset({ShortCodeCampaignStatus.COMPLETED})
SHORT_CODE_FAILURE = frozenset(
    {
        ShortCodeCampaignStatus.CANCELLED,
        ShortCodeCampaignStatus.DEPROVISIONED,
        ShortCodeCampaignStatus.AWAITING_CLIENT_UPDATE,
    }
)
SHORT_CODE_PENDING = frozenset(ShortCodeCampaignStatus) - SHORT_CODE_SUCCESS - SHORT_CODE_FAILURE

CARRIER_ORDER_SUCCESS = frozenset({CarrierOrderStatus.CERTIFIED})
CARRIER_ORDER_FAILURE = frozenset(
    {
        CarrierOrderStatus.REJECTED,
        CarrierOrderStatus.CERTIFICATION_FAILURE,
        CarrierOrderStatus.CANCELLED,
        CarrierOrderStatus.DEPROVISIONED,
    }
)
CARRIER_ORDER_PENDING = frozenset(CarrierOrderStatus) - CARRIER_ORDER_SUCCESS - CARRIER_ORDER_FAILURE

# --- 10DLC --------------------------------------------------------------------------------
TEN_DLC_SUCCESS = frozenset({TenDLCCampaignStatus.APPROVED, TenDLCCampaignStatus.ACTIVE})
TEN_DLC_FAILURE = frozenset(
    {
        TenDLCCampaignStatus.SINCH_REJECTED,
        TenDLCCampaignStatus.REJECTED,
        TenDLCCampaignStatus.EXPIRED,
        TenDLCCampaignStatus.SUBMISSION_FAILED,
    }
)
TEN_DLC_PENDING = frozenset(TenDLCCampaignStatus) - TEN_DLC_SUCCESS - TEN_DLC_FAILURE

RESUBMIT_SUCCESS = frozenset({TenDLCLastActionStatus.RESUBMIT_SUCCESSFUL})
RESUBMIT_FAILURE = frozenset({TenDLCLastActionStatus.RESUBMIT_FAILED})
# During a resubmit wait, CREATE_* / DELETE_* values say nothing about the resubmit: pending.
RESUBMIT_PENDING = frozenset(TenDLCLastActionStatus) - RESUBMIT_SUCCESS - RESUBMIT_FAILURE


def _values(statuses: Iterable[str | Enum]) -> frozenset[str]:
    return frozenset(s.value if isinstance(s, Enum) else str(s) for s in statuses)


def classify(
    status: str | None,
    *,
    success: Iterable[str | Enum],
    failure: Iterable[str | Enum],
    known: type[Enum] | None = None,
    resource: str = "resource",
) -> Outcome:
    """Decide whether ``status`` ends a wait.

    ``success`` and ``failure`` are whatever the user configured (defaults are the module's
    sets). A status in neither is pending; one that ``known`` does not list is logged as new
    to us, and still pending.
    """
    if status is None:
        return "pending"
    if status in _values(success):
        return "success"
    if status in _values(failure):
        return "failure"
    if known is not None and status not in _values(known):
        log.warning(
            "%s has status %r, which this provider does not know; treating it as pending.", resource, status
        )
    return "pending"


def string_list(name: str, value: Any) -> tuple[str, ...]:
    """A list argument as rendered by Airflow: a list or tuple, one string (one value), or a string
    holding a JSON list or a comma-separated list. Anything else is a ``ValueError`` naming ``name``.

    A plain Jinja environment renders a Python list as its ``repr`` (``"['DELIVER', 'VISIT']"``,
    ``"('sent',)"``): such a literal is read too, never split into characters.
    """
    if value is None:
        return ()
    if isinstance(value, Enum):
        return (str(value.value),)
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("[", "("):
            return string_list(name, _list_literal(name, text))
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if isinstance(value, (list, tuple, set, frozenset)):
        items = []
        for item in value:
            if isinstance(item, Enum):
                items.append(str(item.value))
            elif isinstance(item, (str, int)) and not isinstance(item, bool):
                items.append(str(item))
            else:
                raise ValueError(f"{name} must hold strings, got {item!r}")
        return tuple(items)
    raise ValueError(
        f"{name} must be a list, one string, or a JSON / comma-separated list, got {type(value).__name__}"
    )


def _list_literal(name: str, text: str) -> Any:
    """A rendered list: JSON first, then a Python literal (what ``{{ params.x }}`` renders)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(
            f"{name} looks like a list but is neither JSON nor a Python literal: {text!r}"
        ) from None
    if not isinstance(parsed, (list, tuple)):
        raise ValueError(f"{name} looks like a list but is not one: {text!r}")
    return parsed


def checked_statuses(
    targets: Any, failures: Any, known: type[Enum]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Rendered ``target_statuses`` and ``failure_statuses``: parsed, checked, not overlapping."""
    target_values = validate_statuses("target_statuses", string_list("target_statuses", targets), known)
    failure_values = validate_statuses("failure_statuses", string_list("failure_statuses", failures), known)
    both = sorted(set(target_values) & set(failure_values))
    if both:
        raise ValueError(f"{both} cannot be both a target and a failure status")
    return target_values, failure_values


def validate_statuses(
    name: str, statuses: Iterable[str | Enum], known: type[Enum], *, allow_unknown: bool = True
) -> tuple[str, ...]:
    """Normalise a user's status list to strings, refusing an empty list and warning on a typo.

    A known status in the wrong case (``"SENT"`` for the Campaign API's ``"sent"``) is refused: the
    API's statuses are case-sensitive, so such a wait could only ever time out. A status the API
    does not document at all is only logged: Sinch may add one.
    """
    values = tuple(s.value if isinstance(s, Enum) else str(s) for s in statuses)
    if not values and name.startswith("target"):
        raise ValueError(f"{name} must name at least one status.")
    by_case = {value.casefold(): value for value in _values(known)}
    miscased = [
        (v, by_case[v.casefold()]) for v in values if v not in by_case.values() and v.casefold() in by_case
    ]
    if miscased:
        fixes = ", ".join(f"{wrong!r} -> {right!r}" for wrong, right in miscased)
        raise ValueError(f"{name}: statuses are case-sensitive; did you mean {fixes}?")
    unknown = sorted(set(values) - _values(known))
    if unknown:
        message = f"{name} has statuses the API does not document: {unknown}; known: {sorted(_values(known))}"
        if not allow_unknown:
            raise ValueError(message)
        log.warning(message)
    return values


@dataclass(frozen=True)
class PollResult:
    """What one status check found: the sync sensor and the async trigger both build this.

    :param outcome: ``success`` ends the wait well, ``failure`` ends it badly, ``pending`` waits on.
    :param status: the raw status string the API returned.
    :param message: a readable sentence for logs and errors (quotes the API's reasons on failure).
    :param resource: what was checked, e.g. ``"Campaign 5a7b..."``.
    :param xcom: a small JSON-safe value a sensor returns on success.
    """

    outcome: Outcome
    status: str | None
    message: str
    resource: str
    xcom: Any = None

    def to_event(self, **ids: Any) -> dict[str, Any]:
        outcome = "pending" if self.outcome == "pending" else self.outcome
        return {
            "status": outcome,
            "api_status": self.status,
            "message": self.message,
            "resource": self.resource,
            "xcom": self.xcom,
            **ids,
        }
