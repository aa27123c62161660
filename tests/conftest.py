"""Shared fixtures: connections from AIRFLOW_CONN_* JSON, no real sleeps, an emulator on loopback."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

CAMPAIGN_HOST = "https://api.us.campaign.sinch.com"
SHORT_CODE_HOST = "https://usshortcode.api.sinch.com"
TEN_DLC_HOST = "https://us10dlc.numbers.api.sinch.com"
TOKEN_URL = "https://auth.sinch.com/oauth2/token"
SECRET_KEY = "c2VjcmV0LWtleS1mb3ItdGVzdHM="
KEY_ID = "test-key-id"
KEY_SECRET = "test-key-secret"
PROJECT_ID = "proj-123"


def set_connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, **fields: Any) -> None:
    """Define a connection the way users do in deployments: an AIRFLOW_CONN_* JSON variable."""
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


#: What the cross-API wait tests (timeouts, soft_fail / never_fail) wait on, one resource per API.
WAITED_CAMPAIGN_ID = "c2d2f656-09f4-4e26-b9f3-92c14e15116d"
WAITED_SHORT_CODE_ID = "20001"
WAITED_REGISTRATION_ID = "01HZX3J6M5Q8R7T2V9W4Y6Z8AB"


def status_sensor(api: str, **kwargs: Any) -> Any:
    """The status sensor of ``api`` (``campaign``, ``short_code`` or ``ten_dlc``) on its waited resource."""
    if api == "campaign":
        from airflow_provider_sinch.sensors.campaign import SinchCampaignStatusSensor

        return SinchCampaignStatusSensor(task_id="wait", campaign_id=WAITED_CAMPAIGN_ID, **kwargs)
    if api == "short_code":
        from airflow_provider_sinch.sensors.short_code import SinchShortCodeCampaignStatusSensor

        return SinchShortCodeCampaignStatusSensor(task_id="wait", campaign_id=WAITED_SHORT_CODE_ID, **kwargs)
    from airflow_provider_sinch.sensors.ten_dlc import Sinch10DLCCampaignStatusSensor

    return Sinch10DLCCampaignStatusSensor(
        task_id="wait", campaign_registration_id=WAITED_REGISTRATION_ID, **kwargs
    )


def answer_tokens(requests_mock: Any) -> None:
    """Both token endpoints (OAuth2 and the Campaign API's) answer with a valid token."""
    requests_mock.post(TOKEN_URL, json={"access_token": "t", "expires_in": 3600})
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/token", json={"access_token": "t", "expires": "2099-01-01T00:00:00"}
    )


#: A US Short Code campaign (``20001``) in DRAFT with every field submission needs: what the
#: submit operator, its templates and its waits read back before they submit.
SHORT_CODE_READY: dict[str, Any] = {
    "id": "20001",
    "name": "Alerts",
    "status": "DRAFT",
    "scRequested": True,
    "brandId": "B1",
    "contentDefinitions": [{"messageType": "SMS"}],
    "customerCare": {"optOutKeywords": "STOP"},
    "termsAndConditions": {"url": "https://x.example/terms"},
    "privacyPolicy": {"url": "https://x.example/privacy"},
    "complianceEmails": ["c@x.example"],
}


@pytest.fixture(autouse=True)
def _fresh_tokens_and_no_sleep(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Every test starts without cached tokens, and retries never really sleep."""
    from airflow_provider_sinch import _ahttp, _auth, _http, waits

    _auth.clear_token_cache()
    slept: list[float] = []
    monkeypatch.setattr(_http, "_sleep", slept.append)
    monkeypatch.setattr(waits, "_sleep", slept.append)

    async def _no_asleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(_ahttp, "_asleep", _no_asleep)
    yield slept
    _auth.clear_token_cache()


@pytest.fixture(autouse=True)
def _no_blocking_mask_in_async_code(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test in which the provider calls the blocking ``mask_secret`` on a running loop.

    In the triggerer that call blocks every trigger of the loop on the supervisor (and can
    deadlock on older Airflow): async code must use ``amask_secret``. Airflow's own calls are
    not ours to judge, so only calls made from the provider's frames are recorded.
    """
    import asyncio
    import sys

    import airflow.sdk.log as sdk_log

    original = sdk_log.mask_secret
    offenders: list[str] = []

    def guarded(secret: Any, name: str | None = None) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            caller = sys._getframe(1)
            module = str(caller.f_globals.get("__name__", ""))
            # _compat.amask_secret falls back to mask_secret on Airflow < 3.3, which has no other.
            if module.startswith("airflow_provider_sinch") and module != "airflow_provider_sinch._compat":
                offenders.append(f"{module}.{caller.f_code.co_name}")
        original(secret, name)

    monkeypatch.setattr(sdk_log, "mask_secret", guarded)
    yield
    assert not offenders, f"blocking mask_secret called on a running event loop by {offenders}"


@pytest.fixture
def slept(_fresh_tokens_and_no_sleep: list[float]) -> list[float]:
    """The delays the transport asked to sleep, in order."""
    return _fresh_tokens_and_no_sleep


@pytest.fixture
def campaign_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    set_connection(
        monkeypatch,
        "sinch_campaign_default",
        conn_type="sinch_campaign",
        host=CAMPAIGN_HOST,
        password=SECRET_KEY,
        extra={"max_retries": 3},
    )
    return "sinch_campaign_default"


@pytest.fixture
def short_code_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    set_connection(
        monkeypatch,
        "sinch_short_code_default",
        conn_type="sinch_us_short_code",
        host=SHORT_CODE_HOST,
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, "token_url": TOKEN_URL, "max_retries": 3},
    )
    return "sinch_short_code_default"


