"""XCom stays small: no return value or pushed XCom grows with the number of contacts or events, and
logs show at most a few phone numbers. Measured on 50,000-row inputs."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.operators.campaign import (
    MAX_EXAMPLES,
    MAX_RETURNED_LINKS,
    SinchCreateCampaignOperator,
    SinchCreateRedirectCampaignOperator,
    SinchExportCampaignLogOperator,
    SinchExportCampaignStatsOperator,
    SinchGenerateLandingPagesOperator,
    SinchSendSmsOperator,
)
from tests.conftest import CAMPAIGN_HOST
from tests.hooks.test_campaign import body_of

CID = "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"
ROWS = 50_000
#: "A few KB": what any of these operators may put into XCom, whatever the input's size.
XCOM_BUDGET = 2_048
PHONE = re.compile(r"\+?1555\d{7}")


@pytest.fixture(autouse=True)
def _conn(campaign_conn: str, campaign_token: Any) -> None:
    """The Campaign API's default connection and token endpoint."""


@pytest.fixture
def big_csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    with path.open("w") as fh:
        fh.write("phone,first\n")
        for i in range(ROWS):
            fh.write(f"+1555{i:07d},Name{i}\n")
    return path


def xcom_size(result: Any, ti: Any) -> int:
    """Bytes of the return value and of every pushed XCom, as JSON (how XCom stores them)."""
    return len(json.dumps(result)) + sum(len(json.dumps(v)) for v in ti.xcom.values())


def test_create_returns_counts_and_examples_and_writes_the_full_lists_to_a_file(
    requests_mock: Any, make_context: Any, big_csv: Path, tmp_path: Path, capsys: Any
) -> None:
    wrong = [f"+1555{i:07d}" for i in range(0, ROWS, 2)]  # Sinch refuses every other number
    duplicated = [f"+1555{i:07d}" for i in range(1, ROWS, 5)]
    sent: list[int] = []

    def respond(request: Any, context: Any) -> dict[str, Any]:
        sent.append(len(body_of(request)["contacts"]))
        campaign = {
            "uuid": CID,
            "url": "https://rsms.us/x",
            "contact_count": ROWS - len(wrong) - len(duplicated),
            "duplicated_contacts": duplicated,
            "wrong_contacts": wrong,
            "tag": "t",
        }
        return {"success": True, "solde": 1, "campaign": campaign}

    requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/create", json=respond)
    context = make_context()
    rejected = tmp_path / "out" / "rejected.jsonl"

    result = SinchCreateCampaignOperator(
        task_id="create",
        template_campaign_id="tpl",
        name="Big",
        contacts=str(big_csv),
        contacts_header=True,
        send_date="2099-05-01 09:30",
        rejected_contacts_destination=str(rejected),
    ).execute(context)

    assert sent == [ROWS]
    assert xcom_size(result, context["ti"]) < XCOM_BUDGET
    assert result["wrong_contacts_count"] == len(wrong) == 25_000
    assert result["wrong_contacts_examples"] == wrong[:MAX_EXAMPLES]
    assert result["duplicated_contacts_count"] == len(duplicated) == 10_000
    assert result["duplicated_contacts_examples"] == duplicated[:MAX_EXAMPLES]
    assert result["rejected_contacts_path"] == str(rejected)
    lines = [json.loads(line) for line in rejected.read_text().splitlines()]
    assert len(lines) == len(wrong) + len(duplicated)
    assert lines[0] == {"reason": "wrong", "contact": wrong[0]}
    assert lines[-1] == {"reason": "duplicated", "contact": duplicated[-1]}
    logged = capsys.readouterr().out
    assert "25000 wrong contacts" in logged
    assert "10000 duplicated contacts" in logged
    assert len(PHONE.findall(logged)) <= 2 * MAX_EXAMPLES


def test_create_without_a_destination_returns_the_same_small_summary(
    requests_mock: Any, make_context: Any, big_csv: Path
) -> None:
    wrong = [f"+1555{i:07d}" for i in range(ROWS)]
    campaign = {
        "uuid": CID,
        "url": "u",
        "contact_count": 0,
        "wrong_contacts": wrong,
        "duplicated_contacts": [],
    }
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/campaign/create", json={"success": True, "solde": 1, "campaign": campaign}
    )
    context = make_context()

    result = SinchCreateCampaignOperator(
        task_id="create",
        template_campaign_id="tpl",
        name="Big",
        contacts=str(big_csv),
        contacts_header=True,
        send_date="2099-05-01 09:30",
        allow_empty=True,
    ).execute(context)

    assert xcom_size(result, context["ti"]) < XCOM_BUDGET
    assert (result["wrong_contacts_count"], result["rejected_contacts_path"]) == (ROWS, None)


def test_send_returns_counts(requests_mock: Any, make_context: Any, big_csv: Path, capsys: Any) -> None:
    requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/sendsms", json={"success": True, "contacts": []})
    context = make_context()

    result = SinchSendSmsOperator(
        task_id="send", campaign_id=CID, contacts=str(big_csv), contacts_header=True
    ).execute(context)

    assert result["sent"] == ROWS
    assert xcom_size(result, context["ti"]) < XCOM_BUDGET
    assert PHONE.findall(capsys.readouterr().out) == []


def _echo_pages(request: Any, context: Any) -> dict[str, Any]:
    rows = body_of(request)["contacts"]
    return {"success": True, "contacts": [{"msisdn": r[0], "url": f"https://rsms.us/{r[0]}"} for r in rows]}


