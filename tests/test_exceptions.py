"""Error messages: what the user reads must say what went wrong, and nothing that was not given."""

from __future__ import annotations

import pytest
from airflow.sdk.exceptions import AirflowException

from airflow_provider_sinch.exceptions import (
    SinchApiError,
    SinchAuthError,
    SinchBadRequestError,
    SinchError,
    SinchNotFoundError,
    SinchRateLimitError,
    SinchServerError,
    SinchTerminalStatusError,
    SinchTransportError,
    SinchValidationError,
    SinchWaitTimeout,
)


# --- SinchValidationError ------------------------------------------------------------------------
def test_validation_error_lists_all_violations() -> None:
    err = SinchValidationError(
        [
            ("campaign_id", "is required"),
            ("contacts", "holds 1001 recipients; the API takes at most 1000 per request"),
            ("send_date", "must be in the future"),
        ]
    )
    assert str(err) == (
        "3 problems found before sending:\n"
        "  - campaign_id: is required\n"
        "  - contacts: holds 1001 recipients; the API takes at most 1000 per request\n"
        "  - send_date: must be in the future"
    )
    assert err.fields == ["campaign_id", "contacts", "send_date"]
    assert len(err.violations) == 3


def test_validation_error_single_violation() -> None:
    err = SinchValidationError([("name", "is required")])
    assert str(err) == "name: is required"
    assert err.fields == ["name"]


def test_validation_error_from_a_sentence() -> None:
    err = SinchValidationError("give sender and message together")
    assert str(err) == "give sender and message together"
    assert err.violations == [("", "give sender and message together")]


def test_validation_error_with_context() -> None:
    single = SinchValidationError([("brandId", "is required")], context="SubmitCampaign")
    assert str(single) == "SubmitCampaign: brandId: is required"
    many = SinchValidationError([("a", "x"), ("", "y")], context="SubmitCampaign")
    assert str(many) == "SubmitCampaign: 2 problems found before sending:\n  - a: x\n  - y"


def test_validation_error_is_a_value_error_and_an_airflow_error() -> None:
    err = SinchValidationError([("a", "b")])
    assert isinstance(err, ValueError)
    assert isinstance(err, SinchError)
    assert isinstance(err, AirflowException)


# --- SinchApiError -------------------------------------------------------------------------------
def test_api_error_message_lists_field_violations_and_request_id() -> None:
    err = SinchBadRequestError(
        "INVALID_ARGUMENT: Registration validation error",
        status_code=400,
        method="POST",
        path="/v1/projects/p/campaigns",
        errors=[{"type": "BadRequest"}],
        field_violations=[
            {"field": "carrierIds", "description": "Carrier Id 123 does not exist."},
            {"field": "name", "message": "too long"},
            {"description": "no field"},
        ],
        request_id="req-7",
    )
    assert str(err) == (
        "POST /v1/projects/p/campaigns failed with HTTP 400: INVALID_ARGUMENT: Registration validation error"
        "\n  - carrierIds: Carrier Id 123 does not exist."
        "\n  - name: too long"
        "\n  - ?: no field"
        " (request id req-7)"
    )
    assert err.status_code == 400
    assert err.request_id == "req-7"
    assert err.errors == [{"type": "BadRequest"}]
    assert err.api_message == "INVALID_ARGUMENT: Registration validation error"


def test_api_error_message_without_optional_parts() -> None:
    err = SinchNotFoundError("Campaign not found", status_code=404, method="GET", path="/v1/campaigns/x")
    text = str(err)
    assert text == "GET /v1/campaigns/x failed with HTTP 404: Campaign not found"
    for absent in ("request id", "None", "\n  -"):
        assert absent not in text
    assert err.field_violations == []
    assert err.errors is None


def test_api_error_without_endpoint_says_sinch_api() -> None:
    err = SinchServerError("boom", status_code=503)
    assert str(err) == "Sinch API failed with HTTP 503: boom"


@pytest.mark.parametrize(
    "err",
    [
        SinchApiError("something odd"),
        SinchAuthError("The Campaign API connection needs the secret key in its password field."),
    ],
    ids=["api-error", "auth-config-error"],
)
def test_api_error_without_status_does_not_say_none(err: SinchApiError) -> None:
    assert "None" not in str(err)
    assert str(err).endswith(err.api_message)


@pytest.mark.parametrize(
    "cls",
    [SinchAuthError, SinchNotFoundError, SinchBadRequestError, SinchRateLimitError, SinchServerError],
    ids=lambda c: c.__name__,
)
def test_api_error_family(cls: type[SinchApiError]) -> None:
    err = cls("x", status_code=418)
    assert isinstance(err, SinchApiError)
    assert isinstance(err, SinchError)
    assert isinstance(err, AirflowException)
    assert not isinstance(err, SinchTransportError)


# --- Transport, terminal status and timeout ------------------------------------------------------
@pytest.mark.parametrize("maybe_delivered", [True, False], ids=["maybe-delivered", "not-delivered"])
def test_transport_error(maybe_delivered: bool) -> None:
    err = SinchTransportError("POST /v1/x failed", maybe_delivered=maybe_delivered)
    assert str(err) == "POST /v1/x failed"
    assert err.maybe_delivered is maybe_delivered
    assert not isinstance(err, SinchApiError)


def test_terminal_status_error_names_status_and_reason() -> None:
    err = SinchTerminalStatusError(
        "10DLC campaign 01HX", "REJECTED", "TCR: brand mismatch; fix the brand name"
    )
    assert (
        str(err)
        == "10DLC campaign 01HX reached terminal status 'REJECTED': TCR: brand mismatch; fix the brand name"
    )
    assert (err.resource, err.status, err.reason) == (
        "10DLC campaign 01HX",
        "REJECTED",
        "TCR: brand mismatch; fix the brand name",
    )


@pytest.mark.parametrize("reason", [None, ""], ids=["none", "empty"])
def test_terminal_status_error_without_reason(reason: str | None) -> None:
    err = SinchTerminalStatusError("Campaign c1", "CANCELLED", reason)
    assert str(err) == "Campaign c1 reached terminal status 'CANCELLED'"


def test_wait_timeout() -> None:
    err = SinchWaitTimeout("The wait reached its deadline before a target status.")
    assert isinstance(err, SinchError)
    assert str(err) == "The wait reached its deadline before a target status."
