"""End-to-end fixtures: a migrated SQLite Airflow home and ``run_dag`` against the emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sinch.emulator.harness import DagRunResult, airflow_env, migrate
from airflow_provider_sinch.emulator.harness import run_dag as _run_dag


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated Airflow home (SQLite) for the whole session: migrating costs about 7 s."""
    home = tmp_path_factory.mktemp("airflow_home")
    migrate(airflow_env(home, "http://127.0.0.1:9", home / "unused"))
    return home


@pytest.fixture
def run_dag(emulator: Any, airflow_home: Path, tmp_path: Path) -> Callable[..., DagRunResult]:
    """Run an example DAG with ``airflow dags test`` against this test's emulator.

    The DAG writes its files under ``result.output_dir`` (``$SINCH_DEMO_OUTPUT_DIR``).
    """
    output_dir = tmp_path / "output"
    output_dir.mkdir()
    env = airflow_env(airflow_home, emulator.url, output_dir)

    def run(dag_id: str, conf: dict[str, Any] | None = None) -> DagRunResult:
        return _run_dag(dag_id, env, conf=conf)

    return run
