"""Operators for Sinch's Campaign API: duplicate, send, landing pages, redirects, exports.

Nothing here is done twice. The API has no idempotency key, so:

* a create stores a marker at Sinch (the ``tag``) and a retried try, or a try whose create
  call timed out or answered 5xx, looks the campaign up before creating anything;
* a send compares the campaign's recipients (by their digits) with its list on a retry, or
  after an unclear answer, and texts only those not already reached.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from functools import cached_property
from itertools import repeat
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_sinch._files import (
    MAX_CONTACTS_PER_REQUEST,
    RecordWriter,
    batched,
    digits,
    open_output,
)
from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.arguments import int_list, optional_string_list, string_list
from airflow_provider_sinch.contacts import CheckedContacts, check_contacts
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.exports import CAMPAIGN_LOG, CAMPAIGN_STATS, check_export_format, open_export
from airflow_provider_sinch.links import SinchCampaignLink
from airflow_provider_sinch.operators.base import NotVisibleYet, at_most_once, try_number
from airflow_provider_sinch.send_date import SEND_DATE_FORMAT, SendDate, resolve_send_date

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_sinch.hooks.campaign import CampaignInfo, CreatedCampaign, SinchCampaignHook

DEFAULT_CONN_ID = "sinch_campaign_default"
#: How many times an operator re-checks and re-tries a create / send whose answer was unclear.
UNCLEAR_ANSWER_ATTEMPTS = 3
#: Phone numbers a return value (XCom) or a log line shows at most; the rest are counted.
MAX_EXAMPLES = 5
#: Links (landing pages, redirects) an operator returns to XCom at most; more need a ``destination``.
MAX_RETURNED_LINKS = 50


def idempotency_tag(context: Context) -> str:
    """A tag unique to this task instance (dag, run, task, map index), stable across its tries."""
    ti = context["ti"]
    key = f"{ti.dag_id}|{ti.run_id}|{ti.task_id}|{getattr(ti, 'map_index', -1)}"
    return "airflow-" + hashlib.sha256(key.encode()).hexdigest()[:20]


def parse_moment(value: datetime | str | None, argument: str) -> datetime | None:
    """An aware UTC datetime from a datetime or an ISO string (naive means UTC)."""
    if value is None or value == "":
        return None
    moment = parse_timestamp(value)
    if moment is None:
        raise SinchValidationError([(argument, f"is not an ISO date-time: {value!r}")])
    return moment.astimezone(timezone.utc)


class _CampaignOperator(BaseOperator):
    """Shared by the Campaign API operators: the connection id and the hook."""

    ui_color = "#e8f1ff"

    def __init__(
        self,
        *,
        sinch_conn_id: str = DEFAULT_CONN_ID,
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sinch_conn_id = sinch_conn_id
        self.hook_params = dict(hook_params or {})

    @cached_property
    def hook(self) -> SinchCampaignHook:
        from airflow_provider_sinch.hooks.campaign import SinchCampaignHook

        return SinchCampaignHook(self.sinch_conn_id, **self.hook_params)


class SinchCreateCampaignOperator(_CampaignOperator):
    """Create a campaign by duplicating a template (``POST /v1/campaign/create``).

    Returns a small summary whose size does not grow with the contacts (it is the task's XCom):
    ``uuid``, ``url``, ``contact_count``, ``tag``; ``wrong_contacts_count`` and
    ``duplicated_contacts_count`` (numbers Sinch refused or found twice) with at most
    :data:`MAX_EXAMPLES` of each in ``wrong_contacts_examples`` / ``duplicated_contacts_examples``;
    ``duplicates_skipped`` (rows this task dropped because an earlier row had the same number);
    ``rejected_contacts_path`` (where the full lists were written, or ``None``) and ``recovered``
    (the campaign was made by an earlier try). Pushes ``campaign_id`` and ``campaign_url`` to XCom.
    Logs the remaining credits and the same counts and examples.

    The contacts are read and checked whole before any request: a bad row anywhere fails the
    task, listing the first bad rows by line, and nothing is created.

    A retried task does not create a second campaign: with no ``tag`` the operator tags the
    campaign with a marker unique to the task instance; with your ``tag`` it matches on tag,
    name and send date (or, with no send date, a send date within this DAG run). The campaign
    found is returned in the same shape with ``recovered`` true (its duplicated / wrong contacts
    are not known again: counts 0, no file written).

    :param template_campaign_id: UUID of the campaign to duplicate.
    :param name: the new campaign's name.
    :param contacts: rows (``[["+15550100", "Alice"]]``) or the path of a CSV file (local or any
        ``ObjectStoragePath``), one recipient per row, phone number first; streamed, never loaded whole.
    :param send_date: an aware datetime or pendulum DateTime, an ISO 8601 string with an offset
        (what ``{{ data_interval_end }}`` renders), or ``yyyy-mm-dd HH:MM`` in ``timezone``; a naive
        datetime only with ``timezone``; ``None`` for now. Refused before any request when
        malformed or more than an hour in the past (the document's limit).
    :param sender: sender name; give it with ``message`` or not at all.
    :param message: message text (``[[URL]]``, ``[[A]]``... placeholders); goes with ``sender``.
    :param timezone: IANA time zone the send date is sent in: a string without offset or a naive
        datetime is read there, an aware one converted to it (default: its own zone, else UTC).
    :param tag: any string; see above for how it takes part in retries.
    :param external_channel: use the external channel (if unlocked on the account).
    :param field_names: names of the contact columns (a list, or a JSON / comma-separated list);
        by default the CSV header when ``contacts_header`` is set.
    :param contacts_header: the CSV's first row is a header.
    :param contacts_encoding: the CSV file's encoding (default UTF-8; ``cp1252``, ``latin-1``...).
    :param allow_empty: create the campaign even when the contacts hold no recipient.
    :param rejected_contacts_destination: local path or ``ObjectStoragePath`` where the full lists
        of wrong and duplicated contacts are written, as JSON lines ``{"reason": "wrong" |
        "duplicated", "contact": ...}`` (written, possibly empty, whenever this try creates).
    """

    template_fields: Sequence[str] = (
        "sinch_conn_id",
        "template_campaign_id",
        "name",
        "contacts",
        "contacts_encoding",
        "send_date",
        "sender",
        "message",
        "timezone",
        "tag",
        "field_names",
        "rejected_contacts_destination",
    )
    operator_extra_links = (SinchCampaignLink(),)

    def __init__(
        self,
        *,
        template_campaign_id: str,
        name: str,
        contacts: Any,
        send_date: datetime | str | None = None,
        sender: str | None = None,
        message: str | None = None,
        timezone: str | None = None,
        tag: str | None = None,
        external_channel: bool = False,
        field_names: Sequence[str] | None = None,
        contacts_header: bool = False,
        contacts_encoding: str | None = None,
        allow_empty: bool = False,
        rejected_contacts_destination: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.template_campaign_id = template_campaign_id
        self.name = name
        self.contacts = contacts
        self.send_date = send_date
        self.sender = sender
        self.message = message
        self.timezone = timezone
        self.tag = tag
        self.external_channel = external_channel
        self.field_names = field_names
        self.contacts_header = contacts_header
        self.contacts_encoding = contacts_encoding
        self.allow_empty = allow_empty
        self.rejected_contacts_destination = rejected_contacts_destination

    def _check(self) -> list[str] | None:
        """The rendered arguments, checked before any request; returns ``field_names`` as a list."""
        field_names = optional_string_list("field_names", self.field_names, context=self.task_id)
        problems = []
        if not self.template_campaign_id:
            problems.append(("template_campaign_id", "is required"))
        if not self.name:
            problems.append(("name", "is required"))
        if bool(self.sender) != bool(self.message):
            missing = "message" if self.sender else "sender"
            problems.append((missing, "sender and message go together: give both or neither"))
        if problems:
            raise SinchValidationError(problems, context=self.task_id)
        return field_names

    def execute(self, context: Context) -> dict[str, Any]:
        field_names = self._check()
        # A retry looks for the campaign of an earlier try first (its send date may be past by
        # now); the hook checks the date again just before creating.
        send_date = resolve_send_date(
            self.send_date or datetime.now(timezone.utc), self.timezone, check_past=try_number(context) == 1
        )
        with _checked(self, allow_empty=self.allow_empty, msisdn=not self.external_channel) as contacts:
            created, recovered = self._create(context, contacts, send_date, field_names)
            duplicates_skipped = contacts.duplicates
        return self._summary(created, recovered, duplicates_skipped)

    def _summary(self, created: CreatedCampaign, recovered: bool, duplicates_skipped: int) -> dict[str, Any]:
        """The return value: counts and a few examples, never the lists (they go to a file)."""
        wrong = list(created.get("wrong_contacts") or [])
        duplicated = list(created.get("duplicated_contacts") or [])
        path = None
        if self.rejected_contacts_destination and not recovered:
            with open_output(self.rejected_contacts_destination) as (fh, path):
                writer = RecordWriter(fh, "jsonl")
                for reason, values in (("wrong", wrong), ("duplicated", duplicated)):
                    for value in values:
                        writer.write({"reason": reason, "contact": value})
            self.log.info("Wrote %d wrong and duplicated contacts to %s", writer.count, path)
        return {
            "uuid": created.get("uuid"),
            "url": created.get("url"),
            "contact_count": created.get("contact_count"),
            "tag": created.get("tag"),
            "wrong_contacts_count": len(wrong),
            "wrong_contacts_examples": wrong[:MAX_EXAMPLES],
            "duplicated_contacts_count": len(duplicated),
            "duplicated_contacts_examples": duplicated[:MAX_EXAMPLES],
            "duplicates_skipped": duplicates_skipped,
            "rejected_contacts_path": path,
            "recovered": recovered,
        }

    def _create(
        self,
        context: Context,
        contacts: CheckedContacts,
        send_date: SendDate,
        field_names: list[str] | None,
    ) -> tuple[CreatedCampaign, bool]:
        """Create the campaign at most once; also says whether an earlier try's was found instead."""
        field_names = field_names or contacts.field_names
        tag = self.tag or idempotency_tag(context)
        run_start = getattr(context.get("dag_run"), "start_date", None)

        def create() -> CreatedCampaign:
            return self._report(
                self.hook.create_campaign(
                    self.template_campaign_id,
                    self.name,
                    contacts,
                    send_date=send_date.local,
                    sender=self.sender or None,
                    message=self.message or None,
                    timezone=send_date.timezone,
                    tag=tag,
                    external_channel=self.external_channel,
                    field_names=field_names,
                )
            )

        recovered = False

        def find() -> CreatedCampaign | None:
            nonlocal recovered
            found = self._find_existing(tag, send_date, run_start)
            recovered = found is not None
            return found

        # The campaign shows in the list as soon as it is made: one not listed was not made.
        created = at_most_once(
            act=create,
            find=find,
            what=f"create campaign {self.name!r} (tag {tag!r})",
            log=self.log,
            look_first=try_number(context) > 1,
            if_not_visible=NotVisibleYet.ACT_AGAIN,
            attempts=UNCLEAR_ANSWER_ATTEMPTS,
        )
        ti = context["ti"]
        ti.xcom_push(key="campaign_id", value=created.get("uuid"))
        ti.xcom_push(key="campaign_url", value=created.get("url"))
        return created, recovered

    def _report(self, answer: dict[str, Any]) -> CreatedCampaign:
        campaign: CreatedCampaign = answer.get("campaign") or {}  # type: ignore[assignment]
        self.log.info(
            "Created campaign %s with %s recipients; %s credits left.",
            campaign.get("uuid"),
            campaign.get("contact_count"),
            answer.get("solde"),
        )
        for label, values in (
            ("wrong contacts", campaign.get("wrong_contacts") or []),
            ("duplicated contacts", campaign.get("duplicated_contacts") or []),
        ):
            if values:
                self.log.warning("%d %s, e.g. %s", len(values), label, values[:MAX_EXAMPLES])
        return campaign

    def _find_existing(
        self, tag: str, send_date: SendDate, run_start: datetime | None
    ) -> CreatedCampaign | None:
        from airflow_provider_sinch.apis.campaign import to_api_datetime

        wanted_date = send_date.utc.strftime(SEND_DATE_FORMAT) if self.send_date else None
        not_before = to_api_datetime(run_start.replace(second=0, microsecond=0)) if run_start else None

        def matches(info: CampaignInfo) -> bool:
            if info.get("tag") != tag or info.get("name") != self.name:
                return False
            if self.tag is None:
                return True  # the marker tag alone identifies this task instance
            sent_at = info.get("send_date")
            if wanted_date is not None:
                return bool(sent_at) and str(sent_at)[:16] == wanted_date
            return not sent_at or not_before is None or str(sent_at) >= not_before

        found = next((c for c in self.hook.list_campaigns() if matches(c)), None)
        if found is None:
            return None
        return {
            "uuid": found.get("id", ""),
            "url": self.hook.short_link(found.get("code")) or "",
            "contact_count": found.get("contact_count", 0),
            "duplicated_contacts": [],
            "wrong_contacts": [],
            "tag": found.get("tag"),
        }


def _checked(operator: Any, *, allow_empty: bool = False, msisdn: bool = False) -> CheckedContacts:
    """The operator's contacts read and checked whole (before any request), duplicates logged.

    :param msisdn: the recipients are texted (the SMS channel): each must be a phone number.
    """
    contacts = check_contacts(
        operator.contacts,
        header=operator.contacts_header,
        encoding=operator.contacts_encoding,
        allow_empty=allow_empty,
        context=operator.task_id,
        msisdn=msisdn,
    )
    contacts.log_duplicates(operator.log)
    return contacts


class _BatchedContactsOperator(_CampaignOperator):
    """Sends ``contacts`` to one campaign endpoint in sequential batches of at most 1000.

    The contacts are read and checked whole first: a bad row anywhere fails the task before
    any request; a number already met in the list is skipped and counted.
    """

    template_fields: Sequence[str] = ("sinch_conn_id", "campaign_id", "contacts", "contacts_encoding")

    def __init__(
        self,
        *,
        campaign_id: str,
        contacts: Any,
        contacts_header: bool = False,
        contacts_encoding: str | None = None,
        allow_empty: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.contacts = contacts
        self.contacts_header = contacts_header
        self.contacts_encoding = contacts_encoding
        self.allow_empty = allow_empty

    def _recipients(self) -> set[str]:
        return {digits(row[0]) for row in self.hook.get_campaign_recipients(self.campaign_id) if row}


class SinchSendSmsOperator(_BatchedContactsOperator):
    """Add recipients to a campaign and text them (``POST /v1/campaign/sendsms``).

    Any number of contacts, sent in sequential batches of at most 1000 (the API's limit).
    Nobody is texted twice by this task: on a retry, and after a batch whose answer was unclear
    (timeout, 5xx), the campaign's recipients are read and numbers already there (compared by
    their digits) are skipped. Returns ``{"campaign_id", "sent", "skipped", "batches",
    "duplicates_skipped"}``: ``skipped`` counts numbers already in the campaign,
    ``duplicates_skipped`` rows whose number an earlier row of the list had.

    :param campaign_id: UUID of the campaign.
    :param contacts: rows or a CSV path, as for :class:`SinchCreateCampaignOperator`.
    :param contacts_header: the CSV's first row is a header.
    :param contacts_encoding: the CSV file's encoding (default UTF-8).
    :param allow_empty: succeed, texting nobody, when the contacts hold no recipient.
    :param external_channel: use the external channel.
    :param skip_existing_recipients: ``None`` (default) checks on retries only; ``True`` always skips
        numbers already in the campaign; ``False`` never checks (an unclear answer still is checked).
    """

    def __init__(
        self,
        *,
        external_channel: bool = False,
        skip_existing_recipients: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.external_channel = external_channel
        self.skip_existing_recipients = skip_existing_recipients

    def execute(self, context: Context) -> dict[str, Any]:
        if not self.campaign_id:
            raise SinchValidationError([("campaign_id", "is required")], context=self.task_id)
        with _checked(self, allow_empty=self.allow_empty, msisdn=not self.external_channel) as contacts:
            return self._send_all(context, contacts)

    def _send_all(self, context: Context, contacts: CheckedContacts) -> dict[str, Any]:
        check = self.skip_existing_recipients
        if check is None:
            check = try_number(context) > 1
        reached = self._recipients() if check else set()
        if reached:
            self.log.info(
                "%d recipients are already in campaign %s; they will not be texted again.",
                len(reached),
                self.campaign_id,
            )
        sent = batches = 0
        skipped = Counter[str]()

        def not_reached(row: list[str]) -> bool:
            if reached and digits(row[0]) in reached:
                skipped["rows"] += 1
                return False
            return True

        for batch in _batches(filter(not_reached, contacts)):
            batches += 1
            sent += self._send(batch)
            self.log.info("Batch %d: %d recipients texted so far.", batches, sent)
        return {
            "campaign_id": self.campaign_id,
            "sent": sent,
            "skipped": skipped["rows"],
            "batches": batches,
            "duplicates_skipped": contacts.duplicates,
        }

    def _send(self, batch: list[list[str]]) -> int:
        """Send one batch; after an unclear answer, send only the part Sinch did not get."""
        remaining = batch

        def send() -> int:
            self.hook.send_sms(self.campaign_id, remaining, external_channel=self.external_channel)
            return len(batch)

        def all_reached() -> int | None:
            nonlocal remaining
            reached = self._recipients()
            remaining = [row for row in remaining if digits(row[0]) not in reached]
            self.log.warning("%d of %d recipients of this batch still to text.", len(remaining), len(batch))
            return None if remaining else len(batch)

        # Recipients show in the campaign as soon as they are added: one not there was not texted.
        return at_most_once(
            act=send,
            find=all_reached,
            what=f"sendsms to campaign {self.campaign_id}",
            log=self.log,
            look_first=False,
            if_not_visible=NotVisibleYet.ACT_AGAIN,
            attempts=UNCLEAR_ANSWER_ATTEMPTS,
        )


class SinchGenerateLandingPagesOperator(_BatchedContactsOperator):
    """Generate landing pages on an external-channel campaign, 1000 recipients per request.

    Writes ``{"msisdn", "url"}`` per recipient to ``destination`` (JSON lines) when given and
    returns ``{"path", "count", "duplicates_skipped"}``. Without ``destination`` it returns the list
    itself, which is the task's XCom: so at most :data:`MAX_RETURNED_LINKS` recipients are accepted
    then, and more are refused before any request. Rows whose id or number an earlier row had are
    skipped (and logged).

    :param destination: local path or ``ObjectStoragePath`` for the generated links; needed for
        more than :data:`MAX_RETURNED_LINKS` recipients.
    """

    template_fields: Sequence[str] = (
        "sinch_conn_id",
        "campaign_id",
        "contacts",
        "contacts_encoding",
        "destination",
    )

    def __init__(self, *, destination: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.destination = destination

    def execute(self, context: Context) -> Any:
        if not self.campaign_id:
            raise SinchValidationError([("campaign_id", "is required")], context=self.task_id)
        with _checked(self, allow_empty=self.allow_empty) as contacts:
            if not self.destination:
                _refuse_many_links(self.task_id, len(contacts), contacts.duplicates)
                pages: list[dict[str, Any]] = []
                for batch in _batches(contacts):
                    pages.extend(self.hook.generate_landing_pages(self.campaign_id, batch))
                return pages
            with open_output(self.destination) as (fh, path):
                writer = RecordWriter(fh, "jsonl")
                for batch in _batches(contacts):
                    for page in self.hook.generate_landing_pages(self.campaign_id, batch):
                        writer.write(page)
            self.log.info("Wrote %d landing page links to %s", writer.count, path)
            return {"path": path, "count": writer.count, "duplicates_skipped": contacts.duplicates}


class SinchCreateRedirectCampaignOperator(_CampaignOperator):
    """Create a redirect campaign (external channel) for at most 1000 recipients.

    More than 1000 contacts is refused before any request. Returns the API's answer
    (``campaign_id``, ``expiration_date``, ``contacts`` with ``key``, ``target_url``,
    ``redirection``), which is the task's XCom: so without ``destination`` at most
    :data:`MAX_RETURNED_LINKS` recipients are accepted, and more are refused before any request.
    With ``destination`` the ``contacts`` are written there (JSON lines) and the result is
    ``{"campaign_id", "expiration_date", "path", "count", "recovered", "duplicates_skipped"}``.
    Like the create operator it tags the campaign so that a retry finds the
    campaign an earlier try made instead of creating a second one; the links of that earlier
    answer are then not available again (``contacts`` comes back empty, ``recovered`` is true, and
    no file is written over what the earlier try may have written).
    The answer also carries ``duplicates_skipped``: rows dropped because an earlier row had the
    same id or number (they do not count towards the 1000).

    :param name: campaign name.
    :param target_url: final link, static or with ``[[A]]``... placeholders.
    :param contacts: rows or a CSV path (at least one, at most 1000 recipients).
    :param tag: any string.
    :param contacts_header: the CSV's first row is a header.
    :param contacts_encoding: the CSV file's encoding (default UTF-8).
    :param destination: local path or ``ObjectStoragePath`` for the links; needed for more than
        :data:`MAX_RETURNED_LINKS` recipients.
    """

    template_fields: Sequence[str] = (
        "sinch_conn_id",
        "name",
        "target_url",
        "contacts",
        "contacts_encoding",
        "tag",
        "destination",
    )

    def __init__(
        self,
        *,
        name: str,
        target_url: str,
        contacts: Any,
        tag: str | None = None,
        contacts_header: bool = False,
        contacts_encoding: str | None = None,
        destination: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.name = name
        self.target_url = target_url
        self.contacts = contacts
        self.tag = tag
        self.contacts_header = contacts_header
        self.contacts_encoding = contacts_encoding
        self.destination = destination

    def execute(self, context: Context) -> dict[str, Any]:
        with _checked(self) as contacts:
            if len(contacts) > MAX_CONTACTS_PER_REQUEST:
                raise SinchValidationError(
                    [
                        (
                            "contacts",
                            f"a redirect campaign takes at most {MAX_CONTACTS_PER_REQUEST} recipients, "
                            f"got {len(contacts)} (after {contacts.duplicates} duplicates skipped)",
                        )
                    ],
                    context=self.task_id,
                )
            if not self.destination:
                _refuse_many_links(self.task_id, len(contacts), contacts.duplicates)
            rows = list(contacts)
        answer = self._create(context, rows)
        if not self.destination:
            return {**answer, "duplicates_skipped": contacts.duplicates}
        links = answer.get("contacts") or []
        path = None
        if not answer.get("recovered"):
            with open_output(self.destination) as (fh, path):
                writer = RecordWriter(fh, "jsonl")
                for link in links:
                    writer.write(link)
            self.log.info("Wrote %d redirect links to %s", writer.count, path)
        return {
            "campaign_id": answer.get("campaign_id"),
            "expiration_date": answer.get("expiration_date"),
            "path": path,
            "count": len(links),
            "recovered": bool(answer.get("recovered")),
            "duplicates_skipped": contacts.duplicates,
        }

    def _create(self, context: Context, rows: list[list[str]]) -> dict[str, Any]:
        tag = self.tag or idempotency_tag(context)
        if try_number(context) > 1:
            found = next(
                (c for c in self.hook.list_campaigns() if c.get("tag") == tag and c.get("name") == self.name),
                None,
            )
            if found:
                self.log.warning(
                    "Redirect campaign %s was created by an earlier try; not creating another.",
                    found.get("id"),
                )
                return {
                    "campaign_id": found.get("id"),
                    "expiration_date": None,
                    "contacts": [],
                    "recovered": True,
                }
        return self.hook.create_redirect_campaign(self.name, self.target_url, rows, tag=tag)


def _batches(rows: Iterable[list[str]]) -> Iterator[list[list[str]]]:
    return batched(rows, MAX_CONTACTS_PER_REQUEST)


def _refuse_many_links(task_id: str, count: int, duplicates: int) -> None:
    """Links for more than :data:`MAX_RETURNED_LINKS` recipients go to a file, not to XCom."""
    if count > MAX_RETURNED_LINKS:
        raise SinchValidationError(
            [
                (
                    "destination",
                    f"is required for more than {MAX_RETURNED_LINKS} recipients (got {count} after "
                    f"{duplicates} duplicates skipped): the links are written to a file, not returned "
                    "through XCom",
                )
            ],
            context=task_id,
        )


class SinchExportCampaignLogOperator(_CampaignOperator):
    """Export every event of a campaign in ``[start, stop)`` to a file, window by window.

    ``start`` is inclusive and ``stop`` exclusive, like Airflow's data interval, to which they
    default: a scheduled DAG exports each interval once and backfills work. Naive times are UTC.
    The API's own bounds are both inclusive; the hook asks each window for ``[a, b - 1 s]`` so
    an event on a window edge is written exactly once.

    The endpoint has no paging, so windows adapt: longer while answers are small, shorter when
    they are large, and an answer over 8 MiB is asked again in a shorter window
    (:class:`~airflow_provider_sinch.exports.WindowSizing`); memory stays flat for any campaign.

    Returns ``{"path", "count", "counts_by_type", "start", "stop"}``.

    :param campaign_id: UUID of the campaign.
    :param destination: local path or ``ObjectStoragePath`` (``s3://...``) to write.
    :param start: first instant, inclusive (datetime or ISO string); default data interval start.
    :param stop: end instant, exclusive; default data interval end.
    :param types: event types to keep (``SUBMIT``, ``DELIVER``...): a list, one type, or a JSON /
        comma-separated list (templated, read after rendering); all by default.
    :param columns: contact-file column indexes to add to each event (a list, one index, or a JSON /
        comma-separated list).
    :param file_format: ``jsonl`` (one event per line, as the API gives it), ``csv`` or ``parquet``
        (the ``parquet`` extra); CSV and Parquet columns are listed in the README.
    :param window: length of the first API call's window (default ten seconds); later ones adapt.
    """

    template_fields: Sequence[str] = (
        "sinch_conn_id",
        "campaign_id",
        "destination",
        "start",
        "stop",
        "types",
        "columns",
        "file_format",
    )

    def __init__(
        self,
        *,
        campaign_id: str,
        destination: str,
        start: datetime | str | None = None,
        stop: datetime | str | None = None,
        types: Sequence[str] | None = None,
        columns: Sequence[int] | None = None,
        file_format: str = "jsonl",
        window: timedelta | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.destination = destination
        self.start = start
        self.stop = stop
        self.types = types
        self.columns = columns
        self.file_format = file_format
        self.window = window

    def _check_arguments(self) -> None:
        """The rendered ``types``, ``columns`` and ``file_format``, checked and converted in place
        before any request (``execute`` then reads them as a tuple, a tuple and a known format)."""
        self.types = string_list("types", self.types, context=self.task_id)
        self.columns = int_list("columns", self.columns, context=self.task_id)
        self.file_format = _file_format(self.file_format, self.task_id)

    def _interval(self, context: Context) -> tuple[datetime, datetime]:
        start = parse_moment(self.start, "start") or parse_moment(context.get("data_interval_start"), "start")
        stop = parse_moment(self.stop, "stop") or parse_moment(context.get("data_interval_end"), "stop")
        if start is None or stop is None or stop <= start:
            raise SinchValidationError(
                [
                    (
                        "start/stop",
                        f"need a non-empty window, got [{start}, {stop}). A manual run's data interval is "
                        "empty: pass start and stop explicitly.",
                    )
                ],
                context=self.task_id,
            )
        return start, stop

    def execute(self, context: Context) -> dict[str, Any]:
        self._check_arguments()
        start, stop = self._interval(context)
        counts: Counter[Any] = Counter()
        with open_export(self.destination, self.file_format, CAMPAIGN_LOG) as (writer, path):
            for events in self.hook.iter_campaign_log_windows(
                self.campaign_id, start, stop, window=self.window, types=self.types, columns=self.columns
            ):
                writer.write_batch(events)
                counts.update(map(dict.get, events, repeat("type")))
        counts_by_type = {str(kind): n for kind, n in counts.items()}
        self.log.info(
            "Wrote %d events of campaign %s to %s: %s", writer.count, self.campaign_id, path, counts_by_type
        )
        return {
            "path": path,
            "count": writer.count,
            "counts_by_type": counts_by_type,
            "start": start.isoformat(),
            "stop": stop.isoformat(),
        }


class SinchExportCampaignStatsOperator(_CampaignOperator):
    """Export a campaign's per-recipient stats to a file, page by page (contact indexes).

    Returns ``{"path", "count", "summary"}``: the summary counts sent, delivered, stopped SMS,
    clicks, previews and hard bounces.

    :param campaign_id: UUID of the campaign.
    :param destination: local path or ``ObjectStoragePath``.
    :param file_format: ``jsonl`` (one recipient per line, as the API gives it), ``csv`` or
        ``parquet`` (the ``parquet`` extra); CSV and Parquet columns are listed in the README.
    :param page_size: recipients per request.
    :param columns: contact-file column indexes to add (a list, one index, or a JSON /
        comma-separated list).
    :param stopped_as_date: ``stopped`` as the date of the STOP instead of a boolean.
    """

    template_fields: Sequence[str] = ("sinch_conn_id", "campaign_id", "destination", "columns", "file_format")

    def __init__(
        self,
        *,
        campaign_id: str,
        destination: str,
        file_format: str = "jsonl",
        page_size: int = 1000,
        columns: Sequence[int] | None = None,
        stopped_as_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.destination = destination
        self.file_format = file_format
        if page_size < 1:
            raise SinchValidationError([("page_size", "must be at least 1")])
        self.page_size = page_size
        self.columns = columns
        self.stopped_as_date = stopped_as_date

    def _check_arguments(self) -> None:
        """The rendered ``columns`` and ``file_format``, checked and converted in place before any
        request."""
        self.columns = int_list("columns", self.columns, context=self.task_id)
        self.file_format = _file_format(self.file_format, self.task_id)

    def execute(self, context: Context) -> dict[str, Any]:
        self._check_arguments()
        summary: dict[str, Any] = {}
        with open_export(self.destination, self.file_format, CAMPAIGN_STATS) as (writer, path):
            for page_summary, contacts in self.hook.iter_campaign_stats(
                self.campaign_id,
                page_size=self.page_size,
                columns=self.columns,
                stopped_as_date=self.stopped_as_date,
            ):
                summary = summary or page_summary
                writer.write_batch(contacts)
        self.log.info(
            "Wrote stats of %d recipients of campaign %s to %s", writer.count, self.campaign_id, path
        )
        return {"path": path, "count": writer.count, "summary": summary}


def _file_format(value: Any, task_id: str) -> str:
    try:
        return check_export_format(value.strip() if isinstance(value, str) else value)
    except SinchValidationError as exc:
        raise SinchValidationError(exc.violations, context=task_id) from None
