"""What every HTTP route of Ketenpoort shares (the gateway, an adapter service, the on-call service):
a JSON answer, and the door each request passes first.

The door (`Door`) refuses what no route should have to handle: a header that is not ASCII text
(400, naming the header) and a body larger than the route takes (413). The body limit is set per
route and enforced while the body is read: a declared `Content-Length` over the limit is refused
before anything is read, and a body sent without one (chunked) as soon as it grows past the
limit, so no route ever holds more than its limit in memory.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from faststream.asgi.types import ASGIApp, Receive, Scope, Send
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

KiB = 1024
MiB = 1024 * KiB

# The body limits most routes take: none (reads and health), or a small JSON query or sign-in.
NO_BODY = 0
SMALL_JSON = 4 * KiB


async def respond(
    send: Send, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = orjson.dumps(body)
    fixed = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": [*fixed, *(headers or [])]})
    await send({"type": "http.response.body", "body": payload})


async def body_of(receive: Receive) -> bytes | None:
    """The whole request body (the door in front of the route has bounded it); None when the
    client went away before sending all of it."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def not_ascii_header(scope: Scope) -> str | None:
    """The name of the first header whose value is not printable ASCII, else None."""
    for key, value in scope.get("headers", []):
        if any(byte > 0x7E or (byte < 0x20 and byte != 0x09) for byte in value):
            return bytes(key).decode("latin-1").lower()
    return None


def size(limit: int) -> str:
    """A byte count as people say it: "16 MiB", "4 KiB", "0 bytes"."""
    for unit, name in ((MiB, "MiB"), (KiB, "KiB")):
        if limit >= unit and limit % unit == 0:
            return f"{limit // unit} {name}"
    return f"{limit} bytes"


class Door:
    """ASGI middleware in front of one route: headers in ASCII, and at most `max_body` bytes of body.

    A body declared larger is refused before the route runs. A body that grows past the limit
    while the route reads it (sent without Content-Length) ends there: the route is told the client
    went away (`http.disconnect`, which every ASGI reader handles), whatever it answers to that is
    dropped, and the client gets 413. (Starlette's RequestBodyLimitMiddleware raises an exception
    inside the route instead, which Starlette's own streaming and file responses wrap in an
    ExceptionGroup: a 500 with a traceback, as tests/integration/test_http_fuzz.py found.)
    """

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        name = not_ascii_header(scope)
        if name is not None:
            message = f"the header {name!r} holds bytes that are not ASCII text: send it in ASCII"
            await respond(send, 400, {"error": message})
            return
        declared = Headers(scope=scope).get("content-length", "").strip()
        if declared.isdigit() and int(declared) > self.max_body:
            await self.too_large(send)
            return
        read, overflowed, started = 0, False, False

        async def counted() -> MutableMapping[str, Any]:
            nonlocal read, overflowed
            if overflowed:
                return {"type": "http.disconnect"}
            message = await receive()
            read += len(message.get("body", b""))
            if read > self.max_body:
                overflowed = True
                return {"type": "http.disconnect"}
            return message

        async def answered(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            if overflowed and not started:
                return  # the route answering a client it thinks gone: the client gets 413 instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, answered)
        except Exception:
            if not overflowed:
                raise
            # What the route raised on being told the client went away is the overflow: answered below.
        if overflowed and not started:
            await self.too_large(send)

    async def too_large(self, send: Send) -> None:
        taken = f"a body of {size(self.max_body)} at most" if self.max_body else "no body"
        await respond(send, 413, {"error": f"this takes {taken}"})


def route(
    path: str, endpoint: Callable[[Request], Awaitable[Response]], method: str, *, max_body: int = NO_BODY
) -> Route:
    """A Starlette route behind the door, taking at most `max_body` bytes of body."""
    return Route(path, endpoint, methods=[method], middleware=[Middleware(Door, max_body=max_body)])
