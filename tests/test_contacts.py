"""Contacts as users hand them to us: lists and CSV files, read whole and checked before sending."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_sinch import contacts as contacts_module
from airflow_provider_sinch.contacts import (
    CheckedContacts,
    Contacts,
    check_contacts,
    contact_key,
    create_request_body,
)
from airflow_provider_sinch.exceptions import SinchValidationError


def storage_path(path: Path) -> Any:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(f"file://{path}")


def error_of(source: Any, **kwargs: Any) -> str:
    with pytest.raises(SinchValidationError) as info:
        check_contacts(source, **kwargs)
    return str(info.value)


@pytest.fixture
def contacts_csv(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    # A BOM (Excel's "CSV UTF-8"), CRLF line ends, a blank line and a quoted comma.
    path.write_bytes(
        '\ufeffphone,first_name, city \r\n+15550100,Alice,Paris\r\n\r\n15550101,Bob,"Lyon, FR"\r\n'.encode()
    )
    return path


ROWS = [["+15550100", "Alice", "Paris"], ["15550101", "Bob", "Lyon, FR"]]


# --- Lists -------------------------------------------------------------------------------------------
def test_contacts_from_list() -> None:
    contacts = Contacts([["+15550100", "Alice"], ("15550101", None, 3), "+15550102"])
    assert list(contacts) == [["+15550100", "Alice"], ["15550101", "", "3"], ["+15550102"]]
    assert contacts.is_file is False
    assert contacts.field_names() is None
    assert contacts.describe() == "the list"


def test_contacts_from_list_is_reiterable() -> None:
    contacts = Contacts([["+15550100"], ["+15550101"]])
    assert list(contacts) == list(contacts) == [["+15550100"], ["+15550101"]]


def test_contacts_from_generator_is_read_again_for_a_retry() -> None:
    contacts = Contacts([f"+1555010{n}"] for n in range(3))
    assert list(contacts) == list(contacts) == [["+15550100"], ["+15550101"], ["+15550102"]]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        ([["+15550100"], ["", "Bob"]], "row 2: has no phone number (the first column is empty)"),
        ([["+15550100"], ["  ", "Bob"]], "row 2: has no phone number"),
        ([[None, "Bob"]], "row 1: has no phone number"),
        ([["+15550100"], []], "row 2: has no phone number"),
        ([["+15550100"], ["+15550101"], 42], "row 3: is not a list of values: int"),
        ([{"phone": "+15550100"}], "row 1: is not a list of values: dict"),
        ([b"+15550100"], "row 1: is not a list of values: bytes"),
        ([["+15550100", {"a": 1}]], "row 1: column 2 holds a dict, not text or a number"),
        (
            [["+15550100", "\udce9"]],
            "row 1: column 2 holds an unpaired surrogate U+DCE9, which cannot be sent",
        ),
    ],
    ids=[
        "empty-phone",
        "blank-phone",
        "none-phone",
        "empty-row",
        "number",
        "dict",
        "bytes",
        "nested",
        "surrogate",
    ],
)
def test_list_errors_name_the_row_and_the_reason(rows: list[Any], reason: str) -> None:
    message = error_of(rows)
    assert message.startswith("contacts: 1 bad row in the list; nothing was sent:\n")
    assert f"\n  {reason}" in message


def test_iterating_stops_at_the_first_bad_row_with_its_reason() -> None:
    rows = iter(Contacts([["+15550100"], ["", "Bob"]], argument="recipients"))
    assert next(rows) == ["+15550100"]
    with pytest.raises(SinchValidationError, match=r"^recipients: row 2: has no phone number"):
        next(rows)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (None, "contacts: is required: a list of rows or the path of a CSV file"),
        ("", "contacts: is empty: give a list of rows or the path of a CSV file"),
        ("   ", "contacts: is empty"),
        (42, "contacts: must be a list of rows or a CSV path, got int"),
        ({"+15550100": "Alice"}, "contacts: must be a list of rows or a CSV path, got dict"),
        (b"+15550100", "contacts: must be a list of rows or a CSV path, got bytes"),
    ],
    ids=["none", "empty-string", "blank-string", "number", "dict", "bytes"],
)
def test_bad_source_is_named(source: Any, message: str) -> None:
    assert error_of(source).startswith(message)


# --- Files ---------------------------------------------------------------------------------------------
def test_csv_with_header(contacts_csv: Path) -> None:
    contacts = Contacts(str(contacts_csv), header=True)
    assert contacts.is_file is True
    assert list(contacts) == list(contacts) == ROWS
    assert contacts.field_names() == ["phone", "first_name", "city"]  # BOM gone, names stripped
    assert contacts.describe() == f"file {contacts_csv}"


def test_csv_without_header_skips_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("+15550100,Alice\n\n  \n , \n+15550101\n", encoding="utf-8")
    contacts = Contacts(path)
    assert list(contacts) == [["+15550100", "Alice"], ["+15550101"]]
    assert contacts.field_names() is None


def test_header_off_keeps_first_row(contacts_csv: Path) -> None:
    assert next(iter(Contacts(contacts_csv))) == ["phone", "first_name", " city "]


@pytest.mark.parametrize("form", ["file-url", "object-storage-path", "path"])
def test_csv_from_every_kind_of_location(contacts_csv: Path, form: str) -> None:
    source = {
        "file-url": f"file://{contacts_csv}",
        "object-storage-path": storage_path(contacts_csv),
        "path": contacts_csv,
    }[form]
    with check_contacts(source, header=True) as checked:
        assert list(checked) == ROWS
        assert checked.field_names == ["phone", "first_name", "city"]


def test_quoted_cells_over_several_lines_keep_line_numbers_right(tmp_path: Path) -> None:
    path = tmp_path / "multiline.csv"
    path.write_text('+15550100,"12 Main St\nApt 4"\n+15550101,ok\n,no phone\n', encoding="utf-8")
    message = error_of(path)
    assert "\n  line 4: has no phone number" in message  # the record of line 4, not the 3rd record


# --- Everything is checked before anything is sent --------------------------------------------------------
def _big_file(tmp_path: Path, rows: int, bad: dict[int, bytes]) -> Path:
    """``rows`` numbered recipients; ``bad`` replaces the lines at those (1-based) line numbers."""
    path = tmp_path / "big.csv"
    with path.open("wb") as fh:
        for line in range(1, rows + 1):
            fh.write(bad.get(line, f"+1555{line:07d},Name {line}".encode()) + b"\n")
    return path


def test_a_bad_row_late_in_the_file_fails_the_whole_check(tmp_path: Path) -> None:
    path = _big_file(tmp_path, 2500, {1501: b",Nobody"})
    assert error_of(path) == (
        f"contacts: 1 bad row in file {path}; nothing was sent:\n"
        "  line 1501: has no phone number (the first column is empty)"
    )


def test_the_first_five_bad_rows_are_listed_and_the_rest_counted(tmp_path: Path) -> None:
    bad = {line: b",x" for line in (3, 10, 11, 12, 13, 14, 15)}
    bad[11] = b"+15550100,Zo\xe9"
    message = error_of(_big_file(tmp_path, 20, bad))
    lines = message.splitlines()
    assert lines[0].endswith("7 bad rows in file " + str(tmp_path / "big.csv") + "; nothing was sent:")
    assert lines[1:7] == [
        "  line 3: has no phone number (the first column is empty)",
        "  line 10: has no phone number (the first column is empty)",
        "  line 11: byte 0xe9 in column 2 is not valid utf-8",
        "  line 12: has no phone number (the first column is empty)",
        "  line 13: has no phone number (the first column is empty)",
        "  ... and 2 more",
    ]
    assert "contacts_encoding='cp1252'" in lines[7]


def test_a_latin1_file_names_file_line_and_encoding_and_reads_with_contacts_encoding(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("phone,name\n+15550100,Alice\n+15550101,Zoé\n+15550102,Chloé\n".encode("latin-1"))

    message = error_of(path, header=True)

    assert f"2 bad rows in file {path}; nothing was sent:" in message
    assert "line 3: byte 0xe9 in column 2 is not valid utf-8" in message
    assert "line 4: byte 0xe9 in column 2 is not valid utf-8" in message
    assert "The file is read as utf-8" in message
    assert "contacts_encoding='latin-1'" in message
    with check_contacts(path, header=True, encoding="latin-1") as checked:
        assert list(checked) == [["+15550100", "Alice"], ["+15550101", "Zoé"], ["+15550102", "Chloé"]]


def test_windows_1252_file(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("+15550100,10 € off\r\n".encode("cp1252"))
    with check_contacts(path, encoding="cp1252") as checked:
        assert list(checked) == [["+15550100", "10 € off"]]


def test_a_utf16_file_read_as_utf8_suggests_utf16_and_reads_with_it(tmp_path: Path) -> None:
    path = tmp_path / "unicode.csv"
    path.write_bytes("+15550100,Zoë\r\n+15550101,Bob\r\n".encode("utf-16"))
    message = error_of(path)
    assert "contacts_encoding='utf-16'" in message
    with check_contacts(path, encoding="utf-16") as checked:  # the BOM tells the byte order
        assert list(checked) == [["+15550100", "Zoë"], ["+15550101", "Bob"]]


def test_unknown_encoding_is_named() -> None:
    assert error_of([["1"]], encoding="utf-9") == (
        "contacts_encoding: unknown encoding 'utf-9' (for example 'utf-8', 'cp1252')"
    )


def test_an_unclosed_quote_is_reported_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('+15550100,ok\n+15550101,"never closed\n')
        for n in range(20_000):
            fh.write(f"+1555{n:07d},filler\n")
    message = error_of(path)
    assert "line 2: is not valid CSV: a cell is longer than 131072 characters (an unclosed quote?)" in message


# --- Paths that cannot be read ----------------------------------------------------------------------------
def test_missing_file_names_argument_and_path(tmp_path: Path) -> None:
    absent = tmp_path / "absent.csv"
    assert error_of(str(absent)) == f"contacts: there is no file at {absent}; nothing was sent"


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"contacts: {tmp_path} is a folder, not a CSV file; nothing was sent"


def test_a_list_rendered_as_text_gets_a_hint() -> None:
    message = error_of("[['+15550100', 'Alice']]")
    assert "there is no file at [['+15550100', 'Alice']]" in message
    assert "render_template_as_native_obj=True" in message


@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("s3://bucket/contacts.csv", "apache-airflow-providers-amazon with s3fs"),
        ("s3://aws_default@bucket/contacts.csv", "apache-airflow-providers-amazon with s3fs"),
        ("gs://bucket/contacts.csv", "apache-airflow-providers-google with gcsfs"),
        ("abfs://container/contacts.csv", "apache-airflow-providers-microsoft-azure with adlfs"),
        ("foo://bucket/contacts.csv", "the Airflow provider that registers the 'foo' filesystem"),
    ],
    ids=["s3", "s3-with-conn-id", "gcs", "azure", "unknown"],
)
def test_object_store_without_its_filesystem_says_what_to_install(url: str, package: str) -> None:
    scheme = url.split("://")[0]
    message = error_of(url)
    assert message.startswith(f"contacts: {url} cannot be read: no filesystem for '{scheme}://' is installed")
    assert f"install {package}" in message


def test_errors_quote_the_task_id() -> None:
    with pytest.raises(SinchValidationError, match=r"^send: contacts: the list holds no recipient"):
        check_contacts([], context="send")


# --- Empty sources ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "header", "what"),
    [
        ("", False, "holds no recipient"),
        ("\n\n \n", False, "holds no recipient"),
        ("phone,name\n", True, "has a header row but no recipient"),
        ("\ufeffphone,name\r\n\r\n", True, "has a header row but no recipient"),
    ],
    ids=["empty", "blank-lines", "header-only", "header-and-blank-line"],
)
def test_an_empty_file_is_an_error_unless_allowed(tmp_path: Path, text: str, header: bool, what: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(text, encoding="utf-8")
    assert error_of(path, header=header) == (
        f"contacts: file {path} {what}; nothing was sent (pass allow_empty=True to accept an empty list)"
    )
    with check_contacts(path, header=header, allow_empty=True) as checked:
        assert checked.count == 0
        assert list(checked) == []
        assert json.loads(checked.json_body(b'{"contacts":', b"}").read_all()) == {"contacts": []}


# --- Duplicates ---------------------------------------------------------------------------------------------
def test_the_same_number_written_many_ways_is_kept_once() -> None:
    rows = [
        ["+15550101051", "Alice"],
        ["15550101051", "Alice again"],
        ["+1 (555) 010-1051", "Alice formatted"],
        ["1.555.010.1051", "dots"],
        ["+15550101052", "Bob"],
        [" +1 555 010 1051 ", "spaces"],
    ]
    with check_contacts(rows) as checked:
        assert list(checked) == [["+15550101051", "Alice"], ["+15550101052", "Bob"]]
        assert checked.duplicates == 4
        assert checked.duplicate_examples == [(2, 1), (3, 1), (4, 1), (6, 1)]
        assert checked.summary() == {"count": 2, "duplicates_skipped": 4}


def test_external_ids_are_compared_as_written() -> None:
    rows = [["id1", "Alice"], ["ID-1", "Bob"], ["id1", "Alice twice"], ["alice"], ["bob"]]
    with check_contacts(rows) as checked:
        assert [row[0] for row in checked] == ["id1", "ID-1", "alice", "bob"]
        assert checked.duplicates == 1


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("+1 (555) 010-1051", "tel:15550101051"),
        ("0612345678", "tel:0612345678"),
        ("33 6 12 34 56 78", "tel:33612345678"),
        ("id1", "id:id1"),
        (" SALE-30 ", "id:SALE-30"),
    ],
    ids=["formatted", "national", "spaced", "id", "id-stripped"],
)
def test_contact_key(cell: str, key: str) -> None:
    assert contact_key(cell) == key


@pytest.mark.parametrize("batch", [1, 2, 5, 1000])
def test_duplicates_are_found_after_the_numbers_move_to_disk(
    monkeypatch: pytest.MonkeyPatch, batch: int
) -> None:
    monkeypatch.setattr(contacts_module, "SEEN_IN_MEMORY", 3)
    monkeypatch.setattr(contacts_module, "DEDUPE_BATCH", batch)
    rows = [[f"+1555000{n:04d}"] for n in range(10)]
    rows += [["+1 555 000 0002"], ["1555-000-0009"], ["+15550000010"], ["15550000010"], ["+15550000001"]]
    with check_contacts(rows) as checked:
        assert [row[0] for row in checked] == [f"+1555000{n:04d}" for n in range(11)]
        assert checked.duplicates == 4
        assert checked.duplicate_examples == [(11, 3), (12, 10), (14, 13), (15, 2)]


def test_duplicates_are_logged_with_examples(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    log = logging.getLogger("test.contacts")
    with (
        check_contacts([["+15550100"], ["15550100"], ["+15550101"]]) as checked,
        caplog.at_level(logging.WARNING, logger="test.contacts"),
    ):
        checked.log_duplicates(log)
    assert "Skipped 1 duplicate recipients" in caplog.text
    assert "row 2 (same as 1)" in caplog.text


def test_dedupe_can_be_turned_off() -> None:
    with check_contacts([["+15550100"], ["15550100"]], dedupe=False) as checked:
        assert checked.count == 2
        assert checked.duplicates == 0


# --- The spool and the create body --------------------------------------------------------------------------
def test_rows_read_back_from_a_spool_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contacts_module, "SPOOL_MEMORY_BYTES", 64)
    rows = [[f"+1555{n:07d}", 'Zoë "quoted"\nnew line', "10 €"] for n in range(500)]
    with check_contacts(rows) as checked:
        assert checked._spool._rolled  # type: ignore[attr-defined]
        assert list(checked) == rows
        assert [len(batch) for batch in checked.batches(200)] == [200, 200, 100]
        body = checked.json_body(b'{"name":"x","contacts":', b"}")
        data = body.read_all()
        assert len(body) == len(data)
        assert json.loads(data) == {"name": "x", "contacts": rows}


def test_a_body_is_read_again_from_its_first_byte() -> None:
    with check_contacts([[f"+1555{n:07d}"] for n in range(3000)]) as checked:
        body = checked.json_body(b"{", b"}")
        first = body.open()
        pieces = [first.read(7), first.read(100_000), first.read(10), first.read()]
        assert b"".join(pieces) == body.read_all()
        assert pieces[-1] == b""
        again = body.open()
        assert len(again) == len(body)
        assert b"".join(again) == body.read_all()


def test_create_body_checks_a_plain_list_and_leaves_duplicates_to_the_api() -> None:
    fields = {"logic": "duplicate", "name": "Zoë's"}
    with create_request_body(fields, [["+15550100", "A"], ("15550100", 2)]) as body:
        assert json.loads(body.read_all()) == {
            "logic": "duplicate",
            "name": "Zoë's",
            "contacts": [["+15550100", "A"], ["15550100", "2"]],
        }
    with (
        pytest.raises(SinchValidationError, match="row 2: has no phone number"),
        create_request_body(fields, [["+15550100"], [""]]),
    ):
        pass


def test_create_body_reuses_checked_contacts() -> None:
    with check_contacts([["+15550100"]]) as checked:
        with create_request_body({"name": "n"}, checked) as body:
            assert json.loads(body.read_all()) == {"name": "n", "contacts": [["+15550100"]]}
        assert list(checked) == [["+15550100"]]  # still open for the operator


def test_checked_contacts_close_their_spool() -> None:
    checked = check_contacts([["+15550100"]])
    assert isinstance(checked, CheckedContacts)
    checked.close()
    with pytest.raises(ValueError, match="closed"):
        list(checked)


# --- SMS recipients are phone numbers, checked with the rest before anyone is texted ---------------
@pytest.mark.parametrize(
    ("cell", "hint"),
    [
        ("1.5550119E+10", "scientific notation: format the column as text"),
        ("+15550103001;Ann", "separated by ';'"),
        ("alice", "is not a phone number"),
        ("12345", "is not a phone number"),
        ("+1234567890123456", "is not a phone number"),
    ],
    ids=["excel-scientific", "semicolon-file", "a-name", "too-short", "too-long"],
)
def test_an_sms_recipient_that_is_no_phone_number_fails_the_whole_file_by_line(
    tmp_path: Path, cell: str, hint: str
) -> None:
    path = tmp_path / "contacts.csv"
    good = "".join(f"+1555010{i:04d},Name\n" for i in range(1500))
    path.write_text(good + f"{cell},Late\n", encoding="utf-8")
    with pytest.raises(SinchValidationError) as info:
        check_contacts(str(path), msisdn=True)
    assert "line 1501" in str(info.value)
    assert hint in str(info.value)


@pytest.mark.parametrize(
    "cell", ["+33612345678", "33612345678", "+1 (555) 010-1051", "+44 20.7946.0958", "0612345678"]
)
def test_phone_numbers_as_people_write_them_are_accepted(cell: str) -> None:
    with check_contacts([[cell, "x"]], msisdn=True) as checked:
        assert len(checked) == 1


def test_external_channel_ids_are_not_phone_numbers_and_need_not_be() -> None:
    with check_contacts([["id1"], ["id2"]]) as checked:
        assert len(checked) == 2


def test_an_unclosed_quote_fails_naming_its_line_instead_of_swallowing_later_recipients(
    tmp_path: Path,
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(b'phone,name\r\n+15550103001,"Unclosed\r\n+15550103002,Bob\r\n')
    with pytest.raises(
        SinchValidationError, match="line 2: is not valid CSV: a quote opened on this line is never closed"
    ):
        check_contacts(str(path), header=True, msisdn=True)
