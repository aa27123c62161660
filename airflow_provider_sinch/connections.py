"""How an Airflow connection becomes a Sinch client: base URL, auth, transport settings, account.

Written once for the hooks (sync) and the triggers (async); imports neither transport nor a
hook, so the triggerer loads no ``requests``. Each API is a :class:`ConnectionKind`:
:data:`CAMPAIGN`, :data:`SHORT_CODE`, :data:`TEN_DLC`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_sinch._auth import (
    BasicKeyAuth,
    CampaignSecretKeyAuth,
    OAuth2ClientCredentials,
    SinchAuth,
)
from airflow_provider_sinch._conn_extra import LEGACY_OAUTH_URL_KEY, OAUTH_URL_KEY, oauth_url_from_extra
from airflow_provider_sinch._transport import HttpSettings
from airflow_provider_sinch.apis import campaign as campaign_api
from airflow_provider_sinch.apis import short_code as short_code_api
from airflow_provider_sinch.apis import ten_dlc as ten_dlc_api
from airflow_provider_sinch.exceptions import SinchValidationError

if TYPE_CHECKING:
    import httpx
    from airflow.sdk import Connection

    from airflow_provider_sinch._ahttp import AsyncTransport

log = logging.getLogger(__name__)

#: The extra keys of the OAuth2 token URL (Short Code and 10DLC connections), all known keys: the
#: form's ``oauth_url`` and the ``token_url`` of connections made before it (see ``_conn_extra``).
TOKEN_URL_KEYS: tuple[str, ...] = (OAUTH_URL_KEY, LEGACY_OAUTH_URL_KEY)


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
    """One Sinch API's connection type and how its connections become clients.

    :param conn_type: the Airflow connection type.
    :param default_host: the API's base URL when the connection's host is empty.
    :param extra_keys: the extra keys this type reads besides the transport options
        (:attr:`HttpSettings.OPTIONS`); any other key is warned about (:meth:`warn_unknown_extra`).
    """

    def __init__(self, conn_type: str, default_host: str, extra_keys: Iterable[str] = ()) -> None:
        self.conn_type = conn_type
        self.default_host = default_host
        self.extra_keys: tuple[str, ...] = (*HttpSettings.OPTIONS, *extra_keys)

    def base_url(self, conn: Connection) -> str:
        """The API's base URL: the connection's host (``https://`` added when it has no scheme) and port.

        The host must be ``scheme://server[:port]`` and nothing more. A path is refused rather than
        stripped: the three API documents give base URLs without a path and every endpoint path
        starts with ``/v1``, so a path is the version typed twice (``.../v1`` -> ``/v1/v1/token``,
        a bare 404), a pasted endpoint URL, or a gateway prefix that none of the documents
        describe. Refusing costs one edit, before any request (so before a secret goes anywhere),
        and the message names the value to type; stripping ``/v1`` would fix only that variant,
        repeat its warning in every task and leave the others to fail with a 404.

        :raises SinchValidationError: a host with a path, a query, a user name or password, no
            server, or a scheme other than ``http`` / ``https``.
        """
        host = (conn.host or "").strip() or self.default_host
        if "://" not in host:
            host = f"https://{host}"
        try:
            parts = urlsplit(host)
            port = parts.port
        except ValueError:  # its text may quote a password: not shown
            raise self._host_error(
                conn, f"{_redacted(host)!r} is not a URL of the form https://server[:port]"
            ) from None
        scheme = parts.scheme.lower()
        # Never echo a user info or a query: either may hold a secret.
        netloc = parts.netloc.rpartition("@")[2]
        shown = f"{scheme}://{netloc}{parts.path}"
        if scheme not in ("http", "https"):
            raise self._host_error(
                conn, f"{shown!r} must start with https:// (or http:// for a local server)"
            )
        if not parts.hostname:
            raise self._host_error(conn, f"{shown!r} names no server")
        if "@" in parts.netloc:
            raise self._host_error(
                conn,
                f"{shown!r} must not hold a user name or password: use the connection's login and password",
            )
        if parts.path.strip("/") or parts.query or parts.fragment:
            what = f"a path ({parts.path!r})" if parts.path.strip("/") else "a query or fragment"
            raise self._host_error(
                conn,
                f"{shown!r} has {what}; the host field takes the API's base URL without a path, "
                f"e.g. '{scheme}://{netloc}' (the provider adds /v1/... itself)",
            )
        if conn.port and port is None:
            netloc = f"{netloc}:{conn.port}"
        return f"{scheme}://{netloc}"

    def _host_error(self, conn: Connection, message: str) -> SinchValidationError:
        return SinchValidationError([("host", message)], context=f"Sinch connection {_conn_id(conn)!r}")

    def unknown_extra_keys(self, extra: Mapping[str, Any]) -> list[str]:
        """The keys of ``extra`` that this connection type does not read, in the extra's order."""
        return [key for key in extra if key not in self.extra_keys]

    def warn_unknown_extra(self, conn: Connection) -> None:
        """Log one warning naming the extra keys this type ignores, the closest known key of each
        (a typo such as ``max_retires`` would otherwise leave the default silently in force), and
        the known keys. Keys only: the extra's values are never logged.
        """
        unknown = self.unknown_extra_keys(connection_extra(conn))
        if not unknown:
            return
        described = []
        for key in unknown:
            close = difflib.get_close_matches(str(key).lower(), self.extra_keys, n=1, cutoff=0.7)
            described.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
        several = len(unknown) > 1
        log.warning(
            "Sinch connection %r (%s): extra key%s %s %s not read by this connection type and %s "
            "ignored. Known keys: %s.",
            _conn_id(conn),
            self.conn_type,
            "s" if several else "",
            ", ".join(described),
            "are" if several else "is",
            "are" if several else "is",
            ", ".join(sorted(self.extra_keys)),
        )

    def auth(self, conn: Connection, base_url: str) -> SinchAuth:
        raise NotImplementedError

    def account_key(self, conn: Connection, base_url: str) -> str:
        """Requests with one key take turns (the API asks for one call at a time per account)."""
        digest = hashlib.sha256(f"{conn.login or ''}|{conn.password or ''}".encode()).hexdigest()[:16]
        return f"{self.conn_type}|{base_url}|{digest}"

    def settings(self, conn: Connection, hook_params: Mapping[str, Any]) -> HttpSettings:
        """Transport settings; also warns about unknown extra keys.

        Every client is built through here once (a hook's transport, a trigger's client), which
        makes it the place for a warning given once per hook or trigger.
        """
        self.warn_unknown_extra(conn)
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
        share_client: bool = True,
    ) -> AsyncTransport:
        """An async client for triggers, built from the same rules as the sync hook's.

        With ``share_client`` (the default) transports of one event loop with the same account and
        timeouts use one ``httpx.AsyncClient``, closed when the last of them is closed.
        """
        from airflow_provider_sinch._ahttp import AsyncTransport

        config = self.client_config(conn, hook_params)
        return AsyncTransport(
            config.base_url,
            auth=config.auth,
            settings=config.settings,
            account_key=config.account_key,
            mock_transport=mock_transport,
            share_client=share_client,
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


def _conn_id(conn: Connection) -> str | None:
    return getattr(conn, "conn_id", None)


def _redacted(url: str) -> str:
    """``url`` without its user info and query, which may hold secrets, for an error message."""
    scheme, sep, rest = url.partition("://")
    # Everything up to the last "@" goes, even past a "/": a password may hold one.
    return scheme + sep + rest.split("?")[0].split("#")[0].rpartition("@")[2]


# The extra keys each type reads (here and in its hook); tests/test_connections.py checks that every
# key the package reads is listed.
CAMPAIGN: ConnectionKind = _CampaignKind(
    "sinch_campaign", campaign_api.DEFAULT_HOST, ("login_url", "short_link_base")
)
SHORT_CODE: ConnectionKind = _ShortCodeKind(
    "sinch_us_short_code", short_code_api.DEFAULT_HOST, ("project_id", *TOKEN_URL_KEYS, "dashboard_url")
)
TEN_DLC: ConnectionKind = _TenDLCKind(
    "sinch_10dlc", ten_dlc_api.DEFAULT_HOST, ("project_id", "auth", *TOKEN_URL_KEYS, "dashboard_url")
)
