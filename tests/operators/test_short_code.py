"""US Short Code operators: what they send and return, and that retries never duplicate work."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from airflow_provider_sinch import waits as wait_machinery
from airflow_provider_sinch.exceptions import (
    SinchBadRequestError,
    SinchOutcomeUnknownError,
    SinchServerError,
    SinchTerminalStatusError,
    SinchTransportError,
    SinchValidationError,
    SinchWaitTimeout,
)
from airflow_provider_sinch.links import SinchShortCodeCampaignLink
from airflow_provider_sinch.operators.short_code import (
    HISTORY_FIELDS,
    SinchAddShortCodeNoteOperator,
    SinchCancelShortCodeCampaignOperator,
    SinchCreateShortCodeCampaignOperator,
    SinchExportShortCodeHistoryOperator,
    SinchSubmitShortCodeCampaignOperator,
    SinchUpdateShortCodeCampaignOperator,
    SinchUploadShortCodeAttachmentOperator,
    campaign_history,
)
from tests.conftest import PROJECT_ID, SHORT_CODE_HOST, SHORT_CODE_READY, assert_deferral_timeout

BASE = f"{SHORT_CODE_HOST}/v1/projects/{PROJECT_ID}/campaigns"
CID = "20001"
URL = f"https://dashboard.sinch.com/sms/us-short-codes/campaigns/{CID}"
RUN_START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
BODY = {"name": "Alerts", "trafficCharge": "STANDARD", "scRequested": True, "brandId": "B1"}
READY = SHORT_CODE_READY
ANY_NOTES = re.compile(r".*/notes$")
SERVER_ERROR = {"status_code": 503, "json": {"error": {"code": 503, "message": "unavailable"}}}


@pytest.fixture(autouse=True)
def _conn(short_code_conn, oauth_token):
    return short_code_conn


@pytest.fixture
def context(make_context):
    def make(try_number: int = 1):
        return make_context(try_number, dag_run=SimpleNamespace(start_date=RUN_START))

    return make


@pytest.fixture
def waits(monkeypatch):
    """The operator's pauses between checks, recorded instead of slept."""
    seen: list[float] = []
    monkeypatch.setattr(wait_machinery, "_sleep", seen.append)
    return seen


def calls(requests_mock, method: str, url: str) -> list:
    return [r for r in requests_mock.request_history if r.method == method and r.url.split("?")[0] == url]


def query_of(request) -> dict:
    return parse_qs(urlsplit(request.url).query)


@pytest.mark.parametrize(
    ("operator", "fields"),
    [
        (SinchCreateShortCodeCampaignOperator, {"campaign", "project_id", "sinch_conn_id"}),
        (SinchUpdateShortCodeCampaignOperator, {"campaign_id", "campaign", "project_id"}),
        (SinchSubmitShortCodeCampaignOperator, {"campaign_id", "target_statuses", "failure_statuses"}),
        (SinchCancelShortCodeCampaignOperator, {"campaign_id", "project_id"}),
        (SinchAddShortCodeNoteOperator, {"campaign_id", "text", "carrier_order_id"}),
        (SinchUploadShortCodeAttachmentOperator, {"campaign_id", "path", "description", "filename"}),
        (SinchExportShortCodeHistoryOperator, {"campaign_id", "destination", "file_format"}),
    ],
    ids=lambda v: getattr(v, "__name__", "fields"),
)
def test_templated_fields_and_extra_link(operator, fields):
    assert fields <= set(operator.template_fields)
    assert any(isinstance(link, SinchShortCodeCampaignLink) for link in operator.operator_extra_links)


