"""The shared transport: retry decision, backoff, settings, error mapping, and both transports."""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
import urllib3.exceptions

from airflow_provider_sinch import __version__
from airflow_provider_sinch._ahttp import classify_httpx_error
from airflow_provider_sinch._http import (
    USER_AGENT,
    Endpoint,
    Failure,
    HttpSettings,
    classify_requests_error,
    error_from_response,
    iter_pages,
    parse_retry_after,
    retry_delay,
    should_retry,
)
from airflow_provider_sinch.exceptions import (
    SinchApiError,
    SinchAuthError,
    SinchBadRequestError,
    SinchNotFoundError,
    SinchRateLimitError,
    SinchServerError,
    SinchTransportError,
)
from airflow_provider_sinch.hooks.campaign import GET_CAMPAIGN, SEND_SMS, SinchCampaignHook
from tests.conftest import CAMPAIGN_HOST, SECRET_KEY

CID = "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"
CAMPAIGN = {"id": CID, "status": "sent", "name": "Spring"}
CAMPAIGN_URL = f"{CAMPAIGN_HOST}/v1/campaigns/{CID}"
SEND_SMS_URL = f"{CAMPAIGN_HOST}/v1/campaign/sendsms"
TOKEN_ROUTE = f"{CAMPAIGN_HOST}/v1/token"
SENT = [{"msisdn": "+15550100", "url": "https://rsms.us/bTD0"}]

# --- should_retry: the one retry decision ----------------------------------------------------------
# (idempotent, status, failure, expected): every HTTP answer, then every answer-less failure.
_RETRY_TABLE = [
    (idempotent, status, None, status == 429 or (idempotent and status >= 500))
    for idempotent in (True, False)
    for status in (200, 400, 401, 404, 429, 500, 502, 503, 504)
] + [
    (idempotent, None, failure, failure is Failure.NOT_SENT or idempotent)
    for idempotent in (True, False)
    for failure in (Failure.NOT_SENT, Failure.MAYBE_SENT)
]


def _retry_id(case: tuple[bool, int | None, Failure | None, bool]) -> str:
    idempotent, status, failure, expected = case
    kind = "idempotent" if idempotent else "non-idempotent"
    what = str(status) if status is not None else failure.name  # type: ignore[union-attr]
    return f"{kind}-{what}-{'retry' if expected else 'no-retry'}"


@pytest.mark.parametrize(
    ("idempotent", "status", "failure", "expected"), _RETRY_TABLE, ids=[_retry_id(c) for c in _RETRY_TABLE]
)
def test_should_retry(idempotent: bool, status: int | None, failure: Failure | None, expected: bool) -> None:
    assert should_retry(idempotent=idempotent, status=status, failure=failure) is expected


def test_retry_table_covers_every_case() -> None:
    assert len(_RETRY_TABLE) == 2 * 9 + 2 * 2
    assert len({_retry_id(c) for c in _RETRY_TABLE}) == len(_RETRY_TABLE)


@pytest.mark.parametrize(
    ("endpoint", "safe"),
    [
        (Endpoint("GET", "/x"), True),
        (Endpoint("PUT", "/x"), True),
        (Endpoint("DELETE", "/x"), True),
        (Endpoint("get", "/x"), True),
        (Endpoint("POST", "/x"), False),
        (Endpoint("PATCH", "/x"), False),
        (Endpoint("POST", "/x", idempotent=True), True),
        (Endpoint("GET", "/x", idempotent=False), False),
    ],
    ids=[
        "GET",
        "PUT",
        "DELETE",
        "lowercase-get",
        "POST",
        "PATCH",
        "POST-marked-idempotent",
        "GET-marked-not",
    ],
)
def test_endpoint_safe_to_repeat(endpoint: Endpoint, safe: bool) -> None:
    assert endpoint.safe_to_repeat is safe


# --- retry_delay ---------------------------------------------------------------------------------
SETTINGS = HttpSettings(retry_backoff=1.0, retry_backoff_max=60.0, retry_after_max=600.0)


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [
        (1, 0.5, 1.0),
        (2, 1.0, 2.0),
        (3, 2.0, 4.0),
        (4, 4.0, 8.0),
        (6, 16.0, 32.0),
        (7, 30.0, 60.0),
        (20, 30.0, 60.0),
    ],
    ids=["1st", "2nd", "3rd", "4th", "6th", "7th-capped", "20th-capped"],
)
def test_retry_delay_grows_exponentially_up_to_the_cap(attempt: int, low: float, high: float) -> None:
    assert retry_delay(attempt, SETTINGS, jitter=lambda: 0.0) == low
    assert retry_delay(attempt, SETTINGS, jitter=lambda: 1.0) == high
    assert low <= retry_delay(attempt, SETTINGS, jitter=lambda: 0.5) <= high


def test_retry_delay_follows_retry_backoff_setting() -> None:
    settings = HttpSettings(retry_backoff=3.0, retry_backoff_max=10.0)
    assert [retry_delay(n, settings, jitter=lambda: 1.0) for n in (1, 2, 3)] == [3.0, 6.0, 10.0]


def test_retry_delay_with_random_jitter_stays_in_bounds() -> None:
    delays = [retry_delay(3, SETTINGS) for _ in range(200)]
    assert all(2.0 <= d <= 4.0 for d in delays)
    assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("120", 120.0), ("0", 0.5), ("0.25", 0.5), ("100000", 600.0), ("soon", 0.5), (None, 0.5)],
    ids=["honoured", "shorter-than-backoff", "fraction", "capped-at-retry_after_max", "garbage", "absent"],
)
def test_retry_delay_honours_retry_after_seconds(retry_after: str | None, expected: float) -> None:
    assert retry_delay(1, SETTINGS, retry_after, jitter=lambda: 0.0) == expected


