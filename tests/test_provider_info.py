"""The provider's metadata: valid for Airflow, every listed class importable, seen by the CLI."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import airflow
import jsonschema
import pytest

from airflow_provider_sinch import __version__, get_provider_info

INFO = get_provider_info()


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_valid_against_airflows_schema():
    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    jsonschema.validate(INFO, schema)


def test_entry_point_registered():
    eps = [
        ep
        for ep in entry_points(group="apache_airflow_provider")
        if ep.value.startswith("airflow_provider_sinch")
    ]
    assert [ep.value for ep in eps] == ["airflow_provider_sinch:get_provider_info"]
    assert INFO["versions"] == [__version__]


@pytest.mark.parametrize("kind", ["hooks", "operators", "sensors", "triggers"])
def test_listed_modules_import(kind):
    for entry in INFO[kind]:
        for module in entry["python-modules"]:
            importlib.import_module(module)


@pytest.mark.parametrize("conn", INFO["connection-types"], ids=lambda c: c["connection-type"])
def test_connection_types_resolve_to_hooks_with_forms(conn):
    hook = _resolve(conn["hook-class-name"])
    assert hook.conn_type == conn["connection-type"]
    assert hook.conn_name_attr == "sinch_conn_id"
    for name, field in conn["conn-fields"].items():
        assert field["label"], name
        assert "type" in field["schema"], name
    # Airflow < 3.2 only reads form methods a hook defines itself, not inherited ones.
    assert "get_ui_field_behaviour" in hook.__dict__
    assert "get_connection_form_widgets" in hook.__dict__
    behaviour = hook.get_ui_field_behaviour()
    assert behaviour["hidden_fields"] == conn["ui-field-behaviour"]["hidden-fields"]


def test_extra_links_resolve():
    for dotted in INFO["extra-links"]:
        link = _resolve(dotted)()
        assert link.name


def _cli_json(home: Path, *args: str) -> list[dict]:
    airflow_cli = str(Path(sys.executable).with_name("airflow"))
    env = {**os.environ, "AIRFLOW_HOME": str(home)}
    command = [airflow_cli, *args, "-o", "json"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    # Airflow may log lines before the JSON document, which is the line starting with "[{".
    return json.loads(next(line for line in out.splitlines() if line.startswith("[{")))


def test_airflow_cli_lists_the_provider_and_its_hooks(tmp_path):
    assert any(
        p["package_name"] == "airflow-provider-sinch" for p in _cli_json(tmp_path, "providers", "list")
    )
    listed = {
        h["connection_type"]: h["class"]
        for h in _cli_json(tmp_path, "providers", "hooks")
        if h.get("package_name") == "airflow-provider-sinch"
    }
    assert listed == {c["connection-type"]: c["hook-class-name"] for c in INFO["connection-types"]}
