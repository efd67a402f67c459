"""Errors as RFC 9457 problem details (``application/problem+json``) for everything under ``/api/``.

https://www.rfc-editor.org/rfc/rfc9457 : ``type`` (about:blank when the status says it all),
``title``, ``status``, ``detail``; validation problems add ``errors`` (where and what).
Other paths (the platforms' webhooks) keep FastAPI's own answers.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("socialleads.api")
MEDIA_TYPE = "application/problem+json"


class ApiProblem(Exception):
    """Raised by a route to answer with a problem: ``ApiProblem(404, "no lead 42")``."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int, detail: str, title: str | None = None, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The response of one problem."""
    body = {
        "type": "about:blank",
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return problem_response(exc.status, exc.detail, exc.title, exc.headers, **exc.extra)


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if not _is_api(request):
        return await http_exception_handler(request, exc)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # Starlette names only the methods of the first route whose path matched; a path served by
        # several routes (POST and DELETE /session) must list them all (RFC 9110 §15.5.6).
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem_response(exc.status_code, detail, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some API route serves at the request's path."""
    methods: set[str] = set()
    for route in getattr(request.app.state, "api_routes", ()):
        if isinstance(route, APIRoute) and route.path_regex.match(request.url.path):
            methods |= route.methods or set()
    return sorted(methods)


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if not _is_api(request):
        return await request_validation_exception_handler(request, exc)
    errors = [
        {"where": ".".join(str(part) for part in err.get("loc", ())), "problem": str(err.get("msg", ""))}
        for err in exc.errors()
    ]
    return problem_response(422, "the request does not have the expected shape", errors=errors)


async def _on_crash(request: Request, exc: Exception) -> Response:
    # The exception is logged (through the redacting formatter), never sent: it may hold personal data.
    log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return problem_response(500, "the server failed to answer; the error is in its log")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer ``/api/`` errors as problem details."""
    app.add_exception_handler(ApiProblem, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_crash)