def test_retry_delay_honours_retry_after_http_date() -> None:
    header = email.utils.formatdate(time.time() + 90, usegmt=True)
    assert retry_delay(1, SETTINGS, header, jitter=lambda: 0.0) == pytest.approx(90, abs=2)


def test_retry_delay_caps_retry_after_http_date() -> None:
    header = email.utils.formatdate(time.time() + 7200, usegmt=True)
    assert retry_delay(1, SETTINGS, header, jitter=lambda: 0.0) == 600.0


# --- parse_retry_after ---------------------------------------------------------------------------
NOW = 1_767_225_600.0  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("5", 5.0),
        (" 5 ", 5.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Thu, 01 Jan 2026 00:02:00 GMT", 120.0),
        ("Wed, 31 Dec 2025 23:59:00 GMT", 0.0),
        ("Thu, 01 Jan 2026 01:00:00 +0100", 0.0),
        ("Thu, 01 Jan 2026 00:00:30 -0000", 30.0),
        ("in a while", None),
    ],
    ids=[
        "none",
        "empty",
        "seconds",
        "seconds-padded",
        "fraction",
        "negative",
        "http-date-future",
        "http-date-past",
        "http-date-offset",
        "http-date-naive",
        "garbage",
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == expected


# --- HttpSettings.resolve ------------------------------------------------------------------------
def test_settings_defaults() -> None:
    settings = HttpSettings.resolve({}, {})
    assert settings == HttpSettings()
    assert settings.requests_timeout == (10.0, 60.0)
    assert settings.max_retries == 5


def test_settings_hook_params_beat_extra_beat_defaults() -> None:
    settings = HttpSettings.resolve(
        {"timeout": "30", "max_retries": 2, "connect_timeout": 4},
        {"timeout": 5, "retry_backoff": 0.5},
    )
    assert settings.timeout == 5.0  # hook parameter
    assert settings.max_retries == 2  # connection extra
    assert settings.connect_timeout == 4.0  # connection extra
    assert settings.retry_backoff == 0.5  # hook parameter
    assert settings.retry_backoff_max == 60.0  # default
    assert settings.requests_timeout == (4.0, 5.0)


@pytest.mark.parametrize(
    ("extra", "overrides"),
    [({}, {"timeout": None}), ({"timeout": ""}, {}), ({"timeout": None}, {})],
    ids=["hook-param-none", "extra-empty-string", "extra-none"],
)
def test_settings_blank_values_fall_through(extra: dict[str, Any], overrides: dict[str, Any]) -> None:
    assert HttpSettings.resolve(extra, overrides).timeout == 60.0


def test_settings_hook_param_zero_is_a_value() -> None:
    assert HttpSettings.resolve({"max_retries": 3}, {"max_retries": 0}).max_retries == 0


@pytest.mark.parametrize(
    ("extra", "overrides", "option", "error"),
    [
        ({"timeout": "slow"}, {}, "timeout", "must be a number, got 'slow'"),
        ({}, {"max_retries": "many"}, "max_retries", "must be a whole number, got 'many'"),
        ({"retry_backoff": -1}, {}, "retry_backoff", "must not be negative, got -1"),
        ({}, {"connect_timeout": [1]}, "connect_timeout", "must be a number"),
    ],
    ids=["extra-not-a-number", "hook-param-not-a-number", "negative", "list"],
)
def test_settings_bad_value_names_the_option(
    extra: dict[str, Any], overrides: dict[str, Any], option: str, error: str
) -> None:
    with pytest.raises(ValueError, match=f"'{option}' {error}"):
        HttpSettings.resolve(extra, overrides)


def test_settings_refuse_unknown_hook_option() -> None:
    with pytest.raises(TypeError, match=r"Unknown hook option\(s\) \['read_timeout'\]") as info:
        HttpSettings.resolve({}, {"read_timeout": 3})
    assert "'timeout'" in str(info.value)  # lists the known options


def test_settings_ignore_unrelated_extra_keys() -> None:
    assert HttpSettings.resolve({"login_url": "https://x", "project_id": "p"}, {}) == HttpSettings()


def test_hook_refuses_unknown_option_before_any_request(requests_mock: Any) -> None:
    with pytest.raises(TypeError, match="retries"):
        SinchCampaignHook(retries=3)
    with pytest.raises(ValueError, match="'timeout'"):
        SinchCampaignHook(timeout="soon")
    assert requests_mock.call_count == 0


# --- error_from_response -------------------------------------------------------------------------
def _error(status: int, body: Any, headers: dict[str, str] | None = None) -> SinchApiError:
    return error_from_response(status, body, method="POST", path="/v1/x", headers=headers or {})


def test_campaign_errors_as_a_string() -> None:
    err = _error(401, {"errors": "Invalid secret key", "success": False})
    assert type(err) is SinchAuthError
    assert err.status_code == 401
    assert err.errors == "Invalid secret key"
    assert err.field_violations == []
    assert str(err) == "POST /v1/x failed with HTTP 401: Invalid secret key"


def test_campaign_errors_field_to_messages() -> None:
    body = {
        "success": False,
        "errors": {"contacts": ["This field is required."], "name": ["Too long.", "Bad characters."]},
    }
    err = _error(400, body)
    assert type(err) is SinchBadRequestError
    assert err.errors == body["errors"]
    assert err.field_violations == [
        {"field": "contacts", "description": "This field is required."},
        {"field": "name", "description": "Too long.; Bad characters."},
    ]
    assert str(err) == (
        "POST /v1/x failed with HTTP 400: invalid parameters"
        "\n  - contacts: This field is required."
        "\n  - name: Too long.; Bad characters."
    )


def test_campaign_errors_nested_and_list_forms() -> None:
    nested = _error(400, {"errors": {"Authorization": {"token": "expired"}}})
    assert nested.field_violations == [{"field": "Authorization", "description": "token: expired"}]
    listed = _error(400, {"errors": ["first", "second"]})
    assert listed.api_message == "first; second"
    assert listed.field_violations == []


def test_short_code_rest_error_with_field_violations() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "Registration validation error",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "type": "BadRequest",
                    "fieldViolations": [
                        {"field": "carrierIds", "description": "Carrier Id 123 does not exist."},
                        {"field": "name", "description": "must not be blank"},
                    ],
                }
            ],
        }
    }
    err = _error(400, body, {"X-Request-Id": "req-42"})
    assert type(err) is SinchBadRequestError
    assert err.errors == body["error"]["details"]
    assert err.field_violations == [
        {"field": "carrierIds", "description": "Carrier Id 123 does not exist."},
        {"field": "name", "description": "must not be blank"},
    ]
    assert err.request_id == "req-42"
    assert str(err) == (
        "POST /v1/x failed with HTTP 400: INVALID_ARGUMENT: Registration validation error"
        "\n  - carrierIds: Carrier Id 123 does not exist."
        "\n  - name: must not be blank"
        " (request id req-42)"
    )


