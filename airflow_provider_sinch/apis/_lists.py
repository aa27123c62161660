"""Serving many waits from one list call: the API-layer half of coalesced polling.

Each API has a list endpoint that returns the statuses of many resources at once and filters by
status. A *watch* (one per waiting trigger) says, with no HTTP client and no Airflow:

* which list serves it (:meth:`ListWatch.scope`: the API and the project, if any);
* in which statuses it is still pending and a list item is enough to decide it
  (:meth:`ListWatch.listable_statuses`): the shared poll lists those;
* how to decide it from its list item, or from no item at all (:meth:`ListWatch.from_list`):
  an operation that yields no call when the item decides, a follow-up call when the list item
  lacks something the decision quotes (the 10DLC feedback, the Short Code notes), and the wait's
  own check (:meth:`ListWatch.check`, the lone trigger's operation) when the resource is not in
  the list at all;
* the list operations themselves (:meth:`ListWatch.pending_listing` for the statuses still
  waited in, :meth:`ListWatch.settled_listing` for resources that left them, within a budget of
  requests).

The coordinator (``triggers/_shared_poll.py``) runs these for every waiting trigger of one
account, so a coalesced wait ends on the same :class:`~airflow_provider_sinch.statuses.PollResult`
as a lone one: either the very decision function the lone check uses, on the same object, or
the lone check itself.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow_provider_sinch.apis._core import Call, Operation
    from airflow_provider_sinch.statuses import PollResult

#: Items asked for per page of a paged list (the Short Code document's example; the emulator's
#: 10DLC maximum). 1,000 waits on one project are about 10 pages.
LIST_PAGE_SIZE = 100


@dataclass
class Listing:
    """What one list operation found.

    :param items: resource id -> its list item, as the API answered it.
    :param requests: list requests made (pages, or one per status filter).
    :param pages: how many requests the whole list takes (from ``totalSize`` when the API
        gives it), known even when the operation stopped early.
    :param complete: ``False`` when the operation stopped at its budget: ``items`` is partial.
    """

    items: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    requests: int = 0
    pages: int = 0
    complete: bool = True

    def merge(self, other: Listing) -> None:
        self.items.update(other.items)
        self.requests += other.requests
        self.pages += other.pages
        self.complete = self.complete and other.complete


def collect_pages(
    page_call: Callable[[str | None], Call],
    items_key: str,
    id_key: str,
    *,
    page_size: int = LIST_PAGE_SIZE,
    budget: int | None = None,
) -> Operation[Listing]:
    """Every page of a list that chains with ``nextPageToken``, as one operation.

    :param page_call: the call for a page token (``None`` for the first page).
    :param items_key: the answer's key holding the page's items.
    :param id_key: each item's id field.
    :param page_size: the page size asked for, to read ``totalSize`` as a number of pages.
    :param budget: stop (``complete=False``) instead of fetching more than this many pages in
        all; the first page is always fetched, and tells how many there are.
    :return: a :class:`Listing`; a repeated page token ends the list (a server bug, not a loop).
    """
    listing = Listing()
    token: str | None = None
    seen: set[str] = set()
    while True:
        page = yield page_call(token)
        listing.requests += 1
        page = page if isinstance(page, Mapping) else {}
        for item in page.get(items_key) or []:
            if isinstance(item, Mapping) and item.get(id_key) not in (None, ""):
                listing.items[str(item[id_key])] = item
        total = page.get("totalSize")
        if listing.requests == 1 and isinstance(total, int) and not isinstance(total, bool):
            listing.pages = max(1, math.ceil(total / page_size))
        token = page.get("nextPageToken") or None
        if not token or token in seen:
            listing.pages = max(listing.pages, listing.requests)
            return listing
        seen.add(token)
        if budget is not None and max(listing.pages, listing.requests + 1) > budget:
            listing.pages = max(listing.pages, listing.requests + 1)
            listing.complete = False
            return listing


def no_listing() -> Operation[Listing]:
    """An empty listing that costs nothing (there was nothing worth listing)."""
    return Listing()
    yield  # pragma: no cover - makes this a generator


class ListWatch(ABC):
    """One wait that a shared list poll can serve. See the module's docstring."""

    #: The API's status filter takes one status per request (Short Code, Campaign API): the poll
    #: then lists only the status each wait was last seen in, not all it could be in.
    one_status_per_request: bool = True

    @property
    @abstractmethod
    def resource_id(self) -> str:
        """The id of the waited-on resource, as the list's items name it."""

    @abstractmethod
    def scope(self) -> Hashable:
        """Which list serves this wait: waits with equal scopes (and account) share one list."""

    @abstractmethod
    def listable_statuses(self) -> frozenset[str]:
        """Statuses in which this wait goes on and its list item is enough to decide it."""

    @abstractmethod
    def pending_listing(self, statuses: Collection[str]) -> Operation[Listing]:
        """The scope's resources in ``statuses`` (any watch of the scope builds the same list)."""

    @abstractmethod
    def settled_listing(
        self, listed: Collection[str], last_items: Sequence[Mapping[str, Any] | None], budget: int
    ) -> Operation[Listing]:
        """Resources that were not in the statuses ``listed``, in at most ``budget`` requests.

        :param listed: the statuses the pending listing asked for.
        :param last_items: the last list item seen of each wait missing from it (``None`` if none).
        :param budget: requests it may take; beyond that the waits check on their own.
        """

    @abstractmethod
    def from_list(self, item: Mapping[str, Any] | None) -> Operation[PollResult]:
        """Decide this wait from its list item; ``None``: the list did not show it."""

    @abstractmethod
    def check(self) -> Operation[PollResult]:
        """The wait's own check (what a lone trigger runs)."""
