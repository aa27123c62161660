"""Small pieces the operators of the three APIs share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.sdk import Context


def try_number(context: Context) -> int:
    """This task instance's try (1 on the first run; a retry or a clear makes it larger)."""
    return int(getattr(context.get("ti"), "try_number", 1) or 1)
