"""The Campaign API's ``send_date``, from what DAG authors write, checked before any request.

The document (``../shared/api/campaign-api.txt``, campaign creation) says: ``send_date`` is the
"campaign sending date in the future (1h in the past is accepted), format: yyyy-mm-dd HH:MM",
read in ``timezone`` ("Timezone Identifier using standard namings (Europe/Paris, UTC), default
value: UTC"). :func:`resolve_send_date` is the one place that turns a DAG's value into that pair.

Accepted values:

* an aware ``datetime`` or pendulum ``DateTime`` (``{{ data_interval_end }}`` with
  ``render_template_as_native_obj``): sent in ``timezone`` when given, else in its own IANA zone,
  else (a fixed offset) in UTC;
* an ISO 8601 string with an offset or ``Z`` (what ``{{ data_interval_end }}``,
  ``{{ dag_run.run_after.isoformat() }}`` or ``{{ ts }}`` render), converted the same way;
* the API's own ``yyyy-mm-dd HH:MM`` (seconds allowed) or an ISO string without offset: a wall
  clock in ``timezone`` (default UTC), as the API reads it;
* a naive ``datetime`` only together with ``timezone`` (a wall clock there). Without
  ``timezone`` it is refused: ``datetime.now()`` is the machine's local time while Airflow's
  values are UTC, and a guess would text people at the wrong hour.

Seconds are dropped (the API takes minutes).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple

from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.exceptions import SinchValidationError

SEND_DATE_FORMAT = "%Y-%m-%d %H:%M"
#: How far in the past a send date may be: the document's "1h in the past is accepted".
PAST_TOLERANCE = timedelta(hours=1)
ACCEPTED_FORMS = (
    "accepted: an aware datetime or pendulum DateTime, an ISO 8601 string with an offset "
    "('2026-12-01T09:30:00+00:00', what {{ data_interval_end }} renders), or 'yyyy-mm-dd HH:MM' "
    "read in `timezone` (default UTC)"
)
_OFFSET = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$")
_API_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})?$")
_HAS_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


class SendDate(NamedTuple):
    """A send date as the create request carries it, and the instant it means.

    :ivar local: ``yyyy-mm-dd HH:MM`` in :attr:`timezone`.
    :ivar timezone: an IANA name (``Europe/Paris``, ``UTC``).
    :ivar utc: the same minute as an aware UTC datetime.
    """

    local: str
    timezone: str
    utc: datetime

    def fields(self) -> dict[str, str]:
        """``{"send_date", "timezone"}`` for the create request."""
        return {"send_date": self.local, "timezone": self.timezone}


def _zone(name: str, field: str) -> Any:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SinchValidationError(
            [(field, f"unknown time zone {name!r}: give an IANA name such as 'Europe/Paris' or 'UTC'")]
        ) from None


def _zone_name(moment: datetime) -> str | None:
    """The IANA name of an aware datetime's zone (zoneinfo or pendulum), if it has one."""
    tz = moment.tzinfo
    name = getattr(tz, "key", None) or getattr(tz, "name", None)
    if isinstance(name, str) and ("/" in name or name in ("UTC", "Etc/UTC")):
        return name
    return None


def resolve_send_date(
    value: Any,
    tz: str | None = None,
    *,
    now: datetime | None = None,
    check_past: bool = True,
    field: str = "send_date",
    tz_field: str = "timezone",
) -> SendDate:
    """``value`` as the API's ``send_date`` and ``timezone``; see the module's docstring for the forms.

    :param value: datetime, pendulum DateTime or string (see above).
    :param tz: the ``timezone`` argument (IANA name), or ``None``.
    :param now: the current time (tests); default the clock.
    :param check_past: refuse a moment more than :data:`PAST_TOLERANCE` before ``now``.
    :param field: the argument's name, quoted in errors.
    :param tz_field: the time zone argument's name, quoted in errors.
    :raises SinchValidationError: a malformed or ambiguous value, an unknown time zone, or a
        moment in the past; the message names the field and the accepted forms.
    """
    zone = _zone(tz, tz_field) if tz else None
    moment = _parse(value, zone, field)
    own_zone = _zone_name(moment)
    if zone is not None:
        moment, name = moment.astimezone(zone), tz or "UTC"
    elif own_zone is not None:
        name = own_zone
    else:  # a fixed offset has no IANA name: the same instant in UTC
        moment, name = moment.astimezone(timezone.utc), "UTC"
    moment = moment.replace(second=0, microsecond=0)
    utc = moment.astimezone(timezone.utc)
    if check_past:
        current = now or datetime.now(timezone.utc)
        if utc < current - PAST_TOLERANCE:
            raise SinchValidationError(
                [
                    (
                        field,
                        f"{moment.strftime(SEND_DATE_FORMAT)} {name} is in the past (now is "
                        f"{current.astimezone(timezone.utc).strftime(SEND_DATE_FORMAT)} UTC); Sinch "
                        "accepts a send date at most 1 hour in the past. In a DAG, template it from "
                        "the run, e.g. '{{ (dag_run.run_after + macros.timedelta(hours=1)).isoformat() }}'",
                    )
                ]
            )
    return SendDate(moment.strftime(SEND_DATE_FORMAT), name, utc)


def _parse(value: Any, zone: Any, field: str) -> datetime:
    """An aware datetime; wall clocks are placed in ``zone`` (UTC when ``None``)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            return value
        if zone is None:
            raise SinchValidationError(
                [
                    (
                        field,
                        f"{value.isoformat(' ', 'minutes')} has no time zone: give an aware datetime "
                        "(tzinfo=ZoneInfo('Europe/Paris'), pendulum.datetime(..., tz='Europe/Paris')), "
                        "or set `timezone` to read it as a wall clock there",
                    )
                ]
            )
        return value.replace(tzinfo=zone)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if not _HAS_TIME.match(text):
            pass  # a date alone, or not a date at all
        elif _API_FORMAT.match(text) or ("T" in text and not _OFFSET.search(text)):
            moment = parse_timestamp(text)
            if moment is not None:
                return moment.replace(tzinfo=zone or timezone.utc)
        elif _OFFSET.search(text):
            moment = parse_timestamp(text)
            if moment is not None:
                return moment
        hint = ""
        if text == "None":
            hint = (
                " (a template that rendered None? A manual run has no logical date nor data interval:"
                " use dag_run.run_after)"
            )
        raise SinchValidationError([(field, f"{value!r} is not a date-time{hint}; {ACCEPTED_FORMS}")])
    shown = (
        "an empty string" if value == "" or (isinstance(value, str) and not value.strip()) else repr(value)
    )
    raise SinchValidationError([(field, f"{shown} is not a date-time; {ACCEPTED_FORMS}")])
