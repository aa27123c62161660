"""Hook for Sinch's US Short Code Campaigns API, ``../shared/api/us-short-code-api.openapi.yaml``.

A thin typed facade over :mod:`airflow_provider_sinch.apis.short_code`, where every operation of
the document is described once (and re-exported here): one public method per operationId. The
async triggers run the same descriptions and checks.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from airflow_provider_sinch import connections
from airflow_provider_sinch._files import CHUNK_SIZE, MultipartFileBody, as_location, open_output
from airflow_provider_sinch._http import iter_pages
from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.apis import short_code as api
from airflow_provider_sinch.apis.short_code import (
    ADD_CAMPAIGN_NOTE,
    ADD_CARRIER_ORDER_NOTE,
    CANCEL_CAMPAIGN,
    CREATE_CAMPAIGN,
    DEFAULT_DASHBOARD_URL,
    DEFAULT_HOST,
    DOWNLOAD_CAMPAIGN_ATTACHMENT,
    GET_CALLBACK_CONFIGURATION,
    GET_CAMPAIGN,
    GET_CARRIERS,
    LIST_CAMPAIGNS,
    NOTES_QUOTED,
    SUBMIT_CAMPAIGN,
    UPDATE_CALLBACK_CONFIGURATION,
    UPDATE_CAMPAIGN,
    UPLOAD_CAMPAIGN_ATTACHMENT,
    CallbackConfiguration,
    CampaignAttachment,
    Carrier,
    CarrierOrder,
    Note,
    ShortCodeCampaign,
    evaluate_carrier_orders,
    evaluate_short_code_campaign,
    latest_notes,
)
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.hooks.base import SinchBaseHook
from airflow_provider_sinch.short_code_validation import (
    ORDER_BY_FIELDS,
    ORDER_DIRECTIONS,
    check_note_text,
    each_campaign_once,
    is_blank,
    require_fields,
    short_code_filters,
    validate_campaign_request,
)
from airflow_provider_sinch.statuses import (
    CARRIER_ORDER_FAILURE,
    SHORT_CODE_FAILURE,
    SHORT_CODE_SUCCESS,
    PollResult,
    ShortCodeCampaignStatus,
    validate_statuses,
)

__all__ = [
    "ADD_CAMPAIGN_NOTE",
    "ADD_CARRIER_ORDER_NOTE",
    "CANCEL_CAMPAIGN",
    "CREATE_CAMPAIGN",
    "DEFAULT_DASHBOARD_URL",
    "DEFAULT_HOST",
    "DOWNLOAD_CAMPAIGN_ATTACHMENT",
    "GET_CALLBACK_CONFIGURATION",
    "GET_CAMPAIGN",
    "GET_CARRIERS",
    "LIST_CAMPAIGNS",
    "NOTES_QUOTED",
    "SUBMIT_CAMPAIGN",
    "UPDATE_CALLBACK_CONFIGURATION",
    "UPDATE_CAMPAIGN",
    "UPLOAD_CAMPAIGN_ATTACHMENT",
    "CallbackConfiguration",
    "CampaignAttachment",
    "Carrier",
    "CarrierOrder",
    "Note",
    "ShortCodeCampaign",
    "SinchShortCodeHook",
    "evaluate_carrier_orders",
    "evaluate_short_code_campaign",
    "latest_notes",
]

log = logging.getLogger(__name__)

_DEFAULT_TARGETS = tuple(sorted(status.value for status in SHORT_CODE_SUCCESS))
_DEFAULT_FAILURES = tuple(sorted(status.value for status in SHORT_CODE_FAILURE))
_DEFAULT_ORDER_FAILURES = tuple(sorted(status.value for status in CARRIER_ORDER_FAILURE))


# --- The hook ------------------------------------------------------------------------------------
class SinchShortCodeHook(SinchBaseHook):
    """Sinch US Short Code Campaigns API: drafts, submission, notes, attachments, callbacks.

    Connection (type ``sinch_us_short_code``): login = access key id, password = key secret,
    extra ``project_id``; host = API base URL (default ``https://usshortcode.api.sinch.com``);
    extra ``oauth_url`` (default ``https://auth.sinch.com/oauth2/token``), ``dashboard_url``
    (the extra link's template) and transport options.

    :param sinch_conn_id: connection id, default ``sinch_short_code_default``.
    :param project_id: the project every call uses unless a method is given another;
        default: the connection's extra ``project_id``.
    """

    conn_type: ClassVar[str] = "sinch_us_short_code"
    default_conn_name: ClassVar[str] = "sinch_short_code_default"
    hook_name: ClassVar[str] = "Sinch US Short Code Campaigns"
    default_host: ClassVar[str] = DEFAULT_HOST
    connection_kind = connections.SHORT_CODE

    def __init__(
        self, sinch_conn_id: str | None = None, *, project_id: str | None = None, **hook_params: Any
    ):
        super().__init__(sinch_conn_id, **hook_params)
        self._project_id = project_id

    @property
    def project_id(self) -> str:
        """The project id: the hook's, else the connection's extra ``project_id``."""
        project_id = self._project_id or self.extra.get("project_id")
        if not project_id:
            raise SinchValidationError(
                [
                    (
                        "project_id",
                        "is required: pass it, or set the extra 'project_id' of connection "
                        f"{self.sinch_conn_id!r}",
                    )
                ]
            )
        return str(project_id)

    def _project(self, project_id: str | None) -> str:
        return project_id or self.project_id

    def campaign_url(self, campaign_id: str, *, project_id: str | None = None) -> str:
        """The campaign's page in Sinch's dashboard, for the operators' extra link."""
        template = str(self.extra.get("dashboard_url") or DEFAULT_DASHBOARD_URL)
        return template.format(project_id=self._project(project_id), campaign_id=campaign_id)

    def _test_call(self) -> str:
        carriers = self.get_carriers()
        return f"Listed {len(carriers)} carriers for project {self.project_id}."

    # --- Campaigns ----------------------------------------------------------------------------
    def create_campaign(
        self, campaign: Mapping[str, Any], *, project_id: str | None = None
    ) -> ShortCodeCampaign:
        """Create a draft (``createCampaign``) from an ``EditCampaignRequest`` body.

        Not repeated after a timeout or a 5xx (the API has no idempotency key):
        :class:`~airflow_provider_sinch.operators.short_code.SinchCreateShortCodeCampaignOperator`
        looks for the draft first.
        """
        violations = validate_campaign_request(campaign)
        if violations:
            raise SinchValidationError(violations, context="campaign")
        return self._call(
            CREATE_CAMPAIGN, path_params={"project_id": self._project(project_id)}, json=dict(campaign)
        )

    def list_campaigns(
        self,
        *,
        status: str | ShortCodeCampaignStatus | None = None,
        short_codes: str | Sequence[str] | None = None,
        order_by: str | None = None,
        page_size: int | None = None,
        project_id: str | None = None,
    ) -> Iterator[ShortCodeCampaign]:
        """Campaigns (``BasicCampaign``: id, name, shortCodes, status, dates) one at a time,
        following ``nextPageToken`` (``listCampaigns``).

        :param status: only campaigns in this status.
        :param short_codes: only campaigns with this short code; with several, one listing per
            code (the document's ``shortCodes`` is one string), each campaign yielded once.
        :param order_by: ``"<field>[,asc|desc]"``, field one of campaignId, status, createDate, updateDate.
        :param page_size: campaigns per page.
        """
        violations: list[tuple[str, str]] = []
        params: dict[str, Any] = {}
        if status is not None:
            # An undocumented status is only logged: Sinch may add statuses before we know them.
            (params["status"],) = validate_statuses("status", [status], ShortCodeCampaignStatus)
        codes: list[str | None] = [*short_code_filters(short_codes)] or [None]
        if order_by is not None:
            field, _, direction = order_by.partition(",")
            if field.strip() not in ORDER_BY_FIELDS or (
                direction and direction.strip().lower() not in ORDER_DIRECTIONS
            ):
                violations.append(
                    (
                        "order_by",
                        f"must be '<field>[,asc|desc]' with a field in {list(ORDER_BY_FIELDS)}, "
                        f"got {order_by!r}",
                    )
                )
            params["orderBy"] = order_by
        if page_size is not None:
            if not isinstance(page_size, int) or page_size < 1:
                violations.append(("page_size", f"must be a positive integer, got {page_size!r}"))
            params["pageSize"] = page_size
        if violations:
            raise SinchValidationError(violations)
        path_params = {"project_id": self._project(project_id)}

        def listing(code: str | None) -> Iterator[ShortCodeCampaign]:
            def fetch(token: str | None) -> Mapping[str, Any]:
                extra = {**({"shortCodes": code} if code else {}), **({"pageToken": token} if token else {})}
                return self._call(LIST_CAMPAIGNS, path_params=path_params, params={**params, **extra})

            return iter_pages(fetch, "campaigns")

        return each_campaign_once(listing(code) for code in codes)

    def update_campaign(
        self, campaign_id: str, campaign: Mapping[str, Any], *, project_id: str | None = None
    ) -> ShortCodeCampaign:
        """Replace a draft's content (``updateCampaign``); only DRAFT or AWAITING_CLIENT_UPDATE."""
        violations = (
            [("campaign_id", "is required")] if is_blank(campaign_id) else []
        ) + validate_campaign_request(campaign)
        if violations:
            raise SinchValidationError(violations, context="campaign")
        return self._call(
            UPDATE_CAMPAIGN,
            path_params={"project_id": self._project(project_id), "campaign_id": campaign_id},
            json=dict(campaign),
        )

    def get_campaign(self, campaign_id: str, *, project_id: str | None = None) -> ShortCodeCampaign:
        """The campaign with its carrier orders, attachments, logs and notes (``getCampaign``)."""
        require_fields(campaign_id=campaign_id)
        return self._send(api.get_campaign(self._project(project_id), campaign_id))

    def check_campaign_status(
        self,
        campaign_id: str,
        target_statuses: Iterable[str] = _DEFAULT_TARGETS,
        failure_statuses: Iterable[str] = _DEFAULT_FAILURES,
        *,
        project_id: str | None = None,
    ) -> PollResult:
        """One check of the campaign's status
        (:func:`~airflow_provider_sinch.apis.short_code.check_campaign_status`)."""
        require_fields(campaign_id=campaign_id)
        return self._run(
            api.check_campaign_status(
                self._project(project_id), campaign_id, target_statuses, failure_statuses
            )
        )

    def check_carrier_orders(
        self,
        campaign_id: str,
        target_statuses: Iterable[str] = ("CERTIFIED",),
        failure_statuses: Iterable[str] = _DEFAULT_ORDER_FAILURES,
        carrier_ids: Iterable[str] | None = None,
        *,
        project_id: str | None = None,
    ) -> PollResult:
        """One check of the campaign's carrier orders
        (:func:`~airflow_provider_sinch.apis.short_code.check_carrier_orders`)."""
        require_fields(campaign_id=campaign_id)
        return self._run(
            api.check_carrier_orders(
                self._project(project_id), campaign_id, target_statuses, failure_statuses, carrier_ids
            )
        )

    def submit_campaign(self, campaign_id: str, *, project_id: str | None = None) -> ShortCodeCampaign:
        """Submit for review (``submitCampaign``); only DRAFT or AWAITING_CLIENT_UPDATE.

        Sinch applies the submission-time checks; :func:`submission_problems` runs the same ones
        locally so that every gap is named at once.
        """
        require_fields(campaign_id=campaign_id)
        return self._call(
            SUBMIT_CAMPAIGN, path_params={"project_id": self._project(project_id), "campaign_id": campaign_id}
        )

    def cancel_campaign(self, campaign_id: str, *, project_id: str | None = None) -> ShortCodeCampaign:
        """Cancel (``cancelCampaign``); only DRAFT, PENDING_REVIEW or AWAITING_CLIENT_UPDATE."""
        require_fields(campaign_id=campaign_id)
        return self._call(
            CANCEL_CAMPAIGN, path_params={"project_id": self._project(project_id), "campaign_id": campaign_id}
        )

    # --- Notes ----------------------------------------------------------------------------------
    def add_campaign_note(self, campaign_id: str, text: str, *, project_id: str | None = None) -> Note:
        """Add a note for Sinch's back office (``addCampaignNote``), at most 1000 characters."""
        require_fields(campaign_id=campaign_id)
        check_note_text(text)
        return self._call(
            ADD_CAMPAIGN_NOTE,
            path_params={"project_id": self._project(project_id), "campaign_id": campaign_id},
            json={"text": text},
        )

    def add_carrier_order_note(
        self, campaign_id: str, carrier_order_id: str, text: str, *, project_id: str | None = None
    ) -> Note:
        """Add a note to one carrier order (``addCarrierOrderNote``), at most 1000 characters."""
        require_fields(campaign_id=campaign_id, carrier_order_id=carrier_order_id)
        check_note_text(text)
        return self._call(
            ADD_CARRIER_ORDER_NOTE,
            path_params={
                "project_id": self._project(project_id),
                "campaign_id": campaign_id,
                "carrier_order_id": carrier_order_id,
            },
            json={"text": text},
        )

    # --- Carriers ---------------------------------------------------------------------------------
    def get_carriers(self, *, project_id: str | None = None) -> list[Carrier]:
        """Carriers a campaign can name in ``carrierIds`` (``getCarriers``): ``[{"id", "name"}]``."""
        return self._call(GET_CARRIERS, path_params={"project_id": self._project(project_id)}) or []

    # --- Attachments ------------------------------------------------------------------------------
    def upload_campaign_attachment(
        self,
        campaign_id: str,
        path: Any,
        *,
        description: str | None = None,
        filename: str | None = None,
        project_id: str | None = None,
    ) -> CampaignAttachment:
        """Upload a file (``uploadCampaignAttachment``, multipart), streamed from ``path``.

        :param path: a local path or anything ``ObjectStoragePath`` understands (``s3://...``).
        :param description: the attachment's description.
        :param filename: the name Sinch shows; default: the file's name.
        """
        require_fields(campaign_id=campaign_id, path=path)
        location = as_location(path)
        try:
            is_file = location.is_file()
        except OSError:
            is_file = False
        if not is_file:
            raise SinchValidationError([("path", f"{path} is not a readable file")])
        name = filename or location.name
        fields = {"description": description} if description is not None else {}
        boundary = uuid.uuid4().hex

        def body() -> MultipartFileBody:
            return MultipartFileBody(location, field="file", filename=name, fields=fields, boundary=boundary)

        return self._call(
            UPLOAD_CAMPAIGN_ATTACHMENT,
            path_params={"project_id": self._project(project_id), "campaign_id": campaign_id},
            body=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

    def download_campaign_attachment(
        self, campaign_id: str, attachment_id: str, destination: Any, *, project_id: str | None = None
    ) -> str:
        """Download an attachment (``downloadCampaignAttachment``), streamed to ``destination``.

        :param destination: a local path (written atomically) or an ``ObjectStoragePath``.
        :return: the destination, as a string.
        """
        require_fields(campaign_id=campaign_id, attachment_id=attachment_id, destination=destination)
        response = self._request(
            DOWNLOAD_CAMPAIGN_ATTACHMENT,
            path_params={
                "project_id": self._project(project_id),
                "campaign_id": campaign_id,
                "attachment_id": attachment_id,
            },
            headers={"Accept": "application/octet-stream, application/json"},
            stream=True,
        )
        with response, open_output(destination, binary=True) as (fh, where):
            for chunk in response.iter_content(CHUNK_SIZE):
                if chunk:
                    fh.write(chunk)
        return where

    # --- Callback configuration --------------------------------------------------------------------
    def get_callback_configuration(self, *, project_id: str | None = None) -> CallbackConfiguration:
        """The project's callback configuration (``getCallbackConfiguration``): ``hmacSecret``.

        The answer holds the HMAC secret: keep it out of logs and XCom.
        """
        config = self._call(GET_CALLBACK_CONFIGURATION, path_params={"project_id": self._project(project_id)})
        _mask_secret_of(config)
        return config

    def update_callback_configuration(
        self, hmac_secret: str, *, project_id: str | None = None
    ) -> CallbackConfiguration:
        """Set the HMAC secret Sinch signs callbacks with (``updateCallbackConfiguration``)."""
        require_fields(hmac_secret=hmac_secret)
        _mask_secret_of({"hmacSecret": hmac_secret})
        config = self._call(
            UPDATE_CALLBACK_CONFIGURATION,
            path_params={"project_id": self._project(project_id)},
            json={"hmacSecret": hmac_secret},
        )
        _mask_secret_of(config)
        return config

    # --- Helpers built on the endpoints ---------------------------------------------------------
    def find_campaigns(
        self,
        name: str,
        *,
        created_after: datetime | None = None,
        exclude_statuses: Iterable[str] = (),
        project_id: str | None = None,
    ) -> list[ShortCodeCampaign]:
        """Campaigns named exactly ``name``, newest first, created at or after ``created_after``.

        Lists by creation date, newest first, and stops at the first older campaign.
        """
        excluded = {str(getattr(s, "value", s)) for s in exclude_statuses}
        found: list[ShortCodeCampaign] = []
        for campaign in self.list_campaigns(order_by="createDate,desc", project_id=project_id):
            created = parse_timestamp(campaign.get("createdAt"))
            if created_after is not None and created is not None and created < created_after:
                break
            if campaign.get("name") == name and campaign.get("status") not in excluded:
                found.append(campaign)
        return found


def _mask_secret_of(config: Any) -> None:
    if isinstance(config, Mapping) and config.get("hmacSecret"):
        from airflow.sdk.log import mask_secret

        mask_secret(str(config["hmacSecret"]))
