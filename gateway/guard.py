"""What every request passes before a route sees it: a bounded body, no control characters
in its address, and, for a browser on another site, an allowed origin.

Refusals are 4xx with a Chinese ``detail``, like every other error of the API.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from kefu import messages

# C0 controls and DEL. Message text may keep tab and line breaks; names, ids and addresses may not.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(value: str, *, text: bool = False) -> bool:
    return bool((_CONTROL_IN_TEXT if text else _CONTROL).search(value))


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, messages.BODY_TOO_LARGE.format(limit_kb=limit // 1024))


class RequestGuard:
    """Refuses oversize bodies (by Content-Length, or while a chunked body streams in) and
    control characters in the path or query, which no route accepts and PostgreSQL cannot store."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # The multipart envelope around an upload adds a little to the file itself.
        self.max_upload_bytes = max_upload_bytes + max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if _address_has_control_characters(scope):
            refusal = (
                WebSocketClose(code=1008) if scope["type"] == "websocket"
                else JSONResponse({"detail": messages.CONTROL_CHARACTERS}, status_code=400)
            )
            await refusal(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        limit = self.max_upload_bytes if _is_upload(headers) else self.max_body_bytes
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        await self.app(scope, _bounded(receive, limit), send)


def _address_has_control_characters(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1")
    parts = [scope["path"], *(piece for pair in parse_qsl(query, keep_blank_values=True) for piece in pair)]
    return any(has_control_characters(part) for part in parts)


def _is_upload(headers: Headers) -> bool:
    return headers.get("content-type", "").startswith("multipart/form-data")


def _too_large(limit: int) -> Response:
    error = BodyTooLarge(limit)
    return JSONResponse({"detail": error.detail}, status_code=error.status_code)


def _bounded(receive: Receive, limit: int) -> Receive:
    """``receive`` that stops a body without Content-Length once it passes ``limit``; the route
    reading it gets an HTTPException, which the error handlers turn into the 413."""
    received = 0

    async def bounded_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return bounded_receive


class CorsPolicy(CORSMiddleware):
    """Starlette's CORS handling; a refused preflight says why in Chinese."""

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        headers = {key: value for key, value in response.headers.items() if not key.startswith("content-")}
        return JSONResponse({"detail": messages.CORS_DENIED}, status_code=response.status_code, headers=headers)
