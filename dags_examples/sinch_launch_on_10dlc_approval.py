"""Event-driven: send the launch campaign as soon as the 10DLC registration is approved.

No task polls Sinch: an ``AssetWatcher`` in the triggerer
(:class:`~airflow_provider_sinch.triggers.ten_dlc.Sinch10DLCRegistrationEventTrigger`) watches
the project of ``sinch_10dlc_default`` and updates the asset ``sinch_10dlc_registration_approved``
once per registration approved; each update starts this DAG, which reads the registrations from
the run's events (Airflow may put several approvals in one run) and sends one launch campaign per
approval (a copy of a template, sent now) on the Campaign API.

Needs a scheduler, a DAG processor and a triggerer (Airflow 3.3 for the shared poll and the
watcher's durable cursor), the ``sinch_10dlc_default`` connection with ``project_id`` in its
extra, and ``sinch_campaign_default``. Submit a registration (``sinch_10dlc_example``) and the
launch follows its approval. ``airflow dags test`` of this DAG, with no event, takes the
registration from the ``campaign_registration_id`` param instead.

``SINCH_10DLC_POLL_SECONDS`` sets the watcher's interval: seconds suit the emulator, Sinch
suggests about an hour for 10DLC. ``SINCH_TEMPLATE_CAMPAIGN_ID`` is the template to copy.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, Asset, AssetWatcher, Param, task

from airflow_provider_sinch.operators.campaign import SinchCreateCampaignOperator
from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCRegistrationEventTrigger

CONTACTS_CSV = Path(__file__).parent / "data" / "campaign_contacts.csv"
#: The emulator's seeded template; a real account has its own (Sinch's "Show the IDs").
EMULATOR_TEMPLATE = "c2d2f656-09f4-4e26-b9f3-92c14e15116d"

registration_approved = Asset(
    name="sinch_10dlc_registration_approved",
    uri="sinch://10dlc/registrations/approved",
    watchers=[
        AssetWatcher(
            name="sinch_10dlc_approvals",
            trigger=Sinch10DLCRegistrationEventTrigger(
                sinch_conn_id="sinch_10dlc_default",
                outcomes=["approved"],
                poll_interval=float(os.environ.get("SINCH_10DLC_POLL_SECONDS", "3600")),
            ),
        )
    ],
)

with DAG(
    dag_id="sinch_launch_on_10dlc_approval",
    description="Send the launch campaign as soon as a 10DLC registration is approved",
    schedule=[registration_approved],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={
        "campaign_registration_id": Param(
            None, type=["null", "string"], description="for a manual run: the approved registration"
        ),
        "template_campaign_id": os.environ.get("SINCH_TEMPLATE_CAMPAIGN_ID", EMULATOR_TEMPLATE),
    },
    tags=["sinch", "10dlc", "campaign", "example", "event-driven"],
    doc_md=__doc__,
) as dag:

    @task
    def approved_registrations(**context: Any) -> list[dict[str, Any]]:
        """Every approval that started this run (a run may carry several), or the param of a manual run."""
        events = context["triggering_asset_events"].get(registration_approved) or []
        payloads = [event.extra["payload"] for event in events]
        if not payloads:
            rid = context["params"]["campaign_registration_id"]
            if not rid:
                raise ValueError("No approval event: trigger the DAG with a campaign_registration_id")
            payloads = [{"campaign_registration_id": rid, "status": "APPROVED", "summary": {}}]
        launches = []
        for payload in payloads:
            summary = payload.get("summary") or {}
            print(
                f"10DLC registration {payload['campaign_registration_id']} is {payload['status']} "
                f"(TCR campaign {summary.get('campaignId')}): sending the launch campaign"
            )
            launches.append({"name": f"Launch for {payload['campaign_registration_id']}"})
        return launches

    # One launch campaign per approval: a mapped task, each instance with its own idempotency tag,
    # so a retried instance finds its campaign instead of making a second one.
    SinchCreateCampaignOperator.partial(
        task_id="send_launch_campaign",
        template_campaign_id="{{ params.template_campaign_id }}",
        contacts=str(CONTACTS_CSV),
        contacts_header=True,
    ).expand_kwargs(approved_registrations())