@pytest.fixture
def ten_dlc_conn(monkeypatch: pytest.MonkeyPatch) -> str:
    set_connection(
        monkeypatch,
        "sinch_10dlc_default",
        conn_type="sinch_10dlc",
        host=TEN_DLC_HOST,
        login=KEY_ID,
        password=KEY_SECRET,
        extra={"project_id": PROJECT_ID, "token_url": TOKEN_URL, "auth": "oauth2", "max_retries": 3},
    )
    return "sinch_10dlc_default"


@pytest.fixture
def oauth_token(requests_mock: Any) -> Any:
    """Mock Sinch's OAuth2 token endpoint (Short Code and 10DLC)."""
    return requests_mock.post(
        TOKEN_URL, json={"access_token": "oauth-token-1", "expires_in": 3600, "token_type": "bearer"}
    )


@pytest.fixture
def campaign_token(requests_mock: Any) -> Any:
    """Mock the Campaign API's token endpoint."""
    return requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/token",
        json={"access_token": "campaign-token-1", "expires": "2099-01-01T00:00:00", "success": True},
    )


# --- A real emulator on loopback (end-to-end tests) -------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningEmulator:
    url: str
    state: Any

    def advance(self, seconds: float) -> None:
        self.state.clock.advance(seconds)


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    """A fresh emulator served by uvicorn in a thread, on a free loopback port."""
    import uvicorn

    from airflow_provider_sinch.emulator import create_app
    from airflow_provider_sinch.emulator.core import EmulatorConfig, EmulatorState

    # Every answer is checked against its API's document (see ``EmulatorConfig.check_responses``).
    state = EmulatorState(
        EmulatorConfig(campaign_sending_seconds=2.0, review_step_seconds=2.0, check_responses=True)
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("emulator did not start")
        time.sleep(0.02)
    try:
        yield RunningEmulator(url=f"http://127.0.0.1:{port}", state=state)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
    assert state.response_problems == [], "the emulator answered outside its document"


# --- Operator contexts -----------------------------------------------------------------------
class FakeTI:
    """The parts of a task instance the operators use, recording XCom pushes."""

    def __init__(
        self, try_number: int = 1, *, dag_id: str = "dag", run_id: str = "run-1", task_id: str = "task"
    ):
        self.try_number = try_number
        self.dag_id = dag_id
        self.run_id = run_id
        self.task_id = task_id
        self.map_index = -1
        self.xcom: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.xcom[key] = value

    def get_first_reschedule_date(self, context: Any) -> Any:
        """Reschedule-mode sensors ask when their first poke was; ``None``: this is it."""
        return None


@pytest.fixture
def make_context() -> Any:
    """``make_context(try_number=1, **context)``: a minimal Airflow context for ``execute``."""

    def make(try_number: int = 1, **extra: Any) -> dict[str, Any]:
        return {"ti": FakeTI(try_number), **extra}

    return make


def assert_deferral_timeout(actual: Any, wait: Any) -> None:
    """A deferral's backstop timeout: the wait's timeout plus the grace that lets the trigger's own
    timeout event (naming the last status) arrive first."""
    from datetime import timedelta

    from airflow_provider_sinch.waits import DEFERRAL_GRACE

    expected = wait + DEFERRAL_GRACE
    assert expected - timedelta(seconds=5) <= actual <= expected


# --- Triggers ----------------------------------------------------------------------------------
def drive_trigger(
    trigger: Any, conn: Any, transport: Any, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """Run ``trigger`` to its end on an ``httpx.MockTransport``, without real sleeps.

    The trigger builds its async client from ``conn`` exactly as in the triggerer; only the
    connection lookup and the network are replaced. Returns the events' payloads.
    """
    import asyncio

    async def fake_transport() -> Any:
        return trigger.connection_kind.async_transport(conn, trigger.hook_params, mock_transport=transport)

    async def no_sleep(seconds: float) -> None:
        return None

    monkeypatch.setattr(trigger, "_transport", fake_transport)
    monkeypatch.setattr("airflow_provider_sinch.triggers.base.asyncio.sleep", no_sleep)

    async def collect() -> list[dict[str, Any]]:
        return [event.payload async for event in trigger.run()]

    return asyncio.run(collect())
