"""Status sets of the three APIs, the one classification function, and poll results."""

from __future__ import annotations

import json
import logging
from enum import Enum
from typing import Any

import pytest

from airflow_provider_sinch import statuses as st
from airflow_provider_sinch.statuses import (
    CampaignStatus,
    CarrierOrderStatus,
    PollResult,
    ShortCodeCampaignStatus,
    TenDLCCampaignStatus,
    TenDLCLastActionStatus,
    classify,
    validate_statuses,
)

# (enum, success, failure, pending): every status family of the three APIs.
FAMILIES = [
    (CampaignStatus, st.CAMPAIGN_SUCCESS, st.CAMPAIGN_FAILURE, st.CAMPAIGN_PENDING),
    (ShortCodeCampaignStatus, st.SHORT_CODE_SUCCESS, st.SHORT_CODE_FAILURE, st.SHORT_CODE_PENDING),
    (CarrierOrderStatus, st.CARRIER_ORDER_SUCCESS, st.CARRIER_ORDER_FAILURE, st.CARRIER_ORDER_PENDING),
    (TenDLCCampaignStatus, st.TEN_DLC_SUCCESS, st.TEN_DLC_FAILURE, st.TEN_DLC_PENDING),
    (TenDLCLastActionStatus, st.RESUBMIT_SUCCESS, st.RESUBMIT_FAILURE, st.RESUBMIT_PENDING),
]
FAMILY_IDS = [f[0].__name__ for f in FAMILIES]


@pytest.mark.parametrize(("enum", "success", "failure", "pending"), FAMILIES, ids=FAMILY_IDS)
def test_sets_partition_their_enum(
    enum: type[Enum], success: frozenset[Enum], failure: frozenset[Enum], pending: frozenset[Enum]
) -> None:
    assert not success & failure
    assert not success & pending
    assert not failure & pending
    assert success | failure | pending == frozenset(enum)
    assert success, "a wait needs at least one status to succeed on"


@pytest.mark.parametrize(("enum", "success", "failure", "pending"), FAMILIES, ids=FAMILY_IDS)
def test_every_status_classifies_as_its_set_says(
    enum: type[Enum], success: frozenset[Enum], failure: frozenset[Enum], pending: frozenset[Enum]
) -> None:
    for status in enum:
        expected = "success" if status in success else "failure" if status in failure else "pending"
        assert classify(status.value, success=success, failure=failure, known=enum) == expected


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (CampaignStatus, {"draft", "scheduled", "sending", "sent"}),
        (
            TenDLCCampaignStatus,
            {
                "SINCH_REVIEW",
                "SINCH_APPROVED",
                "SINCH_REJECTED",
                "SUBMITTED",
                "APPROVED",
                "ACTIVE",
                "EXPIRED",
                "REJECTED",
                "SUBMISSION_FAILED",
            },
        ),
    ],
    ids=["campaign-lowercase", "10dlc"],
)
def test_enum_values_are_the_documents_strings(enum: type[Enum], values: set[str]) -> None:
    assert {s.value for s in enum} == values


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("sent", "success"),
        ("sending", "pending"),
        ("draft", "pending"),
        ("scheduled", "pending"),
        ("SENT", "pending"),  # the Campaign API's statuses are lowercase
        (None, "pending"),
    ],
    ids=["sent", "sending", "draft", "scheduled", "wrong-case", "none"],
)
def test_classify_campaign(status: str | None, expected: str) -> None:
    assert (
        classify(status, success=st.CAMPAIGN_SUCCESS, failure=st.CAMPAIGN_FAILURE, known=CampaignStatus)
        == expected
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("APPROVED", "success"),
        ("ACTIVE", "success"),
        ("REJECTED", "failure"),
        ("SINCH_REJECTED", "failure"),
        ("EXPIRED", "failure"),
        ("SUBMISSION_FAILED", "failure"),
        ("SINCH_REVIEW", "pending"),
        ("SINCH_APPROVED", "pending"),
        ("SUBMITTED", "pending"),
    ],
    ids=str.lower,
)
def test_classify_ten_dlc(status: str, expected: str) -> None:
    assert classify(
        status, success=st.TEN_DLC_SUCCESS, failure=st.TEN_DLC_FAILURE, known=TenDLCCampaignStatus
    ) == (expected)


