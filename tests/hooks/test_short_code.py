"""US Short Code hook: every operation's request (method, path, body, auth), OAuth2, errors, checks."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from airflow_provider_sinch.exceptions import (
    SinchAuthError,
    SinchBadRequestError,
    SinchNotFoundError,
    SinchServerError,
    SinchValidationError,
)
from airflow_provider_sinch.hooks.short_code import (
    SinchShortCodeHook,
    evaluate_carrier_orders,
    evaluate_short_code_campaign,
)
from airflow_provider_sinch.short_code_validation import (
    MAX_NOTE_LENGTH,
    submission_problems,
    submission_warnings,
    validate_campaign_request,
)
from tests.conftest import KEY_ID, KEY_SECRET, PROJECT_ID, SHORT_CODE_HOST, TOKEN_URL, set_connection

BASE = f"{SHORT_CODE_HOST}/v1/projects/{PROJECT_ID}/campaigns"
BEARER = "Bearer oauth-token-1"

VALID = {"name": "Alerts", "trafficCharge": "STANDARD", "scRequested": True, "brandId": "B1"}

READY = {
    "id": "20001",
    "status": "DRAFT",
    "scRequested": True,
    "brandId": "B1",
    "contentDefinitions": [{"messageType": "SMS"}],
    "customerCare": {"optOutKeywords": "STOP"},
    "termsAndConditions": {"url": "https://x.example/terms"},
    "privacyPolicy": {"text": "We keep your data safe."},
    "complianceEmails": ["c@x.example"],
}


@pytest.fixture(autouse=True)
def _conn(short_code_conn, oauth_token):
    return short_code_conn


@pytest.fixture
def hook() -> SinchShortCodeHook:
    return SinchShortCodeHook()


def body_of(request) -> dict:
    return json.loads(request.body)


def query_of(request) -> dict:
    """The query string with its case kept (requests_mock lowercases ``.query``)."""
    return parse_qs(urlsplit(request.url).query)


def api_calls(requests_mock) -> list:
    return [r for r in requests_mock.request_history if r.url.startswith(SHORT_CODE_HOST)]


class TestOAuth:
    def test_token_fetched_once_with_client_credentials_and_reused(self, hook, requests_mock, oauth_token):
        requests_mock.get(f"{BASE}/carriers", json={"carriers": [{"id": "1", "name": "AT&T"}]})

        hook.get_carriers()
        hook.get_carriers()

        assert oauth_token.call_count == 1
        token_request = oauth_token.last_request
        expected = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
        assert token_request.headers["Authorization"] == f"Basic {expected}"
        assert parse_qs(token_request.text) == {"grant_type": ["client_credentials"]}
        assert [r.headers["Authorization"] for r in api_calls(requests_mock)] == [BEARER, BEARER]

    def test_401_renews_the_token_once(self, hook, requests_mock):
        token = requests_mock.post(
            TOKEN_URL,
            [
                {"json": {"access_token": "old", "expires_in": 3600}},
                {"json": {"access_token": "new", "expires_in": 3600}},
            ],
        )
        requests_mock.get(
            f"{BASE}/carriers",
            [
                {"status_code": 401, "json": {"error": {"code": 401, "status": "UNAUTHENTICATED"}}},
                {"json": {}},
            ],
        )

        assert hook.get_carriers() == []

        assert token.call_count == 2
        assert [r.headers["Authorization"] for r in api_calls(requests_mock)] == ["Bearer old", "Bearer new"]

    def test_refused_credentials_raise_auth_error(self, hook, requests_mock):
        requests_mock.post(TOKEN_URL, status_code=401, json={"error": "invalid_client"})
        with pytest.raises(SinchAuthError, match="HTTP 401"):
            hook.get_carriers()

    def test_token_url_and_host_come_from_the_connection(self, monkeypatch, requests_mock):
        set_connection(
            monkeypatch,
            "sc_custom",
            conn_type="sinch_us_short_code",
            host="sc.internal:8443",
            login=KEY_ID,
            password=KEY_SECRET,
            extra={"project_id": "p9", "token_url": "https://auth.internal/token"},
        )
        token = requests_mock.post(
            "https://auth.internal/token", json={"access_token": "t", "expires_in": 60}
        )
        carriers = requests_mock.get("https://sc.internal:8443/v1/projects/p9/campaigns/carriers", json={})

        SinchShortCodeHook("sc_custom").get_carriers()

        assert token.called
        assert carriers.last_request.headers["Authorization"] == "Bearer t"


class TestOperations:
    def test_create_campaign_posts_the_body(self, hook, requests_mock):
        route = requests_mock.post(BASE, json={"id": "20001", "status": "DRAFT"})

        assert hook.create_campaign(VALID) == {"id": "20001", "status": "DRAFT"}

        assert route.last_request.method == "POST"
        assert body_of(route.last_request) == VALID
        assert route.last_request.headers["Authorization"] == BEARER

    def test_update_campaign_puts_the_body(self, hook, requests_mock):
        route = requests_mock.put(f"{BASE}/20001", json={"id": "20001"})

        hook.update_campaign("20001", VALID)

        assert body_of(route.last_request) == VALID

    @pytest.mark.parametrize(
        ("method", "call", "path"),
        [
            ("GET", lambda h: h.get_campaign("20001"), "/20001"),
            ("POST", lambda h: h.submit_campaign("20001"), "/20001/submit"),
            ("POST", lambda h: h.cancel_campaign("20001"), "/20001/cancel"),
            ("GET", lambda h: h.get_callback_configuration(), "/callback-configuration"),
        ],
        ids=["get_campaign", "submit_campaign", "cancel_campaign", "get_callback_configuration"],
    )
    def test_bodyless_operations(self, hook, requests_mock, method, call, path):
        route = requests_mock.register_uri(method, f"{BASE}{path}", json={"id": "20001", "status": "X"})

        assert call(hook) == {"id": "20001", "status": "X"}

        assert route.last_request.method == method
        assert route.last_request.body is None
        assert route.last_request.headers["Authorization"] == BEARER

    def test_notes(self, hook, requests_mock):
        note = {"author": "CUSTOMER", "text": "hi", "createdAt": "2026-01-01T00:00:00Z"}
        campaign_note = requests_mock.post(f"{BASE}/20001/notes", json=note)
        order_note = requests_mock.post(f"{BASE}/20001/carrier/30001/notes", json=note)

        assert hook.add_campaign_note("20001", "hi") == note
        assert hook.add_carrier_order_note("20001", "30001", "hi") == note

        assert body_of(campaign_note.last_request) == {"text": "hi"}
        assert body_of(order_note.last_request) == {"text": "hi"}

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("x" * (MAX_NOTE_LENGTH + 1), "is 1001 characters long; Sinch accepts at most 1000 per note"),
            ("   ", "is required"),
        ],
        ids=["over-1000-characters", "blank"],
    )
    def test_note_text_is_checked_before_sending(self, hook, requests_mock, text, message):
        with pytest.raises(SinchValidationError, match=message):
            hook.add_campaign_note("20001", text)
        assert not api_calls(requests_mock)

    def test_note_of_exactly_1000_characters_is_sent(self, hook, requests_mock):
        route = requests_mock.post(f"{BASE}/20001/notes", json={})
        hook.add_campaign_note("20001", "x" * MAX_NOTE_LENGTH)
        assert len(body_of(route.last_request)["text"]) == MAX_NOTE_LENGTH

    def test_get_carriers_unwraps_the_list(self, hook, requests_mock):
        requests_mock.get(f"{BASE}/carriers", json={"carriers": [{"id": "1", "name": "AT&T"}]})
        assert hook.get_carriers() == [{"id": "1", "name": "AT&T"}]

    def test_update_callback_configuration(self, hook, requests_mock):
        route = requests_mock.put(
            f"{BASE}/callback-configuration", json={"hmacSecret": "new-secret", "projectId": PROJECT_ID}
        )

        result = hook.update_callback_configuration("new-secret")

        assert result == {"hmacSecret": "new-secret", "projectId": PROJECT_ID}
        assert body_of(route.last_request) == {"hmacSecret": "new-secret"}

    def test_project_id_argument_overrides_the_connection(self, hook, requests_mock):
        route = requests_mock.get(f"{SHORT_CODE_HOST}/v1/projects/other/campaigns/7", json={})
        hook.get_campaign("7", project_id="other")
        assert route.called

    def test_missing_project_id_is_named(self, monkeypatch, requests_mock):
        set_connection(monkeypatch, "sc_noproj", conn_type="sinch_us_short_code", login="k", password="s")
        with pytest.raises(SinchValidationError, match=r"project_id: is required.*'sc_noproj'"):
            SinchShortCodeHook("sc_noproj").get_campaign("1")
        assert not requests_mock.called

    def test_test_connection_lists_carriers(self, hook, requests_mock):
        requests_mock.get(f"{BASE}/carriers", json={"carriers": [{"id": "1"}, {"id": "2"}]})
        assert hook.test_connection() == (True, f"Listed 2 carriers for project {PROJECT_ID}.")

    def test_campaign_url_default_and_override(self, hook, monkeypatch):
        assert hook.campaign_url("20001") == "https://dashboard.sinch.com/sms/us-short-codes/campaigns/20001"
        set_connection(
            monkeypatch,
            "sc_dash",
            conn_type="sinch_us_short_code",
            extra={"project_id": "p1", "dashboard_url": "https://dash.example/{project_id}/c/{campaign_id}"},
        )
        assert SinchShortCodeHook("sc_dash").campaign_url("5") == "https://dash.example/p1/c/5"


class TestListCampaigns:
    def test_follows_next_page_token_with_filters(self, hook, requests_mock):
        route = requests_mock.get(
            BASE,
            [
                {"json": {"campaigns": [{"id": "1"}, {"id": "2"}], "nextPageToken": "p2", "totalSize": 3}},
                {"json": {"campaigns": [{"id": "3"}], "nextPageToken": "", "totalSize": 3}},
            ],
        )

        found = hook.list_campaigns(
            status="COMPLETED", short_codes="12345", order_by="createDate,desc", page_size=2
        )

        assert [c["id"] for c in found] == ["1", "2", "3"]
        first, second = (query_of(r) for r in route.request_history)
        assert first == {
            "status": ["COMPLETED"],
            "shortCodes": ["12345"],
            "orderBy": ["createDate,desc"],
            "pageSize": ["2"],
        }
        assert second == {**first, "pageToken": ["p2"]}

    def test_several_short_codes_are_one_listing_each_never_joined(self, hook, requests_mock):
        # ``shortCodes`` is documented as one string: each code is its own listing.
        def answer(request, context):
            code = query_of(request)["shortCodes"][0]
            ids = {"12345": ["1", "2"], "54321": ["2", "3"]}[code]
            return {"campaigns": [{"id": i, "shortCodes": code} for i in ids], "nextPageToken": ""}

        route = requests_mock.get(BASE, json=answer)

        found = list(hook.list_campaigns(short_codes=["12345", "54321", "12345"]))

        assert [c["id"] for c in found] == ["1", "2", "3"]
        assert [query_of(r) for r in route.request_history] == [
            {"shortCodes": ["12345"]},
            {"shortCodes": ["54321"]},
        ]

    def test_bad_filters_are_all_named_before_any_request(self, hook, requests_mock):
        with pytest.raises(SinchValidationError) as err:
            hook.list_campaigns(order_by="name,up", page_size=0)
        assert err.value.fields == ["order_by", "page_size"]
        assert not requests_mock.called

    def test_undocumented_status_filter_is_sent_with_a_warning(self, hook, requests_mock, caplog):
        route = requests_mock.get(BASE, json={"campaigns": []})
        assert list(hook.list_campaigns(status="ON_HOLD")) == []
        assert query_of(route.last_request) == {"status": ["ON_HOLD"]}
        assert "status has statuses the API does not document: ['ON_HOLD']" in caplog.text

    def test_find_campaigns_stops_at_older_campaigns(self, hook, requests_mock):
        from datetime import datetime, timezone

        route = requests_mock.get(
            BASE,
            [
                {
                    "json": {
                        "campaigns": [
                            {
                                "id": "3",
                                "name": "A",
                                "status": "CANCELLED",
                                "createdAt": "2026-01-03T00:00:00Z",
                            },
                            {"id": "2", "name": "A", "status": "DRAFT", "createdAt": "2026-01-02T00:00:00Z"},
                        ],
                        "nextPageToken": "p2",
                    }
                },
                {"json": {"campaigns": [{"id": "1", "name": "A", "createdAt": "2025-12-01T00:00:00Z"}]}},
                {"json": {"campaigns": [{"id": "0", "name": "A"}]}},
            ],
        )

        found = hook.find_campaigns(
            "A", created_after=datetime(2026, 1, 1, tzinfo=timezone.utc), exclude_statuses=["CANCELLED"]
        )

        assert [c["id"] for c in found] == ["2"]
        assert route.call_count == 2
        assert query_of(route.request_history[0]) == {"orderBy": ["createDate,desc"]}


class TestErrors:
    def test_rest_error_surfaces_status_message_and_every_field_violation(self, hook, requests_mock):
        requests_mock.post(
            BASE,
            status_code=400,
            json={
                "error": {
                    "code": 400,
                    "message": "Registration validation error",
                    "status": "INVALID_ARGUMENT",
                    "details": [
                        {
                            "type": "BadRequest",
                            "fieldViolations": [
                                {"field": "carrierIds", "description": "Carrier Id 123 does not exist."},
                                {"field": "brandId", "description": "Brand is rejected."},
                            ],
                        }
                    ],
                }
            },
        )

        with pytest.raises(SinchBadRequestError) as err:
            hook.create_campaign(VALID)

        assert err.value.status_code == 400
        assert err.value.field_violations == [
            {"field": "carrierIds", "description": "Carrier Id 123 does not exist."},
            {"field": "brandId", "description": "Brand is rejected."},
        ]
        text = str(err.value)
        assert "INVALID_ARGUMENT: Registration validation error" in text
        assert "carrierIds: Carrier Id 123 does not exist." in text
        assert "brandId: Brand is rejected." in text

    def test_404_is_not_found(self, hook, requests_mock):
        requests_mock.get(
            f"{BASE}/9",
            status_code=404,
            json={"error": {"code": 404, "message": "Campaign 9 not found", "status": "NOT_FOUND"}},
        )
        with pytest.raises(SinchNotFoundError, match="NOT_FOUND: Campaign 9 not found"):
            hook.get_campaign("9")

    def test_submit_is_not_repeated_after_a_5xx(self, hook, requests_mock, slept):
        route = requests_mock.post(f"{BASE}/1/submit", status_code=503, json={"error": {"message": "down"}})
        with pytest.raises(SinchServerError):
            hook.submit_campaign("1")
        assert route.call_count == 1
        assert slept == []

    def test_get_is_repeated_after_a_5xx(self, hook, requests_mock, slept):
        route = requests_mock.get(f"{BASE}/1", [{"status_code": 502}, {"json": {"id": "1"}}])
        assert hook.get_campaign("1") == {"id": "1"}
        assert route.call_count == 2
        assert len(slept) == 1


class TestAttachments:
    def test_upload_streams_a_multipart_body_with_content_length(self, hook, requests_mock, tmp_path):
        path = tmp_path / "receipt.pdf"
        path.write_bytes(b"%PDF-1.4 receipt")
        route = requests_mock.post(
            f"{BASE}/20001/attachments", json={"attachmentId": "a1", "name": "receipt.pdf"}
        )

        result = hook.upload_campaign_attachment("20001", str(path), description="SC receipt")

        assert result == {"attachmentId": "a1", "name": "receipt.pdf"}
        sent = route.last_request
        content_type = sent.headers["Content-Type"]
        assert content_type.startswith("multipart/form-data; boundary=")
        boundary = content_type.split("boundary=")[1]
        body = sent.body.read()  # the body is a stream, not bytes held in memory
        assert int(sent.headers["Content-Length"]) == len(body)
        assert (
            body
            == (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="receipt.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
                "%PDF-1.4 receipt\r\n"
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="description"\r\n\r\n'
                "SC receipt\r\n"
                f"--{boundary}--\r\n"
            ).encode()
        )
        assert "Transfer-Encoding" not in sent.headers

    def test_upload_from_object_storage_path(self, hook, requests_mock, tmp_path):
        from airflow.sdk import ObjectStoragePath

        (tmp_path / "letter.txt").write_text("migration letter")
        route = requests_mock.post(f"{BASE}/20001/attachments", json={"attachmentId": "a2"})

        hook.upload_campaign_attachment(
            "20001", ObjectStoragePath(f"file://{tmp_path}/letter.txt"), filename="m.txt"
        )

        body = route.last_request.body.read()
        assert b'filename="m.txt"' in body
        assert b"migration letter" in body

    def test_upload_of_a_missing_file_is_refused_before_sending(self, hook, requests_mock, tmp_path):
        with pytest.raises(SinchValidationError, match=r"path: .*missing\.pdf is not a readable file"):
            hook.upload_campaign_attachment("20001", tmp_path / "missing.pdf")
        assert not requests_mock.called

    def test_download_streams_to_a_local_path(self, hook, requests_mock, tmp_path):
        route = requests_mock.get(
            f"{BASE}/20001/attachments/a1",
            body=__import__("io").BytesIO(b"\x00binary\xff" * 10000),
            headers={"Content-Type": "application/octet-stream"},
        )
        target = tmp_path / "out" / "receipt.bin"

        assert hook.download_campaign_attachment("20001", "a1", target) == str(target)

        assert target.read_bytes() == b"\x00binary\xff" * 10000
        assert route.last_request.headers["Accept"] == "application/octet-stream, application/json"
        assert not (tmp_path / "out" / "receipt.bin.part").exists()

    def test_failed_download_leaves_no_file(self, hook, requests_mock, tmp_path):
        requests_mock.get(
            f"{BASE}/20001/attachments/zz",
            status_code=404,
            json={"error": {"code": 404, "message": "Attachment zz not found", "status": "NOT_FOUND"}},
        )
        with pytest.raises(SinchNotFoundError, match="Attachment zz not found"):
            hook.download_campaign_attachment("20001", "zz", tmp_path / "x.bin")
        assert list(tmp_path.iterdir()) == []


class TestValidation:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ({}, ["name", "trafficCharge", "scRequested"]),
            ({**VALID, "trafficCharge": "CHEAP"}, ["trafficCharge"]),
            ({**VALID, "name": "n" * 101}, ["name"]),
            ({**VALID, "scRequested": "yes"}, ["scRequested"]),
            ({**VALID, "complianceEmails": ["not-an-email"]}, ["complianceEmails"]),
            ({**VALID, "customerCare": {"optOutKeywords": "STOP, BYE"}}, ["customerCare.optOutKeywords"]),
            (
                {
                    **VALID,
                    "contentDefinitions": [
                        {"messageType": "FAX", "contentType": "CHAT", "subscriptionType": "X"}
                    ],
                },
                ["contentDefinitions[0].messageType", "contentDefinitions[0].subscriptionType"],
            ),
            ({**VALID, "callbackUrl": "ftp://x"}, ["callbackUrl"]),
            ({**VALID, "privacyPolicy": {"url": "x.example"}}, ["privacyPolicy.url"]),
            (VALID, []),
        ],
        ids=[
            "empty",
            "traffic-charge-enum",
            "name-too-long",
            "sc-requested-not-bool",
            "bad-email",
            "unknown-opt-out-keyword",
            "content-definition-enums",
            "callback-url",
            "privacy-url",
            "valid",
        ],
    )
    def test_edit_campaign_request(self, body, expected):
        assert [field for field, _ in validate_campaign_request(body)] == expected

    def test_create_sends_nothing_when_invalid(self, hook, requests_mock):
        with pytest.raises(SinchValidationError, match="3 problems found before sending"):
            hook.create_campaign({"description": "x"})
        assert not requests_mock.called

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({}, []),
            (
                {"contentDefinitions": [], "customerCare": None, "complianceEmails": []},
                ["contentDefinitions", "customerCare", "complianceEmails"],
            ),
            (
                {"termsAndConditions": {}, "privacyPolicy": {"url": ""}},
                ["termsAndConditions", "privacyPolicy"],
            ),
            ({"brandId": None}, ["brandId"]),
            ({"scRequested": False, "brandId": None}, []),
            (
                {"scRequested": False, "shortCodes": "12345", "campaignAttachments": [{"attachmentId": "a"}]},
                [],
            ),
            ({"isMigrated": True}, ["campaignAttachments"]),
        ],
        ids=[
            "ready",
            "content-care-compliance",
            "terms-privacy",
            "leased-needs-brand",
            "own-code-is-left-to-sinch",
            "own-code-complete",
            "migrated-needs-letter",
        ],
    )
    def test_submission_problems(self, change, expected):
        assert [field for field, _ in submission_problems({**READY, **change})] == expected

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"scRequested": False}, ["shortCodes", "campaignAttachments"]),
            ({"scRequested": False, "shortCodes": "12345"}, ["campaignAttachments"]),
            ({"scRequested": False, "isMigrated": True}, ["shortCodes"]),
            ({"scRequested": True}, []),
        ],
        ids=["own-or-leased-unclear", "receipt-unclear", "migrated", "leased"],
    )
    def test_what_the_document_contradicts_itself_on_is_only_warned(self, change, expected, caplog):
        campaign = {**READY, **change}

        with caplog.at_level("WARNING"):
            submission_problems(campaign)

        assert [field for field, _ in submission_warnings(campaign)] == expected
        warned = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Submitting anyway")]
        assert [m.split(": ")[1] for m in warned] == expected


def _campaign(status, notes=(), orders=()):
    return {
        "id": "20001",
        "name": "Alerts",
        "status": status,
        "notes": list(notes),
        "carrierOrders": list(orders),
    }


NOTES = [
    {"author": "AGENT", "text": "old", "createdAt": "2026-01-01T00:00:00Z"},
    {"author": "AGENT", "text": "Please add the opt-in screenshot.", "createdAt": "2026-01-03T00:00:00Z"},
    {"author": "CUSTOMER", "text": "ok", "createdAt": "2026-01-02T00:00:00Z"},
    {"author": "AGENT", "text": "Privacy policy URL is broken.", "createdAt": "2026-01-04T00:00:00Z"},
]


class TestEvaluateCampaign:
    @pytest.mark.parametrize(
        ("status", "outcome"),
        [
            ("COMPLETED", "success"),
            ("CANCELLED", "failure"),
            ("DEPROVISIONED", "failure"),
            ("AWAITING_CLIENT_UPDATE", "failure"),
            ("PENDING_REVIEW", "pending"),
            ("CARRIER_SUBMITTED", "pending"),
            ("SOMETHING_NEW", "pending"),
            (None, "pending"),
        ],
        ids=[
            "completed",
            "cancelled",
            "deprovisioned",
            "awaiting-update",
            "review",
            "carriers",
            "unknown",
            "none",
        ],
    )
    def test_outcomes(self, status, outcome):
        assert evaluate_short_code_campaign(_campaign(status), "20001").outcome == outcome

    def test_failure_quotes_status_and_latest_notes(self):
        result = evaluate_short_code_campaign(_campaign("AWAITING_CLIENT_UPDATE", NOTES), "20001")
        assert result.message == (
            "Short code campaign 20001 is 'AWAITING_CLIENT_UPDATE'; latest notes: "
            "CUSTOMER at 2026-01-02T00:00:00Z: ok | "
            "AGENT at 2026-01-03T00:00:00Z: Please add the opt-in screenshot. | "
            "AGENT at 2026-01-04T00:00:00Z: Privacy policy URL is broken."
        )

    def test_custom_targets(self):
        result = evaluate_short_code_campaign(
            _campaign("AWAITING_CLIENT_UPDATE"), "1", ["AWAITING_CLIENT_UPDATE"], ["CANCELLED"]
        )
        assert result.outcome == "success"
        assert result.xcom["status"] == "AWAITING_CLIENT_UPDATE"


def _order(carrier_id, status, notes=()):
    return {
        "carrierOrderId": f"o{carrier_id}",
        "carrierId": carrier_id,
        "carrierName": f"Carrier {carrier_id}",
        "status": status,
        "notes": list(notes),
    }


class TestEvaluateCarrierOrders:
    @pytest.mark.parametrize(
        ("orders", "carrier_ids", "outcome"),
        [
            ([_order("1", "CERTIFIED"), _order("2", "CERTIFIED")], None, "success"),
            ([_order("1", "CERTIFIED"), _order("2", "APPROVED")], None, "pending"),
            ([_order("1", "CERTIFIED"), _order("2", "APPROVED")], ["1"], "success"),
            ([_order("1", "CERTIFIED")], ["1", "3"], "pending"),
            ([], None, "pending"),
            ([_order("1", "CERTIFIED"), _order("2", "SOMETHING_NEW")], None, "pending"),
            ([_order("1", "CERTIFIED"), _order("2", "REJECTED")], None, "failure"),
            ([_order("1", "CERTIFIED"), _order("2", "REJECTED")], ["1"], "success"),
        ],
        ids=[
            "all-certified",
            "one-pending",
            "named-carrier-certified",
            "named-carrier-without-order",
            "no-orders-yet",
            "unknown-status",
            "one-rejected",
            "rejected-carrier-not-named",
        ],
    )
    def test_outcomes(self, orders, carrier_ids, outcome):
        result = evaluate_carrier_orders(
            _campaign("CARRIER_SUBMITTED", orders=orders), "20001", carrier_ids=carrier_ids
        )
        assert result.outcome == outcome

    def test_failure_names_the_carrier_and_quotes_its_notes(self):
        note = {
            "author": "AGENT",
            "text": "Call to action not compliant.",
            "createdAt": "2026-01-05T00:00:00Z",
        }
        orders = [_order("1", "CERTIFICATION_FAILURE", [note]), _order("2", "CERTIFIED")]

        result = evaluate_carrier_orders(_campaign("CARRIER_SUBMITTED", orders=orders), "20001")

        assert result.status == "CERTIFICATION_FAILURE"
        assert result.message == (
            "Carrier 1 (carrier 1), order o1 is 'CERTIFICATION_FAILURE' "
            "(AGENT at 2026-01-05T00:00:00Z: Call to action not compliant.)"
        )

    def test_pending_names_what_is_missing(self):
        result = evaluate_carrier_orders(
            _campaign("CARRIER_SUBMITTED", orders=[_order("1", "APPROVED")]), "20001", carrier_ids=["1", "4"]
        )
        assert "Carrier 1 (carrier 1), order o1 is 'APPROVED'" in result.message
        assert "no carrier order yet for carriers ['4']" in result.message

    def test_cancelled_campaign_fails_the_wait(self):
        result = evaluate_carrier_orders(_campaign("CANCELLED", orders=[_order("1", "PENDING")]), "20001")
        assert (result.outcome, result.status) == ("failure", "CANCELLED")


def test_hook_never_opens_a_session_per_call(hook, requests_mock):
    requests_mock.get(f"{BASE}/carriers", json={})
    hook.get_carriers()
    session = hook.get_conn()
    hook.get_carriers()
    assert hook.get_conn() is session
    assert isinstance(session, requests.Session)
