"""Every example DAG imports without error (the end-to-end tests run them)."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow < 3.2
    from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

DAGS_FOLDER = Path(__file__).parents[1] / "dags_examples"
EXPECTED = {"sinch_campaign_example", "sinch_short_code_example", "sinch_10dlc_example"}


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_every_example_is_there(dagbag):
    assert set(dagbag.dag_ids) >= EXPECTED


def test_examples_use_the_sinch_operators(dagbag):
    for dag_id in EXPECTED & set(dagbag.dag_ids):
        dag = dagbag.dags[dag_id]
        assert any(type(t).__module__.startswith("airflow_provider_sinch") for t in dag.tasks), dag_id
