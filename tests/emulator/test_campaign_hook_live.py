"""The real :class:`SinchCampaignHook` against the emulator on loopback (no mocks in between)."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from airflow_provider_sinch.contacts import Contacts
from airflow_provider_sinch.emulator.campaign import (
    BROKEN_TEMPLATE_CAMPAIGN_ID,
    SENT_CAMPAIGN_IDS,
    TEMPLATE_CAMPAIGN_ID,
)
from airflow_provider_sinch.emulator.core import DEFAULT_CAMPAIGN_SECRET_KEY
from airflow_provider_sinch.exceptions import (
    SinchApiError,
    SinchAuthError,
    SinchBadRequestError,
    SinchNotFoundError,
    SinchValidationError,
)
from airflow_provider_sinch.hooks.campaign import GET_CAMPAIGN, SinchCampaignHook, evaluate_campaign
from airflow_provider_sinch.statuses import CampaignStatus

API_DATETIME = "%Y-%m-%d %H:%M:%S"


def use_connection(monkeypatch: pytest.MonkeyPatch, url: str, password: str) -> None:
    monkeypatch.setenv(
        "AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT",
        json.dumps(
            {
                "conn_type": "sinch_campaign",
                "host": url,
                "password": password,
                "extra": {"login_url": f"{url}/api/login", "max_retries": 1},
            }
        ),
    )


@pytest.fixture
def hook(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[SinchCampaignHook]:
    use_connection(monkeypatch, emulator.url, DEFAULT_CAMPAIGN_SECRET_KEY)
    campaign_hook = SinchCampaignHook()
    yield campaign_hook
    campaign_hook.close()


def requests_seen(emulator: Any, since: int = 0) -> list[str]:
    return [f"{method} {path}" for method, path in emulator.state.request_log[since:]]


def new_campaign(hook: SinchCampaignHook, emulator: Any, **kwargs: Any) -> str:
    kwargs.setdefault("send_date", emulator.state.clock.now() + timedelta(days=1))
    kwargs.setdefault("contacts", [])
    template = kwargs.pop("template", TEMPLATE_CAMPAIGN_ID)
    answer = hook.create_campaign(template, kwargs.pop("name", "live"), kwargs.pop("contacts"), **kwargs)
    return str(answer["campaign"]["uuid"])


# --- Authentication ------------------------------------------------------------------------------
def test_token_is_obtained_once_and_opens_the_user_login(hook: SinchCampaignHook, emulator: Any) -> None:
    token = hook.get_token()

    assert hook.get_token() == token
    assert emulator.state.apis["campaign"].token_valid(token, emulator.state.clock.now())
    assert requests_seen(emulator) == ["POST /v1/token"]
    login = requests.get(hook.get_user_login_url(), allow_redirects=False, timeout=10)
    assert login.status_code == 302
    assert login.headers["Location"] == "/campaigns"
    assert hook.test_connection() == (True, "Obtained an access token with the secret key.")


def test_a_wrong_secret_key_is_an_auth_error(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    use_connection(monkeypatch, emulator.url, "not-the-key")
    wrong = SinchCampaignHook()

    with pytest.raises(SinchAuthError, match="Invalid secret key") as caught:
        wrong.get_campaign(TEMPLATE_CAMPAIGN_ID)

    assert caught.value.status_code == 401
    assert "not-the-key" not in str(caught.value)
    assert wrong.test_connection()[0] is False


def test_an_expired_token_is_renewed_once(hook: SinchCampaignHook, emulator: Any) -> None:
    hook.get_campaign(TEMPLATE_CAMPAIGN_ID)
    first = hook.get_token()
    before = len(emulator.state.request_log)

    emulator.advance(2 * 3600 + 1)  # the emulator expires the token; the hook's cache does not know
    campaign = hook.get_campaign(TEMPLATE_CAMPAIGN_ID)

    assert campaign["id"] == TEMPLATE_CAMPAIGN_ID
    path = f"GET /v1/campaigns/{TEMPLATE_CAMPAIGN_ID}"
    assert requests_seen(emulator, before) == [path, "POST /v1/token", path]
    second = hook.get_token()
    assert second != first
    now = emulator.state.clock.now()
    assert not emulator.state.apis["campaign"].token_valid(first, now)
    assert emulator.state.apis["campaign"].token_valid(second, now)


def test_the_async_transport_of_triggers_renews_an_expired_token(
    hook: SinchCampaignHook, emulator: Any
) -> None:
    path = {"campaign_id": TEMPLATE_CAMPAIGN_ID}

    async def two_reads() -> list[Any]:
        transport = SinchCampaignHook.async_transport(hook.connection)
        try:
            first = await transport.call(GET_CAMPAIGN, path_params=path)
            emulator.advance(2 * 3600 + 1)
            return [first, await transport.call(GET_CAMPAIGN, path_params=path)]
        finally:
            await transport.aclose()

    first, second = asyncio.run(two_reads())

    assert first["status"] == second["status"] == "draft"
    read = f"GET /v1/campaigns/{TEMPLATE_CAMPAIGN_ID}"
    assert requests_seen(emulator) == ["POST /v1/token", read, read, "POST /v1/token", read]


# --- Creation ------------------------------------------------------------------------------------
def test_create_sends_a_csv_file_as_a_json_body_with_its_length(
    hook: SinchCampaignHook, emulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text(
        "phone,first_name,promo code\n"
        "+1 555 010 0001,Alice,SALE30\n"
        "\n"
        "+1 555 010 0002,Bob,SALE10\n"
        "15550100001,Alice again,SALE30\n"
        "not a number,Nobody,-\n",
        encoding="utf-8",
    )
    contacts = Contacts(csv_file, header=True)
    sent: list[requests.PreparedRequest] = []
    session = hook.transport.session
    original_send = session.send

    def spy(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        sent.append(request)
        return original_send(request, **kwargs)

    monkeypatch.setattr(session, "send", spy)

    answer = hook.create_campaign(
        TEMPLATE_CAMPAIGN_ID,
        "From CSV",
        contacts,
        send_date=emulator.state.clock.now(),
        tag="csv-1",
        field_names=contacts.field_names(),
    )

    create = next(r for r in sent if r.path_url == "/v1/campaign/create")
    assert "Transfer-Encoding" not in create.headers
    assert int(create.headers["Content-Length"]) > 0
    assert create.headers["Content-Type"] == "application/json; charset=utf-8"
    assert answer["success"] is True
    campaign = answer["campaign"]
    assert campaign["contact_count"] == 2
    assert campaign["duplicated_contacts"] == ["15550100001"]
    assert campaign["wrong_contacts"] == ["not a number"]
    assert campaign["tag"] == "csv-1"
    assert campaign["url"].startswith("https://rsms.us/")
    assert answer["solde"] == emulator.state.apis["campaign"].credits
    assert hook.get_campaign_recipients(campaign["uuid"]) == [
        ["+1 555 010 0001", "Alice", "SALE30"],
        ["+1 555 010 0002", "Bob", "SALE10"],
    ]
    assert hook.get_recipient_data(f"{campaign['uuid']}_1") == [
        {"name": "phone", "value": "15550100002"},
        {"name": "first_name", "value": "Bob"},
        {"name": "promo code", "value": "SALE10"},
    ]
    assert hook.find_campaigns(tag="csv-1")[0]["id"] == campaign["uuid"]


def test_a_streamed_create_is_sent_whole_again_after_a_token_renewal(
    hook: SinchCampaignHook, emulator: Any, tmp_path: Path
) -> None:
    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("".join(f"+1555010{i:04d},Name {i}\n" for i in range(1, 251)), encoding="utf-8")
    hook.get_token()
    emulator.advance(2 * 3600 + 1)
    before = len(emulator.state.request_log)

    answer = hook.create_campaign(
        TEMPLATE_CAMPAIGN_ID, "After renewal", Contacts(csv_file), send_date=emulator.state.clock.now()
    )

    assert requests_seen(emulator, before) == [
        "POST /v1/campaign/create",
        "POST /v1/token",
        "POST /v1/campaign/create",
    ]
    assert answer["campaign"]["contact_count"] == 250
    assert len(emulator.state.apis["campaign"].campaigns) == 5  # four seeded, one created: not two


@pytest.mark.parametrize(
    ("local", "tz"),
    [
        (datetime(2031, 7, 1, 9, 30, tzinfo=ZoneInfo("America/New_York")), None),
        (datetime(2031, 7, 1, 9, 30), "America/New_York"),
        ("2031-07-01 09:30", "America/New_York"),
        (datetime(2031, 7, 1, 13, 30, tzinfo=timezone.utc), None),
        (datetime(2031, 7, 1, 15, 30, tzinfo=timezone(timedelta(hours=2))), None),
    ],
    ids=["aware-zoneinfo", "naive-with-timezone", "string-with-timezone", "aware-utc", "fixed-offset"],
)
def test_create_send_date_lands_in_utc(
    hook: SinchCampaignHook, emulator: Any, local: datetime | str, tz: str | None
) -> None:
    campaign_id = new_campaign(hook, emulator, send_date=local, timezone=tz)

    campaign = hook.get_campaign(campaign_id)

    assert campaign["send_date"] == "2031-07-01 13:30:00"
    assert campaign["status"] == "scheduled"


def test_status_progression_seen_through_evaluate_campaign(hook: SinchCampaignHook, emulator: Any) -> None:
    campaign_id = new_campaign(hook, emulator, send_date=emulator.state.clock.now() + timedelta(minutes=10))
    broken_id = new_campaign(hook, emulator, template=BROKEN_TEMPLATE_CAMPAIGN_ID)

    waiting = evaluate_campaign(hook.get_campaign(campaign_id), campaign_id, ["sent"])
    emulator.advance(3600)
    done = evaluate_campaign(hook.get_campaign(campaign_id), campaign_id, ["sent"])
    broken = evaluate_campaign(hook.get_campaign(broken_id), broken_id, ["sent"])

    assert (waiting.outcome, waiting.status) == ("pending", "scheduled")
    assert (done.outcome, done.status) == ("success", "sent")
    assert (broken.outcome, broken.status) == ("failure", "draft")
    assert (
        broken.message == "draft with validation errors: message: Missing sender; global: Not enough credits"
    )


# --- Sending, stats and log ----------------------------------------------------------------------
@pytest.fixture
def texted(hook: SinchCampaignHook, emulator: Any) -> tuple[str, datetime]:
    """A scheduled campaign to which three recipients were texted now; 400 s later."""
    campaign_id = new_campaign(hook, emulator)
    before = emulator.state.clock.now()
    answer = hook.send_sms(
        campaign_id, [["+15550100001", "Ann"], ["+15550100008", "Ben"], ["+15550100009", "Cy"]]
    )
    assert [c["msisdn"] for c in answer] == ["15550100001", "15550100008", "15550100009"]
    assert hook.get_campaign_recipients(campaign_id) == [
        ["+15550100001", "Ann"],
        ["+15550100008", "Ben"],
        ["+15550100009", "Cy"],
    ]
    submits = hook.get_campaign_log(
        campaign_id, before - timedelta(seconds=1), before + timedelta(minutes=1), types=["SUBMIT"]
    )
    assert len(submits) == 3
    sent_at = datetime.strptime(submits[0]["datetime"], API_DATETIME).replace(tzinfo=timezone.utc)
    emulator.advance(400)
    return campaign_id, sent_at


def test_stats_pages_follow_what_was_sent(hook: SinchCampaignHook, texted: tuple[str, datetime]) -> None:
    campaign_id, _ = texted

    pages = list(hook.iter_campaign_stats(campaign_id, page_size=2, columns=[1]))

    assert [[c["msisdn"] for c in contacts] for _, contacts in pages] == [
        ["15550100001", "15550100008"],
        ["15550100009"],
    ]
    assert [c["columns"] for _, contacts in pages for c in contacts] == [["Ann"], ["Ben"], ["Cy"]]
    summary = pages[0][0]
    assert summary == pages[1][0]
    assert summary == {
        "sms_submitted": 3,
        "sms_delivered": 2,
        "sms_stopped": 1,
        "clicks": 2,
        "unique_clicks": 1,
        "previews": 1,
        "npai": 1,
        "credits_used": 3,
    }


def test_log_windows_yield_each_event_once(hook: SinchCampaignHook, texted: tuple[str, datetime]) -> None:
    campaign_id, sent_at = texted
    everything = hook.get_campaign_log(
        campaign_id, sent_at - timedelta(seconds=5), sent_at + timedelta(seconds=400)
    )

    windowed = list(
        hook.iter_campaign_log(
            campaign_id,
            sent_at - timedelta(seconds=5),
            sent_at + timedelta(seconds=400),
            # Window edges fall on 0, 5, ... 30, 60, 120, 300 s: exactly where events are.
            window=timedelta(seconds=5),
        )
    )

    assert windowed == everything
    assert [(e["type"], e["contact"]["msisdn"]) for e in everything] == [
        ("SUBMIT", "15550100001"),
        ("SUBMIT", "15550100008"),
        ("SUBMIT", "15550100009"),
        ("DELIVER", "15550100001"),
        ("DELIVER", "15550100008"),
        ("DELIVER", "15550100009"),
        ("OG_PREVIEW", "15550100001"),
        ("RESPONSE", "15550100008"),
        ("VISIT", "15550100001"),
        ("VISIT", "15550100001"),
    ]


def test_log_bounds_inclusive_in_the_api_exclusive_in_the_iterator(
    hook: SinchCampaignHook, texted: tuple[str, datetime]
) -> None:
    campaign_id, sent_at = texted
    stop_reply = sent_at + timedelta(seconds=60)  # Ben's STOP, exactly at this second

    api = hook.get_campaign_log(campaign_id, sent_at + timedelta(seconds=30), stop_reply, types=["RESPONSE"])
    iterated = list(
        hook.iter_campaign_log(
            campaign_id, sent_at, stop_reply, types=["RESPONSE", "OG_PREVIEW"], columns=[1]
        )
    )

    assert [e["data"]["message"] for e in api] == ["STOP"]
    assert [(e["type"], e["contact"]["columns"]) for e in iterated] == [("OG_PREVIEW", ["Ann"])]
    assert iterated[0]["datetime"] == (sent_at + timedelta(seconds=30)).strftime(API_DATETIME)


def test_log_and_stats_exports_in_every_format_agree(
    hook: SinchCampaignHook, texted: tuple[str, datetime], tmp_path: Path
) -> None:
    import pyarrow.parquet as pq

    from airflow_provider_sinch.operators.campaign import (
        SinchExportCampaignLogOperator,
        SinchExportCampaignStatsOperator,
    )

    campaign_id, sent_at = texted
    interval = {"start": sent_at - timedelta(seconds=5), "stop": sent_at + timedelta(seconds=400)}
    for fmt in ("jsonl", "csv", "parquet"):
        SinchExportCampaignLogOperator(
            task_id=f"log_{fmt}",
            campaign_id=campaign_id,
            destination=str(tmp_path / f"log.{fmt}"),
            file_format=fmt,
            columns=[1],
            **interval,
        ).execute(context={})  # type: ignore[arg-type]
        SinchExportCampaignStatsOperator(
            task_id=f"stats_{fmt}",
            campaign_id=campaign_id,
            destination=str(tmp_path / f"stats.{fmt}"),
            file_format=fmt,
            stopped_as_date=True,
        ).execute(context={})  # type: ignore[arg-type]

    events = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(events) == 10
    log = pq.read_table(tmp_path / "log.parquet").to_pylist()
    with (tmp_path / "log.csv").open(encoding="utf-8", newline="") as fh:
        log_csv = list(csv.DictReader(fh))
    assert [(r["type"], r["msisdn"], r["columns"]) for r in log] == [
        (e["type"], e["contact"]["msisdn"], e["contact"]["columns"]) for e in events
    ]
    assert [r["datetime"].strftime(API_DATETIME) for r in log] == [e["datetime"] for e in events]
    assert [r["datetime"] for r in log_csv] == [e["datetime"] for e in events]
    assert (
        [json.loads(r["data"]) for r in log]
        == [json.loads(r["data"]) for r in log_csv]
        == [e["data"] for e in events]
    )

    stats = pq.read_table(tmp_path / "stats.parquet").to_pylist()
    assert [(r["msisdn"], r["stopped"], r["npai"]) for r in stats] == [
        ("15550100001", None, False),
        ("15550100008", True, False),
        ("15550100009", None, True),
    ]
    assert stats[1]["stopped_at"] == sent_at + timedelta(seconds=60)
    assert stats[0]["datetimes"] == [sent_at + timedelta(seconds=120), sent_at + timedelta(seconds=300)]


# --- Landing pages, redirects, list ----------------------------------------------------------------
def test_landing_pages_and_redirect(hook: SinchCampaignHook, emulator: Any) -> None:
    campaign_id = new_campaign(hook, emulator, external_channel=True)

    pages = hook.generate_landing_pages(campaign_id, [["id1", "Alice"], ["id2", "Bob"]])
    redirect = hook.create_redirect_campaign(
        "Redirect Sales",
        "https://example.com/?id=[[A]]&promocode=[[C]]",
        [["id1", "Alice", "SALE30"]],
        tag="redirect-1",
    )

    assert [p["msisdn"] for p in pages] == ["id1", "id2"]
    assert all(p["url"].startswith("https://rsms.us/") for p in pages)
    assert redirect["contacts"][0]["key"] == "id1"
    assert redirect["contacts"][0]["target_url"] == "https://example.com/?id=id1&promocode=SALE30"
    assert [c["id"] for c in hook.find_campaigns(tag="redirect-1")] == [redirect["campaign_id"]]
    extended = {c["id"]: c for c in hook.list_campaigns(extended=True)}
    assert extended[campaign_id]["channel"] == "external"


def test_list_campaigns_with_filters(hook: SinchCampaignHook, emulator: Any) -> None:
    now = emulator.state.clock.now()
    new_id = new_campaign(hook, emulator)

    everything = [c["id"] for c in hook.list_campaigns()]
    week = [c["id"] for c in hook.list_campaigns(start=now - timedelta(days=8), stop=now, status="sent")]
    drafts = [c["id"] for c in hook.list_campaigns(status=CampaignStatus.DRAFT)]
    scheduled = [c["id"] for c in hook.list_campaigns(status=CampaignStatus.SCHEDULED)]

    assert everything[0] == new_id
    assert set(SENT_CAMPAIGN_IDS) <= set(everything)
    assert week == [SENT_CAMPAIGN_IDS[1]]
    assert set(drafts) == {TEMPLATE_CAMPAIGN_ID, BROKEN_TEMPLATE_CAMPAIGN_ID}
    assert scheduled == [new_id]


# --- Errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "error", "status", "violation"),
    [
        (
            lambda h, now: h.send_sms("no-such-campaign", [["15550100001"]]),
            SinchBadRequestError,
            400,
            {"field": "campaign_uuid", "description": "Campaign 'no-such-campaign' not found."},
        ),
        (
            lambda h, now: h.get_campaign("no-such-campaign"),
            SinchNotFoundError,
            404,
            {"field": "id", "description": "Campaign 'no-such-campaign' not found."},
        ),
        (
            lambda h, now: h.get_campaign_stats("no-such-campaign"),
            SinchBadRequestError,
            400,
            {
                "field": "campaign_uuid",
                "description": "La campagne n'existe pas ou n'est pas associée à ce compte.",
            },
        ),
        (
            lambda h, now: h.get_recipient_data("no-such-campaign_0"),
            SinchNotFoundError,
            404,
            {"field": "contact_id", "description": "Contact 'no-such-campaign_0' not found."},
        ),
    ],
    ids=[
        "sendsms-unknown-campaign",
        "info-unknown-campaign",
        "stats-unknown",
        "contact",
    ],
)
def test_errors_map_to_typed_exceptions(
    hook: SinchCampaignHook,
    emulator: Any,
    call: Any,
    error: type[SinchApiError],
    status: int,
    violation: dict[str, str],
) -> None:
    with pytest.raises(error) as caught:
        call(hook, emulator.state.clock.now())

    assert type(caught.value) is error
    assert caught.value.status_code == status
    assert caught.value.field_violations == [violation]
    assert violation["description"] in str(caught.value)


def test_a_past_send_date_is_refused_before_reaching_sinch(hook: SinchCampaignHook, emulator: Any) -> None:
    before = len(emulator.state.request_log)
    with pytest.raises(SinchValidationError, match="is in the past"):
        hook.create_campaign(
            TEMPLATE_CAMPAIGN_ID, "late", [], send_date=datetime.now(timezone.utc) - timedelta(hours=2)
        )
    assert len(emulator.state.request_log) == before


def test_a_send_date_that_sinch_finds_too_old_is_a_bad_request(
    hook: SinchCampaignHook, emulator: Any
) -> None:
    emulator.advance(3 * 3600)  # Sinch's clock ahead of ours: our check passes, Sinch's does not
    with pytest.raises(SinchBadRequestError) as caught:
        hook.create_campaign(TEMPLATE_CAMPAIGN_ID, "late", [], send_date=datetime.now(timezone.utc))
    assert caught.value.field_violations == [
        {
            "field": "send_date",
            "description": "The send date must be in the future (at most 1 hour in the past is accepted).",
        }
    ]
