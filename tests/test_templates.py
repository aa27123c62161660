"""Templated arguments, for every operator and sensor the provider ships.

* The source of every ``__init__`` stores each template field exactly as given: a template is only
  a string until the task runs, so a check or a conversion there sees ``"{{ params.x }}"``, never
  the value (Airflow's own rule for in-tree providers, which it checks by reading the source too).
* Every template field of every class, given a Jinja template and rendered by Airflow's own
  ``render_template_fields`` with the DAG's Jinja environment, reaches the request (method, path,
  query, body) or the decision it is for.
* List arguments accept a list, one string, a JSON or Python list as a template renders it, or a
  comma-separated string; anything else is a ``SinchValidationError`` naming the argument.
"""

from __future__ import annotations

import ast
import csv
import importlib
import inspect
import json
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from airflow.sdk import DAG, BaseOperator

from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.operators.campaign import (
    SinchCreateCampaignOperator,
    SinchCreateRedirectCampaignOperator,
    SinchExportCampaignLogOperator,
    SinchExportCampaignStatsOperator,
    SinchGenerateLandingPagesOperator,
    SinchSendSmsOperator,
)
from airflow_provider_sinch.operators.short_code import (
    SinchAddShortCodeNoteOperator,
    SinchCancelShortCodeCampaignOperator,
    SinchCreateShortCodeCampaignOperator,
    SinchExportShortCodeHistoryOperator,
    SinchSubmitShortCodeCampaignOperator,
    SinchUpdateShortCodeCampaignOperator,
    SinchUploadShortCodeAttachmentOperator,
)
from airflow_provider_sinch.operators.ten_dlc import (
    Sinch10DLCQualifyBrandOperator,
    SinchDelete10DLCCampaignOperator,
    SinchResubmit10DLCCampaignOperator,
    SinchSubmit10DLCCampaignOperator,
)
from airflow_provider_sinch.sensors.campaign import SinchCampaignStatusSensor
from airflow_provider_sinch.sensors.short_code import (
    SinchShortCodeCampaignStatusSensor,
    SinchShortCodeCarrierOrderSensor,
)
from airflow_provider_sinch.sensors.ten_dlc import Sinch10DLCCampaignStatusSensor
from tests.conftest import CAMPAIGN_HOST, SHORT_CODE_HOST, SHORT_CODE_READY, TEN_DLC_HOST, FakeTI
from tests.hooks.test_campaign import body_of
from tests.test_ten_dlc_validation import valid_campaign

MODULES = [
    f"airflow_provider_sinch.{kind}.{api}"
    for kind in ("operators", "sensors")
    for api in ("campaign", "short_code", "ten_dlc")
]


def task_classes() -> list[type[BaseOperator]]:
    """Every public operator and sensor class of the provider, found by introspection."""
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseOperator)
                and value.__module__ == name
                and not attr.startswith("_")
            ):
                found.append(value)
    return sorted(found, key=lambda c: c.__name__)


TASK_CLASSES = task_classes()


def test_every_module_has_task_classes() -> None:
    assert len(TASK_CLASSES) == 21
    assert all(cls.template_fields for cls in TASK_CLASSES)


# --- 1. __init__ stores template fields as given (read from the source) --------------------------
def _is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
    )


def template_field_violations(source: str, template_fields: set[str], first_line: int = 1) -> list[str]:
    """What an ``__init__`` does with template fields beyond ``self.x = x`` (or passing ``x=x`` on
    to ``super().__init__``): any other read of the argument or of ``self.x``, any other value
    assigned to ``self.x``."""
    function = ast.parse(textwrap.dedent(source)).body[0]
    assert isinstance(function, ast.FunctionDef)
    arguments = {a.arg for a in function.args.args + function.args.kwonlyargs}
    allowed: set[int] = set()
    problems = []

    def where(node: ast.AST) -> str:
        return f"line {first_line + getattr(node, 'lineno', 1) - 1}"

    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and _is_self(target.value)
                    and target.attr in template_fields
                ):
                    value = node.value
                    if isinstance(value, ast.Name) and value.id == target.attr and len(node.targets) == 1:
                        allowed.add(id(value))
                    else:
                        problems.append(
                            f"{where(node)}: self.{target.attr} = {ast.unparse(value)} (store it as given)"
                        )
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            target = node.target
            if (
                isinstance(target, ast.Attribute)
                and _is_self(target.value)
                and target.attr in template_fields
            ):
                problems.append(f"{where(node)}: {ast.unparse(node)} (store it as given)")
        elif isinstance(node, ast.Call) and _is_super_init(node):
            for keyword in node.keywords:
                value = keyword.value
                if keyword.arg in template_fields and isinstance(value, ast.Name) and value.id == keyword.arg:
                    allowed.add(id(value))
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Name)
            and isinstance(node.ctx, ast.Load)
            and node.id in template_fields
            and node.id in arguments
            and id(node) not in allowed
        ):
            problems.append(f"{where(node)}: reads the template field argument {node.id!r} before rendering")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Load)
            and _is_self(node.value)
            and node.attr in template_fields
        ):
            problems.append(f"{where(node)}: reads self.{node.attr} before rendering")
    return problems