def test_short_code_rest_error_not_found() -> None:
    body = {
        "error": {
            "code": 404,
            "message": "Campaign not found",
            "status": "NOT_FOUND",
            "details": [{"type": "ResourceInfo", "resourceType": "Campaign", "resourceName": "123"}],
        }
    }
    err = _error(404, body)
    assert type(err) is SinchNotFoundError
    assert err.api_message == "NOT_FOUND: Campaign not found"
    assert err.errors == body["error"]["details"]
    assert err.field_violations == []


def test_grpc_gateway_error() -> None:
    body = {
        "code": 3,
        "message": "brandId is required",
        "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": []}],
    }
    err = _error(400, body)
    assert type(err) is SinchBadRequestError
    assert err.api_message == "brandId is required"
    assert err.errors == body["details"]
    assert str(err) == "POST /v1/x failed with HTTP 400: brandId is required"


def test_text_body_is_the_message() -> None:
    err = _error(502, "  <html>Bad gateway</html>\n")
    assert type(err) is SinchServerError
    assert err.api_message == "<html>Bad gateway</html>"
    assert err.errors is None


def test_long_text_body_is_truncated() -> None:
    assert len(_error(500, "x" * 5000).api_message) == 500


@pytest.mark.parametrize(
    "body", [None, "", "   ", {}, []], ids=["none", "empty", "blank", "empty-dict", "list"]
)
def test_body_without_detail_says_the_status(body: Any) -> None:
    assert _error(503, body).api_message == "HTTP 503"


def test_oauth2_token_endpoint_error_shape() -> None:
    err = _error(401, {"error": "invalid_client", "error_description": "Bad key id or secret"})
    assert type(err) is SinchAuthError
    assert err.api_message == "invalid_client: Bad key id or secret"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, SinchBadRequestError),
        (401, SinchAuthError),
        (403, SinchAuthError),
        (404, SinchNotFoundError),
        (409, SinchBadRequestError),
        (422, SinchBadRequestError),
        (429, SinchRateLimitError),
        (500, SinchServerError),
        (502, SinchServerError),
        (503, SinchServerError),
        (504, SinchServerError),
    ],
    ids=lambda v: v if isinstance(v, int) else v.__name__,
)
def test_status_maps_to_exception_class(status: int, cls: type[SinchApiError]) -> None:
    err = _error(status, {"errors": "nope"})
    assert type(err) is cls
    assert err.status_code == status
    assert err.method == "POST"
    assert err.path == "/v1/x"


@pytest.mark.parametrize(
    "header", ["X-Request-Id", "x-correlation-id", "X-Sinch-Request-Id", "Request-Id"], ids=str.lower
)
def test_request_id_from_any_known_header(header: str) -> None:
    assert _error(500, None, {header: "abc-1"}).request_id == "abc-1"


def test_no_request_id_header() -> None:
    err = _error(500, None, {"Content-Type": "application/json"})
    assert err.request_id is None
    assert "request id" not in str(err)


# --- Endpoint ------------------------------------------------------------------------------------
def test_format_path_quotes_parameters() -> None:
    endpoint = Endpoint("GET", "/v1/projects/{project_id}/campaigns/{campaign_id}")
    assert (
        endpoint.format_path({"project_id": "p 1", "campaign_id": "a/b?c#d"})
        == "/v1/projects/p%201/campaigns/a%2Fb%3Fc%23d"
    )
    assert endpoint.format_path({"project_id": 7, "campaign_id": "../x"}) == "/v1/projects/7/campaigns/..%2Fx"


def test_format_path_without_placeholders() -> None:
    assert Endpoint("GET", "/v1/campaigns").format_path() == "/v1/campaigns"


