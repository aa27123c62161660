"""An asyncio event loop on virtual time: timers fire in order, at once, with no real waiting.

When nothing is ready to run, the loop jumps its clock to the next timer instead of sleeping,
so a trigger that polls every 30 s for an hour runs in milliseconds, and several triggers and a
shared poll interleave exactly as they would in real time. Only for code whose I/O is in-process
(``httpx.MockTransport``): a loop waiting on real I/O with no timer is a deadlock, and is raised.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

T = TypeVar("T")
#: Epoch seconds of virtual time 0, for code that compares ``time.time()`` with a deadline.
EPOCH = 1_800_000_000.0


class _TimeTravelSelector(selectors.SelectSelector):
    def __init__(self) -> None:
        super().__init__()
        self.loop: TimeTravelLoop | None = None

    def select(self, timeout: float | None = None) -> list[Any]:
        events = super().select(0)
        if events or self.loop is None:
            return events
        if timeout is None:
            raise RuntimeError("virtual-time loop: nothing ready and no timer (a deadlock)")
        self.loop.now += max(0.0, timeout)
        return events


class TimeTravelLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        selector = _TimeTravelSelector()
        self.now = 0.0
        super().__init__(selector)
        selector.loop = self

    def time(self) -> float:
        return self.now

    def epoch(self) -> float:
        """Wall-clock seconds of the virtual present."""
        return EPOCH + self.now


def run_virtual(coro: Coroutine[Any, Any, T], monkeypatch: pytest.MonkeyPatch) -> T:
    """Run ``coro`` on a fresh virtual-time loop; the triggers' wall clock follows it."""
    from airflow_provider_sinch.triggers import base

    loop = TimeTravelLoop()
    monkeypatch.setattr(base, "_now", loop.epoch)
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
