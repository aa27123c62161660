"""10DLC operators: qualify, submit (never twice), resubmit (waits), delete (never twice)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from airflow_provider_sinch import waits as wait_machinery
from airflow_provider_sinch._compat import TaskDeferred
from airflow_provider_sinch.exceptions import (
    SinchBadRequestError,
    SinchOutcomeUnknownError,
    SinchTerminalStatusError,
    SinchValidationError,
    SinchWaitTimeout,
)
from airflow_provider_sinch.links import Sinch10DLCCampaignLink
from airflow_provider_sinch.operators.ten_dlc import (
    Sinch10DLCQualifyBrandOperator,
    SinchDelete10DLCCampaignOperator,
    SinchResubmit10DLCCampaignOperator,
    SinchSubmit10DLCCampaignOperator,
)
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCResubmitTrigger
from tests.conftest import PROJECT_ID, TEN_DLC_HOST, assert_deferral_timeout
from tests.test_ten_dlc_validation import valid_campaign

BASE = f"{TEN_DLC_HOST}/v1/projects/{PROJECT_ID}"
REG_ID = "01HZX3J6M5Q8R7T2V9W4Y6Z8AB"
URL = f"https://dashboard.sinch.com/numbers/10dlc/campaigns/{REG_ID}?projectId={PROJECT_ID}"
RUN_START = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)


class FakeTI:
    def __init__(self, try_number: int = 1) -> None:
        self.try_number = try_number
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value


def context(try_number: int = 1) -> dict[str, Any]:
    return {"ti": FakeTI(try_number), "dag_run": SimpleNamespace(start_date=RUN_START)}


@pytest.fixture(autouse=True)
def _connection(ten_dlc_conn: str, oauth_token: Any) -> None:
    """Every test talks to the mocked API through the default connection (OAuth2)."""


def registration(status: str = "SINCH_REVIEW", **fields: Any) -> dict[str, Any]:
    return {"campaignRegistrationId": REG_ID, "status": status, **fields}


def api_calls(requests_mock: Any) -> list[str]:
    """The API requests sent, without the token request."""
    return [f"{r.method} {r.url}" for r in requests_mock.request_history if r.url.startswith(TEN_DLC_HOST)]


# --- Qualify ------------------------------------------------------------------------------------
QUALIFICATION = {
    "useCase": "MIXED",
    "setupFee": 15.0,
    "monthlyFee": 10.0,
    "minSubUseCases": 2,
    "maxSubUseCases": 5,
    "mnoMetadata": {
        "10017": {"mno": "AT&T", "qualify": True},
        "10035": {"mno": "T-Mobile", "qualify": False, "mnoReview": True},
    },
}


def test_qualify_returns_fees_bounds_and_mno_metadata(requests_mock: Any) -> None:
    route = requests_mock.get(f"{BASE}/campaignRegistrations:qualify", json=QUALIFICATION)
    ctx = context()

    result = Sinch10DLCQualifyBrandOperator(task_id="qualify", brand_id="BESINCH", use_case="MIXED").execute(
        ctx
    )

    assert result == {"brandId": "BESINCH", **QUALIFICATION}
    assert route.last_request.url == f"{BASE}/campaignRegistrations:qualify?brandId=BESINCH&useCase=MIXED"
    assert ctx["ti"].xcom == {}


def test_qualify_fails_when_the_plan_would_not_be_met(requests_mock: Any) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations:qualify", json=QUALIFICATION)
    operator = Sinch10DLCQualifyBrandOperator(
        task_id="qualify",
        brand_id="BESINCH",
        use_case="MIXED",
        sub_use_cases=["2FA"],
        required_mnos=["ATT", "TMO"],
    )

    with pytest.raises(SinchValidationError) as err:
        operator.execute(context())

    assert err.value.fields == ["sub_use_cases", "required_mnos"]
    assert "qualify: brand BESINCH does not qualify as needed: 2 problems" in str(err.value)
    assert "TMO (network 10035) would not carry this campaign: qualify is false" in str(err.value)


def test_qualify_reports_what_the_metadata_cannot_settle_in_its_result(requests_mock: Any) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations:qualify", json=QUALIFICATION)
    operator = Sinch10DLCQualifyBrandOperator(
        task_id="qualify", brand_id="BESINCH", use_case="MIXED", required_mnos=["ATT", "VZW"]
    )

    result = operator.execute(context())

    assert result == {
        "brandId": "BESINCH",
        **QUALIFICATION,
        "unchecked": [
            "required_mnos: VZW matches no mnoMetadata key ['10017', '10035'] (network ids the document "
            "does not list): unchecked"
        ],
    }


def test_qualify_needs_a_brand_before_any_request(requests_mock: Any) -> None:
    with pytest.raises(SinchValidationError, match="brand_id: is required"):
        Sinch10DLCQualifyBrandOperator(task_id="qualify", brand_id="").execute(context())
    assert requests_mock.call_count == 0


# --- Submit -------------------------------------------------------------------------------------
def submit_operator(**kwargs: Any) -> SinchSubmit10DLCCampaignOperator:
    return SinchSubmit10DLCCampaignOperator(task_id="submit", campaign=valid_campaign(), **kwargs)


def listed(created: datetime, **changes: Any) -> dict[str, Any]:
    """A registration as the list returns it, echoing the submitted campaign."""
    return {
        **valid_campaign(),
        **registration(),
        "createDate": created.isoformat().replace("+00:00", "Z"),
        **changes,
    }


def test_submit_returns_the_registration_id_and_pushes_its_link(requests_mock: Any) -> None:
    route = requests_mock.post(
        f"{BASE}/campaignRegistrations:submit", json={"campaignRegistrationId": REG_ID}
    )
    ctx = context()

    assert submit_operator().execute(ctx) == REG_ID
    assert route.last_request.json()["brandId"] == "BESINCH"
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}
    assert api_calls(requests_mock) == [f"POST {BASE}/campaignRegistrations:submit"]


def test_submit_reports_every_violation_before_any_request(requests_mock: Any) -> None:
    operator = SinchSubmit10DLCCampaignOperator(
        task_id="submit", campaign=valid_campaign(sample1="too short", stopMessage=None, useCase="EVERYTHING")
    )

    with pytest.raises(SinchValidationError) as err:
        operator.execute(context())

    assert err.value.fields == ["sample1", "stopMessage", "useCase"]
    assert str(err.value).startswith("submit: 3 problems found before sending")
    assert requests_mock.call_count == 0


def test_a_retried_submit_reuses_the_registration_of_an_earlier_try(requests_mock: Any) -> None:
    listing = requests_mock.get(
        f"{BASE}/campaignRegistrations",
        json={"campaignRegistrations": [listed(RUN_START + timedelta(minutes=1))], "totalSize": 1},
    )
    submit = requests_mock.post(
        f"{BASE}/campaignRegistrations:submit", json={"campaignRegistrationId": "NEW"}
    )
    ctx = context(try_number=2)

    assert submit_operator().execute(ctx) == REG_ID
    assert not submit.called
    assert listing.last_request.url == f"{BASE}/campaignRegistrations?useCase=MIXED&brand=BESINCH"
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}


@pytest.mark.parametrize(
    "existing",
    [
        pytest.param(listed(RUN_START - timedelta(days=3)), id="made-before-this-run"),
        pytest.param(
            listed(RUN_START, createDate="2026-04-28T12:00:00.123456789Z"),
            id="made-before-this-run-nanoseconds",
        ),
        pytest.param(listed(RUN_START + timedelta(minutes=1), description="x" * 50), id="different-campaign"),
    ],
)
def test_a_retried_submit_ignores_registrations_that_are_not_its_own(
    requests_mock: Any, existing: dict
) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations", json={"campaignRegistrations": [existing]})
    submit = requests_mock.post(
        f"{BASE}/campaignRegistrations:submit", json={"campaignRegistrationId": "NEW"}
    )

    assert submit_operator().execute(context(try_number=2)) == "NEW"
    assert submit.call_count == 1


def test_without_reuse_a_retried_submit_does_not_look(requests_mock: Any) -> None:
    requests_mock.post(f"{BASE}/campaignRegistrations:submit", json={"campaignRegistrationId": "NEW"})

    assert submit_operator(reuse_existing=False).execute(context(try_number=3)) == "NEW"
    assert api_calls(requests_mock) == [f"POST {BASE}/campaignRegistrations:submit"]


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status_code": 500, "json": {"code": 13, "message": "INTERNAL"}}, id="5xx"),
        pytest.param({"exc": requests.exceptions.ReadTimeout}, id="read-timeout"),
    ],
)
def test_after_an_unclear_answer_the_submit_finds_what_sinch_registered(
    requests_mock: Any, failure: dict
) -> None:
    submit = requests_mock.post(f"{BASE}/campaignRegistrations:submit", **failure)
    requests_mock.get(
        f"{BASE}/campaignRegistrations",
        json={"campaignRegistrations": [listed(RUN_START + timedelta(seconds=5))]},
    )

    assert submit_operator().execute(context()) == REG_ID
    assert submit.call_count == 1


def test_after_an_unclear_answer_with_nothing_listed_the_try_fails_without_submitting_again(
    requests_mock: Any,
) -> None:
    submit = requests_mock.post(f"{BASE}/campaignRegistrations:submit", status_code=502)
    requests_mock.get(f"{BASE}/campaignRegistrations", json={"campaignRegistrations": []})

    with pytest.raises(SinchOutcomeUnknownError, match="Failing this try rather than risk doing it twice"):
        submit_operator().execute(context())
    assert submit.call_count == 1


def test_a_refused_submit_is_not_looked_up(requests_mock: Any) -> None:
    requests_mock.post(
        f"{BASE}/campaignRegistrations:submit", status_code=400, json={"code": 3, "message": "invalid brand"}
    )

    with pytest.raises(SinchBadRequestError, match="invalid brand"):
        submit_operator().execute(context())
    assert api_calls(requests_mock) == [f"POST {BASE}/campaignRegistrations:submit"]


# --- Resubmit -----------------------------------------------------------------------------------
@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses of a synchronous wait (never really slept)."""
    pauses: list[float] = []
    monkeypatch.setattr(wait_machinery, "_sleep", pauses.append)
    return pauses


