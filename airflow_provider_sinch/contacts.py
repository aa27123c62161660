"""Contacts as users hand them to us: read whole and checked before anyone is texted.

A contacts source is a list of rows or the path of a CSV file (local, ``file://`` or any
``ObjectStoragePath`` such as ``s3://bucket/contacts.csv``), one recipient per row, phone number
(or external id) first, as the Campaign API document describes ``contacts``
(``../shared/api/campaign-api.txt``: ``[["0612345678", "Alice"], ...]``, at most 1000 per
``sendsms`` / landing-page / redirect request).

:func:`check_contacts` reads the whole source once, in constant memory, before any request:

* every bad row (empty phone cell, bytes that are not in the file's encoding, a cell that is not
  text, a line the CSV reader cannot parse) is collected, and if there is one the task fails with
  a :class:`~airflow_provider_sinch.exceptions.SinchValidationError` that lists the first few by
  line number and says why each is bad; nothing is sent;
* a number met again (compared by its digits, so ``+1 (555) 010-1051`` is ``15550101051``) is
  skipped and counted;
* the rows kept are spooled to a temporary file (in memory up to :data:`SPOOL_MEMORY_BYTES`, then
  on disk), written as the JSON array the create request carries, one row per line, so that the
  create body has a ``Content-Length`` and the batched operators read the rows back from it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import IO, TYPE_CHECKING, Any

from airflow_provider_sinch._files import as_location
from airflow_provider_sinch.exceptions import SinchValidationError

if TYPE_CHECKING:
    import logging

#: Bad rows quoted in the error; the rest are counted.
MAX_LISTED_PROBLEMS = 5
#: Duplicates quoted in the log; the rest are counted.
MAX_LISTED_DUPLICATES = 5
#: The spool stays in memory up to this size, then moves to a temporary file.
SPOOL_MEMORY_BYTES = 1 << 20
#: Distinct numbers remembered in a dict before they move to a temporary SQLite table.
SEEN_IN_MEMORY = 50_000
#: Rows whose numbers are looked up together (one SQL query per batch once on disk).
DEDUPE_BATCH = 1000
#: What the CSV reader allows in one cell before giving up (an unclosed quote swallows the file).
CSV_FIELD_LIMIT = csv.field_size_limit()
DEFAULT_ENCODING = "utf-8"

#: Package that brings the filesystem of an object-store scheme to ``ObjectStoragePath``.
FILESYSTEM_PACKAGES = {
    "s3": "apache-airflow-providers-amazon with s3fs (pip install 'apache-airflow-providers-amazon[s3fs]')",
    "s3a": "apache-airflow-providers-amazon with s3fs (pip install 'apache-airflow-providers-amazon[s3fs]')",
    "gs": "apache-airflow-providers-google with gcsfs (pip install apache-airflow-providers-google gcsfs)",
    "gcs": "apache-airflow-providers-google with gcsfs (pip install apache-airflow-providers-google gcsfs)",
    "abfs": "apache-airflow-providers-microsoft-azure with adlfs",
    "abfss": "apache-airflow-providers-microsoft-azure with adlfs",
    "adl": "apache-airflow-providers-microsoft-azure with adlfs",
    "az": "apache-airflow-providers-microsoft-azure with adlfs",
    "wasb": "apache-airflow-providers-microsoft-azure with adlfs",
}

_ENCODING_HINT = (
    "The file is read as {encoding} (a leading byte-order mark is skipped). If it was saved in "
    'another encoding, pass contacts_encoding: Excel\'s plain "CSV" on Windows is usually '
    "contacts_encoding='cp1252', a Latin-1 file contacts_encoding='latin-1', "
    "Excel's \"Unicode text\" contacts_encoding='utf-16'."
)

# Undecodable bytes become lone surrogates U+DC00..U+DCFF (a strict decoder never produces one),
# so a row can say which byte of which cell was bad and the reading still goes on to the end.
_MARK_ERRORS = "airflow_provider_sinch.contacts.mark"


def _mark_undecodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(chr(0xDC00 + byte) for byte in bad), error.end


codecs.register_error(_MARK_ERRORS, _mark_undecodable)
_json_string: Any = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.encode_basestring
_SURROGATE = re.compile("[\ud800-\udfff]")
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
# What people put between the digits of a phone number; removed to compare numbers.
_PHONE_PUNCTUATION = str.maketrans("", "", " \t\u00a0+().-/")
#: A recipient of the SMS channel is an MSISDN (the document's "phone number in format MSISDN",
#: e.g. 33612345678): digits, which people write with a leading +, spaces, dashes, dots or
#: parentheses; E.164 numbers have at most 15 digits. External-channel ids (``id1``) are free.
_MSISDN = re.compile(r"\+?[0-9 \u00a0().-]{6,30}")
_MSISDN_DIGITS = range(6, 16)


def msisdn_problem(value: str) -> str | None:
    """Why ``value`` is not an MSISDN, or ``None`` when it is one."""
    text = value.strip()
    digits = sum(c.isdigit() for c in text)
    if _MSISDN.fullmatch(text) and digits in _MSISDN_DIGITS:
        return None
    reason = f"{text!r} in column 1 is not a phone number (MSISDN: 6 to 15 digits, e.g. +33612345678)"
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        return reason + "; a spreadsheet wrote it in scientific notation: format the column as text"
    if ";" in text or "\t" in text:
        return reason + "; is the file separated by ';' or tabs? save it as comma-separated CSV"
    return reason


def contact_key(first_cell: str) -> str:
    """What makes two rows the same recipient: the digits of a phone number, else the exact id.

    ``+1 (555) 010-1051`` and ``15550101051`` are one number (the retry path compares them the
    same way); an external id such as ``id1`` (landing pages, redirects) is compared as written,
    so ``id1`` and ``ID-1`` stay two recipients.
    """
    text = first_cell.strip()
    number = text.translate(_PHONE_PUNCTUATION)
    if number.isdigit() and number.isascii():
        return "tel:" + number
    return "id:" + text


class ContactsProblem(Exception):
    """One bad row: where it is (``line`` in a file, ``row`` in a list) and why it is bad."""

    def __init__(self, where: str, number: int, reason: str, *, encoding: bool = False) -> None:
        super().__init__(f"{where} {number}: {reason}")
        self.where = where
        self.number = number
        self.reason = reason
        self.encoding = encoding


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    """The lines, less a byte-order mark the codec left at the start (before the CSV parser sees it)."""
    iterator = iter(lines)
    first = next(iterator, None)
    if first is None:
        return
    yield first.removeprefix("\ufeff")
    yield from iterator


def _is_path(source: Any) -> bool:
    return isinstance(source, (str, os.PathLike)) or (hasattr(source, "open") and hasattr(source, "fs"))


def _scheme(text: str) -> str:
    return text.split("://", 1)[0].lower() if "://" in text else ""


class Contacts:
    """Recipients from a list of rows or a CSV file, read lazily and re-iterable.

    Iterating yields each good row as a list of strings and raises a
    :class:`~airflow_provider_sinch.exceptions.SinchValidationError` at the first bad one;
    :meth:`rows` yields every row with its problem instead, which :func:`check_contacts` uses to
    report them all. A file is reopened for each pass.

    :param source: rows (``[["+15550100", "Alice"], ...]``) or a CSV path (str, ``PathLike``,
        ``file://`` URL or ``ObjectStoragePath``).
    :param header: the CSV's first row names the fields (it also gives ``field_names``).
    :param encoding: the file's text encoding (default UTF-8; a byte-order mark is skipped).
    :param argument: the operator argument's name, quoted in errors.
    :raises SinchValidationError: the source is missing, empty, or neither rows nor a path, or
        the encoding is unknown.
    """

    def __init__(
        self,
        source: Any,
        *,
        header: bool = False,
        encoding: str | None = None,
        argument: str = "contacts",
        msisdn: bool = False,
    ) -> None:
        if source is None:
            raise SinchValidationError([(argument, "is required: a list of rows or the path of a CSV file")])
        if isinstance(source, str) and not source.strip():
            raise SinchValidationError(
                [(argument, "is empty: give a list of rows or the path of a CSV file")]
            )
        self.source = source
        self.header = header
        self.argument = argument
        self.msisdn = msisdn
        self.encoding = encoding or DEFAULT_ENCODING
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise SinchValidationError(
                [("contacts_encoding", f"unknown encoding {self.encoding!r} (for example 'utf-8', 'cp1252')")]
            ) from None
        self.is_file = _is_path(source)
        if not self.is_file and (not isinstance(source, Iterable) or isinstance(source, (bytes, Mapping))):
            raise SinchValidationError(
                [(argument, f"must be a list of rows or a CSV path, got {type(source).__name__}")]
            )
        if not self.is_file and isinstance(source, Iterator):
            # A one-shot iterator could not be read again for a retried request.
            self.source = list(source)

    def describe(self) -> str:
        return f"file {self.source}" if self.is_file else "the list"

    # --- Opening --------------------------------------------------------------------------------
    def _refuse(self, reason: str) -> SinchValidationError:
        return SinchValidationError([(self.argument, f"{reason}; nothing was sent")])

    @contextmanager
    def _open_binary(self) -> Iterator[IO[bytes]]:
        text = str(self.source)
        scheme = _scheme(text)
        try:
            location = as_location(self.source)
            handle = location.open("rb")
        except FileNotFoundError:
            hint = ""
            if text.lstrip().startswith(("[", "(")):
                hint = (
                    " (a list rendered as text? pass the list itself, or render the DAG's templates"
                    " as native objects with render_template_as_native_obj=True)"
                )
            raise self._refuse(f"there is no file at {text}{hint}") from None
        except IsADirectoryError:
            raise self._refuse(f"{text} is a folder, not a CSV file") from None
        except PermissionError:
            raise self._refuse(f"{text} cannot be read (permission denied)") from None
        except OSError as exc:
            if scheme and scheme != "file":
                raise  # an object store that failed for now: let the task retry
            raise self._refuse(f"{text} cannot be opened: {exc.strerror or exc}") from None
        except (ValueError, ImportError) as exc:
            if not scheme:
                raise self._refuse(f"{text!r} is not a usable path ({exc})") from None
            package = FILESYSTEM_PACKAGES.get(scheme)
            install = (
                f"install {package}"
                if package
                else f"install the Airflow provider that registers the '{scheme}' filesystem"
            )
            raise self._refuse(
                f"{text} cannot be read: no filesystem for '{scheme}://' is installed ({exc}); {install}"
            ) from None
        with handle:
            yield handle

    @contextmanager
    def _open_csv(self) -> Iterator[Any]:
        with self._open_binary() as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, errors=_MARK_ERRORS, newline="")
            try:
                # strict: a quote opened and never closed is an error, not the rest of the file
                # swallowed into one cell (and every recipient after it silently dropped).
                yield csv.reader(_without_bom(text), strict=True)
            finally:
                text.detach()

    # --- Reading --------------------------------------------------------------------------------
    def _file_records(self) -> Iterator[tuple[int, list[str] | ContactsProblem]]:
        """``(line, cells)`` of each CSV record, or ``(line, problem)`` when it cannot be parsed."""
        with self._open_csv() as reader:
            while True:
                line = reader.line_num + 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except UnicodeError as exc:
                    # Not a bad byte (those are marked and reported by column) but a stream the
                    # codec refuses as a whole, e.g. UTF-16 without a byte-order mark: stop here.
                    yield line, ContactsProblem("line", line, f"cannot be decoded ({exc})", encoding=True)
                    return
                except csv.Error as exc:
                    reason = str(exc)
                    if "field larger than field limit" in reason:
                        reason = f"a cell is longer than {CSV_FIELD_LIMIT} characters (an unclosed quote?)"
                    elif "unexpected end of data" in reason:
                        reason = "a quote opened on this line is never closed"
                    yield line, ContactsProblem("line", line, f"is not valid CSV: {reason}")
                    continue
                yield line, record

    def _header_and_records(self) -> tuple[list[str] | None, Iterator[tuple[int, Any]]]:
        if not self.is_file:
            return None, enumerate(self.source, start=1)
        records = self._file_records()
        if not self.header:
            return None, records
        for _, record in records:
            if isinstance(record, list) and any(cell.strip() for cell in record):
                return [cell.strip() for cell in record], records
        return None, records

    def field_names(self) -> list[str] | None:
        """The header row's names (stripped), when the source is a file with a header."""
        if not (self.is_file and self.header):
            return None
        names, records = self._header_and_records()
        getattr(records, "close", lambda: None)()
        return names

    def read(self) -> tuple[list[str] | None, Iterator[tuple[int, list[str] | ContactsProblem]]]:
        """One pass: the header's names and every recipient row, blank lines skipped.

        Each row comes as ``(number, cells)`` or ``(number, problem)``; ``number`` is the line of
        a file (where the record starts) or the 1-based index in a list.
        """
        names, records = self._header_and_records()
        return names, self._checked(records)

    def _checked(
        self, records: Iterator[tuple[int, Any]]
    ) -> Iterator[tuple[int, list[str] | ContactsProblem]]:
        try:
            for number, record in records:
                if isinstance(record, ContactsProblem):
                    yield number, record
                    continue
                checked = self._check_row(number, record)
                if checked is not None:
                    yield number, checked
        finally:
            getattr(records, "close", lambda: None)()

    def rows(self) -> Iterator[tuple[int, list[str] | ContactsProblem]]:
        """The rows of :meth:`read`, without the header."""
        yield from self.read()[1]

    def _check_row(self, number: int, row: Any) -> list[str] | ContactsProblem | None:
        if type(row) is list and self.is_file:  # a CSV record: strings already (the hot path)
            joined = "".join(row)
            if not joined.strip():
                return None  # a blank CSV line
            clean = not _BAD_CHARACTER.search(joined) and row[0].strip()
            if clean and (not self.msisdn or msisdn_problem(row[0]) is None):
                return row
        return self._check_slowly(number, row)

    def _check_slowly(self, number: int, row: Any) -> list[str] | ContactsProblem | None:
        where = "line" if self.is_file else "row"
        if isinstance(row, str):
            row = [row]
        if not isinstance(row, Sequence) or isinstance(row, (bytes, bytearray)):
            return ContactsProblem(where, number, f"is not a list of values: {type(row).__name__}")
        values: list[str] = []
        for column, value in enumerate(row, start=1):
            if isinstance(value, (Mapping, list, tuple, set, bytes, bytearray)):
                return ContactsProblem(
                    where, number, f"column {column} holds a {type(value).__name__}, not text or a number"
                )
            values.append("" if value is None else str(value))
        if self.is_file and not any(value.strip() for value in values):
            return None  # a blank CSV line
        for column, value in enumerate(values, start=1):
            bad = _SURROGATE.search(value)
            if bad is None:
                if "\x00" in value:
                    return ContactsProblem(
                        where,
                        number,
                        f"column {column} holds NUL characters (a UTF-16 file read as "
                        f"{self.encoding}? try contacts_encoding='utf-16')",
                        encoding=True,
                    )
                continue
            code = ord(bad.group())
            if self.is_file and 0xDC00 <= code <= 0xDCFF:
                return ContactsProblem(
                    where,
                    number,
                    f"byte 0x{code - 0xDC00:02x} in column {column} is not valid {self.encoding}",
                    encoding=True,
                )
            return ContactsProblem(
                where,
                number,
                f"column {column} holds an unpaired surrogate U+{code:04X}, which cannot be sent",
            )
        if not values or not values[0].strip():
            return ContactsProblem(where, number, "has no phone number (the first column is empty)")
        if self.msisdn:
            problem = msisdn_problem(values[0])
            if problem is not None:
                return ContactsProblem(where, number, problem)
        return values

    def __iter__(self) -> Iterator[list[str]]:
        for _, row in self.rows():
            if isinstance(row, ContactsProblem):
                raise SinchValidationError([(self.argument, f"{row}; in {self.describe()}")])
            yield row


# --- Remembering numbers in constant memory ---------------------------------------------------------
class _SeenKeys:
    """Keys met so far, each with the number of its first row.

    A dict while small; past ``memory_limit`` keys they move to a private temporary SQLite
    database (on disk, a bounded page cache), so a million distinct numbers cost no more memory
    than fifty thousand.
    """

    def __init__(self, memory_limit: int | None = None) -> None:
        self._memory: dict[str, int] = {}
        self._limit = memory_limit or SEEN_IN_MEMORY
        self._db: sqlite3.Connection | None = None

    def firsts(self, items: Sequence[tuple[str, int]]) -> list[int | None]:
        """Record each ``(key, number)`` in order; for each, its key's first number if met before.

        Given in batches so that, once on disk, a batch costs two SQL statements, not one per row.
        """
        if self._db is None:
            memory = self._memory
            answers = [memory.setdefault(key, number) for key, number in items]
            if len(memory) > self._limit:
                self._spill()
            return [
                None if first == number else first for first, (_, number) in zip(answers, items, strict=True)
            ]
        keys = list({key for key, _ in items})
        known: dict[str, int] = {}
        for start in range(0, len(keys), 900):  # SQLite allows 999 variables per statement before 3.32
            part = keys[start : start + 900]
            query = f"SELECT key, number FROM seen WHERE key IN ({','.join('?' * len(part))})"  # noqa: S608
            known.update(self._db.execute(query, part).fetchall())
        new: dict[str, int] = {}
        firsts: list[int | None] = []
        for key, number in items:
            first = known.get(key)
            if first is None:
                first = new.setdefault(key, number)
            firsts.append(None if first == number else first)
        self._db.executemany("INSERT INTO seen VALUES (?, ?)", new.items())
        return firsts

    def _spill(self) -> None:
        # "" is SQLite's private temporary database: on disk, deleted when closed.
        db = sqlite3.connect("", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -4096", "temp_store = FILE"):
            db.execute(f"PRAGMA {pragma}")
        db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, number INTEGER) WITHOUT ROWID")
        db.execute("BEGIN")
        db.executemany("INSERT INTO seen VALUES (?, ?)", self._memory.items())
        self._memory = {}
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._memory = {}


# --- The spool and the create body -----------------------------------------------------------------
class CheckedContacts:
    """Rows that passed every check, spooled as a JSON array with one row per line.

    Iterate it (or :meth:`batches`) for the rows as lists of strings; :meth:`json_body` gives
    the create request's body around them. Close it (or use it as a context manager) to drop
    the temporary file. One reader at a time: each pass rewinds the spool.

    :ivar count: rows kept.
    :ivar duplicates: rows skipped because their number (digits) or id was met on an earlier row.
    :ivar duplicate_examples: ``(number, first_number)`` of the first few duplicates.
    :ivar field_names: the header row's names, when the source is a file with a header.
    :ivar source: what was read (``file /data/x.csv`` or ``list``), for messages.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.count = 0
        self.duplicates = 0
        self.duplicate_examples: list[tuple[int, int]] = []
        self.field_names: list[str] | None = None
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        self._length = 0
        self._pending: list[str] = ["["]  # written to the spool a block at a time
        self._pending_size = 0

    def _add(self, row: list[str]) -> None:
        # Every cell is a str by now: the C string encoder per cell beats json.dumps per row.
        text = (",\n[" if self.count else "\n[") + ",".join(map(_json_string, row)) + "]"
        self._pending.append(text)
        self._pending_size += len(text)
        self.count += 1
        if self._pending_size > 1 << 16:
            self._flush()

    def _flush(self) -> None:
        self._spool.write("".join(self._pending).encode("utf-8"))
        self._pending, self._pending_size = [], 0

    def _finish(self) -> None:
        self._pending.append("\n]")
        self._flush()
        self._length = self._spool.tell()

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[list[str]]:
        self._spool.seek(0)
        self._spool.readline()  # "["
        for line in self._spool:
            if line == b"]":
                return
            yield json.loads(line.rstrip(b"\n").removesuffix(b","))

    def batches(self, size: int) -> Iterator[list[list[str]]]:
        rows = iter(self)
        while batch := list(islice(rows, size)):
            yield batch

    def json_body(self, head: bytes, tail: bytes) -> SpooledBody:
        """``head`` + the rows' JSON array + ``tail``, with its length, resendable."""
        return SpooledBody(head, self._spool, self._length, tail)

    def summary(self) -> dict[str, int]:
        """Small counts for a task's result (XCom)."""
        return {"count": self.count, "duplicates_skipped": self.duplicates}

    def log_duplicates(self, log: logging.Logger) -> None:
        if not self.duplicates:
            return
        examples = ", ".join(f"{n} (same as {first})" for n, first in self.duplicate_examples)
        log.warning(
            "Skipped %d duplicate recipients (same phone digits or id as an earlier row) in %s, e.g. %s %s.",
            self.duplicates,
            self.source,
            "line" if self.source.startswith("file") else "row",
            examples,
        )

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> CheckedContacts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SpooledBody:
    """A request body made of bytes around a spooled file, with a known length.

    ``requests`` sends an object with ``__len__`` and ``read`` with a ``Content-Length`` (never
    ``Transfer-Encoding: chunked``), reading it in blocks. :meth:`open` gives a fresh reader from
    the first byte, so a retried request (the transport calls its body factory once per attempt)
    sends the same bytes again.
    """

    def __init__(self, head: bytes, spool: IO[bytes], spool_length: int, tail: bytes) -> None:
        self._head = head
        self._spool = spool
        self._spool_length = spool_length
        self._tail = tail

    def __len__(self) -> int:
        return len(self._head) + self._spool_length + len(self._tail)

    def open(self) -> _BodyReader:
        return _BodyReader(self)

    def read_all(self) -> bytes:
        """The whole body (tests and small bodies only)."""
        return self.open().read()


class _BodyReader:
    """One pass over a :class:`SpooledBody`: ``read(size)`` and iteration in blocks."""

    BLOCK = 1 << 16

    def __init__(self, body: SpooledBody) -> None:
        self._body = body
        self._parts: Iterator[bytes] = self._generate()
        self._buffer = b""

    def __len__(self) -> int:
        return len(self._body)

    def _generate(self) -> Iterator[bytes]:
        body = self._body
        yield body._head
        body._spool.seek(0)
        left = body._spool_length
        while left > 0:
            chunk = body._spool.read(min(self.BLOCK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk
        yield body._tail

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            data = self._buffer + b"".join(self._parts)
            self._buffer = b""
            return data
        while len(self._buffer) < size:
            chunk = next(self._parts, None)
            if chunk is None:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.read(self.BLOCK):
            yield chunk


# --- The check ---------------------------------------------------------------------------------------
def check_contacts(
    source: Any,
    *,
    header: bool = False,
    encoding: str | None = None,
    allow_empty: bool = False,
    dedupe: bool = True,
    argument: str = "contacts",
    context: str | None = None,
    msisdn: bool = False,
) -> CheckedContacts:
    """Read the whole of ``source``, check every row and spool the good ones; before any request.

    :param source: rows, a CSV path, a :class:`Contacts`, or an iterable of rows.
    :param header: the file's first non-blank row is a header (it gives ``field_names``).
    :param encoding: the file's encoding (default UTF-8, a byte-order mark skipped).
    :param allow_empty: accept a source with no recipient (an empty file or a header only).
    :param dedupe: skip a row whose phone digits (or id) an earlier row had, and count it.
    :param argument: the argument's name, quoted in errors.
    :param context: the task id, prefixed to errors.
    :param msisdn: every first column must be a phone number (the SMS channel), not an
        external-channel id.
    :returns: the rows kept, spooled (close it when done).
    :raises SinchValidationError: any bad row (the first :data:`MAX_LISTED_PROBLEMS` listed by
        line, the rest counted), an unreadable or missing file, or no recipient at all.
    """
    try:
        return _check(source, header, encoding, allow_empty, dedupe, argument, msisdn)
    except SinchValidationError as exc:
        if context is None:
            raise
        raise SinchValidationError(exc.violations, context=context) from None


def _check(
    source: Any,
    header: bool,
    encoding: str | None,
    allow_empty: bool,
    dedupe: bool,
    argument: str,
    msisdn: bool = False,
) -> CheckedContacts:
    contacts = (
        source
        if isinstance(source, Contacts)
        else Contacts(source, header=header, encoding=encoding, argument=argument, msisdn=msisdn)
    )
    checked = CheckedContacts(contacts.describe())
    seen = _SeenKeys() if dedupe else None
    problems: list[ContactsProblem] = []
    bad = 0
    check_row = contacts._check_row
    pending: list[tuple[int, list[str]]] = []
    records: Iterator[tuple[int, Any]] = iter(())
    try:
        checked.field_names, records = contacts._header_and_records()
        for number, record in records:
            row = record if isinstance(record, ContactsProblem) else check_row(number, record)
            if row is None:
                continue  # a blank line
            if isinstance(row, ContactsProblem):
                bad += 1
                if len(problems) < MAX_LISTED_PROBLEMS:
                    problems.append(row)
                continue
            if bad:
                continue  # nothing will be sent: keep reading only to count the bad rows
            if seen is None:
                checked._add(row)
                continue
            pending.append((number, row))
            if len(pending) >= DEDUPE_BATCH:
                _add_new(checked, seen, pending)
        if not bad and seen is not None:
            _add_new(checked, seen, pending)
        checked._finish()
    except BaseException:
        checked.close()
        raise
    finally:
        getattr(records, "close", lambda: None)()
        if seen is not None:
            seen.close()
    if bad:
        checked.close()
        raise SinchValidationError([(contacts.argument, _describe_problems(contacts, problems, bad))])
    if not checked.count and not allow_empty:
        checked.close()
        what = "has a header row but no recipient" if checked.field_names else "holds no recipient"
        if checked.duplicates:
            what = "holds no recipient once duplicates are skipped"
        raise SinchValidationError(
            [
                (
                    contacts.argument,
                    f"{contacts.describe()} {what}; nothing was sent "
                    "(pass allow_empty=True to accept an empty list)",
                )
            ]
        )
    return checked


def _add_new(checked: CheckedContacts, seen: _SeenKeys, pending: list[tuple[int, list[str]]]) -> None:
    """Spool the pending rows whose number was not met before, in order; count the others."""
    firsts = seen.firsts([(contact_key(row[0]), number) for number, row in pending])
    for (number, row), first in zip(pending, firsts, strict=True):
        if first is None:
            checked._add(row)
            continue
        checked.duplicates += 1
        if len(checked.duplicate_examples) < MAX_LISTED_DUPLICATES:
            checked.duplicate_examples.append((number, first))
    pending.clear()


def _describe_problems(contacts: Contacts, problems: list[ContactsProblem], bad: int) -> str:
    noun = "row" if bad == 1 else "rows"
    lines = [f"{bad} bad {noun} in {contacts.describe()}; nothing was sent:"]
    lines += [f"  {problem}" for problem in problems]
    if bad > len(problems):
        lines.append(f"  ... and {bad - len(problems)} more")
    if any(problem.encoding for problem in problems):
        lines.append("  " + _ENCODING_HINT.format(encoding=contacts.encoding))
    return "\n".join(lines)


@contextmanager
def create_request_body(
    fields: Mapping[str, Any], contacts: Iterable[Sequence[Any]] | CheckedContacts
) -> Iterator[SpooledBody]:
    """The create request's JSON body: ``fields`` and ``"contacts": [rows]``, spooled with its length.

    ``contacts`` already checked (a :class:`CheckedContacts`) is used as it is; anything else is
    read and checked whole first (no deduplication: the API reports ``duplicated_contacts`` itself),
    so a bad row fails before the request. The spool made here is dropped on exit.

    :raises SinchValidationError: a bad row.
    """
    head = json.dumps(dict(fields), ensure_ascii=False)[:-1].encode() + b',"contacts":'
    if isinstance(contacts, CheckedContacts):
        yield contacts.json_body(head, b"}")
        return
    with check_contacts(contacts, allow_empty=True, dedupe=False) as checked:
        yield checked.json_body(head, b"}")
