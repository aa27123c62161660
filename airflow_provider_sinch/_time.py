"""One parser for the timestamps the three APIs and Airflow hand us."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

_FRACTION = re.compile(r"\.(\d+)")


def parse_timestamp(value: Any) -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 / RFC 3339 string; naive means UTC.

    Accepts ``Z``, a space instead of ``T``, and 1 to 9 fractional digits (gRPC gateways write
    nanoseconds), on every supported Python. Anything else is ``None``.
    """
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
