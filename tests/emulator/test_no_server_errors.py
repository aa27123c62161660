"""The Campaign and 10DLC emulators answer any client input with a documented answer, never a 5xx.

Hypothesis sends every documented parameter of every route with values of any JSON type (and
unknown ones); each answer must be below 500 and fit the document's shapes (the emulator's
``check_responses``). Bounded and deterministic: a few dozen examples per route, derandomized.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_sinch.emulator import create_app
from airflow_provider_sinch.emulator.campaign import TEMPLATE_CAMPAIGN_ID
from airflow_provider_sinch.emulator.core import (
    DEFAULT_CAMPAIGN_SECRET_KEY,
    DEFAULT_KEY_ID,
    DEFAULT_KEY_SECRET,
    DEFAULT_PROJECT_ID,
    EmulatorConfig,
    EmulatorState,
)
from tests.test_ten_dlc_validation import valid_campaign

SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
TEN_DLC_BASIC = {
    "Authorization": "Basic " + base64.b64encode(f"{DEFAULT_KEY_ID}:{DEFAULT_KEY_SECRET}".encode()).decode()
}
TEN_DLC = f"/v1/projects/{DEFAULT_PROJECT_ID}/campaignRegistrations"


@pytest.fixture
def state() -> Iterator[EmulatorState]:
    state = EmulatorState(EmulatorConfig(check_responses=True))
    yield state
    assert state.response_problems == []


@pytest.fixture
def client(state: EmulatorState) -> Iterator[TestClient]:
    with TestClient(create_app(state)) as test_client:
        yield test_client


@pytest.fixture
def campaign_auth(client: TestClient) -> dict[str, str]:
    answer = client.post("/v1/token", headers={"Authorization": f"Basic {DEFAULT_CAMPAIGN_SECRET_KEY}"})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _params(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional={name: VALUES for name in (*names, "unknown")})


CAMPAIGN_POSTS = {
    "/v1/campaign/create": (
        "logic",
        "logic_param",
        "name",
        "sender",
        "message",
        "contacts",
        "send_date",
        "timezone",
        "tag",
        "external_channel",
        "field_names",
    ),
    "/v1/campaign/sendsms": ("campaign_uuid", "contact", "contacts", "external_channel"),
    "/v1/campaign/generate-landingpages": ("campaign_uuid", "contacts"),
    "/v1/campaign/create-redirect": ("name", "target_url", "contacts", "tag"),
}
CAMPAIGN_GETS = {
    "/v1/campaigns": ("start", "stop", "status", "extended"),
    "/v1/campaign/stats": ("campaign_uuid", "start", "stop", "columns", "filters", "stopped_as_date"),
    "/v1/campaign/log": ("campaign_uuid", "start", "stop", "columns", "types"),
    "/v1/campaign/contacts": ("campaign_uuid",),
}


def _query(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, (str, list)) else json.dumps(v) for k, v in params.items()}


@pytest.mark.parametrize("path", list(CAMPAIGN_POSTS))
@pytest.mark.parametrize("as_form", [False, True], ids=["json", "form"])
def test_campaign_posts(client: TestClient, campaign_auth: dict[str, str], path: str, as_form: bool) -> None:
    @SETTINGS
    @given(params=_params(CAMPAIGN_POSTS[path]), use_template=st.booleans())
    def run(params: dict[str, Any], use_template: bool) -> None:
        if use_template:
            params = {**params, "logic_param": TEMPLATE_CAMPAIGN_ID, "campaign_uuid": TEMPLATE_CAMPAIGN_ID}
        if as_form:
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            answer = client.post(path, data=form, headers=campaign_auth)
        else:
            answer = client.post(path, json=params, headers=campaign_auth)
        assert answer.status_code < 500, answer.text

    run()


@pytest.mark.parametrize("path", list(CAMPAIGN_GETS))
def test_campaign_gets(client: TestClient, campaign_auth: dict[str, str], path: str) -> None:
    @SETTINGS
    @given(params=_params(CAMPAIGN_GETS[path]))
    def run(params: dict[str, Any]) -> None:
        answer = client.get(path, params=_query(params), headers=campaign_auth)
        assert answer.status_code < 500, answer.text

    run()


def test_ten_dlc_submit(client: TestClient) -> None:
    @SETTINGS
    @given(changes=st.dictionaries(st.sampled_from(sorted(valid_campaign())), VALUES, max_size=3))
    def run(changes: dict[str, Any]) -> None:
        answer = client.post(f"{TEN_DLC}:submit", json=valid_campaign(**changes), headers=TEN_DLC_BASIC)
        assert answer.status_code in (200, 400), answer.text

    run()


@pytest.mark.parametrize(
    ("path", "names"),
    [
        (":qualify", ("brandId", "useCase")),
        (":fetchByTcrCampaignId", ("campaignRegistrationIdQuery",)),
        ("", ("status", "mock", "useCase", "brand", "pageSize", "pageToken", "orderBy")),
    ],
    ids=["qualify", "fetch-by-tcr-id", "list"],
)
def test_ten_dlc_gets(client: TestClient, path: str, names: tuple[str, ...]) -> None:
    @SETTINGS
    @given(params=_params(names))
    def run(params: dict[str, Any]) -> None:
        answer = client.get(TEN_DLC + path, params=_query(params), headers=TEN_DLC_BASIC)
        assert answer.status_code < 500, answer.text

    run()


def test_ten_dlc_resubmit(client: TestClient) -> None:
    registration = client.post(f"{TEN_DLC}:submit", json=valid_campaign(), headers=TEN_DLC_BASIC).json()
    path = f"{TEN_DLC}/{registration['campaignRegistrationId']}/resubmit"

    @SETTINGS
    @given(body=VALUES)
    def run(body: Any) -> None:
        answer = client.put(path, json=body, headers=TEN_DLC_BASIC)
        assert answer.status_code in (200, 400), answer.text

    run()
