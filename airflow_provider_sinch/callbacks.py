"""US Short Code callbacks: check Sinch's signature and parse ``CallbackEventBody`` into typed events.

Sinch POSTs an event to a campaign's ``callbackUrl`` whenever a campaign or carrier order
changes status or gets a note. The body is signed with HMAC-SHA1 under the project's
``hmacSecret`` (``SinchShortCodeHook.get_callback_configuration``) and the signature sent in
the ``X-Sinch-Signature`` header.

This module is what a receiver you run needs; the provider does not ship a receiver. A typical
one (a small web app, an API gateway function) verifies the raw body with
:func:`verify_signature` before parsing it, answers 200 at once, and hands the event to Airflow,
for example by creating an asset event through Airflow's REST API (see the README).

Encoding of the signature: the API document says only that the "hashed String" of the payload
is sent in ``X-Sinch-Signature``. Sinch's SDKs verify the same header of the Numbers API
callbacks (the same platform, also HMAC-SHA1 with a ``hmacSecret``) as the lowercase hex digest,
so :func:`sign` produces hex; :func:`verify_signature` also accepts the base64 form of the same
digest, so a receiver keeps working whichever of the two Sinch sends. Both are full-length
encodings of the same 20-byte MAC, so accepting either does not weaken the check.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.exceptions import SinchError

SIGNATURE_HEADER = "X-Sinch-Signature"

#: ``CallbackEventBody.eventType`` values of the document.
CAMPAIGN_STATUS_UPDATE = "CAMPAIGN_STATUS_UPDATE"
CAMPAIGN_NOTE = "CAMPAIGN_NOTE"
CARRIER_ORDER_STATUS_UPDATE = "CARRIER_ORDER_STATUS_UPDATE"
CARRIER_ORDER_NOTE = "CARRIER_ORDER_NOTE"


class InvalidCallbackError(SinchError, ValueError):
    """The callback's body is not a ``CallbackEventBody`` (not JSON, not an object), or its
    signature does not match."""


def _as_bytes(value: bytes | bytearray | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _digest(body: bytes | bytearray | str, secret: str) -> bytes:
    return hmac.new(_as_bytes(secret), _as_bytes(body), hashlib.sha1).digest()


def sign(body: bytes | bytearray | str, secret: str) -> str:
    """The ``X-Sinch-Signature`` value for ``body``: HMAC-SHA1 under ``secret``, lowercase hex."""
    return _digest(body, secret).hex()


def verify_signature(body: bytes, signature: str, secret: str) -> bool:
    """Whether ``signature`` is Sinch's HMAC-SHA1 of ``body`` under ``secret``, in constant time.

    :param body: the request body exactly as received (bytes, before any JSON parsing: a
        re-serialised body does not match).
    :param signature: the ``X-Sinch-Signature`` header, hex (either case) or base64.
    :param secret: the project's ``hmacSecret``.
    :return: ``False`` for a missing or malformed signature or an empty secret, never an error.
    """
    if not signature or not secret or body is None:
        return False
    expected = _digest(body, secret)
    candidate = signature.strip()
    decoded: bytes | None = None
    if len(candidate) == 2 * len(expected):
        try:
            decoded = bytes.fromhex(candidate)
        except ValueError:
            decoded = None
    if decoded is None:
        try:
            decoded = base64.b64decode(candidate, validate=True)
        except (binascii.Error, ValueError):
            return False
    return hmac.compare_digest(decoded, expected)


# --- Typed events ---------------------------------------------------------------------------------
def _str(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class CallbackNote:
    """A ``Note`` inside a note event."""

    author: str | None
    text: str | None
    created_at: datetime | None

    @classmethod
    def from_api(cls, value: Any) -> CallbackNote | None:
        if not isinstance(value, Mapping):
            return None
        return cls(
            _str(value.get("author")), _str(value.get("text")), parse_timestamp(value.get("createdAt"))
        )


@dataclass(frozen=True)
class CallbackEvent:
    """What every ``CallbackEventBody`` holds; subclasses add the typed ``data``.

    :param raw: the whole body as parsed JSON, for anything this class does not model.
    """

    event_type: ClassVar[str | None] = None

    event_id: str | None
    project_id: str | None
    resource_id: str | None
    resource_type: str | None
    short_codes: str | None
    create_time: datetime | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def type(self) -> str | None:
        """The body's ``eventType`` as sent."""
        return _str(self.raw.get("eventType"))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary (e.g. the ``extra`` of an Airflow asset event)."""
        out: dict[str, Any] = {
            "eventId": self.event_id,
            "eventType": self.type,
            "projectId": self.project_id,
            "resourceId": self.resource_id,
            "resourceType": self.resource_type,
            "shortCodes": self.short_codes,
            "createTime": self.create_time.isoformat() if self.create_time else None,
        }
        data = self.raw.get("data")
        if isinstance(data, Mapping):
            out["data"] = dict(data)
        return out


@dataclass(frozen=True)
class CampaignStatusUpdateEvent(CallbackEvent):
    """``CAMPAIGN_STATUS_UPDATE``: the campaign moved to ``new_status``."""

    event_type: ClassVar[str | None] = CAMPAIGN_STATUS_UPDATE

    campaign_id: str | None = None
    new_status: str | None = None


@dataclass(frozen=True)
class CampaignNoteEvent(CallbackEvent):
    """``CAMPAIGN_NOTE``: a note was added to the campaign."""

    event_type: ClassVar[str | None] = CAMPAIGN_NOTE

    campaign_id: str | None = None
    note: CallbackNote | None = None


@dataclass(frozen=True)
class CarrierOrderStatusUpdateEvent(CallbackEvent):
    """``CARRIER_ORDER_STATUS_UPDATE``: a carrier order moved to ``new_status``."""

    event_type: ClassVar[str | None] = CARRIER_ORDER_STATUS_UPDATE

    campaign_id: str | None = None
    carrier_order_id: str | None = None
    new_status: str | None = None


@dataclass(frozen=True)
class CarrierOrderNoteEvent(CallbackEvent):
    """``CARRIER_ORDER_NOTE``: a note was added to a carrier order."""

    event_type: ClassVar[str | None] = CARRIER_ORDER_NOTE

    campaign_id: str | None = None
    carrier_order_id: str | None = None
    note: CallbackNote | None = None


@dataclass(frozen=True)
class UnknownCallbackEvent(CallbackEvent):
    """An ``eventType`` the document does not list: kept whole in ``raw``, never an error."""


def parse_callback_event(body: bytes | str | Mapping[str, Any]) -> CallbackEvent:
    """Parse a ``CallbackEventBody`` into the event class matching its ``eventType``.

    Statuses are kept as the strings Sinch sent (a new status is not an error); compare them
    with :class:`~airflow_provider_sinch.statuses.ShortCodeCampaignStatus` /
    :class:`~airflow_provider_sinch.statuses.CarrierOrderStatus` values.

    :param body: the raw body (verify its signature first) or the already-parsed JSON object.
    :raises InvalidCallbackError: the body is not a JSON object.
    """
    if isinstance(body, Mapping):
        payload: Any = dict(body)
    else:
        try:
            payload = json.loads(body)
        except (TypeError, ValueError, UnicodeDecodeError) as err:
            raise InvalidCallbackError(f"The callback body is not JSON: {err}") from None
    if not isinstance(payload, dict):
        raise InvalidCallbackError(f"The callback body must be a JSON object, got {type(payload).__name__}")
    common: dict[str, Any] = {
        "event_id": _str(payload.get("eventId")),
        "project_id": _str(payload.get("projectId")),
        "resource_id": _str(payload.get("resourceId")),
        "resource_type": _str(payload.get("resourceType")),
        "short_codes": _str(payload.get("shortCodes")),
        "create_time": parse_timestamp(payload.get("createTime")),
        "raw": payload,
    }
    raw_data = payload.get("data")
    data: Mapping[str, Any] = raw_data if isinstance(raw_data, Mapping) else {}
    event_type = payload.get("eventType")
    campaign_id = _str(data.get("campaignId"))
    # The document's ``data`` discriminator names ``eventType``, which lives on the body, not in
    # ``data``: we dispatch on the body's ``eventType``.
    if event_type == CAMPAIGN_STATUS_UPDATE:
        return CampaignStatusUpdateEvent(
            **common, campaign_id=campaign_id, new_status=_str(data.get("newStatus"))
        )
    if event_type == CAMPAIGN_NOTE:
        return CampaignNoteEvent(
            **common, campaign_id=campaign_id, note=CallbackNote.from_api(data.get("note"))
        )
    if event_type == CARRIER_ORDER_STATUS_UPDATE:
        return CarrierOrderStatusUpdateEvent(
            **common,
            campaign_id=campaign_id,
            carrier_order_id=_str(data.get("carrierOrderId")),
            new_status=_str(data.get("newStatus")),
        )
    if event_type == CARRIER_ORDER_NOTE:
        return CarrierOrderNoteEvent(
            **common,
            campaign_id=campaign_id,
            carrier_order_id=_str(data.get("carrierOrderId")),
            note=CallbackNote.from_api(data.get("note")),
        )
    return UnknownCallbackEvent(**common)


def verify_and_parse(body: bytes, signature: str | None, secret: str) -> CallbackEvent:
    """:func:`verify_signature`, then :func:`parse_callback_event`.

    :raises InvalidCallbackError: the signature is missing or wrong (answer 401/403), or the
        body is not a callback event (answer 400).
    """
    if not verify_signature(body, signature or "", secret):
        raise InvalidCallbackError(f"The {SIGNATURE_HEADER} header does not match the body.")
    return parse_callback_event(body)