def test_resubmit_waits_until_successful(requests_mock: Any, waits: list[float]) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [
            {"json": registration("ACTIVE", lastActionStatus="CREATE_SUCCESSFUL")},
            {"json": registration("ACTIVE", lastActionStatus="RESUBMIT_IN_PROGRESS")},
            {"json": registration("ACTIVE", lastActionStatus="RESUBMIT_SUCCESSFUL", campaignId="CX12345")},
        ],
    )
    put = requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})
    ctx = context()

    result = SinchResubmit10DLCCampaignOperator(
        task_id="resubmit", campaign_registration_id=REG_ID, mnos=["TMO"], poll_interval=30, deferrable=False
    ).execute(ctx)

    assert put.last_request.json() == {"mnos": ["TMO"]}
    assert result["lastActionStatus"] == "RESUBMIT_SUCCESSFUL"
    assert result["campaignId"] == "CX12345"
    assert waits == [30.0]
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}


def test_a_failed_resubmit_fails_with_the_feedback(requests_mock: Any, waits: list[float]) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [
            {"json": registration("ACTIVE", lastActionStatus="CREATE_SUCCESSFUL")},
            {"json": registration("ACTIVE", lastActionStatus="RESUBMIT_FAILED")},
        ],
    )
    requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}/feedback",
        json={"tcrErrorResponse": [{"code": 409, "description": "message class unchanged"}]},
    )

    with pytest.raises(SinchTerminalStatusError) as err:
        SinchResubmit10DLCCampaignOperator(
            task_id="resubmit", campaign_registration_id=REG_ID, deferrable=False
        ).execute(context())

    assert err.value.status == "RESUBMIT_FAILED"
    assert "Sinch feedback: TCR errors: [409] message class unchanged" in str(err.value)


