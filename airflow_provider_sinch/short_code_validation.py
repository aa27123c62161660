"""Rules of the US Short Code Campaigns API, checked before any request (pure, cheap to import).

The operators import this module at DAG-parse time; the hook, and with it ``requests``, only
when a task runs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from airflow_provider_sinch.exceptions import SinchValidationError
from airflow_provider_sinch.statuses import ShortCodeCampaignStatus

log = logging.getLogger(__name__)

# --- Rules the document states ----------------------------------------------------------------
TRAFFIC_CHARGES = ("STANDARD", "FREE_TO_END_USER")
MESSAGE_TYPES = ("SMS", "MMS_VIDEO", "MMS_AUDIO", "MMS_IMAGE")
CONTENT_TYPES = (
    "CHAT",
    "COUPONS",
    "ENTERTAINMENT_ALERTS",
    "INFORMATIONAL_ALERTS",
    "SWEEPSTAKES",
    "TRIVIA",
    "TWO_FACTOR_AUTHENTICATION",
    "VOTING_POLLING",
)
SUBSCRIPTION_TYPES = ("ONE_TIME", "SUBSCRIPTION")
OPT_OUT_KEYWORDS = ("STOP", "END", "CANCEL", "UNSUBSCRIBE", "QUIT", "REVOKE", "OPTOUT", "OPT-OUT")
MAX_NAME_LENGTH = 100
MAX_OPT_OUT_KEYWORDS_LENGTH = 100
#: ``CreateNoteRequest.text``: "Max length is 1000 characters."
MAX_NOTE_LENGTH = 1000
REQUIRED_FIELDS = ("name", "trafficCharge", "scRequested")
#: The properties of ``EditCampaignRequest``.
EDIT_CAMPAIGN_FIELDS = frozenset(
    {
        "name",
        "description",
        "trafficCharge",
        "contactEmails",
        "complianceEmails",
        "scRequested",
        "brandId",
        "shortCodes",
        "carrierIds",
        "customerCare",
        "contentDefinitions",
        "termsAndConditions",
        "privacyPolicy",
        "isMigrated",
        "callbackUrl",
        "notes",
    }
)
ORDER_BY_FIELDS = ("campaignId", "status", "createDate", "updateDate")
ORDER_DIRECTIONS = ("asc", "desc")
#: Statuses from which a campaign can be edited or submitted.
EDITABLE_STATUSES = frozenset(
    {ShortCodeCampaignStatus.DRAFT.value, ShortCodeCampaignStatus.AWAITING_CLIENT_UPDATE.value}
)
#: Statuses from which a campaign can be cancelled.
CANCELLABLE_STATUSES = frozenset(
    {
        ShortCodeCampaignStatus.DRAFT.value,
        ShortCodeCampaignStatus.PENDING_REVIEW.value,
        ShortCodeCampaignStatus.AWAITING_CLIENT_UPDATE.value,
    }
)


# --- Validation (pure, before any request) -----------------------------------------------------
def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


def _check_enum(violations: list[tuple[str, str]], field: str, value: Any, allowed: Sequence[str]) -> None:
    if value is not None and value not in allowed:
        violations.append((field, f"must be one of {list(allowed)}, got {value!r}"))


def _check_str_list(
    violations: list[tuple[str, str]], field: str, value: Any, *, email: bool = False
) -> None:
    if value is None:
        return
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        violations.append((field, f"must be a list of strings, got {value!r}"))
        return
    if email:
        bad = [v for v in value if "@" not in v]
        if bad:
            violations.append((field, f"{bad} are not email addresses"))


def _check_url_or_text(violations: list[tuple[str, str]], field: str, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        violations.append((field, f"must be an object with 'url' and/or 'text', got {value!r}"))
        return
    url = value.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        violations.append((f"{field}.url", f"must be an http(s) URL, got {url!r}"))


def validate_campaign_request(campaign: Any) -> list[tuple[str, str]]:
    """Every way ``campaign`` breaks the document's ``EditCampaignRequest``: required fields, enums,
    lengths and types. Empty when it is fine. Fields the document does not name are only logged.
    """
    if not isinstance(campaign, Mapping):
        return [("campaign", f"must be a dict (the EditCampaignRequest body), got {type(campaign).__name__}")]
    violations: list[tuple[str, str]] = []
    for required in REQUIRED_FIELDS:
        if is_blank(campaign.get(required)):
            violations.append((required, "is required"))
    name = campaign.get("name")
    if name is not None and not isinstance(name, str):
        violations.append(("name", f"must be a string, got {name!r}"))
    elif isinstance(name, str) and len(name) > MAX_NAME_LENGTH:
        violations.append(("name", f"is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"))
    _check_enum(violations, "trafficCharge", campaign.get("trafficCharge"), TRAFFIC_CHARGES)
    for flag in ("scRequested", "isMigrated"):
        value = campaign.get(flag)
        if value is not None and not isinstance(value, bool):
            violations.append((flag, f"must be true or false, got {value!r}"))
    for field in ("brandId", "shortCodes", "description"):
        value = campaign.get(field)
        if value is not None and not isinstance(value, str):
            violations.append((field, f"must be a string, got {value!r}"))
    _check_str_list(violations, "carrierIds", campaign.get("carrierIds"))
    _check_str_list(violations, "notes", campaign.get("notes"))
    _check_str_list(violations, "complianceEmails", campaign.get("complianceEmails"), email=True)
    _check_str_list(violations, "contactEmails", campaign.get("contactEmails"), email=True)
    callback_url = campaign.get("callbackUrl")
    if callback_url is not None and not (
        isinstance(callback_url, str) and callback_url.startswith(("http://", "https://"))
    ):
        violations.append(("callbackUrl", f"must be an http(s) URL, got {callback_url!r}"))
    _check_url_or_text(violations, "termsAndConditions", campaign.get("termsAndConditions"))
    _check_url_or_text(violations, "privacyPolicy", campaign.get("privacyPolicy"))
    care = campaign.get("customerCare")
    if care is not None:
        if not isinstance(care, Mapping):
            violations.append(("customerCare", f"must be an object, got {care!r}"))
        else:
            keywords = care.get("optOutKeywords")
            if isinstance(keywords, str):
                if len(keywords) > MAX_OPT_OUT_KEYWORDS_LENGTH:
                    violations.append(
                        (
                            "customerCare.optOutKeywords",
                            f"is {len(keywords)} characters long; the limit is {MAX_OPT_OUT_KEYWORDS_LENGTH}",
                        )
                    )
                unknown = [
                    k
                    for k in (w.strip() for w in keywords.split(","))
                    if k and k.upper() not in OPT_OUT_KEYWORDS
                ]
                if unknown:
                    violations.append(
                        (
                            "customerCare.optOutKeywords",
                            f"{unknown} are not accepted opt-out keywords; use {list(OPT_OUT_KEYWORDS)}",
                        )
                    )
            elif keywords is not None:
                violations.append(
                    ("customerCare.optOutKeywords", f"must be a comma-separated string, got {keywords!r}")
                )
    definitions = campaign.get("contentDefinitions")
    if definitions is not None:
        if not isinstance(definitions, (list, tuple)):
            violations.append(("contentDefinitions", f"must be a list, got {definitions!r}"))
        else:
            for index, definition in enumerate(definitions):
                where = f"contentDefinitions[{index}]"
                if not isinstance(definition, Mapping):
                    violations.append((where, f"must be an object, got {definition!r}"))
                    continue
                _check_enum(violations, f"{where}.messageType", definition.get("messageType"), MESSAGE_TYPES)
                _check_enum(violations, f"{where}.contentType", definition.get("contentType"), CONTENT_TYPES)
                _check_enum(
                    violations,
                    f"{where}.subscriptionType",
                    definition.get("subscriptionType"),
                    SUBSCRIPTION_TYPES,
                )
    unknown_fields = sorted(set(campaign) - EDIT_CAMPAIGN_FIELDS)
    if unknown_fields:
        log.warning(
            "campaign has fields the API document does not name (sent anyway): %s; known: %s",
            unknown_fields,
            sorted(EDIT_CAMPAIGN_FIELDS),
        )
    return violations


def submission_problems(campaign: Mapping[str, Any]) -> list[tuple[str, str]]:
    """What the document plainly says a campaign needs at submission time and ``campaign`` lacks.

    ``campaign`` is the ``Campaign`` as Sinch holds it (``get_campaign``). The rules come from
    the schema descriptions: at least one content definition, customer care, terms and
    conditions, privacy policy and compliance emails are "mandatory at submission time"; a brand
    is required when ``scRequested`` is true (``ScRequested`` and ``BrandId`` agree); a migrated
    campaign needs its letter attached ("Attachments are needed when ... migrating a campaign").

    What the document contradicts itself on is not refused: :func:`submission_warnings` lists
    it, and it is logged here as a warning, so that Sinch decides.
    """
    problems: list[tuple[str, str]] = []
    if not campaign.get("contentDefinitions"):
        problems.append(("contentDefinitions", "at least one content definition is required to submit"))
    if not campaign.get("customerCare"):
        problems.append(
            (
                "customerCare",
                "customer care (opt-out keywords and texts, help text, contact) is required to submit",
            )
        )
    for field, label in (("termsAndConditions", "terms and conditions"), ("privacyPolicy", "privacy policy")):
        value = campaign.get(field) or {}
        if not (isinstance(value, Mapping) and (value.get("url") or value.get("text"))):
            problems.append((field, f"the {label} URL or text is required to submit"))
    if not campaign.get("complianceEmails"):
        problems.append(("complianceEmails", "at least one compliance email is required to submit"))
    if campaign.get("scRequested") is True and not campaign.get("brandId"):
        problems.append(
            (
                "brandId",
                "a US_SHORT_CODE_REGISTRY brand id is required when Sinch leases the short code "
                "(scRequested true)",
            )
        )
    if campaign.get("isMigrated") is True and not campaign.get("campaignAttachments"):
        problems.append(("campaignAttachments", "attach the migration letter before submitting"))
    for field, message in submission_warnings(campaign):
        log.warning("Submitting anyway, Sinch decides: %s: %s", field, message)
    return problems


def submission_warnings(campaign: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Submission requirements the document states only ambiguously, that ``campaign`` may miss.

    The ``ShortCodes`` description says the short code "must be provided when sc_requested is
    false", then that customers with their own short code have ``sc_requested=true`` (and attach
    its latest receipt) while with ``sc_requested=false`` Sinch leases it and "this field should
    be blank"; ``ScRequested`` says true means Sinch leases one. So with ``scRequested`` false,
    whether a short code and its receipt are needed is not clear: worth a warning, not a refusal.
    """
    warnings: list[tuple[str, str]] = []
    if campaign.get("scRequested") is False:
        if not campaign.get("shortCodes"):
            warnings.append(
                (
                    "shortCodes",
                    "scRequested is false and no short code is given; the document says both that it "
                    "must then be provided and that it stays blank when Sinch leases the code",
                )
            )
        # A migrated campaign's attachment is a plain requirement (see submission_problems).
        if not campaign.get("campaignAttachments") and campaign.get("isMigrated") is not True:
            warnings.append(
                (
                    "campaignAttachments",
                    "scRequested is false and nothing is attached; if the short code is your own, "
                    "Sinch asks for its latest receipt",
                )
            )
    return warnings


