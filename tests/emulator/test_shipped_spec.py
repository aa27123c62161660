"""The OpenAPI document the emulator ships is the project's copy of Sinch's, byte for byte."""

from __future__ import annotations

import fnmatch
import re
from importlib import resources

import pytest

from airflow_provider_sinch.emulator.harness import REPO_ROOT
from airflow_provider_sinch.emulator.openapi import SHORT_CODE_SPEC

SHARED_SPEC = REPO_ROOT.parent / "shared" / "api" / "us-short-code-api.openapi.yaml"


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="../shared/api is not beside this checkout")
def test_the_shipped_spec_equals_the_shared_document():
    assert SHORT_CODE_SPEC.read_bytes() == SHARED_SPEC.read_bytes(), (
        f"copy {SHARED_SPEC} to {SHORT_CODE_SPEC}: the emulator must check against the current document"
    )


def test_the_spec_is_package_data():
    shipped = resources.files("airflow_provider_sinch.emulator") / "specs" / SHORT_CODE_SPEC.name
    assert shipped.is_file()
    # The ``[tool.setuptools.package-data]`` line (tomllib is not in Python 3.10).
    line = re.search(r"^airflow_provider_sinch = \[(.*)\]$", (REPO_ROOT / "pyproject.toml").read_text(), re.M)
    assert line is not None
    patterns = re.findall(r'"([^"]+)"', line.group(1))
    relative = SHORT_CODE_SPEC.relative_to(REPO_ROOT / "airflow_provider_sinch").as_posix()
    assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)
