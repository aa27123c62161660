"""Campaign API operators: what they send, what they return, and that retries never duplicate work."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime, timedelta, timezone
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
from tests.hooks.test_campaign import body_of, keep_bodies

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
        "send_date": "2099-05-01 09:30",
    }
    return SinchCreateCampaignOperator(**{**defaults, **kwargs})


class TestCreate:
    def test_creates_with_marker_tag_and_pushes_ids(self, requests_mock, make_context, capsys):
        bodies = keep_bodies(requests_mock, CREATE_URL, {"success": True, "solde": 430, "campaign": CREATED})
        context = make_context()

        result = create_op().execute(context)

        assert result == {
            "uuid": CID,
            "url": "https://rsms.us/bTD",
            "contact_count": 2,
            "tag": None,
            "wrong_contacts_count": 1,
            "wrong_contacts_examples": ["12"],
            "duplicated_contacts_count": 0,
            "duplicated_contacts_examples": [],
            "duplicates_skipped": 0,
            "rejected_contacts_path": None,
            "recovered": False,
        }
        assert context["ti"].xcom == {"campaign_id": CID, "campaign_url": "https://rsms.us/bTD"}
        [sent] = bodies
        assert sent["tag"] == idempotency_tag(context)
        assert sent["tag"].startswith("airflow-")
        assert sent["contacts"] == [["+15550100", "Alice"], ["+15550101", "Bob"]]
        assert not calls(requests_mock, "GET", "/v1/campaigns")  # a first try does not look up
        logged = capsys.readouterr().out  # operator logs go through Airflow's structlog to stdout
        assert "430 credits left" in logged
        assert "1 wrong contacts, e.g. ['12']" in logged

    def test_csv_with_header_gives_field_names(self, requests_mock, make_context, tmp_path):
        bodies = keep_bodies(requests_mock, CREATE_URL, {"success": True, "solde": 1, "campaign": CREATED})
        path = tmp_path / "contacts.csv"
        path.write_text("phone,first_name\n+15550100,Alice\n")

        create_op(contacts=str(path), contacts_header=True, tag="spring").execute(make_context())

        [sent] = bodies
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
            "tag": tag,
            "wrong_contacts_count": 0,
            "wrong_contacts_examples": [],
            "duplicated_contacts_count": 0,
            "duplicated_contacts_examples": [],
            "duplicates_skipped": 0,
            "rejected_contacts_path": None,
            "recovered": True,
        }
        assert context["ti"].xcom["campaign_id"] == CID

    def test_retry_with_user_tag_matches_name_and_send_date(self, requests_mock, make_context):
        requests_mock.get(
            LIST_URL,
            json={
                "success": True,
                "campaigns": [
                    # Yesterday's campaign: same tag and name, another send date: not ours.
                    {"id": "yesterday", "tag": "promo", "name": "Spring", "send_date": "2099-04-30 09:30:00"},
                    {
                        "id": CID,
                        "code": "bTD",
                        "tag": "promo",
                        "name": "Spring",
                        "send_date": "2099-05-01 09:30:00",
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
        assert result == {
            "campaign_id": CID,
            "sent": 2500,
            "skipped": 0,
            "batches": 3,
            "duplicates_skipped": 0,
        }
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
        assert result == {"campaign_id": CID, "sent": 1, "skipped": 1, "batches": 1, "duplicates_skipped": 0}

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
        with pytest.raises(SinchValidationError, match="line 2: has no phone number"):
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
        assert result == {"path": str(out), "count": 1500, "duplicates_skipped": 0}
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

    def test_unknown_format_refused_after_rendering_before_any_request(self, requests_mock, make_context):
        operator = SinchExportCampaignLogOperator(
            task_id="log", campaign_id=CID, destination="x", file_format="xlsx"
        )
        with pytest.raises(SinchValidationError, match="log: file_format: must be one of"):
            operator.execute(make_context())
        assert not requests_mock.called

    def test_parquet_reads_back_with_the_documented_columns(self, requests_mock, make_context, tmp_path):
        import pyarrow.parquet as pq

        _log_server(requests_mock)
        out = tmp_path / "log.parquet"

        result = SinchExportCampaignLogOperator(
            task_id="log",
            campaign_id=CID,
            destination=str(out),
            start="2026-01-01T00:00:00Z",
            stop="2026-01-01T02:00:00Z",
            file_format="parquet",
        ).execute(make_context())

        assert result["count"] == 3
        assert result["counts_by_type"] == {"SUBMIT": 1, "DELIVER": 2}
        table = pq.read_table(out)
        assert table.column_names == [
            "datetime",
            "type",
            "msisdn",
            "push_id",
            "code",
            "channel",
            "columns",
            "data",
        ]
        rows = table.to_pylist()
        assert [r["datetime"] for r in rows] == [
            datetime(2026, 1, 1, tzinfo=timezone.utc),
            datetime(2026, 1, 1, 0, 30, tzinfo=timezone.utc),
            datetime(2026, 1, 1, 1, tzinfo=timezone.utc),
        ]
        assert [(r["msisdn"], r["code"], json.loads(r["data"])) for r in rows] == [
            ("1", "0", {"success": True}),
            ("1", "0", {"success": True}),
            ("2", "1", {"success": False}),
        ]

    def test_parquet_without_pyarrow_fails_before_any_request(
        self, requests_mock, make_context, tmp_path, monkeypatch
    ):
        import sys

        from airflow_provider_sinch._compat import AirflowOptionalProviderFeatureException

        monkeypatch.setitem(sys.modules, "pyarrow", None)
        op = SinchExportCampaignLogOperator(
            task_id="log",
            campaign_id=CID,
            destination=str(tmp_path / "log.parquet"),
            start="2026-01-01T00:00:00Z",
            stop="2026-01-01T01:00:00Z",
            file_format="parquet",
        )
        with pytest.raises(
            AirflowOptionalProviderFeatureException, match=r"airflow-provider-sinch\[parquet\]"
        ):
            op.execute(make_context())
        assert not requests_mock.called
        assert list(tmp_path.iterdir()) == []

    def test_first_window_is_the_window_argument(self, requests_mock, make_context, tmp_path):
        _log_server(requests_mock)
        SinchExportCampaignLogOperator(
            task_id="log",
            campaign_id=CID,
            destination=str(tmp_path / "log.jsonl"),
            start=datetime(2026, 1, 1),
            stop=datetime(2026, 1, 1, 2),
            window=timedelta(minutes=10),
        ).execute(make_context())
        first = requests_mock.request_history[1]  # after the token
        assert (first.qs["start"], first.qs["stop"]) == (["2026-01-01 00:00:00"], ["2026-01-01 00:09:59"])


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


STATS_PAGE = {
    "success": True,
    "summary": {"sms_submitted": 2},
    "contacts": [
        {
            "msisdn": "33612345678",
            "url": "https://rsms.us/bTD0",
            "message": "Bonjour Renée !",
            "submitted": "2014-12-16 13:00:00",
            "delivered": "2014-12-16 13:30:00",
            "stopped": "2014-12-16 13:40:00",
            "visits": 2,
            "datetimes": "2014-12-16 14:00:00,2014-12-16 14:30:00",
            "preview": None,
            "user_agent": "Firefox OS",
            "npai": False,
            "columns": ["CLIENT1234", "Renée"],
        },
        {"msisdn": "33612345679", "stopped": None, "visits": 0, "npai": True},
    ],
}


def test_export_stats_parquet(requests_mock, make_context, tmp_path):
    import pyarrow.parquet as pq

    stats = requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/stats", json=STATS_PAGE)
    out = tmp_path / "stats.parquet"

    result = SinchExportCampaignStatsOperator(
        task_id="stats", campaign_id=CID, destination=str(out), file_format="parquet", stopped_as_date=True
    ).execute(make_context())

    assert result == {"path": str(out), "count": 2, "summary": {"sms_submitted": 2}}
    assert stats.last_request.qs["stopped_as_date"] == ["1"]
    first, second = pq.read_table(out).to_pylist()
    utc = timezone.utc
    assert first == {
        "msisdn": "33612345678",
        "url": "https://rsms.us/bTD0",
        "message": "Bonjour Renée !",
        "submitted": datetime(2014, 12, 16, 13, tzinfo=utc),
        "delivered": datetime(2014, 12, 16, 13, 30, tzinfo=utc),
        "stopped": True,
        "stopped_at": datetime(2014, 12, 16, 13, 40, tzinfo=utc),
        "visits": 2,
        "datetimes": [datetime(2014, 12, 16, 14, tzinfo=utc), datetime(2014, 12, 16, 14, 30, tzinfo=utc)],
        "preview": None,
        "user_agent": "Firefox OS",
        "npai": False,
        "columns": ["CLIENT1234", "Renée"],
    }
    assert (second["msisdn"], second["stopped"], second["visits"], second["npai"]) == (
        "33612345679",
        None,
        0,
        True,
    )


def test_export_stats_csv_is_utf8_with_the_documented_columns(requests_mock, make_context, tmp_path):
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/stats", json=STATS_PAGE)
    out = tmp_path / "stats.csv"

    SinchExportCampaignStatsOperator(
        task_id="stats", campaign_id=CID, destination=str(out), file_format="csv"
    ).execute(make_context())

    with out.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "msisdn",
        "url",
        "message",
        "submitted",
        "delivered",
        "stopped",
        "stopped_at",
        "visits",
        "datetimes",
        "preview",
        "user_agent",
        "npai",
        "columns",
    ]
    assert rows[0]["message"] == "Bonjour Renée !"
    assert (rows[0]["stopped"], rows[0]["stopped_at"], rows[0]["npai"]) == (
        "true",
        "2014-12-16 13:40:00",
        "false",
    )
    assert json.loads(rows[0]["columns"]) == ["CLIENT1234", "Renée"]
    assert (rows[1]["stopped"], rows[1]["visits"], rows[1]["npai"]) == ("", "0", "true")


def test_template_fields_cover_ids_names_paths_and_bodies():
    assert set(SinchCreateCampaignOperator.template_fields) >= {
        "template_campaign_id",
        "name",
        "contacts",
        "send_date",
        "tag",
    }
    assert set(SinchSendSmsOperator.template_fields) == {
        "sinch_conn_id",
        "campaign_id",
        "contacts",
        "contacts_encoding",
    }
    assert set(SinchExportCampaignLogOperator.template_fields) >= {
        "campaign_id",
        "destination",
        "start",
        "stop",
    }
    assert set(SinchExportCampaignStatsOperator.template_fields) >= {"campaign_id", "destination"}


# --- What users hand us: contacts files and send dates (issue 10) -------------------------------------
def _numbered_file(path, rows: int, replace: dict[int, bytes] | None = None):
    replace = replace or {}
    with path.open("wb") as fh:
        for line in range(1, rows + 1):
            fh.write(replace.get(line, f"+1555{line:07d},Name {line}".encode()) + b"\n")
    return path


class TestContactsAreCheckedBeforeAnyoneIsTexted:
    @pytest.mark.parametrize(
        ("bad_line", "reason"),
        [
            (b",Nobody", "line 1501: has no phone number (the first column is empty)"),
            (b"+15550001501,Zo\xe9", "line 1501: byte 0xe9 in column 2 is not valid utf-8"),
        ],
        ids=["empty-phone-cell", "not-utf8"],
    )
    def test_a_bad_row_on_line_1501_of_2500_texts_nobody(
        self, requests_mock, make_context, tmp_path, bad_line, reason
    ):
        path = _numbered_file(tmp_path / "c.csv", 2500, {1501: bad_line})
        send = requests_mock.post(SEND_URL, json={"success": True, "contacts": []})

        with pytest.raises(SinchValidationError) as info:
            SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=str(path)).execute(make_context())

        assert f"1 bad row in file {path}; nothing was sent:\n  {reason}" in str(info.value)
        assert not send.called
        assert not requests_mock.called  # not even a token

    def test_a_latin1_file_is_read_with_contacts_encoding(self, requests_mock, make_context, tmp_path):
        path = tmp_path / "latin1.csv"
        path.write_bytes("+15550100,Zoé\n+15550101,Chloé\n".encode("latin-1"))
        requests_mock.post(SEND_URL, json={"success": True, "contacts": []})

        with pytest.raises(SinchValidationError, match="contacts_encoding='latin-1'"):
            SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=str(path)).execute(make_context())
        result = SinchSendSmsOperator(
            task_id="send", campaign_id=CID, contacts=str(path), contacts_encoding="latin-1"
        ).execute(make_context())

        assert result["sent"] == 2
        assert body_of(requests_mock.last_request)["contacts"] == [
            ["+15550100", "Zoé"],
            ["+15550101", "Chloé"],
        ]

    def test_the_same_number_three_ways_is_texted_once(self, requests_mock, make_context, tmp_path):
        path = tmp_path / "c.csv"
        path.write_text("+15550101051,Alice\n+15550101051,Alice\n+1 (555) 010-1051,Alice\n+15550101052,Bob\n")
        requests_mock.post(SEND_URL, json={"success": True, "contacts": []})

        result = SinchSendSmsOperator(task_id="send", campaign_id=CID, contacts=str(path)).execute(
            make_context()
        )

        assert body_of(requests_mock.last_request)["contacts"] == [
            ["+15550101051", "Alice"],
            ["+15550101052", "Bob"],
        ]
        assert result == {"campaign_id": CID, "sent": 2, "skipped": 0, "batches": 1, "duplicates_skipped": 2}

    def test_create_skips_duplicates_and_counts_them(self, requests_mock, make_context):
        bodies = keep_bodies(requests_mock, CREATE_URL, {"success": True, "solde": 1, "campaign": CREATED})
        rows = [["+15550100", "A"], ["15550100", "A"], ["+15550101", "B"]]

        result = create_op(contacts=rows).execute(make_context())

        assert bodies[0]["contacts"] == [["+15550100", "A"], ["+15550101", "B"]]
        assert result["duplicates_skipped"] == 1

    def test_create_with_a_missing_file_names_argument_and_path_before_any_request(
        self, requests_mock, make_context, tmp_path
    ):
        absent = tmp_path / "absent.csv"
        with pytest.raises(SinchValidationError) as info:
            create_op(contacts=str(absent)).execute(make_context())
        assert str(info.value) == f"create: contacts: there is no file at {absent}; nothing was sent"
        assert not requests_mock.called

    def test_create_from_s3_without_the_amazon_provider_says_what_to_install(
        self, requests_mock, make_context
    ):
        with pytest.raises(SinchValidationError, match=r"install apache-airflow-providers-amazon with s3fs"):
            create_op(contacts="s3://marketing/contacts.csv").execute(make_context())
        assert not requests_mock.called

    def test_empty_contacts_argument(self, requests_mock, make_context):
        with pytest.raises(
            SinchValidationError, match=r"^create: contacts: is empty: give a list of rows or the path"
        ):
            create_op(contacts="").execute(make_context())
        assert not requests_mock.called

    def test_a_header_only_file_is_an_error_unless_allowed(self, requests_mock, make_context, tmp_path):
        path = tmp_path / "empty.csv"
        path.write_text("phone,name\n")
        bodies = keep_bodies(requests_mock, CREATE_URL, {"success": True, "solde": 1, "campaign": CREATED})

        with pytest.raises(SinchValidationError, match="has a header row but no recipient; nothing was sent"):
            create_op(contacts=str(path), contacts_header=True).execute(make_context())
        assert not requests_mock.called

        create_op(contacts=str(path), contacts_header=True, allow_empty=True).execute(make_context())
        assert bodies[0]["contacts"] == []
        assert bodies[0]["field_names"] == ["phone", "name"]

    def test_send_with_allow_empty_texts_nobody_and_succeeds(self, requests_mock, make_context, tmp_path):
        path = tmp_path / "empty.csv"
        path.write_text("")
        result = SinchSendSmsOperator(
            task_id="send", campaign_id=CID, contacts=str(path), allow_empty=True
        ).execute(make_context())
        assert result == {"campaign_id": CID, "sent": 0, "skipped": 0, "batches": 0, "duplicates_skipped": 0}
        assert not requests_mock.called

    def test_redirect_counts_recipients_after_duplicates(self, requests_mock, make_context, tmp_path):
        out = tmp_path / "links.jsonl"
        answer = {"success": True, "campaign_id": "r1", "expiration_date": None, "contacts": []}
        bodies = keep_bodies(requests_mock, f"{CAMPAIGN_HOST}/v1/campaign/create-redirect", answer)
        rows = [[f"id{i}"] for i in range(1000)] + [["id1"], ["id2"]]

        result = SinchCreateRedirectCampaignOperator(
            task_id="r", name="R", target_url="https://x.test/[[A]]", contacts=rows, destination=str(out)
        ).execute(make_context())

        assert len(bodies[0]["contacts"]) == 1000
        assert result == {
            "campaign_id": "r1",
            "expiration_date": None,
            "path": str(out),
            "count": 0,
            "recovered": False,
            "duplicates_skipped": 2,
        }

    def test_landing_pages_report_duplicates(self, requests_mock, make_context, tmp_path):
        requests_mock.post(
            f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages", json={"success": True, "contacts": []}
        )
        result = SinchGenerateLandingPagesOperator(
            task_id="pages",
            campaign_id=CID,
            contacts=[["id1"], ["id1"], ["id2"]],
            destination=str(tmp_path / "pages.jsonl"),
        ).execute(make_context())
        assert result["duplicates_skipped"] == 1
        assert body_of(requests_mock.last_request)["contacts"] == [["id1"], ["id2"]]


class TestSendDate:
    @pytest.mark.parametrize(
        ("send_date", "timezone_", "expected"),
        [
            ("2099-05-01T08:30:00+00:00", "Europe/Paris", ("2099-05-01 10:30", "Europe/Paris")),
            ("2099-05-01T08:30:59.123456Z", None, ("2099-05-01 08:30", "UTC")),
            ("2099-05-01 10:30", "Europe/Paris", ("2099-05-01 10:30", "Europe/Paris")),
        ],
        ids=["iso-with-offset-to-timezone", "iso-z", "api-format"],
    )
    def test_forms_are_converted(self, requests_mock, make_context, send_date, timezone_, expected):
        bodies = keep_bodies(requests_mock, CREATE_URL, {"success": True, "solde": 1, "campaign": CREATED})
        create_op(send_date=send_date, timezone=timezone_).execute(make_context())
        assert (bodies[0]["send_date"], bodies[0]["timezone"]) == expected

    def test_a_pendulum_value(self, requests_mock, make_context):
        import pendulum

        bodies = keep_bodies(requests_mock, CREATE_URL, {"success": True, "solde": 1, "campaign": CREATED})
        create_op(send_date=pendulum.datetime(2099, 5, 1, 10, 30, tz="America/New_York")).execute(
            make_context()
        )
        assert (bodies[0]["send_date"], bodies[0]["timezone"]) == ("2099-05-01 10:30", "America/New_York")

    @pytest.mark.parametrize(
        ("send_date", "message"),
        [
            ("2020-05-01 09:30", "send_date: 2020-05-01 09:30 UTC is in the past"),
            (
                "01/05/2099 09:30",
                "send_date: '01/05/2099 09:30' is not a date-time; accepted: an aware datetime",
            ),
            ("None", "(a template that rendered None? A manual run has no logical date"),
            (datetime(2099, 5, 1, 9, 30), "send_date: 2099-05-01 09:30 has no time zone"),
        ],
        ids=["past", "malformed", "rendered-none", "naive"],
    )
    def test_refused_before_any_request(self, requests_mock, make_context, send_date, message):
        with pytest.raises(SinchValidationError, match=re.escape(message)):
            create_op(send_date=send_date).execute(make_context())
        assert not requests_mock.called

    def test_a_retry_finds_the_earlier_campaign_even_when_its_date_has_passed(
        self, requests_mock, make_context
    ):
        context = make_context(try_number=2)
        requests_mock.get(
            LIST_URL,
            json={
                "success": True,
                "campaigns": [{"id": CID, "tag": idempotency_tag(context), "name": "Spring"}],
            },
        )
        create = requests_mock.post(CREATE_URL, json={})
        result = create_op(send_date="2020-05-01 09:30").execute(context)
        assert result["uuid"] == CID
        assert not create.called

    def test_a_retry_that_finds_nothing_refuses_a_past_date(self, requests_mock, make_context):
        requests_mock.get(LIST_URL, json={"success": True, "campaigns": []})
        create = requests_mock.post(CREATE_URL, json={})
        with pytest.raises(SinchValidationError, match="is in the past"):
            create_op(send_date="2020-05-01 09:30").execute(make_context(try_number=2))
        assert not create.called
