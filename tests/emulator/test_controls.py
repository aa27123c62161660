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


def test_a_fault_fails_the_next_matching_requests_then_stops():
    with TestClient(create_app()) as client:
        added = client.post(
            "/_emulator/faults",
            json={
                "method": "post",
                "path_contains": "/oauth2/token",
                "status": 503,
                "count": 2,
                "retry_after": "7",
            },
        )
        assert added.json() == {"faults": 1}

        def token() -> object:
            return client.post(
                "/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(DEFAULT_KEY_ID, DEFAULT_KEY_SECRET),
            )

        first, second, third = token(), token(), token()
        assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
        assert first.headers["Retry-After"] == "7"


def test_a_fault_body_that_does_not_fit_is_a_422_naming_the_field():
    """Not a 500: a missing field, a status that is not an error, an unknown key."""
    with TestClient(create_app()) as client:
        for body, field in [
            ({}, "method"),
            ({"method": "GET", "path_contains": "/x", "status": 200}, "status"),
            ({"method": "GET", "path_contains": "/x", "status": 500, "count": 0}, "count"),
            ({"method": "GET", "path_contains": "/x", "status": 500, "after": True}, "after"),
            # another JSON type is refused, not converted (found by a new user)
            ({"method": "GET", "path_contains": "/x", "status": "503"}, "status"),
            ({"method": "GET", "path_contains": "/x", "status": 503.0}, "status"),
            ({"method": "GET", "path_contains": "/x", "status": 503, "count": "2"}, "count"),
            ({"method": "GET", "path_contains": "/x", "status": 503, "count": True}, "count"),
            (
                {"method": "GET", "path_contains": "/x", "status": 503, "after_processing": "yes"},
                "after_processing",
            ),
            ({"method": " ", "path_contains": "/x", "status": 503}, "method"),
        ]:
            answer = client.post("/_emulator/faults", json=body)
            assert answer.status_code == 422, body
            assert field in {str(part) for error in answer.json()["detail"] for part in error["loc"]}


def test_armed_faults_are_listed_and_cleared():
    with TestClient(create_app()) as client:
        body = {"method": "GET", "path_contains": "/campaigns/", "status": 404, "count": 50, "retry_after": 5}
        assert client.post("/_emulator/faults", json=body).status_code == 200
        listed = client.get("/_emulator/faults").json()["faults"]
        assert listed == [{**body, "retry_after": "5", "after_processing": False}]
        assert client.delete("/_emulator/faults").json() == {"cleared": 1}
        assert client.get("/_emulator/faults").json() == {"faults": []}
