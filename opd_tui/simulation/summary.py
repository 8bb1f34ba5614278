"""The end-of-day figures: what the headless CLI prints and the live screen shows last.

Counts of what happened come from the engine's event log (BUMPED events are
the bumps, and so on); final states from the tokens' statuses. Waits are
minutes from the moment a patient could first be seen (checked in, and the
slot started) to being called. Nothing here depends on the wall clock: the
same seed and configuration give the same JSON, byte for byte.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)


class WaitFigures(_Figures):
    patients: int
    mean: float | None
    p90: float | None

    @classmethod
    def of(cls, minutes: Sequence[float]) -> WaitFigures:
        if not minutes:
            return cls(patients=0, mean=None, p90=None)
        ordered = sorted(minutes)
        rank = math.ceil(0.9 * len(ordered)) - 1  # nearest-rank percentile
        return cls(
            patients=len(ordered),
            mean=round(sum(ordered) / len(ordered), 1),
            p90=round(ordered[rank], 1),
        )


class DoctorFigures(_Figures):
    code: str
    name: str
    department: str
    completed: int
    #: Minutes spent in consultation, over the minutes of the doctor's open slots.
    busy_minutes: float
    open_minutes: float
    utilisation: float
    #: Minutes the last consultation ended after the doctor's last slot.
    overrun_minutes: float
    #: Minutes spent consulting after the end of the day's last session (as planned).
    overtime_minutes: float
    late_start_minutes: int
    closed_slots: int


class SimulationSummary(_Figures):
    seed: int
    day: str
    doctors: int
    slots_created: int
    tokens_booked: int
    emergencies: int
    cancellations: int
    no_shows: int
    bumped: int
    promoted: int
    moved: int
    waitlisted_on_booking: int
    waitlisted_remaining: int
    expired: int
    #: Checked in but never called when the day was finished (rule 17).
    unseen: int
    overbooked_slots: int
    completed: int
    doctors_late: int
    slots_closed: int
    tokens_by_source: dict[str, int]
    final_states: dict[str, int]
    wait_minutes: dict[str, WaitFigures]
    #: Minutes from coming into the hall to being called, over every patient called.
    wait_from_arrival_mean: float | None
    wait_from_arrival_p90: float | None
    mean_utilisation: float
    #: Mean over the doctors of their minutes consulting past the last session's end.
    overtime_minutes: float
    utilisation: list[DoctorFigures]
    #: Things the engine refused (error class: count); a normal day has none or a few.
    refusals: dict[str, int]
    #: Walk-ins who never got a seat: sent home at the door (no slot left), or left on
    #: a waitlist until it expired.
    turned_away: int
    #: Pre-bookings not made because every slot was full and the desk does not bump.
    bookings_declined: int
    finished: bool
    simulated_until: str
    engine_operations: int
    engine_calls: dict[str, int]

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json", by_alias=True), indent=2,
                          ensure_ascii=False)

    def to_text(self) -> str:
        """A few lines for a person at a terminal."""
        waits = ", ".join(
            f"{source} {w.mean} (p90 {w.p90})"
            for source, w in self.wait_minutes.items()
            if w.patients
        )
        return "\n".join(
            [
                f"OPD day {self.day}, seed {self.seed}: {self.doctors} doctors, "
                f"{self.slots_created} slots",
                f"tokens {self.tokens_booked} (emergencies {self.emergencies}), "
                f"completed {self.completed}",
                f"cancelled {self.cancellations}, no-shows {self.no_shows}, "
                f"expired {self.expired}, unseen {self.unseen}, "
                f"turned away {self.turned_away}",
                f"bumped {self.bumped}, promoted {self.promoted}, moved {self.moved}, "
                f"waitlisted on booking {self.waitlisted_on_booking}, "
                f"still waitlisted {self.waitlisted_remaining}",
                f"overbooked slots {self.overbooked_slots}, doctors late {self.doctors_late}, "
                f"slots closed {self.slots_closed}",
                f"mean wait in minutes: {waits or 'nobody was called'}",
                f"from arrival to call: mean {_minutes(self.wait_from_arrival_mean)}, "
                f"p90 {_minutes(self.wait_from_arrival_p90)}",
                f"mean utilisation {self.mean_utilisation:.0%}, "
                f"overtime {self.overtime_minutes} min a doctor; "
                f"{self.engine_operations} engine operations",
            ]
        )


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value} min"
