"""Rule 25: the day's report, from the event log."""

from __future__ import annotations

import csv
import io

import pytest

from opd_tui.domain.report_text import csv_text, table_text
from opd_tui.engine import AllocationEngine
from opd_tui.errors import InvalidInput

from clinic import BEFORE_OPD, DAY, NEXT_DAY, at, make_clinic


def _played_day(engine: AllocationEngine):
    """Doctor AR: two half-hour slots of two seats; doctor BK: one slot, untouched."""
    clinic = make_clinic(engine, 2, 2, code="AR")
    make_clinic(engine, 1, code="BK")
    walkin = clinic.book(0, "WALKIN", name="Walk In")
    online = clinic.book(0, "ONLINE", name="[bold]Online[/] One")
    paid = clinic.book(0, "PAID", name="Paid Patient")  # bumps the walk-in to 09:30
    engine.emergency(clinic.doctor.id, "Em Case", clinic.slots[0].id, now=BEFORE_OPD)
    engine.check_in(paid.id, now=at(9))
    engine.check_in(online.id, now=at(9, 4))
    engine.call_next(clinic.doctor.id, now=at(9, 10))  # paid: waited 10 minutes
    engine.call_next(clinic.doctor.id, now=at(9, 16))  # paid done (6 min); online waited 12
    engine.complete(online.id, now=at(9, 26))  # 10 minutes
    engine.cancel(walkin.id, now=at(9, 40))
    engine.advance(at(8, day=NEXT_DAY))  # the emergency never came: no-show
    return clinic, paid, online, walkin


def test_a_day_in_figures(engine: AllocationEngine) -> None:
    clinic, paid, online, walkin = _played_day(engine)

    report = engine.day_report(DAY)

    ar, bk = report.doctors
    assert (ar.key, bk.key) == ("AR", "BK")
    assert (ar.tokens, ar.seen, ar.no_shows, ar.cancelled, ar.bumped) == (4, 2, 1, 1, 1)
    assert ar.overbooked_slots == 1
    assert (ar.wait_mean, ar.wait_median, ar.wait_p90) == (11.0, 11.0, 11.8)
    assert ar.consult_mean == 8.0
    assert ar.utilisation == round(16 / 60, 3)
    assert (ar.first_call, ar.last_completion) == (at(9, 10), at(9, 26))
    assert (bk.tokens, bk.utilisation, bk.wait_mean) == (0, 0.0, None)
    by_source = {row.key: row for row in report.sources}
    assert set(by_source) == {"EMERGENCY", "PAID", "ONLINE", "WALKIN"}
    assert by_source["WALKIN"].bumped == 1 and by_source["WALKIN"].cancelled == 1
    assert by_source["PAID"].wait_mean == 10.0
    assert by_source["PAID"].utilisation is None
    assert report.total.tokens == 4 and report.total.seen == 2
    assert report.total.utilisation == round(16 / 90, 3)


def test_a_past_days_report_never_changes(engine: AllocationEngine) -> None:
    clinic, *_ = _played_day(engine)
    before = engine.day_report(DAY)
    later = engine.add_slot(clinic.doctor.id, at(9, day=NEXT_DAY), at(10, day=NEXT_DAY), 2)
    token = engine.book(later.id, "Next Day", "WALKIN", now=at(8, day=NEXT_DAY), in_hall=True)
    engine.call_next(clinic.doctor.id, now=at(9, day=NEXT_DAY))
    engine.advance(at(8, day=NEXT_DAY + (NEXT_DAY - DAY)))
    assert engine.day_report(DAY) == before
    assert [t.id for t in engine.search("Next Day")] == [token.id]
    assert engine.day_report(NEXT_DAY).total.tokens == 1


def test_csv_has_a_row_per_doctor_then_source_then_total(engine: AllocationEngine) -> None:
    _played_day(engine)
    rows = list(csv.DictReader(io.StringIO(csv_text(engine.day_report(DAY)))))
    assert [(r["group"], r["key"]) for r in rows] == [
        ("doctor", "AR"), ("doctor", "BK"),
        ("source", "EMERGENCY"), ("source", "PAID"), ("source", "ONLINE"), ("source", "WALKIN"),
        ("total", "TOTAL"),
    ]
    assert rows[0]["wait_p90_min"] == "11.8" and rows[0]["first_call"] == "2030-03-04T09:10"


def test_the_table_prints_names_as_typed(engine: AllocationEngine) -> None:
    clinic = make_clinic(engine, 2, code="MK")
    engine.update_doctor(clinic.doctor.id, name="Dr [red]Markup[/]")
    text = table_text(engine.day_report(DAY))
    assert "MK Dr [red]Markup[/]" in text
    assert "Wait: minutes from check-in to call" in text


def test_an_empty_day_reports_zeros(engine: AllocationEngine) -> None:
    report = engine.day_report(DAY)
    assert report.doctors == [] and report.total.tokens == 0


@pytest.mark.parametrize("bad", ["2030-03-04", None, 5])
def test_the_day_must_be_a_date(engine: AllocationEngine, bad: object) -> None:
    with pytest.raises(InvalidInput):
        engine.day_report(bad)  # type: ignore[arg-type]
