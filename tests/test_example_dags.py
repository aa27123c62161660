"""Every example DAG imports without error (the end-to-end tests run them)."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow < 3.2
    from airflow.models.dagbag import DagBag  # type: ignore[no-redef]

DAGS_FOLDER = Path(__file__).parents[1] / "dags_examples"
EXPECTED = {
    "sinch_campaign_example",
    "sinch_short_code_example",
    "sinch_10dlc_example",
    "sinch_launch_on_10dlc_approval",
}


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}


def test_every_example_is_there(dagbag):
    assert set(dagbag.dag_ids) >= EXPECTED


def _operator_class(task: object) -> type:
    """The task's operator class, also for a mapped task (``partial().expand()``)."""
    mapped = getattr(task, "operator_class", None)
    return mapped if isinstance(mapped, type) else type(task)


def test_examples_use_the_sinch_operators(dagbag):
    for dag_id in EXPECTED & set(dagbag.dag_ids):
        dag = dagbag.dags[dag_id]
        assert any(_operator_class(t).__module__.startswith("airflow_provider_sinch") for t in dag.tasks), (
            dag_id
        )


def test_the_launch_dag_is_started_by_the_10dlc_approval_watcher(dagbag):
    import importlib.util

    from airflow_provider_sinch.triggers.ten_dlc import Sinch10DLCRegistrationEventTrigger

    spec = importlib.util.spec_from_file_location(
        "launch_example", DAGS_FOLDER / "sinch_launch_on_10dlc_approval.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    dag = module.dag
    (watcher,) = module.registration_approved.watchers
    assert isinstance(watcher.trigger, Sinch10DLCRegistrationEventTrigger)
    assert watcher.trigger.outcomes == ["approved"]
    assert watcher.trigger.shared_stream_key() is not None
    assert dag.task_dict["approved_registrations"].downstream_task_ids == {"send_launch_campaign"}

    # A run may carry several approvals (Airflow merges events queued together): one launch each.
    class Event:
        def __init__(self, rid: str) -> None:
            self.extra = {"payload": {"campaign_registration_id": rid, "status": "ACTIVE", "summary": {}}}

    class TriggeringEvents:
        """Airflow's accessor, looked up by asset (an Asset with watchers is unhashable on 3.1)."""

        def __init__(self, events: list[Event]) -> None:
            self.events = events

        def get(self, asset: object, default: object = None) -> object:
            return self.events if asset == module.registration_approved else default

    collect = dag.task_dict["approved_registrations"].python_callable
    events = TriggeringEvents([Event("R1"), Event("R2"), Event("R3")])
    launches = collect(triggering_asset_events=events, params={"campaign_registration_id": None})
    assert launches == [{"name": "Launch for R1"}, {"name": "Launch for R2"}, {"name": "Launch for R3"}]
    manual = collect(triggering_asset_events=TriggeringEvents([]), params={"campaign_registration_id": "R9"})
    assert manual == [{"name": "Launch for R9"}]
