"""Operator extra links: buttons on the task page that open the Sinch resource a task worked on.

Operators push the URL to XCom (under ``url_xcom_key``) before any waiting, so the button
works even when the wait fails. Airflow evaluates the link on the worker at the end of the try.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.sdk import BaseOperator
    from airflow.sdk.types import TaskInstanceKey


class _SinchXComLink(BaseOperatorLink):
    url_xcom_key: str = ""

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from airflow.sdk.execution_time.xcom import XCom

        value: Any = XCom.get_value(ti_key=ti_key, key=self.url_xcom_key)
        return value if isinstance(value, str) else ""


class SinchCampaignLink(_SinchXComLink):
    """The campaign's Sinch link (``https://rsms.us/<code>``), pushed as ``campaign_url``."""

    name = "Sinch campaign"
    url_xcom_key = "campaign_url"


class SinchShortCodeCampaignLink(_SinchXComLink):
    """The US Short Code campaign in Sinch's dashboard, pushed as ``short_code_campaign_url``."""

    name = "Sinch short code campaign"
    url_xcom_key = "short_code_campaign_url"


class Sinch10DLCCampaignLink(_SinchXComLink):
    """The 10DLC campaign registration in Sinch's dashboard, pushed as ``ten_dlc_campaign_url``."""

    name = "Sinch 10DLC campaign"
    url_xcom_key = "ten_dlc_campaign_url"
