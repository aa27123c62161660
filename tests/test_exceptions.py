"""Error messages: what the user reads must say what went wrong, and nothing that was not given."""

from __future__ import annotations

import base64
import copy
import inspect
import json
import multiprocessing
import pickle
from typing import Any

import pytest
import requests

from airflow_provider_sinch import exceptions
from airflow_provider_sinch._compat import AirflowException
from airflow_provider_sinch.exceptions import (
    SinchApiError,
    SinchAuthError,
    SinchBadRequestError,
    SinchError,
    SinchNotFoundError,
    SinchOutcomeUnknownError,
    SinchRateLimitError,
    SinchResponseFormatError,
    SinchServerError,
    SinchTerminalStatusError,
    SinchTLSError,
    SinchTransportError,
    SinchValidationError,
    SinchWaitTimeout,
)
from airflow_provider_sinch.hooks.campaign import SinchCampaignHook
from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
from tests.conftest import (
    CAMPAIGN_HOST,
    KEY_ID,
    KEY_SECRET,
    PROJECT_ID,
    SECRET_KEY,
    SHORT_CODE_HOST,
    TOKEN_URL,
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


# --- Errors travel: pickle, deepcopy, Airflow's serializer ------------------------------------------
#: Every exception class ``exceptions.py`` defines, found by introspection: a new class is covered
#: by the tests below as soon as it exists (and fails them until it has an example).
ALL_CLASSES = sorted(
    (
        obj
        for obj in vars(exceptions).values()
        if isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == exceptions.__name__
    ),
    key=lambda cls: cls.__name__,
)

_API_KWARGS: dict[str, Any] = {
    "method": "POST",
    "path": "/v1/projects/proj-123/campaigns/01HXCAMPAIGN/submit",
    "request_id": "5c2a9a3e-1f7b-4a51-9a0c-6f2e3d1b7a11",
}

#: One realistic construction per class: ``(args, kwargs)`` as the provider itself raises them,
#: with every constructor argument given a value that is not its default.
EXAMPLES: dict[type[BaseException], tuple[tuple[Any, ...], dict[str, Any]]] = {
    SinchError: (("The Sinch connection 'sinch_campaign_default' has no host",), {}),
    SinchValidationError: (
        (
            [
                ("contacts", "holds 1001 recipients; the API takes at most 1000 per request"),
                ("send_date", "must be in the future"),
            ],
        ),
        {"context": "CreateCampaign"},
    ),
    SinchApiError: (
        ("Teapot",),
        {**_API_KWARGS, "status_code": 418, "errors": {"reason": "short and stout"}, "field_violations": []},
    ),
    SinchAuthError: (
        ("invalid_client: Client authentication failed",),
        {**_API_KWARGS, "status_code": 401, "errors": None, "field_violations": []},
    ),
    SinchNotFoundError: (
        ("NOT_FOUND: campaign 01HXCAMPAIGN not found",),
        {**_API_KWARGS, "status_code": 404, "errors": [], "field_violations": []},
    ),
    SinchBadRequestError: (
        ("INVALID_ARGUMENT: Registration validation error",),
        {
            **_API_KWARGS,
            "status_code": 400,
            "errors": [
                {
                    "@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [
                        {"field": "carrierIds", "description": "Carrier Id 123 does not exist."}
                    ],
                }
            ],
            "field_violations": [{"field": "carrierIds", "description": "Carrier Id 123 does not exist."}],
        },
    ),
    SinchRateLimitError: (
        ("Too many requests",),
        {**_API_KWARGS, "status_code": 429, "errors": "Too many requests", "field_violations": []},
    ),
    SinchServerError: (
        ("UNAVAILABLE: try again later",),
        {**_API_KWARGS, "status_code": 503, "errors": [{"reason": "maintenance"}], "field_violations": []},
    ),
    SinchResponseFormatError: (
        ("answered a body that is not a JSON object (text/html; charset=utf-8)",),
        {
            "method": "GET",
            "path": "/v1/projects/proj-123/campaigns/01HXCAMPAIGN",
            "request_id": None,
            "status_code": 200,
            "errors": None,
            "field_violations": [],
            "content_type": "text/html; charset=utf-8",
        },
    ),
    SinchOutcomeUnknownError: (
        (
            "Submitting campaign 01HXCAMPAIGN: the answer was unclear (HTTP 503) and Sinch shows no "
            "result yet. Failing this try rather than risk doing it twice; the next try looks at "
            "Sinch again before acting.",
        ),
        {},
    ),
    SinchTransportError: (
        (
            "POST /v1/campaign/sendsms failed after 0 retries: ReadTimeout "
            "(the request may have reached Sinch; check its state before repeating it)",
        ),
        {"maybe_delivered": True},
    ),
    SinchTLSError: (
        (
            "GET /v1/campaigns/c1 failed: the TLS handshake with https://127.0.0.1:8080 failed; is the "
            "server plain http? put http:// in the connection's host (Sinch was not reached; not retried)",
        ),
        {"maybe_delivered": False},
    ),
    SinchTerminalStatusError: (
        ("10DLC campaign 01HXCAMPAIGN", "REJECTED", "TCR: brand mismatch; fix the brand name"),
        {},
    ),
    SinchWaitTimeout: (
        ("Timed out waiting on Campaign c1 (last status 'sending')",),
        {"resource": "Campaign c1", "status": "sending"},
    ),
}


