"""The US Short Code example DAG, end to end with ``airflow dags test`` against the emulator."""

from __future__ import annotations

import json

CAMPAIGN_PATH = [
    ("DRAFT", "PENDING_REVIEW"),
    ("PENDING_REVIEW", "REVIEWING"),
    ("REVIEWING", "READY_CARRIER_SUBMISSION"),
    ("READY_CARRIER_SUBMISSION", "CARRIER_SUBMITTED"),
    ("CARRIER_SUBMITTED", "COMPLETED"),
]
ORDER_PATH = [
    ("PENDING", "SUBMITTED"),
    ("SUBMITTED", "APPROVED"),
    ("APPROVED", "PROVISIONED_BY_CARRIER"),
    ("PROVISIONED_BY_CARRIER", "PROVISIONED_BY_SINCH"),
    ("PROVISIONED_BY_SINCH", "CLIENT_CERTIFICATION_REQUESTED"),
    ("CLIENT_CERTIFICATION_REQUESTED", "CARRIER_CERTIFICATION_REQUESTED"),
    ("CARRIER_CERTIFICATION_REQUESTED", "CERTIFIED"),
]


def test_short_code_example_dag_runs_end_to_end(run_dag, emulator):
    result = run_dag("sinch_short_code_example")

    assert result.returncode == 0, result.output[-5000:]
    assert result.succeeded, result.output[-5000:]

    records = [
        json.loads(line)
        for line in (result.output_dir / "short_code" / "short_code_history.jsonl").read_text().splitlines()
    ]
    campaign_ids = {r["campaign_id"] for r in records}
    assert len(campaign_ids) == 1  # one campaign: no second draft
    campaign_logs = [
        (r["previous_status"], r["current_status"]) for r in records if r["record_type"] == "campaign_log"
    ]
    assert campaign_logs == CAMPAIGN_PATH
    for carrier_id, name in (("1", "AT&T Mobility"), ("2", "T-Mobile USA")):
        logs = [
            r for r in records if r["record_type"] == "carrier_order_log" and r["carrier_id"] == carrier_id
        ]
        assert [(r["previous_status"], r["current_status"]) for r in logs] == ORDER_PATH
        assert {r["carrier_name"] for r in logs} == {name}
    notes = [(r["author"], r["text"]) for r in records if r["record_type"] == "campaign_note"]
    assert notes == [("CUSTOMER", "Registered by the Airflow example DAG.")]
    times = [r["created_at"] for r in records]
    assert times == sorted(times)

    # Sinch (the emulator) holds exactly what the DAG sent: one campaign with the receipt attached.
    campaigns = emulator.state.apis["short_code"].campaigns
    assert list(campaigns) == list(campaign_ids)
    (campaign,) = campaigns.values()
    assert [a["name"] for a in campaign["campaignAttachments"]] == ["short_code_receipt.txt"]
    receipt = (result.output_dir / "short_code" / "short_code_receipt.txt").read_bytes()
    assert (
        emulator.state.apis["short_code"].attachments[campaign["campaignAttachments"][0]["attachmentId"]]
        == receipt
    )
    # The key secret never reaches the task logs.
    assert "emulator-key-secret" not in result.output
