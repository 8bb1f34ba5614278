"""Long polling for `GET /events?after=N`: one look at the database for every
waiting client.

A ward display or a HIS asks for events after the last one it has; when there is
none yet, the request waits (up to 25 s) for news. While anyone waits, one task
reads the latest event id every `poll_seconds` and wakes the waiters when it
grows, so a hundred displays cost one small query four times a second, and none
when nobody waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.concurrency import run_in_threadpool

from ..domain.errors import OPDError
from ..engine import AllocationEngine

log = logging.getLogger("opd_tui.api")


class EventFeed:
    def __init__(self, engine: AllocationEngine, poll_seconds: float) -> None:
        self._engine = engine
        self._poll_seconds = poll_seconds
        self._latest = 0
        self._news = asyncio.Event()
        self._waiting = 0
        self._task: asyncio.Task[None] | None = None

    async def wait_beyond(self, after: int, timeout: float) -> None:
        """Return once an event with an id above `after` exists, or after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        self._waiting += 1
        try:
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._watch())
            while self._latest <= after:
                left = deadline - loop.time()
                if left <= 0:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._news.wait(), left)
        finally:
            self._waiting -= 1

    async def _watch(self) -> None:
        while self._waiting > 0:
            try:
                latest = await run_in_threadpool(self._engine.last_event_id)
            except OPDError as error:  # the waiters' own read will say so
                log.warning("events: cannot read the latest event: %s", type(error).__name__)
                latest = self._latest
            if latest != self._latest:
                self._latest = latest
                news, self._news = self._news, asyncio.Event()
                news.set()
            await asyncio.sleep(self._poll_seconds)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
