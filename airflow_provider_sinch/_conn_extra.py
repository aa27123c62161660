"""Connection extra keys that Airflow's UI must not mask.

Airflow masks the value of every connection extra key whose name contains a sensitive word
(``token``, ``secret``, ``dsn``, ...; see ``airflow._shared.secrets_masker``), also in the form's
defaults. The OAuth2 token URL used to live under ``token_url``: the form then showed its default
as ``***`` and saving the form stored ``"***"``, which broke every call. The form now writes
``oauth_url``; connections made before still work through ``token_url``, and a ``"***"`` left by
the old form is ignored (with a warning saying which field to retype).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger(__name__)

#: The extra key of the OAuth2 token URL (Short Code and 10DLC connections), as the form writes it.
OAUTH_URL_KEY = "oauth_url"
#: The key connections made with provider 0.1 use; still read when ``oauth_url`` is absent.
LEGACY_OAUTH_URL_KEY = "token_url"
#: What Airflow's UI shows, and a saved form may store, in place of a masked value.
MASKED_VALUE = "***"


def oauth_url_from_extra(extra: Mapping[str, Any]) -> str | None:
    """The OAuth2 token URL a connection's extra sets, or ``None`` for the default.

    ``oauth_url`` wins over the legacy ``token_url``; blank values and the masked ``"***"`` count
    as unset.

    :param extra: the connection's extra as a dict (``connection_extra(conn)``).
    :return: the URL, stripped, or ``None`` when neither key holds a usable value.
    """
    for key in (OAUTH_URL_KEY, LEGACY_OAUTH_URL_KEY):
        value = extra.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        if value.strip() == MASKED_VALUE:
            log.warning(
                "The connection's extra %r holds %r (saved from a form that masked it): it is ignored. "
                "Retype the 'OAuth2 token URL' field, or leave it empty for Sinch's default.",
                key,
                MASKED_VALUE,
            )
            continue
        return value.strip()
    return None
