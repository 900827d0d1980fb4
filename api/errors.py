"""One error shape for every failure: ``{"error": {"code", "message", "request_id"}}``.

``message`` is Chinese and says what to do next; ``code`` is stable for programs.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotline.logging import request_id_var
from intake.catalogue import text
from intake.errors import HotlineError

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: ("bad_request", "error.invalid_input"),
    401: ("unauthorized", "error.unauthorized"),
    403: ("forbidden", "error.forbidden"),
    404: ("not_found", "error.not_found"),
    405: ("method_not_allowed", "error.invalid_input"),
    413: ("too_large", "error.too_large"),
    429: ("rate_limited", "error.rate_limited"),
}


def error_response(
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    details: list[dict[str, str]] | None = None,
) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": message, "request_id": request_id_var.get()}
    if details:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HotlineError)
    async def _domain(_: Request, exc: HotlineError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ())[1:]),
                "problem": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        return error_response(422, "invalid_input", text("error.invalid_input"), details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, key = _HTTP_CODES.get(exc.status_code, ("error", "error.generic"))
        return error_response(exc.status_code, code, text(key), headers=dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        logger.exception("unhandled error")
        return error_response(500, "internal", text("error.internal"))
