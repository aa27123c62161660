"""Hook for Sinch's Campaign API (rich SMS campaigns), ``../shared/api/campaign-api.txt``.

A thin typed facade over :mod:`airflow_provider_sinch.apis.campaign`, where each endpoint is
described once (and re-exported here); the async trigger runs the same descriptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from airflow_provider_sinch import connections
from airflow_provider_sinch._auth import CampaignSecretKeyAuth
from airflow_provider_sinch._files import MAX_CONTACTS_PER_REQUEST
from airflow_provider_sinch._http import parse_response
from airflow_provider_sinch.apis import campaign as api
from airflow_provider_sinch.apis.campaign import (
    API_DATETIME,
    CREATE_CAMPAIGN,
    CREATE_REDIRECT,
    DEFAULT_HOST,
    DEFAULT_LOGIN_URL,
    DEFAULT_SHORT_LINK_BASE,
    EVENT_TYPES,
    FIELD_NAME_PATTERN,
    GENERATE_LANDING_PAGES,
    GET_CAMPAIGN,
    GET_LOG,
    GET_RECIPIENT_DATA,
    GET_RECIPIENTS,
    GET_STATS,
    LIST_CAMPAIGNS,
    SEND_DATE_FORMAT,
    SEND_SMS,
    TOKEN,
    CampaignInfo,
    CreatedCampaign,
    evaluate_campaign,
    to_api_datetime,
)
from airflow_provider_sinch.contacts import create_request_body
from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.exports import WindowSizing, iter_log_windows, read_limited
from airflow_provider_sinch.hooks.base import SinchBaseHook
from airflow_provider_sinch.send_date import resolve_send_date
from airflow_provider_sinch.statuses import CampaignStatus, PollResult

if TYPE_CHECKING:
    from airflow_provider_sinch.exports import Answer

__all__ = [
    "API_DATETIME",
    "CREATE_CAMPAIGN",
    "CREATE_REDIRECT",
    "DEFAULT_HOST",
    "DEFAULT_LOGIN_URL",
    "DEFAULT_SHORT_LINK_BASE",
    "EVENT_TYPES",
    "GENERATE_LANDING_PAGES",
    "GET_CAMPAIGN",
    "GET_LOG",
    "GET_RECIPIENTS",
    "GET_RECIPIENT_DATA",
    "GET_STATS",
    "LIST_CAMPAIGNS",
    "SEND_DATE_FORMAT",
    "SEND_SMS",
    "TOKEN",
    "CampaignInfo",
    "CreatedCampaign",
    "SinchCampaignHook",
    "evaluate_campaign",
    "send_date_fields",
    "to_api_datetime",
]


def send_date_fields(send_date: datetime | str, tz: str | None) -> dict[str, str]:
    """``send_date`` (``yyyy-mm-dd HH:MM``) and a matching ``timezone``; a past date is refused.

    See :func:`airflow_provider_sinch.send_date.resolve_send_date` for the accepted forms.
    """
    return resolve_send_date(send_date, tz).fields()


def _check_batch(contacts: Sequence[Sequence[Any]], argument: str = "contacts") -> list[list[Any]]:
    rows = [list(row) for row in contacts]
    if not rows:
        raise SinchValidationError([(argument, "must hold at least one recipient")])
    if len(rows) > MAX_CONTACTS_PER_REQUEST:
        raise SinchValidationError(
            [
                (
                    argument,
                    f"holds {len(rows)} recipients; the API takes at most "
                    f"{MAX_CONTACTS_PER_REQUEST} per request",
                )
            ]
        )
    return rows


def _require(**values: Any) -> None:
    missing = [(name, "is required") for name, value in values.items() if value is None or value == ""]
    if missing:
        raise SinchValidationError(missing)


def _log_options(columns: Sequence[int] | None, types: Sequence[str] | None) -> list[tuple[str, Any]]:
    """The log request's ``columns`` and ``types`` parameters, after checking the types."""
    unknown = sorted(set(types or ()) - set(EVENT_TYPES))
    if unknown:
        raise SinchValidationError([("types", f"unknown event types {unknown}; known: {list(EVENT_TYPES)}")])
    return [("columns", c) for c in columns or ()] + [("types", t) for t in types or ()]


