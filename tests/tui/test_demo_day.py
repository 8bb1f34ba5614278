"""The demo day a newcomer sees first with `opd-tui --demo`."""

from __future__ import annotations

from datetime import date

from opd_tui.demo import build_demo_day, demo_now, ensure_demo_day, open_demo
from opd_tui.domain.enums import SlotStatus, Source
from opd_tui.engine import AllocationEngine

from invariants import check_invariants

DAY = date(2025, 3, 10)


def test_demo_day_is_believable(engine: AllocationEngine) -> None:
    build_demo_day(engine, DAY)
    now = demo_now(DAY)
    doctors = engine.doctors()
    assert len(doctors) >= 6
    assert len({d.department for d in doctors}) >= 3
    slots = engine.day_slots(DAY, now=now)
    for doctor in doctors:
        times = [f"{s.start:%H:%M}-{s.end:%H:%M}" for s in slots if s.doctor_id == doctor.id]
        if doctor.code == "KHAN":  # delayed 15 minutes at 10:25: later slots moved on
            assert times[:2] == ["09:00-10:00", "10:00-11:00"]
            continue
        assert times == ["09:00-10:00", "10:00-11:00", "11:00-12:00", "12:00-13:00",
                         "14:00-15:00", "15:00-16:00", "16:00-17:00"]
    summary = engine.day_summary(DAY)
    assert set(summary.by_source) == {s.value for s in Source}
    statuses = {s.status for s in slots}
    assert SlotStatus.FULL in statuses and SlotStatus.OVERBOOKED in statuses
    assert sum(1 for s in slots if s.status == SlotStatus.OVERBOOKED) == 1
    assert sum(s.waitlisted for s in slots) > 0
    for status in ("CHECKED_IN", "COMPLETED", "IN_CONSULTATION"):
        assert summary.by_status.get(status, 0) > 0
    check_invariants(engine, now)


def test_demo_fills_an_empty_database_once(tmp_path) -> None:  # noqa: ANN001
    engine = AllocationEngine.open(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    assert ensure_demo_day(engine, DAY)
    tokens = engine.day_summary(DAY).tokens
    assert not ensure_demo_day(engine, DAY)
    assert engine.day_summary(DAY).tokens == tokens
    engine.close()


def test_open_demo_uses_its_own_file_in_the_data_dir() -> None:
    engine, clock = open_demo(DAY)
    try:
        assert engine.url.endswith("demo.sqlite3")
        assert clock() >= demo_now(DAY)
        assert engine.day_summary(DAY).tokens > 100
    finally:
        engine.close()
