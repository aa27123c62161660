"""What the three Sinch hooks share: connection parsing, the transport, and the async client."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from airflow.sdk import BaseHook

from airflow_provider_sinch._http import HttpSettings, SyncTransport
from airflow_provider_sinch.connections import ConnectionKind, connection_extra

if TYPE_CHECKING:
    import httpx
    import requests
    from airflow.sdk import Connection

    from airflow_provider_sinch._ahttp import AsyncTransport
    from airflow_provider_sinch._auth import SinchAuth
    from airflow_provider_sinch.apis._core import Call, Endpoint, Operation

T = TypeVar("T")

__all__ = ["SinchBaseHook", "connection_extra"]


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

    Subclasses name their API's :class:`~airflow_provider_sinch.connections.ConnectionKind` (how a
    connection becomes a client) and are thin facades over the API layer
    (:mod:`airflow_provider_sinch.apis`): one public method per endpoint over :meth:`_call` /
    :meth:`_send`, and multi-call checks run with :meth:`_run`.

    :param sinch_conn_id: the Airflow connection id.
    :param timeout, connect_timeout, max_retries, retry_backoff, retry_backoff_max, retry_after_max:
        transport options overriding the connection's extra (operators pass them as ``hook_params``).
    """

    conn_name_attr = "sinch_conn_id"
    default_conn_name: ClassVar[str]
    conn_type: ClassVar[str]
    hook_name: ClassVar[str]
    default_host: ClassVar[str]
    connection_kind: ClassVar[ConnectionKind]

    def __init__(self, sinch_conn_id: str | None = None, **hook_params: Any) -> None:
        super().__init__()
        self.sinch_conn_id = sinch_conn_id or self.default_conn_name
        HttpSettings.resolve({}, hook_params)  # fail fast on an unknown option, before any I/O
        self.hook_params = dict(hook_params)

    # --- connection -> transport (the rules live in ``connections``, shared with the triggers) ---
    @classmethod
    def base_url_from(cls, conn: Connection) -> str:
        return cls.connection_kind.base_url(conn)

    @classmethod
    def auth_from(cls, conn: Connection, base_url: str) -> SinchAuth:
        return cls.connection_kind.auth(conn, base_url)

    @classmethod
    def account_key_from(cls, conn: Connection, base_url: str) -> str:
        return cls.connection_kind.account_key(conn, base_url)

    @classmethod
    def settings_from(cls, conn: Connection, hook_params: Mapping[str, Any]) -> HttpSettings:
        return cls.connection_kind.settings(conn, hook_params)

    @classmethod
    def async_transport(
        cls,
        conn: Connection,
        hook_params: Mapping[str, Any] | None = None,
        *,
        mock_transport: httpx.AsyncBaseTransport | None = None,
    ) -> AsyncTransport:
        """An async client for triggers, built from the same connection rules as the sync hook."""
        return cls.connection_kind.async_transport(conn, hook_params, mock_transport=mock_transport)

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

    def _send(self, call: Call) -> Any:
        """Send one API-layer call: its parsed JSON."""
        return self.transport.send(call)

    def _run(self, operation: Operation[T]) -> T:
        """Run one API-layer operation (several calls, written once for hooks and triggers)."""
        return self.transport.run(operation)

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
