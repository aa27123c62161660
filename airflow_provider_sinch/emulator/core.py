"""The emulator's shared parts: clock, configuration, credentials, fault injection, OAuth2.

Each API lives in its own module (``campaign``, ``short_code``, ``ten_dlc``) with a
``router(state)`` factory; :func:`airflow_provider_sinch.emulator.create_app` mounts them all
on one loopback server. State is in memory and per process: it is a test double, not a store.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from fastapi import FastAPI

DEFAULT_CAMPAIGN_SECRET_KEY = "emulator-secret-key"
DEFAULT_KEY_ID = "emulator-key-id"
DEFAULT_KEY_SECRET = "emulator-key-secret"
DEFAULT_PROJECT_ID = "emulator-project"


class Clock:
    """Emulated time: real time times ``speed``, plus whatever ``advance`` added (tests)."""

    def __init__(self, speed: float = 1.0, start: datetime | None = None) -> None:
        self.speed = speed
        self._origin_real = time.monotonic()
        self._origin = start or datetime.now(timezone.utc)
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            elapsed = (time.monotonic() - self._origin_real) * self.speed
            return self._origin + timedelta(seconds=elapsed) + self._offset

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()


@dataclass
class Fault:
    """An injected failure: the next ``count`` matching requests get ``status``.

    With ``after_processing`` the request is handled first and its answer replaced by the
    error (Sinch acted, the client did not hear it), which is what idempotency must survive.
    """

    method: str
    path_contains: str
    status: int
    count: int = 1
    after_processing: bool = False
    retry_after: str | None = None


@dataclass
class EmulatorConfig:
    campaign_secret_keys: set[str] = field(default_factory=lambda: {DEFAULT_CAMPAIGN_SECRET_KEY})
    oauth_clients: dict[str, str] = field(default_factory=lambda: {DEFAULT_KEY_ID: DEFAULT_KEY_SECRET})
    project_ids: set[str] = field(default_factory=lambda: {DEFAULT_PROJECT_ID})
    #: Campaign API: seconds (emulated) a campaign spends ``sending`` before it is ``sent``.
    campaign_sending_seconds: float = 5.0
    #: Short Code / 10DLC: seconds (emulated) between two review steps.
    review_step_seconds: float = 5.0
    campaign_token_ttl: float = 2 * 3600.0
    oauth_token_ttl: float = 3600.0
    #: Check every answer against its API's document, into ``EmulatorState.response_problems``
    #: (tests turn it on; the answers themselves are not changed).
    check_responses: bool = False


class EmulatorState:
    """Everything the emulator remembers; each API keeps its own sub-state in ``apis``."""

    def __init__(self, config: EmulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.request_log: list[tuple[str, str]] = []
        self.oauth_tokens: dict[str, datetime] = {}
        self.apis: dict[str, Any] = {}
        #: What ``config.check_responses`` found wrong in the emulator's answers.
        self.response_problems: list[str] = []

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method.upper() == method.upper() and fault.path_contains in path and fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- OAuth2 (Short Code and 10DLC share it, as Sinch's auth server does) ---------------
    def issue_oauth_token(self) -> tuple[str, int]:
        token = secrets.token_urlsafe(24)
        ttl = int(self.config.oauth_token_ttl)
        self.oauth_tokens[token] = self.clock.now() + timedelta(seconds=ttl)
        return token, ttl

    def oauth_token_valid(self, token: str) -> bool:
        expires = self.oauth_tokens.get(token)
        return expires is not None and expires > self.clock.now()

    def basic_key_pair_valid(self, header: str) -> bool:
        pair = parse_basic(header)
        return pair is not None and self.config.oauth_clients.get(pair[0]) == pair[1]


# --- Which API a path belongs to, and its error shape ------------------------------------------------
SHORT_CODE_PATH = re.compile(r"^/v1/projects/[^/]+/campaigns(/|$)")
TEN_DLC_PATH = re.compile(r"^/v1/projects/[^/]+/campaignRegistrations?([/:]|$)")
CAMPAIGN_PATH = re.compile(r"^/(v1/(token|campaign|campaigns)|api/login)(/|$)")
#: HTTP status -> (Google API status name, gRPC code), as the OAuth2-protected APIs answer them.
RPC_STATUS = {
    400: ("INVALID_ARGUMENT", 3),
    401: ("UNAUTHENTICATED", 16),
    403: ("PERMISSION_DENIED", 7),
    404: ("NOT_FOUND", 5),
    405: ("UNIMPLEMENTED", 12),
    409: ("ABORTED", 10),
    429: ("RESOURCE_EXHAUSTED", 8),
    500: ("INTERNAL", 13),
    501: ("UNIMPLEMENTED", 12),
    503: ("UNAVAILABLE", 14),
    504: ("DEADLINE_EXCEEDED", 4),
}


def api_error_body(path: str, status: int, message: str) -> dict[str, Any]:
    """An error in the shape of the API that ``path`` belongs to.

    Short Code: the document's ``RestError``; 10DLC: the gRPC gateway's ``{"code", "message",
    "details"}``; anything else: the Campaign API's ``{"errors", "success": false}``.
    """
    name, code = RPC_STATUS.get(status, ("UNKNOWN", 2))
    if SHORT_CODE_PATH.match(path):
        return {"error": {"code": status, "message": message, "status": name, "details": []}}
    if TEN_DLC_PATH.match(path):
        return {"code": code, "message": message, "details": []}
    return {"errors": message, "success": False}


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the app serves on ``path``; concrete routes win over templated ones."""
    matching: list[tuple[int, set[str]]] = []
    for route in app.routes:
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            matching.append((len(getattr(route, "param_convertors", {})), set(getattr(route, "methods", ()))))
    if not matching:
        return []
    fewest = min(params for params, _ in matching)
    methods = set().union(*(m for params, m in matching if params == fewest))
    order = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    return sorted(methods, key=lambda m: (order.index(m) if m in order else len(order), m))


