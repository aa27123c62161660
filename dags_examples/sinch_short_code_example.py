"""US Short Code campaign, end to end: create a draft, attach the short code receipt, submit it,
wait until every carrier has certified it, and export its history.

Runs against Sinch or the provider's emulator through the connection ``sinch_short_code_default``
(type ``sinch_us_short_code``: login = key id, password = key secret, extra ``project_id``).
Files go under ``$SINCH_DEMO_OUTPUT_DIR/short_code`` (default: the system's temporary directory).
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

from airflow.sdk import dag, task

from airflow_provider_sinch.operators.short_code import (
    SinchCreateShortCodeCampaignOperator,
    SinchExportShortCodeHistoryOperator,
    SinchSubmitShortCodeCampaignOperator,
    SinchUploadShortCodeAttachmentOperator,
)
from airflow_provider_sinch.sensors.short_code import SinchShortCodeCampaignStatusSensor

OUTPUT_DIR = Path(os.environ.get("SINCH_DEMO_OUTPUT_DIR", tempfile.gettempdir())) / "short_code"
CAMPAIGN_ID = "{{ ti.xcom_pull(task_ids='create_campaign', key='campaign_id') }}"

CAMPAIGN = {
    "name": "Airflow demo {{ run_id }}",
    "description": "Order alerts for MyCompany customers, registered from Airflow.",
    "trafficCharge": "STANDARD",
    # Our own short code (not leased from Sinch): its receipt must be attached before submitting.
    "scRequested": False,
    "shortCodes": "54321",
    "carrierIds": ["1", "2"],
    "complianceEmails": ["compliance@mycompany.example"],
    "contactEmails": ["ops@mycompany.example"],
    "customerCare": {
        "optOutKeywords": "STOP, END, QUIT, CANCEL",
        "optOutMtText": "You have ended this service. Call 1234567890 for support.",
        "helpMtText": "MyCompany order alerts. Text STOP to cancel. Call 1234567890 for support.",
        "email": "support@mycompany.example",
        "website": "https://www.mycompany.example",
        "phoneNumber": "+14155552671",
    },
    "contentDefinitions": [
        {
            "messageType": "SMS",
            "contentType": "INFORMATIONAL_ALERTS",
            "subscriptionType": "SUBSCRIPTION",
            "messageFlow": {
                "callToAction": "Text JOIN to 54321 to get order alerts.",
                "optIn": "You are subscribed to MyCompany order alerts. Text HELP for help, STOP to opt out.",
                "sampleAlert": "Your order 1234 has shipped. STOP to opt out.",
            },
        }
    ],
    "termsAndConditions": {"url": "https://www.mycompany.example/terms"},
    "privacyPolicy": {"url": "https://www.mycompany.example/privacy"},
    "notes": ["Registered by the Airflow example DAG."],
}


@dag(
    dag_id="sinch_short_code_example",
    schedule=None,
    catchup=False,
    tags=["sinch", "example"],
    default_args={"retries": 1, "retry_delay": timedelta(seconds=5)},
)
def sinch_short_code_example() -> None:
    @task
    def write_receipt() -> str:
        """The short code lease receipt Sinch asks for when you bring your own short code."""
        path = OUTPUT_DIR / "short_code_receipt.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Short code 54321 lease receipt\nLessee: MyCompany\nValid until: 2030-01-01\n")
        return str(path)

    create = SinchCreateShortCodeCampaignOperator(task_id="create_campaign", campaign=CAMPAIGN)
    upload = SinchUploadShortCodeAttachmentOperator(
        task_id="upload_receipt",
        campaign_id=CAMPAIGN_ID,
        path=write_receipt(),
        description="Latest short code receipt",
    )
    submit = SinchSubmitShortCodeCampaignOperator(task_id="submit_campaign", campaign_id=CAMPAIGN_ID)
    # Reschedule mode frees the worker slot between checks. Against Sinch keep the defaults (a
    # check every 30 minutes for up to 90 days): the seconds here suit the emulator's quick review.
    wait = SinchShortCodeCampaignStatusSensor(
        task_id="wait_until_completed",
        campaign_id=CAMPAIGN_ID,
        mode="reschedule",
        poke_interval=2,
        timeout=110,
    )
    export = SinchExportShortCodeHistoryOperator(
        task_id="export_history",
        campaign_id=CAMPAIGN_ID,
        destination=str(OUTPUT_DIR / "short_code_history.jsonl"),
    )
    create >> upload >> submit >> wait >> export


sinch_short_code_example()
