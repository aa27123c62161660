"""The US Short Code OpenAPI document, read by openapi-core: request checks and response checks.

The emulator ships a copy of ``us-short-code-api.openapi.yaml`` (``specs/``, package data) and
checks every Short Code request's parameters and body against it with openapi-core, so that the
emulator refuses what Sinch's server would refuse by its published schema, not what a
hand-written check happens to catch. The same document checks the emulator's own answers (the
opt-in ``EmulatorConfig.check_responses`` and the tests).

Two readings the document needs, both stated where they are applied:

* Paths: a concrete path is matched before a templated one (OpenAPI 3.0, "Path Templating
  Matching"), so ``/campaigns/carriers`` is ``getCarriers`` only, never ``updateCampaign`` with
  the id ``carriers``.
* Security (OAuth2 client credentials) is checked by the emulator itself, before this module:
  openapi-core does not check OAuth2 bearer tokens.

Needs the ``emulator`` extra (``openapi-core``, and ``rfc3986-validator`` so that
``format: uri`` is checked).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openapi_core import OpenAPI

SPECS_DIR = Path(__file__).resolve().with_name("specs")
#: The shipped copy of ``../shared/api/us-short-code-api.openapi.yaml`` (a test keeps them equal).
SHORT_CODE_SPEC = SPECS_DIR / "us-short-code-api.openapi.yaml"
#: The document's server; requests are judged as if sent there, whatever the emulator's address.
SHORT_CODE_SERVER = "https://usshortcode.api.sinch.com"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

#: Field violations: ``(field, description)``, the document's ``FieldViolation``.
Violation = tuple[str, str]


@dataclass(frozen=True)
class Operation:
    """One operation of the document, found for a concrete request path."""

    pattern: str
    method: str
    operation_id: str
    path_params: dict[str, str]
    #: The status codes the document lists for the operation (``"200"``, ``"404"``...).
    status_codes: tuple[str, ...]
    has_body: bool


@functools.cache
def short_code_openapi() -> OpenAPI:
    """The parsed document (about half a second, once per process)."""
    from openapi_core import OpenAPI

    return OpenAPI.from_file_path(str(SHORT_CODE_SPEC))


@functools.cache
def _document() -> dict[str, Any]:
    import yaml

    return dict(yaml.safe_load(SHORT_CODE_SPEC.read_text(encoding="utf-8")))


def _raw_paths() -> dict[str, dict[str, Any]]:
    return dict(_document()["paths"])


@functools.cache
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    """Every path of the document as a regex, concrete paths first (OpenAPI's matching rule)."""
    compiled = []
    for pattern in _raw_paths():
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
        compiled.append((re.compile(f"^{regex}$"), pattern))
    compiled.sort(key=lambda item: item[1].count("{"))
    return compiled


def match_path(path: str) -> tuple[str, dict[str, str]] | None:
    """The document's path template for ``path`` and its parameters, or ``None``."""
    for regex, pattern in _patterns():
        found = regex.match(path)
        if found:
            return pattern, found.groupdict()
    return None


def allowed_methods(path: str) -> list[str] | None:
    """The methods the document lists for ``path`` (upper case), or ``None`` if not its path."""
    found = match_path(path)
    if found is None:
        return None
    item = _raw_paths()[found[0]]
    return [m.upper() for m in HTTP_METHODS if m in item]


def find_operation(method: str, path: str) -> Operation | None:
    found = match_path(path)
    if found is None:
        return None
    pattern, params = found
    operation = _raw_paths()[pattern].get(method.lower())
    if operation is None:
        return None
    return Operation(
        pattern=pattern,
        method=method.lower(),
        operation_id=str(operation.get("operationId", "")),
        path_params=params,
        status_codes=tuple(str(code) for code in operation.get("responses", {})),
        has_body="requestBody" in operation,
    )


def _media_types(operation: Operation) -> list[str]:
    raw = _raw_paths()[operation.pattern][operation.method]
    return list(raw.get("requestBody", {}).get("content", {}))


class _Request:
    """What openapi-core reads of a request (its ``Request`` and ``SupportsPathPattern`` protocols)."""

    def __init__(
        self,
        operation: Operation,
        path: str,
        query: Iterable[tuple[str, str]],
        content_type: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = SHORT_CODE_SERVER
        self.path = path
        self.path_pattern = operation.pattern
        self.method = operation.method
        self.content_type = content_type.lower()
        self.body = body
        self.parameters = RequestParameters(
            path=dict(operation.path_params),
            query=ImmutableMultiDict(list(query)),
            header=Headers(dict(headers or {})),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, status: int, content_type: str, body: bytes, headers: Mapping[str, str]) -> None:
        from werkzeug.datastructures import Headers

        self.status_code = status
        self.content_type = content_type.lower()
        self.data = body
        self.headers = Headers(dict(headers))


def _field(path: Sequence[Any], prefix: str = "") -> str:
    text = prefix
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def describe(error: Any) -> list[Violation]:
    """A jsonschema ``ValidationError`` as field violations, without quoting the bad value."""
    where = list(error.absolute_path)
    kind = error.validator
    rule = error.validator_value
    field = _field(where) or "body"
    if kind == "required":
        # jsonschema reports each missing property as its own error, named in the message.
        found = re.match(r"^'(.+)' is a required property$", str(error.message))
        return [(_field([*where, found.group(1)]) if found else field, "Field is required")]
    descriptions = {
        "type": f"Must be of type {rule}",
        "enum": f"Must be one of {list(rule) if isinstance(rule, (list, tuple)) else rule}",
        "format": f"Must be a valid {rule}",
        "minLength": f"Must be at least {rule} characters",
        "maxLength": f"Must be at most {rule} characters",
        "minItems": f"Must have at least {rule} items",
        "maxItems": f"Must have at most {rule} items",
        "pattern": "Does not have the documented format",
    }
    return [(field, descriptions.get(kind, f"Breaks the rule {kind!r}"))]


def _violations_of(error: Exception) -> list[Violation]:
    from openapi_core.deserializing.exceptions import DeserializeError
    from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
    from openapi_core.validation.request.exceptions import (
        MissingParameterError,
        MissingRequestBodyError,
        ParameterValidationError,
        RequestBodyValidationError,
    )

    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if isinstance(error, ParameterValidationError):
        name = getattr(error, "name", "parameter")
        if isinstance(error, MissingParameterError):
            return [(name, "Parameter is required")]
        if schema_errors:
            return [(name, description) for e in schema_errors for _, description in describe(e)]
        kind = getattr(cause, "type", None)
        return [(name, f"Must be of type {kind}" if kind else "Invalid value")]
    if isinstance(error, RequestBodyValidationError):
        if schema_errors:
            found: list[Violation] = []
            for schema_error in schema_errors:
                found.extend(describe(schema_error))
            return found
        # Never ``str(error)``: openapi-core's message decodes the raw body, which may not be UTF-8.
        if isinstance(cause, MediaTypeNotFound):
            return [("Content-Type", f"Must be one of {list(cause.availableMimetypes)}")]
        if isinstance(cause, DeserializeError):
            return [("body", "The body cannot be parsed for its media type")]
        if isinstance(error, MissingRequestBodyError):
            return [("body", "A body is required")]
        return [("body", f"Invalid body ({type(cause or error).__name__})")]
    return [("request", f"Invalid request ({type(error).__name__})")]


def request_violations(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    content_type: str,
    body: bytes,
) -> list[Violation]:
    """Every way the request breaks the document's parameters and request body schema.

    :param method: the HTTP method.
    :param path: the request path (``/v1/projects/p/campaigns``).
    :param query: the query string's ``(name, value)`` pairs, repeated names repeated.
    :param content_type: the ``Content-Type`` header (with its parameters).
    :param body: the raw body.
    :return: ``(field, description)`` pairs; empty when the request conforms, or when the path
        or method is not the document's (routing answers those).
    """
    from openapi_core.validation.request.validators import (
        V30RequestBodyValidator,
        V30RequestParametersValidator,
    )

    operation = find_operation(method, path)
    if operation is None:
        return []
    spec = short_code_openapi().spec
    if operation.has_body and not body.strip():
        # The document marks no request body required, yet some schemas require properties
        # (``EditCampaignRequest.name``, the upload's ``file``). A missing body is judged as
        # ``{}``: accepted where that schema accepts it, else refused as a missing body.
        is_json = "application/json" in _media_types(operation)
        if not is_json or request_violations(method, path, query, "application/json", b"{}"):
            return [("body", "A body is required")]
        body, content_type = b"{}", "application/json"
    if operation.has_body and not content_type:
        content_type = "application/json"
    # OpenAPI 3.0's ``allowEmptyValue`` defaults to false, which openapi-core reads as "an empty
    # value is invalid"; the document never says so, so an empty value counts as not given.
    query = [(name, value) for name, value in query if value != ""]
    request = _Request(operation, path, query, content_type, body)
    violations: list[Violation] = []
    for error in V30RequestParametersValidator(spec).iter_errors(request):
        violations.extend(_violations_of(error))
    if operation.has_body:
        for error in V30RequestBodyValidator(spec).iter_errors(request):
            violations.extend(_violations_of(error))
        if not violations and content_type.lower().startswith("application/json"):
            # ``EditCampaignRequest`` and the other body schemas give properties but no
            # ``type: object``, so a JSON array or number passes them; no campaign, note or
            # configuration can be made of one, so it is refused like a type error.
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                violations.append(("body", "Must be a JSON object"))
    # A property given through ``$ref`` can be reported twice by the validator.
    return list(dict.fromkeys(violations))


def response_problems(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    status: int,
    content_type: str,
    body: bytes,
    headers: Mapping[str, str],
) -> list[str]:
    """Every way an answer breaks the document: an unlisted status, a media type or a schema.

    :return: readable problems, empty when the answer conforms (or is not the document's path).
    """
    from openapi_core.validation.response.validators import V30ResponseValidator

    operation = find_operation(method, path)
    if operation is None:
        return []
    if status in (400, 401) and str(status) not in operation.status_codes:
        # Every operation is secured by OAuth2 yet lists no 401: the security scheme implies it.
        # Several list no 400 (notes, list, attachments) though a request can break their
        # schema or a rule of their descriptions (a note's 1000 characters): refusing it is the
        # only answer that neither stores nor echoes it. Either way the body is a ``RestError``.
        return [f"{method.upper()} {path} -> {status}: {p}" for p in rest_error_problems(content_type, body)]
    request = _Request(operation, path, query, "application/json", b"")
    problems = []
    for error in V30ResponseValidator(short_code_openapi().spec).iter_errors(
        request, _Response(status, content_type, body, headers)
    ):
        detail = "; ".join(
            f"{_field(list(e.absolute_path)) or '<body>'}: {e.message}"
            for e in getattr(error.__cause__, "schema_errors", None) or ()
        )
        problems.append(
            f"{method.upper()} {path} -> {status} ({operation.operation_id}): {error}"
            + (f" [{detail}]" if detail else "")
        )
    return problems


@functools.cache
def _rest_error_validator() -> Any:
    from jsonschema.validators import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    document = {"components": {"schemas": _raw_components()}}
    registry = Registry().with_resource("urn:sc", Resource.from_contents(document, DRAFT4))
    return Draft4Validator({"$ref": "urn:sc#/components/schemas/RestError"}, registry=registry)


def _raw_components() -> dict[str, Any]:
    return dict(_document()["components"]["schemas"])


def rest_error_problems(content_type: str, body: bytes) -> list[str]:
    """How an error answer breaks the document's ``RestError`` schema."""
    if not content_type.lower().startswith("application/json"):
        return [f"Content-Type is {content_type!r}, not application/json"]
    try:
        value = json.loads(body)
    except ValueError:
        return ["the body is not JSON"]
    return [
        f"{_field(list(e.absolute_path)) or '<body>'}: {e.message}"
        for e in _rest_error_validator().iter_errors(value)
    ]
