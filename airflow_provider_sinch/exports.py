"""Campaign API exports: the event log read in adaptive windows, and JSONL / CSV / Parquet writers.

The log endpoint (``GET /v1/campaign/log``, ``../shared/api/campaign-api.txt``) has no paging:
one request answers a whole ``[start, stop]`` window at once, so the window's length is the only
thing that bounds memory and the number of requests. :func:`iter_log_windows` sizes each window
from the answers before it (:class:`WindowSizing`) and never writes an event twice.

The writers turn the API's records (log events, per-recipient stats) into files with a stable
set of columns (:data:`CAMPAIGN_LOG`, :data:`CAMPAIGN_STATS`); Parquet needs the ``parquet``
extra (``pyarrow``), imported only when a Parquet file is written.

Nothing here knows about HTTP or Airflow's task context: the hook supplies a ``fetch`` callable,
the operators a destination.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import IO, TYPE_CHECKING, Any

from airflow_provider_sinch._files import defuse_formula, open_output
from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.exceptions import SinchValidationError

if TYPE_CHECKING:
    from typing import Protocol, TypeAlias

    import requests

    #: What ``fetch`` got for one window: the events, or ``None`` when the body was too large to
    #: read; and the body's size in bytes (for a body not read: its ``Content-Length`` or the bytes
    #: seen).
    Answer: TypeAlias = tuple["list[dict[str, Any]] | None", int]
    #: ``fetch(first, last, max_bytes)``: the events with ``first <= datetime <= last`` (API strings,
    #: both inclusive, as the API has them), or ``(None, size)`` for a body above ``max_bytes``
    #: (``None``: no limit).
    Fetch: TypeAlias = Callable[[str, str, "int | None"], Answer]

    class ExportWriter(Protocol):
        """Writes batches of records; ``count`` is the number written so far."""

        count: int

        def write_batch(self, records: Sequence[dict[str, Any]]) -> None: ...

        def close(self) -> None: ...


# DAG files import this module (through the Campaign operators): it builds no dataclass, NamedTuple
# or Protocol at import time, so that importing it stays cheap.

log = logging.getLogger(__name__)

#: ``file_format`` values of the Campaign log and stats exports.
EXPORT_FORMATS = ("jsonl", "csv", "parquet")
#: The Campaign API's date-time shape; such strings sort in time order as plain strings.
API_DATETIME = "%Y-%m-%d %H:%M:%S"
_API_DATETIME_LENGTH = 19
PARQUET_EXTRA_HINT = 'pip install "airflow-provider-sinch[parquet]"'


def check_export_format(file_format: str) -> str:
    """``file_format`` itself, or :class:`SinchValidationError` naming the accepted values."""
    if file_format not in EXPORT_FORMATS:
        raise SinchValidationError([("file_format", f"must be one of {EXPORT_FORMATS}, got {file_format!r}")])
    return file_format


# --- Adaptive windows over the event log --------------------------------------------------------
class WindowSizing:
    """How long each log request's window is.

    The first window lasts ``first``. Each later one is sized from the answer before it, so that
    it holds about ``target_events`` events, or up to ``dense_target_events`` for a campaign that
    makes more than ``target_events`` in an hour (a loop asking one hour at a time would hold the
    whole hour; fewer, larger answers mean fewer requests), and at most half of ``max_bytes``. It
    grows (at most ``growth`` times per step, up to ``longest``) while answers are small and
    shrinks in proportion when one is larger. An answer whose body exceeds ``max_bytes`` (its
    ``Content-Length``, or the bytes read so far) is not read: its window is asked again,
    shorter. A one-second window cannot be split and is always read whole.

    An event takes about 3.5 KB of memory once read and parsed, so the defaults hold at most
    about 35 MB for the densest campaign, and no more than an hour-at-a-time loop for a quiet one.

    :param first: length of the first window: short, so that the densest campaign's first answer
        stays small; quiet campaigns reach ``longest`` within a few requests.
    :param longest: the longest window ever asked (a day by default: one server query stays small).
    :param target_events: events one answer should hold.
    :param dense_target_events: events one answer may hold when an hour holds more than
        ``target_events`` (never less than ``target_events``).
    :param max_bytes: the largest answer body read, in bytes.
    :param growth: the most a window grows from one request to the next.
    :raises SinchValidationError: a window under one second, a target, bound or growth too small.
    """

    __slots__ = ("dense_target_events", "first", "growth", "longest", "max_bytes", "target_events")

    def __init__(
        self,
        *,
        first: timedelta = timedelta(seconds=10),
        longest: timedelta = timedelta(days=1),
        target_events: int = 2_000,
        dense_target_events: int = 10_000,
        max_bytes: int = 8 * 1024 * 1024,
        growth: int = 4,
    ) -> None:
        problems = []
        if first < timedelta(seconds=1):
            problems.append(("window", "must be at least one second"))
        if longest < timedelta(seconds=1):
            problems.append(("longest", "must be at least one second"))
        if target_events < 1:
            problems.append(("target_events", "must be at least 1"))
        if max_bytes < 1024:
            problems.append(("max_bytes", "must be at least 1024"))
        if growth < 1:
            problems.append(("growth", "must be at least 1"))
        if problems:
            raise SinchValidationError(problems)
        self.first = first
        self.longest = longest
        self.target_events = target_events
        self.dense_target_events = max(dense_target_events, target_events)
        self.max_bytes = max_bytes
        self.growth = growth

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"WindowSizing({fields})"

    def next_length(self, length: int, events: int, size: int) -> int:
        """Seconds of the next window after one of ``length`` seconds held ``events`` in ``size`` bytes."""
        per_hour = events * 3600 / length
        target = min(self.dense_target_events, max(self.target_events, per_hour))
        ratio = min(target / max(events, 1), (self.max_bytes / 2) / max(size, 1))
        grown = int(length * min(ratio, self.growth))
        return max(1, min(grown, int(self.longest.total_seconds())))

    def split_length(self, length: int, size: int) -> int:
        """Seconds of the window to ask instead of ``length`` seconds whose answer had ``size`` bytes."""
        return max(1, min(length // 2, int(length * (self.max_bytes / 2) / max(size, 1))))


def _epoch_ceil(value: datetime) -> int:
    """Whole epoch seconds at or after ``value`` (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    whole = int(value.replace(microsecond=0).timestamp())
    return whole + 1 if value.microsecond else whole


def _api_string(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime(API_DATETIME)


def iter_log_windows(
    fetch: Fetch, start: datetime, stop: datetime, sizing: WindowSizing | None = None
) -> Iterator[list[dict[str, Any]]]:
    """Each window's events with ``start <= datetime < stop``, window after window; every event once.

    Windows are whole seconds ``[a, b]`` (the API's bounds are both inclusive, one-second
    resolution) laid end to end from the first second at or after ``start`` to the last second
    before ``stop``, so no second is asked twice. An event the server returns outside the window
    it was asked for is dropped from that window (it belongs to another one), which keeps
    exactly-once true even against a server that rounds its bounds.

    :param fetch: asks the API for one window; see :data:`Fetch`.
    :param start: first instant, inclusive; naive means UTC.
    :param stop: end instant, exclusive.
    :param sizing: window lengths; default :class:`WindowSizing`.
    :raises SinchValidationError: from :class:`WindowSizing` for a window under one second.
    """
    sizing = sizing or WindowSizing()
    cursor, end = _epoch_ceil(start), _epoch_ceil(stop)
    length = max(1, int(sizing.first.total_seconds()))
    while cursor < end:
        span = min(length, end - cursor)
        first, last = _api_string(cursor), _api_string(cursor + span - 1)
        events, size = fetch(first, last, sizing.max_bytes if span > 1 else None)
        if events is None:
            length = sizing.split_length(span, size)
            log.info(
                "The log answer for [%s, %s] holds %d bytes, over the %d-byte bound; asking %d s windows.",
                first,
                last,
                size,
                sizing.max_bytes,
                length,
            )
            continue
        yield events_in_window(events, first, last)
        cursor += span
        length = sizing.next_length(span, len(events), size)


def events_in_window(events: list[dict[str, Any]], first: str, last: str) -> list[dict[str, Any]]:
    """The events whose ``datetime`` lies in ``[first, last]`` (API strings, both inclusive).

    A ``yyyy-mm-dd HH:MM:SS`` string is placed by comparing strings; only a value of another
    shape is parsed (ISO 8601 with ``T`` or an offset). An event whose ``datetime`` cannot be read
    at all is kept: it cannot be placed, and the server returned it for this window.
    """
    try:
        kept = [e for e in events if first <= (d := e["datetime"]) <= last and len(d) == _API_DATETIME_LENGTH]
    except (KeyError, TypeError):  # an event without a string datetime: decide each one
        kept = []
    if len(kept) == len(events):
        return kept
    lo = datetime.strptime(first, API_DATETIME).replace(tzinfo=timezone.utc)
    hi = datetime.strptime(last, API_DATETIME).replace(tzinfo=timezone.utc)
    kept = [e for e in events if _in_window(e.get("datetime"), first, last, lo, hi)]
    if len(kept) != len(events):
        log.warning(
            "The log answer for [%s, %s] held %d events outside that window; they are left to the "
            "window they belong to.",
            first,
            last,
            len(events) - len(kept),
        )
    return kept


_API_SHAPE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def _in_window(value: Any, first: str, last: str, lo: datetime, hi: datetime) -> bool:
    if isinstance(value, str) and _API_SHAPE.fullmatch(value):
        return first <= value <= last
    moment = parse_timestamp(value)
    return moment is None or lo <= moment < hi + timedelta(seconds=1)


def read_limited(response: requests.Response, max_bytes: int | None) -> tuple[bytes | None, int]:
    """The body of a response sent with ``stream=True``, or ``(None, size)`` past ``max_bytes``.

    A body announced (``Content-Length``) or found larger than ``max_bytes`` is not read further
    and its connection is closed. ``size`` is the body's length, or the bytes seen before stopping.
    """
    announced = response.headers.get("Content-Length")
    if max_bytes is not None and announced is not None and announced.isdigit() and int(announced) > max_bytes:
        response.close()
        return None, int(announced)
    if max_bytes is None or announced is not None:
        body = response.content
        return body, len(body)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=1 << 16):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            return None, size
        chunks.append(chunk)
    return b"".join(chunks), size


# --- Record kinds: the columns of each export ----------------------------------------------------
class Column:
    """One column of an export: its name, type (see the README) and how a record fills it.

    :param name: the column's name in CSV and Parquet.
    :param kind: ``string``, ``json``, ``bool``, ``int64``, ``timestamp``, ``timestamp_list``
        or ``string_list``.
    :param get: the column's value from one record, as the API gives it.
    """

    __slots__ = ("get", "kind", "name")

    def __init__(self, name: str, kind: str, get: Callable[[dict[str, Any]], Any]) -> None:
        self.name = name
        self.kind = kind
        self.get = get

    def __repr__(self) -> str:
        return f"Column({self.name!r}, {self.kind!r})"


def _key(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda record: record.get(name)


def _contact(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda event: (event.get("contact") or {}).get(name)


def _stopped(record: dict[str, Any]) -> bool | None:
    value = record.get("stopped")
    return None if value is None else bool(value)


def _stopped_at(record: dict[str, Any]) -> Any:
    value = record.get("stopped")
    return value if isinstance(value, str) else None


class RecordKind:
    """An export's records: a name and a schema version, both written into Parquet metadata (the
    version goes up whenever a column changes), and its columns, in order."""

    __slots__ = ("columns", "name", "version")

    def __init__(self, name: str, columns: tuple[Column, ...], version: int = 1) -> None:
        self.name = name
        self.columns = columns
        self.version = version

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __repr__(self) -> str:
        return f"RecordKind({self.name!r}, version {self.version}: {self.column_names})"


CAMPAIGN_LOG = RecordKind(
    "campaign_log",
    (
        Column("datetime", "timestamp", _key("datetime")),
        Column("type", "string", _key("type")),
        Column("msisdn", "string", _contact("msisdn")),
        Column("push_id", "string", _contact("push_id")),
        Column("code", "string", _contact("code")),
        Column("channel", "string", _contact("channel")),
        Column("columns", "string_list", _contact("columns")),
        Column("data", "json", _key("data")),
    ),
)

CAMPAIGN_STATS = RecordKind(
    "campaign_stats",
    (
        Column("msisdn", "string", _key("msisdn")),
        Column("url", "string", _key("url")),
        Column("message", "string", _key("message")),
        Column("submitted", "timestamp", _key("submitted")),
        Column("delivered", "timestamp", _key("delivered")),
        Column("stopped", "bool", _stopped),
        Column("stopped_at", "timestamp", _stopped_at),
        Column("visits", "int64", _key("visits")),
        Column("datetimes", "timestamp_list", _key("datetimes")),
        Column("preview", "bool", _key("preview")),
        Column("user_agent", "string", _key("user_agent")),
        Column("npai", "bool", _key("npai")),
        Column("columns", "string_list", _key("columns")),
    ),
)


# --- Writers ------------------------------------------------------------------------------------
_JSON = json.JSONEncoder(ensure_ascii=False)
#: Records per ``write`` call: one joined string per block instead of one write per record.
_JSONL_BLOCK = 1024


class JsonlWriter:
    """One record per line, as the API gave it (keys in the API's order), UTF-8."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.count = 0

    def write_batch(self, records: Sequence[dict[str, Any]]) -> None:
        encode, write = _JSON.encode, self.fh.write
        for offset in range(0, len(records), _JSONL_BLOCK):
            write("\n".join(map(encode, records[offset : offset + _JSONL_BLOCK])))
            write("\n")
        self.count += len(records)

    def close(self) -> None:
        pass


#: Column kinds written to CSV as the API gave them (an API date-time or an integer cannot start a
#: formula); text goes through :func:`defuse_formula`, the rest through :func:`_csv_cell`.
_PLAIN_KINDS = frozenset({"timestamp", "int64"})


def _csv_getter(column: Column) -> Callable[[dict[str, Any]], Any]:
    get = column.get
    if column.kind in _PLAIN_KINDS:
        return get
    if column.kind == "string":
        return lambda record: defuse_formula(get(record))
    return lambda record: _csv_cell(get(record))


def _csv_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return _JSON.encode(value)
    return value


class CsvWriter:
    """CSV as spreadsheets read it: a header row, RFC 4180 quoting, ``\\r\\n`` line ends, UTF-8.

    A null is an empty cell, a boolean ``true`` / ``false``, a list or object its JSON text. Text
    that a spreadsheet would run as a formula gets a leading ``'`` (:func:`defuse_formula`).
    """

    def __init__(self, fh: IO[str], kind: RecordKind) -> None:
        self.kind = kind
        self._writer = csv.writer(fh)
        self._writer.writerow(kind.column_names)
        # Date-times and integers are written as they come; text, booleans, lists and objects pay
        # for a conversion.
        self._getters = [_csv_getter(c) for c in kind.columns]
        self.count = 0

    def write_batch(self, records: Sequence[dict[str, Any]]) -> None:
        getters = self._getters
        self._writer.writerows([get(r) for get in getters] for r in records)
        self.count += len(records)

    def close(self) -> None:
        pass


def import_pyarrow() -> tuple[Any, Any, Any]:
    """``(pyarrow, pyarrow.compute, pyarrow.parquet)``, or an error naming the ``parquet`` extra.

    :raises AirflowOptionalProviderFeatureException: pyarrow is not installed.
    """
    try:
        import pyarrow
        import pyarrow.compute
        import pyarrow.parquet
    except ImportError as err:
        from airflow_provider_sinch._compat import AirflowOptionalProviderFeatureException

        raise AirflowOptionalProviderFeatureException(
            f'file_format="parquet" needs pyarrow, which the "parquet" extra installs: {PARQUET_EXTRA_HINT}'
        ) from err
    return pyarrow, pyarrow.compute, pyarrow.parquet


#: Rows per Parquet row group: what the writer holds in memory before writing it out.
PARQUET_ROW_GROUP_ROWS = 20_000


class ParquetWriter:
    """Parquet in row groups of ``row_group_rows``: memory holds one row group, never the file.

    The schema comes from the record kind (see :func:`parquet_schema`) and does not depend on
    what the records hold; the kind's name and version are written into the file's metadata.

    :raises AirflowOptionalProviderFeatureException: pyarrow is not installed.
    """

    def __init__(self, fh: IO[bytes], kind: RecordKind, row_group_rows: int = PARQUET_ROW_GROUP_ROWS) -> None:
        self._pa, self._pc, pq = import_pyarrow()
        self.kind = kind
        self.row_group_rows = row_group_rows
        self.count = 0
        self.schema = parquet_schema(kind)
        # The system allocator, not Arrow's default (mimalloc or jemalloc): a row group's buffers
        # live for one flush, and malloc gives them back at once; mimalloc keeps its freed pages,
        # which doubled the export's peak memory.
        self._pool = self._pa.system_memory_pool()
        self._writer = pq.ParquetWriter(fh, self.schema, memory_pool=self._pool)
        self._buffer: list[list[Any]] = [[] for _ in kind.columns]
        # Nested values become text or lists of text as they are buffered, so that the buffer
        # holds no reference to the API's records (a row group would otherwise keep them alive).
        self._extract = [_buffered(column) for column in kind.columns]

    def write_batch(self, records: Sequence[dict[str, Any]]) -> None:
        offset = 0
        while offset < len(records):
            part = records[offset : offset + self.row_group_rows - len(self._buffer[0])]
            for extract, values in zip(self._extract, self._buffer, strict=True):
                values.extend(map(extract, part))
            offset += len(part)
            if len(self._buffer[0]) >= self.row_group_rows:
                self._flush()
        self.count += len(records)

    def _flush(self) -> None:
        if not self._buffer[0]:
            return
        arrays = [
            _arrow_column(self._pa, self._pc, column.kind, values, self._pool)
            for column, values in zip(self.kind.columns, self._buffer, strict=True)
        ]
        self._writer.write_table(self._pa.Table.from_arrays(arrays, schema=self.schema))
        self._buffer = [[] for _ in self.kind.columns]

    def close(self) -> None:
        self._flush()
        self._writer.close()

    def abort(self) -> None:
        """Drop the buffer and never write the footer: a failed export must not read as complete.

        (pyarrow's writer would otherwise write the footer when it is garbage-collected.)
        """
        self._buffer = [[] for _ in self.kind.columns]
        self._writer.is_open = False


def _buffered(column: Column) -> Callable[[dict[str, Any]], Any]:
    get = column.get
    if column.kind == "json":
        return lambda record: _json_text(get(record))
    if column.kind == "string_list":
        return lambda record: _text_list(get(record))
    return get


def _json_text(value: Any) -> str | None:
    return None if value is None else _JSON.encode(value)


def parquet_schema(kind: RecordKind) -> Any:
    """The Arrow schema of ``kind``'s Parquet files (documented in the README)."""
    pa, _, _ = import_pyarrow()
    timestamp = pa.timestamp("ms", tz="UTC")
    types = {
        "string": pa.string(),
        "json": pa.string(),
        "bool": pa.bool_(),
        "int64": pa.int64(),
        "timestamp": timestamp,
        "timestamp_list": pa.list_(timestamp),
        "string_list": pa.list_(pa.string()),
    }
    metadata = {"sinch.export": kind.name, "sinch.schema_version": str(kind.version)}
    return pa.schema([pa.field(c.name, types[c.kind]) for c in kind.columns], metadata=metadata)


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return _JSON.encode(value)
    return str(value)


def _strings(pa: Any, values: list[Any], pool: Any) -> Any:
    """An Arrow string array of ``values``; a value that is not a string becomes null."""
    try:
        return pa.array(values, pa.string(), memory_pool=pool)
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([v if isinstance(v, str) else None for v in values], pa.string(), memory_pool=pool)


def _api_datetimes(pa: Any, pc: Any, texts: Any, pool: Any) -> Any:
    """``timestamp[ms, UTC]`` from an Arrow array of API date-time strings, parsed in C.

    A value of another shape (ISO 8601 with ``T`` or an offset) is parsed on its own in Python;
    one that is not a date-time at all becomes null.
    """
    parsed = pc.strptime(texts, format=API_DATETIME, unit="s", error_is_null=True, memory_pool=pool)
    if parsed.null_count != texts.null_count:
        fixed = []
        for value, moment in zip(texts.to_pylist(), parsed.to_pylist(), strict=True):
            if moment is None and value is not None:
                aware = parse_timestamp(value)
                moment = aware.astimezone(timezone.utc).replace(tzinfo=None) if aware else None
            fixed.append(moment)
        parsed = pa.array(fixed, pa.timestamp("s"), memory_pool=pool)
    return parsed.cast(pa.timestamp("ms", tz="UTC"), memory_pool=pool)


def _typed(pa: Any, values: list[Any], arrow_type: Any, convert: Callable[[Any], Any], pool: Any) -> Any:
    """``values`` as ``arrow_type``, converting them one by one only when Arrow refuses them as they are."""
    try:
        return pa.array(values, arrow_type, memory_pool=pool)
    except (pa.ArrowTypeError, pa.ArrowInvalid, TypeError, ValueError, OverflowError):
        return pa.array([None if v is None else convert(v) for v in values], arrow_type, memory_pool=pool)


def _arrow_column(pa: Any, pc: Any, kind: str, values: list[Any], pool: Any) -> Any:
    if kind == "timestamp":
        return _api_datetimes(pa, pc, _strings(pa, values, pool), pool)
    if kind == "timestamp_list":
        # The API joins a recipient's visit times with commas: "2014-12-16 14:00:00,2014-12-16 14:30:00".
        lists = pc.split_pattern(_strings(pa, [v or None for v in values], pool), ",", memory_pool=pool)
        moments = _api_datetimes(pa, pc, pc.utf8_trim_whitespace(lists.values, memory_pool=pool), pool)
        return pa.ListArray.from_arrays(lists.offsets, moments, mask=lists.is_null(), pool=pool)
    if kind == "string_list":  # already lists of text: see _buffered
        return pa.array(values, pa.list_(pa.string()), memory_pool=pool)
    if kind == "json":  # already JSON text
        return pa.array(values, pa.string(), memory_pool=pool)
    if kind == "bool":
        return _typed(pa, values, pa.bool_(), bool, pool)
    if kind == "int64":
        return _typed(pa, values, pa.int64(), _to_int, pool)
    return _typed(pa, values, pa.string(), _as_text, pool)


def _text_list(value: Any) -> list[str | None] | None:
    if value is None:
        return None
    return [_as_text(v) for v in value] if isinstance(value, (list, tuple)) else [_as_text(value)]


def _to_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@contextmanager
def open_export(destination: Any, file_format: str, kind: RecordKind) -> Iterator[tuple[ExportWriter, str]]:
    """Open ``destination`` (local path or ``ObjectStoragePath`` / URL) for ``kind``'s records.

    Yields ``(writer, destination as a string)``. A local file appears only once complete; a
    Parquet file's footer is written on a clean exit only.

    :raises SinchValidationError: an unknown ``file_format``.
    :raises AirflowOptionalProviderFeatureException: Parquet without pyarrow (before any output).
    """
    check_export_format(file_format)
    if file_format == "parquet":
        import_pyarrow()
        with open_output(destination, binary=True) as (raw, where):
            parquet = ParquetWriter(raw, kind)
            try:
                yield parquet, where
            except BaseException:
                parquet.abort()
                raise
            parquet.close()
        return
    with open_output(destination) as (fh, where):
        writer: ExportWriter = JsonlWriter(fh) if file_format == "jsonl" else CsvWriter(fh, kind)
        yield writer, where
        writer.close()
