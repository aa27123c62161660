"""What the three Sinch hooks share: connection parsing, the transport, and the async client."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from airflow.sdk import BaseHook

from airflow_provider_sinch._http import AsyncTransport, Endpoint, HttpSettings, SyncTransport

if TYPE_CHECKING:
    import httpx
    import requests
    from airflow.sdk import Connection

    from airflow_provider_sinch._auth import SinchAuth


def connection_extra(conn: Connection) -> dict[str, Any]:
    """The connection's extra as a dict, accepting the ``extra__<type>__<field>`` legacy prefix."""
    raw = conn.extra_dejson if hasattr(conn, "extra_dejson") else json.loads(conn.extra or "{}")
    extra: dict[str, Any] = {}
    prefix = f"extra__{conn.conn_type}__"
    for key, value in (raw or {}).items():
        extra[key[len(prefix) :] if key.startswith(prefix) else key] = value
    return extra


def _connection_type_info(conn_type: str) -> dict[str, Any]:
    from airflow_provider_sinch import get_provider_info

    return next(c for c in get_provider_info()["connection-types"] if c["connection-type"] == conn_type)


def _ui_field_behaviour(cls: type[SinchBaseHook]) -> dict[str, Any]:
    """The provider info's ``ui-field-behaviour`` in the hook-method form (Airflow < 3.2)."""
    behaviour = _connection_type_info(cls.conn_type)["ui-field-behaviour"]
    return {
        "hidden_fields": behaviour.get("hidden-fields", []),
        "relabeling": behaviour.get("relabeling", {}),
        "placeholders": behaviour.get("placeholders", {}),
    }


def _connection_form_widgets(cls: type[SinchBaseHook]) -> dict[str, Any]:
    """The provider info's ``conn-fields`` as wtforms fields (Airflow < 3.2, which needs them)."""
    try:
        from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
        from flask_babel import lazy_gettext
        from wtforms import IntegerField, PasswordField, StringField
    except ImportError:  # Airflow 3.2+ renders the form from the provider info instead
        return {}
    widgets: dict[str, Any] = {}
    for name, field in _connection_type_info(cls.conn_type)["conn-fields"].items():
        schema = field.get("schema", {})
        label = lazy_gettext(field["label"])
        if schema.get("format") == "password":
            widgets[name] = PasswordField(label, widget=BS3PasswordFieldWidget())
        elif "integer" in schema.get("type", []):
            widgets[name] = IntegerField(label, widget=BS3TextFieldWidget(), default=schema.get("default"))
        else:
            widgets[name] = StringField(label, widget=BS3TextFieldWidget(), default=schema.get("default"))
    return widgets


class SinchBaseHook(BaseHook):
    """Base hook: one :class:`SyncTransport` (one ``requests.Session``) for the hook's life.

    Subclasses say how a connection becomes an auth strategy and a base URL, and describe each
    endpoint as an :class:`Endpoint`; their public methods are thin wrappers over :meth:`_call`.

    :param sinch_conn_id: the Airflow connection id.
    :param timeout, connect_timeout, max_retries, retry_backoff, retry_backoff_max, retry_after_max:
        transport options overriding the connection's extra (operators pass them as ``hook_params``).
    """

    conn_name_attr = "sinch_conn_id"
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]
    default_host: ClassVar[str]

    def __init__(self, sinch_conn_id: str | None = None, **hook_params: Any) -> None:
        super().__init__()
        self.sinch_conn_id = sinch_conn_id or self.default_conn_name
        HttpSettings.resolve({}, hook_params)  # fail fast on an unknown option, before any I/O
        self.hook_params = dict(hook_params)

    # --- connection -> transport (shared by sync and async paths) ---------------------------
    @classmethod
    def base_url_from(cls, conn: Connection) -> str:
        host = (conn.host or "").strip() or cls.default_host
        if "://" not in host:
            host = f"https://{host}"
        if conn.port and host.count(":") < 2:
            host = f"{host.rstrip('/')}:{conn.port}"
        return host.rstrip("/")

    @classmethod
    def auth_from(cls, conn: Connection, base_url: str) -> SinchAuth:
        raise NotImplementedError

    @classmethod
    def account_key_from(cls, conn: Connection, base_url: str) -> str:
        digest = hashlib.sha256(f"{conn.login or ''}|{conn.password or ''}".encode()).hexdigest()[:16]
        return f"{cls.conn_type}|{base_url}|{digest}"

    @classmethod
    def settings_from(cls, conn: Connection, hook_params: Mapping[str, Any]) -> HttpSettings:
        return HttpSettings.resolve(connection_extra(conn), hook_params)

    @classmethod
    def async_transport(
        cls,
        conn: Connection,
        hook_params: Mapping[str, Any] | None = None,
        *,
        mock_transport: httpx.AsyncBaseTransport | None = None,
    ) -> AsyncTransport:
        """An async client for triggers, built from the same connection rules as the sync hook."""
        base_url = cls.base_url_from(conn)
        return AsyncTransport(
            base_url,
            auth=cls.auth_from(conn, base_url),
            settings=cls.settings_from(conn, hook_params or {}),
            account_key=cls.account_key_from(conn, base_url),
            mock_transport=mock_transport,
        )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Airflow < 3.2 reads the connection form from these two methods, and only when the hook
        # class defines them itself (not inherited): give every concrete hook its own copy.
        if "conn_type" in cls.__dict__:
            cls.get_ui_field_behaviour = classmethod(_ui_field_behaviour)  # type: ignore[method-assign,assignment]
            cls.get_connection_form_widgets = classmethod(_connection_form_widgets)  # type: ignore[method-assign,assignment]

    @cached_property
    def connection(self) -> Connection:
        return self.get_connection(self.sinch_conn_id)

    @cached_property
    def extra(self) -> dict[str, Any]:
        return connection_extra(self.connection)

    @cached_property
    def base_url(self) -> str:
        return self.base_url_from(self.connection)

    @cached_property
    def transport(self) -> SyncTransport:
        conn = self.connection
        return SyncTransport(
            self.base_url,
            auth=self.auth_from(conn, self.base_url),
            settings=self.settings_from(conn, self.hook_params),
            account_key=self.account_key_from(conn, self.base_url),
        )

    def get_conn(self) -> requests.Session:
        """The hook's ``requests.Session`` (authenticated through the transport's auth)."""
        return self.transport.session

    def close(self) -> None:
        if "transport" in self.__dict__:
            self.transport.close()
            del self.__dict__["transport"]

    def _call(self, endpoint: Endpoint, **kwargs: Any) -> Any:
        """The hook's one request path: parsed JSON of ``endpoint``, typed errors otherwise."""
        return self.transport.call(endpoint, **kwargs)

    def _request(self, endpoint: Endpoint, **kwargs: Any) -> requests.Response:
        """Like :meth:`_call` but returns the raw response (downloads)."""
        return self.transport.request(endpoint, **kwargs)

    def test_connection(self) -> tuple[bool, str]:
        """Used by the UI's *Test* button: one cheap authenticated call."""
        try:
            message = self._test_call()
        except Exception as exc:
            return False, str(exc)
        return True, message

    def _test_call(self) -> str:
        raise NotImplementedError
