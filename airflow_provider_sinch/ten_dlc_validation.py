"""The 10DLC submit request's rules, checked before anything is sent (a submit is paid).

Every rule comes from the request body schema of ``campaignRegistrations:submit`` in
``../shared/api/10dlc-campaign-registration-api.txt``. :func:`submit_violations` returns ALL
broken rules at once; :func:`prepare_submit` adds the documented boolean defaults and raises
:class:`~airflow_provider_sinch.exceptions.SinchValidationError` with every violation.

"Required" is read as the document states it: the key must be sent. An empty string is then
judged by the field's length bounds, so ``sample2`` (no minimum) may be ``""`` while
``description`` (40 characters at least) may not.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_provider_sinch.exceptions import SinchValidationError

log = logging.getLogger(__name__)

#: ``useCase`` (Campaign Usecase Type); the last nine are "special" use cases.
USE_CASES = (
    "2FA",
    "ACCOUNT_NOTIFICATION",
    "CUSTOMER_CARE",
    "DELIVERY_NOTIFICATION",
    "FRAUD_ALERT",
    "HIGHER_EDUCATION",
    "LOW_VOLUME",
    "MARKETING",
    "MIXED",
    "POLLING_VOTING",
    "PUBLIC_SERVICE_ANNOUNCEMENT",
    "SECURITY_ALERT",
    "AGENTS_FRANCHISES",
    "CARRIER_EXEMPT",
    "CHARITY",
    "EMERGENCY",
    "K12_EDUCATION",
    "POLITICAL",
    "PROXY",
    "SOCIAL",
    "SWEEPSTAKE",
)

#: ``subUseCases`` items (v1alpha1CampaignSubUseCaseType).
SUB_USE_CASES = (
    "2FA",
    "ACCOUNT_NOTIFICATION",
    "CUSTOMER_CARE",
    "DELIVERY_NOTIFICATION",
    "FRAUD_ALERT",
    "HIGHER_EDUCATION",
    "MARKETING",
    "POLLING_VOTING",
    "PUBLIC_SERVICE_ANNOUNCEMENT",
    "SECURITY_ALERT",
)

#: "Choose between 2 and 5 sub use cases" for a MIXED campaign.
MIXED_SUB_USE_CASES = (2, 5)

#: The MNOs the resubmit endpoint accepts ("ATT, TMO, USC, VZW"; an empty list means all).
MNOS = ("ATT", "TMO", "USC", "VZW")

BRAND_ID_MAX = 8

#: String fields: (required, minimum length, maximum length).
STRING_FIELDS: dict[str, tuple[bool, int, int | None]] = {
    "brandId": (True, 0, BRAND_ID_MAX),
    "useCase": (True, 0, None),
    "campaignName": (True, 0, 128),
    "description": (True, 40, 4096),
    "sample1": (True, 20, 1024),
    "sample2": (True, 0, 1024),
    "sample3": (True, 0, 1024),
    "sample4": (False, 0, 1024),
    "stopMessage": (True, 20, 255),
    "optInMessage": (True, 20, 255),
    "helpMessage": (True, 20, 255),
    "optinKeywords": (True, 0, 255),
    "optoutKeywords": (True, 0, 255),
    "helpKeywords": (True, 0, 255),
    "messageFlow": (True, 40, 2048),
    "vertical": (False, 0, None),
}

#: Boolean fields, all marked required, each with the default the document gives.
BOOLEAN_DEFAULTS: dict[str, bool] = {
    "autoRenewal": True,
    "embeddedLink": False,
    "embeddedPhone": False,
    "numberPool": False,
    "ageGated": False,
    "directLending": False,
    "subscriberOptIn": True,
    "subscriberOptOut": True,
    "subscriberHelp": True,
}

KEYWORD_FIELDS = ("optinKeywords", "optoutKeywords", "helpKeywords")
DEPRECATED_FIELDS = ("vertical",)
KNOWN_FIELDS = (*STRING_FIELDS, *BOOLEAN_DEFAULTS, "subUseCases")

_BRAND_ID = re.compile(r"^B[A-Za-z0-9]*$")
_KEYWORDS = re.compile(r"^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$")


def _length_rule(minimum: int, maximum: int | None) -> str:
    if maximum is None:
        return f"at least {minimum} characters"
    if minimum:
        return f"{minimum} to {maximum} characters"
    return f"at most {maximum} characters"


def _did_you_mean(name: str) -> str:
    by_lower = {known.lower(): known for known in KNOWN_FIELDS}
    if name.lower() in by_lower:
        return f"; did you mean {by_lower[name.lower()]!r}? (the API's casing is exact)"
    close = difflib.get_close_matches(name, KNOWN_FIELDS, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def apply_defaults(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``campaign`` with the documented boolean defaults for the booleans left out.

    ``"true"`` / ``"false"`` strings (what a Jinja template renders) become booleans.
    """
    body = dict(campaign)
    for name, default in BOOLEAN_DEFAULTS.items():
        value = body.get(name)
        if value is None:
            body[name] = default
        elif isinstance(value, str) and value.strip().lower() in ("true", "false"):
            body[name] = value.strip().lower() == "true"
    if isinstance(body.get("subUseCases"), tuple):
        body["subUseCases"] = list(body["subUseCases"])
    return body