def test_a_resubmit_in_progress_is_waited_on_not_started_again(
    requests_mock: Any, waits: list[float]
) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [
            {"json": registration("ACTIVE", lastActionStatus="RESUBMIT_IN_PROGRESS")},
            {"json": registration("ACTIVE", lastActionStatus="RESUBMIT_SUCCESSFUL")},
        ],
    )
    put = requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})

    SinchResubmit10DLCCampaignOperator(
        task_id="resubmit", campaign_registration_id=REG_ID, deferrable=False
    ).execute(context(try_number=2))

    assert not put.called


def test_resubmit_without_waiting_returns_the_id(requests_mock: Any) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=registration("ACTIVE"))
    put = requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})

    result = SinchResubmit10DLCCampaignOperator(
        task_id="resubmit", campaign_registration_id=REG_ID, wait_for_completion=False
    ).execute(context())

    assert result == REG_ID
    assert put.last_request.json() == {}


def test_a_sync_resubmit_wait_ends_at_its_timeout(requests_mock: Any, waits: list[float]) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=registration("ACTIVE"))
    requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})

    with pytest.raises(
        SinchWaitTimeout,
        match=r"^Timed out waiting on Resubmit of 10DLC campaign registration \S+ \(last status None\).*"
        r"waiting for RESUBMIT_SUCCESSFUL",
    ):
        SinchResubmit10DLCCampaignOperator(
            task_id="resubmit", campaign_registration_id=REG_ID, timeout=0, deferrable=False
        ).execute(context())


