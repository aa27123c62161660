"""Operators for Sinch's US Short Code Campaigns API.

A task retry never repeats work Sinch already did: creating looks for the campaign an earlier
try made, submitting and cancelling look at the campaign's status first, notes and uploads look
for the note or attachment an earlier try added. Each operator pushes the campaign's dashboard
URL (XCom ``short_code_campaign_url``) before any waiting, for the extra link.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_sinch._compat import conf
from airflow_provider_sinch._files import FILE_FORMATS, RecordWriter, open_output
from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.arguments import choice, json_object
from airflow_provider_sinch.exceptions import SinchTerminalStatusError, SinchValidationError
from airflow_provider_sinch.links import SinchShortCodeCampaignLink
from airflow_provider_sinch.operators.base import NotVisibleYet, at_most_once, try_number
from airflow_provider_sinch.short_code_validation import (
    CANCELLABLE_STATUSES,
    EDITABLE_STATUSES,
    check_note_text,
    submission_problems,
    validate_campaign_request,
)
from airflow_provider_sinch.statuses import SHORT_CODE_FAILURE, ShortCodeCampaignStatus
from airflow_provider_sinch.waits import ShortCodeCampaignStatusWait

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_sinch.hooks.short_code import (
        CampaignAttachment,
        Note,
        ShortCodeCampaign,
        SinchShortCodeHook,
    )

DEFAULT_CONN_ID = "sinch_short_code_default"
URL_XCOM_KEY = SinchShortCodeCampaignLink.url_xcom_key
ID_XCOM_KEY = "campaign_id"
#: Margin for the difference between our clock and Sinch's when matching creation times.
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_FAILURE_STATUSES = tuple(sorted(status.value for status in SHORT_CODE_FAILURE))
#: Campaigns that do not count as "the one an earlier try made".
_ABANDONED = (ShortCodeCampaignStatus.CANCELLED.value, ShortCodeCampaignStatus.DEPROVISIONED.value)


def _run_start(context: Context) -> datetime | None:
    """When this DAG run started (less the clock margin): what an earlier try made is newer."""
    dag_run = context.get("dag_run")
    start = getattr(dag_run, "start_date", None) if dag_run is not None else None
    if not isinstance(start, datetime):
        return None
    start = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
    return start - CLOCK_SKEW


# --- History export ------------------------------------------------------------------------------
HISTORY_FIELDS = (
    "created_at",
    "record_type",
    "campaign_id",
    "carrier_order_id",
    "carrier_id",
    "carrier_name",
    "previous_status",
    "current_status",
    "author",
    "text",
)


def campaign_history(campaign: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A campaign's logs, its carrier orders' logs and every note, as flat records, oldest first.

    ``record_type`` is ``campaign_log``, ``carrier_order_log``, ``campaign_note`` or
    ``carrier_order_note``; the other keys are :data:`HISTORY_FIELDS` (``None`` when not relevant).
    """
    campaign_id = campaign.get("id")
    records: list[dict[str, Any]] = []

    def add(record_type: str, item: Mapping[str, Any], order: Mapping[str, Any] | None = None) -> None:
        record = dict.fromkeys(HISTORY_FIELDS)
        record.update(
            created_at=item.get("createdAt"),
            record_type=record_type,
            campaign_id=campaign_id,
            previous_status=item.get("previousStatus"),
            current_status=item.get("currentStatus"),
            author=item.get("author"),
            text=item.get("text"),
        )
        if order is not None:
            record.update(
                carrier_order_id=order.get("carrierOrderId"),
                carrier_id=order.get("carrierId"),
                carrier_name=order.get("carrierName"),
            )
        records.append(record)

    for log in campaign.get("campaignLogs") or []:
        if isinstance(log, Mapping):
            add("campaign_log", log)
    for note in campaign.get("notes") or []:
        if isinstance(note, Mapping):
            add("campaign_note", note)
    for order in campaign.get("carrierOrders") or []:
        if not isinstance(order, Mapping):
            continue
        for log in order.get("logs") or []:
            if isinstance(log, Mapping):
                add("carrier_order_log", log, order)
        for note in order.get("notes") or []:
            if isinstance(note, Mapping):
                add("carrier_order_note", note, order)
    never = datetime.max.replace(tzinfo=timezone.utc)
    # Stable sort: records with the same time keep the campaign-then-orders order above.
    records.sort(key=lambda r: parse_timestamp(r["created_at"]) or never)
    return records


