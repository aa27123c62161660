"""US Short Code sensors (campaign status, carrier orders) in poke, reschedule and deferrable mode."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airflow.sdk import PokeReturnValue

from airflow_provider_sinch._compat import AirflowRescheduleException, TaskDeferred
from airflow_provider_sinch.exceptions import SinchError, SinchTerminalStatusError, SinchWaitTimeout
from airflow_provider_sinch.sensors.short_code import (
    SinchShortCodeCampaignStatusSensor,
    SinchShortCodeCarrierOrderSensor,
)
from airflow_provider_sinch.triggers.short_code import (
    SinchShortCodeCampaignStatusTrigger,
    SinchShortCodeCarrierOrderTrigger,
)
from tests.conftest import PROJECT_ID, SHORT_CODE_HOST, FakeTI, assert_deferral_timeout

CID = "20001"
CAMPAIGN_URL = f"{SHORT_CODE_HOST}/v1/projects/{PROJECT_ID}/campaigns/{CID}"
LINK = f"https://dashboard.sinch.com/sms/us-short-codes/campaigns/{CID}"
NOTE = {"author": "AGENT", "text": "Please fix the privacy policy URL.", "createdAt": "2026-03-02T00:00:00Z"}


@pytest.fixture(autouse=True)
def _conn(short_code_conn, oauth_token):
    return short_code_conn


class RescheduleTI(FakeTI):
    def get_first_reschedule_date(self, context):
        return None


def campaign(status, **extra):
    return {"id": CID, "name": "Alerts", "status": status, **extra}


def order(carrier_id, status, notes=()):
    return {
        "carrierOrderId": f"o{carrier_id}",
        "carrierId": carrier_id,
        "carrierName": f"Carrier {carrier_id}",
        "status": status,
        "notes": list(notes),
    }


def status_sensor(**kwargs):
    return SinchShortCodeCampaignStatusSensor(task_id="wait", campaign_id=CID, **kwargs)


def orders_sensor(**kwargs):
    return SinchShortCodeCarrierOrderSensor(task_id="wait_orders", campaign_id=CID, **kwargs)


class TestCampaignStatusSensor:
    @pytest.mark.parametrize(
        "status", ["PENDING_REVIEW", "REVIEWING", "CARRIER_SUBMITTED", "BRAND_NEW_STATUS"]
    )
    def test_poke_waits_while_pending_or_unknown(self, requests_mock, status):
        requests_mock.get(CAMPAIGN_URL, json=campaign(status))
        assert status_sensor().poke({}) is False

    def test_poke_succeeds_with_a_summary(self, requests_mock):
        requests_mock.get(
            CAMPAIGN_URL,
            json=campaign("COMPLETED", shortCodes="54321", carrierOrders=[order("1", "CERTIFIED")]),
        )

        result = status_sensor().poke({})

        assert isinstance(result, PokeReturnValue)
        assert result.is_done
        assert result.xcom_value == {
            "id": CID,
            "name": "Alerts",
            "status": "COMPLETED",
            "shortCodes": "54321",
            "carrierOrders": [
                {"carrierOrderId": "o1", "carrierId": "1", "carrierName": "Carrier 1", "status": "CERTIFIED"}
            ],
        }
        assert requests_mock.last_request.headers["Authorization"] == "Bearer oauth-token-1"

    @pytest.mark.parametrize("status", ["CANCELLED", "DEPROVISIONED", "AWAITING_CLIENT_UPDATE"])
    def test_poke_fails_quoting_status_and_notes(self, requests_mock, status):
        requests_mock.get(CAMPAIGN_URL, json=campaign(status, notes=[NOTE]))

        with pytest.raises(SinchTerminalStatusError) as err:
            status_sensor().poke({})

        assert err.value.status == status
        assert str(err.value) == (
            f"Short code campaign {CID} reached terminal status '{status}': Short code campaign {CID} is "
            f"'{status}'; latest notes: AGENT at 2026-03-02T00:00:00Z: Please fix the privacy policy URL."
        )

    def test_poke_mode_execute_keeps_poking_and_pushes_the_link(
        self, requests_mock, make_context, monkeypatch
    ):
        slept: list[float] = []
        monkeypatch.setattr("airflow.sdk.bases.sensor.time.sleep", slept.append)
        requests_mock.get(CAMPAIGN_URL, [{"json": campaign("REVIEWING")}, {"json": campaign("COMPLETED")}])
        context = make_context()

        result = status_sensor(mode="poke", poke_interval=5).execute(context)

        assert result["status"] == "COMPLETED"
        assert slept == [5]
        assert context["ti"].xcom == {"short_code_campaign_url": LINK}

    def test_defaults_suit_a_review_of_days_to_weeks(self):
        sensor = status_sensor()
        assert sensor.mode == "reschedule"
        assert sensor.poke_interval == 30 * 60
        assert sensor.timeout == 90 * 24 * 3600

    def test_reschedule_mode_frees_the_slot_while_pending(self, requests_mock):
        requests_mock.get(CAMPAIGN_URL, json=campaign("REVIEWING"))
        context = {"ti": RescheduleTI()}

        with pytest.raises(AirflowRescheduleException):
            status_sensor(mode="reschedule", poke_interval=60).execute(context)
        assert context["ti"].xcom == {"short_code_campaign_url": LINK}

    def test_reschedule_mode_fails_on_a_failure_status(self, requests_mock):
        requests_mock.get(CAMPAIGN_URL, json=campaign("CANCELLED"))
        with pytest.raises(SinchTerminalStatusError, match="'CANCELLED'"):
            status_sensor(mode="reschedule").execute({"ti": RescheduleTI()})

    def test_deferrable_defers_with_the_same_names(self, requests_mock, make_context):
        requests_mock.get(CAMPAIGN_URL, json=campaign("PENDING_REVIEW"))

        with pytest.raises(TaskDeferred) as deferred:
            status_sensor(deferrable=True, poke_interval=120, timeout=3600).execute(make_context())

        trigger = deferred.value.trigger
        assert isinstance(trigger, SinchShortCodeCampaignStatusTrigger)
        assert_deferral_timeout(deferred.value.timeout, timedelta(seconds=3600))
        path, kwargs = trigger.serialize()
        assert path == "airflow_provider_sinch.triggers.short_code.SinchShortCodeCampaignStatusTrigger"
        assert kwargs == {
            "campaign_id": CID,
            "project_id": PROJECT_ID,
            "target_statuses": ["COMPLETED"],
            "failure_statuses": ["AWAITING_CLIENT_UPDATE", "CANCELLED", "DEPROVISIONED"],
            "sinch_conn_id": "sinch_short_code_default",
            "poll_interval": 120.0,
            "end_time": kwargs["end_time"],
            "hook_params": {},
        }
        assert kwargs["end_time"] is not None

    @pytest.mark.parametrize(
        ("status", "raises"),
        [("COMPLETED", None), ("CANCELLED", SinchTerminalStatusError)],
        ids=["done", "failed"],
    )
    def test_deferrable_checks_once_before_deferring(self, requests_mock, make_context, status, raises):
        requests_mock.get(CAMPAIGN_URL, json=campaign(status))
        sensor = status_sensor(deferrable=True)
        if raises:
            with pytest.raises(raises):
                sensor.execute(make_context())
        else:
            assert sensor.execute(make_context())["status"] == "COMPLETED"

    @pytest.mark.parametrize(
        ("event", "outcome"),
        [
            ({"status": "success", "xcom": {"id": CID}}, {"id": CID}),
            (
                {"status": "failure", "api_status": "CANCELLED", "message": "m", "resource": "r"},
                SinchTerminalStatusError,
            ),
            ({"status": "error", "timeout": True, "message": "deadline"}, SinchWaitTimeout),
            ({"status": "error", "message": "HTTP 404"}, SinchError),
        ],
        ids=["success", "failure", "timeout", "error"],
    )
    def test_execute_complete(self, event, outcome):
        if isinstance(outcome, type):
            with pytest.raises(outcome):
                status_sensor().execute_complete({}, event)
        else:
            assert status_sensor().execute_complete({}, event) == outcome

    def test_custom_statuses_and_project(self, requests_mock):
        route = requests_mock.get(
            f"{SHORT_CODE_HOST}/v1/projects/p2/campaigns/{CID}", json=campaign("AWAITING_CLIENT_UPDATE")
        )
        sensor = status_sensor(
            project_id="p2", target_statuses="AWAITING_CLIENT_UPDATE", failure_statuses=["CANCELLED"]
        )
        assert sensor.poke({}).is_done
        assert route.called

    def test_a_status_cannot_be_target_and_failure(self):
        with pytest.raises(ValueError, match=r"\['CANCELLED'\] cannot be both a target and a failure status"):
            status_sensor(target_statuses=["CANCELLED"])._statuses()

    def test_empty_targets_are_refused(self):
        with pytest.raises(ValueError, match="target_statuses must name at least one status"):
            status_sensor(target_statuses=[])._statuses()


class TestCarrierOrderSensor:
    def test_waits_until_every_order_is_certified(self, requests_mock):
        requests_mock.get(
            CAMPAIGN_URL,
            [
                {
                    "json": campaign(
                        "CARRIER_SUBMITTED", carrierOrders=[order("1", "CERTIFIED"), order("2", "APPROVED")]
                    )
                },
                {
                    "json": campaign(
                        "COMPLETED", carrierOrders=[order("1", "CERTIFIED"), order("2", "CERTIFIED")]
                    )
                },
            ],
        )
        sensor = orders_sensor()

        assert sensor.poke({}) is False
        result = sensor.poke({})
        assert result.is_done
        assert [o["status"] for o in result.xcom_value["carrierOrders"]] == ["CERTIFIED", "CERTIFIED"]

    def test_named_carriers_only(self, requests_mock):
        requests_mock.get(
            CAMPAIGN_URL,
            json=campaign(
                "CARRIER_SUBMITTED", carrierOrders=[order("1", "CERTIFIED"), order("2", "SUBMITTED")]
            ),
        )
        assert orders_sensor(carrier_ids=["1"]).poke({}).is_done
        assert orders_sensor(carrier_ids=["1", "2"]).poke({}) is False

    @pytest.mark.parametrize("status", ["REJECTED", "CERTIFICATION_FAILURE", "CANCELLED", "DEPROVISIONED"])
    def test_fails_naming_the_carrier(self, requests_mock, status):
        requests_mock.get(
            CAMPAIGN_URL,
            json=campaign(
                "CARRIER_SUBMITTED", carrierOrders=[order("1", "CERTIFIED"), order("2", status, [NOTE])]
            ),
        )

        with pytest.raises(SinchTerminalStatusError) as err:
            orders_sensor().poke({})

        assert err.value.status == status
        assert f"Carrier 2 (carrier 2), order o2 is '{status}'" in str(err.value)
        assert "Please fix the privacy policy URL." in str(err.value)

    def test_reschedule_mode(self, requests_mock):
        requests_mock.get(
            CAMPAIGN_URL, json=campaign("CARRIER_SUBMITTED", carrierOrders=[order("1", "PENDING")])
        )
        with pytest.raises(AirflowRescheduleException):
            orders_sensor(mode="reschedule").execute({"ti": RescheduleTI()})

    def test_deferrable_defers_with_carrier_ids(self, requests_mock, make_context):
        requests_mock.get(
            CAMPAIGN_URL, json=campaign("CARRIER_SUBMITTED", carrierOrders=[order("1", "APPROVED")])
        )

        with pytest.raises(TaskDeferred) as deferred:
            orders_sensor(deferrable=True, carrier_ids=["1", 3]).execute(make_context())

        trigger = deferred.value.trigger
        assert isinstance(trigger, SinchShortCodeCarrierOrderTrigger)
        _, kwargs = trigger.serialize()
        assert kwargs["carrier_ids"] == ["1", "3"]
        assert kwargs["target_statuses"] == ["CERTIFIED"]
        assert kwargs["failure_statuses"] == [
            "CANCELLED",
            "CERTIFICATION_FAILURE",
            "DEPROVISIONED",
            "REJECTED",
        ]

    def test_deferrable_finishes_at_once_when_done(self, requests_mock, make_context):
        requests_mock.get(CAMPAIGN_URL, json=campaign("COMPLETED", carrierOrders=[order("1", "CERTIFIED")]))
        assert (
            orders_sensor(deferrable=True).execute(make_context())["carrierOrders"][0]["status"]
            == "CERTIFIED"
        )
