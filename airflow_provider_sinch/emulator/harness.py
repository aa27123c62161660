"""Run the example DAGs against the emulator on a throw-away local Airflow (SQLite).

Shared by ``make demo`` (``scripts/demo.py``) and the end-to-end tests, so that what the demo
shows is exactly what the tests check.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from airflow_provider_sinch.emulator.core import (
    DEFAULT_CAMPAIGN_SECRET_KEY,
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "dags_examples"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def connection_env(emulator_url: str) -> dict[str, str]:
    """``AIRFLOW_CONN_*`` variables pointing the three default connections at the emulator."""
    key_pair = {
        "login": DEFAULT_KEY_ID,
        "password": DEFAULT_KEY_SECRET,
        "host": emulator_url,
    }
    oauth_extra = {"project_id": DEFAULT_PROJECT_ID, "oauth_url": f"{emulator_url}/oauth2/token"}
    return {
        "AIRFLOW_CONN_SINCH_CAMPAIGN_DEFAULT": json.dumps(
            {
                "conn_type": "sinch_campaign",
                "host": emulator_url,
                "password": DEFAULT_CAMPAIGN_SECRET_KEY,
                "extra": {"login_url": f"{emulator_url}/api/login"},
            }
        ),
        "AIRFLOW_CONN_SINCH_SHORT_CODE_DEFAULT": json.dumps(
            {"conn_type": "sinch_us_short_code", **key_pair, "extra": oauth_extra}
        ),
        "AIRFLOW_CONN_SINCH_10DLC_DEFAULT": json.dumps(
            {"conn_type": "sinch_10dlc", **key_pair, "extra": {**oauth_extra, "auth": "oauth2"}}
        ),
    }


def airflow_env(airflow_home: Path, emulator_url: str, output_dir: Path) -> dict[str, str]:
    """Environment of a local Airflow with its embedded SQLite, the example DAGs and the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW__"))}
    env.update(
        {
            "AIRFLOW_HOME": str(airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "SINCH_DEMO_OUTPUT_DIR": str(output_dir),
            **connection_env(emulator_url),
        }
    )
    return env


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))


def migrate(env: dict[str, str]) -> None:
    """Create the SQLite metadata database (about 7 s), once per Airflow home."""
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    subprocess.run([airflow_bin(), "db", "migrate"], env=env, check=True, capture_output=True, text=True)  # noqa: S603


@dataclass
class DagRunResult:
    dag_id: str
    returncode: int
    output: str
    output_dir: Path

    @property
    def state(self) -> str | None:
        """The final DagRun state Airflow logged (``success`` / ``failed``)."""
        found = re.findall(
            r"DagRun Finished: dag_id=" + re.escape(self.dag_id) + r".*?state=(\w+)", self.output
        )
        return found[-1] if found else None

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and self.state == "success"


def run_dag(
    dag_id: str, env: dict[str, str], *, conf: dict[str, Any] | None = None, timeout: float = 300
) -> DagRunResult:
    """``airflow dags test DAG_ID`` in a subprocess; the output is returned, not printed."""
    command = [airflow_bin(), "dags", "test", dag_id]
    if conf:
        command += ["--conf", json.dumps(conf)]
    completed = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return DagRunResult(
        dag_id=dag_id,
        returncode=completed.returncode,
        output=completed.stdout + completed.stderr,
        output_dir=Path(env["SINCH_DEMO_OUTPUT_DIR"]),
    )


class EmulatorProcess:
    """``python -m airflow_provider_sinch.emulator`` in a child process, stopped on exit."""

    def __init__(self, port: int | None = None, *, extra_args: list[str] | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args or []
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> EmulatorProcess:
        command = [
            sys.executable,
            "-m",
            "airflow_provider_sinch.emulator",
            "--port",
            str(self.port),
            *self.extra_args,
        ]
        self.process = subprocess.Popen(command)  # noqa: S603
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the emulator exited with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/_emulator/health", timeout=1):  # noqa: S310
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("the emulator did not start within 30 s")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