def submit_violations(campaign: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every rule of the submit request that ``campaign`` breaks, as ``(field, message)`` pairs."""
    if not isinstance(campaign, Mapping):
        return [
            ("campaign", f"must be a mapping of the submit request's fields, got {type(campaign).__name__}")
        ]
    problems: list[tuple[str, str]] = []
    for name in campaign:
        if name not in KNOWN_FIELDS:
            problems.append((str(name), "is not a field of the submit request" + _did_you_mean(str(name))))

    for name, (required, minimum, maximum) in STRING_FIELDS.items():
        value = campaign.get(name)
        if value is None:
            if required:
                problems.append((name, "is required"))
            continue
        if not isinstance(value, str):
            problems.append((name, f"must be a string, got {type(value).__name__}"))
            continue
        if len(value) < minimum or (maximum is not None and len(value) > maximum):
            problems.append((name, f"must be {_length_rule(minimum, maximum)}, got {len(value)}"))

    brand_id = campaign.get("brandId")
    if isinstance(brand_id, str) and not _BRAND_ID.match(brand_id):
        problems.append(
            ("brandId", f"must be alphanumeric and begin with 'B' (like BESINCH), got {brand_id!r}")
        )

    use_case = campaign.get("useCase")
    if isinstance(use_case, str) and use_case not in USE_CASES:
        problems.append(("useCase", f"{use_case!r} is not a use case; choose one of {list(USE_CASES)}"))

    for name in KEYWORD_FIELDS:
        value = campaign.get(name)
        if isinstance(value, str) and value and not _KEYWORDS.match(value):
            problems.append(
                (name, f"must be alphanumeric keywords separated by commas, without spaces, got {value!r}")
            )

    for name in BOOLEAN_DEFAULTS:
        value = campaign.get(name)
        if value is not None and not isinstance(value, bool):
            problems.append((name, f"must be true or false, got {value!r}"))

    problems.extend(_sub_use_case_violations(campaign.get("subUseCases"), use_case))
    return problems


def _sub_use_case_violations(sub_use_cases: Any, use_case: Any) -> list[tuple[str, str]]:
    if sub_use_cases is None:
        items: list[Any] = []
    elif isinstance(sub_use_cases, (list, tuple)):
        items = list(sub_use_cases)
    else:
        return [("subUseCases", f"must be a list of sub use cases, got {type(sub_use_cases).__name__}")]
    problems = []
    unknown = [item for item in items if item not in SUB_USE_CASES]
    if unknown:
        problems.append(
            ("subUseCases", f"{unknown} are not sub use cases; choose from {list(SUB_USE_CASES)}")
        )
    low, high = MIXED_SUB_USE_CASES
    if use_case == "MIXED" and not low <= len(items) <= high:
        problems.append(
            ("subUseCases", f"a MIXED campaign needs {low} to {high} sub use cases, got {len(items)}")
        )
    return problems


def prepare_submit(campaign: Mapping[str, Any], *, context: str | None = None) -> dict[str, Any]:
    """The request body to send: defaults applied, every rule checked.

    :param campaign: the submit request's fields, named as the API names them.
    :param context: prefix of the error message (the task id).
    :raises SinchValidationError: with every broken rule, before any request.
    """
    if not isinstance(campaign, Mapping):
        raise SinchValidationError(submit_violations(campaign), context=context)
    body = apply_defaults(campaign)
    problems = submit_violations(body)
    if problems:
        raise SinchValidationError(problems, context=context)
    for name in DEPRECATED_FIELDS:
        if name in body:
            log.warning("%s is deprecated and no longer captured by Sinch; it is sent as given.", name)
    return body


def mno_violations(mnos: Any) -> list[tuple[str, str]]:
    """Rules of the resubmit body's ``mnos`` (ATT, TMO, USC, VZW; empty or ``None`` means all)."""
    if mnos is None:
        return []
    if isinstance(mnos, str) or not isinstance(mnos, (list, tuple)):
        return [("mnos", f"must be a list such as ['ATT', 'TMO'], got {mnos!r}")]
    unknown = [m for m in mnos if m not in MNOS]
    if unknown:
        return [("mnos", f"{unknown} are not MNOs the resubmit endpoint knows; choose from {list(MNOS)}")]
    return []


#: How an MNO code of the resubmit endpoint may appear in ``mnoMetadata``: the network id key
#: or the ``mno`` name, compared in lower case without punctuation. The document only says the
#: keys are "the 'networkId' of the MNO"; these ids (TCR's) and names are not in it.
MNO_ALIASES: dict[str, frozenset[str]] = {
    "ATT": frozenset({"att", "10017"}),
    "TMO": frozenset({"tmo", "tmobile", "10035"}),
    "VZW": frozenset({"vzw", "verizon", "verizonwireless", "10037"}),
    "USC": frozenset({"usc", "uscellular", "10038"}),
}
#: Inner keys of an ``mnoMetadata`` entry read when present. The document names none of them
#: ("value is Metadata of the MNO"): a ``false`` fails the check, anything else leaves it unchecked.
MNO_REFUSAL_KEYS = ("qualify", "mnoSupport")


@dataclass(frozen=True)
class QualificationCheck:
    """What a qualify answer says about the campaign you plan.

    :param problems: ``(field, message)`` pairs the answer shows would not be met (fail on them).
    :param unchecked: ``(field, message)`` pairs the answer could not settle, because the
        document does not define the shape they would be read from (warn, do not fail).
    """

    problems: list[tuple[str, str]] = field(default_factory=list)
    unchecked: list[tuple[str, str]] = field(default_factory=list)


def _simplify(value: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value).lower())