def test_format_path_names_a_missing_parameter() -> None:
    endpoint = Endpoint("GET", "/v1/campaigns/{campaign_id}")
    with pytest.raises(
        ValueError, match=r"GET /v1/campaigns/\{campaign_id\} needs the path parameter 'campaign_id'"
    ):
        endpoint.format_path({"id": "x"})


def test_parse_unwraps() -> None:
    assert Endpoint("GET", "/x", unwrap="campaign").parse({"campaign": {"id": 1}, "success": True}) == {
        "id": 1
    }
    assert Endpoint("GET", "/x", unwrap="campaign").parse({"success": True}) is None
    assert Endpoint("GET", "/x").parse({"a": 1}) == {"a": 1}
    assert Endpoint("GET", "/x", unwrap="a").parse([1, 2]) == [1, 2]


# --- iter_pages ----------------------------------------------------------------------------------
def _pages(pages: dict[str | None, dict[str, Any]]) -> tuple[Callable[[str | None], Any], list[str | None]]:
    asked: list[str | None] = []

    def fetch(token: str | None) -> Any:
        asked.append(token)
        return pages[token]

    return fetch, asked


def test_iter_pages_follows_next_page_token() -> None:
    fetch, asked = _pages(
        {
            None: {"campaigns": [1, 2], "nextPageToken": "p2"},
            "p2": {"campaigns": [3], "nextPageToken": "p3"},
            "p3": {"campaigns": [4, 5], "nextPageToken": ""},
        }
    )
    assert list(iter_pages(fetch, "campaigns")) == [1, 2, 3, 4, 5]
    assert asked == [None, "p2", "p3"]


def test_iter_pages_is_lazy() -> None:
    fetch, asked = _pages({None: {"items": [1, 2], "nextPageToken": "p2"}, "p2": {"items": [3]}})
    pages = iter_pages(fetch, "items")
    assert next(pages) == 1
    assert asked == [None]


def test_iter_pages_stops_on_a_repeated_token() -> None:
    fetch, asked = _pages(
        {None: {"items": [1], "nextPageToken": "a"}, "a": {"items": [2], "nextPageToken": "a"}}
    )
    assert list(iter_pages(fetch, "items")) == [1, 2]
    assert asked == [None, "a"]


def test_iter_pages_empty_and_custom_token_key() -> None:
    fetch, _ = _pages({None: {}})
    assert list(iter_pages(fetch, "items")) == []
    fetch, asked = _pages({None: {"items": [1], "next": "b"}, "b": {"items": None}})
    assert list(iter_pages(fetch, "items", token_key="next")) == [1]
    assert asked == [None, "b"]


# --- Failure classification ----------------------------------------------------------------------
def connection_refused(url: str = CAMPAIGN_URL) -> requests.exceptions.ConnectionError:
    """What ``requests`` raises when nothing listens: the connection was never made."""
    return requests.exceptions.ConnectionError(
        urllib3.exceptions.MaxRetryError(
            None,  # type: ignore[arg-type]
            url,
            urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: refused"),  # type: ignore[arg-type]
        )
    )


@pytest.mark.parametrize(
    ("make_exc", "failure"),
    [
        (connection_refused, Failure.NOT_SENT),
        (
            lambda: requests.exceptions.ConnectionError(
                urllib3.exceptions.MaxRetryError(
                    None,  # type: ignore[arg-type]
                    CAMPAIGN_URL,
                    urllib3.exceptions.NameResolutionError("api.example", None, OSError("no such host")),  # type: ignore[arg-type]
                )
            ),
            Failure.NOT_SENT,
        ),
        (lambda: requests.exceptions.ConnectTimeout("connect timed out"), Failure.NOT_SENT),
        (lambda: requests.exceptions.ReadTimeout("read timed out"), Failure.MAYBE_SENT),
        (
            lambda: requests.exceptions.ConnectionError(
                urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError())
            ),
            Failure.MAYBE_SENT,
        ),
        (lambda: requests.exceptions.ConnectionError(), Failure.MAYBE_SENT),
        (lambda: requests.exceptions.ChunkedEncodingError("broken"), Failure.MAYBE_SENT),
    ],
    ids=[
        "connection-refused",
        "dns-failure",
        "connect-timeout",
        "read-timeout",
        "connection-reset",
        "bare-connection-error",
        "broken-body",
    ],
)
def test_classify_requests_error(make_exc: Callable[[], requests.RequestException], failure: Failure) -> None:
    assert classify_requests_error(make_exc()) is failure


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (httpx.ConnectError("refused"), Failure.NOT_SENT),
        (httpx.ConnectTimeout("slow"), Failure.NOT_SENT),
        (httpx.PoolTimeout("busy"), Failure.NOT_SENT),
        (httpx.ReadTimeout("slow"), Failure.MAYBE_SENT),
        (httpx.WriteTimeout("slow"), Failure.MAYBE_SENT),
        (httpx.RemoteProtocolError("dropped"), Failure.MAYBE_SENT),
        (httpx.ReadError("reset"), Failure.MAYBE_SENT),
    ],
    ids=[
        "connect-error",
        "connect-timeout",
        "pool-timeout",
        "read-timeout",
        "write-timeout",
        "dropped",
        "read-error",
    ],
)
def test_classify_httpx_error(exc: Exception, failure: Failure) -> None:
    assert classify_httpx_error(exc) is failure


# --- Sync transport, through SinchCampaignHook + requests_mock -----------------------------------
@pytest.fixture
def hook(campaign_conn: str, campaign_token: Any) -> SinchCampaignHook:
    return SinchCampaignHook()


