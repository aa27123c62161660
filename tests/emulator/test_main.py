"""``python -m airflow_provider_sinch.emulator`` prints the connections that point Airflow at it."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from airflow_provider_sinch.hooks.campaign import SinchCampaignHook
from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook
from airflow_provider_sinch.hooks.ten_dlc import Sinch10DLCHook
from tests.conftest import free_port


@pytest.fixture
def started_emulator() -> Iterator[tuple[str, list[str]]]:
    """The emulator as a user starts it, in its own process: its URL and what it printed."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_sinch.emulator", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        printed = []
        while len([line for line in printed if line.startswith("airflow connections add")]) < 3:
            line = process.stdout.readline()
            assert line, f"the emulator stopped early, after printing {printed}"
            printed.append(line.rstrip("\n"))
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_emulator/health", timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the emulator did not answer"
                time.sleep(0.1)
        yield url, printed
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_printed_connections_point_every_hook_at_the_emulator(
    started_emulator: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, printed = started_emulator
    assert printed[0].startswith(f"Sinch emulator on {url} ")
    commands = [shlex.split(line) for line in printed if line.startswith("airflow connections add")]
    connections: dict[str, dict[str, Any]] = {}
    for command in commands:
        assert command[:3] == ["airflow", "connections", "add"]
        assert command[4] == "--conn-json"
        connections[command[3]] = json.loads(command[5])
    assert set(connections) == {"sinch_campaign_default", "sinch_short_code_default", "sinch_10dlc_default"}
    for conn_id, fields in connections.items():
        assert fields["host"] == url
        # The same JSON works as an AIRFLOW_CONN_* variable, which is how this test uses it.
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))
    # The OAuth2 APIs need the emulator's token URL, not Sinch's: pointing only the host is a trap.
    assert connections["sinch_short_code_default"]["extra"]["oauth_url"] == f"{url}/oauth2/token"
    assert connections["sinch_10dlc_default"]["extra"]["oauth_url"] == f"{url}/oauth2/token"

    for hook in (SinchCampaignHook(), SinchShortCodeHook(), Sinch10DLCHook()):
        ok, message = hook.test_connection()
        assert ok, f"{type(hook).__name__}: {message}"