def _example(cls: type[BaseException]) -> BaseException:
    args, kwargs = EXAMPLES[cls]
    return cls(*args, **kwargs)


def _same(copied: BaseException, original: BaseException) -> None:
    assert type(copied) is type(original)
    assert str(copied) == str(original)
    assert copied.args == original.args
    assert vars(copied) == vars(original)


def _pickled(err: BaseException, protocol: int = pickle.HIGHEST_PROTOCOL) -> BaseException:
    return pickle.loads(pickle.dumps(err, protocol=protocol))  # type: ignore[no-any-return]


def _airflow_serialized(err: BaseException) -> BaseException:
    from airflow.serialization.serialized_objects import BaseSerialization

    encoded = json.loads(json.dumps(BaseSerialization.serialize(err)))  # as stored: plain JSON
    return BaseSerialization.deserialize(encoded)  # type: ignore[no-any-return]


def test_every_class_has_an_example() -> None:
    assert set(EXAMPLES) == set(ALL_CLASSES)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_example_gives_every_constructor_argument(cls: type[BaseException]) -> None:
    """So that an argument added later cannot escape the round-trip tests."""
    args, kwargs = EXAMPLES[cls]
    try:
        signature = inspect.signature(cls)
    except ValueError:  # BaseException's own __init__: the message is the only argument
        assert len(args) == 1
        assert kwargs == {}
        return
    bound = signature.bind(*args, **kwargs)
    named = {
        name
        for name, param in signature.parameters.items()
        if param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
    }
    assert named <= set(bound.arguments)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "travel",
    [
        *(lambda e, p=p: _pickled(e, p) for p in range(pickle.HIGHEST_PROTOCOL + 1)),
        copy.deepcopy,
        copy.copy,
        _airflow_serialized,
    ],
    ids=[*(f"pickle-{p}" for p in range(pickle.HIGHEST_PROTOCOL + 1)), "deepcopy", "copy", "airflow-serde"],
)
def test_error_travels_unchanged(cls: type[BaseException], travel: Any) -> None:
    original = _example(cls)
    once = travel(original)
    _same(once, original)
    # A second and third trip change nothing either (no prefix gained on each round trip).
    _same(travel(travel(once)), original)


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_serialize_rebuilds_with_the_constructor(cls: type[BaseException]) -> None:
    original = _example(cls)
    path, args, kwargs = original.serialize()  # type: ignore[attr-defined]
    assert path == f"airflow_provider_sinch.exceptions.{cls.__name__}"
    _same(cls(*args, **kwargs), original)


def test_pickled_api_error_keeps_its_message_and_attributes() -> None:
    err = _pickled(_pickled(_example(SinchBadRequestError)))
    assert isinstance(err, SinchBadRequestError)
    assert str(err) == (
        "POST /v1/projects/proj-123/campaigns/01HXCAMPAIGN/submit failed with HTTP 400: "
        "INVALID_ARGUMENT: Registration validation error"
        "\n  - carrierIds: Carrier Id 123 does not exist."
        " (request id 5c2a9a3e-1f7b-4a51-9a0c-6f2e3d1b7a11)"
    )
    assert err.status_code == 400
    assert err.api_message == "INVALID_ARGUMENT: Registration validation error"
    assert err.field_violations == [{"field": "carrierIds", "description": "Carrier Id 123 does not exist."}]


def test_deep_copied_transport_error_keeps_maybe_delivered() -> None:
    err = copy.deepcopy(SinchTransportError("POST /v1/campaign/sendsms failed", maybe_delivered=True))
    assert err.maybe_delivered is True
    assert exceptions.outcome_unknown(err)


def test_notes_added_to_an_error_travel_too() -> None:
    err = _example(SinchTerminalStatusError)
    err.add_note("while waiting for 'VERIFIED'")
    assert _pickled(err).__notes__ == ["while waiting for 'VERIFIED'"]


def _raise_in_child(kind: str) -> None:
    if kind == "transport":
        raise SinchTransportError("POST /v1/campaign/sendsms failed", maybe_delivered=True)
    raise SinchNotFoundError("Campaign not found", status_code=404, method="GET", path="/v1/campaigns/x")