def test_get_retried_on_503_then_200(hook: SinchCampaignHook, requests_mock: Any, slept: list[float]) -> None:
    route = requests_mock.get(
        CAMPAIGN_URL, [{"status_code": 503}, {"json": {"success": True, "campaign": CAMPAIGN}}]
    )

    assert hook.get_campaign(CID) == CAMPAIGN

    assert route.call_count == 2
    assert len(slept) == 1
    assert 0.5 <= slept[0] <= 1.0


def test_get_retry_honours_retry_after_seconds(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float]
) -> None:
    requests_mock.get(
        CAMPAIGN_URL,
        [{"status_code": 503, "headers": {"Retry-After": "7"}}, {"json": {"campaign": CAMPAIGN}}],
    )
    assert hook.get_campaign(CID) == CAMPAIGN
    assert slept == [7.0]


def test_get_retry_honours_retry_after_http_date(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float]
) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    requests_mock.get(
        CAMPAIGN_URL,
        [{"status_code": 503, "headers": {"Retry-After": when}}, {"json": {"campaign": CAMPAIGN}}],
    )
    assert hook.get_campaign(CID) == CAMPAIGN
    assert slept == [pytest.approx(30, abs=2)]


def test_retry_after_capped_by_hook_param(
    campaign_conn: str, campaign_token: Any, requests_mock: Any, slept: list[float]
) -> None:
    requests_mock.get(
        CAMPAIGN_URL,
        [{"status_code": 429, "headers": {"Retry-After": "3600"}}, {"json": {"campaign": CAMPAIGN}}],
    )
    assert SinchCampaignHook(retry_after_max=10).get_campaign(CID) == CAMPAIGN
    assert slept == [10.0]


def test_post_not_retried_on_500(hook: SinchCampaignHook, requests_mock: Any, slept: list[float]) -> None:
    route = requests_mock.post(
        SEND_SMS_URL,
        status_code=500,
        json={"success": False, "errors": "Internal error"},
        headers={"X-Request-Id": "req-9"},
    )

    with pytest.raises(SinchServerError) as info:
        hook.send_sms(CID, [["+15550100", "Alice"]])

    assert route.call_count == 1
    assert slept == []
    err = info.value
    assert err.status_code == 500
    assert err.errors == "Internal error"
    assert err.request_id == "req-9"
    assert str(err) == "POST /v1/campaign/sendsms failed with HTTP 500: Internal error (request id req-9)"


@pytest.mark.parametrize("status", [502, 503, 504], ids=str)
def test_post_not_retried_on_any_5xx(hook: SinchCampaignHook, requests_mock: Any, status: int) -> None:
    route = requests_mock.post(SEND_SMS_URL, status_code=status, text="upstream down")
    with pytest.raises(SinchServerError, match="upstream down"):
        hook.send_sms(CID, [["+15550100"]])
    assert route.call_count == 1


def test_post_retried_on_429(hook: SinchCampaignHook, requests_mock: Any, slept: list[float]) -> None:
    route = requests_mock.post(
        SEND_SMS_URL,
        [
            {"status_code": 429, "headers": {"Retry-After": "2"}, "json": {"errors": "Too many requests"}},
            {"json": {"success": True, "contacts": SENT}},
        ],
    )

    assert hook.send_sms(CID, [["+15550100", "Alice"]]) == SENT

    assert route.call_count == 2
    assert slept == [2.0]
    first, second = route.request_history
    assert first.json() == second.json() == {"campaign_uuid": CID, "contacts": [["+15550100", "Alice"]]}


def test_post_retried_after_connection_refused(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float]
) -> None:
    route = requests_mock.post(
        SEND_SMS_URL,
        [{"exc": connection_refused(SEND_SMS_URL)}, {"json": {"success": True, "contacts": SENT}}],
    )
    assert hook.send_sms(CID, [["+15550100"]]) == SENT
    assert route.call_count == 2
    assert len(slept) == 1


def test_post_not_retried_after_read_timeout(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float]
) -> None:
    route = requests_mock.post(SEND_SMS_URL, exc=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(SinchTransportError) as info:
        hook.send_sms(CID, [["+15550100"]])

    assert route.call_count == 1
    assert slept == []
    assert info.value.maybe_delivered is True
    assert str(info.value) == (
        "POST /v1/campaign/sendsms failed after 0 retries: ReadTimeout "
        "(the request may have reached Sinch; check its state before repeating it)"
    )


def test_get_retried_after_read_timeout(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float]
) -> None:
    route = requests_mock.get(
        CAMPAIGN_URL,
        [{"exc": requests.exceptions.ReadTimeout("read timed out")}, {"json": {"campaign": CAMPAIGN}}],
    )
    assert hook.get_campaign(CID) == CAMPAIGN
    assert route.call_count == 2
    assert len(slept) == 1


def test_get_retries_exhausted_on_503(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float]
) -> None:
    route = requests_mock.get(CAMPAIGN_URL, status_code=503, json={"success": False, "errors": "Maintenance"})

    with pytest.raises(SinchServerError, match=r"GET /v1/campaigns/.* failed with HTTP 503: Maintenance"):
        hook.get_campaign(CID)

    assert route.call_count == 4  # max_retries = 3 in the connection's extra
    assert len(slept) == 3
    for delay, (low, high) in zip(slept, [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0)], strict=True):
        assert low <= delay <= high