def test_a_deferrable_resubmit_defers_with_its_deadline(requests_mock: Any) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [
            {"json": registration("ACTIVE", lastActionStatus="CREATE_SUCCESSFUL")},
            {"json": registration("ACTIVE", lastActionStatus="RESUBMIT_IN_PROGRESS")},
        ],
    )
    requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})
    ctx = context()
    operator = SinchResubmit10DLCCampaignOperator(
        task_id="resubmit",
        campaign_registration_id=REG_ID,
        poll_interval=120,
        timeout=timedelta(hours=2),
        deferrable=True,
        hook_params={"timeout": 30},
    )

    with pytest.raises(TaskDeferred) as deferred:
        operator.execute(ctx)

    trigger = deferred.value.trigger
    assert isinstance(trigger, Sinch10DLCResubmitTrigger)
    path, kwargs = trigger.serialize()
    assert path == "airflow_provider_sinch.triggers.ten_dlc.Sinch10DLCResubmitTrigger"
    assert kwargs["campaign_registration_id"] == REG_ID
    assert kwargs["project_id"] == PROJECT_ID
    assert kwargs["poll_interval"] == 120.0
    assert kwargs["hook_params"] == {"timeout": 30}
    assert kwargs["end_time"] is not None
    assert deferred.value.method_name == "execute_complete"
    assert_deferral_timeout(deferred.value.timeout, timedelta(hours=2))
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}


