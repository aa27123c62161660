"""Apache Airflow provider for Sinch's campaign APIs.

Importing this package is cheap: it holds the version and :func:`get_provider_info`, which
Airflow reads through the ``apache_airflow_provider`` entry point without importing any hook.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_PKG = "airflow_provider_sinch"

_TRANSPORT_FIELDS: dict[str, Any] = {
    "timeout": {"label": "Read timeout (s)", "schema": {"type": ["number", "null"], "default": 60}},
    "connect_timeout": {
        "label": "Connect timeout (s)",
        "schema": {"type": ["number", "null"], "default": 10},
    },
    "max_retries": {
        "label": "Max retries (429 / 5xx / connection errors)",
        "schema": {"type": ["integer", "null"], "default": 5},
    },
    "retry_backoff": {"label": "First retry delay (s)", "schema": {"type": ["number", "null"], "default": 1}},
    "retry_backoff_max": {
        "label": "Longest retry delay (s)",
        "schema": {"type": ["number", "null"], "default": 60},
    },
}

#: The port field stays visible: Airflow 3.3's *Test* button sends ``port: 0`` for a connection
#: without one and its API server then refuses the test ("The host or port to test differs from
#: the stored connection"; fixed upstream by apache/airflow#73298). A port typed in the form (443
#: for Sinch) makes a form-made connection testable; the hooks add it to the base URL.
_PORT_LABEL = "API port (443; the Test button needs it)"

_KEY_PAIR_BEHAVIOUR = {
    "hidden-fields": ["schema", "extra"],
    "relabeling": {
        "host": "API base URL",
        "port": _PORT_LABEL,
        "login": "Access key id",
        "password": "Key secret",
    },
}

#: Named ``oauth_url``, not ``token_url``: Airflow masks every extra key containing "token" (see
#: :mod:`airflow_provider_sinch._conn_extra`), and a masked default is saved as ``***``.
_OAUTH_URL_FIELD: dict[str, Any] = {
    "label": "OAuth2 token URL",
    "schema": {"type": ["string", "null"], "default": "https://auth.sinch.com/oauth2/token"},
}


def _modules(kind: str) -> list[str]:
    return [f"{_PKG}.{kind}.campaign", f"{_PKG}.{kind}.short_code", f"{_PKG}.{kind}.ten_dlc"]


def get_provider_info() -> dict[str, Any]:
    """Provider metadata for Airflow's ProvidersManager (validated against its JSON schema in tests)."""
    integration = "Sinch"
    return {
        "package-name": "airflow-provider-sinch",
        "name": "Sinch",
        "description": "Sinch Campaign API, US Short Code Campaigns API and 10DLC Campaign Registration API.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": integration,
                "external-doc-url": "https://developers.sinch.com/",
                "tags": ["service"],
            }
        ],
        "hooks": [{"integration-name": integration, "python-modules": _modules("hooks")}],
        "operators": [{"integration-name": integration, "python-modules": _modules("operators")}],
        "sensors": [{"integration-name": integration, "python-modules": _modules("sensors")}],
        "triggers": [{"integration-name": integration, "python-modules": _modules("triggers")}],
        "extra-links": [
            f"{_PKG}.links.SinchCampaignLink",
            f"{_PKG}.links.SinchShortCodeCampaignLink",
            f"{_PKG}.links.Sinch10DLCCampaignLink",
        ],
        "connection-types": [
            {
                "connection-type": "sinch_campaign",
                "hook-class-name": f"{_PKG}.hooks.campaign.SinchCampaignHook",
                "hook-name": "Sinch Campaign API",
                "conn-fields": {
                    "login_url": {
                        "label": "User login page URL",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "https://us.campaign.sinch.com/api/login",
                        },
                    },
                    **_TRANSPORT_FIELDS,
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "login"],
                    "relabeling": {"host": "API base URL", "port": _PORT_LABEL, "password": "Secret key"},
                    "placeholders": {
                        "host": "https://api.us.campaign.sinch.com",
                        "port": "443",
                        "password": "the secret key exactly as the Sinch Options page shows it",
                    },
                },
            },
            {
                "connection-type": "sinch_us_short_code",
                "hook-class-name": f"{_PKG}.hooks.short_code.SinchShortCodeHook",
                "hook-name": "Sinch US Short Code Campaigns",
                "conn-fields": {
                    "project_id": {"label": "Project id", "schema": {"type": ["string", "null"]}},
                    "oauth_url": _OAUTH_URL_FIELD,
                    "dashboard_url": {
                        "label": "Dashboard link template ({campaign_id}, {project_id})",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "https://dashboard.sinch.com/sms/us-short-codes/campaigns/{campaign_id}",
                        },
                    },
                    **_TRANSPORT_FIELDS,
                },
                "ui-field-behaviour": {
                    **_KEY_PAIR_BEHAVIOUR,
                    "placeholders": {"host": "https://usshortcode.api.sinch.com", "port": "443"},
                },
            },
            {
                "connection-type": "sinch_10dlc",
                "hook-class-name": f"{_PKG}.hooks.ten_dlc.Sinch10DLCHook",
                "hook-name": "Sinch 10DLC Campaign Registration",
                "conn-fields": {
                    "project_id": {"label": "Project id", "schema": {"type": ["string", "null"]}},
                    "auth": {
                        "label": "Authentication",
                        "schema": {
                            "type": ["string", "null"],
                            "default": "oauth2",
                            "enum": ["oauth2", "basic"],
                        },
                    },
                    "oauth_url": _OAUTH_URL_FIELD,
                    "dashboard_url": {
                        "label": "Dashboard link template ({project_id}, {campaign_registration_id})",
                        "schema": {"type": ["string", "null"]},
                    },
                    **_TRANSPORT_FIELDS,
                },
                "ui-field-behaviour": {
                    **_KEY_PAIR_BEHAVIOUR,
                    "placeholders": {"host": "https://us10dlc.numbers.api.sinch.com", "port": "443"},
                },
            },
        ],
    }