def test_classify_user_sets_as_strings_or_enums() -> None:
    assert classify("SUBMITTED", success=["SUBMITTED"], failure=[]) == "success"
    assert classify("SUBMITTED", success=[TenDLCCampaignStatus.SUBMITTED], failure=[]) == "success"
    assert classify("ACTIVE", success=["APPROVED"], failure={TenDLCCampaignStatus.ACTIVE}) == "failure"


def test_classify_unknown_status_is_pending_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_provider_sinch.statuses")
    outcome = classify(
        "ARCHIVED",
        success=st.SHORT_CODE_SUCCESS,
        failure=st.SHORT_CODE_FAILURE,
        known=ShortCodeCampaignStatus,
        resource="Campaign 42",
    )
    assert outcome == "pending"
    assert [r.getMessage() for r in caplog.records] == [
        "Campaign 42 has status 'ARCHIVED', which this provider does not know; treating it as pending."
    ]
    assert caplog.records[0].levelno == logging.WARNING


def test_classify_known_or_unchecked_status_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="airflow_provider_sinch.statuses")
    classify("REVIEWING", success=st.SHORT_CODE_SUCCESS, failure=(), known=ShortCodeCampaignStatus)
    classify("ANYTHING", success=(), failure=())
    classify(None, success=(), failure=(), known=ShortCodeCampaignStatus)
    assert caplog.records == []


def test_validate_statuses_normalises_to_strings() -> None:
    assert validate_statuses(
        "target_statuses", [TenDLCCampaignStatus.APPROVED, "ACTIVE"], TenDLCCampaignStatus
    ) == ("APPROVED", "ACTIVE")


def test_validate_statuses_refuses_empty_target() -> None:
    with pytest.raises(ValueError, match="target_statuses must name at least one status"):
        validate_statuses("target_statuses", [], CampaignStatus)


def test_validate_statuses_allows_empty_failure_list() -> None:
    assert validate_statuses("failure_statuses", [], CampaignStatus) == ()


def test_validate_statuses_warns_on_unknown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="airflow_provider_sinch.statuses")
    assert validate_statuses("target_statuses", ["sent", "delivered"], CampaignStatus) == (
        "sent",
        "delivered",
    )
    assert [r.getMessage() for r in caplog.records] == [
        "target_statuses has statuses the API does not document: ['delivered']; "
        "known: ['draft', 'scheduled', 'sending', 'sent']"
    ]


def test_validate_statuses_refuses_unknown_when_asked() -> None:
    with pytest.raises(
        ValueError, match=r"failure_statuses has statuses the API does not document: \['Denied'\]"
    ):
        validate_statuses("failure_statuses", ["Denied"], TenDLCCampaignStatus, allow_unknown=False)


# --- PollResult -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "result",
    [
        PollResult(
            "success", "sent", "Campaign c1 is 'sent'", "Campaign c1", xcom={"id": "c1", "contact_count": 3}
        ),
        PollResult("failure", "REJECTED", "rejected: brand mismatch", "10DLC campaign 01H"),
        PollResult("pending", None, "no status yet", "Campaign c1"),
        PollResult("success", CampaignStatus.SENT, "enum status", "Campaign c1", xcom=["a", 1, None]),
    ],
    ids=["success", "failure", "pending", "enum-status"],
)
def test_poll_result_event_is_json_safe(result: PollResult) -> None:
    event = result.to_event(campaign_id="c1", project_id="p")
    assert json.loads(json.dumps(event)) == {
        "status": result.outcome,
        "api_status": result.status,
        "message": result.message,
        "resource": result.resource,
        "xcom": result.xcom,
        "campaign_id": "c1",
        "project_id": "p",
    }


@pytest.mark.parametrize(
    ("values", "known", "fix"),
    [
        (["SENT"], CampaignStatus, "'SENT' -> 'sent'"),
        (["active", "APPROVED"], TenDLCCampaignStatus, "'active' -> 'ACTIVE'"),
    ],
    ids=["campaign", "10dlc"],
)
def test_a_known_status_in_the_wrong_case_is_refused_not_waited_on(
    values: list[str], known: Any, fix: str
) -> None:
    with pytest.raises(ValueError, match=f"case-sensitive; did you mean {fix}"):
        validate_statuses("target_statuses", values, known)