class TestCreate:
    def test_creates_and_pushes_id_and_link(self, requests_mock, context):
        created = {"id": CID, "name": "Alerts", "status": "DRAFT"}
        route = requests_mock.post(BASE, json=created)
        ctx = context()

        result = SinchCreateShortCodeCampaignOperator(task_id="t", campaign=BODY).execute(ctx)

        assert result == created
        assert json.loads(route.last_request.body) == BODY
        assert ctx["ti"].xcom == {"campaign_id": CID, "short_code_campaign_url": URL}
        assert not calls(requests_mock, "GET", BASE)  # a first try does not look for earlier drafts

    def test_every_problem_is_named_before_any_request(self, requests_mock, context):
        bad = {"name": "x" * 101, "trafficCharge": "CHEAP", "contentDefinitions": [{"contentType": "SPAM"}]}
        with pytest.raises(SinchValidationError) as err:
            SinchCreateShortCodeCampaignOperator(task_id="t", campaign=bad).execute(context())
        assert err.value.fields == [
            "scRequested",
            "name",
            "trafficCharge",
            "contentDefinitions[0].contentType",
        ]
        assert not requests_mock.called

    def test_retry_returns_the_draft_of_an_earlier_try(self, requests_mock, context):
        listing = requests_mock.get(
            BASE,
            json={
                "campaigns": [
                    {"id": "20009", "name": "Other", "createdAt": "2026-03-01T12:03:00Z"},
                    {"id": CID, "name": "Alerts", "status": "DRAFT", "createdAt": "2026-03-01T12:01:00Z"},
                ]
            },
        )
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, "name": "Alerts", "status": "DRAFT"})
        create = requests_mock.post(BASE, json={})
        ctx = context(try_number=2)

        result = SinchCreateShortCodeCampaignOperator(task_id="t", campaign=BODY).execute(ctx)

        assert result["id"] == CID
        assert not create.called
        assert query_of(listing.last_request) == {"orderBy": ["createDate,desc"]}
        assert ctx["ti"].xcom["campaign_id"] == CID

    @pytest.mark.parametrize(
        "earlier",
        [
            {"id": "1", "name": "Alerts", "status": "CANCELLED", "createdAt": "2026-03-01T12:01:00Z"},
            {"id": "1", "name": "Alerts", "status": "DRAFT", "createdAt": "2026-02-01T00:00:00Z"},
        ],
        ids=["cancelled", "older-than-the-run"],
    )
    def test_retry_creates_when_no_usable_earlier_campaign(self, requests_mock, context, earlier):
        requests_mock.get(BASE, json={"campaigns": [earlier]})
        create = requests_mock.post(BASE, json={"id": CID, "status": "DRAFT"})

        SinchCreateShortCodeCampaignOperator(task_id="t", campaign=BODY).execute(context(try_number=2))

        assert create.call_count == 1

    @pytest.mark.parametrize(
        "failure",
        [SERVER_ERROR, {"exc": requests.exceptions.ReadTimeout}],
        ids=["5xx", "read-timeout"],
    )
    def test_unclear_failure_finds_the_draft_sinch_made(self, requests_mock, context, failure):
        create = requests_mock.post(BASE, [failure])
        requests_mock.get(
            BASE, json={"campaigns": [{"id": CID, "name": "Alerts", "createdAt": "2026-03-01T12:00:30Z"}]}
        )
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, "status": "DRAFT"})

        result = SinchCreateShortCodeCampaignOperator(task_id="t", campaign=BODY).execute(context())

        assert result == {"id": CID, "status": "DRAFT"}
        assert create.call_count == 1

    def test_unclear_failure_without_a_draft_is_raised(self, requests_mock, context):
        create = requests_mock.post(BASE, **SERVER_ERROR)
        requests_mock.get(BASE, json={"campaigns": []})

        with pytest.raises(SinchOutcomeUnknownError, match="HTTP 503") as info:
            SinchCreateShortCodeCampaignOperator(task_id="t", campaign=BODY).execute(context())
        assert isinstance(info.value.__cause__, SinchServerError)
        assert create.call_count == 1

    @pytest.mark.parametrize(
        ("failure", "error"),
        [
            (
                {"status_code": 400, "json": {"error": {"message": "bad", "status": "INVALID_ARGUMENT"}}},
                SinchBadRequestError,
            ),
            ({"exc": requests.exceptions.ConnectTimeout}, SinchTransportError),
        ],
        ids=["400", "never-reached-sinch"],
    )
    def test_clear_failures_do_not_look_for_drafts(self, requests_mock, context, failure, error):
        requests_mock.post(BASE, [failure])
        with pytest.raises(error):
            SinchCreateShortCodeCampaignOperator(task_id="t", campaign=BODY).execute(context())
        assert not calls(requests_mock, "GET", BASE)


