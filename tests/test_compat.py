"""The names ``_compat`` takes from whichever Airflow is installed (3.1.1 to the newest)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import airflow.sdk.log
import pytest

from airflow_provider_sinch import _compat


def test_amask_secret_hides_the_value_in_logs() -> None:
    from airflow.sdk._shared.secrets_masker import redact

    asyncio.run(_compat.amask_secret("s3cr3t-from-a-trigger"))

    assert redact("token=s3cr3t-from-a-trigger") == "token=***"


def test_amask_secret_uses_the_async_call_where_airflow_has_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any, Any]] = []

    async def amask_secret(secret: Any, name: str | None = None) -> None:
        calls.append(("amask_secret", secret, name))

    def mask_secret(secret: Any, name: str | None = None) -> None:
        calls.append(("mask_secret", secret, name))

    monkeypatch.setattr(airflow.sdk.log, "amask_secret", amask_secret, raising=False)
    monkeypatch.setattr(airflow.sdk.log, "mask_secret", mask_secret)

    asyncio.run(_compat.amask_secret("s3cr3t", "password"))

    assert calls == [("amask_secret", "s3cr3t", "password")]


def test_amask_secret_falls_back_to_mask_secret_before_airflow_3_3(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, Any, Any]] = []

    def mask_secret(secret: Any, name: str | None = None) -> None:
        calls.append(("mask_secret", secret, name))

    monkeypatch.delattr(airflow.sdk.log, "amask_secret", raising=False)
    monkeypatch.setattr(airflow.sdk.log, "mask_secret", mask_secret)

    asyncio.run(_compat.amask_secret("s3cr3t", "password"))

    assert calls == [("mask_secret", "s3cr3t", "password")]


@pytest.mark.parametrize("value", ["True", "False"])
def test_default_deferrable_comes_from_airflow_config(value: str) -> None:
    """``conf`` is Airflow's own configuration: ``[operators] default_deferrable`` reaches the sensor."""
    code = (
        "from airflow_provider_sinch.sensors.campaign import SinchCampaignStatusSensor\n"
        "print(SinchCampaignStatusSensor(task_id='wait', campaign_id='c1').deferrable)\n"
    )
    env = {**os.environ, "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": value}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == value
