"""How an Airflow connection becomes a Sinch client: base URL, auth, transport settings, account.

Written once for the hooks (sync) and the triggers (async); imports neither transport nor a
hook, so the triggerer loads no ``requests``. Each API is a :class:`ConnectionKind`:
:data:`CAMPAIGN`, :data:`SHORT_CODE`, :data:`TEN_DLC`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_provider_sinch._auth import (
    BasicKeyAuth,
    CampaignSecretKeyAuth,
    OAuth2ClientCredentials,
    SinchAuth,
)
from airflow_provider_sinch._conn_extra import oauth_url_from_extra
from airflow_provider_sinch._transport import HttpSettings
from airflow_provider_sinch.apis import campaign as campaign_api
from airflow_provider_sinch.apis import short_code as short_code_api
from airflow_provider_sinch.apis import ten_dlc as ten_dlc_api
from airflow_provider_sinch.exceptions import SinchValidationError

if TYPE_CHECKING:
    import httpx
    from airflow.sdk import Connection

    from airflow_provider_sinch._ahttp import AsyncTransport


def connection_extra(conn: Connection) -> dict[str, Any]:
    """The connection's extra as a dict, accepting the ``extra__<type>__<field>`` legacy prefix."""
    raw = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
    extra: dict[str, Any] = {}
    prefix = f"extra__{conn.conn_type}__"
    for key, value in (raw or {}).items():
        extra[key[len(prefix) :] if key.startswith(prefix) else key] = value
    return extra


@dataclass(frozen=True)
class ClientConfig:
    """What a transport needs, read from one connection."""

    base_url: str
    auth: SinchAuth
    settings: HttpSettings
    account_key: str


class ConnectionKind:
    """One Sinch API's connection type and how its connections become clients."""

    def __init__(self, conn_type: str, default_host: str) -> None:
        self.conn_type = conn_type
        self.default_host = default_host

    def base_url(self, conn: Connection) -> str:
        host = (conn.host or "").strip() or self.default_host
        if "://" not in host:
            host = f"https://{host}"
        if conn.port and host.count(":") < 2:
            host = f"{host.rstrip('/')}:{conn.port}"
        return host.rstrip("/")

    def auth(self, conn: Connection, base_url: str) -> SinchAuth:
        raise NotImplementedError

    def account_key(self, conn: Connection, base_url: str) -> str:
        """Requests with one key take turns (the API asks for one call at a time per account)."""
        digest = hashlib.sha256(f"{conn.login or ''}|{conn.password or ''}".encode()).hexdigest()[:16]
        return f"{self.conn_type}|{base_url}|{digest}"

    def settings(self, conn: Connection, hook_params: Mapping[str, Any]) -> HttpSettings:
        return HttpSettings.resolve(connection_extra(conn), hook_params)

    def client_config(self, conn: Connection, hook_params: Mapping[str, Any] | None = None) -> ClientConfig:
        base_url = self.base_url(conn)
        return ClientConfig(
            base_url=base_url,
            auth=self.auth(conn, base_url),
            settings=self.settings(conn, hook_params or {}),
            account_key=self.account_key(conn, base_url),
        )

    def async_transport(
        self,
        conn: Connection,
        hook_params: Mapping[str, Any] | None = None,
        *,
        mock_transport: httpx.AsyncBaseTransport | None = None,
    ) -> AsyncTransport:
        """An async client for triggers, built from the same rules as the sync hook's."""
        from airflow_provider_sinch._ahttp import AsyncTransport

        config = self.client_config(conn, hook_params)
        return AsyncTransport(
            config.base_url,
            auth=config.auth,
            settings=config.settings,
            account_key=config.account_key,
            mock_transport=mock_transport,
        )


class _CampaignKind(ConnectionKind):
    def auth(self, conn: Connection, base_url: str) -> SinchAuth:
        return CampaignSecretKeyAuth(conn.password or "", token_url=f"{base_url}{campaign_api.TOKEN.path}")


def oauth2_token_url(extra: Mapping[str, Any]) -> str:
    """The OAuth2 token URL of a Short Code or 10DLC connection's extra, or Sinch's default."""
    return oauth_url_from_extra(extra) or OAuth2ClientCredentials.DEFAULT_TOKEN_URL


class _ShortCodeKind(ConnectionKind):
    def auth(self, conn: Connection, base_url: str) -> SinchAuth:
        token_url = oauth2_token_url(connection_extra(conn))
        return OAuth2ClientCredentials(conn.login or "", conn.password or "", token_url)


#: 10DLC accepts Basic on every request or an OAuth2 bearer token (the connection extra ``auth``).
TEN_DLC_AUTH_MODES = ("oauth2", "basic")


class _TenDLCKind(ConnectionKind):
    def auth(self, conn: Connection, base_url: str) -> SinchAuth:
        extra = connection_extra(conn)
        mode = str(extra.get("auth") or "oauth2").strip().lower()
        if mode == "basic":
            return BasicKeyAuth(conn.login or "", conn.password or "")
        if mode == "oauth2":
            return OAuth2ClientCredentials(conn.login or "", conn.password or "", oauth2_token_url(extra))
        raise SinchValidationError([("auth", f"must be one of {list(TEN_DLC_AUTH_MODES)}, got {mode!r}")])


CAMPAIGN: ConnectionKind = _CampaignKind("sinch_campaign", campaign_api.DEFAULT_HOST)
SHORT_CODE: ConnectionKind = _ShortCodeKind("sinch_us_short_code", short_code_api.DEFAULT_HOST)
TEN_DLC: ConnectionKind = _TenDLCKind("sinch_10dlc", ten_dlc_api.DEFAULT_HOST)