class TestUpdate:
    def test_puts_the_body(self, requests_mock, context):
        route = requests_mock.put(f"{BASE}/{CID}", json={"id": CID, "status": "DRAFT"})
        ctx = context()

        result = SinchUpdateShortCodeCampaignOperator(task_id="t", campaign_id=CID, campaign=BODY).execute(
            ctx
        )

        assert result == {"id": CID, "status": "DRAFT"}
        assert json.loads(route.last_request.body) == BODY
        assert ctx["ti"].xcom == {"short_code_campaign_url": URL}

    def test_invalid_body_is_refused_before_sending(self, requests_mock, context):
        with pytest.raises(SinchValidationError, match="trafficCharge: is required"):
            SinchUpdateShortCodeCampaignOperator(
                task_id="t", campaign_id=CID, campaign={"name": "x", "scRequested": True}
            ).execute(context())
        assert not requests_mock.called


def submit_op(**kwargs):
    return SinchSubmitShortCodeCampaignOperator(task_id="submit", campaign_id=CID, **kwargs)


class TestSubmit:
    def test_submits_a_ready_draft(self, requests_mock, context):
        requests_mock.get(f"{BASE}/{CID}", json=READY)
        submit = requests_mock.post(f"{BASE}/{CID}/submit", json={**READY, "status": "PENDING_REVIEW"})
        ctx = context()

        result = submit_op().execute(ctx)

        assert result["status"] == "PENDING_REVIEW"
        assert submit.call_count == 1
        assert submit.last_request.body is None
        assert ctx["ti"].xcom == {"short_code_campaign_url": URL}

    def test_names_every_missing_requirement_in_one_error_before_sending(self, requests_mock, context):
        requests_mock.get(
            f"{BASE}/{CID}", json={"id": CID, "status": "DRAFT", "scRequested": True, "isMigrated": True}
        )
        submit = requests_mock.post(f"{BASE}/{CID}/submit", json={})

        with pytest.raises(SinchValidationError) as err:
            submit_op().execute(context())

        assert err.value.fields == [
            "contentDefinitions",
            "customerCare",
            "termsAndConditions",
            "privacyPolicy",
            "complianceEmails",
            "brandId",
            "campaignAttachments",
        ]
        assert str(err.value).startswith(f"Short code campaign {CID} is not ready to submit: 7 problems")
        assert not submit.called

    def test_sc_requested_false_is_warned_about_and_left_to_sinch(self, requests_mock, context, caplog):
        # The document contradicts itself on what scRequested false needs: submit, and let Sinch decide.
        campaign = {**READY, "status": "DRAFT", "scRequested": False}
        campaign.pop("brandId", None)
        requests_mock.get(f"{BASE}/{CID}", json=campaign)
        submit = requests_mock.post(f"{BASE}/{CID}/submit", json={**campaign, "status": "PENDING_REVIEW"})

        with caplog.at_level("WARNING"):
            result = submit_op().execute(context())

        assert result["status"] == "PENDING_REVIEW"
        assert submit.call_count == 1
        warned = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Submitting anyway")]
        assert [m.split(": ")[1] for m in warned] == ["shortCodes", "campaignAttachments"]

    @pytest.mark.parametrize("status", ["PENDING_REVIEW", "REVIEWING", "COMPLETED", "SOMETHING_NEW"])
    def test_campaign_already_past_submission_is_not_submitted_again(self, requests_mock, context, status):
        requests_mock.get(f"{BASE}/{CID}", json={**READY, "status": status})
        submit = requests_mock.post(f"{BASE}/{CID}/submit", json={})

        assert submit_op().execute(context(try_number=2))["status"] == status
        assert not submit.called

    def test_cancelled_campaign_cannot_be_submitted(self, requests_mock, context):
        requests_mock.get(f"{BASE}/{CID}", json={**READY, "status": "CANCELLED"})
        with pytest.raises(SinchTerminalStatusError, match="'CANCELLED': it can no longer be submitted"):
            submit_op().execute(context())

    @pytest.mark.parametrize(
        ("after", "raised"),
        [("PENDING_REVIEW", False), ("DRAFT", True)],
        ids=["went-through", "did-not"],
    )
    def test_5xx_checks_whether_sinch_took_the_submission(self, requests_mock, context, after, raised):
        requests_mock.get(f"{BASE}/{CID}", [{"json": READY}, {"json": {**READY, "status": after}}])
        submit = requests_mock.post(f"{BASE}/{CID}/submit", **SERVER_ERROR)

        if raised:
            with pytest.raises(SinchOutcomeUnknownError, match="HTTP 503"):
                submit_op().execute(context())
        else:
            assert submit_op().execute(context())["status"] == after
        assert submit.call_count == 1

    def test_waits_until_completed(self, requests_mock, context, waits):
        requests_mock.get(
            f"{BASE}/{CID}",
            [
                {"json": READY},
                {"json": {**READY, "status": "REVIEWING"}},
                {"json": {**READY, "status": "COMPLETED", "shortCodes": "54321"}},
            ],
        )
        requests_mock.post(f"{BASE}/{CID}/submit", json={**READY, "status": "PENDING_REVIEW"})

        result = submit_op(wait_for_completion=True, poll_interval=30).execute(context())

        assert result == {
            "id": CID,
            "name": "Alerts",
            "status": "COMPLETED",
            "shortCodes": "54321",
            "carrierOrders": [],
        }
        assert waits == [30.0]

    def test_wait_fails_quoting_the_reviewers_notes(self, requests_mock, context, waits):
        note = {"author": "AGENT", "text": "Add the opt-in screenshot.", "createdAt": "2026-03-02T00:00:00Z"}
        requests_mock.get(
            f"{BASE}/{CID}",
            [{"json": READY}, {"json": {**READY, "status": "AWAITING_CLIENT_UPDATE", "notes": [note]}}],
        )
        requests_mock.post(f"{BASE}/{CID}/submit", json=READY)

        with pytest.raises(SinchTerminalStatusError) as err:
            submit_op(wait_for_completion=True).execute(context())

        assert err.value.status == "AWAITING_CLIENT_UPDATE"
        assert "AGENT at 2026-03-02T00:00:00Z: Add the opt-in screenshot." in str(err.value)

    def test_wait_gives_up_at_the_timeout(self, requests_mock, context, waits):
        requests_mock.get(f"{BASE}/{CID}", [{"json": READY}, {"json": {**READY, "status": "REVIEWING"}}])
        requests_mock.post(f"{BASE}/{CID}/submit", json=READY)

        with pytest.raises(
            SinchWaitTimeout,
            match=r"^Timed out waiting on Short code campaign 20001 \(last status 'REVIEWING'\)",
        ):
            submit_op(wait_for_completion=True, timeout=0).execute(context())

    def test_deferrable_wait_defers_with_the_deadline(self, requests_mock, context):
        from airflow_provider_sinch._compat import TaskDeferred
        from airflow_provider_sinch.triggers.short_code import SinchShortCodeCampaignStatusTrigger

        requests_mock.get(f"{BASE}/{CID}", [{"json": READY}, {"json": {**READY, "status": "PENDING_REVIEW"}}])
        requests_mock.post(f"{BASE}/{CID}/submit", json=READY)
        ctx = context()

        with pytest.raises(TaskDeferred) as deferred:
            submit_op(wait_for_completion=True, deferrable=True, poll_interval=600, timeout=3600).execute(ctx)

        trigger = deferred.value.trigger
        assert isinstance(trigger, SinchShortCodeCampaignStatusTrigger)
        assert deferred.value.method_name == "execute_complete"
        assert_deferral_timeout(deferred.value.timeout, timedelta(seconds=3600))
        _, kwargs = trigger.serialize()
        assert kwargs["campaign_id"] == CID
        assert kwargs["project_id"] == PROJECT_ID
        assert kwargs["target_statuses"] == ["COMPLETED"]
        assert kwargs["failure_statuses"] == ["AWAITING_CLIENT_UPDATE", "CANCELLED", "DEPROVISIONED"]
        assert kwargs["poll_interval"] == 600
        assert kwargs["end_time"] is not None
        assert ctx["ti"].xcom == {"short_code_campaign_url": URL}  # pushed before waiting

    def test_deferrable_does_not_defer_when_already_done(self, requests_mock, context):
        requests_mock.get(f"{BASE}/{CID}", json={**READY, "status": "COMPLETED"})
        result = submit_op(wait_for_completion=True, deferrable=True).execute(context())
        assert result["status"] == "COMPLETED"

    @pytest.mark.parametrize(
        ("event", "expected"),
        [
            (
                {"status": "success", "xcom": {"id": CID, "status": "COMPLETED"}},
                {"id": CID, "status": "COMPLETED"},
            ),
            (
                {
                    "status": "failure",
                    "api_status": "CANCELLED",
                    "resource": "Short code campaign 1",
                    "message": "m",
                },
                SinchTerminalStatusError,
            ),
            ({"status": "error", "timeout": True, "message": "deadline"}, SinchWaitTimeout),
        ],
        ids=["success", "failure", "timeout"],
    )
    def test_execute_complete(self, event, expected):
        if isinstance(expected, type):
            with pytest.raises(expected):
                submit_op().execute_complete({}, event)
        else:
            assert submit_op().execute_complete({}, event) == expected

    def test_overlapping_or_unknown_statuses(self, caplog):
        op = submit_op(target_statuses="COMPLETED", failure_statuses=["CANCELED"])
        assert op.target_statuses == "COMPLETED"  # stored as given: it may be a template
        assert op._statuses() == (("COMPLETED",), ("CANCELED",))
        assert "failure_statuses has statuses the API does not document: ['CANCELED']" in caplog.text
        with pytest.raises(SinchValidationError, match="cannot be both a target and a failure"):
            submit_op(target_statuses="CANCELLED", failure_statuses="CANCELLED,DEPROVISIONED")._statuses()