class SinchCampaignHook(SinchBaseHook):
    """Sinch Campaign API: duplicate templates, send SMS, read stats, logs and recipients.

    Connection (type ``sinch_campaign``): password = the secret key exactly as Sinch's Options
    page shows it; host = API base URL (default ``https://api.us.campaign.sinch.com``); extra
    ``login_url`` (default ``https://us.campaign.sinch.com/api/login``) and transport options.

    :param sinch_conn_id: connection id, default ``sinch_campaign_default``.
    """

    conn_type: ClassVar[str] = "sinch_campaign"
    default_conn_name: ClassVar[str] = "sinch_campaign_default"
    hook_name: ClassVar[str] = "Sinch Campaign API"
    default_host: ClassVar[str] = DEFAULT_HOST
    connection_kind = connections.CAMPAIGN

    # --- Authentication -----------------------------------------------------------------------
    def get_token(self) -> str:
        """An access token (cached until shortly before its 2-hour expiry). Masked in logs."""
        auth = self.transport.auth
        assert isinstance(auth, CampaignSecretKeyAuth)
        return auth.token(self.transport.run)

    def get_user_login_url(self) -> str:
        """The user-login link (``GET /api/login?access_token=...``) that opens a browser session.

        It embeds a live token: hand it to a browser, never to logs or XCom.
        """
        login_url = self.extra.get("login_url") or DEFAULT_LOGIN_URL
        return f"{login_url}?{urlencode({'access_token': self.get_token()})}"

    def _test_call(self) -> str:
        self.get_token()
        return "Obtained an access token with the secret key."

    # --- Campaigns ----------------------------------------------------------------------------
    def create_campaign(
        self,
        template_campaign_id: str,
        name: str,
        contacts: Iterable[Sequence[Any]],
        *,
        send_date: datetime | str,
        sender: str | None = None,
        message: str | None = None,
        timezone: str | None = None,
        tag: str | None = None,
        external_channel: bool = False,
        field_names: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Duplicate ``template_campaign_id`` (``POST /v1/campaign/create``, ``logic=duplicate``).

        ``contacts`` may be any iterable of rows (a list, a
        :class:`~airflow_provider_sinch.contacts.Contacts` over a file, or the
        :class:`~airflow_provider_sinch.contacts.CheckedContacts` the operator made): the body is
        spooled to a temporary file while each row is checked, then sent with its
        ``Content-Length``, never held whole in memory. A bad row or a past ``send_date`` is
        refused before any request.
        Returns the whole answer: ``{"success", "solde", "campaign": {...}}``.
        """
        _require(template_campaign_id=template_campaign_id, name=name, send_date=send_date)
        if (sender is None) != (message is None):
            raise SinchValidationError(
                [
                    (
                        "sender" if sender is None else "message",
                        "sender and message go together: give both or neither",
                    )
                ]
            )
        if field_names is not None:
            bad = [f for f in field_names if not FIELD_NAME_PATTERN.match(str(f))]
            if bad:
                raise SinchValidationError(
                    [("field_names", f"{bad} may only hold letters, digits, underscores, dashes and spaces")]
                )
        fields: dict[str, Any] = {"logic": "duplicate", "logic_param": template_campaign_id, "name": name}
        fields.update(send_date_fields(send_date, timezone))
        if sender is not None:
            fields.update(sender=sender, message=message)
        if tag is not None:
            fields["tag"] = tag
        if external_channel:
            fields["external_channel"] = True
        if field_names is not None:
            fields["field_names"] = list(field_names)
        # Spooled whole (rows checked) before the request, then sent with its Content-Length.
        with create_request_body(fields, contacts) as body:
            return self._call(
                CREATE_CAMPAIGN, body=body.open, headers={"Content-Type": "application/json; charset=utf-8"}
            )

    def send_sms(
        self, campaign_id: str, contacts: Sequence[Sequence[Any]], *, external_channel: bool = False
    ) -> list[dict[str, Any]]:
        """Add at most 1000 recipients to a campaign and text them (``POST /v1/campaign/sendsms``).

        Returns ``[{"msisdn", "url"}, ...]``. Not repeated by the hook after a timeout or a 5xx:
        :class:`~airflow_provider_sinch.operators.campaign.SinchSendSmsOperator` checks the
        campaign's recipients before sending again.
        """
        _require(campaign_id=campaign_id)
        body: dict[str, Any] = {"campaign_uuid": campaign_id, "contacts": _check_batch(contacts)}
        if external_channel:
            body["external_channel"] = True
        return self._call(SEND_SMS, json=body).get("contacts", [])

    def generate_landing_pages(
        self, campaign_id: str, contacts: Sequence[Sequence[Any]]
    ) -> list[dict[str, Any]]:
        """Landing pages for at most 1000 recipients of an external-channel campaign."""
        _require(campaign_id=campaign_id)
        body = {"campaign_uuid": campaign_id, "contacts": _check_batch(contacts)}
        return self._call(GENERATE_LANDING_PAGES, json=body).get("contacts", [])

    def create_redirect_campaign(
        self, name: str, target_url: str, contacts: Sequence[Sequence[Any]], *, tag: str | None = None
    ) -> dict[str, Any]:
        """Create a redirect campaign (external channel only) for at most 1000 recipients.

        Returns ``{"campaign_id", "expiration_date", "contacts": [{"key", "target_url", "redirection"}]}``.
        """
        _require(name=name, target_url=target_url)
        body: dict[str, Any] = {"name": name, "target_url": target_url, "contacts": _check_batch(contacts)}
        if tag is not None:
            body["tag"] = tag
        return self._call(CREATE_REDIRECT, json=body)

    def list_campaigns(
        self,
        *,
        start: datetime | str | None = None,
        stop: datetime | str | None = None,
        status: str | CampaignStatus | None = None,
        extended: bool = False,
    ) -> list[CampaignInfo]:
        """Campaigns of the account (``GET /v1/campaigns``), optionally filtered."""
        params: dict[str, str] = {}
        if start is not None:
            params["start"] = to_api_datetime(start)
        if stop is not None:
            params["stop"] = to_api_datetime(stop)
        if status is not None:
            value = status.value if isinstance(status, CampaignStatus) else status
            if value not in {s.value for s in CampaignStatus}:
                raise SinchValidationError(
                    [("status", f"must be one of {[s.value for s in CampaignStatus]}")]
                )
            params["status"] = value
        if extended:
            params["extended"] = "true"
        return self._call(LIST_CAMPAIGNS, params=params) or []

    def get_campaign(self, campaign_id: str) -> CampaignInfo:
        """Campaign info (``GET /v1/campaigns/{id}``): status, send date, validation errors..."""
        _require(campaign_id=campaign_id)
        return self._send(api.get_campaign(campaign_id))

    def check_campaign(self, campaign_id: str, target_statuses: Iterable[str] = ("sent",)) -> PollResult:
        """One status check (:func:`~airflow_provider_sinch.apis.campaign.check_campaign`)."""
        _require(campaign_id=campaign_id)
        return self._run(api.check_campaign(campaign_id, target_statuses))

    def get_campaign_stats(
        self,
        campaign_id: str,
        *,
        start: int | None = None,
        stop: int | None = None,
        columns: Sequence[int] | None = None,
        filters: Sequence[str] | None = None,
        stopped_as_date: bool = False,
    ) -> dict[str, Any]:
        """One page of stats (``GET /v1/campaign/stats``): ``{"summary", "contacts"}``.

        ``start`` (included) and ``stop`` (excluded) are contact indexes.
        """
        _require(campaign_id=campaign_id)
        params: list[tuple[str, Any]] = [("campaign_uuid", campaign_id)]
        if start is not None:
            params.append(("start", start))
        if stop is not None:
            params.append(("stop", stop))
        params += [("columns", c) for c in columns or ()]
        params += [("filters", f) for f in filters or ()]
        if stopped_as_date:
            params.append(("stopped_as_date", 1))
        return self._call(GET_STATS, params=params)

    def iter_campaign_stats(
        self,
        campaign_id: str,
        *,
        page_size: int = 1000,
        columns: Sequence[int] | None = None,
        filters: Sequence[str] | None = None,
        stopped_as_date: bool = False,
    ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Pages of ``(summary, contacts)``, following contact indexes until a short page."""
        if page_size < 1:
            raise SinchValidationError([("page_size", "must be at least 1")])
        index = 0
        while True:
            page = self.get_campaign_stats(
                campaign_id,
                start=index,
                stop=index + page_size,
                columns=columns,
                filters=filters,
                stopped_as_date=stopped_as_date,
            )
            contacts = page.get("contacts") or []
            yield page.get("summary") or {}, contacts
            if len(contacts) < page_size:
                return
            index += page_size

    def get_campaign_log(
        self,
        campaign_id: str,
        start: datetime | str,
        stop: datetime | str,
        *,
        columns: Sequence[int] | None = None,
        types: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Events between ``start`` and ``stop``, both **inclusive** as the API has it (UTC)."""
        _require(campaign_id=campaign_id, start=start, stop=stop)
        params: list[tuple[str, Any]] = [
            ("campaign_uuid", campaign_id),
            ("start", to_api_datetime(start)),
            ("stop", to_api_datetime(stop)),
            *_log_options(columns, types),
        ]
        return self._call(GET_LOG, params=params) or []

    def iter_campaign_log(
        self,
        campaign_id: str,
        start: datetime,
        stop: datetime,
        *,
        window: timedelta | None = None,
        sizing: WindowSizing | None = None,
        **options: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every event with ``start <= datetime < stop``, each exactly once, window by window.

        See :meth:`iter_campaign_log_windows`; this flattens its windows.
        """
        for events in self.iter_campaign_log_windows(
            campaign_id, start, stop, window=window, sizing=sizing, **options
        ):
            yield from events

    def iter_campaign_log_windows(
        self,
        campaign_id: str,
        start: datetime,
        stop: datetime,
        *,
        window: timedelta | None = None,
        sizing: WindowSizing | None = None,
        columns: Sequence[int] | None = None,
        types: Sequence[str] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """The events with ``start <= datetime < stop`` (naive means UTC), one list per request.

        The API's bounds are both inclusive at one-second resolution, so each window asks for
        whole seconds ``[a, b]`` and the next starts at ``b + 1 s``. The first window lasts
        ``window`` (default ten seconds); later ones adapt to the answers
        (:class:`~airflow_provider_sinch.exports.WindowSizing`, which ``sizing`` replaces whole):
        longer while answers are small, shorter when they are large, and an answer over the byte
        bound is not read but asked again in a shorter window.

        :raises SinchValidationError: a window under one second, an unknown event type.
        """
        if window is not None and window < timedelta(seconds=1):
            raise SinchValidationError([("window", "must be at least one second")])
        _require(campaign_id=campaign_id)
        extra = _log_options(columns, types)

        def fetch(first: str, last: str, max_bytes: int | None) -> Answer:
            params = [("campaign_uuid", campaign_id), ("start", first), ("stop", last), *extra]
            response = self._request(GET_LOG, params=params, stream=True)
            body, size = read_limited(response, max_bytes)
            if body is None:
                return None, size
            events = parse_response(GET_LOG, None, response.status_code, response.headers, body)
            return events or [], size

        sizing = sizing or (WindowSizing(first=window) if window else WindowSizing())
        yield from iter_log_windows(fetch, start, stop, sizing)

    def get_campaign_recipients(self, campaign_id: str) -> list[list[Any]]:
        """The campaign's recipients as sent (``GET /v1/campaign/contacts``), rows of values."""
        _require(campaign_id=campaign_id)
        return self._call(GET_RECIPIENTS, params={"campaign_uuid": campaign_id}) or []

    def get_recipient_data(self, contact_id: str) -> list[dict[str, Any]]:
        """One recipient's fields (``GET /v1/campaign/contacts/{contact_id}``): ``[{"name", "value"}]``."""
        _require(contact_id=contact_id)
        return self._call(GET_RECIPIENT_DATA, path_params={"contact_id": contact_id}) or []

    # --- Helpers built on the endpoints --------------------------------------------------------
    def find_campaigns(self, *, tag: str, name: str | None = None) -> list[CampaignInfo]:
        """Campaigns with this exact tag (and name), newest listing order kept."""
        return [
            c
            for c in self.list_campaigns()
            if c.get("tag") == tag and (name is None or c.get("name") == name)
        ]

    def short_link(self, code: str | None) -> str | None:
        base = self.extra.get("short_link_base") or DEFAULT_SHORT_LINK_BASE
        return f"{base.rstrip('/')}/{code}" if code else None
