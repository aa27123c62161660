"""Template fields read after rendering: the one place that turns what Jinja rendered into values.

Operators and sensors store every template field exactly as given in ``__init__`` (Airflow's own
rule for in-tree providers: a template such as ``"{{ params.types }}"`` is only a string until the
task runs) and call these helpers from ``execute`` or the checks that follow it. Each helper
accepts what a DAG author can write or a template can render, and refuses anything else with a
:class:`~airflow_provider_sinch.exceptions.SinchValidationError` naming the argument, before any
request is sent.

A list argument accepts:

* a list, tuple or set (``["DELIVER", "VISIT"]``);
* one string, one value (``"sent"``);
* a string holding a JSON list (``'["DELIVER", "VISIT"]'``, what ``{{ x | tojson }}`` renders) or
  the ``repr`` of a Python list or tuple (``"['DELIVER', 'VISIT']"``, what ``{{ params.types }}``
  renders in a DAG without ``render_template_as_native_obj``);
* a comma-separated string (``"DELIVER,VISIT"``); blanks around items are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from enum import Enum
from typing import Any

from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.statuses import checked_statuses
from airflow_provider_sinch.statuses import string_list as _string_list


def string_list(name: str, value: Any, *, context: str | None = None) -> tuple[str, ...]:
    """A rendered list of strings (see the module's docstring); ``None`` or ``""`` is empty.

    :param name: the argument's name, quoted in the error.
    :param value: the rendered value.
    :param context: the task id, prefixed to the error.
    :raises SinchValidationError: a value of another type, a list holding something else than
        strings (or whole numbers), a string that looks like a list and is not one.
    """
    try:
        return _string_list(name, value)
    except ValueError as exc:
        raise SinchValidationError([(name, str(exc))], context=context) from None


def optional_string_list(name: str, value: Any, *, context: str | None = None) -> list[str] | None:
    """:func:`string_list`, with ``None`` for an empty list (an argument whose default is "all")."""
    return list(string_list(name, value, context=context)) or None


def int_list(name: str, value: Any, *, context: str | None = None) -> tuple[int, ...]:
    """A rendered list of non-negative whole numbers (column indexes): ``[1, 3]``, ``3``, ``"1,3"``,
    ``"[1, 3]"``; ``None`` or ``""`` is empty.

    :raises SinchValidationError: anything that is not a whole number >= 0, naming ``name``.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if isinstance(value, (list, tuple)):
        items: list[Any] = list(value)
    else:
        items = list(string_list(name, value, context=context))
    numbers = []
    for item in items:
        if isinstance(item, str) and item.strip().isdigit():
            numbers.append(int(item))
        elif isinstance(item, int) and not isinstance(item, bool) and item >= 0:
            numbers.append(item)
        else:
            raise SinchValidationError(
                [(name, f"must hold whole numbers >= 0 (column indexes), got {item!r}")], context=context
            )
    return tuple(numbers)


def json_object(name: str, value: Any, *, context: str | None = None) -> dict[str, Any]:
    """A rendered request body: a mapping, or a string holding a JSON object
    (``"{{ params.campaign | tojson }}"``).

    :raises SinchValidationError: anything else, naming ``name``.
    """
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
        raise SinchValidationError(
            [(name, f"must be a mapping or a string holding a JSON object, got {value[:80]!r}")],
            context=context,
        )
    raise SinchValidationError(
        [(name, f"must be a mapping or a string holding a JSON object, got {type(value).__name__}")],
        context=context,
    )


def choice(name: str, value: Any, allowed: Collection[str], *, context: str | None = None) -> str:
    """One of ``allowed`` (a rendered string, blanks around it dropped).

    :raises SinchValidationError: any other value, naming ``name`` and the allowed values.
    """
    text = value.value if isinstance(value, Enum) else value
    if isinstance(text, str) and text.strip() in allowed:
        return text.strip()
    raise SinchValidationError([(name, f"must be one of {sorted(allowed)}, got {value!r}")], context=context)


def status_lists(
    targets: Any, failures: Any, known: type[Enum], *, context: str | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Rendered ``target_statuses`` and ``failure_statuses``: parsed, checked, not overlapping.

    A status the API does not document is logged, not refused (Sinch may add one).

    :raises SinchValidationError: an unreadable list (naming its argument), no target at all, or a
        status that is both a target and a failure.
    """
    target_values = string_list("target_statuses", targets, context=context)
    failure_values = string_list("failure_statuses", failures, context=context)
    try:
        return checked_statuses(target_values, failure_values, known)
    except ValueError as exc:
        field = "target_statuses" if not target_values else "target_statuses/failure_statuses"
        raise SinchValidationError([(field, str(exc))], context=context) from None