def test_landing_pages_for_many_recipients_need_a_destination(
    requests_mock: Any, make_context: Any, big_csv: Path
) -> None:
    route = requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages", json=_echo_pages)

    with pytest.raises(SinchValidationError) as info:
        SinchGenerateLandingPagesOperator(
            task_id="pages", campaign_id=CID, contacts=str(big_csv), contacts_header=True
        ).execute(make_context())

    assert info.value.fields == ["destination"]
    assert f"is required for more than {MAX_RETURNED_LINKS} recipients (got {ROWS}" in str(info.value)
    assert not route.called  # refused before any page is generated


def test_landing_pages_with_a_destination_return_counts(
    requests_mock: Any, make_context: Any, big_csv: Path, tmp_path: Path
) -> None:
    route = requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages", json=_echo_pages)
    context = make_context()
    out = tmp_path / "pages.jsonl"

    result = SinchGenerateLandingPagesOperator(
        task_id="pages", campaign_id=CID, contacts=str(big_csv), contacts_header=True, destination=str(out)
    ).execute(context)

    assert route.call_count == ROWS // 1000
    assert result == {"path": str(out), "count": ROWS, "duplicates_skipped": 0}
    assert xcom_size(result, context["ti"]) < XCOM_BUDGET
    assert sum(1 for _ in out.open()) == ROWS


def test_a_few_landing_pages_are_still_returned_without_a_destination(
    requests_mock: Any, make_context: Any
) -> None:
    requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages", json=_echo_pages)
    rows = [[f"+1555{i:07d}"] for i in range(MAX_RETURNED_LINKS)]

    result = SinchGenerateLandingPagesOperator(task_id="pages", campaign_id=CID, contacts=rows).execute(
        make_context()
    )

    assert [page["msisdn"] for page in result] == [row[0] for row in rows]
    assert len(json.dumps(result)) < 4 * XCOM_BUDGET


def test_redirect_links_for_many_recipients_need_a_destination(requests_mock: Any, make_context: Any) -> None:
    route = requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/create-redirect", json={})
    rows = [[f"id{i}"] for i in range(MAX_RETURNED_LINKS + 1)]

    with pytest.raises(SinchValidationError) as info:
        SinchCreateRedirectCampaignOperator(
            task_id="redirect", name="R", target_url="https://x.test/[[A]]", contacts=rows
        ).execute(make_context())

    assert info.value.fields == ["destination"]
    assert not route.called


def test_redirect_links_go_to_the_destination(requests_mock: Any, make_context: Any, tmp_path: Path) -> None:
    rows = [[f"id{i}"] for i in range(1000)]
    links = [
        {"key": r[0], "target_url": f"https://x.test/{r[0]}", "redirection": "https://rsms.us/r"}
        for r in rows
    ]
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/campaign/create-redirect",
        json={"success": True, "campaign_id": "r1", "expiration_date": "2026-06-01", "contacts": links},
    )
    context = make_context()
    out = tmp_path / "links.jsonl"

    result = SinchCreateRedirectCampaignOperator(
        task_id="redirect", name="R", target_url="https://x.test/[[A]]", contacts=rows, destination=str(out)
    ).execute(context)

    assert result == {
        "campaign_id": "r1",
        "expiration_date": "2026-06-01",
        "path": str(out),
        "count": 1000,
        "recovered": False,
        "duplicates_skipped": 0,
    }
    assert xcom_size(result, context["ti"]) < XCOM_BUDGET
    assert [json.loads(line) for line in out.open()] == links


def test_a_retried_redirect_does_not_overwrite_the_links_an_earlier_try_wrote(
    requests_mock: Any, make_context: Any, tmp_path: Path
) -> None:
    from airflow_provider_sinch.operators.campaign import idempotency_tag

    context = make_context(try_number=2)
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaigns",
        json={"success": True, "campaigns": [{"id": "r1", "tag": idempotency_tag(context), "name": "R"}]},
    )
    create = requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/create-redirect", json={})
    out = tmp_path / "links.jsonl"
    out.write_text('{"key": "id0"}\n')  # what the earlier try wrote

    result = SinchCreateRedirectCampaignOperator(
        task_id="redirect",
        name="R",
        target_url="https://x.test/[[A]]",
        contacts=[["id0"]],
        destination=str(out),
    ).execute(context)

    assert not create.called
    assert (result["recovered"], result["path"]) == (True, None)
    assert out.read_text() == '{"key": "id0"}\n'


def test_exports_of_many_events_and_recipients_return_counts(
    requests_mock: Any, make_context: Any, tmp_path: Path
) -> None:
    events = [
        {"datetime": "2026-05-01 10:00:00", "type": "DELIVER", "contact": {"msisdn": f"1555{i:07d}"}}
        for i in range(ROWS)
    ]
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/log", [{"json": {"success": True, "log": events}}])
    context = make_context()

    log_result = SinchExportCampaignLogOperator(
        task_id="log",
        campaign_id=CID,
        destination=str(tmp_path / "log.jsonl"),
        start="2026-05-01T10:00:00Z",
        stop="2026-05-01T10:01:00Z",
        window=timedelta(minutes=1),
    ).execute(context)

    assert log_result["count"] == ROWS
    assert xcom_size(log_result, context["ti"]) < XCOM_BUDGET

    contacts = [{"msisdn": f"1555{i:07d}"} for i in range(ROWS)]
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaign/stats",
        [
            {"json": {"success": True, "summary": {"sms_submitted": ROWS}, "contacts": contacts}},
            {"json": {"success": True, "summary": {"sms_submitted": ROWS}, "contacts": []}},
        ],
    )
    stats_result = SinchExportCampaignStatsOperator(
        task_id="stats", campaign_id=CID, destination=str(tmp_path / "stats.jsonl"), page_size=ROWS
    ).execute(context)

    assert stats_result["count"] == ROWS
    assert xcom_size(stats_result, context["ti"]) < XCOM_BUDGET
