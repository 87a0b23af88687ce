"""Every error leaves as ``{"detail": "<Chinese message>"}``: a 4xx status, or 503 while the database is away."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kefu import messages

DEFAULT_DETAILS = {
    # FastAPI's own 400 is a body it could not parse at all (bad encoding, nesting too deep).
    400: messages.BODY_UNREADABLE,
    401: messages.NOT_AUTHENTICATED,
    403: messages.FORBIDDEN,
    404: messages.NOT_FOUND,
    405: messages.METHOD_NOT_ALLOWED,
}


def _describe(error: dict) -> str:
    """A Chinese description of one pydantic error: our own messages pass through."""
    if error.get("type") == "json_invalid":
        return messages.INVALID_JSON
    message = str(error.get("msg", ""))
    if message.startswith("Value error, "):
        return message.removeprefix("Value error, ")
    field = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path"))
    kind = {
        "missing": "缺少必填字段",
        "string_type": "必须是字符串",
        "literal_error": "取值不在允许范围内",
        "int_parsing": "必须是整数",
        "model_attributes_type": "必须是JSON对象",
        "dict_type": "必须是JSON对象",
        "string_too_short": "不能为空",
        "string_too_long": "太长",
    }.get(str(error.get("type")), "格式不正确")
    return messages.INVALID_REQUEST.format(detail=f"{field}{kind}" if field else kind)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        detail = _describe(errors[0]) if errors else messages.INVALID_REQUEST.format(detail="")
        return JSONResponse({"detail": detail}, status_code=422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeoutError)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # A restarting database: refuse cleanly; the pool reconnects (pre-ping) once it is back.
        return JSONResponse({"detail": messages.SERVICE_UNAVAILABLE}, status_code=503, headers={"Retry-After": "1"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        detail = detail or DEFAULT_DETAILS.get(exc.status_code, messages.INVALID_REQUEST.format(detail=""))
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)