def check_note_text(text: Any, field: str = "text") -> str:
    """The note text, or a :class:`SinchValidationError` naming the 1000-character limit."""
    if not isinstance(text, str) or not text.strip():
        raise SinchValidationError([(field, "is required: the note's text")])
    if len(text) > MAX_NOTE_LENGTH:
        raise SinchValidationError(
            [(field, f"is {len(text)} characters long; Sinch accepts at most {MAX_NOTE_LENGTH} per note")]
        )
    return text


def short_code_filters(short_codes: str | Sequence[str] | None) -> list[str]:
    """The ``shortCodes`` values to list campaigns by, one request each.

    ``listCampaigns`` documents ``shortCodes`` as one string ("Filter campaigns based on the
    short code assigned"), not a list, and says nothing of separators. So several codes are
    never joined into one value: each is sent alone, in a listing of its own
    (:func:`each_campaign_once` merges them). One string is sent as given.
    """
    if not short_codes:
        return []
    if isinstance(short_codes, str):
        return [short_codes]
    return list(dict.fromkeys(str(code) for code in short_codes if str(code)))


def each_campaign_once(listings: Iterable[Iterator[Mapping[str, Any]]]) -> Iterator[Any]:
    """The campaigns of several listings in turn, each campaign (by ``id``) once."""
    seen: set[Any] = set()
    for listing in listings:
        for campaign in listing:
            if campaign.get("id") not in seen:
                seen.add(campaign.get("id"))
                yield campaign


def require_fields(**values: Any) -> None:
    missing = [(name, "is required") for name, value in values.items() if is_blank(value)]
    if missing:
        raise SinchValidationError(missing)
