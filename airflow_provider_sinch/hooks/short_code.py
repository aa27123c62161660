"""Hook for Sinch's US Short Code Campaigns API, ``../shared/api/us-short-code-api.openapi.yaml``.

Every operation of the document is described once below as an :class:`Endpoint`; the public
methods are thin typed wrappers named after the operationIds. The async triggers reuse the same
descriptions, and :func:`evaluate_short_code_campaign` / :func:`evaluate_carrier_orders` decide
a wait for both the sync sensors and the triggers.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict

from airflow_provider_sinch._auth import OAuth2ClientCredentials
from airflow_provider_sinch._files import CHUNK_SIZE, MultipartFileBody, as_location, open_output
from airflow_provider_sinch._http import Endpoint, iter_pages
from airflow_provider_sinch._time import parse_timestamp
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.hooks.base import SinchBaseHook, connection_extra
from airflow_provider_sinch.short_code_validation import (
    ORDER_BY_FIELDS,
    ORDER_DIRECTIONS,
    check_note_text,
    is_blank,
    require_fields,
    validate_campaign_request,
)
from airflow_provider_sinch.statuses import (
    CARRIER_ORDER_FAILURE,
    SHORT_CODE_FAILURE,
    SHORT_CODE_SUCCESS,
    CarrierOrderStatus,
    PollResult,
    ShortCodeCampaignStatus,
    classify,
    validate_statuses,
)

if TYPE_CHECKING:
    from enum import Enum

    from airflow.sdk import Connection

    from airflow_provider_sinch._auth import SinchAuth


log = logging.getLogger(__name__)

# --- Endpoints, each described once -----------------------------------------------------------
_CAMPAIGNS = "/v1/projects/{project_id}/campaigns"
_CAMPAIGN = _CAMPAIGNS + "/{campaign_id}"

CREATE_CAMPAIGN = Endpoint("POST", _CAMPAIGNS)
LIST_CAMPAIGNS = Endpoint("GET", _CAMPAIGNS)
GET_CAMPAIGN = Endpoint("GET", _CAMPAIGN)
UPDATE_CAMPAIGN = Endpoint("PUT", _CAMPAIGN)
# Submit, cancel, notes and uploads are not repeated by the transport after a timeout or a 5xx:
# the operators look at the campaign first (a second submit or cancel answers 400, a second
# note or upload is a duplicate).
SUBMIT_CAMPAIGN = Endpoint("POST", _CAMPAIGN + "/submit")
CANCEL_CAMPAIGN = Endpoint("POST", _CAMPAIGN + "/cancel")
ADD_CAMPAIGN_NOTE = Endpoint("POST", _CAMPAIGN + "/notes")
# The document's path says ``carrier`` (singular); we follow it literally.
ADD_CARRIER_ORDER_NOTE = Endpoint("POST", _CAMPAIGN + "/carrier/{carrier_order_id}/notes")
GET_CARRIERS = Endpoint("GET", _CAMPAIGNS + "/carriers", unwrap="carriers")
UPLOAD_CAMPAIGN_ATTACHMENT = Endpoint("POST", _CAMPAIGN + "/attachments")
DOWNLOAD_CAMPAIGN_ATTACHMENT = Endpoint("GET", _CAMPAIGN + "/attachments/{attachment_id}")
GET_CALLBACK_CONFIGURATION = Endpoint("GET", _CAMPAIGNS + "/callback-configuration")
UPDATE_CALLBACK_CONFIGURATION = Endpoint("PUT", _CAMPAIGNS + "/callback-configuration")

DEFAULT_HOST = "https://usshortcode.api.sinch.com"
#: Where the operators' extra link points; the connection extra ``dashboard_url`` overrides it.
#: ``{project_id}`` and ``{campaign_id}`` are filled in.
DEFAULT_DASHBOARD_URL = "https://dashboard.sinch.com/sms/us-short-codes/campaigns/{campaign_id}"

#: How many of the latest notes a failure quotes.
NOTES_QUOTED = 3


class Note(TypedDict, total=False):
    author: str
    text: str
    createdAt: str


class CarrierOrder(TypedDict, total=False):
    carrierOrderId: str
    carrierId: str
    carrierName: str
    status: str
    notes: list[Note]
    logs: list[dict[str, Any]]
    createdAt: str
    updatedAt: str


class CampaignAttachment(TypedDict, total=False):
    attachmentId: str
    name: str
    description: str


class ShortCodeCampaign(TypedDict, total=False):
    """The document's ``Campaign`` (``BasicCampaign`` in lists holds a subset)."""

    id: str
    name: str
    description: str
    trafficCharge: str
    status: str
    scRequested: bool
    brandId: str
    shortCodes: str
    customerCare: dict[str, Any]
    contentDefinitions: list[dict[str, Any]]
    termsAndConditions: dict[str, Any]
    privacyPolicy: dict[str, Any]
    complianceEmails: list[str]
    contactEmails: list[str]
    callbackUrl: str
    isMigrated: bool
    carrierOrders: list[CarrierOrder]
    campaignAttachments: list[CampaignAttachment]
    campaignLogs: list[dict[str, Any]]
    notes: list[Note]
    createdAt: str
    updatedAt: str


