"""Campaign API end to end: duplicate a template, text more people, wait until sent, export.

duplicate_template -> text_late_signups -> wait_until_sent -> export_log + export_stats -> report

Runs against the real API or the project's emulator (``make demo``). Set the connection
``sinch_campaign_default`` (see the README) and, for a real account, the template to copy in
the ``template_campaign_id`` param or the ``SINCH_TEMPLATE_CAMPAIGN_ID`` variable.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG, task

from airflow_provider_sinch.operators.campaign import (
    SinchCreateCampaignOperator,
    SinchExportCampaignLogOperator,
    SinchExportCampaignStatsOperator,
    SinchSendSmsOperator,
)
from airflow_provider_sinch.sensors.campaign import SinchCampaignStatusSensor

OUTPUT_DIR = Path(os.environ.get("SINCH_DEMO_OUTPUT_DIR", tempfile.gettempdir())) / "campaign"
CONTACTS_CSV = Path(__file__).parent / "data" / "campaign_contacts.csv"
#: The emulator's seeded template; a real account has its own (Sinch's "Show the IDs").
EMULATOR_TEMPLATE = "c2d2f656-09f4-4e26-b9f3-92c14e15116d"

with DAG(
    dag_id="sinch_campaign_example",
    description="Duplicate a Sinch template campaign, send it, wait until sent, export log and stats",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    params={"template_campaign_id": os.environ.get("SINCH_TEMPLATE_CAMPAIGN_ID", EMULATOR_TEMPLATE)},
    tags=["sinch", "example"],
) as dag:
    # Duplicate the template for the recipients of a CSV file (header row = field names).
    # No send_date: send now. No tag: the operator tags the campaign so a retry finds it.
    create = SinchCreateCampaignOperator(
        task_id="duplicate_template",
        template_campaign_id="{{ params.template_campaign_id }}",
        # Manual runs (UI, REST API, `airflow dags trigger`) have no logical date, hence no `ds`:
        # run_after is set on manual, scheduled and backfilled runs alike.
        name="Spring sale {{ dag_run.run_after | ds }}",
        contacts=str(CONTACTS_CSV),
        contacts_header=True,
    )

    # Text a few more people on the same campaign (any number: sent 1000 at a time).
    send = SinchSendSmsOperator(
        task_id="text_late_signups",
        campaign_id=create.output["campaign_id"],
        contacts=[["+15550100006", "Frank", "SPRING10"], ["+15550100007", "Grace", "SPRING15"]],
    )

    # Wait in the triggerer, not in a worker slot.
    wait = SinchCampaignStatusSensor(
        task_id="wait_until_sent",
        campaign_id=create.output["campaign_id"],
        target_statuses=("sent",),
        deferrable=True,
        poke_interval=2,
        timeout=600,
    )

    # A scheduled DAG would leave start/stop out and export its data interval; a manual run's
    # interval is empty, so this example exports everything from an hour before the run.
    export_log = SinchExportCampaignLogOperator(
        task_id="export_log",
        campaign_id=create.output["campaign_id"],
        destination=str(OUTPUT_DIR / "{{ run_id | replace(':', '_') }}" / "events.jsonl"),
        start="{{ (dag_run.start_date - macros.timedelta(hours=1)).isoformat() }}",
        stop="{{ ti.start_date.isoformat() }}",
    )

    export_stats = SinchExportCampaignStatsOperator(
        task_id="export_stats",
        campaign_id=create.output["campaign_id"],
        destination=str(OUTPUT_DIR / "{{ run_id | replace(':', '_') }}" / "stats.csv"),
        file_format="csv",
    )

    @task
    def report(log: dict, stats: dict) -> dict:
        """What downstream tasks would read: the files and the figures."""
        print(f"Events: {log['count']} {log['counts_by_type']} -> {log['path']}")
        print(f"Stats summary: {stats['summary']} ({stats['count']} recipients) -> {stats['path']}")
        return {"events_file": log["path"], "stats_file": stats["path"], "summary": stats["summary"]}

    create >> send >> wait >> [export_log, export_stats]
    report(export_log.output, export_stats.output)