class TestCancel:
    def test_cancels(self, requests_mock, context):
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, "status": "PENDING_REVIEW"})
        cancel = requests_mock.post(f"{BASE}/{CID}/cancel", json={"id": CID, "status": "CANCELLED"})

        result = SinchCancelShortCodeCampaignOperator(task_id="t", campaign_id=CID).execute(context())

        assert result["status"] == "CANCELLED"
        assert cancel.call_count == 1

    def test_already_cancelled_is_left_alone(self, requests_mock, context):
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, "status": "CANCELLED"})
        cancel = requests_mock.post(f"{BASE}/{CID}/cancel", json={})

        SinchCancelShortCodeCampaignOperator(task_id="t", campaign_id=CID).execute(context(try_number=2))

        assert not cancel.called

    def test_status_that_cannot_be_cancelled_is_named(self, requests_mock, context):
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, "status": "REVIEWING"})
        cancel = requests_mock.post(f"{BASE}/{CID}/cancel", json={})

        with pytest.raises(SinchValidationError, match=f"campaign {CID} is 'REVIEWING'; Sinch cancels only"):
            SinchCancelShortCodeCampaignOperator(task_id="t", campaign_id=CID).execute(context())
        assert not cancel.called

    def test_5xx_after_sinch_cancelled_is_success(self, requests_mock, context):
        requests_mock.get(
            f"{BASE}/{CID}",
            [{"json": {"id": CID, "status": "DRAFT"}}, {"json": {"id": CID, "status": "CANCELLED"}}],
        )
        requests_mock.post(f"{BASE}/{CID}/cancel", **SERVER_ERROR)

        result = SinchCancelShortCodeCampaignOperator(task_id="t", campaign_id=CID).execute(context())

        assert result["status"] == "CANCELLED"


