"""Connection fields as users fill them: the host, the extra's keys and numbers, the URI form.

Each example of issue 10's "Connection fields" is a test here: a host with ``/v1`` is refused
before any request, a plain-http server reached with https fails once with a message naming the
scheme (sync and async, on a real loopback server), an unknown extra key is warned about with
its closest known key, ``"2.5"`` retries are "not a whole number", and the README's
``airflow connections add`` commands (JSON and URI forms) build the connections they describe.
"""

from __future__ import annotations

import ast
import asyncio
import datetime
import http.server
import json
import logging
import re
import shlex
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import urllib3
from airflow.sdk import Connection

import airflow_provider_sinch
from airflow_provider_sinch import connections
from airflow_provider_sinch._ahttp import classify_httpx_error
from airflow_provider_sinch._http import classify_requests_error
from airflow_provider_sinch._transport import Failure, HttpSettings, should_retry
from airflow_provider_sinch.apis import ten_dlc as ten_dlc_api
from airflow_provider_sinch.connections import CAMPAIGN, SHORT_CODE, TEN_DLC, ConnectionKind
from airflow_provider_sinch.exceptions import SinchTransportError, SinchValidationError
from airflow_provider_sinch.hooks.campaign import SinchCampaignHook
from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger
from tests.conftest import (
    CAMPAIGN_HOST,
    KEY_ID,
    KEY_SECRET,
    PROJECT_ID,
    SECRET_KEY,
    SHORT_CODE_HOST,
    TEN_DLC_HOST,
    set_connection,
)

PACKAGE = Path(airflow_provider_sinch.__file__).parent
README = (Path(__file__).parents[1] / "README.md").read_text()
KINDS = {kind.conn_type: kind for kind in (CAMPAIGN, SHORT_CODE, TEN_DLC)}
REG_ID = "01HREGISTRATION"


def conn(
    host: str | None = None, *, port: int | None = None, conn_type: str = "sinch_campaign"
) -> Connection:
    return Connection(conn_id="sinch_test", conn_type=conn_type, host=host, port=port, password="secret")


# --- The host field ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("host", "port", "base_url"),
    [
        (None, None, CAMPAIGN_HOST),
        ("", None, CAMPAIGN_HOST),
        ("  https://api.us.campaign.sinch.com  ", None, CAMPAIGN_HOST),
        ("https://api.us.campaign.sinch.com/", None, CAMPAIGN_HOST),
        ("api.us.campaign.sinch.com", None, CAMPAIGN_HOST),
        ("HTTPS://api.us.campaign.sinch.com", None, CAMPAIGN_HOST),
        ("https://api.us.campaign.sinch.com", 443, f"{CAMPAIGN_HOST}:443"),
        ("http://127.0.0.1", 8787, "http://127.0.0.1:8787"),
        ("http://127.0.0.1:9000", 8787, "http://127.0.0.1:9000"),
        ("127.0.0.1:8787", None, "https://127.0.0.1:8787"),
        ("http://[::1]:8787", None, "http://[::1]:8787"),
    ],
    ids=[
        "none-is-sinch",
        "empty-is-sinch",
        "spaces-trimmed",
        "trailing-slash",
        "no-scheme-is-https",
        "scheme-case",
        "port-field-added",
        "emulator-with-port-field",
        "port-in-host-wins",
        "no-scheme-with-port",
        "ipv6",
    ],
)
def test_base_url_accepts_a_server_url(host: str | None, port: int | None, base_url: str) -> None:
    assert CAMPAIGN.base_url(conn(host, port=port)) == base_url


