"""The emulator's read-only request counts (``GET /_emulator/counts``), used by ``make e2e-deploy``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from airflow_provider_sinch.emulator import create_app
from airflow_provider_sinch.emulator.core import DEFAULT_KEY_ID, DEFAULT_KEY_SECRET


def test_counts_each_method_and_path_and_leaves_out_the_controls():
    with TestClient(create_app()) as client:
        for _ in range(2):
            client.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(DEFAULT_KEY_ID, DEFAULT_KEY_SECRET),
            )
        client.get("/oauth2/token")
        client.get("/_emulator/health")

        counts = client.get("/_emulator/counts").json()

        assert counts == {"requests": {"POST /oauth2/token": 2, "GET /oauth2/token": 1}}
        assert client.get("/_emulator/counts").json() == counts  # reading counts nothing
