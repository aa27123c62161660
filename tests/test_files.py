"""Streaming records out (JSON lines, CSV) to local files, file:// URLs and ObjectStoragePath."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sinch._files import (
    RecordWriter,
    batched,
    check_file_format,
    digits,
    open_output,
)
from airflow_provider_sinch.exceptions import SinchValidationError


def storage_path(path: Path) -> Any:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(f"file://{path}")


# --- Small helpers ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("phone", "expected"),
    [("+1 (555) 010-0000", "15550100000"), ("15550100000", "15550100000"), (15550100, "15550100"), ("", "")],
    ids=["formatted", "digits", "int", "empty"],
)
def test_digits(phone: Any, expected: str) -> None:
    assert digits(phone) == expected


def test_batched() -> None:
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(batched([], 3)) == []
    assert list(batched(iter(range(4)), 4)) == [[0, 1, 2, 3]]


# --- Writers -----------------------------------------------------------------------------------------
RECORDS: list[dict[str, Any]] = [
    {"msisdn": "+15550100", "event": "DELIVER", "data": {"code": "2", "reason": "Delivered"}},
    {"msisdn": "+15550101", "event": "VISIT", "data": None, "extra": "ignored in CSV"},
    {"msisdn": "+15550102", "event": "FORM", "data": ["a", "é"]},
]


def test_record_writer_jsonl() -> None:
    out = io.StringIO()
    writer = RecordWriter(out, "jsonl")
    for record in RECORDS:
        writer.write(record)
    assert writer.count == 3
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == RECORDS
    assert (
        lines[0]
        == '{"data": {"code": "2", "reason": "Delivered"}, "event": "DELIVER", "msisdn": "+15550100"}'
    )
    assert "é" in lines[2]


def test_record_writer_csv_encodes_nested_values() -> None:
    out = io.StringIO()
    writer = RecordWriter(out, "csv", fieldnames=["msisdn", "event", "data"])
    for record in RECORDS:
        writer.write(record)
    assert writer.count == 3
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [
        ["msisdn", "event", "data"],
        ["+15550100", "DELIVER", '{"code": "2", "reason": "Delivered"}'],
        ["+15550101", "VISIT", ""],
        ["+15550102", "FORM", '["a", "é"]'],
    ]


def test_record_writer_csv_needs_columns() -> None:
    with pytest.raises(ValueError, match="CSV export needs its column names"):
        RecordWriter(io.StringIO(), "csv")


@pytest.mark.parametrize(
    "file_format", ["json", "CSV", "parquet", ""], ids=["json", "upper", "parquet", "empty"]
)
def test_unknown_file_format(file_format: str) -> None:
    with pytest.raises(SinchValidationError, match=r"^file_format: must be one of \('jsonl', 'csv'\)"):
        RecordWriter(io.StringIO(), file_format)
    with pytest.raises(SinchValidationError):
        check_file_format(file_format)


def test_check_file_format_accepts_known() -> None:
    assert check_file_format("jsonl") == "jsonl"
    assert check_file_format("csv") == "csv"


# --- open_output ---------------------------------------------------------------------------------
def test_open_output_writes_local_file_and_creates_folders(tmp_path: Path) -> None:
    target = tmp_path / "exports" / "2026" / "log.jsonl"
    with open_output(str(target)) as (fh, where):
        fh.write("line\n")
        assert not target.exists()  # only complete files appear
    assert where == str(target)
    assert target.read_text(encoding="utf-8") == "line\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["log.jsonl"]


def test_open_output_file_url(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with open_output(f"file://{target}") as (fh, where):
        fh.write("a,b\n")
    assert where == str(target)
    assert target.read_text(encoding="utf-8") == "a,b\n"


def _export_that_fails(target: Any) -> None:
    with open_output(target) as (fh, _):
        fh.write("half a record")
        fh.flush()
        raise RuntimeError("export failed")


def test_open_output_leaves_no_partial_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out" / "log.jsonl"
    with pytest.raises(RuntimeError, match="export failed"):
        _export_that_fails(target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []


def test_open_output_keeps_previous_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "log.jsonl"
    target.write_text("previous complete export\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="export failed"):
        _export_that_fails(target)
    assert target.read_text(encoding="utf-8") == "previous complete export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]


def test_open_output_replaces_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "log.jsonl"
    target.write_text("old\n", encoding="utf-8")
    with open_output(target) as (fh, _):
        fh.write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"


def test_open_output_object_storage_path(tmp_path: Path) -> None:
    destination = storage_path(tmp_path / "log.csv")
    with open_output(destination) as (fh, where):
        writer = RecordWriter(fh, "csv", fieldnames=["msisdn", "data"])
        writer.write({"msisdn": "+15550100", "data": {"ok": True}})
    # With universal-pathlib < 0.3 (Airflow < 3.2) a file:// ObjectStoragePath is os.PathLike: it is
    # written as the local file it names, and reported by that file's path.
    local = isinstance(destination, os.PathLike)
    assert where == (str(tmp_path / "log.csv") if local else str(destination))
    assert (tmp_path / "log.csv").read_bytes() == b'msisdn,data\r\n+15550100,"{""ok"": true}"\r\n'


def test_record_writer_csv_defuses_formulas_and_jsonl_keeps_them() -> None:
    """The Short Code history's CSV: a note's text a spreadsheet would run is written as text."""
    record = {"msisdn": "+15550100", "event": "NOTE", "data": None, "text": '=HYPERLINK("x")'}
    out = io.StringIO()
    RecordWriter(out, "csv", fieldnames=["msisdn", "event", "text"]).write(record)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[1] == ["+15550100", "NOTE", '\'=HYPERLINK("x")']
    out = io.StringIO()
    RecordWriter(out, "jsonl").write(record)
    assert json.loads(out.getvalue())["text"] == '=HYPERLINK("x")'
