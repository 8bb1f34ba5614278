"""The real thing for the API's tests: `opd-tui serve` in a subprocess on a free
port, over a SQLite file or a PostgreSQL database of its own, and HTTP clients
holding a key of each scope."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from opd_tui.api.keys import KeyStore
from opd_tui.engine import AllocationEngine

PG_ENV = "OPD_TEST_PG_URL"
#: `opd-tui` as a user runs it.
OPD_TUI = [sys.executable, "-m", "opd_tui"]
SCOPES = ("portal", "desk", "admin")
_codes = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_postgres() -> Iterator[str]:
    """A PostgreSQL database of its own (a server outlives tests that empty the run's)."""
    base = os.environ[PG_ENV]
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    name = f"opd_api_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def drop_postgres(url: str) -> None:
    """Take a database away under a running server (every connection cut)."""
    admin = create_engine(make_url(os.environ[PG_ENV]), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Server:
    db_url: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    keys: dict[str, str] = field(default_factory=dict)

    def client(self, scope: str | None = None, **headers: str) -> httpx.Client:
        if scope is not None:
            headers["Authorization"] = f"Bearer {self.keys[scope]}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not answer in {seconds:.0f} s:\n{self.log()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(db_url: str, workdir: Path, *, make_keys: bool = True) -> Server:
    """`opd-tui serve --db URL --port P`, waited for until /health answers."""
    server = launch_server(db_url, workdir, make_keys=make_keys)
    server.wait_ready()
    return server


def launch_server(db_url: str, workdir: Path, *, make_keys: bool = True) -> Server:
    """`opd-tui serve` started, not yet waited for (`wait_ready`), with a key per scope."""
    engine = AllocationEngine.open(db_url)  # the server opens an existing database only
    keys: dict[str, str] = {}
    if make_keys:
        store = KeyStore(engine)
        for scope in SCOPES:
            keys[scope] = store.create(f"test-{scope}-{uuid.uuid4().hex[:6]}", scope)[1]
    engine.close()
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    env = {k: v for k, v in os.environ.items() if k != "OPD_DB_URL"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*OPD_TUI, "serve", "--db", db_url, "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    return Server(db_url, f"http://127.0.0.1:{port}", process, log_path, keys)


# -- a day to book into -----------------------------------------------------------


def new_code() -> str:
    return f"T{next(_codes)}{uuid.uuid4().hex[:3].upper()}"[:6]


@dataclass
class Day:
    """A doctor of its own with slots, made over HTTP by an admin key."""

    doctor: dict[str, Any]
    slots: list[dict[str, Any]]

    @property
    def doctor_id(self) -> int:
        return int(self.doctor["id"])

    def slot_id(self, n: int = 0) -> int:
        return int(self.slots[n]["id"])


def tomorrow_day(admin: httpx.Client, capacities: list[int], *, name: str = "Dr Test") -> Day:
    """A doctor with hour-long slots tomorrow from 09:00 (always bookable)."""
    doctor = admin.post("/doctors", json={"name": name, "code": new_code(),
                                          "department": "Tests"}).json()
    day = (datetime.now() + timedelta(days=1)).date()
    slots = []
    for n, capacity in enumerate(capacities):
        start = datetime.combine(day, datetime.min.time()).replace(hour=9 + n)
        r = admin.post("/slots", json={"doctorId": doctor["id"], "start": start.isoformat(),
                                       "end": (start + timedelta(hours=1)).isoformat(),
                                       "capacity": capacity})
        assert r.status_code == 201, r.text
        slots.append(r.json())
    return Day(doctor, slots)


def today_day(admin: httpx.Client, capacities: list[int], *, name: str = "Dr Today") -> Day:
    """A doctor whose first slot is under way now, and later slots after it, today."""
    import pytest

    now = datetime.now().replace(second=0, microsecond=0)
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
    if midnight - now < timedelta(minutes=15):
        pytest.skip("too close to midnight for a slot under way today")
    doctor = admin.post("/doctors", json={"name": name, "code": new_code()}).json()
    start = max(now - timedelta(minutes=30), datetime.combine(now.date(), datetime.min.time()))
    step = min(timedelta(minutes=60), (midnight - now) / max(1, len(capacities)))
    ends = [now + step * (k + 1) for k in range(len(capacities))]
    slots = []
    for capacity, end in zip(capacities, ends, strict=True):
        r = admin.post("/slots", json={"doctorId": doctor["id"], "start": start.isoformat(),
                                       "end": end.isoformat(), "capacity": capacity})
        assert r.status_code == 201, r.text
        slots.append(r.json())
        start = end
    return Day(doctor, slots)


def last_event_id(desk: httpx.Client) -> int:
    """The latest event's id, read through `GET /events` (a desk key)."""
    after = 0
    while True:
        page = desk.get("/events", params={"after": after, "wait": 0, "limit": 1000}).json()
        if not page["events"]:
            return after
        after = page["last"]