class TestNote:
    def test_campaign_note(self, requests_mock, context):
        route = requests_mock.post(f"{BASE}/{CID}/notes", json={"author": "CUSTOMER", "text": "Ready"})

        result = SinchAddShortCodeNoteOperator(task_id="t", campaign_id=CID, text="Ready").execute(context())

        assert result == {"author": "CUSTOMER", "text": "Ready"}
        assert json.loads(route.last_request.body) == {"text": "Ready"}

    def test_carrier_order_note(self, requests_mock, context):
        route = requests_mock.post(f"{BASE}/{CID}/carrier/30001/notes", json={"text": "Fixed"})

        SinchAddShortCodeNoteOperator(
            task_id="t", campaign_id=CID, text="Fixed", carrier_order_id="30001"
        ).execute(context())

        assert json.loads(route.last_request.body) == {"text": "Fixed"}

    def test_text_over_the_limit_is_refused(self, requests_mock, context):
        with pytest.raises(SinchValidationError, match="is 1001 characters long; Sinch accepts at most 1000"):
            SinchAddShortCodeNoteOperator(task_id="t", campaign_id=CID, text="x" * 1001).execute(context())
        assert not requests_mock.called

    @pytest.mark.parametrize(
        ("carrier_order_id", "campaign"),
        [
            (None, {"notes": [{"author": "CUSTOMER", "text": "Ready", "createdAt": "2026-03-01T12:01:00Z"}]}),
            (
                "30001",
                {
                    "carrierOrders": [
                        {
                            "carrierOrderId": "30001",
                            "notes": [
                                {"author": "CUSTOMER", "text": "Ready", "createdAt": "2026-03-01T12:01:00Z"}
                            ],
                        }
                    ]
                },
            ),
        ],
        ids=["campaign", "carrier-order"],
    )
    def test_retry_finds_the_note_of_an_earlier_try(self, requests_mock, context, carrier_order_id, campaign):
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, **campaign})
        post = requests_mock.post(ANY_NOTES, json={})

        result = SinchAddShortCodeNoteOperator(
            task_id="t", campaign_id=CID, text="Ready", carrier_order_id=carrier_order_id
        ).execute(context(try_number=2))

        assert result["text"] == "Ready"
        assert not post.called

    def test_retry_adds_when_only_an_older_identical_note_exists(self, requests_mock, context):
        old = {"author": "CUSTOMER", "text": "Ready", "createdAt": "2026-01-01T00:00:00Z"}
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, "notes": [old]})
        post = requests_mock.post(f"{BASE}/{CID}/notes", json={"text": "Ready"})

        SinchAddShortCodeNoteOperator(task_id="t", campaign_id=CID, text="Ready").execute(
            context(try_number=2)
        )

        assert post.call_count == 1


