"""Managing doctors through the engine (beyond SPEC §5): deactivation (rule 19)
keeps every patient within reach of the desk."""

from __future__ import annotations

import pytest

from opd_tui.engine import AllocationEngine
from opd_tui.errors import DoctorInactive

from clinic import BEFORE_OPD, DAY, NEXT_DAY, at, make_clinic


def test_a_doctor_with_patients_today_can_be_deactivated_and_they_stay_in_sight(
    engine: AllocationEngine,
) -> None:
    """Rule 19: deactivating takes nothing away; the doctor's slots only take nothing
    new, and the desk and board keep showing the doctor while patients hold tokens."""
    clinic = make_clinic(engine, 1)
    seated = clinic.book(0, "ONLINE", name="Asha Verma")
    engine.check_in(seated.id, now=BEFORE_OPD)
    assert not engine.set_doctor_active(clinic.doctor.id, False, now=BEFORE_OPD).active
    assert [d.doctor.id for d in engine.doctor_days(DAY)] == [clinic.doctor.id]
    board = engine.now_serving(DAY, now=at(9))
    assert [row.next_numbers for row in board] == [[seated.number]]
    with pytest.raises(DoctorInactive):
        clinic.book(0, "PAID")
    engine.cancel(seated.id, now=at(9))
    assert engine.doctor_days(DAY) == []
    assert engine.set_doctor_active(clinic.doctor.id, True, now=BEFORE_OPD).active


def test_finished_days_do_not_keep_a_doctor_active(engine: AllocationEngine) -> None:
    """Yesterday's booked-but-never-seen tokens are history, not patients waiting."""
    clinic = make_clinic(engine, 1)
    clinic.book(0, "ONLINE")
    assert not engine.set_doctor_active(clinic.doctor.id, False, now=at(9, day=NEXT_DAY)).active
