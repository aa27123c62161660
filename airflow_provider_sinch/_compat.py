"""Airflow names that moved between the Airflow releases this provider supports.

The package supports ``apache-airflow>=3.1.1`` (``pyproject.toml``); ``make test-min-airflow`` runs
the unit tests and one example DAG on exactly that release. A name whose home changed since 3.1.1
is imported from here, so each fallback is written once:

=====================  =====================================  ==========================
name                   where the newest Airflow has it        fallback before it
=====================  =====================================  ==========================
``conf``               ``airflow.sdk.configuration``          ``airflow.configuration``
                       (task SDK 1.2, Airflow 3.2)
exceptions             ``airflow.sdk.exceptions``             ``airflow.exceptions``
                       (task SDK 1.2, Airflow 3.2)
``amask_secret``       ``airflow.sdk.log`` (task SDK 1.3,     ``mask_secret``, which
                       Airflow 3.3)                           blocks briefly
=====================  =====================================  ==========================

Everything else the package imports from ``airflow.sdk`` (``BaseHook`` and its
``aget_connection``, ``BaseOperator``, ``mask_secret``...) is in task SDK 1.1.1 already.
Type checking reads the newest names (mypy runs against the newest Airflow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from airflow.sdk.configuration import conf
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowOptionalProviderFeatureException,
        AirflowRescheduleException,
        AirflowSensorTimeout,
        AirflowSkipException,
        TaskDeferred,
    )
else:
    try:
        from airflow.sdk.configuration import conf
    except ImportError:  # Airflow 3.1
        from airflow.configuration import conf

    try:
        from airflow.sdk.exceptions import (
            AirflowException,
            AirflowFailException,
            AirflowOptionalProviderFeatureException,
            AirflowRescheduleException,
            AirflowSensorTimeout,
            AirflowSkipException,
            TaskDeferred,
        )
    except ImportError:  # Airflow 3.1
        from airflow.exceptions import (
            AirflowException,
            AirflowFailException,
            AirflowOptionalProviderFeatureException,
            AirflowRescheduleException,
            AirflowSensorTimeout,
            AirflowSkipException,
            TaskDeferred,
        )

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowOptionalProviderFeatureException",
    "AirflowRescheduleException",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "TaskDeferred",
    "amask_secret",
    "conf",
]


async def amask_secret(secret: Any, name: str | None = None) -> None:
    """Mask ``secret`` in every log, from a coroutine (a trigger, the async token code).

    Airflow 3.3's ``airflow.sdk.log.amask_secret`` tells the task's supervisor with an async send,
    so a coroutine that already awaits the supervisor (``aget_connection``) cannot deadlock on it
    and the triggerer's loop is not blocked. Older Airflow has only ``mask_secret``, used then: it
    masks in this process, and its supervisor send fails (and is ignored) on a running loop.

    :param secret: the value to hide (a string, or a dict / list of strings).
    :param name: the field name, which Airflow uses to decide what to mask in nested values.
    """
    try:
        from airflow.sdk.log import amask_secret as _amask_secret
    except ImportError:  # Airflow < 3.3
        from airflow.sdk.log import mask_secret

        mask_secret(secret, name)
    else:
        await _amask_secret(secret, name)