def _mno_entry(metadata: Mapping[str, Any], mno: str) -> tuple[str, Any] | None:
    names = MNO_ALIASES.get(mno.upper(), frozenset()) | {_simplify(mno)}
    for network_id, entry in metadata.items():
        name = entry.get("mno", "") if isinstance(entry, Mapping) else ""
        if _simplify(network_id) in names or _simplify(name) in names:
            return str(network_id), entry
    return None


def check_qualification(
    qualification: Mapping[str, Any],
    *,
    sub_use_cases: Any = None,
    required_mnos: Any = None,
) -> QualificationCheck:
    """Judge a ``campaignRegistrations:qualify`` answer against the campaign you plan.

    :param qualification: the answer.
    :param sub_use_cases: the sub use cases you mean to submit; their number must lie within the
        answer's documented ``minSubUseCases`` .. ``maxSubUseCases``.
    :param required_mnos: operators the campaign must reach (``ATT``, ``TMO``, ``VZW``, ``USC``, a
        network id, or an ``mno`` name). ``mnoMetadata`` is documented only as a map from network
        id to "Metadata of the MNO", so an entry is read only where it says something: found and
        marked ``qualify: false`` or ``mnoSupport: false`` is a problem; not found, or found
        without those keys, is unchecked.
    """
    check = QualificationCheck()
    if sub_use_cases is not None:
        count = len(sub_use_cases) if isinstance(sub_use_cases, (list, tuple)) else None
        low, high = qualification.get("minSubUseCases"), qualification.get("maxSubUseCases")
        use_case = qualification.get("useCase") or "this use case"
        if count is None:
            message = f"must be a list of sub use cases, got {sub_use_cases!r}"
            check.problems.append(("sub_use_cases", message))
        elif low is None and high is None:
            check.unchecked.append(
                ("sub_use_cases", "the answer gives no minSubUseCases / maxSubUseCases to check against")
            )
        elif (low is not None and count < low) or (high is not None and count > high):
            message = f"{use_case} takes {_num(low)} to {_num(high)} sub use cases; {count} given"
            check.problems.append(("sub_use_cases", message))
    if required_mnos:
        mnos = [required_mnos] if isinstance(required_mnos, str) else list(required_mnos)
        metadata = qualification.get("mnoMetadata")
        if not isinstance(metadata, Mapping) or not metadata:
            check.unchecked.append(
                ("required_mnos", f"the answer has no mnoMetadata: whether {mnos} carry it is unchecked")
            )
            return check
        for mno in mnos:
            found = _mno_entry(metadata, str(mno))
            if found is None:
                check.unchecked.append(
                    (
                        "required_mnos",
                        f"{mno} matches no mnoMetadata key {sorted(metadata)} (network ids the "
                        "document does not list): unchecked",
                    )
                )
                continue
            network_id, entry = found
            entry = entry if isinstance(entry, Mapping) else {}
            refused = [key for key in MNO_REFUSAL_KEYS if entry.get(key) is False]
            if refused:
                check.problems.append(
                    (
                        "required_mnos",
                        f"{mno} (network {network_id}) would not carry this campaign: "
                        + ", ".join(f"{key} is false" for key in refused),
                    )
                )
            elif not any(isinstance(entry.get(key), bool) for key in MNO_REFUSAL_KEYS):
                check.unchecked.append(
                    (
                        "required_mnos",
                        f"{mno} (network {network_id}): its metadata has no {' / '.join(MNO_REFUSAL_KEYS)} "
                        "flag (the document defines none): unchecked",
                    )
                )
    return check


def qualification_violations(
    qualification: Mapping[str, Any],
    *,
    sub_use_cases: Any = None,
    required_mnos: Any = None,
) -> list[tuple[str, str]]:
    """The problems of :func:`check_qualification`; what it leaves unchecked is logged as a warning."""
    check = check_qualification(qualification, sub_use_cases=sub_use_cases, required_mnos=required_mnos)
    for name, message in check.unchecked:
        log.warning("Qualification not checked: %s: %s", name, message)
    return check.problems


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "?" if value is None else str(value)