class Carrier(TypedDict, total=False):
    id: str
    name: str


class CallbackConfiguration(TypedDict, total=False):
    hmacSecret: str
    projectId: str


# --- Deciding a wait (shared by the sensors and the triggers) -----------------------------------
def _values(statuses: Iterable[str | Enum]) -> tuple[str, ...]:
    return tuple(str(getattr(s, "value", s)) for s in statuses)


def latest_notes(notes: Any, count: int = NOTES_QUOTED) -> str:
    """The latest ``count`` notes as one readable string (newest last), or ``""``."""
    items = [n for n in (notes or []) if isinstance(n, Mapping) and n.get("text")]
    items.sort(key=lambda n: parse_timestamp(n.get("createdAt")) or datetime.min.replace(tzinfo=timezone.utc))
    return " | ".join(
        f"{n.get('author') or 'NOTE'}"
        + (f" at {n['createdAt']}" if n.get("createdAt") else "")
        + f": {n['text']}"
        for n in items[-count:]
    )


def _order_summary(order: Mapping[str, Any]) -> dict[str, Any]:
    return {k: order.get(k) for k in ("carrierOrderId", "carrierId", "carrierName", "status")}


def evaluate_short_code_campaign(
    campaign: Mapping[str, Any],
    campaign_id: str,
    target_statuses: Iterable[str | Enum] = SHORT_CODE_SUCCESS,
    failure_statuses: Iterable[str | Enum] = SHORT_CODE_FAILURE,
) -> PollResult:
    """Decide a wait on a campaign's status.

    A failure quotes the status and the campaign's latest notes, where Sinch's agents say what
    they need. An unknown status is pending (and logged), never an error.
    """
    status = campaign.get("status")
    resource = f"Short code campaign {campaign_id}"
    targets, failures = _values(target_statuses), _values(failure_statuses)
    outcome = classify(
        status, success=targets, failure=failures, known=ShortCodeCampaignStatus, resource=resource
    )
    xcom = {
        "id": campaign.get("id", campaign_id),
        "name": campaign.get("name"),
        "status": status,
        "shortCodes": campaign.get("shortCodes"),
        "carrierOrders": [
            _order_summary(o) for o in campaign.get("carrierOrders") or [] if isinstance(o, Mapping)
        ],
    }
    if outcome == "failure":
        notes = latest_notes(campaign.get("notes"))
        message = f"{resource} is {status!r}" + (
            f"; latest notes: {notes}" if notes else "; Sinch left no note"
        )
        return PollResult("failure", status, message, resource, xcom=xcom)
    if outcome == "success":
        return PollResult("success", status, f"{resource} is {status!r}", resource, xcom=xcom)
    hint = " (not submitted yet?)" if status == ShortCodeCampaignStatus.DRAFT.value else ""
    return PollResult(
        "pending", status, f"{resource} is {status!r}{hint}, waiting for {list(targets)}", resource, xcom=xcom
    )


def _carrier_label(order: Mapping[str, Any]) -> str:
    name, carrier_id = order.get("carrierName"), order.get("carrierId")
    label = f"{name} (carrier {carrier_id})" if name else f"carrier {carrier_id}"
    return label + (f", order {order['carrierOrderId']}" if order.get("carrierOrderId") else "")