def check_response(
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    status: int,
    content_type: str,
    body: bytes,
    headers: Mapping[str, str],
) -> list[str]:
    """What is wrong with an answer, judged by the document of the API ``path`` belongs to.

    Short Code: the OpenAPI document (status listed, media type, schema). 10DLC and Campaign:
    the shapes of the documents' response examples and schemas (:mod:`.shapes`).
    """
    if headers.get("x-emulator-fault"):
        return []
    if SHORT_CODE_PATH.match(path):
        from airflow_provider_sinch.emulator import openapi

        return openapi.response_problems(method, path, query, status, content_type, body, headers)
    if TEN_DLC_PATH.match(path) or CAMPAIGN_PATH.match(path):
        from airflow_provider_sinch.emulator import shapes

        return shapes.response_problems(method, path, status, content_type, body)
    return []


def parse_basic(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    key_id, sep, secret = decoded.partition(":")
    return (key_id, secret) if sep else None


def bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header[7:].strip() if header.startswith("Bearer ") else None


def require_oauth(request: Request, state: EmulatorState, *, allow_basic: bool = False) -> None:
    """401 in the error shape of the API the path belongs to (:func:`api_error_body`)."""
    token = bearer(request)
    if token and state.oauth_token_valid(token):
        return
    if allow_basic and state.basic_key_pair_valid(request.headers.get("Authorization", "")):
        return
    message = "Request is missing or has an invalid credential."
    raise HTTPException(status_code=401, detail=api_error_body(request.url.path, 401, message))


def oauth_router(state: EmulatorState) -> APIRouter:
    router = APIRouter()

    @router.post("/oauth2/token")
    async def token(request: Request) -> JSONResponse:
        form = await request.form()
        if not state.basic_key_pair_valid(request.headers.get("Authorization", "")):
            return JSONResponse({"error": "invalid_client", "error_description": "Bad key id or secret"}, 401)
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        access_token, ttl = state.issue_oauth_token()
        return JSONResponse(
            {"access_token": access_token, "expires_in": ttl, "scope": "", "token_type": "bearer"}
        )

    return router


class FaultRequest(BaseModel):
    """The body of ``POST /_emulator/faults``: the next ``count`` matching requests fail.

    A body that does not fit (a missing field, a status that is not an HTTP error, a value of
    another JSON type, an unknown key) is answered 422 with FastAPI's ``detail`` naming the field.
    """

    # strict: "503" is not a status, true is not a count.
    model_config = ConfigDict(extra="forbid", strict=True)

    method: str = Field(description="HTTP method to match, any case: GET, POST...", pattern=r"^[A-Za-z]+$")
    path_contains: str = Field(description="a substring of the request path to match")
    status: int = Field(ge=400, le=599, description="the HTTP error status to answer")
    count: int = Field(1, ge=1, description="how many matching requests fail")
    after_processing: bool = Field(False, description="do the work first, then answer the error")
    retry_after: int | str | None = Field(
        None, description="a Retry-After header to send with it: seconds, or an HTTP date"
    )


def control_router(state: EmulatorState) -> APIRouter:
    """``/_emulator/*``: test controls, not part of any Sinch API."""
    router = APIRouter(prefix="/_emulator")

    @router.get("/health")
    async def health() -> dict[str, Any]:
        return {"ok": True, "now": state.clock.now().isoformat()}

    @router.post("/advance")
    async def advance(seconds: float) -> dict[str, Any]:
        return {"now": state.clock.advance(seconds).isoformat()}

    @router.post("/faults")
    async def add_fault(body: FaultRequest) -> dict[str, Any]:
        fields = body.model_dump()
        if fields["retry_after"] is not None:
            fields["retry_after"] = str(fields["retry_after"])
        with state.lock:
            state.faults.append(Fault(**fields))
            return {"faults": len(state.faults)}

    @router.get("/faults")
    async def armed_faults() -> dict[str, Any]:
        """The faults still armed, each with the ``count`` of requests it will still fail."""
        with state.lock:
            return {"faults": [asdict(fault) for fault in state.faults]}

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        """Disarm every fault (a rehearsal's leftover would fail the next task's requests)."""
        with state.lock:
            cleared = len(state.faults)
            state.faults.clear()
        return {"cleared": cleared}

    @router.get("/requests")
    async def requests_seen() -> dict[str, Any]:
        return {"requests": [f"{m} {p}" for m, p in state.request_log]}

    @router.get("/counts")
    async def request_counts() -> dict[str, Any]:
        """How many times each ``METHOD path`` was requested (read-only; duplicate checks)."""
        return {"requests": dict(Counter(f"{m} {p}" for m, p in state.request_log))}

    return router