@pytest.mark.parametrize("kind", ["transport", "not-found"])
def test_error_raised_in_another_process_arrives_intact(kind: str) -> None:
    # A class that does not unpickle leaves ``get`` waiting forever: bound it.
    with multiprocessing.get_context("fork").Pool(1) as pool, pytest.raises(SinchError) as info:
        pool.apply_async(_raise_in_child, (kind,)).get(timeout=30)
    if kind == "transport":
        assert type(info.value) is SinchTransportError
        assert info.value.maybe_delivered is True
        assert str(info.value) == "POST /v1/campaign/sendsms failed"
    else:
        assert type(info.value) is SinchNotFoundError
        assert str(info.value) == "GET /v1/campaigns/x failed with HTTP 404: Campaign not found"


# --- No secret in any error -------------------------------------------------------------------------
CAMPAIGN_TOKEN_URL = f"{CAMPAIGN_HOST}/v1/token"
CAMPAIGN_GET_URL = f"{CAMPAIGN_HOST}/v1/campaigns/c1"
SHORT_CODE_CAMPAIGN_URL = f"{SHORT_CODE_HOST}/v1/projects/{PROJECT_ID}/campaigns/01HX"
BEARER = "bearer-token-that-must-stay-secret"
#: Everything a request carries in its headers: secret key, key secret, Basic credential, bearer token.
SECRETS = [
    SECRET_KEY,
    KEY_SECRET,
    base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode(),
    BEARER,
]


def _campaign_call(requests_mock: Any, answer: dict[str, Any], token: dict[str, Any] | None = None) -> None:
    requests_mock.post(CAMPAIGN_TOKEN_URL, **(token or {"json": {"access_token": BEARER, "success": True}}))
    requests_mock.get(CAMPAIGN_GET_URL, **answer)
    SinchCampaignHook().get_campaign("c1")


def _short_code_call(requests_mock: Any, answer: dict[str, Any], token: dict[str, Any] | None = None) -> None:
    requests_mock.post(TOKEN_URL, **(token or {"json": {"access_token": BEARER, "expires_in": 3600}}))
    requests_mock.get(SHORT_CODE_CAMPAIGN_URL, **answer)
    SinchShortCodeHook().get_campaign("01HX")


_OK = {"json": {}}
_LEAK_CASES = [
    (
        "campaign-token-refused",
        _campaign_call,
        _OK,
        {"status_code": 401, "json": {"errors": "Invalid secret key"}},
    ),
    ("campaign-401", _campaign_call, {"status_code": 401, "json": {"errors": "Invalid access token"}}, None),
    (
        "campaign-400",
        _campaign_call,
        {"status_code": 400, "json": {"errors": {"campaign_uuid": ["unknown"]}}},
        None,
    ),
    ("campaign-503", _campaign_call, {"status_code": 503, "text": "<html>Maintenance</html>"}, None),
    (
        "campaign-read-timeout",
        _campaign_call,
        {"exc": requests.exceptions.ReadTimeout("read timed out")},
        None,
    ),
    (
        "campaign-refused",
        _campaign_call,
        {"exc": requests.exceptions.ConnectionError(f"Max retries exceeded with url: {CAMPAIGN_GET_URL}")},
        None,
    ),
    (
        "oauth-token-refused",
        _short_code_call,
        _OK,
        {"status_code": 401, "json": {"error": "invalid_client", "error_description": "bad credentials"}},
    ),
    (
        "short-code-404",
        _short_code_call,
        {"status_code": 404, "json": {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}},
        None,
    ),
    (
        "short-code-500",
        _short_code_call,
        {"status_code": 500, "json": {"code": 13, "message": "internal"}},
        None,
    ),
]


@pytest.mark.parametrize(
    ("call", "answer", "token"), [case[1:] for case in _LEAK_CASES], ids=[case[0] for case in _LEAK_CASES]
)
def test_no_error_carries_a_credential(
    campaign_conn: str,
    short_code_conn: str,
    requests_mock: Any,
    call: Any,
    answer: dict[str, Any],
    token: Any,
) -> None:
    with pytest.raises(SinchError) as info:
        call(requests_mock, answer, token)

    chain: list[BaseException] = []
    err: BaseException | None = info.value
    while err is not None and len(chain) < 10:
        chain.append(err)
        err = err.__cause__ or err.__context__
    for link in chain:
        seen = [str(link), repr(link), repr(link.args), repr(vars(link))]
        if isinstance(link, SinchError):
            seen += [repr(link.serialize()), repr(pickle.dumps(link))]
        for secret in SECRETS:
            assert not any(secret in text for text in seen), (secret, type(link).__name__)
