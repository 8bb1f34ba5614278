"""Managing doctors through the engine (beyond SPEC §5): deactivation keeps every
patient within reach of the desk."""

from __future__ import annotations

import pytest
from clinic import BEFORE_OPD, NEXT_DAY, at, make_clinic

from opd_tui.engine import AllocationEngine
from opd_tui.errors import InvalidTransition


def test_a_doctor_with_patients_today_cannot_be_deactivated(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 1)
    seated = clinic.book(0, "ONLINE", name="Asha Verma")
    waiting = clinic.book(0, "WALKIN", name="Ravi Kumar")
    mark = engine.last_event_id()
    with pytest.raises(InvalidTransition) as refused:
        engine.set_doctor_active(clinic.doctor.id, False, now=BEFORE_OPD)
    assert seated.number in str(refused.value) and waiting.number in str(refused.value)
    assert engine.doctor(clinic.doctor.id).active and engine.last_event_id() == mark
    engine.cancel(waiting.id, now=BEFORE_OPD)
    engine.cancel(seated.id, now=BEFORE_OPD)
    assert not engine.set_doctor_active(clinic.doctor.id, False, now=BEFORE_OPD).active
    assert engine.set_doctor_active(clinic.doctor.id, True, now=BEFORE_OPD).active


def test_patients_of_a_later_day_also_keep_the_doctor_active(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 1, code="TMRW", day=NEXT_DAY)
    clinic.book(0, "FOLLOWUP", now=BEFORE_OPD)
    with pytest.raises(InvalidTransition):
        engine.set_doctor_active(clinic.doctor.id, False, now=BEFORE_OPD)


def test_finished_days_do_not_keep_a_doctor_active(engine: AllocationEngine) -> None:
    """Yesterday's booked-but-never-seen tokens are history, not patients waiting."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "ONLINE")
    assert not engine.set_doctor_active(clinic.doctor.id, False, now=at(9, day=NEXT_DAY)).active
