"""The example DAGs and the README's examples render on a run without a logical date.

Airflow 3 creates manual runs (UI, REST API, ``airflow dags trigger``) with ``logical_date`` None;
the task context then has no ``ds``, ``ts``, ``logical_date`` nor ``data_interval_*``, and a
template naming one fails with ``UndefinedError`` (``make e2e-deploy`` runs the DAGs that way).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from jinja2 import meta

from tests.test_example_dags import DAGS_FOLDER, DagBag
from tests.test_readme import SECTIONS

#: Context keys the task runner sets only when the run has a logical date.
UNDEFINED_WITHOUT_LOGICAL_DATE = {
    "logical_date",
    "ds",
    "ds_nodash",
    "ts",
    "ts_nodash",
    "ts_nodash_with_tz",
    "data_interval_start",
    "data_interval_end",
    "prev_data_interval_start_success",
    "prev_data_interval_end_success",
}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _strings(item)


def _undefined_names(dag: Any) -> dict[str, set[str]]:
    env = dag.get_template_env()
    found: dict[str, set[str]] = {}
    for task in dag.tasks:
        for field in task.template_fields:
            for text in _strings(getattr(task, field, None)):
                if "{{" not in text and "{%" not in text:
                    continue
                names = meta.find_undeclared_variables(env.parse(text)) & UNDEFINED_WITHOUT_LOGICAL_DATE
                if names:
                    found[f"{task.task_id}.{field}"] = names
    return found


def test_the_checked_names_are_the_runners():
    """Guard against a rename in Airflow: a manual run's context really lacks these names."""
    import inspect

    from airflow.sdk.execution_time import task_runner

    source = inspect.getsource(task_runner.RuntimeTaskInstance.get_template_context)
    for name in UNDEFINED_WITHOUT_LOGICAL_DATE:
        assert f'"{name}":' in source, name


def test_example_dags_use_no_name_a_manual_run_lacks():
    dagbag = DagBag(dag_folder=str(DAGS_FOLDER))
    assert dagbag.dags
    assert {dag_id: _undefined_names(dag) for dag_id, dag in dagbag.dags.items()} == {
        dag_id: {} for dag_id in dagbag.dags
    }


@pytest.mark.parametrize(("title", "blocks"), SECTIONS, ids=[title for title, _ in SECTIONS])
def test_readme_examples_use_no_name_a_manual_run_lacks(title, blocks):
    from airflow.sdk import DAG

    namespace: dict[str, Any] = {}
    with DAG(dag_id="readme", schedule=None) as dag:
        for block in blocks:
            exec(compile(block, f"README: {title}", "exec"), namespace)
    assert _undefined_names(dag) == {}
