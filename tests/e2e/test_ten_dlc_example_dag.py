"""The 10DLC example DAG end to end: ``airflow dags test`` against the emulator (about 30 s a run)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from typing import Any

from airflow_provider_sinch.emulator.harness import DAGS_FOLDER
from airflow_provider_sinch.emulator.ten_dlc import REJECT_BRAND_ID, REJECT_REASON

DAG_ID = "sinch_10dlc_example"
#: The conf that makes the emulator's review reject the registration.
REJECTION_CONF = {"brand_id": REJECT_BRAND_ID}


def test_the_example_dag_imports_with_its_chain() -> None:
    spec = importlib.util.spec_from_file_location(
        "sinch_10dlc_example", DAGS_FOLDER / "sinch_10dlc_example.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    dag = module.dag
    assert dag.dag_id == DAG_ID
    assert dag.task_dict["qualify_brand"].downstream_task_ids == {"submit_campaign"}
    assert dag.task_dict["submit_campaign"].downstream_task_ids == {"wait_until_approved"}
    assert dag.task_dict["wait_until_approved"].downstream_task_ids == {"record_registration"}
    assert set(dag.params.keys()) == {"brand_id", "campaign_name"}


def test_a_registration_is_qualified_submitted_and_approved(run_dag: Callable[..., Any]) -> None:
    result = run_dag(DAG_ID)

    assert result.succeeded, result.output[-4000:]
    assert "Brand BESINCH qualifies for MIXED" in result.output
    assert "Submitted campaign registration" in result.output
    saved = json.loads((result.output_dir / "sinch_10dlc_registration.json").read_text())
    assert saved["status"] in ("APPROVED", "ACTIVE")
    assert saved["brandId"] == "BESINCH"
    assert saved["campaignId"]


def test_a_rejected_registration_fails_with_the_feedback_reason(run_dag: Callable[..., Any]) -> None:
    result = run_dag(DAG_ID, conf=REJECTION_CONF)

    assert result.returncode != 0
    assert result.state == "failed"
    assert "reached terminal status 'SINCH_REJECTED': Sinch feedback: internal errors:" in result.output
    assert REJECT_REASON in result.output
    assert not (result.output_dir / "sinch_10dlc_registration.json").exists()