def init_sources(cls: type) -> Iterator[tuple[type, str, int]]:
    """The ``__init__`` of ``cls`` and of each provider class it inherits from."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("airflow_provider_sinch") and "__init__" in vars(klass):
            lines, first = inspect.getsourcelines(vars(klass)["__init__"])
            yield klass, "".join(lines), first


@pytest.mark.parametrize("cls", TASK_CLASSES, ids=lambda c: c.__name__)
def test_init_stores_every_template_field_as_given(cls: type[BaseOperator]) -> None:
    fields = set(cls.template_fields)
    problems = [
        f"{klass.__module__}.{klass.__qualname__}.__init__ {problem}"
        for klass, source, first in init_sources(cls)
        for problem in template_field_violations(source, fields, first)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def __init__(self, *, x): self.x = float(x)", "self.x = float(x)"),
        ("def __init__(self, *, x): self.x = tuple(x)", "self.x = tuple(x)"),
        ("def __init__(self, *, x): self.x = x or ()", "self.x = x or ()"),
        ("def __init__(self, *, x):\n    check(x)\n    self.x = x", "reads the template field argument 'x'"),
        (
            "def __init__(self, *, x):\n    self.x = x\n    if '{{' not in str(x):\n        check(x)",
            "reads the template field argument 'x'",
        ),
        ("def __init__(self, *, x):\n    self.x = x\n    self.y = self.x.upper()", "reads self.x"),
        ("def __init__(self, *, x):\n    self.x = x\n    self.x += 'y'", "self.x += 'y'"),
        ("def __init__(self, *, x): super().__init__(x=list(x))", "reads the template field argument 'x'"),
        ("def __init__(self, *, x): self.x = y", "self.x = y"),
    ],
    ids=[
        "float",
        "tuple",
        "default-or",
        "checked",
        "checked-unless-template",
        "read-back",
        "augmented",
        "super-converted",
        "other-name",
    ],
)
def test_the_source_check_catches_each_kind_of_violation(source: str, expected: str) -> None:
    problems = template_field_violations(source, {"x"})
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "source",
    [
        "def __init__(self, *, x, y=None):\n    super().__init__(x=x)\n    self.y = float(y)",
        "def __init__(self, *, x):\n    self.x = x",
    ],
    ids=["pass-through-and-other-field", "plain"],
)
def test_the_source_check_allows_plain_storage(source: str) -> None:
    assert template_field_violations(source, {"x"}) == []


# --- 2. Airflow renders each template field, and the rendered value reaches the request ------------
CID = "5a7b28fd-a216-4d31-90b3-0f62c2e4ee7f"
SC_ID = "20001"
REG_ID = "01HZX3J6M5Q8R7T2V9W4Y6Z8AB"
PROJECT = "proj-templated"  # not the connection's project: the rendered project_id is what is used
SC_BASE = f"{SHORT_CODE_HOST}/v1/projects/{PROJECT}/campaigns"
TEN_BASE = f"{TEN_DLC_HOST}/v1/projects/{PROJECT}"
RUN_START = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
SC_READY = SHORT_CODE_READY
SC_BODY = {"name": "Alerts", "trafficCharge": "STANDARD", "scRequested": True, "brandId": "B1"}


@pytest.fixture(autouse=True)
def _connections(campaign_conn: str, short_code_conn: str, ten_dlc_conn: str, requests_mock: Any) -> None:
    """The three default connections and their token endpoints."""
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/token", json={"access_token": "t", "expires": "2099-01-01T00:00:00"}
    )
    requests_mock.post("https://auth.sinch.com/oauth2/token", json={"access_token": "t", "expires_in": 3600})


def sent(requests_mock: Any, method: str, url: str) -> list[Any]:
    """The requests sent to ``url`` (without its query) with ``method``."""
    return [r for r in requests_mock.request_history if r.method == method and r.url.split("?")[0] == url]


def query(request: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


def contacts_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text("phone,first\n+15550100001,Alice\n+15550100002,Bob\n")
    return path


@dataclass
class Case:
    """One class built with a template in each template field, and what its rendering must reach."""

    id: str
    cls: type[BaseOperator]
    kwargs: dict[str, Any]
    params: Callable[[Path], dict[str, Any]]
    mock: Callable[[Any, Path], None]
    expect: Callable[[Any, Any, Path, Any], None]
    fixed: dict[str, Any] = field(default_factory=dict)


def _mock_create(requests_mock: Any, tmp_path: Path) -> None:
    bodies: list[dict[str, Any]] = []

    def respond(request: Any, context: Any) -> dict[str, Any]:
        bodies.append(body_of(request))
        return {
            "success": True,
            "solde": 10,
            "campaign": {
                "uuid": CID,
                "url": "https://rsms.us/x",
                "contact_count": 2,
                "duplicated_contacts": [],
                "wrong_contacts": ["12"],
                "tag": "spring-tag",
            },
        }

    requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/create", json=respond)
    requests_mock.created_bodies = bodies


def _expect_create(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (body,) = requests_mock.created_bodies
    assert body["logic_param"] == "tpl-42"
    assert body["name"] == "Spring 2026-05-01"
    assert body["contacts"] == [["+15550100001", "Alice"], ["+15550100002", "Bob"]]
    assert body["send_date"] == "2099-05-01 09:30"
    assert body["timezone"] == "Europe/Paris"
    assert (body["sender"], body["message"]) == ("MyShop", "Hi [[B]]")
    assert body["tag"] == "spring-tag"
    assert body["field_names"] == ["tel", "prenom"]
    assert result["rejected_contacts_path"] == str(tmp_path / "rejected.jsonl")
    assert (tmp_path / "rejected.jsonl").read_text() == '{"contact": "12", "reason": "wrong"}\n'


def _mock_campaign_sensor(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaigns/{CID}",
        json={"success": True, "campaign": {"id": CID, "status": "scheduled"}},
    )


def _expect_campaign_sensor(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    # "scheduled" is not the default target: the rendered list ended the wait.
    assert len(sent(requests_mock, "GET", f"{CAMPAIGN_HOST}/v1/campaigns/{CID}")) == 1
    assert result["status"] == "scheduled"
    assert list(task.build_trigger(None).target_statuses) == ["scheduled", "sending"]


def _mock_sc_campaign(status: str, **extra: Any) -> Callable[[Any, Path], None]:
    def mock(requests_mock: Any, tmp_path: Path) -> None:
        requests_mock.get(f"{SC_BASE}/{SC_ID}", json={**SC_READY, "status": status, **extra})

    return mock


def _expect_sc_sensor(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    assert len(sent(requests_mock, "GET", f"{SC_BASE}/{SC_ID}")) == 1
    assert result["status"] == "REVIEWING"  # not a default target
    trigger = task.build_trigger(None)
    assert list(trigger.target_statuses) == ["REVIEWING"]
    assert list(trigger.failure_statuses) == ["CANCELLED", "DEPROVISIONED"]
    assert trigger.project_id == PROJECT


ORDERS = [
    {"carrierOrderId": "o1", "carrierId": "1", "carrierName": "AT&T", "status": "APPROVED"},
    {"carrierOrderId": "o2", "carrierId": "2", "carrierName": "Verizon", "status": "APPROVED"},
    {"carrierOrderId": "o3", "carrierId": "3", "carrierName": "T-Mobile", "status": "PENDING"},
]


def _expect_carrier_sensor(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    # Carrier 3 is still pending: only the rendered carrier_ids (1 and 2) let the wait end.
    assert len(sent(requests_mock, "GET", f"{SC_BASE}/{SC_ID}")) == 1
    assert [o["carrierId"] for o in result["carrierOrders"]] == ["1", "2"]
    assert list(task.build_trigger(None).carrier_ids) == ["1", "2"]


def _mock_registration(status: str = "SINCH_APPROVED", **extra: Any) -> Callable[[Any, Path], None]:
    def mock(requests_mock: Any, tmp_path: Path) -> None:
        requests_mock.get(
            f"{TEN_BASE}/campaignRegistrations/{REG_ID}",
            json={"campaignRegistrationId": REG_ID, "status": status, **extra},
        )

    return mock


def _expect_ten_dlc_sensor(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    assert len(sent(requests_mock, "GET", f"{TEN_BASE}/campaignRegistrations/{REG_ID}")) == 1
    assert result["status"] == "SINCH_APPROVED"  # not a default target


def _mock_send(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.post(f"{CAMPAIGN_HOST}/v1/campaign/sendsms", json={"success": True, "contacts": []})


def _expect_send(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "POST", f"{CAMPAIGN_HOST}/v1/campaign/sendsms")
    assert body_of(request) == {
        "campaign_uuid": CID,
        "contacts": [["+15550100001", "Alice"], ["+15550100002", "Bob"]],
    }
    assert result["sent"] == 2


def _mock_pages(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages",
        json={"success": True, "contacts": [{"msisdn": "15550100001", "url": "https://rsms.us/p1"}]},
    )


def _expect_pages(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "POST", f"{CAMPAIGN_HOST}/v1/campaign/generate-landingpages")
    assert body_of(request)["campaign_uuid"] == CID
    assert body_of(request)["contacts"] == [["+15550100001", "Alice"], ["+15550100002", "Bob"]]
    assert result == {"path": str(tmp_path / "pages.jsonl"), "count": 1, "duplicates_skipped": 0}


def _mock_redirect(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.post(
        f"{CAMPAIGN_HOST}/v1/campaign/create-redirect",
        json={
            "success": True,
            "campaign_id": "r1",
            "expiration_date": "2026-06-01",
            "contacts": [
                {"key": "id1", "target_url": "https://x.test/id1", "redirection": "https://rsms.us/r"}
            ],
        },
    )


def _expect_redirect(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "POST", f"{CAMPAIGN_HOST}/v1/campaign/create-redirect")
    assert body_of(request) == {
        "name": "Redirect 2026-05-01",
        "target_url": "https://x.test/[[A]]?d=2026-05-01",
        "contacts": [["+15550100001", "Alice"], ["+15550100002", "Bob"]],
        "tag": "redirect-tag",
    }
    assert result["path"] == str(tmp_path / "links.jsonl")
    assert json.loads((tmp_path / "links.jsonl").read_text())["key"] == "id1"


def _mock_log(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaign/log",
        json={
            "success": True,
            "log": [{"datetime": "2026-05-01 10:00:00", "type": "DELIVER", "contact": {}}],
        },
    )


def _expect_log(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    requests = sent(requests_mock, "GET", f"{CAMPAIGN_HOST}/v1/campaign/log")
    assert requests
    first = query(requests[0])
    assert first["campaign_uuid"] == [CID]
    assert first["start"] == ["2026-05-01 10:00:00"]
    assert first["types"] == ["DELIVER", "VISIT"]
    assert first["columns"] == ["1", "3"]
    assert query(requests[-1])["stop"] == ["2026-05-01 10:59:59"]  # [start, stop): one second before
    rows = list(csv.DictReader((tmp_path / "log.csv").open()))
    # The mock answers the same 10:00:00 event for every window; it lies in the first window only.
    assert [r["type"] for r in rows] == ["DELIVER"]
    assert result["path"] == str(tmp_path / "log.csv")


def _mock_stats(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaign/stats",
        json={"success": True, "summary": {"sms_submitted": 1}, "contacts": [{"msisdn": "1"}]},
    )


def _expect_stats(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "GET", f"{CAMPAIGN_HOST}/v1/campaign/stats")
    assert query(request)["campaign_uuid"] == [CID]
    assert query(request)["columns"] == ["2"]
    assert [r["msisdn"] for r in csv.DictReader((tmp_path / "stats.csv").open())] == ["1"]


def _mock_sc_create(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.post(SC_BASE, json={**SC_READY, "name": "Alerts 2026-05-01"})


def _expect_sc_create(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "POST", SC_BASE)
    assert request.json() == {**SC_BODY, "name": "Alerts 2026-05-01"}
    assert result["id"] == SC_ID


def _mock_sc_update(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.put(f"{SC_BASE}/{SC_ID}", json=SC_READY)


def _expect_sc_update(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "PUT", f"{SC_BASE}/{SC_ID}")
    assert request.json() == {**SC_BODY, "name": "Alerts 2026-05-01", "brandId": "B7"}


def _mock_sc_submit(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(
        f"{SC_BASE}/{SC_ID}", [{"json": SC_READY}, {"json": {**SC_READY, "status": "REVIEWING"}}]
    )
    requests_mock.post(f"{SC_BASE}/{SC_ID}/submit", json={**SC_READY, "status": "PENDING_REVIEW"})


def _expect_sc_submit(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    assert len(sent(requests_mock, "POST", f"{SC_BASE}/{SC_ID}/submit")) == 1
    assert result["status"] == "REVIEWING"  # the rendered target ended the wait
    assert list(task.build_trigger(None).failure_statuses) == ["CANCELLED"]


def _mock_sc_cancel(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(f"{SC_BASE}/{SC_ID}", json=SC_READY)
    requests_mock.post(f"{SC_BASE}/{SC_ID}/cancel", json={**SC_READY, "status": "CANCELLED"})


def _expect_sc_cancel(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    assert len(sent(requests_mock, "POST", f"{SC_BASE}/{SC_ID}/cancel")) == 1


def _mock_sc_note(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.post(f"{SC_BASE}/{SC_ID}/carrier/o9/notes", json={"text": "ok", "author": "CUSTOMER"})


def _expect_sc_note(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "POST", f"{SC_BASE}/{SC_ID}/carrier/o9/notes")
    assert request.json() == {"text": "Receipt for 2026-05-01 attached"}


def _mock_sc_upload(requests_mock: Any, tmp_path: Path) -> None:
    (tmp_path / "receipt.pdf").write_bytes(b"%PDF receipt")
    requests_mock.post(f"{SC_BASE}/{SC_ID}/attachments", json={"attachmentId": "a1", "name": "r.pdf"})


def _expect_sc_upload(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "POST", f"{SC_BASE}/{SC_ID}/attachments")
    body = request.body.read()
    assert b"%PDF receipt" in body
    assert b'filename="receipt-2026-05-01.pdf"' in body
    assert b'name="description"\r\n\r\nSC receipt 2026-05-01\r\n' in body


def _mock_sc_history(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(
        f"{SC_BASE}/{SC_ID}",
        json={
            **SC_READY,
            "notes": [{"author": "CUSTOMER", "text": "hi", "createdAt": "2026-01-01T00:00:00Z"}],
        },
    )


def _expect_sc_history(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    assert len(sent(requests_mock, "GET", f"{SC_BASE}/{SC_ID}")) == 1
    assert result == str(tmp_path / "history.csv")
    assert [r["text"] for r in csv.DictReader((tmp_path / "history.csv").open())] == ["hi"]


QUALIFICATION = {
    "useCase": "MIXED",
    "minSubUseCases": 2,
    "maxSubUseCases": 3,
    "mnoMetadata": {"10017": {"mno": "AT&T", "qualify": True}, "10035": {"mno": "T-Mobile", "qualify": True}},
}


def _mock_qualify(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(f"{TEN_BASE}/campaignRegistrations:qualify", json=QUALIFICATION)


def _expect_qualify(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    # Two sub use cases (not the characters of "['CUSTOMER_CARE', 'MARKETING']") within 2..3.
    (request,) = sent(requests_mock, "GET", f"{TEN_BASE}/campaignRegistrations:qualify")
    assert query(request) == {"brandId": ["BESINCH"], "useCase": ["MIXED"]}
    assert result["brandId"] == "BESINCH"


def _mock_ten_submit(requests_mock: Any, tmp_path: Path) -> None:
    requests_mock.get(f"{TEN_BASE}/campaignRegistrations", json={"campaignRegistrations": []})
    requests_mock.post(f"{TEN_BASE}/campaignRegistrations:submit", json={"campaignRegistrationId": REG_ID})


def _expect_ten_submit(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "POST", f"{TEN_BASE}/campaignRegistrations:submit")
    assert request.json()["campaignName"] == "Alerts 2026-05-01"
    assert request.json()["brandId"] == valid_campaign()["brandId"]
    assert result == REG_ID


def _mock_resubmit(requests_mock: Any, tmp_path: Path) -> None:
    _mock_registration("REJECTED", lastActionStatus="CREATE_SUCCESSFUL")(requests_mock, tmp_path)
    requests_mock.put(f"{TEN_BASE}/campaignRegistrations/{REG_ID}/resubmit", json={})


def _expect_resubmit(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    (request,) = sent(requests_mock, "PUT", f"{TEN_BASE}/campaignRegistrations/{REG_ID}/resubmit")
    assert request.json() == {"mnos": ["ATT", "TMO"]}
    assert result == REG_ID


def _mock_delete(requests_mock: Any, tmp_path: Path) -> None:
    _mock_registration("ACTIVE")(requests_mock, tmp_path)
    requests_mock.delete(f"{TEN_BASE}/campaignRegistration/{REG_ID}", json={})


def _expect_delete(requests_mock: Any, result: Any, tmp_path: Path, task: Any) -> None:
    assert len(sent(requests_mock, "DELETE", f"{TEN_BASE}/campaignRegistration/{REG_ID}")) == 1
    assert result == REG_ID


def _common(tmp_path: Path) -> dict[str, Any]:
    return {
        "cid": CID,
        "sc_id": SC_ID,
        "reg_id": REG_ID,
        "project": PROJECT,
        "dir": str(tmp_path),
        "day": "2026-05-01",
    }


CASES = [
    Case(
        "campaign-status-sensor",
        SinchCampaignStatusSensor,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "campaign_id": "{{ params.cid }}",
            "target_statuses": "{{ params.targets }}",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_campaign_default", "targets": ["scheduled", "sending"]},
        _mock_campaign_sensor,
        _expect_campaign_sensor,
    ),
    Case(
        "short-code-status-sensor",
        SinchShortCodeCampaignStatusSensor,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
            "target_statuses": "{{ params.target }}",
            "failure_statuses": "{{ params.failures | tojson }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_short_code_default",
            "target": "REVIEWING",
            "failures": ["CANCELLED", "DEPROVISIONED"],
        },
        _mock_sc_campaign("REVIEWING"),
        _expect_sc_sensor,
    ),
    Case(
        "short-code-carrier-order-sensor",
        SinchShortCodeCarrierOrderSensor,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
            "target_statuses": "{{ params.targets }}",
            "failure_statuses": "{{ params.failures }}",
            "carrier_ids": "{{ params.carriers }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_short_code_default",
            "targets": "APPROVED, CERTIFIED",
            "failures": ["REJECTED"],
            "carriers": "1,2",
        },
        _mock_sc_campaign("CARRIER_SUBMITTED", carrierOrders=ORDERS),
        _expect_carrier_sensor,
    ),
    Case(
        "ten-dlc-status-sensor",
        Sinch10DLCCampaignStatusSensor,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "campaign_registration_id": "{{ params.reg_id }}",
            "target_statuses": "{{ params.targets }}",
            "project_id": "{{ params.project }}",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_10dlc_default", "targets": "SINCH_APPROVED"},
        _mock_registration("SINCH_APPROVED"),
        _expect_ten_dlc_sensor,
    ),
    Case(
        "create-campaign",
        SinchCreateCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "contacts_encoding": "{{ params.encoding }}",
            "template_campaign_id": "{{ params.template }}",
            "name": "Spring {{ params.day }}",
            "contacts": "{{ params.dir }}/contacts.csv",
            "send_date": "{{ params.send_date }}",
            "sender": "{{ params.sender }}",
            "message": "{{ params.message }}",
            "timezone": "{{ params.tz }}",
            "tag": "{{ params.tag }}",
            "field_names": "{{ params.fields }}",
            "rejected_contacts_destination": "{{ params.dir }}/rejected.jsonl",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_campaign_default",
            "encoding": "utf-8",
            "template": "tpl-42",
            "send_date": "2099-05-01 09:30",
            "sender": "MyShop",
            "message": "Hi [[B]]",
            "tz": "Europe/Paris",
            "tag": "spring-tag",
            "fields": ["tel", "prenom"],  # not the header's names: the rendered list is sent
        },
        _mock_create,
        _expect_create,
        fixed={"contacts_header": True},
    ),
    Case(
        "send-sms",
        SinchSendSmsOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "contacts_encoding": "{{ params.encoding }}",
            "campaign_id": "{{ params.cid }}",
            "contacts": "{{ params.dir }}/contacts.csv",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_campaign_default",
            "encoding": "utf-8",
        },
        _mock_send,
        _expect_send,
        fixed={"contacts_header": True},
    ),
    Case(
        "landing-pages",
        SinchGenerateLandingPagesOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "contacts_encoding": "{{ params.encoding }}",
            "campaign_id": "{{ params.cid }}",
            "contacts": "{{ params.dir }}/contacts.csv",
            "destination": "{{ params.dir }}/pages.jsonl",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_campaign_default",
            "encoding": "utf-8",
        },
        _mock_pages,
        _expect_pages,
        fixed={"contacts_header": True},
    ),
    Case(
        "redirect-campaign",
        SinchCreateRedirectCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "contacts_encoding": "{{ params.encoding }}",
            "name": "Redirect {{ params.day }}",
            "target_url": "https://x.test/[[A]]?d={{ params.day }}",
            "contacts": "{{ params.dir }}/contacts.csv",
            "tag": "{{ params.tag }}",
            "destination": "{{ params.dir }}/links.jsonl",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_campaign_default",
            "encoding": "utf-8",
            "tag": "redirect-tag",
        },
        _mock_redirect,
        _expect_redirect,
        fixed={"contacts_header": True},
    ),
    Case(
        "export-log",
        SinchExportCampaignLogOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "campaign_id": "{{ params.cid }}",
            "destination": "{{ params.dir }}/log.{{ params.fmt }}",
            "start": "{{ params.start }}",
            "stop": "{{ params.stop }}",
            "types": "{{ params.types }}",
            "columns": "{{ params.columns }}",
            "file_format": "{{ params.fmt }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_campaign_default",
            "start": "2026-05-01T10:00:00+00:00",
            "stop": "2026-05-01T11:00:00+00:00",
            "types": ["DELIVER", "VISIT"],
            "columns": [1, 3],
            "fmt": "csv",
        },
        _mock_log,
        _expect_log,
    ),
    Case(
        "export-stats",
        SinchExportCampaignStatsOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "campaign_id": "{{ params.cid }}",
            "destination": "{{ params.dir }}/stats.csv",
            "columns": "{{ params.columns }}",
            "file_format": "{{ params.fmt }}",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_campaign_default", "columns": 2, "fmt": "csv"},
        _mock_stats,
        _expect_stats,
    ),
    Case(
        "short-code-create",
        SinchCreateShortCodeCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign": "{{ params.campaign | tojson }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_short_code_default",
            "campaign": {**SC_BODY, "name": "Alerts 2026-05-01"},
        },
        _mock_sc_create,
        _expect_sc_create,
    ),
    Case(
        "short-code-update",
        SinchUpdateShortCodeCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
            # A template inside the body: Airflow renders nested values.
            "campaign": {**SC_BODY, "name": "Alerts {{ params.day }}", "brandId": "{{ params.brand }}"},
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_short_code_default", "brand": "B7"},
        _mock_sc_update,
        _expect_sc_update,
    ),
    Case(
        "short-code-submit",
        SinchSubmitShortCodeCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
            "target_statuses": "{{ params.targets }}",
            "failure_statuses": "{{ params.failures }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_short_code_default",
            "targets": ["REVIEWING"],
            "failures": "CANCELLED",
        },
        _mock_sc_submit,
        _expect_sc_submit,
        fixed={"wait_for_completion": True, "deferrable": False},
    ),
    Case(
        "short-code-cancel",
        SinchCancelShortCodeCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_short_code_default"},
        _mock_sc_cancel,
        _expect_sc_cancel,
    ),
    Case(
        "short-code-note",
        SinchAddShortCodeNoteOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
            "text": "Receipt for {{ params.day }} attached",
            "carrier_order_id": "{{ params.order }}",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_short_code_default", "order": "o9"},
        _mock_sc_note,
        _expect_sc_note,
    ),
    Case(
        "short-code-upload",
        SinchUploadShortCodeAttachmentOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
            "path": "{{ params.dir }}/receipt.pdf",
            "description": "SC receipt {{ params.day }}",
            "filename": "receipt-{{ params.day }}.pdf",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_short_code_default"},
        _mock_sc_upload,
        _expect_sc_upload,
    ),
    Case(
        "short-code-history",
        SinchExportShortCodeHistoryOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "project_id": "{{ params.project }}",
            "campaign_id": "{{ params.sc_id }}",
            "destination": "{{ params.dir }}/history.{{ params.fmt }}",
            "file_format": "{{ params.fmt }}",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_short_code_default", "fmt": "csv"},
        _mock_sc_history,
        _expect_sc_history,
    ),
    Case(
        "ten-dlc-qualify",
        Sinch10DLCQualifyBrandOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "brand_id": "{{ params.brand }}",
            "use_case": "{{ params.use_case }}",
            "sub_use_cases": "{{ params.subs }}",
            "required_mnos": "{{ params.mnos }}",
            "project_id": "{{ params.project }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_10dlc_default",
            "brand": "BESINCH",
            "use_case": "MIXED",
            "subs": ["CUSTOMER_CARE", "MARKETING"],
            "mnos": "ATT,TMO",
        },
        _mock_qualify,
        _expect_qualify,
    ),
    Case(
        "ten-dlc-submit",
        SinchSubmit10DLCCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "campaign": "{{ params.campaign | tojson }}",
            "project_id": "{{ params.project }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_10dlc_default",
            "campaign": {**valid_campaign(), "campaignName": "Alerts 2026-05-01"},
        },
        _mock_ten_submit,
        _expect_ten_submit,
    ),
    Case(
        "ten-dlc-resubmit",
        SinchResubmit10DLCCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "campaign_registration_id": "{{ params.reg_id }}",
            "mnos": "{{ params.mnos }}",
            "project_id": "{{ params.project }}",
        },
        lambda tmp: {**_common(tmp), "conn": "sinch_10dlc_default", "mnos": ["ATT", "TMO"]},
        _mock_resubmit,
        _expect_resubmit,
        fixed={"wait_for_completion": False},
    ),
    Case(
        "ten-dlc-delete",
        SinchDelete10DLCCampaignOperator,
        {
            "sinch_conn_id": "{{ params.conn }}",
            "campaign_registration_id": "{{ params.reg_id }}",
            "project_id": "{{ params.project }}",
        },
        lambda tmp: {
            **_common(tmp),
            "conn": "sinch_10dlc_default",
        },
        _mock_delete,
        _expect_delete,
    ),
]


def test_the_table_covers_every_operator_and_sensor() -> None:
    assert sorted(case.cls.__name__ for case in CASES) == sorted(cls.__name__ for cls in TASK_CLASSES)


def _has_template(value: Any) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if isinstance(value, dict):
        return any(_has_template(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_template(v) for v in value)
    return False


def render(task: BaseOperator, dag: DAG, **context: Any) -> dict[str, Any]:
    """Render ``task`` as the task runner does: Airflow's rendering, the DAG's Jinja environment."""
    full = {
        "params": task.params,
        "ti": FakeTI(),
        "dag_run": SimpleNamespace(start_date=RUN_START),
        "data_interval_start": None,
        "data_interval_end": None,
        **context,
    }
    task.render_template_fields(full, jinja_env=dag.get_template_env())
    return full


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_each_template_field_is_rendered_and_reaches_the_request(
    case: Case, requests_mock: Any, tmp_path: Path
) -> None:
    assert set(case.kwargs) == set(case.cls.template_fields)  # a template in EACH template field
    assert all(_has_template(value) for value in case.kwargs.values())
    contacts_file(tmp_path)
    case.mock(requests_mock, tmp_path)
    with DAG("templates", schedule=None, params=case.params(tmp_path)) as dag:
        task = case.cls(task_id="task", **case.kwargs, **case.fixed)

    context = render(task, dag)

    assert not [name for name in case.cls.template_fields if _has_template(getattr(task, name))]
    result = task.execute(context)
    case.expect(requests_mock, result, tmp_path, task)


# --- The two examples -----------------------------------------------------------------------
@pytest.mark.parametrize("native", [False, True], ids=["jinja", "native"])
@pytest.mark.parametrize("target", ["{{ params.target }}", "sent"], ids=["templated", "plain-string"])
def test_campaign_sensor_with_a_templated_target_returns_at_once_on_a_sent_campaign(
    target: str, native: bool, requests_mock: Any
) -> None:
    route = requests_mock.get(
        f"{CAMPAIGN_HOST}/v1/campaigns/{CID}",
        json={"success": True, "campaign": {"id": CID, "status": "sent", "name": "Spring"}},
    )
    with DAG("issue", schedule=None, render_template_as_native_obj=native) as dag:
        sensor = SinchCampaignStatusSensor(
            task_id="wait", campaign_id=CID, target_statuses=target, params={"target": "sent"}
        )
    context = render(sensor, dag)

    result = sensor.execute(context)

    assert route.call_count == 1  # one poke: the campaign is sent, no 7-day wait
    assert result["status"] == "sent"


@pytest.mark.parametrize("native", [False, True], ids=["jinja", "native"])
@pytest.mark.parametrize("types", [["DELIVER", "VISIT"], "DELIVER,VISIT"], ids=["list-param", "comma-param"])
def test_export_log_with_templated_types_sends_each_type(
    types: Any, native: bool, requests_mock: Any, tmp_path: Path
) -> None:
    route = requests_mock.get(f"{CAMPAIGN_HOST}/v1/campaign/log", json={"success": True, "log": []})
    with DAG("issue", schedule=None, render_template_as_native_obj=native) as dag:
        export = SinchExportCampaignLogOperator(
            task_id="export",
            campaign_id=CID,
            destination=str(tmp_path / "log.jsonl"),
            start="2026-05-01T10:00:00Z",
            stop="2026-05-01T11:00:00Z",
            types="{{ params.types }}",
            params={"types": types},
        )
    context = render(export, dag)

    export.execute(context)

    assert route.called
    for request in route.request_history:
        assert "types=DELIVER&types=VISIT" in request.url
        assert query(request)["types"] == ["DELIVER", "VISIT"]


# --- List arguments: what each accepts, and a clear error otherwise ---------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["DELIVER", "VISIT"], ("DELIVER", "VISIT")),
        (("DELIVER",), ("DELIVER",)),
        ("DELIVER", ("DELIVER",)),
        ("DELIVER, VISIT", ("DELIVER", "VISIT")),
        ('["DELIVER", "VISIT"]', ("DELIVER", "VISIT")),
        ("['DELIVER', 'VISIT']", ("DELIVER", "VISIT")),
        ("('DELIVER',)", ("DELIVER",)),
        ("", ()),
        (None, ()),
    ],
    ids=["list", "tuple", "one", "comma", "json", "python-list", "python-tuple", "empty", "none"],
)
def test_list_arguments_accept_what_a_template_renders(value: Any, expected: tuple[str, ...]) -> None:
    from airflow_provider_sinch.arguments import string_list

    assert string_list("types", value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (42, "types must be a list, one string, or a JSON / comma-separated list, got int"),
        ({"a": 1}, "types must be a list, one string, or a JSON / comma-separated list, got dict"),
        ([["DELIVER"]], "types must hold strings, got ['DELIVER']"),
        ("['DELIVER'", "types looks like a list but is neither JSON nor a Python literal"),
    ],
    ids=["number", "mapping", "nested", "broken-literal"],
)
def test_other_list_values_are_refused_naming_the_argument(value: Any, message: str) -> None:
    from airflow_provider_sinch.arguments import string_list

    with pytest.raises(SinchValidationError, match=r"^export: types: ") as info:
        string_list("types", value, context="export")
    assert message in str(info.value)
    assert info.value.fields == ["types"]


@pytest.mark.parametrize(
    ("cls", "kwargs", "field"),
    [
        (SinchCampaignStatusSensor, {"campaign_id": CID, "target_statuses": 7}, "target_statuses"),
        (
            SinchShortCodeCampaignStatusSensor,
            {"campaign_id": SC_ID, "failure_statuses": {"CANCELLED": 1}},
            "failure_statuses",
        ),
        (SinchShortCodeCarrierOrderSensor, {"campaign_id": SC_ID, "carrier_ids": 3.5}, "carrier_ids"),
        (
            Sinch10DLCCampaignStatusSensor,
            {"campaign_registration_id": REG_ID, "target_statuses": ""},
            "target_statuses",
        ),
        (
            SinchExportCampaignLogOperator,
            {"campaign_id": CID, "destination": "x", "types": 1.5},
            "types",
        ),
        (
            SinchExportCampaignStatsOperator,
            {"campaign_id": CID, "destination": "x", "columns": "1,a"},
            "columns",
        ),
        (
            SinchExportCampaignLogOperator,
            {"campaign_id": CID, "destination": "x", "columns": [-1]},
            "columns",
        ),
        (SinchResubmit10DLCCampaignOperator, {"campaign_registration_id": REG_ID, "mnos": 5}, "mnos"),
        (
            Sinch10DLCQualifyBrandOperator,
            {"brand_id": "B", "required_mnos": {"ATT": True}},
            "required_mnos",
        ),
        (Sinch10DLCQualifyBrandOperator, {"brand_id": "B", "sub_use_cases": 2}, "sub_use_cases"),
        (
            SinchCreateShortCodeCampaignOperator,
            {"campaign": "{'name': 'not json'}"},
            "campaign",
        ),
        (SinchSubmit10DLCCampaignOperator, {"campaign": ["not", "a", "body"]}, "campaign"),
        (
            SinchSubmitShortCodeCampaignOperator,
            {"campaign_id": SC_ID, "target_statuses": "COMPLETED", "failure_statuses": "COMPLETED"},
            "target_statuses/failure_statuses",
        ),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_a_bad_rendered_value_fails_before_any_request_naming_the_field(
    cls: type[BaseOperator], kwargs: dict[str, Any], field: str, requests_mock: Any, make_context: Any
) -> None:
    task = cls(task_id="task", **kwargs)
    with pytest.raises(SinchValidationError) as info:
        task.execute(make_context(dag_run=SimpleNamespace(start_date=RUN_START)))
    assert info.value.fields == [field]
    assert str(info.value).startswith(f"task: {field}: ") or str(info.value).startswith(f"{field}: ")
    assert not [r for r in requests_mock.request_history if "token" not in r.url]
