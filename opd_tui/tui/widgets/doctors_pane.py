"""The doctors pane: who is in today, who is with each doctor now and how many wait in
the hall, how full their day is, and their state."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from ...domain.models import DoctorDay, DoctorQueue
from .partial_table import PartialTable

#: The day's figures and state before department and room: a narrow pane cuts the last.
#: "Now": the number of the token with the doctor (RAO-006 shows as 006 beside RAO);
#: "Hall": patients checked in, waiting to be called.
COLUMNS = [("code", "Code"), ("doctor", "Doctor"), ("now", "Now"), ("hall", "Hall"),
           ("booked", "Booked"), ("wait", "Wait"), ("state", "State"),
           ("dept", "Department"), ("room", "Room")]


def short_number(number: str | None) -> str:
    """`RAO-006` as `006`: the row already says whose."""
    return number.rsplit("-", 1)[-1] if number else ""


def doctor_state(day: DoctorDay, slots_today: int) -> str:
    if slots_today == 0:
        return "no slots"
    parts = []
    if day.delay_minutes:
        parts.append(f"delayed {day.delay_minutes} min")
    if day.closed_slots:
        parts.append(f"{day.closed_slots} slot{'s' if day.closed_slots > 1 else ''} closed")
    return ", ".join(parts) or "available"


class DoctorsPane(PartialTable[Text]):
    """One row per active doctor, keyed by doctor id, updated by diff."""

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._shown: dict[int, tuple[str, ...]] = {}
        self._order: list[int] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    @property
    def doctor_ids(self) -> list[int]:
        return list(self._order)

    def show(self, days: Sequence[DoctorDay], slot_counts: dict[int, int],
             queues: dict[int, DoctorQueue] | None = None) -> None:
        queues = queues or {}
        rows: dict[int, tuple[str, ...]] = {
            d.doctor.id: (
                d.doctor.code,
                d.doctor.name,
                short_number(queue.with_doctor) if (queue := queues.get(d.doctor.id)) else "",
                str(queue.in_hall) if queue and queue.in_hall else "",
                f"{d.booked}/{d.capacity}",
                str(d.waitlisted) if d.waitlisted else "",
                doctor_state(d, slot_counts.get(d.doctor.id, 0)),
                d.doctor.department or "-",
                d.doctor.room or "-",
            )
            for d in days
        }
        order = [d.doctor.id for d in days]
        if order != self._order:
            selected = self.selected_doctor_id
            self.clear()
            for doctor_id in order:
                self.add_row(*map(Text, rows[doctor_id]), key=str(doctor_id))
            self.measure_now()
            self._order, self._shown = order, rows
            if selected is not None:
                self.select(selected)
            return
        for doctor_id, values in rows.items():
            old = self._shown.get(doctor_id)
            for (key, _), value, before in zip(COLUMNS, values, old or ("",) * len(COLUMNS), strict=True):
                if value != before:
                    self.update_cell(str(doctor_id), key, Text(value))
        self._shown = rows

    @property
    def selected_doctor_id(self) -> int | None:
        row = self.cursor_row
        return self._order[row] if 0 <= row < len(self._order) else None

    def select(self, doctor_id: int) -> None:
        if doctor_id in self._order:
            self.move_cursor(row=self._order.index(doctor_id), scroll=True)
