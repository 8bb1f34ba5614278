"""One real server per backend for the whole run (per xdist worker), shared by the
API's test modules: each test makes a doctor of its own, so tests never meet. Both
servers start at once, on the first test that needs one."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from .server import PG_ENV, Server, launch_server, private_postgres


@pytest.fixture(scope="session")
def _servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Server]]:
    with ExitStack() as stack:
        workdir = tmp_path_factory.mktemp("api")
        urls = {"sqlite": f"sqlite:///{workdir / 'opd.sqlite3'}"}
        if os.environ.get(PG_ENV):
            urls["postgres"] = stack.enter_context(private_postgres())
        servers = {}
        for backend, url in urls.items():
            servers[backend] = launch_server(url, workdir)
            stack.callback(servers[backend].stop)
        for running in servers.values():
            running.wait_ready()
        yield servers


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, _servers: dict[str, Server]) -> Server:
    if request.param not in _servers:
        pytest.skip(f"{PG_ENV} is not set: no PostgreSQL server to test against")
    return _servers[request.param]
