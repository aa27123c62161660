"""Streaming files: locations, multipart uploads and exports, never all in memory.

Contacts files are read by :mod:`airflow_provider_sinch.contacts`.

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


def as_location(source: Any) -> Any:
    """A local ``Path`` or an ``ObjectStoragePath``."""
    if hasattr(source, "open") and not isinstance(source, (str, os.PathLike)):
        return source
    text = os.fspath(source)
    if "://" in text and not text.startswith("file://"):
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(text)
    return Path(text.removeprefix("file://"))


def digits(phone: Any) -> str:
    """A phone number reduced to its digits, to compare ``+1 (555) 010-0000`` with ``15550100000``."""
    return re.sub(r"\D", "", str(phone))


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


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


#: First characters that make a spreadsheet read a cell as a formula (OWASP's "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A cell made only of these is a number (``+46701234567``, ``-5``, ``+1 (555) 010-0199``), not a
#: formula that can call anything: it is left as is.
_NUMBER_ONLY = re.compile(r"[0-9 ().,/+-]*\Z")


def defuse_formula(value: Any) -> Any:
    """``value``, with a leading ``'`` if it is text a spreadsheet would run as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed, unless it
    holds nothing but digits, spaces and ``()+-.,/`` (a phone number, a negative number). Excel,
    LibreOffice and Google Sheets show the text and hide the apostrophe. Anything else (other
    text, numbers, ``None``) is returned unchanged. For CSV cells only: JSON lines and Parquet keep
    the API's value.
    """
    if type(value) is str and value.startswith(_FORMULA_START) and not _NUMBER_ONLY.match(value):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return defuse_formula(value)


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
