"""Watching an account for changes: the API-layer half of the event triggers.

A :class:`ChangeFeed` says, with no HTTP client and no Airflow, how to see what changed on one
account (or project) of one API: one :meth:`~ChangeFeed.poll` per interval (the operation the
triggerer's shared stream runs once for every watcher of that account), and a
:meth:`~ChangeFeed.catch_up` a watcher runs once when it starts, for what changed while it was
not watching. Both return :class:`Change` records: a resource's status and when Sinch says it
last changed. Which change is a *transition* worth an event is the trigger's business (it
compares them with its cursor); the feed only reports what the API shows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_sinch.apis._core import Operation


@dataclass(frozen=True)
class Change:
    """A resource as one answer showed it.

    :param resource_id: its id.
    :param status: its status.
    :param changed_at: when Sinch last modified it (10DLC ``modifiedDate``, Short Code
        ``updatedAt``, Campaign API ``send_date``), aware UTC; ``None`` when the answer has none.
    :param summary: a small JSON-safe view of the resource, for the event.
    """

    resource_id: str
    status: str
    changed_at: datetime | None
    summary: dict[str, Any] = field(default_factory=dict, compare=False)


class ChangeFeed(ABC):
    """How to watch one account of one API for changes. See the module's docstring."""

    @abstractmethod
    def scope(self) -> Hashable:
        """What the feed lists (the API and the project, if any): feeds with equal scopes and
        account are the same feed."""

    @abstractmethod
    def poll(self, memory: dict[str, Any], now: datetime) -> Operation[list[Change]]:
        """One round: the resources that may have changed since the last round.

        :param memory: the feed's own notes from one round to the next (empty at first); the
            caller keeps it for the life of the stream.
        :param now: the caller's clock (aware UTC), for lists filtered by date.
        """

    @abstractmethod
    def catch_up(self, since: datetime, resource_id: str | None) -> Operation[list[Change]]:
        """What may have changed after ``since``: the one resource ``resource_id``, or every
        resource of the scope in a status a watcher reports."""