def test_post_retries_exhausted_on_429(hook: SinchCampaignHook, requests_mock: Any) -> None:
    route = requests_mock.post(SEND_SMS_URL, status_code=429, json={"errors": "Too many requests"})
    with pytest.raises(SinchRateLimitError, match="HTTP 429: Too many requests"):
        hook.send_sms(CID, [["+15550100"]])
    assert route.call_count == 4


def test_connection_refused_exhausted(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float]
) -> None:
    route = requests_mock.post(SEND_SMS_URL, exc=connection_refused(SEND_SMS_URL))
    with pytest.raises(SinchTransportError) as info:
        hook.send_sms(CID, [["+15550100"]])
    assert route.call_count == 4
    assert len(slept) == 3
    assert info.value.maybe_delivered is False
    assert str(info.value) == (
        "POST /v1/campaign/sendsms failed after 3 retries: ConnectionError (Sinch was not reached)"
    )


def test_hook_param_max_retries_beats_connection_extra(
    campaign_conn: str, campaign_token: Any, requests_mock: Any
) -> None:
    route = requests_mock.get(CAMPAIGN_URL, status_code=503)
    with pytest.raises(SinchServerError):
        SinchCampaignHook(max_retries=1).get_campaign(CID)
    assert route.call_count == 2


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, SinchBadRequestError), (403, SinchAuthError), (404, SinchNotFoundError)],
    ids=["400", "403", "404"],
)
def test_client_errors_are_not_retried(
    hook: SinchCampaignHook, requests_mock: Any, slept: list[float], status: int, cls: type[SinchApiError]
) -> None:
    route = requests_mock.get(CAMPAIGN_URL, status_code=status, json={"success": False, "errors": "nope"})
    with pytest.raises(cls, match=f"HTTP {status}: nope"):
        hook.get_campaign(CID)
    assert route.call_count == 1
    assert slept == []


def test_success_false_in_a_200_is_an_error(hook: SinchCampaignHook, requests_mock: Any) -> None:
    requests_mock.post(
        SEND_SMS_URL,
        status_code=200,
        json={"success": False, "errors": {"contacts": ["This field is required."]}},
    )
    with pytest.raises(SinchBadRequestError) as info:
        hook.send_sms(CID, [["+15550100"]])
    assert info.value.status_code == 200
    assert info.value.field_violations == [{"field": "contacts", "description": "This field is required."}]
    assert "contacts: This field is required." in str(info.value)


def test_401_renews_the_token_once_and_replays(
    campaign_conn: str, requests_mock: Any, slept: list[float]
) -> None:
    token = requests_mock.post(
        TOKEN_ROUTE,
        [
            {"json": {"access_token": "token-1", "success": True}},
            {"json": {"access_token": "token-2", "success": True}},
        ],
    )
    route = requests_mock.get(
        CAMPAIGN_URL,
        [
            {
                "status_code": 401,
                "json": {"errors": {"Authorization": ["Invalid access token"]}, "success": False},
            },
            {"json": {"campaign": CAMPAIGN}},
        ],
    )

    assert SinchCampaignHook().get_campaign(CID) == CAMPAIGN

    assert token.call_count == 2
    assert [r.headers["Authorization"] for r in route.request_history] == ["Bearer token-1", "Bearer token-2"]
    assert slept == []  # a renewal is not a retry: no backoff


def test_second_401_raises_auth_error(campaign_conn: str, requests_mock: Any) -> None:
    token = requests_mock.post(
        TOKEN_ROUTE,
        [{"json": {"access_token": "token-1"}}, {"json": {"access_token": "token-2"}}],
    )
    route = requests_mock.get(
        CAMPAIGN_URL,
        status_code=401,
        json={"errors": {"Authorization": ["Invalid access token"]}, "success": False},
    )

    with pytest.raises(SinchAuthError) as info:
        SinchCampaignHook().get_campaign(CID)

    assert token.call_count == 2
    assert route.call_count == 2
    assert info.value.status_code == 401
    assert "Authorization: Invalid access token" in str(info.value)
    assert SECRET_KEY not in str(info.value)
    assert "token-2" not in str(info.value)


def test_user_agent_carries_the_package_version(
    hook: SinchCampaignHook, requests_mock: Any, campaign_token: Any
) -> None:
    route = requests_mock.get(CAMPAIGN_URL, json={"campaign": CAMPAIGN})
    hook.get_campaign(CID)
    assert route.last_request.headers["User-Agent"] == f"airflow-provider-sinch/{__version__}"
    assert campaign_token.last_request.headers["User-Agent"] == USER_AGENT
    assert route.last_request.headers["Accept"] == "application/json"


def test_default_timeouts_are_sent(hook: SinchCampaignHook, requests_mock: Any) -> None:
    route = requests_mock.get(CAMPAIGN_URL, json={"campaign": CAMPAIGN})
    hook.get_campaign(CID)
    assert route.last_request.timeout == (10.0, 60.0)


