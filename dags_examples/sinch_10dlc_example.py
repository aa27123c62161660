"""Register a 10DLC campaign with Sinch: qualify the brand, submit the campaign, wait for approval.

Run it against the emulator (``make demo`` does) or against Sinch with a ``sinch_10dlc_default``
connection. The registration is paid at Sinch (a setup fee once approved): a retried submit
finds the registration an earlier try made instead of submitting a second one.

Trigger it with ``{"brand_id": "BREJECT"}`` as conf and the emulator's review rejects the
registration: ``wait_until_approved`` then fails, quoting the feedback endpoint's reason.

The short poke interval and timeout suit the emulator, whose review steps take seconds. Against
Sinch keep the sensor's defaults (a poke an hour for up to a week, in ``reschedule`` mode) or
use ``deferrable=True``.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Param, task

from airflow_provider_sinch.operators.ten_dlc import (
    Sinch10DLCQualifyBrandOperator,
    SinchSubmit10DLCCampaignOperator,
)
from airflow_provider_sinch.sensors.ten_dlc import Sinch10DLCCampaignStatusSensor

SUB_USE_CASES = ["2FA", "ACCOUNT_NOTIFICATION"]

CAMPAIGN: dict[str, Any] = {
    "brandId": "{{ params.brand_id }}",
    "useCase": "MIXED",
    "subUseCases": SUB_USE_CASES,
    "campaignName": "{{ params.campaign_name }}",
    "description": (
        "Acme Outdoor sends one-time passcodes to customers signing in to the Acme Outdoor app, and "
        "account notices (order confirmations, password changes) to customers who opted in at checkout."
    ),
    "sample1": "Acme Outdoor: your sign-in code is 482913. It expires in 10 minutes. Reply STOP to stop.",
    "sample2": "Acme Outdoor: your order 10442 is confirmed and ships tomorrow. Reply STOP to stop.",
    "sample3": "Acme Outdoor: your password was changed. Not you? Call 555-0100. Reply STOP to stop.",
    "stopMessage": "Acme Outdoor: you are unsubscribed and will get no more messages. Help: 555-0100.",
    "optInMessage": (
        "Acme Outdoor: you are subscribed to account alerts. Msg freq varies. Msg & data rates may "
        "apply. Reply HELP for help, STOP to stop."
    ),
    "helpMessage": "Acme Outdoor: for help call 555-0100 or email help@acme.example. Reply STOP to stop.",
    "optinKeywords": "JOIN,START",
    "optoutKeywords": "STOP,QUIT,END,CANCEL,UNSUBSCRIBE",
    "helpKeywords": "HELP,INFO",
    "messageFlow": (
        "Customers tick an unchecked box 'Text me sign-in codes and account alerts' at checkout on "
        "acme.example; the box states message frequency, Msg & data rates may apply, HELP and STOP."
    ),
    "embeddedLink": False,
    "embeddedPhone": True,
    "autoRenewal": True,
}

with DAG(
    dag_id="sinch_10dlc_example",
    schedule=None,
    default_args={"retries": 0},
    params={
        "brand_id": Param(
            "BESINCH", type="string", maxLength=8, description="TCR brand id (BREJECT: rejected)"
        ),
        "campaign_name": Param("Acme Outdoor account alerts", type="string", maxLength=128),
    },
    tags=["sinch", "10dlc", "example"],
    doc_md=__doc__,
) as dag:
    qualify = Sinch10DLCQualifyBrandOperator(
        task_id="qualify_brand",
        brand_id="{{ params.brand_id }}",
        use_case="MIXED",
        sub_use_cases=SUB_USE_CASES,
        required_mnos=["ATT", "TMO", "VZW"],
    )

    submit = SinchSubmit10DLCCampaignOperator(task_id="submit_campaign", campaign=CAMPAIGN)

    wait = Sinch10DLCCampaignStatusSensor(
        task_id="wait_until_approved",
        campaign_registration_id=submit.output,
        target_statuses=["APPROVED", "ACTIVE"],
        poke_interval=timedelta(seconds=2),
        timeout=timedelta(seconds=100),
        mode="poke",
        deferrable=False,
    )

    @task
    def record_registration(registration: dict[str, Any]) -> str | None:
        """Write the approved registration's summary where the demo collects its outputs."""
        output_dir = os.environ.get("SINCH_DEMO_OUTPUT_DIR")
        if not output_dir:
            return None
        path = Path(output_dir) / "sinch_10dlc_registration.json"
        path.write_text(json.dumps(registration, indent=2, sort_keys=True))
        return str(path)

    qualify >> submit
    record_registration(wait.output)
