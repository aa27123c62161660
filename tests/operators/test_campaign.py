"""Campaign API operators: what they send, what they return, and that retries never duplicate work."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
import requests

from airflow_provider_sinch.exceptions import SinchOutcomeUnknownError, SinchServerError, SinchValidationError
from airflow_provider_sinch.operators.campaign import (
    SinchCreateCampaignOperator,
    SinchCreateRedirectCampaignOperator,
    SinchExportCampaignLogOperator,
    SinchExportCampaignStatsOperator,
    SinchGenerateLandingPagesOperator,
    SinchSendSmsOperator,
    idempotency_tag,
)
from tests.conftest import CAMPAIGN_HOST
from tests.hooks.test_campaign import body_of

CID = "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"
CREATE_URL = f"{CAMPAIGN_HOST}/v1/campaign/create"
SEND_URL = f"{CAMPAIGN_HOST}/v1/campaign/sendsms"
LIST_URL = f"{CAMPAIGN_HOST}/v1/campaigns"
RECIPIENTS_URL = f"{CAMPAIGN_HOST}/v1/campaign/contacts"
CREATED = {
    "uuid": CID,
    "url": "https://rsms.us/bTD",
    "contact_count": 2,
    "duplicated_contacts": [],
    "wrong_contacts": ["12"],
    "tag": None,
}


@pytest.fixture(autouse=True)
def _conn(campaign_conn, campaign_token):
    return campaign_conn


def calls(requests_mock, method: str, path: str) -> list:
    return [r for r in requests_mock.request_history if r.method == method and r.path == path]


def create_op(**kwargs):
    defaults = {
        "task_id": "create",
        "template_campaign_id": "tpl-1",
        "name": "Spring",
        "contacts": [["+15550100", "Alice"], ["+15550101", "Bob"]],
        "send_date": "2026-05-01 09:30",
    }
    return SinchCreateCampaignOperator(**{**defaults, **kwargs})


class TestCreate:
    def test_creates_with_marker_tag_and_pushes_ids(self, requests_mock, make_context, capsys):
        requests_mock.post(CREATE_URL, json={"success": True, "solde": 430, "campaign": CREATED})
        context = make_context()

        result = create_op().execute(context)

        assert result == CREATED
        assert context["ti"].xcom == {"campaign_id": CID, "campaign_url": "https://rsms.us/bTD"}
        sent = body_of(requests_mock.last_request)
        assert sent["tag"] == idempotency_tag(context)
        assert sent["tag"].startswith("airflow-")
        assert sent["contacts"] == [["+15550100", "Alice"], ["+15550101", "Bob"]]
        assert not calls(requests_mock, "GET", "/v1/campaigns")  # a first try does not look up
        logged = capsys.readouterr().out  # operator logs go through Airflow's structlog to stdout
        assert "430 credits left" in logged
        assert "1 wrong contacts, e.g. ['12']" in logged

    def test_csv_with_header_gives_field_names(self, requests_mock, make_context, tmp_path):
        requests_mock.post(CREATE_URL, json={"success": True, "solde": 1, "campaign": CREATED})
        path = tmp_path / "contacts.csv"
        path.write_text("phone,first_name\n+15550100,Alice\n")

        create_op(contacts=str(path), contacts_header=True, tag="spring").execute(make_context())

        sent = body_of(requests_mock.last_request)
        assert sent["field_names"] == ["phone", "first_name"]
        assert sent["contacts"] == [["+15550100", "Alice"]]
        assert sent["tag"] == "spring"

    def test_sender_without_message_is_refused_before_any_request(self, requests_mock, make_context):
        with pytest.raises(SinchValidationError, match="message: sender and message go together"):
            create_op(sender="Shop").execute(make_context())
        assert not requests_mock.called

    def test_retry_returns_campaign_of_earlier_try_without_creating(self, requests_mock, make_context):
        context = make_context(try_number=2)
        tag = idempotency_tag(context)
        requests_mock.get(
            LIST_URL,
            json={
                "success": True,
                "campaigns": [
                    {"id": "other", "tag": "x", "name": "Spring"},
                    {"id": CID, "code": "bTD", "tag": tag, "name": "Spring", "contact_count": 2},
                ],
            },
        )
        create = requests_mock.post(CREATE_URL, json={})

        result = create_op().execute(context)

        assert not create.called
        assert result == {
            "uuid": CID,
            "url": "https://rsms.us/bTD",
            "contact_count": 2,
            "duplicated_contacts": [],
            "wrong_contacts": [],
            "tag": tag,
        }
        assert context["ti"].xcom["campaign_id"] == CID

    def test_retry_with_user_tag_matches_name_and_send_date(self, requests_mock, make_context):
        requests_mock.get(
            LIST_URL,
            json={
                "success": True,
                "campaigns": [
                    # Yesterday's campaign: same tag and name, another send date: not ours.
                    {"id": "yesterday", "tag": "promo", "name": "Spring", "send_date": "2026-04-30 09:30:00"},
                    {
                        "id": CID,
                        "code": "bTD",
                        "tag": "promo",
                        "name": "Spring",
                        "send_date": "2026-05-01 09:30:00",
                    },
                ],
            },
        )
        create = requests_mock.post(CREATE_URL, json={})
        result = create_op(tag="promo").execute(make_context(try_number=2))
        assert result["uuid"] == CID
        assert not create.called

    def test_retry_with_user_tag_and_no_send_date_ignores_campaigns_before_the_run(
        self, requests_mock, make_context
    ):
        run = SimpleNamespace(start_date=datetime(2026, 5, 1, 9, 0, tzinfo=timezone.utc))
        requests_mock.get(
            LIST_URL,
            json={
                "success": True,
                "campaigns": [
                    {"id": "old", "tag": "promo", "name": "Spring", "send_date": "2026-04-30 09:30:00"}
                ],
            },
        )
        requests_mock.post(CREATE_URL, json={"success": True, "solde": 1, "campaign": CREATED})
        result = create_op(tag="promo", send_date=None).execute(make_context(try_number=2, dag_run=run))
        assert result["uuid"] == CID
        assert len(calls(requests_mock, "POST", "/v1/campaign/create")) == 1

    def test_5xx_after_processing_finds_the_campaign_instead_of_creating_twice(
        self, requests_mock, make_context
    ):
        context = make_context()
        tag = idempotency_tag(context)
        requests_mock.post(CREATE_URL, status_code=502, json={"errors": "bad gateway"})
        requests_mock.get(
            LIST_URL,
            json={"success": True, "campaigns": [{"id": CID, "code": "bTD", "tag": tag, "name": "Spring"}]},
        )

        result = create_op().execute(context)

        assert result["uuid"] == CID
        assert len(calls(requests_mock, "POST", "/v1/campaign/create")) == 1

    def test_read_timeout_not_found_creates_again(self, requests_mock, make_context):
        requests_mock.post(
            CREATE_URL,
            [
                {"exc": requests.exceptions.ReadTimeout},
                {"json": {"success": True, "solde": 1, "campaign": CREATED}},
            ],
        )
        requests_mock.get(LIST_URL, json={"success": True, "campaigns": []})

        assert create_op().execute(make_context())["uuid"] == CID
        assert len(calls(requests_mock, "POST", "/v1/campaign/create")) == 2

    def test_400_is_not_retried(self, requests_mock, make_context):
        requests_mock.post(
            CREATE_URL, status_code=400, json={"success": False, "errors": {"name": ["required"]}}
        )
        with pytest.raises(Exception, match="name: required"):
            create_op().execute(make_context())
        assert len(calls(requests_mock, "POST", "/v1/campaign/create")) == 1


class TestSendSms:
    def test_sends_in_sequential_batches_of_1000(self, requests_mock, make_context):
        requests_mock.post(SEND_URL, json={"success": True, "contacts": []})
        contacts = [[f"+1555{i:07d}"] for i in range(2500)]

        result = SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=contacts).execute(
            make_context()
        )

        sizes = [len(body_of(r)["contacts"]) for r in calls(requests_mock, "POST", "/v1/campaign/sendsms")]
        assert sizes == [1000, 1000, 500]
        assert result == {"campaign_id": CID, "sent": 2500, "skipped": 0, "batches": 3}
        assert not calls(requests_mock, "GET", "/v1/campaign/contacts")

    def test_retry_skips_recipients_already_reached_compared_by_digits(
        self, requests_mock, make_context, tmp_path
    ):
        requests_mock.get(RECIPIENTS_URL, json={"success": True, "contacts": [["15550100", "Alice"]]})
        requests_mock.post(SEND_URL, json={"success": True, "contacts": []})
        path = tmp_path / "c.csv"
        path.write_text("+1 (555) 0100,Alice\n+1 555 0101,Bob\n")

        result = SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=str(path)).execute(
            make_context(try_number=2)
        )

        assert body_of(requests_mock.last_request)["contacts"] == [["+1 555 0101", "Bob"]]
        assert result == {"campaign_id": CID, "sent": 1, "skipped": 1, "batches": 1}

    def test_unclear_answer_resends_only_those_sinch_did_not_get(self, requests_mock, make_context):
        # The first call reached Sinch for Alice only, then the answer was lost.
        requests_mock.post(
            SEND_URL,
            [
                {"status_code": 504, "json": {"errors": "timeout"}},
                {"json": {"success": True, "contacts": []}},
            ],
        )
        requests_mock.get(RECIPIENTS_URL, json={"success": True, "contacts": [["+15550100", "Alice"]]})

        result = SinchSendSmsOperator(
            task_id="send", campaign_id=CID, contacts=[["+15550100", "Alice"], ["+15550101", "Bob"]]
        ).execute(make_context())

        posts = calls(requests_mock, "POST", "/v1/campaign/sendsms")
        assert [body_of(p)["contacts"] for p in posts] == [
            [["+15550100", "Alice"], ["+15550101", "Bob"]],
            [["+15550101", "Bob"]],
        ]
        assert result["sent"] == 2

    def test_unclear_answer_when_everyone_was_reached_sends_nothing_more(self, requests_mock, make_context):
        requests_mock.post(SEND_URL, status_code=500, json={"errors": "boom"})
        requests_mock.get(RECIPIENTS_URL, json={"success": True, "contacts": [["+15550100"]]})
        SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=[["+15550100"]]).execute(
            make_context()
        )
        assert len(calls(requests_mock, "POST", "/v1/campaign/sendsms")) == 1

    def test_persistent_5xx_fails_after_bounded_checks(self, requests_mock, make_context):
        requests_mock.post(SEND_URL, status_code=500, json={"errors": "boom"})
        requests_mock.get(RECIPIENTS_URL, json={"success": True, "contacts": []})
        with pytest.raises(
            SinchOutcomeUnknownError, match=r"sendsms to campaign .* Failing this try"
        ) as info:
            SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=[["+15550100"]]).execute(
                make_context()
            )
        assert isinstance(info.value.__cause__, SinchServerError)
        assert len(calls(requests_mock, "POST", "/v1/campaign/sendsms")) == 3

    def test_missing_phone_number_names_the_line(self, requests_mock, make_context, tmp_path):
        path = tmp_path / "c.csv"
        path.write_text("+15550100,Alice\n,Bob\n")
        with pytest.raises(SinchValidationError, match="line 2 has no phone number"):
            SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=str(path)).execute(make_context())


class TestLandingPagesAndRedirect:
    def test_landing_pages_batched_to_a_file(self, requests_mock, make_context, tmp_path):
        def answer(request, context):
            return {
                "success": True,
                "contacts": [{"msisdn": r[0], "url": "u"} for r in body_of(request)["contacts"]],
            }

        requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages", json=answer)
        out = tmp_path / "pages.jsonl"
        result = SinchGenerateLandingPagesOperator(
            task_id="pages", campaign_id=CID, contacts=[[f"id{i}"] for i in range(1500)], destination=str(out)
        ).execute(make_context())
        assert result == {"path": str(out), "count": 1500}
        assert json.loads(out.read_text().splitlines()[-1]) == {"msisdn": "id1499", "url": "u"}
        assert len(requests_mock.request_history) == 3  # token + 2 batches

    def test_redirect_over_1000_refused_before_any_request(self, requests_mock, make_context):
        op = SinchCreateRedirectCampaignOperator(
            task_id="r", name="R", target_url="https://x.test/[[A]]", contacts=[[str(i)] for i in range(1001)]
        )
        with pytest.raises(SinchValidationError, match="at most 1000 recipients"):
            op.execute(make_context())
        assert not requests_mock.called

    def test_redirect_retry_finds_earlier_campaign(self, requests_mock, make_context):
        context = make_context(try_number=2)
        requests_mock.get(
            LIST_URL,
            json={"success": True, "campaigns": [{"id": "r1", "tag": idempotency_tag(context), "name": "R"}]},
        )
        create = requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/create-redirect", json={})
        result = SinchCreateRedirectCampaignOperator(
            task_id="r", name="R", target_url="https://x.test/", contacts=[["1"]]
        ).execute(context)
        assert result["campaign_id"] == "r1"
        assert result["recovered"] is True
        assert not create.called


EVENTS = [
    {
        "datetime": "2026-01-01 00:00:00",
        "type": "SUBMIT",
        "contact": {"msisdn": "1", "code": "0", "channel": "sms"},
        "data": {"success": True},
    },
    {
        "datetime": "2026-01-01 00:30:00",
        "type": "DELIVER",
        "contact": {"msisdn": "1", "code": "0", "channel": "sms"},
        "data": {"success": True},
    },
    {
        "datetime": "2026-01-01 01:00:00",
        "type": "DELIVER",
        "contact": {"msisdn": "2", "code": "1", "channel": "sms"},
        "data": {"success": False},
    },
]


def _log_server(requests_mock):
    def log_for(request, context):
        start, stop = request.qs["start"][0], request.qs["stop"][0]
        return {"success": True, "log": [e for e in EVENTS if start <= e["datetime"] <= stop]}

    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/log", json=log_for)


class TestExportLog:
    def test_defaults_to_the_data_interval_and_counts_per_type(self, requests_mock, make_context, tmp_path):
        _log_server(requests_mock)
        out = tmp_path / "log.jsonl"
        context = make_context(
            data_interval_start=datetime(2026, 1, 1, tzinfo=timezone.utc),
            data_interval_end=datetime(2026, 1, 1, 1, tzinfo=timezone.utc),
        )

        result = SinchExportCampaignLogOperator(task_id="log", campaign_id=CID, destination=str(out)).execute(
            context
        )

        assert result["counts_by_type"] == {"SUBMIT": 1, "DELIVER": 1}
        assert result["count"] == 2
        assert [json.loads(line) for line in out.read_text().splitlines()] == EVENTS[:2]

    def test_consecutive_intervals_export_each_event_once(self, requests_mock, make_context, tmp_path):
        _log_server(requests_mock)
        seen = []
        for hour in range(2):
            out = tmp_path / f"log-{hour}.jsonl"
            SinchExportCampaignLogOperator(
                task_id="log",
                campaign_id=CID,
                destination=str(out),
                start=datetime(2026, 1, 1, hour),
                stop=datetime(2026, 1, 1, hour + 1),
            ).execute(make_context())
            seen += [json.loads(line)["datetime"] for line in out.read_text().splitlines()]
        assert seen == [e["datetime"] for e in EVENTS]

    def test_csv_with_templated_iso_strings(self, requests_mock, make_context, tmp_path):
        _log_server(requests_mock)
        out = tmp_path / "log.csv"
        SinchExportCampaignLogOperator(
            task_id="log",
            campaign_id=CID,
            destination=str(out),
            start="2026-01-01T00:00:00+00:00",
            stop="2026-01-01T02:00:00Z",
            file_format="csv",
        ).execute(make_context())
        rows = list(csv.DictReader(out.open()))
        assert [r["type"] for r in rows] == ["SUBMIT", "DELIVER", "DELIVER"]
        assert rows[2]["msisdn"] == "2"
        assert json.loads(rows[2]["data"]) == {"success": False}

    def test_empty_interval_is_a_clear_error(self, make_context, tmp_path):
        moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
        op = SinchExportCampaignLogOperator(task_id="log", campaign_id=CID, destination=str(tmp_path / "x"))
        with pytest.raises(SinchValidationError, match="pass start and stop explicitly"):
            op.execute(make_context(data_interval_start=moment, data_interval_end=moment))

    def test_unknown_format_refused_at_parse_time(self):
        with pytest.raises(SinchValidationError, match="file_format"):
            SinchExportCampaignLogOperator(
                task_id="log", campaign_id=CID, destination="x", file_format="xlsx"
            )


def test_export_stats_pages_and_summary(requests_mock, make_context, tmp_path):
    pages = [
        {"success": True, "summary": {"sms_submitted": 3}, "contacts": [{"msisdn": "1"}, {"msisdn": "2"}]},
        {"success": True, "summary": {"sms_submitted": 3}, "contacts": [{"msisdn": "3"}]},
    ]
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/stats", [{"json": p} for p in pages])
    out = tmp_path / "stats.csv"

    result = SinchExportCampaignStatsOperator(
        task_id="stats", campaign_id=CID, destination=str(out), file_format="csv", page_size=2
    ).execute(make_context())

    assert result == {"path": str(out), "count": 3, "summary": {"sms_submitted": 3}}
    assert [r["msisdn"] for r in csv.DictReader(out.open())] == ["1", "2", "3"]


def test_template_fields_cover_ids_names_paths_and_bodies():
    assert set(SinchCreateCampaignOperator.template_fields) >= {
        "template_campaign_id",
        "name",
        "contacts",
        "send_date",
        "tag",
    }
    assert set(SinchSendSmsOperator.template_fields) == {"campaign_id", "contacts"}
    assert set(SinchExportCampaignLogOperator.template_fields) >= {
        "campaign_id",
        "destination",
        "start",
        "stop",
    }
    assert set(SinchExportCampaignStatsOperator.template_fields) >= {"campaign_id", "destination"}