class TestUpload:
    def test_uploads(self, requests_mock, context, tmp_path):
        path = tmp_path / "receipt.txt"
        path.write_text("receipt")
        route = requests_mock.post(
            f"{BASE}/{CID}/attachments", json={"attachmentId": "a1", "name": "receipt.txt"}
        )
        ctx = context()

        result = SinchUploadShortCodeAttachmentOperator(
            task_id="t", campaign_id=CID, path=str(path), description="SC receipt"
        ).execute(ctx)

        assert result == {"attachmentId": "a1", "name": "receipt.txt"}
        body = route.last_request.body.read()
        assert b"receipt\r\n" in body
        assert b'name="description"\r\n\r\nSC receipt\r\n' in body
        assert ctx["ti"].xcom == {"short_code_campaign_url": URL}

    def test_retry_finds_the_attachment_of_an_earlier_try(self, requests_mock, context, tmp_path):
        path = tmp_path / "receipt.txt"
        path.write_text("receipt")
        attachment = {"attachmentId": "a1", "name": "receipt.txt", "description": "SC receipt"}
        requests_mock.get(f"{BASE}/{CID}", json={"id": CID, "campaignAttachments": [attachment]})
        post = requests_mock.post(f"{BASE}/{CID}/attachments", json={})

        result = SinchUploadShortCodeAttachmentOperator(
            task_id="t", campaign_id=CID, path=path, description="SC receipt"
        ).execute(context(try_number=2))

        assert result == attachment
        assert not post.called

    def test_5xx_after_the_upload_landed_is_success(self, requests_mock, context, tmp_path):
        path = tmp_path / "receipt.txt"
        path.write_text("receipt")
        requests_mock.get(
            f"{BASE}/{CID}", json={"campaignAttachments": [{"attachmentId": "a1", "name": "receipt.txt"}]}
        )
        post = requests_mock.post(f"{BASE}/{CID}/attachments", **SERVER_ERROR)

        result = SinchUploadShortCodeAttachmentOperator(task_id="t", campaign_id=CID, path=path).execute(
            context()
        )

        assert result["attachmentId"] == "a1"
        assert post.call_count == 1


