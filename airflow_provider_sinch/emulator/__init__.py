"""A local server that behaves like Sinch's documented APIs, for tests and the demo.

``python -m airflow_provider_sinch.emulator --port 8787`` serves, on loopback:

* the Campaign API (``/v1/token``, ``/v1/campaign/...``, ``/v1/campaigns``, ``/api/login``);
* the US Short Code Campaigns API (``/v1/projects/{projectId}/campaigns...``);
* the 10DLC Campaign Registration API (``/v1/projects/{projectId}/campaignRegistrations...``);
* the OAuth2 token endpoint (``/oauth2/token``) the last two use;
* test controls under ``/_emulator`` (advance the clock, inject faults).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from airflow_provider_sinch.emulator.core import EmulatorState

#: API modules mounted on the app; each exposes ``router(state) -> APIRouter``.
API_MODULES = ("campaign", "short_code", "ten_dlc")


def create_app(state: EmulatorState | None = None) -> FastAPI:
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.responses import JSONResponse, Response

    from airflow_provider_sinch.emulator.core import EmulatorState, control_router, oauth_router

    state = state or EmulatorState()
    app = FastAPI(title="Sinch emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sinch = state

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail: Any = exc.detail
        body = detail if isinstance(detail, (dict, list)) else {"errors": detail, "success": False}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.middleware("http")
    async def faults(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if not path.startswith("/_emulator"):
            state.request_log.append((request.method, path))
        fault = state.take_fault(request.method, path)
        headers = {"Retry-After": fault.retry_after} if fault and fault.retry_after else None
        if fault and not fault.after_processing:
            return JSONResponse({"errors": "injected fault", "success": False}, fault.status, headers=headers)
        response: Response = await call_next(request)
        if fault:
            return JSONResponse({"errors": "injected fault", "success": False}, fault.status, headers=headers)
        return response

    app.include_router(control_router(state))
    app.include_router(oauth_router(state))
    for name in API_MODULES:
        try:
            module = importlib.import_module(f"airflow_provider_sinch.emulator.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"airflow_provider_sinch.emulator.{name}":
                raise
            continue
        app.include_router(module.router(state))
    return app
