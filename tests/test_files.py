"""Streaming contacts in and records out: lists, CSV files, file:// URLs and ObjectStoragePath."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sinch._files import (
    MAX_CONTACTS_PER_REQUEST,
    Contacts,
    RecordWriter,
    batched,
    check_file_format,
    digits,
    json_array_chunks,
    open_output,
    open_text,
)
from airflow_provider_sinch.exceptions import SinchValidationError


def storage_path(path: Path) -> Any:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(f"file://{path}")


@pytest.fixture
def contacts_csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    # A BOM (Excel's "CSV UTF-8"), CRLF line ends, a blank line and a quoted comma.
    path.write_bytes(
        '\ufeffphone,first_name, city \r\n+15550100,Alice,Paris\r\n\r\n15550101,Bob,"Lyon, FR"\r\n'.encode()
    )
    return path


ROWS = [["+15550100", "Alice", "Paris"], ["15550101", "Bob", "Lyon, FR"]]


# --- Contacts from a list --------------------------------------------------------------------------
def test_contacts_from_list() -> None:
    contacts = Contacts([["+15550100", "Alice"], ("15550101", None, 3), "+15550102"])
    assert list(contacts) == [["+15550100", "Alice"], ["15550101", "", "3"], ["+15550102"]]
    assert contacts.is_file is False
    assert contacts.field_names() is None
    assert contacts.describe() == "list"


def test_contacts_from_list_is_reiterable() -> None:
    contacts = Contacts([["+15550100"], ["+15550101"]])
    assert list(contacts) == list(contacts) == [["+15550100"], ["+15550101"]]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["+15550100"], ["", "Bob"]], "contacts: row 2 has no phone number (it must be the first column)"),
        ([["+15550100"], ["  ", "Bob"]], "contacts: row 2 has no phone number"),
        ([[None, "Bob"]], "contacts: row 1 has no phone number"),
        ([["+15550100"], []], "contacts: row 2 has no phone number"),
        ([["+15550100"], ["+15550101"], 42], "contacts: row 3 is not a list of values: 42"),
        ([{"phone": "+15550100"}], "contacts: row 1 is not a list of values"),
        ([b"+15550100"], "contacts: row 1 is not a list of values"),
    ],
    ids=["empty-phone", "blank-phone", "none-phone", "empty-row", "number", "dict", "bytes"],
)
def test_contacts_list_errors_name_the_row(rows: list[Any], message: str) -> None:
    with pytest.raises(SinchValidationError) as info:
        list(Contacts(rows))
    assert str(info.value).startswith(message)
    assert info.value.fields == ["contacts"]


def test_contacts_errors_quote_the_argument_name() -> None:
    with pytest.raises(SinchValidationError, match=r"^recipients: row 1 has no phone number"):
        list(Contacts([[""]], argument="recipients"))


@pytest.mark.parametrize(
    ("source", "message"),
    [(None, "contacts: is required"), (42, "contacts: must be a list of rows or a CSV path")],
    ids=["none", "number"],
)
def test_contacts_bad_source(source: Any, message: str) -> None:
    with pytest.raises(SinchValidationError, match=f"^{message}"):
        Contacts(source)


# --- Contacts from a CSV file ----------------------------------------------------------------------
def test_contacts_from_csv_with_header(contacts_csv: Path) -> None:
    contacts = Contacts(str(contacts_csv), header=True)
    assert contacts.is_file is True
    assert list(contacts) == ROWS
    assert contacts.field_names() == ["phone", "first_name", "city"]  # BOM gone, names stripped
    assert contacts.describe() == f"file {contacts_csv}"


def test_contacts_from_csv_without_header(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("+15550100,Alice\n\n  \n+15550101\n", encoding="utf-8")
    contacts = Contacts(path)
    assert list(contacts) == [["+15550100", "Alice"], ["+15550101"]]
    assert contacts.field_names() is None


def test_contacts_header_off_keeps_first_row(contacts_csv: Path) -> None:
    assert next(iter(Contacts(contacts_csv))) == ["phone", "first_name", " city "]


def test_contacts_from_csv_is_reiterable(contacts_csv: Path) -> None:
    contacts = Contacts(contacts_csv, header=True)
    assert list(contacts) == list(contacts) == ROWS


def test_contacts_from_csv_reads_lazily(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("+15550100\n,no phone here\n", encoding="utf-8")
    rows = iter(Contacts(path))
    assert next(rows) == ["+15550100"]  # the bad line is only met when reached
    with pytest.raises(SinchValidationError):
        next(rows)


@pytest.mark.parametrize(
    ("text", "header", "line"),
    [
        ("phone,name\n+15550100,A\n,B\n", True, 3),
        ("phone,name\n+15550100,A\n\n  ,B\n", True, 4),
        ("+15550100,A\n,B\n", False, 2),
        (",B\n", False, 1),
    ],
    ids=["header", "header-and-blank-line", "no-header", "first-line"],
)
def test_contacts_csv_error_names_the_line(tmp_path: Path, text: str, header: bool, line: int) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SinchValidationError) as info:
        list(Contacts(path, header=header))
    assert str(info.value) == f"contacts: line {line} has no phone number (it must be the first column)"


def test_contacts_from_file_url(contacts_csv: Path) -> None:
    contacts = Contacts(f"file://{contacts_csv}", header=True)
    assert list(contacts) == ROWS
    assert contacts.field_names() == ["phone", "first_name", "city"]


def test_contacts_from_generator_is_reiterable_or_refused() -> None:
    rows = ([f"+1555010{n}"] for n in range(3))
    try:
        contacts = Contacts(rows)
    except SinchValidationError:
        return  # refusing a one-shot iterator up front is a fine answer too
    assert list(contacts) == list(contacts) == [["+15550100"], ["+15550101"], ["+15550102"]]


def test_contacts_from_object_storage_path(contacts_csv: Path) -> None:
    contacts = Contacts(storage_path(contacts_csv), header=True)
    assert contacts.is_file is True
    assert list(contacts) == ROWS
    assert list(contacts) == ROWS
    assert contacts.field_names() == ["phone", "first_name", "city"]


def test_contacts_describe_object_storage_path(contacts_csv: Path) -> None:
    source = storage_path(contacts_csv)
    assert Contacts(source).describe() == f"file {source}"


def test_contacts_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(Contacts(tmp_path / "absent.csv"))


def test_open_text_strips_bom(contacts_csv: Path) -> None:
    for source in (contacts_csv, str(contacts_csv), storage_path(contacts_csv)):
        with open_text(source) as fh:
            assert fh.readline().startswith("phone,")


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


def test_batched_contacts_into_request_sized_chunks() -> None:
    rows = [[f"+1555{n:07d}"] for n in range(2 * MAX_CONTACTS_PER_REQUEST + 1)]
    sizes = [len(b) for b in batched(Contacts(rows), MAX_CONTACTS_PER_REQUEST)]
    assert sizes == [1000, 1000, 1]


@pytest.mark.parametrize(
    "rows",
    [[], [["+15550100", "Zoë"]], [["a"], ["b", "c"], {"k": [1, None]}], [['quote " and \\ backslash']]],
    ids=["empty", "unicode", "mixed", "escaping"],
)
def test_json_array_chunks_are_valid_json(rows: list[Any]) -> None:
    chunks = list(json_array_chunks(iter(rows)))
    assert all(isinstance(c, bytes) for c in chunks)
    assert json.loads(b"".join(chunks)) == rows


def test_json_array_chunks_stream_large_input_in_pieces() -> None:
    """Many rows never become one blob, and the pieces still join into valid JSON."""
    rows = [[f"+1555{n:07d}", "x" * 100] for n in range(5000)]
    consumed = 0

    def counted() -> Any:
        nonlocal consumed
        for row in rows:
            consumed += 1
            yield row

    chunks = json_array_chunks(counted())
    first = next(chunks)
    assert consumed < len(rows)  # the first piece left before every row was read
    rest = list(chunks)
    assert len(rest) >= 1
    assert json.loads(first + b"".join(rest)) == rows


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
    assert where == str(destination)
    assert (tmp_path / "log.csv").read_bytes() == b'msisdn,data\r\n+15550100,"{""ok"": true}"\r\n'


def test_export_round_trip_through_contacts(tmp_path: Path) -> None:
    """A CSV the provider writes can be read back as contacts (the first column is the phone)."""
    target = tmp_path / "recipients.csv"
    with open_output(target) as (fh, _):
        writer = RecordWriter(fh, "csv", fieldnames=["msisdn", "name"])
        writer.write({"msisdn": "+15550100", "name": "Alice"})
        writer.write({"msisdn": "+15550101", "name": "Bob"})
    contacts = Contacts(target, header=True)
    assert contacts.field_names() == ["msisdn", "name"]
    assert list(contacts) == [["+15550100", "Alice"], ["+15550101", "Bob"]]
