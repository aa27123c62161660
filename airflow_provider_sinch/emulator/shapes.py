"""The shapes of the Campaign and 10DLC documents' answers, as JSON Schemas, to check the emulator.

Neither document is machine-readable, so each schema below transcribes one: for 10DLC the
response schemas it prints (types, maximum lengths) and the status codes it lists per
operation; for the Campaign API the fields and types of its answer examples. Properties the
documents name are typed; extra properties are allowed (the documents' examples are not
exhaustive). Checked with ``jsonschema`` (shipped with Airflow).

Transcription choices, where a document contradicts itself:

* 10DLC ``useCase`` in an answer is "string <= 20 characters", yet the request's enum has
  ``PUBLIC_SERVICE_ANNOUNCEMENT`` (27); the maximum is not kept.
* 10DLC lists no 404 for ``:qualify`` and the list, and no 401 anywhere though every operation
  is secured; the emulator's 401 is accepted as the answer the security scheme implies.
"""

from __future__ import annotations

import json
import re
from typing import Any

_STR: dict[str, Any] = {"type": "string"}
_NULLABLE_STR: dict[str, Any] = {"type": ["string", "null"]}
_BOOL: dict[str, Any] = {"type": "boolean"}
_INT: dict[str, Any] = {"type": "integer"}
_NUMBER: dict[str, Any] = {"type": "number"}


def _obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