@pytest.mark.parametrize(
    ("host", "message"),
    [
        (
            "https://api.us.campaign.sinch.com/v1",
            "Sinch connection 'sinch_test': host: 'https://api.us.campaign.sinch.com/v1' has a path ('/v1'); "
            "the host field takes the API's base URL without a path, "
            "e.g. 'https://api.us.campaign.sinch.com' (the provider adds /v1/... itself)",
        ),
        (
            "api.us.campaign.sinch.com/v1/",
            "'https://api.us.campaign.sinch.com/v1/' has a path ('/v1/'); the host field takes the API's "
            "base URL without a path, e.g. 'https://api.us.campaign.sinch.com'",
        ),
        (
            "https://usshortcode.api.sinch.com/v1/projects/p/campaigns",
            "has a path ('/v1/projects/p/campaigns'); the host field takes the API's base URL without a "
            "path, e.g. 'https://usshortcode.api.sinch.com'",
        ),
        ("https://api.us.campaign.sinch.com/?region=us", "has a query or fragment"),
        ("ftp://api.us.campaign.sinch.com", "'ftp://api.us.campaign.sinch.com' must start with https://"),
        ("https://", "'https://' names no server"),
        ("https://api.us.campaign.sinch.com:https", "is not a URL"),
        (
            "https://me:hunter2-secret@api.us.campaign.sinch.com",
            "'https://api.us.campaign.sinch.com' must not hold a user name or password: "
            "use the connection's login and password",
        ),
    ],
    ids=["v1", "v1-no-scheme", "endpoint-url", "query", "scheme", "no-server", "bad-port", "user-info"],
)
def test_base_url_refuses_what_is_not_a_server_url(host: str, message: str) -> None:
    with pytest.raises(SinchValidationError) as info:
        CAMPAIGN.base_url(conn(host))
    assert message in str(info.value)
    assert info.value.fields == ["host"]


@pytest.mark.parametrize(
    "host",
    [
        "https://me:hunter2/secret@api.us.campaign.sinch.com/v1",
        "https://me:hunter2/secret@api:x/v1?key=hunter2",
    ],
    ids=["path", "not-a-url"],
)
def test_a_refused_host_never_shows_its_password_or_query(host: str) -> None:
    with pytest.raises(SinchValidationError) as info:
        CAMPAIGN.base_url(conn(host))
    assert "hunter2" not in str(info.value)


def test_v1_host_fails_before_any_request(monkeypatch: pytest.MonkeyPatch, requests_mock: Any) -> None:
    """The issue's example: it used to request /v1/v1/token and fail with ``HTTP 404: HTTP 404``."""
    set_connection(
        monkeypatch,
        "sinch_campaign_default",
        conn_type="sinch_campaign",
        host=f"{CAMPAIGN_HOST}/v1",
        password=SECRET_KEY,
    )
    with pytest.raises(SinchValidationError, match=r"has a path \('/v1'\).*e\.g\. 'https://api\.us\."):
        SinchCampaignHook().get_campaign("5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f")
    assert requests_mock.call_count == 0


def test_v1_host_ends_a_deferred_wait_with_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    set_connection(
        monkeypatch,
        "sinch_10dlc_default",
        conn_type="sinch_10dlc",
        host=f"{TEN_DLC_HOST}/v1",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, "auth": "basic"},
    )
    trigger = Sinch10DLCCampaignStatusTrigger(
        campaign_registration_id=REG_ID, project_id=PROJECT_ID, sinch_conn_id="sinch_10dlc_default"
    )

    async def first_event() -> dict[str, Any]:
        async for event in trigger.run():
            return event.payload
        raise AssertionError("no event")

    event = asyncio.run(first_event())
    assert event["status"] == "error"
    assert "has a path ('/v1'); the host field takes the API's base URL without a path" in event["message"]


# --- TLS to a plain-http server: not reached, not retried, the scheme named ----------------------
class _PlainHttpHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"id": REG_ID, "status": "APPROVED"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CountingServer(http.server.ThreadingHTTPServer):
    connections = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)


