"""An ASGI app served over HTTP on loopback, in the test's own event loop: a webhook receiver, or
the on-call console for a browser."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, Literal

import uvicorn

from tools.stack.process import LOOPBACK


class _Server(uvicorn.Server):
    """uvicorn, without taking over SIGINT and SIGTERM: those stay the test runner's."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def served(app: Any, port: int, *, lifespan: Literal["on", "off"] = "off") -> AsyncIterator[str]:
    """`app` on 127.0.0.1:`port` with uvicorn in this event loop; yields its base URL."""
    config = uvicorn.Config(
        app, host=LOOPBACK, port=port, log_config=None, lifespan=lifespan, access_log=False,
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    server = _Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises what stopped it
        await asyncio.sleep(0.01)
    try:
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.should_exit = True
        await task
