"""Streaming readers and writers: contacts in, exports out, never all in memory.

Paths are local (``/data/x.csv``) or anything ``ObjectStoragePath`` understands
(``s3://bucket/x.csv``, ``file:///data/x.csv``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import IO, Any, TypeVar

from airflow_provider_sinch.exceptions import SinchValidationError

T = TypeVar("T")

#: The documents' limit for one ``contacts`` list (sendsms, landing pages, redirect).
MAX_CONTACTS_PER_REQUEST = 1000

ContactRow = list[str]
ContactsSource = Any  # a list of rows, or a path (str, PathLike, ObjectStoragePath)


def _is_path(source: Any) -> bool:
    return isinstance(source, (str, os.PathLike)) or (hasattr(source, "open") and hasattr(source, "fs"))


def as_location(source: Any) -> Any:
    """A local ``Path`` or an ``ObjectStoragePath``."""
    if hasattr(source, "open") and not isinstance(source, (str, os.PathLike)):
        return source
    text = os.fspath(source)
    if "://" in text and not text.startswith("file://"):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(text)
    return Path(text.removeprefix("file://"))


@contextmanager
def open_text(source: Any) -> Iterator[IO[str]]:
    location = as_location(source)
    if isinstance(location, Path):
        with location.open(encoding="utf-8-sig", newline="") as fh:
            yield fh
    else:
        with location.open("rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
            yield fh


def digits(phone: Any) -> str:
    """A phone number reduced to its digits, to compare ``+1 (555) 010-0000`` with ``15550100000``."""
    return re.sub(r"\D", "", str(phone))


class Contacts:
    """Recipients from a list of rows or a CSV file, read lazily and re-iterable.

    One recipient per row, phone number (or external id) first. Iterating a file reopens it,
    so a request body built from it can be produced again for a retry.

    :param source: rows (``[["+15550100", "Alice"], ...]``) or a CSV path.
    :param header: the CSV's first row names the fields (it also gives ``field_names``).
    :param argument: the operator argument's name, quoted in errors.
    """

    def __init__(self, source: ContactsSource, *, header: bool = False, argument: str = "contacts") -> None:
        if source is None:
            raise SinchValidationError([(argument, "is required: a list of rows or the path of a CSV file")])
        self.source = source
        self.header = header
        self.argument = argument
        self.is_file = _is_path(source)
        if not self.is_file and not isinstance(source, Iterable):
            raise SinchValidationError(
                [(argument, f"must be a list of rows or a CSV path, got {type(source)}")]
            )
        if not self.is_file and isinstance(source, Iterator):
            # A one-shot iterator could not be read again for a retried request.
            self.source = list(source)

    def field_names(self) -> list[str] | None:
        if not (self.is_file and self.header):
            return None
        with open_text(self.source) as fh:
            first = next(csv.reader(fh), None)
        return [name.strip() for name in first] if first else None

    def _raw_rows(self) -> Iterator[tuple[int, Any]]:
        if self.is_file:
            with open_text(self.source) as fh:
                reader = csv.reader(fh)
                if self.header:
                    next(reader, None)
                yield from enumerate(reader, start=2 if self.header else 1)
        else:
            yield from enumerate(self.source, start=1)

    def __iter__(self) -> Iterator[ContactRow]:
        where = "line" if self.is_file else "row"
        for number, row in self._raw_rows():
            if isinstance(row, str):
                row = [row]
            if not isinstance(row, Sequence) or isinstance(row, (bytes, bytearray)):
                raise SinchValidationError(
                    [(self.argument, f"{where} {number} is not a list of values: {row!r}")]
                )
            if self.is_file and not any(str(v).strip() for v in row):
                continue  # blank CSV line
            values = ["" if v is None else str(v) for v in row]
            if not values or not values[0].strip():
                raise SinchValidationError(
                    [(self.argument, f"{where} {number} has no phone number (it must be the first column)")]
                )
            yield values

    def describe(self) -> str:
        return f"file {self.source}" if self.is_file else "list"


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def json_array_chunks(rows: Iterable[Any], *, block_size: int = 64 * 1024) -> Iterator[bytes]:
    """``[row, row, ...]`` as JSON, in blocks of about ``block_size`` bytes.

    Blocks, not one chunk per row: each chunk becomes one write on the socket.
    """
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    parts: list[str] = ["["]
    size = 0
    first = True
    for row in rows:
        text = encode(row) if first else "," + encode(row)
        first = False
        parts.append(text)
        size += len(text)
        if size >= block_size:
            yield "".join(parts).encode()
            parts, size = [], 0
    parts.append("]")
    yield "".join(parts).encode()


# --- Multipart upload, streamed ------------------------------------------------------------------
CHUNK_SIZE = 1 << 16


def _size_of(location: Any) -> int:
    if isinstance(location, Path):
        return location.stat().st_size
    size = getattr(location.stat(), "st_size", None)
    if size is None:
        size = location.fs.size(location.path)
    return int(size)


def _content_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _part_headers(name: str, filename: str | None = None, content_type: str | None = None) -> bytes:
    from urllib3.fields import RequestField

    field = RequestField(name=name, data=b"", filename=filename)
    field.make_multipart(content_type=content_type)
    return field.render_headers().encode()


class MultipartFileBody:
    """A ``multipart/form-data`` body whose file part is read from its location as it is sent.

    It has a length (so requests sends ``Content-Length``, not chunked encoding) and is read
    once; :meth:`SinchShortCodeHook.upload_campaign_attachment` builds a fresh one per attempt.
    """

    def __init__(
        self, location: Any, *, field: str, filename: str, fields: Mapping[str, str], boundary: str
    ) -> None:
        self.location = location
        delimiter = f"--{boundary}\r\n".encode()
        self._head = delimiter + _part_headers(field, filename, _content_type(filename))
        tail = b"\r\n"
        for name, value in fields.items():
            tail += delimiter + _part_headers(name) + value.encode() + b"\r\n"
        self._tail = tail + f"--{boundary}--\r\n".encode()
        self._length = len(self._head) + _size_of(location) + len(self._tail)
        self._chunks: Iterator[bytes] | None = None
        self._buffer = b""

    def __len__(self) -> int:
        return self._length

    def _generate(self) -> Iterator[bytes]:
        yield self._head
        with self.location.open("rb") as fh:
            while chunk := fh.read(CHUNK_SIZE):
                yield chunk
        yield self._tail

    def __iter__(self) -> Iterator[bytes]:
        if self._buffer:
            yield self._buffer
            self._buffer = b""
        if self._chunks is None:
            self._chunks = self._generate()
        yield from self._chunks

    def read(self, size: int = -1) -> bytes:
        if self._chunks is None:
            self._chunks = self._generate()
        if size is None or size < 0:
            data = self._buffer + b"".join(self._chunks)
            self._buffer = b""
            return data
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def close(self) -> None:
        if self._chunks is not None and hasattr(self._chunks, "close"):
            self._chunks.close()


# --- Exports -----------------------------------------------------------------------------------
FILE_FORMATS = ("jsonl", "csv")


def check_file_format(file_format: str) -> str:
    if file_format not in FILE_FORMATS:
        raise SinchValidationError([("file_format", f"must be one of {FILE_FORMATS}, got {file_format!r}")])
    return file_format


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


class RecordWriter:
    """Writes dict records as JSON lines or CSV (nested values JSON-encoded in their cell)."""

    def __init__(self, fh: IO[str], file_format: str, fieldnames: Sequence[str] | None = None) -> None:
        self.fh = fh
        self.file_format = check_file_format(file_format)
        self.count = 0
        self._csv: csv.DictWriter[str] | None = None
        if self.file_format == "csv":
            if not fieldnames:
                raise ValueError("CSV export needs its column names")
            self._csv = csv.DictWriter(fh, fieldnames=list(fieldnames), extrasaction="ignore")
            self._csv.writeheader()

    def write(self, record: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow({k: _cell(v) for k, v in record.items()})
        else:
            self.fh.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        self.count += 1


@contextmanager
def open_output(destination: Any, *, binary: bool = False) -> Iterator[tuple[IO[Any], str]]:
    """Open ``destination`` to write text (or bytes, with ``binary``); local files appear only once complete.

    Yields the file object and the destination as a string (what operators return).
    """
    location = as_location(destination)
    if isinstance(location, Path):
        location.parent.mkdir(parents=True, exist_ok=True)
        partial = location.with_name(location.name + ".part")
        try:
            with partial.open("wb") if binary else partial.open("w", encoding="utf-8", newline="") as fh:
                yield fh, str(location)
            os.replace(partial, location)
        finally:
            partial.unlink(missing_ok=True)
    else:
        with location.open("wb") as raw:
            if binary:
                yield raw, str(location)
            else:
                with io.TextIOWrapper(raw, encoding="utf-8", newline="") as fh:
                    yield fh, str(location)
