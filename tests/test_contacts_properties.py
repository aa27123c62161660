"""Property-based tests of the contacts reader over generated files (hypothesis).

Files are generated the way people's tools write them: several encodings, with or without a
byte-order mark, CRLF or LF, blank lines anywhere, every quoting style, quoted commas, quotes and
line breaks, and the same numbers written many ways. Whatever the bytes, the reader either
returns the rows or raises the package's own ``SinchValidationError``; nothing else escapes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airflow_provider_sinch.contacts import CheckedContacts, check_contacts, contact_key
from airflow_provider_sinch.exceptions import SinchValidationError

MARK = "\ue000"  # never generated; stands for a byte that is not UTF-8 in damaged files


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]
QUOTING = [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@st.composite
def phone_written_some_way(draw: st.DrawFn, number: str) -> str:
    """``number`` (digits) as people write it: ``+``, spaces, dashes, dots, parentheses."""
    text = "+" + number if draw(st.booleans()) else number
    if draw(st.booleans()) and len(number) > 4:
        head = 1 + (text[0] == "+")
        text = text[:head] + " (" + text[head : head + 3] + ") " + text[head + 3 :]
    separator = draw(st.sampled_from(["", " ", "-", "."]))
    if separator:
        step = draw(st.integers(min_value=2, max_value=4))
        text = separator.join(text[i : i + step] for i in range(0, len(text), step))
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["", " "]))


def cells(encoding: str) -> st.SearchStrategy[str]:
    codec = "utf-8" if encoding.startswith("utf") else encoding
    alphabet = st.characters(codec=codec, exclude_categories=("Cs",), exclude_characters="\r\x00" + MARK)
    return st.text(alphabet, max_size=12)


@st.composite
def contacts_files(draw: st.DrawFn, damage: bool = False) -> dict[str, Any]:
    """A CSV file's bytes with what a correct reader must find in it.

    With ``damage``, one data row is made bad (its phone cell emptied, or for UTF-8 files a
    byte 0xFF put in its second cell) and ``bad_line`` / ``bad_reason`` say what to expect.
    """
    encoding = draw(st.sampled_from(ENCODINGS))
    terminator = draw(st.sampled_from(["\r\n", "\n"]))
    quoting = draw(st.sampled_from(QUOTING))
    numbers = draw(st.lists(st.from_regex(r"[1-9][0-9]{6,11}", fullmatch=True), min_size=1, max_size=5))
    width = draw(st.integers(min_value=0, max_value=3))
    header = draw(
        st.none() | st.lists(cells(encoding).filter(str.strip), min_size=width + 1, max_size=width + 1)
    )
    rows = []
    for _ in range(draw(st.integers(min_value=1, max_value=15))):
        phone = draw(phone_written_some_way(draw(st.sampled_from(numbers))))
        rows.append([phone, *draw(st.lists(cells(encoding), min_size=width, max_size=width))])
    bad_index = draw(st.integers(min_value=0, max_value=len(rows) - 1)) if damage else None
    bad_reason = None
    if bad_index is not None:
        byte = encoding.startswith("utf-8") and draw(st.booleans())
        if byte:
            rows[bad_index] = [rows[bad_index][0], "Zo" + MARK, *rows[bad_index][2:]]
            bad_reason = "byte 0xff in column 2 is not valid utf-8"
        else:  # a cell besides the phone, or the row would be a blank line
            rows[bad_index] = ["", "x", *rows[bad_index][2:]]
            bad_reason = "has no phone number (the first column is empty)"

    def record(row: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator=terminator, quoting=quoting).writerow(row)
        return out.getvalue()

    blank = st.sampled_from(["", " ", "\t", ",", " , "]).map(lambda b: b + terminator)
    parts: list[str] = []
    starts: list[int] = []  # where each data row starts in the text
    if header is not None:
        parts += [*draw(st.lists(blank, max_size=2)), record(header)]
    for row in rows:
        parts += draw(st.lists(blank, max_size=2))
        starts.append(len("".join(parts)))
        parts.append(record(row))
    text = "".join(parts)
    kept, seen = [], set()
    for row in rows:
        key = contact_key(row[0])
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return {
        "data": text.encode(encoding).replace(MARK.encode(), b"\xff"),
        "encoding": "utf-8" if encoding == "utf-8-sig" else encoding,  # the reader skips the BOM
        "header": header,
        "rows": rows,
        "kept": kept,
        "bad_line": None if bad_index is None else _line_of(text, starts[bad_index]),
        "bad_reason": bad_reason,
    }


def _line_of(text: str, offset: int) -> int:
    """1-based line at ``offset``, counting line ends as the reader does (CRLF, LF, CR)."""
    return 1 + len(re.findall(r"\r\n|\r|\n", text[:offset]))


def _read(data: bytes, **kwargs: Any) -> CheckedContacts:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        path.write_bytes(data)
        return check_contacts(path, **kwargs)


@SETTINGS
@given(contacts_files())
def test_every_row_comes_back_once_per_number(generated: dict[str, Any]) -> None:
    checked = _read(generated["data"], header=generated["header"] is not None, encoding=generated["encoding"])
    with checked:
        assert list(checked) == generated["kept"]
        assert checked.duplicates == len(generated["rows"]) - len(generated["kept"])
        assert checked.field_names == (
            [name.strip() for name in generated["header"]] if generated["header"] is not None else None
        )
        body = checked.json_body(b'{"contacts":', b"}")
        data = body.read_all()
        assert len(body) == len(data)
        assert json.loads(data) == {"contacts": generated["kept"]}


@SETTINGS
@given(contacts_files(damage=True))
def test_a_bad_row_anywhere_is_named_by_its_line_and_nothing_is_kept(generated: dict[str, Any]) -> None:
    try:
        _read(generated["data"], header=generated["header"] is not None, encoding=generated["encoding"])
    except SinchValidationError as error:
        message = str(error)
    else:
        raise AssertionError("a file with a bad row was accepted")
    assert message.startswith("contacts: 1 bad row in file ")
    assert "; nothing was sent:" in message
    assert f"\n  line {generated['bad_line']}: {generated['bad_reason']}" in message


@SETTINGS
@given(
    st.binary(max_size=300),
    st.sampled_from([*ENCODINGS, "ascii", "utf-32", "shift_jis", "utf-16-be"]),
    st.booleans(),
    st.booleans(),
)
def test_any_bytes_give_rows_or_a_validation_error(
    data: bytes, encoding: str, header: bool, empty: bool
) -> None:
    try:
        checked = _read(data, header=header, encoding=encoding, allow_empty=empty)
    except SinchValidationError as error:
        message = str(error)
    else:
        with checked:
            rows = list(checked)
            assert all(row and row[0].strip() for row in rows)
            assert json.loads(checked.json_body(b'{"c":', b"}").read_all()) == {"c": rows}
        return
    assert message.startswith("contacts: ")


@SETTINGS
@given(contacts_files(), st.sampled_from(ENCODINGS))
def test_a_file_read_in_the_wrong_encoding_gives_rows_or_a_validation_error(
    generated: dict[str, Any], encoding: str
) -> None:
    try:
        _read(generated["data"], header=generated["header"] is not None, encoding=encoding).close()
    except SinchValidationError as error:
        message = str(error)
    else:
        return
    if "byte 0x" in message or "NUL" in message:
        assert "contacts_encoding" in message


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.binary(max_size=5), st.just("\udce9")
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=2),
    max_leaves=8,
)


@SETTINGS
@given(st.lists(values, max_size=8), st.booleans())
def test_any_list_gives_rows_or_a_validation_error(rows: list[Any], empty: bool) -> None:
    try:
        checked = check_contacts(rows, allow_empty=empty)
    except SinchValidationError as error:
        message = str(error)
    else:
        with checked:
            kept = list(checked)
            assert all(isinstance(cell, str) for row in kept for cell in row)
            assert len(kept) + checked.duplicates <= len(rows)
        return
    assert message.startswith("contacts: ")