def evaluate_carrier_orders(
    campaign: Mapping[str, Any],
    campaign_id: str,
    target_statuses: Iterable[str | Enum] = (CarrierOrderStatus.CERTIFIED,),
    failure_statuses: Iterable[str | Enum] = CARRIER_ORDER_FAILURE,
    carrier_ids: Iterable[str] | None = None,
) -> PollResult:
    """Decide a wait on a campaign's carrier orders: every order (or each of ``carrier_ids``)
    in a target status is success; any in a failure status is a failure naming the carrier and
    quoting its notes. A cancelled or deprovisioned campaign will never certify: failure too.
    """
    resource = f"Short code campaign {campaign_id} carrier orders"
    targets, failures = _values(target_statuses), _values(failure_statuses)
    wanted = [str(c) for c in carrier_ids] if carrier_ids else None
    orders = [o for o in campaign.get("carrierOrders") or [] if isinstance(o, Mapping)]
    if wanted is not None:
        orders = [o for o in orders if str(o.get("carrierId")) in wanted]
    xcom = {"id": campaign.get("id", campaign_id), "carrierOrders": [_order_summary(o) for o in orders]}
    campaign_status = campaign.get("status")
    if campaign_status in (
        ShortCodeCampaignStatus.CANCELLED.value,
        ShortCodeCampaignStatus.DEPROVISIONED.value,
    ):
        notes = latest_notes(campaign.get("notes"))
        message = f"the campaign itself is {campaign_status!r}" + (
            f"; latest notes: {notes}" if notes else ""
        )
        return PollResult("failure", campaign_status, message, resource, xcom=xcom)
    failed = []
    for order in orders:
        label = _carrier_label(order)
        status = order.get("status")
        if (
            classify(status, success=targets, failure=failures, known=CarrierOrderStatus, resource=label)
            == "failure"
        ):
            notes = latest_notes(order.get("notes"))
            failed.append((status, f"{label} is {status!r}" + (f" ({notes})" if notes else "")))
    if failed:
        return PollResult("failure", failed[0][0], "; ".join(text for _, text in failed), resource, xcom=xcom)
    missing = sorted(set(wanted) - {str(o.get("carrierId")) for o in orders}) if wanted is not None else []
    waiting = [o for o in orders if o.get("status") not in targets]
    if orders and not missing and not waiting:
        return PollResult(
            "success",
            orders[0].get("status"),
            f"{resource}: all {len(orders)} in {list(targets)}",
            resource,
            xcom=xcom,
        )
    parts = [f"{_carrier_label(o)} is {o.get('status')!r}" for o in waiting]
    if missing:
        parts.append(f"no carrier order yet for carriers {missing}")
    if not orders and not missing:
        parts.append(f"no carrier orders yet (campaign is {campaign_status!r})")
    return PollResult(
        "pending", None, f"{resource}: waiting for {list(targets)}: " + "; ".join(parts), resource, xcom=xcom
    )


# --- The hook ------------------------------------------------------------------------------------
class SinchShortCodeHook(SinchBaseHook):
    """Sinch US Short Code Campaigns API: drafts, submission, notes, attachments, callbacks.

    Connection (type ``sinch_us_short_code``): login = access key id, password = key secret,
    extra ``project_id``; host = API base URL (default ``https://usshortcode.api.sinch.com``);
    extra ``token_url`` (default ``https://auth.sinch.com/oauth2/token``), ``dashboard_url``
    (the extra link's template) and transport options.

    :param sinch_conn_id: connection id, default ``sinch_short_code_default``.
    :param project_id: the project every call uses unless a method is given another;
        default: the connection's extra ``project_id``.
    """

    conn_type: ClassVar[str] = "sinch_us_short_code"
    default_conn_name: ClassVar[str] = "sinch_short_code_default"
    hook_name: ClassVar[str] = "Sinch US Short Code Campaigns"
    default_host: ClassVar[str] = DEFAULT_HOST

    def __init__(
        self, sinch_conn_id: str | None = None, *, project_id: str | None = None, **hook_params: Any
    ):
        super().__init__(sinch_conn_id, **hook_params)
        self._project_id = project_id

    @classmethod
    def auth_from(cls, conn: Connection, base_url: str) -> SinchAuth:
        token_url = connection_extra(conn).get("token_url") or OAuth2ClientCredentials.DEFAULT_TOKEN_URL
        return OAuth2ClientCredentials(conn.login or "", conn.password or "", token_url)

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
        :param short_codes: only campaigns with this short code (a list is sent comma-separated).
        :param order_by: ``"<field>[,asc|desc]"``, field one of campaignId, status, createDate, updateDate.
        :param page_size: campaigns per page.
        """
        violations: list[tuple[str, str]] = []
        params: dict[str, Any] = {}
        if status is not None:
            # An undocumented status is only logged: Sinch may add statuses before we know them.
            (params["status"],) = validate_statuses("status", [status], ShortCodeCampaignStatus)
        if short_codes:
            params["shortCodes"] = (
                short_codes if isinstance(short_codes, str) else ",".join(map(str, short_codes))
            )
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

        def fetch(token: str | None) -> Mapping[str, Any]:
            return self._call(
                LIST_CAMPAIGNS,
                path_params=path_params,
                params={**params, **({"pageToken": token} if token else {})},
            )

        return iter_pages(fetch, "campaigns")

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
        return self._call(
            GET_CAMPAIGN, path_params={"project_id": self._project(project_id), "campaign_id": campaign_id}
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
        excluded = set(_values(exclude_statuses))
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
