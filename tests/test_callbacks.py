"""US Short Code callbacks: the HMAC-SHA1 signature check and typed events, on bodies signed here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timezone

import pytest

from airflow_provider_sinch.callbacks import (
    SIGNATURE_HEADER,
    CallbackNote,
    CampaignNoteEvent,
    CampaignStatusUpdateEvent,
    CarrierOrderNoteEvent,
    CarrierOrderStatusUpdateEvent,
    InvalidCallbackError,
    UnknownCallbackEvent,
    parse_callback_event,
    sign,
    verify_and_parse,
    verify_signature,
)

SECRET = "d1c7ccbf-919d-462f-8587-dec95a1b11ee"
BODY = json.dumps(
    {
        "eventId": "ee34ccbf-919d-462f-8587-dec95a1b11ee",
        "eventType": "CAMPAIGN_STATUS_UPDATE",
        "projectId": "aad4ccbf-919d-462f-8587-dec95a1b11b0",
        "resourceId": "20000",
        "resourceType": "CAMPAIGN",
        "shortCodes": "12345",
        "data": {"campaignId": "20000", "newStatus": "COMPLETED"},
        "createTime": "2023-10-01T12:00:00Z",
    }
).encode()


def hex_signature(body: bytes, secret: str = SECRET) -> str:
    """Signed independently of the module under test."""
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


class TestVerifySignature:
    @pytest.mark.parametrize(
        "signature",
        [
            hex_signature(BODY),
            hex_signature(BODY).upper(),
            f"  {hex_signature(BODY)}\n",
            base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha1).digest()).decode(),
        ],
        ids=["hex", "hex-uppercase", "surrounding-whitespace", "base64"],
    )
    def test_accepts_the_signature_of_the_body(self, signature):
        assert verify_signature(BODY, signature, SECRET) is True

    @pytest.mark.parametrize(
        ("body", "signature", "secret"),
        [
            (BODY + b" ", hex_signature(BODY), SECRET),
            (BODY, hex_signature(BODY, "other-secret"), SECRET),
            (BODY, hex_signature(BODY), "other-secret"),
            (BODY, hashlib.sha1(BODY).hexdigest(), SECRET),
            (BODY, hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest(), SECRET),
            (BODY, "", SECRET),
            (BODY, "not a signature", SECRET),
            (BODY, "zz" * 20, SECRET),
            (BODY, hex_signature(BODY), ""),
        ],
        ids=[
            "body-changed",
            "signed-with-another-secret",
            "checked-with-another-secret",
            "plain-sha1",
            "hmac-sha256",
            "empty-signature",
            "garbage",
            "not-hex-40-chars",
            "empty-secret",
        ],
    )
    def test_refuses_anything_else(self, body, signature, secret):
        assert verify_signature(body, signature, secret) is False

    def test_uses_a_constant_time_comparison(self, monkeypatch):
        import airflow_provider_sinch.callbacks as callbacks

        compared = []
        real = hmac.compare_digest

        def spy(a, b):
            compared.append((a, b))
            return real(a, b)

        monkeypatch.setattr(callbacks.hmac, "compare_digest", spy)
        assert verify_signature(BODY, hex_signature(BODY), SECRET)
        assert len(compared) == 1

    def test_sign_matches_an_independent_hmac_sha1_hex(self):
        assert sign(BODY, SECRET) == hex_signature(BODY)
        assert SIGNATURE_HEADER == "X-Sinch-Signature"


class TestParse:
    def test_campaign_status_update(self):
        event = parse_callback_event(BODY)

        assert isinstance(event, CampaignStatusUpdateEvent)
        assert (event.campaign_id, event.new_status) == ("20000", "COMPLETED")
        assert event.event_id == "ee34ccbf-919d-462f-8587-dec95a1b11ee"
        assert event.project_id == "aad4ccbf-919d-462f-8587-dec95a1b11b0"
        assert (event.resource_type, event.resource_id) == ("CAMPAIGN", "20000")
        assert event.short_codes == "12345"
        assert event.create_time == datetime(2023, 10, 1, 12, 0, tzinfo=timezone.utc)
        assert event.to_dict()["data"] == {"campaignId": "20000", "newStatus": "COMPLETED"}
        json.dumps(event.to_dict())  # JSON-safe, e.g. for an asset event's extra

    def test_carrier_order_status_update(self):
        event = parse_callback_event(
            {
                "eventType": "CARRIER_ORDER_STATUS_UPDATE",
                "resourceType": "CARRIER_ORDER",
                "resourceId": "20010",
                "data": {"campaignId": "20000", "carrierOrderId": "20010", "newStatus": "REJECTED"},
            }
        )
        assert isinstance(event, CarrierOrderStatusUpdateEvent)
        assert (event.campaign_id, event.carrier_order_id, event.new_status) == ("20000", "20010", "REJECTED")

    @pytest.mark.parametrize(
        ("event_type", "cls", "order_id"),
        [("CAMPAIGN_NOTE", CampaignNoteEvent, None), ("CARRIER_ORDER_NOTE", CarrierOrderNoteEvent, "20010")],
        ids=["campaign-note", "carrier-order-note"],
    )
    def test_notes(self, event_type, cls, order_id):
        note = {
            "author": "AGENT",
            "text": "Please add a privacy policy.",
            "createdAt": "2023-10-01T12:00:00Z",
        }
        data = {"campaignId": "20000", "note": note, **({"carrierOrderId": order_id} if order_id else {})}

        event = parse_callback_event(json.dumps({"eventType": event_type, "data": data}))

        assert isinstance(event, cls)
        assert event.note == CallbackNote(
            "AGENT", "Please add a privacy policy.", datetime(2023, 10, 1, 12, 0, tzinfo=timezone.utc)
        )
        assert getattr(event, "carrier_order_id", None) == order_id

    def test_unknown_event_type_and_status_are_kept_not_refused(self):
        event = parse_callback_event(b'{"eventType": "BRAND_UPDATE", "data": {"x": 1}, "createTime": "soon"}')
        assert isinstance(event, UnknownCallbackEvent)
        assert event.type == "BRAND_UPDATE"
        assert event.raw["data"] == {"x": 1}
        assert event.create_time is None

        status = parse_callback_event(
            {"eventType": "CAMPAIGN_STATUS_UPDATE", "data": {"campaignId": "1", "newStatus": "ON_HOLD"}}
        )
        assert status.new_status == "ON_HOLD"

    @pytest.mark.parametrize(
        ("body", "message"),
        [(b"not json", "not JSON"), (b"[1, 2]", "must be a JSON object, got list"), (b"\xff", "not JSON")],
        ids=["not-json", "array", "not-utf8"],
    )
    def test_malformed_bodies(self, body, message):
        with pytest.raises(InvalidCallbackError, match=message):
            parse_callback_event(body)


class TestVerifyAndParse:
    def test_good_signature_gives_the_event(self):
        event = verify_and_parse(BODY, hex_signature(BODY), SECRET)
        assert isinstance(event, CampaignStatusUpdateEvent)

    @pytest.mark.parametrize("signature", [None, "", hex_signature(b"{}")], ids=["missing", "empty", "wrong"])
    def test_bad_signature_raises_before_parsing(self, signature):
        with pytest.raises(InvalidCallbackError, match="X-Sinch-Signature header does not match the body"):
            verify_and_parse(BODY, signature, SECRET)
