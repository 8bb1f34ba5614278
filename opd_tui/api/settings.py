"""The server's knobs, with the values SPEC §7 and issue 10 ask for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ApiSettings:
    #: A request body over this is refused (413) before it is read.
    max_body_bytes: int = 64 * 1024
    #: `GET /events` waits at most this long for news (long polling).
    events_wait_max: float = 25.0
    #: How often a waiting `GET /events` looks for news (one look for all waiters).
    events_poll_seconds: float = 0.25
    #: `engine.advance()` runs this often (rules 14, 17): days finalised, waitlists
    #: of ended slots rolled on, without anyone remembering to. 0: never.
    advance_seconds: float = 60.0
    #: `POST /simulate/day` plays at most this many doctors (a day of 100 doctors
    #: takes seconds of a core; the limit keeps one request from taking minutes).
    simulate_doctors_max: int = 100
