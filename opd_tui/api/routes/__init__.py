"""One router per resource; `create_app` includes them all."""

from . import doctors, events, public, reports, simulation, slots, tokens

ROUTERS = [
    public.router,
    doctors.router,
    slots.router,
    tokens.router,
    events.router,
    reports.router,
    simulation.router,
]