@pytest.fixture
def plain_http_server() -> Iterator[_CountingServer]:
    """A plain-http server on a free loopback port, counting the connections it accepts."""
    server = _CountingServer(("127.0.0.1", 0), _PlainHttpHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def _ten_dlc_basic(monkeypatch: pytest.MonkeyPatch, host: str, max_retries: int = 5) -> Connection:
    fields = {
        "conn_type": "sinch_10dlc",
        "host": host,
        "login": KEY_ID,
        "password": KEY_SECRET,
        "extra": {"project_id": PROJECT_ID, "auth": "basic", "max_retries": max_retries},
    }
    set_connection(monkeypatch, "sinch_10dlc_default", **fields)
    return Connection.from_json(json.dumps(fields), conn_id="sinch_10dlc_default")


def _tls_message(port: int) -> str:
    return (
        f"TLS handshake with https://127.0.0.1:{port} failed: is the server plain http? "
        "put http:// in the connection's host (Sinch was not reached; not retried)"
    )


@pytest.mark.parametrize("scheme", ["", "https://"], ids=["no-scheme", "https"])
def test_plain_http_server_reached_with_https_sync(
    scheme: str, plain_http_server: _CountingServer, monkeypatch: pytest.MonkeyPatch, slept: list[float]
) -> None:
    port = plain_http_server.server_address[1]
    _ten_dlc_basic(monkeypatch, f"{scheme}127.0.0.1:{port}")

    with pytest.raises(SinchTransportError) as info:
        Sinch10DLCHook().get_campaign(REG_ID)

    assert str(info.value) == (
        f"GET /v1/projects/{PROJECT_ID}/campaignRegistrations/{REG_ID} failed: {_tls_message(port)}"
    )
    assert info.value.maybe_delivered is False
    assert slept == []  # no backoff: not retried
    assert plain_http_server.connections == 1


async def _aget_registration(connection: Any) -> Any:
    """One Get of the registration through the triggers' transport built from ``connection``."""
    transport = TEN_DLC.async_transport(connection)
    try:
        return await transport.send(ten_dlc_api.get_campaign(PROJECT_ID, REG_ID))
    finally:
        await transport.aclose()


@pytest.mark.parametrize("scheme", ["", "https://"], ids=["no-scheme", "https"])
def test_plain_http_server_reached_with_https_async(
    scheme: str, plain_http_server: _CountingServer, monkeypatch: pytest.MonkeyPatch, slept: list[float]
) -> None:
    port = plain_http_server.server_address[1]
    connection = _ten_dlc_basic(monkeypatch, f"{scheme}127.0.0.1:{port}")

    with pytest.raises(SinchTransportError) as info:
        asyncio.run(_aget_registration(connection))

    assert str(info.value).endswith(_tls_message(port))
    assert info.value.maybe_delivered is False
    assert slept == []
    assert plain_http_server.connections == 1


def test_the_suggested_scheme_reaches_the_plain_http_server(
    plain_http_server: _CountingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = plain_http_server.server_address[1]
    _ten_dlc_basic(monkeypatch, f"http://127.0.0.1:{port}")
    assert Sinch10DLCHook().get_campaign(REG_ID)["status"] == "APPROVED"


@pytest.fixture
def self_signed_tls_server(tmp_path: Path) -> Iterator[_CountingServer]:
    """An https server on a free loopback port whose certificate no CA signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = _CountingServer(("127.0.0.1", 0), _PlainHttpHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_untrusted_certificate_is_named_and_not_retried(
    self_signed_tls_server: _CountingServer, monkeypatch: pytest.MonkeyPatch, slept: list[float]
) -> None:
    port = self_signed_tls_server.server_address[1]
    connection = _ten_dlc_basic(monkeypatch, f"https://127.0.0.1:{port}")
    expected = (
        f"TLS handshake with https://127.0.0.1:{port} failed: its certificate was refused "
        "(self-signed certificate); check the server name in the connection's host, or the CA bundle "
        "(REQUESTS_CA_BUNDLE, SSL_CERT_FILE) (Sinch was not reached; not retried)"
    )
    with pytest.raises(SinchTransportError) as info:
        Sinch10DLCHook().get_campaign(REG_ID)
    assert str(info.value).endswith(expected)

    with pytest.raises(SinchTransportError) as ainfo:
        asyncio.run(_aget_registration(connection))
    assert str(ainfo.value).endswith(expected)
    assert slept == []


def _requests_ssl_error(inner: ssl.SSLError) -> requests.exceptions.SSLError:
    """What ``requests`` raises for an ``ssl`` error, wrapped as urllib3 wraps it."""
    return requests.exceptions.SSLError(
        urllib3.exceptions.MaxRetryError(
            None,  # type: ignore[arg-type]
            "https://127.0.0.1/v1/token",
            urllib3.exceptions.SSLError(inner),
        )
    )


def _httpx_connect_error(inner: ssl.SSLError) -> httpx.ConnectError:
    try:
        try:
            raise inner
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as outer:
        return outer


_WRONG_VERSION = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
_CLOSED = ssl.SSLEOFError(8, "EOF occurred in violation of protocol")


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (_requests_ssl_error(_WRONG_VERSION), Failure.TLS_HANDSHAKE),
        (
            _requests_ssl_error(ssl.SSLCertVerificationError(1, "certificate verify failed")),
            Failure.TLS_HANDSHAKE,
        ),
        # A TLS connection the server closed (a stale pooled one, too) is a dropped connection.
        (_requests_ssl_error(_CLOSED), Failure.MAYBE_SENT),
        (_httpx_connect_error(_WRONG_VERSION), Failure.TLS_HANDSHAKE),
        (_httpx_connect_error(_CLOSED), Failure.NOT_SENT),
    ],
    ids=[
        "requests-wrong-version",
        "requests-certificate",
        "requests-tls-closed",
        "httpx-wrong-version",
        "httpx-tls-closed",
    ],
)
def test_classify_tls_errors(exc: Exception, failure: Failure) -> None:
    classify = classify_requests_error if isinstance(exc, requests.RequestException) else classify_httpx_error
    assert classify(exc) is failure  # type: ignore[arg-type]


@pytest.mark.parametrize("idempotent", [True, False], ids=["idempotent", "non-idempotent"])
def test_tls_handshake_failure_is_never_retried(idempotent: bool) -> None:
    assert should_retry(idempotent=idempotent, failure=Failure.TLS_HANDSHAKE) is False


# --- Unknown extra keys --------------------------------------------------------------------------
def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "airflow_provider_sinch.connections" and r.levelno == logging.WARNING
    ]


def test_typo_in_extra_is_warned_once_per_hook_with_the_closest_key(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, requests_mock: Any
) -> None:
    set_connection(
        monkeypatch,
        "sinch_campaign_default",
        conn_type="sinch_campaign",
        host=CAMPAIGN_HOST,
        password=SECRET_KEY,
        extra={"max_retires": 3},
    )
    requests_mock.post(f"{CAMPAIGN_HOST}/v1/token", json={"access_token": "t", "success": True})
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaigns/c1", json={"success": True, "campaign": {"id": "c1"}})
    caplog.set_level(logging.WARNING)

    hook = SinchCampaignHook()
    hook.get_campaign("c1")
    hook.get_campaign("c1")

    assert _warnings(caplog) == [
        "Sinch connection 'sinch_campaign_default' (sinch_campaign): extra key 'max_retires' "
        "(did you mean 'max_retries'?) is not read by this connection type and is ignored. "
        "Known keys: connect_timeout, login_url, max_retries, retry_after_max, retry_backoff, "
        "retry_backoff_max, short_link_base, timeout."
    ]
    assert hook.transport.settings.max_retries == 5  # the typo left the default in force


def test_unknown_extra_keys_are_warned_once_per_trigger_client(caplog: pytest.LogCaptureFixture) -> None:
    connection = Connection(
        conn_id="sinch_short_code_default",
        conn_type="sinch_us_short_code",
        login=KEY_ID,
        password="hunter2-secret",
        extra=json.dumps({"projectid": "p", "auth": "basic", "pasword": "hunter2-secret"}),
    )
    caplog.set_level(logging.WARNING)

    async def build() -> None:
        await SHORT_CODE.async_transport(connection).aclose()

    asyncio.run(build())

    [message] = _warnings(caplog)
    assert message.startswith(
        "Sinch connection 'sinch_short_code_default' (sinch_us_short_code): extra keys "
        "'projectid' (did you mean 'project_id'?), 'auth', 'pasword' are not read by this connection "
        "type and are ignored. Known keys: "
    )
    assert "hunter2" not in message  # keys only, never values


@pytest.mark.parametrize("kind", [CAMPAIGN, SHORT_CODE, TEN_DLC], ids=lambda k: k.conn_type)
def test_known_and_legacy_prefixed_keys_are_not_warned_about(
    kind: ConnectionKind, caplog: pytest.LogCaptureFixture
) -> None:
    extra = {key: "1" for key in kind.extra_keys if key != "auth"}
    extra[f"extra__{kind.conn_type}__timeout"] = "5"
    if "auth" in kind.extra_keys:
        extra["auth"] = "basic"
    connection = Connection(
        conn_id="c", conn_type=kind.conn_type, login=KEY_ID, password="s", extra=json.dumps(extra)
    )
    caplog.set_level(logging.WARNING)
    kind.client_config(connection)
    assert _warnings(caplog) == []


def test_every_extra_key_the_package_reads_is_known() -> None:
    """Each ``extra.get("<key>")`` in the package is a known key of the types that read it."""
    readers = {
        "hooks/campaign.py": [CAMPAIGN],
        "hooks/short_code.py": [SHORT_CODE],
        "hooks/ten_dlc.py": [TEN_DLC],
        "connections.py": [SHORT_CODE, TEN_DLC],  # the OAuth2 token URL and 10DLC's auth mode
        "triggers/events.py": [SHORT_CODE, TEN_DLC],  # the event triggers' default project_id
    }
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and "extra" in ast.unparse(node.func.value)
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(path.relative_to(PACKAGE).as_posix(), set()).add(node.args[0].value)
    assert set(found) <= set(readers), f"a new module reads the extra: {set(found) - set(readers)}"
    assert set().union(*found.values()) >= {"login_url", "short_link_base", "project_id", "dashboard_url"}
    for module, keys in found.items():
        for kind in readers[module]:
            if module == "connections.py":
                keys = {k for k in keys if k != "auth" or kind is TEN_DLC}
            assert keys <= set(kind.extra_keys), (module, kind.conn_type)


def test_every_form_field_is_a_known_key() -> None:
    """The UI form writes its fields into the extra: none of them may be warned about."""
    for info in airflow_provider_sinch.get_provider_info()["connection-types"]:
        kind = KINDS[info["connection-type"]]
        assert set(info["conn-fields"]) <= set(kind.extra_keys), kind.conn_type


def test_token_url_keys_are_known_to_both_oauth2_types() -> None:
    from airflow_provider_sinch._conn_extra import LEGACY_OAUTH_URL_KEY, OAUTH_URL_KEY

    assert set(connections.TOKEN_URL_KEYS) == {OAUTH_URL_KEY, LEGACY_OAUTH_URL_KEY}
    for kind in (SHORT_CODE, TEN_DLC):
        assert set(connections.TOKEN_URL_KEYS) <= set(kind.extra_keys)
    assert not set(connections.TOKEN_URL_KEYS) & set(CAMPAIGN.extra_keys)


def test_the_emulator_connections_use_known_keys_only() -> None:
    from airflow_provider_sinch.emulator.harness import connection_env

    for variable, value in connection_env("http://127.0.0.1:8787").items():
        connection = Connection.from_json(value, conn_id=variable.removeprefix("AIRFLOW_CONN_").lower())
        kind = KINDS[connection.conn_type]
        assert kind.unknown_extra_keys(connections.connection_extra(connection)) == [], variable
        assert kind.base_url(connection) == "http://127.0.0.1:8787"


# --- Numbers in the extra ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("option", "raw", "message"),
    [
        ("max_retries", "2.5", "'max_retries' must be a whole number, got '2.5'"),
        ("max_retries", 2.5, "'max_retries' must be a whole number, got 2.5"),
        ("max_retries", "abc", "'max_retries' must be a whole number, got 'abc'"),
        ("max_retries", -1, "'max_retries' must not be negative, got -1"),
        ("max_retries", True, "'max_retries' must be a whole number, got True"),
        ("timeout", "abc", "'timeout' must be a number, got 'abc'"),
        ("timeout", False, "'timeout' must be a number, got False"),
        ("timeout", "nan", "'timeout' must be a number, not infinite or NaN, got 'nan'"),
        ("connect_timeout", "inf", "'connect_timeout' must be a number, not infinite or NaN, got 'inf'"),
        ("retry_backoff", "-0.5", "'retry_backoff' must not be negative, got '-0.5'"),
    ],
    ids=[
        "text-2.5",
        "json-2.5",
        "abc",
        "negative",
        "true",
        "timeout-abc",
        "timeout-false",
        "nan",
        "inf",
        "negative-float",
    ],
)
def test_bad_numbers_are_refused_naming_option_and_source(option: str, raw: Any, message: str) -> None:
    with pytest.raises(SinchValidationError) as info:
        HttpSettings.resolve({option: raw}, {})
    assert str(info.value) == f"Sinch transport option {message} (set in the connection's extra)"
    with pytest.raises(SinchValidationError, match=r"\(set in hook_params\)$"):
        HttpSettings.resolve({}, {option: raw})


@pytest.mark.parametrize(
    ("raw", "value"),
    [("3", 3), (" 3 ", 3), ("3.0", 3), (3.0, 3), (0, 0)],
    ids=["text", "spaces", "text-whole-float", "whole-float", "zero"],
)
def test_whole_numbers_in_any_form_are_accepted(raw: Any, value: int) -> None:
    settings = HttpSettings.resolve({"max_retries": raw}, {})
    assert settings.max_retries == value
    assert type(settings.max_retries) is int


def test_fractional_timeouts_are_accepted() -> None:
    assert HttpSettings.resolve({"timeout": "0.5", "connect_timeout": 2}, {}).requests_timeout == (2.0, 0.5)


def test_bad_number_in_extra_fails_the_hook_before_any_request(
    monkeypatch: pytest.MonkeyPatch, requests_mock: Any
) -> None:
    set_connection(
        monkeypatch,
        "sinch_campaign_default",
        conn_type="sinch_campaign",
        host=CAMPAIGN_HOST,
        password=SECRET_KEY,
        extra={"max_retries": "2.5"},
    )
    with pytest.raises(SinchValidationError, match=r"'max_retries' must be a whole number, got '2\.5'"):
        SinchCampaignHook().get_campaign("c1")
    assert requests_mock.call_count == 0


# --- The URI form --------------------------------------------------------------------------------
def test_uri_connection_in_an_environment_variable_reaches_the_right_url(
    monkeypatch: pytest.MonkeyPatch, requests_mock: Any
) -> None:
    """``https://`` escaped inside the URI's host, and the secret's ``/ + =`` escaped too."""
    monkeypatch.setenv(
        "AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT",
        "sinch-campaign://:s3cr%2Fet%2Bkey%3D%3D@https%3A%2F%2Fapi.us.campaign.sinch.com?max_retries=3",
    )
    token = requests_mock.post(f"{CAMPAIGN_HOST}/v1/token", json={"access_token": "t", "success": True})
    requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaigns/c1", json={"success": True, "campaign": {"id": "c1"}})

    hook = SinchCampaignHook()
    assert hook.get_campaign("c1") == {"id": "c1"}

    assert hook.base_url == CAMPAIGN_HOST
    assert hook.transport.settings.max_retries == 3
    assert token.last_request.headers["Authorization"] == "Basic s3cr/et+key=="


@pytest.mark.parametrize(
    ("uri", "base_url"),
    [
        ("sinch-campaign://:k@https%3A%2F%2Fapi.us.campaign.sinch.com", CAMPAIGN_HOST),
        ("sinch-campaign://https://:k@api.us.campaign.sinch.com", CAMPAIGN_HOST),
        ("sinch-campaign://:k@api.us.campaign.sinch.com", CAMPAIGN_HOST),
        ("sinch-campaign://:k@http%3A%2F%2F127.0.0.1:8787", "http://127.0.0.1:8787"),
        ("sinch-us-short-code://id:k@https%3A%2F%2Fusshortcode.api.sinch.com", SHORT_CODE_HOST),
        ("sinch-10dlc://id:k@https%3A%2F%2Fus10dlc.numbers.api.sinch.com?auth=basic", TEN_DLC_HOST),
        ("sinch-10dlc://id:k@", TEN_DLC_HOST),
    ],
    ids=["escaped-https", "airflow-form", "no-scheme", "emulator", "short-code", "10dlc", "empty-host"],
)
def test_uri_forms_give_the_base_url(uri: str, base_url: str) -> None:
    connection = Connection.from_uri(uri, conn_id="c")
    assert KINDS[connection.conn_type].base_url(connection) == base_url
    again = Connection.from_uri(connection.get_uri(), conn_id="c")  # what `airflow connections get` shows
    assert KINDS[again.conn_type].base_url(again) == base_url


def test_escaped_path_in_a_uri_host_is_refused() -> None:
    connection = Connection.from_uri(
        "sinch-campaign://:k@https%3A%2F%2Fapi.us.campaign.sinch.com%2Fv1", conn_id="c"
    )
    with pytest.raises(SinchValidationError, match=r"has a path \('/v1'\)"):
        CAMPAIGN.base_url(connection)


# --- The README's connections --------------------------------------------------------------------
def _connections_section() -> str:
    return README.split("\n## Connections\n", 1)[1].split("\n## ", 1)[0]


def _commands() -> list[list[str]]:
    """Every ``airflow connections add`` and ``export AIRFLOW_CONN_...`` of the Connections section."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", _connections_section(), flags=re.S):
        for line in shlex.split(block.replace("\\\n", " "), comments=True):
            if line in ("airflow", "export"):
                commands.append([line])
            elif commands:
                commands[-1].append(line)
    return commands


def _readme_connection(command: list[str]) -> tuple[str, str, Any]:
    """(conn id, form, connection) parsed the way ``airflow connections add`` parses it."""
    from airflow.models.connection import Connection as StoredConnection

    if command[0] == "export":
        name, _, value = command[1].partition("=")
        conn_id = name.removeprefix("AIRFLOW_CONN_").lower()
        return conn_id, "env", StoredConnection.from_json(value, conn_id=conn_id)
    assert command[:3] == ["airflow", "connections", "add"], command
    conn_id, option, value = command[3:6]
    if option == "--conn-json":
        return conn_id, "json", StoredConnection.from_json(value, conn_id=conn_id)
    assert option == "--conn-uri", command
    return conn_id, "uri", StoredConnection(conn_id=conn_id, uri=value)


def _client(connection: Any) -> tuple[Any, ...]:
    config = KINDS[connection.conn_type].client_config(connection)
    return (
        connection.conn_type,
        config.base_url,
        config.settings,
        config.account_key,
        type(config.auth).__name__,
        getattr(config.auth, "token_url", None),
        connections.connection_extra(connection).get("project_id"),
    )


def test_readme_connections_build_clients_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    built = [_readme_connection(command) for command in _commands()]
    forms = {(conn_id, form) for conn_id, form, _ in built}
    for conn_id in ("sinch_campaign_default", "sinch_short_code_default", "sinch_10dlc_default"):
        assert {(conn_id, "json"), (conn_id, "uri")} <= forms, conn_id
    for _, _, connection in built:
        _client(connection)
    assert _warnings(caplog) == []


def test_readme_json_and_uri_forms_are_the_same_connection() -> None:
    """The URI's escaping is right when the URI builds the very client its JSON twin builds."""
    by_id: dict[str, dict[str, tuple[Any, ...]]] = {}
    for conn_id, form, connection in map(_readme_connection, _commands()):
        if form in ("json", "uri"):
            by_id.setdefault(conn_id, {})[form] = _client(connection)
    assert by_id
    for conn_id, clients in by_id.items():
        assert clients["json"] == clients["uri"], conn_id
        assert clients["json"][1].startswith("https://"), conn_id


def test_a_deferred_wait_on_a_plain_http_host_ends_at_once_instead_of_polling_to_its_deadline(
    plain_http_server: _CountingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCCampaignStatusTrigger

    port = plain_http_server.server_address[1]
    _ten_dlc_basic(monkeypatch, f"127.0.0.1:{port}")
    trigger = Sinch10DLCCampaignStatusTrigger(
        campaign_registration_id=REG_ID,
        project_id=PROJECT_ID,
        sinch_conn_id="sinch_10dlc_default",
        poll_interval=3600,
        end_time=time.time() + 90 * 24 * 3600,
    )

    async def events() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    (event,) = asyncio.run(events())
    assert event["status"] == "error"
    assert event["message"].endswith(_tls_message(port))
    assert plain_http_server.connections == 1  # one handshake, no poll after it
