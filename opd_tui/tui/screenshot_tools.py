"""What the screenshot scripts share: a demo day, keys pressed, an SVG saved.

The desk's, the kiosk's and the simulation's scripts each list their pictures
and how to make one; opening the app, pressing the keys, waiting for it to
settle and saving the SVG happen here. The TUI tests drive apps the same way.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

from textual.app import App
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from ..demo import build_demo_day, demo_now
from ..engine import AllocationEngine

#: The demo day of every desk and kiosk picture (its clock stands at 10:40).
DAY = date(2025, 3, 10)
#: A key written `text:Meena Joshi` is typed as it stands.
TEXT = "text:"

Settle = Callable[[Pilot], Awaitable[None]]


async def workers_done(app: App) -> None:
    """Wait for the app's workers; one cancelled by a newer errand is done too."""
    for worker in list(app.workers):
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


async def settle(pilot: Pilot) -> None:
    """Let workers finish and the screen catch up."""
    for _ in range(3):
        await pilot.pause()
        await workers_done(pilot.app)
    await pilot.pause()


async def press(pilot: Pilot, keys: Iterable[str], then: Settle = settle) -> None:
    """Press each key (`text:...` typed character by character), settling after each."""
    for key in keys:
        if key.startswith(TEXT):
            await pilot.press(*[{" ": "space"}.get(ch, ch) for ch in key[len(TEXT):]])
        else:
            await pilot.press(key)
        await then(pilot)


@contextmanager
def demo_day() -> Iterator[tuple[AllocationEngine, Callable[[], datetime]]]:
    """An in-memory copy of the demo day, and a clock standing at its 10:40."""
    engine = AllocationEngine.open("sqlite:///:memory:")
    try:
        build_demo_day(engine, DAY)
        now = demo_now(DAY)
        yield engine, lambda: now
    finally:
        engine.close()


async def shoot(
    app: App, out: Path, name: str, size: tuple[int, int], keys: Sequence[str] = (),
    *, ready: Settle = settle, then: Settle = settle,
) -> Path:
    """`out/name.svg`: the app at `size` once `ready`, after `keys`."""
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await press(pilot, keys, then)
        await pilot.pause(0.2)
        app.save_screenshot(filename=f"{name}.svg", path=str(out))
    return out / f"{name}.svg"


def take_each(out: Path, shots: Iterable[Callable[[Path], Coroutine[None, None, Path]]]) -> list[Path]:
    """Make each picture in `out`, one event loop each (as `App.run` would)."""
    out.mkdir(parents=True, exist_ok=True)
    return [asyncio.run(shot(out)) for shot in shots]


def main_of(doc: str | None, take_all: Callable[[Path], Iterable[Path]]) -> Callable[..., int]:
    """A `main(argv)` that takes `--out` and prints each picture made."""

    def main(argv: Sequence[str] | None = None) -> int:
        parser = argparse.ArgumentParser(description=doc,
                                         formatter_class=argparse.RawTextHelpFormatter)
        parser.add_argument("--out", default="screenshots", help="folder for the SVGs")
        args = parser.parse_args(argv)
        for path in take_all(Path(args.out)):
            print(path)
        return 0

    return main
