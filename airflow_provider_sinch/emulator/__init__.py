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

    from airflow_provider_sinch.emulator.core import (
        EmulatorState,
        allowed_methods,
        api_error_body,
        check_response,
        control_router,
        oauth_router,
    )

    state = state or EmulatorState()
    app = FastAPI(title="Sinch emulator", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sinch = state

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail: Any = exc.detail
        if not isinstance(detail, (dict, list)):
            detail = api_error_body(request.url.path, exc.status_code, str(detail))
        return JSONResponse(detail, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        # An emulator bug, answered in the API's error shape (the documents list 500 that way);
        # Starlette still raises it afterwards, so tests see it.
        body = api_error_body(request.url.path, 500, f"Internal server error: {type(exc).__name__}")
        return JSONResponse(body, status_code=500)

    @app.middleware("http")
    async def methods(request: Request, call_next: Any) -> Response:
        """405 with the exact ``Allow`` of the path for a method it does not have; OPTIONS lists them.

        Starlette would name only the first route's methods, and would send ``PUT
        /campaigns/carriers`` to ``PUT /campaigns/{campaignId}``: a concrete path is matched
        before a templated one, as OpenAPI says.
        """
        allowed = allowed_methods(app, request.url.path)
        if allowed and request.method not in allowed:
            headers = {"Allow": ", ".join(allowed)}
            if request.method == "OPTIONS":
                return Response(status_code=204, headers=headers)
            body = api_error_body(request.url.path, 405, f"Method {request.method} not allowed")
            return JSONResponse(body, status_code=405, headers=headers)
        response: Response = await call_next(request)
        return response

    @app.middleware("http")
    async def faults(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if not path.startswith("/_emulator"):
            state.request_log.append((request.method, path))
        fault = state.take_fault(request.method, path)
        headers = {"X-Emulator-Fault": "1"}
        if fault and fault.retry_after:
            headers["Retry-After"] = fault.retry_after
        if fault and not fault.after_processing:
            return JSONResponse(
                api_error_body(path, fault.status, "injected fault"), fault.status, headers=headers
            )
        response: Response = await call_next(request)
        if fault:
            return JSONResponse(
                api_error_body(path, fault.status, "injected fault"), fault.status, headers=headers
            )
        return response

    @app.middleware("http")
    async def responses(request: Request, call_next: Any) -> Response:
        """With ``config.check_responses``, every answer is checked against its API's document."""
        response: Response = await call_next(request)
        if not state.config.check_responses:
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        state.response_problems.extend(
            check_response(
                request.method,
                request.url.path,
                request.query_params.multi_items(),
                response.status_code,
                response.headers.get("content-type", ""),
                body,
                dict(response.headers),
            )
        )
        return Response(body, response.status_code, headers=dict(response.headers))

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
