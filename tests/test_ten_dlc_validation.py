"""The 10DLC submit rules: one case per documented rule, all reported together, before any request."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.ten_dlc_validation import (
    apply_defaults,
    check_qualification,
    mno_violations,
    prepare_submit,
    qualification_violations,
    submit_violations,
)

DROP = object()


def valid_campaign(**overrides: Any) -> dict[str, Any]:
    """A submit request that meets every documented rule (shared by the 10DLC tests)."""
    campaign: dict[str, Any] = {
        "brandId": "BESINCH",
        "useCase": "MIXED",
        "subUseCases": ["2FA", "ACCOUNT_NOTIFICATION"],
        "campaignName": "Acme alerts",
        "description": "Acme sends one-time passcodes and account alerts to opted-in customers.",
        "sample1": "Acme: your code is 123456. Reply STOP to stop.",
        "sample2": "Acme: your order shipped. Reply STOP to stop.",
        "sample3": "",
        "stopMessage": "Acme: you are unsubscribed. No more messages.",
        "optInMessage": "Acme: subscribed. Msg & data rates may apply. Reply HELP for help, STOP to stop.",
        "helpMessage": "Acme: help at 555-0100. Reply STOP to stop.",
        "optinKeywords": "JOIN,Start",
        "optoutKeywords": "STOP,QUIT",
        "helpKeywords": "HELP",
        "messageFlow": "Customers tick an unchecked opt-in box at checkout on acme.example.",
    }
    for key, value in overrides.items():
        if value is DROP:
            campaign.pop(key, None)
        else:
            campaign[key] = value
    return campaign


REQUIRED = (
    "brandId",
    "useCase",
    "campaignName",
    "description",
    "sample1",
    "sample2",
    "sample3",
    "stopMessage",
    "optInMessage",
    "helpMessage",
    "optinKeywords",
    "optoutKeywords",
    "helpKeywords",
    "messageFlow",
)

RULES = [
    *(pytest.param({name: DROP}, name, "is required", id=f"{name}-required") for name in REQUIRED),
    pytest.param({"brandId": "B1234567X"}, "brandId", "at most 8 characters, got 9", id="brandId-at-most-8"),
    pytest.param({"brandId": "ESINCH"}, "brandId", "begin with 'B'", id="brandId-begins-with-B"),
    pytest.param({"brandId": "B-SINCH"}, "brandId", "alphanumeric", id="brandId-alphanumeric"),
    pytest.param({"useCase": "NEWSLETTER"}, "useCase", "'NEWSLETTER' is not a use case", id="useCase-enum"),
    pytest.param({"campaignName": "n" * 129}, "campaignName", "at most 128", id="campaignName-max-128"),
    pytest.param(
        {"description": "d" * 39}, "description", "40 to 4096 characters, got 39", id="description-min-40"
    ),
    pytest.param({"description": "d" * 4097}, "description", "40 to 4096", id="description-max-4096"),
    pytest.param({"sample1": "s" * 19}, "sample1", "20 to 1024 characters, got 19", id="sample1-min-20"),
    pytest.param({"sample1": "s" * 1025}, "sample1", "20 to 1024", id="sample1-max-1024"),
    pytest.param({"sample2": "s" * 1025}, "sample2", "at most 1024", id="sample2-max-1024"),
    pytest.param({"sample3": "s" * 1025}, "sample3", "at most 1024", id="sample3-max-1024"),
    pytest.param({"sample4": "s" * 1025}, "sample4", "at most 1024", id="sample4-max-1024"),
    pytest.param({"stopMessage": "s" * 19}, "stopMessage", "20 to 255", id="stopMessage-min-20"),
    pytest.param({"stopMessage": "s" * 256}, "stopMessage", "20 to 255", id="stopMessage-max-255"),
    pytest.param({"optInMessage": "o" * 19}, "optInMessage", "20 to 255", id="optInMessage-min-20"),
    pytest.param({"optInMessage": "o" * 256}, "optInMessage", "20 to 255", id="optInMessage-max-255"),
    pytest.param({"helpMessage": "h" * 19}, "helpMessage", "20 to 255", id="helpMessage-min-20"),
    pytest.param({"helpMessage": "h" * 256}, "helpMessage", "20 to 255", id="helpMessage-max-255"),
    pytest.param({"messageFlow": "m" * 39}, "messageFlow", "40 to 2048", id="messageFlow-min-40"),
    pytest.param({"messageFlow": "m" * 2049}, "messageFlow", "40 to 2048", id="messageFlow-max-2048"),
    pytest.param(
        {"optinKeywords": "A," * 127 + "AB"}, "optinKeywords", "at most 255", id="optinKeywords-max-255"
    ),
    pytest.param(
        {"optinKeywords": "JOIN, START"}, "optinKeywords", "without spaces", id="optinKeywords-no-spaces"
    ),
    pytest.param(
        {"optoutKeywords": "STOP,,QUIT"},
        "optoutKeywords",
        "separated by commas",
        id="optoutKeywords-no-empty",
    ),
    pytest.param({"helpKeywords": "HELP!"}, "helpKeywords", "alphanumeric", id="helpKeywords-alphanumeric"),
    pytest.param(
        {"subUseCases": ["2FA", "LOW_VOLUME"]},
        "subUseCases",
        "['LOW_VOLUME'] are not sub use cases",
        id="subUseCases-enum",
    ),
    pytest.param(
        {"subUseCases": ["2FA"]}, "subUseCases", "MIXED campaign needs 2 to 5", id="MIXED-at-least-2"
    ),
    pytest.param(
        {
            "subUseCases": [
                "2FA",
                "MARKETING",
                "FRAUD_ALERT",
                "CUSTOMER_CARE",
                "SECURITY_ALERT",
                "POLLING_VOTING",
            ]
        },
        "subUseCases",
        "needs 2 to 5 sub use cases, got 6",
        id="MIXED-at-most-5",
    ),
    pytest.param({"subUseCases": "2FA,MARKETING"}, "subUseCases", "must be a list", id="subUseCases-list"),
    pytest.param({"autoRenewal": "yes"}, "autoRenewal", "true or false", id="boolean-type"),
    pytest.param({"sample1": 12345678901234567890}, "sample1", "must be a string", id="string-type"),
    pytest.param(
        {"optInKeywords": "JOIN"}, "optInKeywords", "did you mean 'optinKeywords'", id="unknown-field-casing"
    ),
    pytest.param(
        {"affiliateMarketing": False}, "affiliateMarketing", "not a field of the submit", id="unknown-field"
    ),
]


def test_a_valid_campaign_breaks_no_rule() -> None:
    assert submit_violations(apply_defaults(valid_campaign())) == []


@pytest.mark.parametrize(("change", "field", "fragment"), RULES)
def test_each_documented_rule(change: dict[str, Any], field: str, fragment: str) -> None:
    problems = submit_violations(apply_defaults(valid_campaign(**change)))

    assert [f for f, _ in problems] == [field]
    assert fragment in problems[0][1]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"description": "d" * 40}, id="description-40"),
        pytest.param({"description": "d" * 4096}, id="description-4096"),
        pytest.param({"sample1": "s" * 20, "stopMessage": "s" * 255}, id="sample1-20-stop-255"),
        pytest.param({"brandId": "B1234567"}, id="brandId-8"),
        pytest.param({"useCase": "2FA", "subUseCases": DROP}, id="not-MIXED-without-sub-use-cases"),
        pytest.param(
            {"subUseCases": ["2FA", "MARKETING", "FRAUD_ALERT", "CUSTOMER_CARE", "SECURITY_ALERT"]},
            id="MIXED-5",
        ),
        pytest.param({"optinKeywords": "", "sample4": "s"}, id="empty-keywords-and-short-sample4"),
        pytest.param({"vertical": "RETAIL"}, id="deprecated-vertical"),
    ],
)
def test_values_on_the_bounds_are_accepted(change: dict[str, Any]) -> None:
    assert submit_violations(apply_defaults(valid_campaign(**change))) == []


def test_every_violation_is_reported_together_before_sending() -> None:
    campaign = valid_campaign(brandId="XYZ", description="too short", helpMessage=DROP, subUseCases=["2FA"])

    with pytest.raises(SinchValidationError) as err:
        prepare_submit(campaign, context="submit_campaign")

    assert err.value.fields == ["description", "helpMessage", "brandId", "subUseCases"]
    message = str(err.value)
    assert message.startswith("submit_campaign: 4 problems found before sending:")
    assert "description: must be 40 to 4096 characters, got 9" in message


def test_documented_boolean_defaults_are_filled_in_and_rendered_strings_become_booleans() -> None:
    body = prepare_submit(
        valid_campaign(embeddedLink="True", numberPool=DROP, subUseCases=("2FA", "MARKETING"))
    )

    assert body["embeddedLink"] is True
    assert body["numberPool"] is False
    assert body["autoRenewal"] is True
    assert body["subscriberOptIn"] is body["subscriberOptOut"] is body["subscriberHelp"] is True
    assert body["ageGated"] is body["directLending"] is body["embeddedPhone"] is False
    assert body["subUseCases"] == ["2FA", "MARKETING"]


def test_a_campaign_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(SinchValidationError, match="campaign: must be a mapping"):
        prepare_submit(["brandId", "BESINCH"])  # type: ignore[arg-type]


def test_the_deprecated_vertical_is_sent_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        body = prepare_submit(valid_campaign(vertical="RETAIL"))

    assert body["vertical"] == "RETAIL"
    assert "vertical is deprecated" in caplog.text


@pytest.mark.parametrize(
    ("mnos", "expected"),
    [
        pytest.param(None, [], id="none-means-all"),
        pytest.param([], [], id="empty-means-all"),
        pytest.param(["ATT", "VZW"], [], id="known"),
        pytest.param(["ATT", "SPRINT"], [("mnos", "['SPRINT'] are not MNOs")], id="unknown"),
        pytest.param("ATT", [("mnos", "must be a list")], id="string"),
    ],
)
def test_resubmit_mnos(mnos: Any, expected: list[tuple[str, str]]) -> None:
    problems = mno_violations(mnos)

    assert [f for f, _ in problems] == [f for f, _ in expected]
    for (_, message), (_, fragment) in zip(problems, expected, strict=True):
        assert fragment in message


QUALIFICATION = {
    "useCase": "MIXED",
    "minSubUseCases": 2,
    "maxSubUseCases": 5,
    "mnoMetadata": {
        "10017": {"mno": "AT&T", "qualify": True, "mnoSupport": True},
        "10035": {"mno": "T-Mobile", "qualify": False, "mnoSupport": True},
        "10037": {"mno": "Verizon Wireless", "qualify": True},
    },
}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"sub_use_cases": ["2FA", "MARKETING"]}, [], id="bounds-met"),
        pytest.param(
            {"sub_use_cases": ["2FA"]}, ["MIXED takes 2 to 5 sub use cases; 1 given"], id="below-min"
        ),
        pytest.param({"required_mnos": ["ATT", "VZW"]}, [], id="codes-match-mno-names"),
        pytest.param({"required_mnos": ["10017", "Verizon Wireless"]}, [], id="network-id-and-name"),
        pytest.param(
            {"required_mnos": ["TMO"]},
            ["TMO (network 10035) would not carry this campaign: qualify is false"],
            id="mno-does-not-qualify",
        ),
        pytest.param({"required_mnos": ["USC"]}, [], id="mno-missing-is-unchecked-not-failed"),
        pytest.param(
            {"sub_use_cases": ["2FA"], "required_mnos": ["TMO"]},
            ["MIXED takes 2 to 5", "TMO (network 10035)"],
            id="both-reported-together",
        ),
    ],
)
def test_qualification_violations(kwargs: dict[str, Any], expected: list[str]) -> None:
    problems = qualification_violations(QUALIFICATION, **kwargs)

    assert len(problems) == len(expected)
    for (_, message), fragment in zip(problems, expected, strict=True):
        assert fragment in message


@pytest.mark.parametrize(
    ("qualification", "kwargs", "unchecked"),
    [
        pytest.param(
            QUALIFICATION,
            {"required_mnos": ["USC"]},
            ["USC matches no mnoMetadata key ['10017', '10035', '10037']"],
            id="unknown-network",
        ),
        pytest.param(
            {"mnoMetadata": {"10017": {"tpm": 240}}},
            {"required_mnos": ["ATT"]},
            ["ATT (network 10017): its metadata has no qualify / mnoSupport flag"],
            id="entry-without-flags",
        ),
        pytest.param(
            {"useCase": "MIXED"},
            {"required_mnos": ["ATT", "TMO"]},
            ["the answer has no mnoMetadata: whether ['ATT', 'TMO'] carry it is unchecked"],
            id="no-metadata",
        ),
        pytest.param(
            {"useCase": "MIXED"},
            {"sub_use_cases": ["2FA"]},
            ["the answer gives no minSubUseCases / maxSubUseCases"],
            id="no-bounds",
        ),
        pytest.param(QUALIFICATION, {"required_mnos": ["ATT", "10037"]}, [], id="flags-read-when-present"),
    ],
)
def test_undocumented_metadata_is_reported_unchecked_never_failed_nor_passed_silently(
    qualification: dict[str, Any], kwargs: dict[str, Any], unchecked: list[str], caplog: Any
) -> None:
    check = check_qualification(qualification, **kwargs)

    assert check.problems == []
    assert len(check.unchecked) == len(unchecked)
    for (_, message), fragment in zip(check.unchecked, unchecked, strict=True):
        assert fragment in message
    with caplog.at_level("WARNING"):
        assert qualification_violations(qualification, **kwargs) == []
    assert [r.getMessage() for r in caplog.records if "not checked" in r.getMessage()] == [
        f"Qualification not checked: {name}: {message}" for name, message in check.unchecked
    ]
