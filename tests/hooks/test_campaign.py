"""SinchCampaignHook: every endpoint's request (method, path, auth, body) and response."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from airflow_provider_sinch.contacts import Contacts
from airflow_provider_sinch.exceptions import SinchBadRequestError, SinchNotFoundError, SinchValidationError
from airflow_provider_sinch.hooks.campaign import SinchCampaignHook, evaluate_campaign, send_date_fields
from tests.conftest import CAMPAIGN_HOST, SECRET_KEY

CID = "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"


def body_of(request) -> dict:
    """The JSON body of a recorded request, streamed (file-like, read while the request is live) or not."""
    body = request.body
    if body is None:
        return {}
    if not isinstance(body, (bytes, str)):
        body = b"".join(body)
    return json.loads(body)


def keep_bodies(requests_mock, url: str, answer: dict) -> list[dict]:
    """Answer POSTs to ``url`` with ``answer`` and keep each JSON body as it was sent.

    A create body is a spooled file that the hook closes once the call returns, so it is read
    while the request is being answered.
    """
    bodies: list[dict] = []

    def respond(request, context):
        bodies.append(body_of(request))
        return answer

    requests_mock.post(url, json=respond)
    return bodies


@pytest.fixture
def hook(campaign_conn, campaign_token) -> SinchCampaignHook:
    return SinchCampaignHook()


def test_token_uses_secret_key_verbatim_and_is_cached(hook, requests_mock, campaign_token):
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaigns/{CID}", json={"success": True, "campaign": {"id": CID}})

    hook.get_campaign(CID)
    hook.get_campaign(CID)

    assert campaign_token.call_count == 1
    token_request = campaign_token.last_request
    assert token_request.headers["Authorization"] == f"Basic {SECRET_KEY}"
    assert requests_mock.last_request.headers["Authorization"] == "Bearer campaign-token-1"


def test_user_login_url_embeds_token(hook):
    assert (
        hook.get_user_login_url() == "https://us.campaign.sinch.com/api/login?access_token=campaign-token-1"
    )


def test_test_connection_reports_token_failure(campaign_conn, requests_mock):
    requests_mock.post(f"{CAMPAIGN_HOST}/v1/token", status_code=401, json={"errors": "Invalid secret key"})
    ok, message = SinchCampaignHook().test_connection()
    assert ok is False
    assert "Invalid secret key" in message
    assert SECRET_KEY not in message


def test_test_connection_ok(hook):
    assert hook.test_connection() == (True, "Obtained an access token with the secret key.")


def test_create_campaign_sends_a_json_body_with_its_length(hook, requests_mock, tmp_path):
    answer = {
        "success": True,
        "solde": 430,
        "campaign": {"uuid": CID, "url": "https://rsms.us/bTD", "contact_count": 2, "tag": "t"},
    }
    bodies = keep_bodies(requests_mock, f"{CAMPAIGN_HOST}/v1/campaign/create", answer)
    csv_path = tmp_path / "c.csv"
    csv_path.write_text("phone,first\n+15550100,Alice\n+15550101,Bob\n")

    result = hook.create_campaign(
        "tpl-1",
        "Spring",
        Contacts(str(csv_path), header=True),
        send_date=datetime(2031, 5, 1, 9, 30, tzinfo=ZoneInfo("America/New_York")),
        sender="Shop",
        message="Hi [[B]] [[URL]]",
        tag="t",
        external_channel=True,
        field_names=["phone", "first"],
    )

    assert result == answer
    request = requests_mock.last_request
    assert request.method == "POST"
    assert request.path == "/v1/campaign/create"
    assert request.headers["Content-Type"].startswith("application/json")
    assert request.headers["Authorization"] == "Bearer campaign-token-1"
    assert "Transfer-Encoding" not in request.headers
    assert int(request.headers["Content-Length"]) == len(request.body)
    assert bodies == [
        {
            "logic": "duplicate",
            "logic_param": "tpl-1",
            "name": "Spring",
            "send_date": "2031-05-01 09:30",
            "timezone": "America/New_York",
            "sender": "Shop",
            "message": "Hi [[B]] [[URL]]",
            "tag": "t",
            "external_channel": True,
            "field_names": ["phone", "first"],
            "contacts": [["+15550100", "Alice"], ["+15550101", "Bob"]],
        }
    ]


@pytest.mark.parametrize(
    ("sender", "message", "field"),
    [("Shop", None, "message"), (None, "Hello", "sender")],
    ids=["sender-without-message", "message-without-sender"],
)
def test_create_refuses_half_of_sender_message_before_any_request(
    hook, requests_mock, sender, message, field
):
    with pytest.raises(SinchValidationError, match="give both or neither") as err:
        hook.create_campaign(
            "tpl", "n", [["1"]], send_date="2026-01-01 10:00", sender=sender, message=message
        )
    assert err.value.fields == [field]
    assert not requests_mock.called


def test_create_refuses_bad_field_names(hook, requests_mock):
    with pytest.raises(SinchValidationError, match="field_names"):
        hook.create_campaign(
            "tpl", "n", [["1"]], send_date="2026-01-01 10:00", field_names=["ok", "bad/name"]
        )
    assert not requests_mock.called


@pytest.mark.parametrize(
    ("send_date", "tz", "expected"),
    [
        ("2031-01-01 10:00", None, {"send_date": "2031-01-01 10:00", "timezone": "UTC"}),
        ("2031-01-01 10:00", "Europe/Paris", {"send_date": "2031-01-01 10:00", "timezone": "Europe/Paris"}),
        (datetime(2031, 1, 1, 10, 0), "UTC", {"send_date": "2031-01-01 10:00", "timezone": "UTC"}),
        (
            datetime(2031, 1, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris")),
            None,
            {"send_date": "2031-01-01 10:00", "timezone": "Europe/Paris"},
        ),
        (
            datetime(2031, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=2))),
            None,
            {"send_date": "2031-01-01 08:00", "timezone": "UTC"},
        ),
        (
            datetime(2031, 1, 1, 10, 0, tzinfo=timezone.utc),
            "America/Chicago",
            {"send_date": "2031-01-01 04:00", "timezone": "America/Chicago"},
        ),
    ],
    ids=[
        "string-is-utc",
        "string-with-tz",
        "naive-with-tz",
        "zoneinfo",
        "fixed-offset-to-utc",
        "converted-to-given-tz",
    ],
)
def test_send_date_fields(send_date, tz, expected):
    assert send_date_fields(send_date, tz) == expected


@pytest.mark.parametrize(
    ("send_date", "message"),
    [
        (datetime(2031, 1, 1, 10, 0), "send_date: 2031-01-01 10:00 has no time zone"),
        ("01/12/2031 10:00", "send_date: '01/12/2031 10:00' is not a date-time; accepted: "),
        (datetime(2020, 1, 1, 10, 0, tzinfo=timezone.utc), "send_date: 2020-01-01 10:00 UTC is in the past"),
    ],
    ids=["naive-without-tz", "malformed", "past"],
)
def test_create_refuses_a_bad_send_date_before_any_request(hook, requests_mock, send_date, message):
    with pytest.raises(SinchValidationError, match=f"^{re.escape(message)}"):
        hook.create_campaign("tpl", "n", [["1"]], send_date=send_date)
    assert not requests_mock.called


def test_create_refuses_a_bad_row_before_any_request(hook, requests_mock):
    with pytest.raises(SinchValidationError, match="row 2: has no phone number"):
        hook.create_campaign("tpl", "n", [["+15550100"], ["", "Bob"]], send_date="2031-01-01 10:00")
    assert not requests_mock.called


def test_send_sms(hook, requests_mock):
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/campaign/sendsms",
        json={"success": True, "contacts": [{"msisdn": "15550100", "url": "https://rsms.us/bTD0"}]},
    )
    result = hook.send_sms(CID, [["+15550100", "Alice"]], external_channel=True)
    assert result == [{"msisdn": "15550100", "url": "https://rsms.us/bTD0"}]
    assert body_of(requests_mock.last_request) == {
        "campaign_uuid": CID,
        "contacts": [["+15550100", "Alice"]],
        "external_channel": True,
    }


@pytest.mark.parametrize("method", ["send_sms", "generate_landing_pages"])
def test_batch_endpoints_refuse_more_than_1000_before_any_request(hook, requests_mock, method):
    with pytest.raises(SinchValidationError, match="1001 recipients; the API takes at most 1000"):
        getattr(hook, method)(CID, [[str(i)] for i in range(1001)])
    assert not requests_mock.called


def test_send_sms_400_maps_errors(hook, requests_mock):
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/campaign/sendsms",
        status_code=400,
        json={"success": False, "errors": {"campaign_uuid": [f"Campaign '{CID}' not found."]}},
    )
    with pytest.raises(SinchBadRequestError) as err:
        hook.send_sms(CID, [["1"]])
    assert err.value.status_code == 400
    assert err.value.field_violations == [
        {"field": "campaign_uuid", "description": f"Campaign '{CID}' not found."}
    ]
    assert "campaign_uuid" in str(err.value)


def test_generate_landing_pages(hook, requests_mock):
    pages = [{"msisdn": "id1", "url": "https://rsms.us/q1"}]
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages", json={"success": True, "contacts": pages}
    )
    assert hook.generate_landing_pages(CID, [["id1", "Alice", "SALE30"]]) == pages
    assert body_of(requests_mock.last_request) == {
        "campaign_uuid": CID,
        "contacts": [["id1", "Alice", "SALE30"]],
    }


def test_create_redirect_campaign(hook, requests_mock):
    answer = {
        "success": True,
        "campaign_id": "r1",
        "expiration_date": "2026-07-09T15:49:09+00:00",
        "contacts": [],
    }
    requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/create-redirect", json=answer)
    assert hook.create_redirect_campaign("Sales", "https://x.test/?id=[[A]]", [["id1"]], tag="t") == answer
    assert body_of(requests_mock.last_request) == {
        "name": "Sales",
        "target_url": "https://x.test/?id=[[A]]",
        "contacts": [["id1"]],
        "tag": "t",
    }


def test_list_campaigns_with_filters(hook, requests_mock):
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaigns", json={"success": True, "campaigns": [{"id": "a"}]})
    result = hook.list_campaigns(
        start=datetime(2026, 1, 1, 1, 0, tzinfo=ZoneInfo("Europe/Paris")),
        stop="2026-02-01 00:00:00",
        status="sent",
        extended=True,
    )
    assert result == [{"id": "a"}]
    assert requests_mock.last_request.qs == {
        "start": ["2026-01-01 00:00:00"],
        "stop": ["2026-02-01 00:00:00"],
        "status": ["sent"],
        "extended": ["true"],
    }


def test_list_campaigns_refuses_unknown_status(hook, requests_mock):
    with pytest.raises(SinchValidationError, match="status: must be one of"):
        hook.list_campaigns(status="done")
    assert not requests_mock.called


def test_get_campaign_404(hook, requests_mock):
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaigns/nope", status_code=404, json={"success": False, "errors": "Not found"}
    )
    with pytest.raises(SinchNotFoundError, match="GET /v1/campaigns/nope failed with HTTP 404: Not found"):
        hook.get_campaign("nope")


def test_get_campaign_stats_params(hook, requests_mock):
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaign/stats", json={"success": True, "summary": {}, "contacts": []}
    )
    hook.get_campaign_stats(
        CID, start=0, stop=10, columns=[1, 3], filters=["msisdn", "message"], stopped_as_date=True
    )
    assert requests_mock.last_request.qs == {
        "campaign_uuid": [CID],
        "start": ["0"],
        "stop": ["10"],
        "columns": ["1", "3"],
        "filters": ["msisdn", "message"],
        "stopped_as_date": ["1"],
    }


def test_iter_campaign_stats_follows_index_pages(hook, requests_mock):
    pages = [
        {"success": True, "summary": {"sms_submitted": 5}, "contacts": [{"msisdn": "1"}, {"msisdn": "2"}]},
        {"success": True, "summary": {"sms_submitted": 5}, "contacts": [{"msisdn": "3"}, {"msisdn": "4"}]},
        {"success": True, "summary": {"sms_submitted": 5}, "contacts": [{"msisdn": "5"}]},
    ]
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/stats", [{"json": p} for p in pages])

    got = list(hook.iter_campaign_stats(CID, page_size=2))

    assert [c["msisdn"] for _, contacts in got for c in contacts] == ["1", "2", "3", "4", "5"]
    windows = [
        (r.qs["start"][0], r.qs["stop"][0]) for r in requests_mock.request_history if r.path.endswith("stats")
    ]
    assert windows == [("0", "2"), ("2", "4"), ("4", "6")]


def test_get_campaign_log_params_and_type_check(hook, requests_mock):
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/log", json={"success": True, "log": [{"type": "SUBMIT"}]})
    assert hook.get_campaign_log(
        CID, "2015-07-06 17:30:00", datetime(2015, 7, 6, 19), types=["SUBMIT", "DELIVER"], columns=[1]
    ) == [{"type": "SUBMIT"}]
    assert requests_mock.last_request.qs == {
        "campaign_uuid": [CID],
        "start": ["2015-07-06 17:30:00"],
        "stop": ["2015-07-06 19:00:00"],
        "columns": ["1"],
        "types": ["SUBMIT", "DELIVER"],
    }
    with pytest.raises(SinchValidationError, match="unknown event types"):
        hook.get_campaign_log(CID, "2015-07-06 17:30:00", "2015-07-06 19:00:00", types=["CLICK"])


def test_iter_campaign_log_windows_do_not_overlap_and_stop_is_exclusive(hook, requests_mock):
    def log_for(request, context):
        start, stop = request.qs["start"][0], request.qs["stop"][0]
        events = [
            {"datetime": "2026-01-01 00:00:00", "type": "SUBMIT"},
            {"datetime": "2026-01-01 00:59:59", "type": "DELIVER"},
            {"datetime": "2026-01-01 01:00:00", "type": "VISIT"},
            {"datetime": "2026-01-01 02:00:00", "type": "RESPONSE"},
        ]
        # The server's bounds are both inclusive, like the real API.
        return {"success": True, "log": [e for e in events if start <= e["datetime"] <= stop]}

    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/log", json=log_for)

    events = list(
        hook.iter_campaign_log(
            CID, datetime(2026, 1, 1), datetime(2026, 1, 1, 2, tzinfo=timezone.utc), window=timedelta(hours=1)
        )
    )

    assert [e["type"] for e in events] == ["SUBMIT", "DELIVER", "VISIT"]
    windows = [
        (r.qs["start"][0], r.qs["stop"][0]) for r in requests_mock.request_history if r.path.endswith("log")
    ]
    assert windows == [
        ("2026-01-01 00:00:00", "2026-01-01 00:59:59"),
        ("2026-01-01 01:00:00", "2026-01-01 01:59:59"),
    ]


def _sized_log_server(requests_mock, events):
    """The log endpoint with a ``Content-Length``, both bounds inclusive, like the real API."""

    def log_for(request, context):
        start, stop = request.qs["start"][0], request.qs["stop"][0]
        body = json.dumps({"success": True, "log": [e for e in events if start <= e["datetime"] <= stop]})
        context.headers["Content-Length"] = str(len(body))
        return body

    return requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/log", text=log_for)


def log_windows(requests_mock) -> list[tuple[str, str]]:
    return [
        (r.qs["start"][0], r.qs["stop"][0]) for r in requests_mock.request_history if r.path.endswith("log")
    ]


def test_iter_campaign_log_first_window_is_ten_seconds_then_grows(hook, requests_mock):
    _sized_log_server(requests_mock, [{"datetime": "2026-01-01 00:30:00", "type": "SUBMIT"}])

    events = list(hook.iter_campaign_log(CID, datetime(2026, 1, 1), datetime(2026, 1, 1, 1)))

    assert events == [{"datetime": "2026-01-01 00:30:00", "type": "SUBMIT"}]
    assert log_windows(requests_mock) == [
        ("2026-01-01 00:00:00", "2026-01-01 00:00:09"),
        ("2026-01-01 00:00:10", "2026-01-01 00:00:49"),
        ("2026-01-01 00:00:50", "2026-01-01 00:03:29"),
        ("2026-01-01 00:03:30", "2026-01-01 00:14:09"),
        ("2026-01-01 00:14:10", "2026-01-01 00:56:49"),
        ("2026-01-01 00:56:50", "2026-01-01 00:59:59"),
    ]


def test_iter_campaign_log_asks_an_answer_over_the_byte_bound_again_shorter(hook, requests_mock):
    from airflow_provider_sinch.exports import WindowSizing

    events = [
        {"datetime": f"2026-01-01 00:{m:02d}:{s:02d}", "type": "DELIVER", "data": {"pad": "x" * 200}}
        for m in range(10)
        for s in range(0, 60, 2)
    ]  # 300 events of about 270 bytes: 80 kB in ten minutes
    _sized_log_server(requests_mock, events)
    sizing = WindowSizing(first=timedelta(minutes=10), max_bytes=32 * 1024)

    windows = list(
        hook.iter_campaign_log_windows(CID, datetime(2026, 1, 1), datetime(2026, 1, 1, 0, 10), sizing=sizing)
    )

    assert [e for window in windows for e in window] == events
    asked = log_windows(requests_mock)
    assert asked[0] == ("2026-01-01 00:00:00", "2026-01-01 00:09:59")  # 80 kB announced: not read
    assert asked[1][0] == "2026-01-01 00:00:00"  # the same start, a shorter window
    assert asked[1][1] < "2026-01-01 00:05:00"
    assert all(len(window) * 270 <= 32 * 1024 for window in windows)


def test_iter_campaign_log_checks_before_any_request(hook, requests_mock):
    log = requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/log", json={"success": True, "log": []})
    start, stop = datetime(2026, 1, 1), datetime(2026, 1, 1, 1)
    with pytest.raises(SinchValidationError, match="window: must be at least one second"):
        list(hook.iter_campaign_log(CID, start, stop, window=timedelta(milliseconds=500)))
    with pytest.raises(SinchValidationError, match="unknown event types"):
        list(hook.iter_campaign_log(CID, start, stop, types=["CLICK"]))
    with pytest.raises(SinchValidationError, match="campaign_id: is required"):
        list(hook.iter_campaign_log("", start, stop))
    assert not log.called


def test_iter_campaign_log_raises_the_api_error(hook, requests_mock):
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaign/log",
        status_code=400,
        json={"success": False, "errors": {"campaign_uuid": ["Campaign 'x' not found."]}},
    )
    with pytest.raises(SinchBadRequestError, match=r"campaign_uuid: Campaign 'x' not found\."):
        list(hook.iter_campaign_log(CID, datetime(2026, 1, 1), datetime(2026, 1, 1, 1)))


def test_get_recipients_and_recipient_data(hook, requests_mock):
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaign/contacts", json={"success": True, "contacts": [["0612345678", "Alice"]]}
    )
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaign/contacts/{CID}_0",
        json={"success": True, "fields": [{"name": "phone", "value": "33612345678"}]},
    )
    assert hook.get_campaign_recipients(CID) == [["0612345678", "Alice"]]
    assert requests_mock.request_history[-1].qs == {"campaign_uuid": [CID]}
    assert hook.get_recipient_data(f"{CID}_0") == [{"name": "phone", "value": "33612345678"}]


def test_success_false_in_a_200_is_an_error(hook, requests_mock):
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaigns/{CID}", json={"success": False, "errors": "Account locked"}
    )
    with pytest.raises(SinchBadRequestError, match="Account locked"):
        hook.get_campaign(CID)


@pytest.mark.parametrize(
    ("campaign", "targets", "outcome"),
    [
        ({"status": "sent"}, ("sent",), "success"),
        ({"status": "sending"}, ("sent",), "pending"),
        ({"status": "scheduled"}, ("scheduled", "sent"), "success"),
        ({"status": "draft", "validation_errors": {"contacts": [], "message": []}}, ("sent",), "pending"),
        ({"status": "draft", "validation_errors": {"message": ["Missing sender"]}}, ("sent",), "failure"),
        ({"status": "archived"}, ("sent",), "pending"),
    ],
    ids=["sent", "sending", "scheduled-is-a-target", "draft-clean", "draft-with-errors", "unknown-status"],
)
def test_evaluate_campaign(campaign, targets, outcome):
    result = evaluate_campaign(campaign, CID, targets)
    assert result.outcome == outcome
    if outcome == "failure":
        assert "message: Missing sender" in result.message


# --- The create request on the wire -----------------------------------------------------------------
class RawHttpServer:
    """A loopback HTTP/1.1 server on port 0 that records each request's raw bytes.

    ``answers`` maps a path to the ``(status, json)`` answers to give in turn (the last one
    repeats). Chunked request bodies are read too, so a wrong request fails an assertion
    instead of hanging the test.
    """

    def __init__(self, answers: dict[str, list[tuple[int, dict]]]) -> None:
        import socket
        import threading

        self.answers = {path: list(items) for path, items in answers.items()}
        self.requests: list[tuple[bytes, bytes]] = []  # (head, body) as received
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                self._handle(conn)

    @staticmethod
    def _read_until(conn, data: bytes, marker: bytes) -> tuple[bytes, bytes]:
        while marker not in data:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("client closed early")
            data += chunk
        head, _, rest = data.partition(marker)
        return head, rest

    def _handle(self, conn) -> None:
        head, rest = self._read_until(conn, b"", b"\r\n\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
        }
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = b""
            while True:
                size_line, rest = self._read_until(conn, rest, b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                while len(rest) < size + 2:
                    rest += conn.recv(65536)
                body, rest = body + rest[:size], rest[size + 2 :]
                if size == 0:
                    break
        else:
            length = int(headers.get(b"content-length", b"0"))
            while len(rest) < length:
                rest += conn.recv(65536)
            body = rest[:length]
        self.requests.append((head, body))
        path = head.split(b" ")[1].decode()
        queue = self.answers[path]
        status, payload = queue.pop(0) if len(queue) > 1 else queue[0]
        data = json.dumps(payload).encode()
        conn.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
            f"Retry-After: 0\r\nConnection: close\r\n\r\n".encode()
            + data
        )

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


TOKEN_ANSWER = {"access_token": "wire-token", "expires": "2099-01-01T00:00:00", "success": True}
CREATE_ANSWER = {"success": True, "solde": 1, "campaign": {"uuid": CID, "contact_count": 2000}}


def test_the_create_request_carries_a_content_length_on_the_wire(monkeypatch):
    """Captured on a real socket: a length, no chunked encoding, and the same bytes when retried."""
    from airflow_provider_sinch import contacts as contacts_module
    from tests.conftest import set_connection

    monkeypatch.setattr(contacts_module, "SPOOL_MEMORY_BYTES", 4096)  # the spool goes to disk
    server = RawHttpServer(
        {
            "/v1/token": [(200, TOKEN_ANSWER)],
            # 429: refused before any work, so the hook sends the create again.
            "/v1/campaign/create": [(429, {"success": False, "errors": "slow down"}), (200, CREATE_ANSWER)],
        }
    )
    set_connection(
        monkeypatch, "sinch_campaign_wire", conn_type="sinch_campaign", host=server.url, password=SECRET_KEY
    )
    rows = [[f"+1555{n:07d}", f"Zoë {n}"] for n in range(2000)]
    try:
        answer = SinchCampaignHook("sinch_campaign_wire").create_campaign(
            "tpl-1", "Wire", rows, send_date="2031-01-01 10:00"
        )
    finally:
        server.close()

    assert answer == CREATE_ANSWER
    creates = [
        (head, body) for head, body in server.requests if head.startswith(b"POST /v1/campaign/create ")
    ]
    assert len(creates) == 2
    for head, body in creates:
        lines = head.lower().split(b"\r\n")
        assert f"content-length: {len(body)}".encode() in lines
        assert not any(line.startswith(b"transfer-encoding") for line in lines)
        assert json.loads(body)["contacts"] == rows
    assert creates[0][1] == creates[1][1]  # the retry rewound the spool and sent it whole again
    assert len(creates[0][1]) > 4096


def test_a_plain_wsgi_server_reads_the_whole_create_body(monkeypatch):
    """``wsgiref`` hands the application ``CONTENT_LENGTH`` bytes: a chunked body would read as empty."""
    import threading
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from tests.conftest import set_connection

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        if environ["PATH_INFO"] == "/v1/token":
            answer, status = TOKEN_ANSWER, "200 OK"
        elif body.get("contacts"):
            answer = {"success": True, "campaign": {"uuid": CID, "contact_count": len(body["contacts"])}}
            status = "200 OK"
        else:
            answer, status = (
                {"success": False, "errors": {"contacts": ["This field is required."]}},
                "400 Bad",
            )
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    set_connection(
        monkeypatch,
        "sinch_campaign_wsgi",
        conn_type="sinch_campaign",
        host=f"http://127.0.0.1:{server.server_port}",
        password=SECRET_KEY,
    )
    try:
        answer = SinchCampaignHook("sinch_campaign_wsgi").create_campaign(
            "tpl-1", "WSGI", [["+15550100", "Alice"], ["+15550101", "Bob"]], send_date="2031-01-01 10:00"
        )
    finally:
        server.shutdown()
        server.server_close()
    assert answer["campaign"]["contact_count"] == 2