HISTORY_CAMPAIGN = {
    "id": CID,
    "campaignLogs": [
        {"previousStatus": "DRAFT", "currentStatus": "PENDING_REVIEW", "createdAt": "2026-03-01T12:00:01Z"}
    ],
    "notes": [{"author": "CUSTOMER", "text": "hello, world", "createdAt": "2026-03-01T12:00:00Z"}],
    "carrierOrders": [
        {
            "carrierOrderId": "30001",
            "carrierId": "1",
            "carrierName": "AT&T",
            "logs": [
                {
                    "previousStatus": "PENDING",
                    "currentStatus": "SUBMITTED",
                    "createdAt": "2026-03-01T12:00:02Z",
                }
            ],
        }
    ],
}


class TestExportHistory:
    def test_jsonl(self, requests_mock, context, tmp_path):
        requests_mock.get(f"{BASE}/{CID}", json=HISTORY_CAMPAIGN)
        target = tmp_path / "out" / "history.jsonl"

        result = SinchExportShortCodeHistoryOperator(
            task_id="t", campaign_id=CID, destination=str(target)
        ).execute(context())

        assert result == str(target)
        records = [json.loads(line) for line in target.read_text().splitlines()]
        assert [(r["record_type"], r["current_status"], r["text"]) for r in records] == [
            ("campaign_note", None, "hello, world"),
            ("campaign_log", "PENDING_REVIEW", None),
            ("carrier_order_log", "SUBMITTED", None),
        ]
        assert records[2]["carrier_name"] == "AT&T"

    def test_csv(self, requests_mock, context, tmp_path):
        requests_mock.get(f"{BASE}/{CID}", json=HISTORY_CAMPAIGN)
        target = tmp_path / "history.csv"

        SinchExportShortCodeHistoryOperator(
            task_id="t", campaign_id=CID, destination=target, file_format="csv"
        ).execute(context())

        rows = list(csv.DictReader(target.open()))
        assert list(rows[0]) == [
            "created_at",
            "record_type",
            "campaign_id",
            "carrier_order_id",
            "carrier_id",
            "carrier_name",
            "previous_status",
            "current_status",
            "author",
            "text",
        ]
        assert rows[0]["text"] == "hello, world"
        assert rows[2]["carrier_order_id"] == "30001"

    def test_unknown_format_is_refused_after_rendering_before_any_request(self, requests_mock, make_context):
        operator = SinchExportShortCodeHistoryOperator(
            task_id="t", campaign_id=CID, destination="x", file_format="xml"
        )
        with pytest.raises(SinchValidationError, match="t: file_format: must be one of"):
            operator.execute(make_context())
        assert not requests_mock.called


def test_campaign_history_flattens_logs_and_notes_oldest_first():
    campaign = {
        "id": "20001",
        "campaignLogs": [
            {
                "previousStatus": "DRAFT",
                "currentStatus": "PENDING_REVIEW",
                "createdAt": "2026-01-01T00:00:01Z",
            }
        ],
        "notes": [{"author": "CUSTOMER", "text": "hello", "createdAt": "2026-01-01T00:00:00Z"}],
        "carrierOrders": [
            {
                "carrierOrderId": "o1",
                "carrierId": "1",
                "carrierName": "AT&T",
                "logs": [
                    {
                        "previousStatus": "PENDING",
                        "currentStatus": "SUBMITTED",
                        "createdAt": "2026-01-01T00:00:02Z",
                    }
                ],
                "notes": [{"author": "AGENT", "text": "ok", "createdAt": "2026-01-01T00:00:03Z"}],
            }
        ],
    }

    records = campaign_history(campaign)

    assert [r["record_type"] for r in records] == [
        "campaign_note",
        "campaign_log",
        "carrier_order_log",
        "carrier_order_note",
    ]
    assert all(set(r) == set(HISTORY_FIELDS) for r in records)
    assert records[2] == {
        "created_at": "2026-01-01T00:00:02Z",
        "record_type": "carrier_order_log",
        "campaign_id": "20001",
        "carrier_order_id": "o1",
        "carrier_id": "1",
        "carrier_name": "AT&T",
        "previous_status": "PENDING",
        "current_status": "SUBMITTED",
        "author": None,
        "text": None,
    }