def _campaign_body(campaign: Any, task_id: str) -> dict[str, Any]:
    """The rendered ``EditCampaignRequest`` body, checked against the document before any request."""
    body = json_object("campaign", campaign, context=task_id)
    violations = validate_campaign_request(body)
    if violations:
        raise SinchValidationError(violations, context="campaign")
    return body


class _ShortCodeOperator(BaseOperator):
    """What every US Short Code operator shares: connection, project, hook, extra link.

    :param sinch_conn_id: the connection id (type ``sinch_us_short_code``).
    :param project_id: the project; default: the connection's extra ``project_id``.
    :param hook_params: transport options for the hook (timeouts, retries).
    """

    operator_extra_links = (SinchShortCodeCampaignLink(),)
    template_fields: Sequence[str] = ("sinch_conn_id", "project_id")

    def __init__(
        self,
        *,
        sinch_conn_id: str = DEFAULT_CONN_ID,
        project_id: str | None = None,
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sinch_conn_id = sinch_conn_id
        self.project_id = project_id
        self.hook_params = dict(hook_params or {})

    @cached_property
    def hook(self) -> SinchShortCodeHook:
        from airflow_provider_sinch.hooks.short_code import SinchShortCodeHook

        return SinchShortCodeHook(self.sinch_conn_id, project_id=self.project_id or None, **self.hook_params)

    def push_link(self, context: Context, campaign_id: str) -> None:
        context["ti"].xcom_push(key=URL_XCOM_KEY, value=self.hook.campaign_url(campaign_id))


class SinchCreateShortCodeCampaignOperator(_ShortCodeOperator):
    """Create a US Short Code campaign draft.

    The body is checked against the document (required ``name``, ``trafficCharge``,
    ``scRequested``; enums; lengths) before anything is sent. The API has no idempotency key,
    so on a task retry, or when the create call timed out or answered 5xx, the operator first
    looks for a campaign with the same name created since the DAG run started (not cancelled)
    and returns that one instead of making a second draft.

    :param campaign: the ``EditCampaignRequest`` body, e.g. ``{"name": ..., "trafficCharge":
        "STANDARD", "scRequested": True, "brandId": ..., ...}`` (templates inside are rendered), or a
        string holding it as a JSON object (``"{{ params.campaign | tojson }}"``).
    :return: the created ``Campaign``; its id is also pushed as XCom ``campaign_id``.
    """

    template_fields: Sequence[str] = (*_ShortCodeOperator.template_fields, "campaign")
    template_fields_renderers = {"campaign": "json"}

    def __init__(self, *, campaign: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign = campaign

    def _earlier(self, name: str, since: datetime | None) -> ShortCodeCampaign | None:
        found = self.hook.find_campaigns(name, created_after=since, exclude_statuses=_ABANDONED)
        if not found:
            return None
        if len(found) > 1:
            self.log.warning(
                "%d campaigns are named %r since %s; taking the newest, %s",
                len(found),
                name,
                since,
                found[0].get("id"),
            )
        self.log.info(
            "Campaign %s (%s) named %r was made by an earlier try; not creating another",
            found[0].get("id"),
            found[0].get("status"),
            name,
        )
        return self.hook.get_campaign(str(found[0]["id"]))

    def execute(self, context: Context) -> ShortCodeCampaign:
        body = _campaign_body(self.campaign, self.task_id)
        name = str(body["name"])
        since = _run_start(context)
        window = since or datetime.now(timezone.utc) - CLOCK_SKEW
        campaign = at_most_once(
            act=lambda: self.hook.create_campaign(body),
            find=lambda: self._earlier(name, window),
            what=f"create short code campaign {name!r}",
            log=self.log,
            look_first=try_number(context) > 1,
            # The list may lag behind a create: fail the try rather than make a second draft.
            if_not_visible=NotVisibleYet.FAIL_TRY,
        )
        campaign_id = str(campaign["id"])
        context["ti"].xcom_push(key=ID_XCOM_KEY, value=campaign_id)
        self.push_link(context, campaign_id)
        self.log.info("Campaign %s is %s", campaign_id, campaign.get("status"))
        return campaign


class SinchUpdateShortCodeCampaignOperator(_ShortCodeOperator):
    """Replace a campaign's content; Sinch accepts it only in DRAFT or AWAITING_CLIENT_UPDATE.

    :param campaign_id: the campaign.
    :param campaign: the whole ``EditCampaignRequest`` body (the update replaces the content), a
        mapping or a string holding a JSON object.
    :return: the updated ``Campaign``.
    """

    template_fields: Sequence[str] = (*_ShortCodeOperator.template_fields, "campaign_id", "campaign")
    template_fields_renderers = {"campaign": "json"}

    def __init__(self, *, campaign_id: str, campaign: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.campaign = campaign

    def execute(self, context: Context) -> ShortCodeCampaign:
        body = _campaign_body(self.campaign, self.task_id)
        self.push_link(context, self.campaign_id)
        return self.hook.update_campaign(self.campaign_id, body)


class SinchSubmitShortCodeCampaignOperator(ShortCodeCampaignStatusWait, _ShortCodeOperator):
    """Submit a campaign for review, and optionally wait for the outcome.

    Before sending, the campaign as Sinch holds it is checked against the document's
    submission-time requirements (content definition, customer care, terms and conditions,
    privacy policy, compliance emails, brand or short code, receipt / migration attachment);
    every gap is named in one error. A campaign already past submission (a retried task) is
    not submitted again.

    :param campaign_id: the campaign.
    :param wait_for_completion: wait until a target or failure status, like
        :class:`~airflow_provider_sinch.sensors.short_code.SinchShortCodeCampaignStatusSensor`.
    :param target_statuses: statuses that end the wait well.
    :param failure_statuses: statuses that fail the task (quoting Sinch's latest notes). Both are a
        list, one status, or a JSON / comma-separated list (templated, read after rendering).
    :param poll_interval: time between two checks while waiting (seconds or a ``timedelta``).
    :param timeout: how long to wait at most (seconds or a ``timedelta``); a deferred wait also ends
        when what is left of ``execution_timeout`` runs out.
    :param deferrable: wait in the triggerer instead of a worker slot.
    :return: the submitted ``Campaign``; with ``wait_for_completion`` the campaign summary the
        sensor returns.
    """

    template_fields: Sequence[str] = (
        *_ShortCodeOperator.template_fields,
        "campaign_id",
        "target_statuses",
        "failure_statuses",
    )

    def __init__(
        self,
        *,
        campaign_id: str,
        wait_for_completion: bool = False,
        target_statuses: str | Iterable[str] = (ShortCodeCampaignStatus.COMPLETED.value,),
        failure_statuses: str | Iterable[str] = DEFAULT_FAILURE_STATUSES,
        poll_interval: float | timedelta = 1800.0,
        timeout: float | timedelta = timedelta(days=90),
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.wait_for_completion = wait_for_completion
        self.target_statuses = target_statuses
        self.failure_statuses = failure_statuses
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.deferrable = deferrable

    def _submit(self) -> ShortCodeCampaign:
        campaign = self.hook.get_campaign(self.campaign_id)
        status = campaign.get("status")
        resource = f"Short code campaign {self.campaign_id}"
        if status in _ABANDONED:
            raise SinchTerminalStatusError(resource, str(status), "it can no longer be submitted")
        if status not in EDITABLE_STATUSES:
            self.log.info(
                "%s is already %r: submitted by an earlier try, not submitting again", resource, status
            )
            return campaign
        problems = submission_problems(campaign)
        if problems:
            raise SinchValidationError(problems, context=f"{resource} is not ready to submit")

        def submitted() -> ShortCodeCampaign | None:
            current = self.hook.get_campaign(self.campaign_id)
            return None if current.get("status") in EDITABLE_STATUSES else current

        return at_most_once(
            act=lambda: self.hook.submit_campaign(self.campaign_id),
            find=submitted,
            what=f"submit {resource}",
            log=self.log,
            look_first=False,  # the status was just read above
            if_not_visible=NotVisibleYet.FAIL_TRY,
        )

    def execute(self, context: Context) -> Any:
        if not self.campaign_id:
            raise SinchValidationError([("campaign_id", "is required")], context=self.task_id)
        self._statuses()
        self.push_link(context, self.campaign_id)
        campaign = self._submit()
        if not self.wait_for_completion:
            return campaign
        return self.wait(context)


class SinchCancelShortCodeCampaignOperator(_ShortCodeOperator):
    """Cancel a campaign (DRAFT, PENDING_REVIEW or AWAITING_CLIENT_UPDATE only).

    An already cancelled campaign is left as it is (a retried task succeeds).

    :param campaign_id: the campaign.
    :return: the cancelled ``Campaign``.
    """

    template_fields: Sequence[str] = (*_ShortCodeOperator.template_fields, "campaign_id")

    def __init__(self, *, campaign_id: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id

    def execute(self, context: Context) -> ShortCodeCampaign:
        self.push_link(context, self.campaign_id)
        campaign = self.hook.get_campaign(self.campaign_id)
        status = campaign.get("status")
        if status == ShortCodeCampaignStatus.CANCELLED.value:
            self.log.info("Campaign %s is already cancelled", self.campaign_id)
            return campaign
        if status not in CANCELLABLE_STATUSES:
            raise SinchValidationError(
                [
                    (
                        "campaign_id",
                        f"campaign {self.campaign_id} is {status!r}; Sinch cancels only campaigns in "
                        f"{sorted(CANCELLABLE_STATUSES)}",
                    )
                ]
            )

        def cancelled() -> ShortCodeCampaign | None:
            current = self.hook.get_campaign(self.campaign_id)
            return current if current.get("status") == ShortCodeCampaignStatus.CANCELLED.value else None

        return at_most_once(
            act=lambda: self.hook.cancel_campaign(self.campaign_id),
            find=cancelled,
            what=f"cancel short code campaign {self.campaign_id}",
            log=self.log,
            look_first=False,  # the status was just read above
            if_not_visible=NotVisibleYet.FAIL_TRY,
        )


class SinchAddShortCodeNoteOperator(_ShortCodeOperator):
    """Add a note for Sinch's back office to a campaign, or to one of its carrier orders.

    The text is at most 1000 characters (the document's limit), checked before sending. On a
    task retry, or after a timeout / 5xx, a customer note with the same text added since the DAG
    run started counts as done.

    :param campaign_id: the campaign.
    :param text: the note.
    :param carrier_order_id: add it to this carrier order instead of the campaign.
    :return: the ``Note``.
    """

    template_fields: Sequence[str] = (
        *_ShortCodeOperator.template_fields,
        "campaign_id",
        "text",
        "carrier_order_id",
    )

    def __init__(
        self, *, campaign_id: str, text: str, carrier_order_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.text = text
        self.carrier_order_id = carrier_order_id

    def _existing(self, since: datetime | None) -> Note | None:
        campaign = self.hook.get_campaign(self.campaign_id)
        notes: Any = campaign.get("notes") or []
        if self.carrier_order_id:
            order = next(
                (
                    o
                    for o in campaign.get("carrierOrders") or []
                    if str(o.get("carrierOrderId")) == str(self.carrier_order_id)
                ),
                None,
            )
            notes = (order or {}).get("notes") or []
        for note in reversed(notes):
            created = parse_timestamp(note.get("createdAt"))
            if (
                note.get("text") == self.text
                and note.get("author", "CUSTOMER") == "CUSTOMER"
                and (since is None or created is None or created >= since)
            ):
                return note
        return None

    def execute(self, context: Context) -> Note:
        check_note_text(self.text)
        self.push_link(context, self.campaign_id)
        since = _run_start(context) or datetime.now(timezone.utc) - CLOCK_SKEW

        def add() -> Note:
            if self.carrier_order_id:
                return self.hook.add_carrier_order_note(self.campaign_id, self.carrier_order_id, self.text)
            return self.hook.add_campaign_note(self.campaign_id, self.text)

        return at_most_once(
            act=add,
            find=lambda: self._existing(since),
            what=f"add a note to short code campaign {self.campaign_id}",
            log=self.log,
            look_first=try_number(context) > 1,
            if_not_visible=NotVisibleYet.FAIL_TRY,
        )


class SinchUploadShortCodeAttachmentOperator(_ShortCodeOperator):
    """Upload a file to a campaign (a short code receipt, a migration letter...), streamed.

    On a task retry, or after a timeout / 5xx, an attachment with the same name (and
    description, when given) already on the campaign counts as done.

    :param campaign_id: the campaign.
    :param path: a local path or an ``ObjectStoragePath`` / URL (``s3://bucket/receipt.pdf``).
    :param description: the attachment's description.
    :param filename: the name Sinch shows; default: the file's name.
    :return: the ``CampaignAttachment`` (``attachmentId``, ``name``, ``description``).
    """

    template_fields: Sequence[str] = (
        *_ShortCodeOperator.template_fields,
        "campaign_id",
        "path",
        "description",
        "filename",
    )

    def __init__(
        self,
        *,
        campaign_id: str,
        path: Any,
        description: str | None = None,
        filename: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.path = path
        self.description = description
        self.filename = filename

    def _name(self) -> str:
        if self.filename:
            return self.filename
        from airflow_provider_sinch._files import as_location

        return str(as_location(self.path).name)

    def _existing(self) -> CampaignAttachment | None:
        name = self._name()
        campaign = self.hook.get_campaign(self.campaign_id)
        for attachment in campaign.get("campaignAttachments") or []:
            if attachment.get("name") == name and (
                self.description is None or attachment.get("description") == self.description
            ):
                return attachment
        return None

    def execute(self, context: Context) -> CampaignAttachment:
        self.push_link(context, self.campaign_id)
        attachment = at_most_once(
            act=lambda: self.hook.upload_campaign_attachment(
                self.campaign_id, self.path, description=self.description, filename=self.filename
            ),
            find=self._existing,
            what=f"upload {self._name()!r} to short code campaign {self.campaign_id}",
            log=self.log,
            look_first=try_number(context) > 1,
            if_not_visible=NotVisibleYet.FAIL_TRY,
        )
        self.log.info("Attachment %s is %s", attachment.get("attachmentId"), attachment.get("name"))
        return attachment


class SinchExportShortCodeHistoryOperator(_ShortCodeOperator):
    """Write a campaign's history (campaign logs, carrier-order logs, notes) to a file.

    One record per status transition or note, oldest first, with the columns
    ``created_at, record_type, campaign_id, carrier_order_id, carrier_id, carrier_name,
    previous_status, current_status, author, text``; ``record_type`` is ``campaign_log``,
    ``carrier_order_log``, ``campaign_note`` or ``carrier_order_note``.

    :param campaign_id: the campaign.
    :param destination: a local path (written atomically) or an ``ObjectStoragePath`` / URL.
    :param file_format: ``jsonl`` or ``csv`` (templated, checked after rendering).
    :return: the destination, as a string.
    """

    template_fields: Sequence[str] = (
        *_ShortCodeOperator.template_fields,
        "campaign_id",
        "destination",
        "file_format",
    )

    def __init__(
        self, *, campaign_id: str, destination: Any, file_format: str = "jsonl", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.campaign_id = campaign_id
        self.destination = destination
        self.file_format = file_format

    def execute(self, context: Context) -> str:
        file_format = choice("file_format", self.file_format, FILE_FORMATS, context=self.task_id)
        if not self.destination:
            raise SinchValidationError(
                [("destination", "is required: a local path or an object storage URL")]
            )
        self.push_link(context, self.campaign_id)
        campaign = self.hook.get_campaign(self.campaign_id)
        with open_output(self.destination) as (fh, where):
            writer = RecordWriter(fh, file_format, HISTORY_FIELDS)
            for record in campaign_history(campaign):
                writer.write(record)
        self.log.info("Wrote %d history records of campaign %s to %s", writer.count, self.campaign_id, where)
        return where
