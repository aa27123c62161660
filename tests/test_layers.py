"""The package's layering, checked by importing modules in fresh interpreters.

* The API layer (``apis/``) imports no HTTP client and no Airflow.
* No trigger module loads a hook module or ``requests`` (the triggerer runs on ``httpx`` only).
* No operator module loads a sensor module (waits live in ``waits``, shared by both).
* ``_http`` / ``_ahttp`` and ``_auth`` do not import each other in a circle: auth knows no transport.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "airflow_provider_sinch"


def loaded_after_import(module: str, *, beyond: str | None = None) -> set[str]:
    """The modules a fresh interpreter holds after importing ``module``.

    With ``beyond``, only those ``module`` adds to what importing ``beyond`` first loads: Airflow
    3.1 itself imports ``requests`` (``import airflow`` does), which no provider module can avoid.
    """
    first = f"import {beyond}; " if beyond else ""
    code = (
        f"import sys, json; {first}before = set(sys.modules); import {module}; "
        f"print(json.dumps(sorted(set(sys.modules) - before if {bool(beyond)} else sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def modules_of(folder: str) -> list[str]:
    return sorted(
        f"airflow_provider_sinch.{folder}.{path.stem}"
        for path in (PACKAGE / folder).glob("*.py")
        if path.stem != "__init__"
    )


@pytest.mark.parametrize("module", modules_of("apis"))
def test_the_api_layer_imports_no_http_client_and_no_airflow(module: str) -> None:
    loaded = loaded_after_import(module)
    assert not {"requests", "httpx", "airflow"} & loaded
    assert not [m for m in loaded if m.startswith(("airflow.", "airflow_provider_sinch.hooks"))]


@pytest.mark.parametrize("module", modules_of("triggers"))
def test_triggers_load_no_hook_and_no_requests(module: str) -> None:
    loaded = loaded_after_import(module)
    assert "requests" not in loaded_after_import(module, beyond="airflow.triggers.base")
    assert [m for m in loaded if m.startswith("airflow_provider_sinch.hooks")] == []
    assert "airflow_provider_sinch._http" not in loaded


@pytest.mark.parametrize("module", modules_of("operators"))
def test_operators_load_no_sensor_module(module: str) -> None:
    loaded = loaded_after_import(module)
    assert [m for m in loaded if m.startswith("airflow_provider_sinch.sensors")] == []


def test_auth_knows_no_transport() -> None:
    loaded = loaded_after_import("airflow_provider_sinch._auth")
    assert not {"airflow_provider_sinch._http", "airflow_provider_sinch._ahttp"} & loaded
    assert "requests" not in loaded_after_import("airflow_provider_sinch._auth", beyond="airflow")
    imported = {
        node.module
        for node in ast.walk(ast.parse((PACKAGE / "_auth.py").read_text()))
        if isinstance(node, ast.ImportFrom)
    }
    assert not {"airflow_provider_sinch._http", "airflow_provider_sinch._ahttp"} & imported


@pytest.mark.parametrize("transport", ["airflow_provider_sinch._http", "airflow_provider_sinch._ahttp"])
def test_transports_import_auth_only_for_type_checking(transport: str) -> None:
    loaded = loaded_after_import(transport)
    assert "airflow_provider_sinch._auth" not in loaded