def test_session_reused_across_calls(
    hook: SinchCampaignHook, requests_mock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions: list[requests.Session] = []
    original = requests.Session.request

    def spy(self: requests.Session, *args: Any, **kwargs: Any) -> requests.Response:
        sessions.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", spy)
    requests_mock.get(CAMPAIGN_URL, json={"campaign": CAMPAIGN})
    requests_mock.post(SEND_SMS_URL, json={"success": True, "contacts": SENT})

    hook.get_campaign(CID)
    hook.send_sms(CID, [["+15550100"]])
    hook.get_campaign(CID)

    assert len(sessions) == 4  # the token, then three calls
    assert all(s is sessions[0] for s in sessions)
    assert hook.get_conn() is sessions[0]


def test_close_then_new_session(hook: SinchCampaignHook, requests_mock: Any) -> None:
    requests_mock.get(CAMPAIGN_URL, json={"campaign": CAMPAIGN})
    first = hook.get_conn()
    hook.get_campaign(CID)
    hook.close()
    assert hook.get_conn() is not first
    assert hook.get_campaign(CID) == CAMPAIGN


# --- Async transport, httpx.MockTransport --------------------------------------------------------
def campaign_connection(**extra: Any) -> Any:
    from airflow.sdk import Connection

    return Connection(
        conn_id="sinch_campaign_default",
        conn_type="sinch_campaign",
        host=CAMPAIGN_HOST,
        password=SECRET_KEY,
        extra=json.dumps({"max_retries": 3, **extra}),
    )


Answer = dict[str, Any] | type[Exception]


class FakeCampaignApi:
    """An ``httpx.MockTransport`` handler: hands out tokens, then scripted answers per route.

    Each route's answers are used in order; the last one repeats. An answer is a dict
    (``status``, ``json``, ``text``, ``headers``) or an ``httpx`` exception class to raise.
    """

    def __init__(self, routes: dict[tuple[str, str], list[Answer]], *, token_status: int = 200) -> None:
        self.routes = routes
        self.token_status = token_status
        self.requests: list[httpx.Request] = []
        self.tokens = 0

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if (request.method, request.url.path) == ("POST", "/v1/token"):
            if self.token_status != 200:
                return httpx.Response(
                    self.token_status, json={"errors": "Invalid secret key", "success": False}
                )
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"async-token-{self.tokens}", "success": True})
        answers = self.routes[(request.method, request.url.path)]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, type):
            raise answer("scripted failure", request=request)  # type: ignore[call-arg]
        if "text" in answer:
            return httpx.Response(
                answer.get("status", 200), text=answer["text"], headers=answer.get("headers")
            )
        return httpx.Response(
            answer.get("status", 200), json=answer.get("json"), headers=answer.get("headers")
        )


def run_async(api: FakeCampaignApi, endpoint: Endpoint, conn: Any = None, **kwargs: Any) -> Any:
    async def go() -> Any:
        transport = SinchCampaignHook.async_transport(
            conn or campaign_connection(), mock_transport=httpx.MockTransport(api)
        )
        try:
            return await transport.call(endpoint, **kwargs)
        finally:
            await transport.aclose()

    return asyncio.run(go())


GET_PATH = f"/v1/campaigns/{CID}"
SEND_PATH = "/v1/campaign/sendsms"
SEND_BODY = {"campaign_uuid": CID, "contacts": [["+15550100"]]}


def test_async_get_retried_on_503_then_200(slept: list[float]) -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [{"status": 503}, {"json": {"campaign": CAMPAIGN}}]})
    assert run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID}) == CAMPAIGN
    assert len(api.calls("GET", GET_PATH)) == 2
    assert len(slept) == 1
    assert 0.5 <= slept[0] <= 1.0


def test_async_retry_after_honoured(slept: list[float]) -> None:
    api = FakeCampaignApi(
        {
            ("GET", GET_PATH): [
                {"status": 503, "headers": {"Retry-After": "9"}},
                {"json": {"campaign": CAMPAIGN}},
            ]
        }
    )
    assert run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID}) == CAMPAIGN
    assert slept == [9.0]


def test_async_post_not_retried_on_500(slept: list[float]) -> None:
    api = FakeCampaignApi({("POST", SEND_PATH): [{"status": 500, "json": {"errors": "Internal error"}}]})
    with pytest.raises(SinchServerError) as info:
        run_async(api, SEND_SMS, json=SEND_BODY)
    assert len(api.calls("POST", SEND_PATH)) == 1
    assert slept == []
    assert info.value.status_code == 500
    assert info.value.errors == "Internal error"
    assert str(info.value) == "POST /v1/campaign/sendsms failed with HTTP 500: Internal error"


def test_async_post_retried_on_429(slept: list[float]) -> None:
    api = FakeCampaignApi(
        {
            ("POST", SEND_PATH): [
                {"status": 429, "headers": {"Retry-After": "3"}},
                {"json": {"contacts": SENT}},
            ]
        }
    )
    assert run_async(api, SEND_SMS, json=SEND_BODY) == {"contacts": SENT}
    calls = api.calls("POST", SEND_PATH)
    assert len(calls) == 2
    assert [json.loads(c.content) for c in calls] == [SEND_BODY, SEND_BODY]
    assert slept == [3.0]


def test_async_post_retried_after_connect_error(slept: list[float]) -> None:
    api = FakeCampaignApi({("POST", SEND_PATH): [httpx.ConnectError, {"json": {"contacts": SENT}}]})
    assert run_async(api, SEND_SMS, json=SEND_BODY) == {"contacts": SENT}
    assert len(api.calls("POST", SEND_PATH)) == 2
    assert len(slept) == 1


def test_async_post_not_retried_after_read_timeout(slept: list[float]) -> None:
    api = FakeCampaignApi({("POST", SEND_PATH): [httpx.ReadTimeout]})
    with pytest.raises(SinchTransportError) as info:
        run_async(api, SEND_SMS, json=SEND_BODY)
    assert info.value.maybe_delivered is True
    assert "may have reached Sinch" in str(info.value)
    assert len(api.calls("POST", SEND_PATH)) == 1
    assert slept == []


