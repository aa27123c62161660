"""Connections saved from Airflow's form work: no masked extra key, the OAuth2 URL read from
``oauth_url`` or the old ``token_url``, a ``***`` left by the old form ignored, the port kept."""

from __future__ import annotations

import logging

import pytest
from airflow._shared.secrets_masker import DEFAULT_SENSITIVE_FIELDS

from airflow_provider_sinch import get_provider_info
from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook
from tests.conftest import KEY_ID, KEY_SECRET, PROJECT_ID, set_connection

CONNECTION_TYPES = get_provider_info()["connection-types"]
DEFAULT_TOKEN_URL = "https://auth.sinch.com/oauth2/token"
CUSTOM_TOKEN_URL = "https://auth.internal/oauth2/token"
CARRIERS = "https://usshortcode.api.sinch.com/v1/projects/proj-123/campaigns/carriers"
REGISTRATIONS = "https://us10dlc.numbers.api.sinch.com/v1/projects/proj-123/campaignRegistrations"


@pytest.mark.parametrize("conn", CONNECTION_TYPES, ids=lambda c: c["connection-type"])
def test_no_form_field_is_masked_by_airflow(conn):
    """Airflow's API server masks extra keys containing a sensitive word, defaults included."""
    masked = {
        key for key in conn["conn-fields"] if any(word in key.lower() for word in DEFAULT_SENSITIVE_FIELDS)
    }
    assert masked == set()


@pytest.mark.parametrize("conn", CONNECTION_TYPES, ids=lambda c: c["connection-type"])
def test_the_port_field_is_shown(conn):
    """Airflow 3.3's Test button refuses a connection whose port is empty (it sends 0)."""
    behaviour = conn["ui-field-behaviour"]
    assert "port" not in behaviour["hidden-fields"]
    assert behaviour["placeholders"]["port"] == "443"


def _short_code(monkeypatch, extra, **fields):
    set_connection(
        monkeypatch,
        "sc_form",
        conn_type="sinch_us_short_code",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, **extra},
        **fields,
    )
    return SinchShortCodeHook("sc_form")


def _ten_dlc(monkeypatch, extra):
    set_connection(
        monkeypatch,
        "tdlc_form",
        conn_type="sinch_10dlc",
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, "auth": "oauth2", **extra},
    )
    return Sinch10DLCHook("tdlc_form")


@pytest.mark.parametrize(
    ("extra", "token_url"),
    [
        ({"oauth_url": CUSTOM_TOKEN_URL}, CUSTOM_TOKEN_URL),
        ({"token_url": CUSTOM_TOKEN_URL}, CUSTOM_TOKEN_URL),
        ({"oauth_url": CUSTOM_TOKEN_URL, "token_url": "https://old.example/token"}, CUSTOM_TOKEN_URL),
        ({"oauth_url": "", "token_url": CUSTOM_TOKEN_URL}, CUSTOM_TOKEN_URL),
        ({"oauth_url": "***", "token_url": CUSTOM_TOKEN_URL}, CUSTOM_TOKEN_URL),
        ({"token_url": "***"}, DEFAULT_TOKEN_URL),
        ({}, DEFAULT_TOKEN_URL),
    ],
    ids=["oauth_url", "legacy-token_url", "oauth_url-wins", "blank-oauth_url", "masked-oauth_url",
         "masked-token_url", "neither"],
)  # fmt: skip
@pytest.mark.parametrize("api", ["short_code", "ten_dlc"])
def test_the_test_button_gets_a_token_from_the_resolved_url(
    monkeypatch, requests_mock, api, extra, token_url
):
    token = requests_mock.post(token_url, json={"access_token": "t", "expires_in": 3600})
    if api == "short_code":
        route = requests_mock.get(CARRIERS, json=[{"id": "1", "name": "AT&T"}])
        hook = _short_code(monkeypatch, extra)
        expected = "Listed 1 carriers for project proj-123."
    else:
        route = requests_mock.get(REGISTRATIONS, json={"campaignRegistrations": [], "totalSize": 0})
        hook = _ten_dlc(monkeypatch, extra)
        expected = "Listed the campaign registrations of project proj-123 (0 registrations)."

    assert hook.test_connection() == (True, expected)
    assert token.call_count == 1
    assert route.last_request.headers["Authorization"] == "Bearer t"


def test_a_masked_value_is_reported_with_the_field_to_retype(monkeypatch, requests_mock, caplog):
    requests_mock.post(DEFAULT_TOKEN_URL, json={"access_token": "t", "expires_in": 3600})
    requests_mock.get(CARRIERS, json=[])

    with caplog.at_level(logging.WARNING, logger="airflow_provider_sinch._conn_extra"):
        _short_code(monkeypatch, {"token_url": "***"}).get_carriers()

    assert "'token_url' holds '***'" in caplog.text
    assert "Retype the 'OAuth2 token URL' field" in caplog.text


def test_a_port_typed_in_the_form_is_used(monkeypatch, requests_mock):
    """The form's port (443 for Sinch) joins the default host, or a host typed without one."""
    requests_mock.post(DEFAULT_TOKEN_URL, json={"access_token": "t", "expires_in": 3600})
    route = requests_mock.get(CARRIERS.replace(".com/", ".com:443/"), json=[])

    _short_code(monkeypatch, {}, port=443).get_carriers()

    assert route.called