def test_a_deferrable_resubmit_already_done_does_not_defer(requests_mock: Any) -> None:
    requests_mock.get(
        f"{BASE}/campaignRegistrations/{REG_ID}",
        [
            {"json": registration("ACTIVE")},
            {"json": registration("ACTIVE", lastActionStatus="RESUBMIT_SUCCESSFUL")},
        ],
    )
    requests_mock.put(f"{BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})

    result = SinchResubmit10DLCCampaignOperator(
        task_id="resubmit", campaign_registration_id=REG_ID, deferrable=True
    ).execute(context())

    assert result["lastActionStatus"] == "RESUBMIT_SUCCESSFUL"


@pytest.mark.parametrize(
    ("event", "outcome"),
    [
        pytest.param(
            {"status": "success", "xcom": {"lastActionStatus": "RESUBMIT_SUCCESSFUL"}}, None, id="success"
        ),
        pytest.param(
            {
                "status": "failure",
                "api_status": "RESUBMIT_FAILED",
                "resource": "Resubmit",
                "message": "Sinch feedback: x",
            },
            SinchTerminalStatusError,
            id="failure",
        ),
        pytest.param(
            {"status": "error", "timeout": True, "message": "deadline"}, SinchWaitTimeout, id="timeout"
        ),
    ],
)
def test_resubmit_execute_complete(event: dict[str, Any], outcome: type[Exception] | None) -> None:
    operator = SinchResubmit10DLCCampaignOperator(task_id="resubmit", campaign_registration_id=REG_ID)
    if outcome is None:
        assert operator.execute_complete(context(), event) == {"lastActionStatus": "RESUBMIT_SUCCESSFUL"}
    else:
        with pytest.raises(outcome, match=event["message"]):
            operator.execute_complete(context(), event)


def test_resubmit_refuses_unknown_mnos_before_any_request(requests_mock: Any) -> None:
    with pytest.raises(SinchValidationError, match="mnos"):
        SinchResubmit10DLCCampaignOperator(
            task_id="resubmit", campaign_registration_id=REG_ID, mnos=["ATT", "XYZ"]
        ).execute(context())
    assert requests_mock.call_count == 0


# --- Delete -------------------------------------------------------------------------------------
def test_delete_uses_the_singular_path_and_pushes_the_link(requests_mock: Any) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=registration("ACTIVE"))
    delete = requests_mock.delete(f"{BASE}/campaignRegistration/{REG_ID}", json={})
    ctx = context()

    assert (
        SinchDelete10DLCCampaignOperator(task_id="delete", campaign_registration_id=REG_ID).execute(ctx)
        == REG_ID
    )
    assert delete.last_request.url == f"{BASE}/campaignRegistration/{REG_ID}"
    assert ctx["ti"].xcom == {"ten_dlc_campaign_url": URL}


@pytest.mark.parametrize(
    "current",
    [
        pytest.param(registration("EXPIRED"), id="expired"),
        pytest.param(registration("ACTIVE", lastActionStatus="DELETE_IN_PROGRESS"), id="delete-in-progress"),
    ],
)
def test_delete_leaves_a_deleted_registration_alone(requests_mock: Any, current: dict[str, Any]) -> None:
    requests_mock.get(f"{BASE}/campaignRegistrations/{REG_ID}", json=current)
    delete = requests_mock.delete(f"{BASE}/campaignRegistration/{REG_ID}", json={})

    SinchDelete10DLCCampaignOperator(task_id="delete", campaign_registration_id=REG_ID).execute(context(2))

    assert not delete.called


# --- Shape --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operator_class", "fields", "linked"),
    [
        pytest.param(
            Sinch10DLCQualifyBrandOperator,
            {"sinch_conn_id", "brand_id", "use_case", "sub_use_cases", "required_mnos", "project_id"},
            False,
            id="qualify",
        ),
        pytest.param(
            SinchSubmit10DLCCampaignOperator, {"sinch_conn_id", "campaign", "project_id"}, True, id="submit"
        ),
        pytest.param(
            SinchResubmit10DLCCampaignOperator,
            {"sinch_conn_id", "campaign_registration_id", "mnos", "project_id"},
            True,
            id="resubmit",
        ),
        pytest.param(
            SinchDelete10DLCCampaignOperator,
            {"sinch_conn_id", "campaign_registration_id", "project_id"},
            True,
            id="delete",
        ),
    ],
)
def test_template_fields_and_links(operator_class: type, fields: set[str], linked: bool) -> None:
    assert set(operator_class.template_fields) == fields
    links = [type(link) for link in operator_class.operator_extra_links]
    assert links == ([Sinch10DLCCampaignLink] if linked else [])


def test_templated_campaign_is_rendered_before_validation(requests_mock: Any) -> None:
    route = requests_mock.post(
        f"{BASE}/campaignRegistrations:submit", json={"campaignRegistrationId": REG_ID}
    )
    operator = SinchSubmit10DLCCampaignOperator(
        task_id="submit",
        campaign=valid_campaign(brandId="{{ params.brand }}"),
        project_id="{{ params.project }}",
    )
    operator.render_template_fields({"params": {"brand": "BRENDER", "project": PROJECT_ID}})

    operator.execute(context())

    assert route.last_request.json()["brandId"] == "BRENDER"
