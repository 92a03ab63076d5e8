"""Errors as the service answers them: always JSON ``{"error": "..."}`` naming the field (or
part of the request) at fault, with the right 4xx status — FastAPI's own validation errors
included — and never a traceback. An unexpected failure is logged and answered 500 without
details."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("exgen.service")


class ApiError(StarletteHTTPException):
    """A 4xx with its message; ``headers`` e.g. Retry-After or WWW-Authenticate."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(status, message, headers)


def not_found() -> ApiError:
    """The one 404: it tells nothing about whether a link, a student or a name ever existed."""
    return ApiError(404, "not found")


GENERIC = {404: "not found", 405: "method not allowed", 401: "authorization: a teacher token is needed",
           400: "request: cannot be read"}


def _field(location) -> str:
    """``("body", "answers", "q1.loss")`` -> ``answers.q1.loss``; a header or query parameter by name."""
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:] or parts
    return ".".join(parts) or "request"


def validation_message(exc: RequestValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {}
    message = first.get("msg", "invalid")
    if first.get("type") == "missing":
        message = "missing"
    if first.get("type") == "json_invalid":  # its location is (body, character offset): no field
        return f"body: not valid JSON (at character {first.get('loc', ('', '?'))[-1]})"
    return f"{_field(first.get('loc', ()))}: {message}"


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": validation_message(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        detail = str(exc.detail)
        try:
            default = HTTPStatus(exc.status_code).phrase
        except ValueError:
            default = ""
        if detail == default:  # Starlette's own (a route not found, a method not allowed)
            detail = GENERIC.get(exc.status_code, default.lower())
        return JSONResponse({"error": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error answering %s %s", request.method, request.url.path.split("/s/")[0])
        return JSONResponse({"error": "internal error (logged on the server)"}, status_code=500)


def describe_errors(app: FastAPI) -> None:
    """/openapi.json says what the service really answers: FastAPI documents its own 422 body
    (``{"detail": [...]}``), which the handler above replaces by ``{"error": "..."}``."""
    from fastapi.openapi.utils import get_openapi

    def openapi():
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            text = json.dumps(schema).replace('"#/components/schemas/HTTPValidationError"',
                                              '"#/components/schemas/Error"')
            schema = json.loads(text)
            components = schema.get("components", {}).get("schemas", {})
            for unused in ("HTTPValidationError", "ValidationError"):
                components.pop(unused, None)
            for operation in (op for path in schema["paths"].values() for op in path.values()):
                for code, response in operation.get("responses", {}).items():
                    if code == "422":
                        response["description"] = "a field is missing or unreadable: the message names it"
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