def test_async_get_retried_after_read_timeout() -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [httpx.ReadTimeout, {"json": {"campaign": CAMPAIGN}}]})
    assert run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID}) == CAMPAIGN
    assert len(api.calls("GET", GET_PATH)) == 2


def test_async_retries_exhausted(slept: list[float]) -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [{"status": 503, "text": "down"}]})
    with pytest.raises(SinchServerError, match="HTTP 503: down"):
        run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID})
    assert len(api.calls("GET", GET_PATH)) == 4
    assert len(slept) == 3


def test_async_connect_error_exhausted() -> None:
    api = FakeCampaignApi({("POST", SEND_PATH): [httpx.ConnectError]})
    with pytest.raises(SinchTransportError, match="failed after 3 retries: ConnectError") as info:
        run_async(api, SEND_SMS, json=SEND_BODY)
    assert info.value.maybe_delivered is False
    assert len(api.calls("POST", SEND_PATH)) == 4


def test_async_hook_params_apply(slept: list[float]) -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [{"status": 503}]})

    async def go() -> None:
        transport = SinchCampaignHook.async_transport(
            campaign_connection(), {"max_retries": 1}, mock_transport=httpx.MockTransport(api)
        )
        try:
            await transport.call(GET_CAMPAIGN, path_params={"campaign_id": CID})
        finally:
            await transport.aclose()

    with pytest.raises(SinchServerError):
        asyncio.run(go())
    assert len(api.calls("GET", GET_PATH)) == 2


def test_async_401_renews_token_once_and_replays(slept: list[float]) -> None:
    api = FakeCampaignApi(
        {
            ("GET", GET_PATH): [
                {"status": 401, "json": {"errors": "expired"}},
                {"json": {"campaign": CAMPAIGN}},
            ]
        }
    )
    assert run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID}) == CAMPAIGN
    assert api.tokens == 2
    assert [r.headers["Authorization"] for r in api.calls("GET", GET_PATH)] == [
        "Bearer async-token-1",
        "Bearer async-token-2",
    ]
    token_request = api.calls("POST", "/v1/token")[0]
    assert token_request.headers["Authorization"] == f"Basic {SECRET_KEY}"
    assert slept == []


def test_async_second_401_raises_auth_error() -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [{"status": 401, "json": {"errors": "Invalid access token"}}]})
    with pytest.raises(SinchAuthError, match="HTTP 401: Invalid access token") as info:
        run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID})
    assert api.tokens == 2
    assert len(api.calls("GET", GET_PATH)) == 2
    assert SECRET_KEY not in str(info.value)


def test_async_token_refused() -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [{"json": {"campaign": CAMPAIGN}}]}, token_status=401)
    with pytest.raises(SinchAuthError, match="HTTP 401: Invalid secret key") as info:
        run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID})
    assert api.calls("GET", GET_PATH) == []
    assert SECRET_KEY not in str(info.value)


@pytest.mark.parametrize(
    ("answer", "cls", "message"),
    [
        (
            {"status": 400, "json": {"errors": {"contacts": ["required"]}}},
            SinchBadRequestError,
            "contacts: required",
        ),
        ({"status": 403, "json": {"errors": "Forbidden"}}, SinchAuthError, "HTTP 403: Forbidden"),
        (
            {"status": 404, "json": {"errors": "Unknown campaign"}},
            SinchNotFoundError,
            "HTTP 404: Unknown campaign",
        ),
        (
            {"status": 404, "json": {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}},
            SinchNotFoundError,
            "HTTP 404: NOT_FOUND: not found",
        ),
        (
            {"status": 200, "json": {"success": False, "errors": "No credit"}},
            SinchBadRequestError,
            "HTTP 200: No credit",
        ),
    ],
    ids=["400-errors", "403", "404", "404-rest-error", "200-success-false"],
)
def test_async_error_mapping(answer: dict[str, Any], cls: type[SinchApiError], message: str) -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [answer]})
    with pytest.raises(cls, match=message) as info:
        run_async(api, GET_CAMPAIGN, path_params={"campaign_id": CID})
    assert type(info.value) is cls
    assert info.value.path == GET_PATH
    assert len(api.calls("GET", GET_PATH)) == 1


def test_async_user_agent_and_path_quoting() -> None:
    # httpx decodes ``url.path``; ``raw_path`` shows what went on the wire.
    api = FakeCampaignApi({("GET", "/v1/campaigns/a/b"): [{"json": {"campaign": CAMPAIGN}}]})
    run_async(api, GET_CAMPAIGN, path_params={"campaign_id": "a/b"})
    request = api.requests[-1]
    assert request.url.raw_path == b"/v1/campaigns/a%2Fb"
    assert request.headers["User-Agent"] == f"airflow-provider-sinch/{__version__}"
    assert request.headers["Authorization"] == "Bearer async-token-1"


def test_async_token_cached_across_calls() -> None:
    api = FakeCampaignApi({("GET", GET_PATH): [{"json": {"campaign": CAMPAIGN}}]})

    async def go() -> None:
        transport = SinchCampaignHook.async_transport(
            campaign_connection(), mock_transport=httpx.MockTransport(api)
        )
        try:
            for _ in range(3):
                await transport.call(GET_CAMPAIGN, path_params={"campaign_id": CID})
        finally:
            await transport.aclose()

    asyncio.run(go())
    assert api.tokens == 1
    assert len(api.calls("GET", GET_PATH)) == 3