def _max(length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": length}


# --- 10DLC ------------------------------------------------------------------------------------------
_DATE_TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"}
_MNO_METADATA = {"type": "object", "additionalProperties": {"type": "object"}}
TEN_DLC_CAMPAIGN = _obj(
    {
        "campaignId": _max(7),
        "campaignName": _max(128),
        "campaignRegistrationId": _max(26),
        "createDate": _DATE_TIME,
        "modifiedDate": _DATE_TIME,
        "createdBy": _max(20),
        "modifiedBy": _max(20),
        "autoRenewal": _BOOL,
        "billedDate": _DATE_TIME,
        "brandId": _max(8),
        "vertical": _max(20),
        "useCase": _STR,
        "subUseCases": {"type": "array", "items": _STR},
        "description": _max(4096),
        "embeddedLink": _BOOL,
        "embeddedPhone": _BOOL,
        "affiliateMarketing": _BOOL,
        "numberPool": _BOOL,
        "ageGated": _BOOL,
        "directLending": _BOOL,
        "subscriberOptIn": _BOOL,
        "subscriberOptOut": _BOOL,
        "subscriberHelp": _BOOL,
        "sample1": _max(1024),
        "sample2": _max(1024),
        "sample3": _max(1024),
        "sample4": _max(1024),
        "stopMessage": _max(255),
        "optInMessage": _max(255),
        "helpMessage": _max(255),
        "monthlyFee": _NUMBER,
        "setupFee": _NUMBER,
        "status": {
            "enum": [
                "SINCH_REVIEW",
                "SINCH_APPROVED",
                "SINCH_REJECTED",
                "SUBMITTED",
                "APPROVED",
                "ACTIVE",
                "EXPIRED",
                "REJECTED",
                "SUBMISSION_FAILED",
            ]
        },
        "mnoMetadata": _MNO_METADATA,
        "mock": _BOOL,
        "lastActionStatus": _STR,
        "optinKeywords": _max(255),
        "optoutKeywords": _max(255),
        "helpKeywords": _max(255),
        "messageFlow": _max(2048),
        "nextRenewalOrExpirationDate": _STR,
    }
)
#: The gRPC gateway's error (the document gives codes, not bodies; this is the gateway's shape).
TEN_DLC_ERROR = _obj(
    {
        "code": _INT,
        "message": _STR,
        "details": {"type": "array", "items": {"type": "object"}},
    },
    ("code", "message"),
)
_EMPTY = {"type": "object"}
_STANDARD_ERRORS = (400, 404, 429, 500)
#: (method, path regex after ``/v1/projects/{projectId}``) -> (200 schema, error codes listed).
TEN_DLC: list[tuple[str, re.Pattern[str], dict[str, Any], tuple[int, ...]]] = [
    (
        "POST",
        re.compile(r"^/campaignRegistrations:submit$"),
        _obj({"campaignRegistrationId": _max(26)}, ("campaignRegistrationId",)),
        (400, 429, 500),
    ),
    (
        "GET",
        re.compile(r"^/campaignRegistrations:qualify$"),
        _obj(
            {
                "useCase": _STR,
                "monthlyFee": _NUMBER,
                "setupFee": _NUMBER,
                "minSubUseCases": _NUMBER,
                "maxSubUseCases": _NUMBER,
                "mnoMetadata": _MNO_METADATA,
            }
        ),
        (400, 429, 500),
    ),
    ("GET", re.compile(r"^/campaignRegistrations:fetchByTcrCampaignId$"), TEN_DLC_CAMPAIGN, _STANDARD_ERRORS),
    (
        "GET",
        re.compile(r"^/campaignRegistrations$"),
        _obj(
            {
                "campaignRegistrations": {"type": "array", "items": TEN_DLC_CAMPAIGN},
                "nextPageToken": _STR,
                "totalSize": _INT,
            }
        ),
        (400, 429, 500),
    ),
    (
        "GET",
        re.compile(r"^/campaignRegistrations/[^/]+/feedback$"),
        _obj(
            {
                "campaignRegistrationId": _STR,
                "campaignId": _STR,
                "status": _STR,
                "tcrErrorResponse": {"type": "array", "items": {"type": "object"}},
                "internalErrorResponse": {"type": "array", "items": {"type": "object"}},
            }
        ),
        _STANDARD_ERRORS,
    ),
    ("PUT", re.compile(r"^/campaignRegistrations/[^/]+/resubmit$"), _EMPTY, _STANDARD_ERRORS),
    ("GET", re.compile(r"^/campaignRegistrations/[^/:]+$"), TEN_DLC_CAMPAIGN, _STANDARD_ERRORS),
    # The document's delete path is singular.
    ("DELETE", re.compile(r"^/campaignRegistration/[^/]+$"), _EMPTY, _STANDARD_ERRORS),
]
_TEN_DLC_PREFIX = re.compile(r"^/v1/projects/[^/]+")

# --- Campaign API -----------------------------------------------------------------------------------
_API_DATETIME = {"type": ["string", "null"], "pattern": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"}
#: ``{"errors": {field: [messages]}}``; the stats answer gives a bare string for one field.
CAMPAIGN_ERROR = _obj(
    {
        "success": {"const": False},
        "errors": {
            "anyOf": [
                _STR,
                {
                    "type": "object",
                    "additionalProperties": {"anyOf": [_STR, {"type": "array", "items": _STR}]},
                },
            ]
        },
    },
    ("success", "errors"),
)
_CONVERSATION = {"anyOf": [{"type": "null"}, _obj({"module": _STR, "data": {"type": "object"}})]}
CAMPAIGN_ITEM = _obj(
    {
        "status": {"enum": ["draft", "scheduled", "sending", "sent"]},
        "code": _STR,
        "send_date": _API_DATETIME,
        "name": _STR,
        "message": _NULLABLE_STR,
        "contact_count": _INT,
        "id": _STR,
        "sender": _NULLABLE_STR,
        "is_test": _BOOL,
        "tag": _NULLABLE_STR,
        "connect_tag": _NULLABLE_STR,
        "is_burst": _BOOL,
        "conversation": _CONVERSATION,
    },
    ("status", "code", "send_date", "name", "contact_count", "id"),
)
_OK = {"const": True}
_CONTACT_URLS = {"type": "array", "items": _obj({"msisdn": _STR, "url": _STR}, ("msisdn", "url"))}
_EVENT = _obj(
    {
        "datetime": _API_DATETIME,
        "contact": {"type": "object"},
        "type": {"enum": ["SUBMIT", "DELIVER", "RESPONSE", "VISIT", "OG_PREVIEW", "TRACKER", "FORM"]},
        "data": _obj({"datetime": _API_DATETIME}),
    },
    ("datetime", "contact", "type", "data"),
)
_STATS_CONTACT = _obj(
    {
        "msisdn": _STR,
        "url": _STR,
        "message": _STR,
        "submitted": _API_DATETIME,
        "delivered": _API_DATETIME,
        "stopped": {"type": ["boolean", "string", "null"]},
        "visits": _INT,
        "datetimes": _NULLABLE_STR,
        "preview": {"type": ["boolean", "null"]},
        "user_agent": _NULLABLE_STR,
        "npai": _BOOL,
        "columns": {"type": "array"},
    }
)
#: (method, path regex) -> 200 schema; every route answers 400 / 401 in ``CAMPAIGN_ERROR``'s shape.
CAMPAIGN: list[tuple[str, re.Pattern[str], dict[str, Any]]] = [
    (
        "POST",
        re.compile(r"^/v1/token$"),
        _obj({"access_token": _STR, "expires": _STR, "success": _OK}, ("access_token", "expires")),
    ),
    (
        "POST",
        re.compile(r"^/v1/campaign/create$"),
        _obj(
            {
                "success": _OK,
                "solde": _INT,
                "campaign": _obj(
                    {
                        "uuid": _STR,
                        "url": _STR,
                        "contact_count": _INT,
                        "duplicated_contacts": {"type": "array", "items": _STR},
                        "wrong_contacts": {"type": "array", "items": _STR},
                        "tag": _NULLABLE_STR,
                    },
                    ("uuid", "url", "contact_count", "duplicated_contacts", "wrong_contacts"),
                ),
            },
            ("success", "campaign"),
        ),
    ),
    ("POST", re.compile(r"^/v1/campaign/sendsms$"), _obj({"success": _OK, "contacts": _CONTACT_URLS})),
    (
        "POST",
        re.compile(r"^/v1/campaign/generate-landingpages$"),
        _obj({"success": _OK, "contacts": _CONTACT_URLS}),
    ),
    (
        "POST",
        re.compile(r"^/v1/campaign/create-redirect$"),
        _obj(
            {
                "success": _OK,
                "contacts": {
                    "type": "array",
                    "items": _obj({"key": _STR, "target_url": _STR, "redirection": _STR}),
                },
                "campaign_id": _STR,
                "expiration_date": _STR,
            },
            ("success", "contacts", "campaign_id"),
        ),
    ),
    (
        "GET",
        re.compile(r"^/v1/campaigns$"),
        _obj({"success": _OK, "campaigns": {"type": "array", "items": CAMPAIGN_ITEM}}, ("campaigns",)),
    ),
    (
        "GET",
        re.compile(r"^/v1/campaigns/[^/]+$"),
        _obj(
            {
                "success": _OK,
                "campaign": {
                    "allOf": [
                        CAMPAIGN_ITEM,
                        _obj(
                            {
                                "format": {"enum": ["simple", "rich"]},
                                "validation_errors": {
                                    "type": "object",
                                    "additionalProperties": {"type": "array", "items": _STR},
                                },
                            }
                        ),
                    ]
                },
            },
            ("campaign",),
        ),
    ),
    (
        "GET",
        re.compile(r"^/v1/campaign/stats$"),
        _obj(
            {
                "success": _OK,
                "summary": {"type": "object", "additionalProperties": _INT},
                "contacts": {"type": "array", "items": _STATS_CONTACT},
            },
            ("summary", "contacts"),
        ),
    ),
    (
        "GET",
        re.compile(r"^/v1/campaign/log$"),
        _obj({"success": _OK, "log": {"type": "array", "items": _EVENT}}, ("log",)),
    ),
    (
        "GET",
        re.compile(r"^/v1/campaign/contacts$"),
        _obj({"success": _OK, "contacts": {"type": "array", "items": {"type": "array"}}}, ("contacts",)),
    ),
    (
        "GET",
        re.compile(r"^/v1/campaign/contacts/[^/]+$"),
        _obj(
            {"success": _OK, "fields": {"type": "array", "items": _obj({"name": _STR, "value": {}})}},
            ("fields",),
        ),
    ),
]


def _schema_problems(schema: dict[str, Any], value: Any) -> list[str]:
    from jsonschema import Draft7Validator

    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<body>'}: {error.message}"
        for error in Draft7Validator(schema).iter_errors(value)
    ]


def response_problems(method: str, path: str, status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with a 10DLC or Campaign API answer, judged by its document's shapes.

    :return: readable problems; empty when the answer fits (or the route is not described).
    """
    where = f"{method} {path} -> {status}"
    prefix = _TEN_DLC_PREFIX.match(path)
    rest = path[prefix.end() :] if prefix else ""
    for route_method, regex, schema, errors in TEN_DLC:
        if prefix and route_method == method and regex.match(rest):
            if status == 200:
                return _json_problems(where, content_type, body, schema)
            if status not in (*errors, 401):
                return [f"{where}: the document lists only 200 and {list(errors)} for this operation"]
            return _json_problems(where, content_type, body, TEN_DLC_ERROR)
    for route_method, regex, schema in CAMPAIGN:
        if route_method == method and regex.match(path):
            if status == 200:
                return _json_problems(where, content_type, body, schema)
            # 400: "an API usage error", 401: authentication; 404 for an unknown id in a path.
            if status not in (400, 401, 404):
                return [f"{where}: the document describes only 200, 400 and 401"]
            return _json_problems(where, content_type, body, CAMPAIGN_ERROR)
    return []


def _json_problems(where: str, content_type: str, body: bytes, schema: dict[str, Any]) -> list[str]:
    if not content_type.lower().startswith("application/json"):
        return [f"{where}: Content-Type is {content_type!r}, not application/json"]
    try:
        value = json.loads(body)
    except ValueError:
        return [f"{where}: the body is not JSON"]
    return [f"{where}: {problem}" for problem in _schema_problems(schema, value)]
