"""`opd-tui report [--day D] [--db URL] [--csv]` (SPEC §6)."""

from __future__ import annotations

import csv
import io

import pytest

from opd_tui import cli
from opd_tui.engine import AllocationEngine

from clinic import DAY, at, make_clinic


@pytest.fixture
def played(sqlite_url: str) -> str:
    with AllocationEngine.open(sqlite_url) as eng:
        clinic = make_clinic(eng, 2, code="AR")
        token = clinic.book(0, "PAID", name="Secret Name", ref="9876543210")
        eng.check_in(token.id, now=at(9))
        eng.call_next(clinic.doctor.id, now=at(9, 5))
        eng.complete(token.id, now=at(9, 15))
    return sqlite_url


def test_the_report_prints_a_table(played: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "--db", played, "--day", DAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "OPD day Monday 04 March 2030" in out
    assert "AR Doctor AR" in out and "All doctors" in out
    assert "Secret Name" not in out and "9876543210" not in out


def test_the_report_as_csv(played: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["report", "--db", played, "--day", DAY.isoformat(), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["group"], r["key"], r["seen"]) for r in rows] == [
        ("doctor", "AR", "1"), ("source", "PAID", "1"), ("total", "TOTAL", "1")]
    assert rows[0]["wait_mean_min"] == "5.0" and rows[0]["consult_mean_min"] == "10.0"


def test_a_bad_day_or_a_missing_database_is_one_line(
    tmp_path, played: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["report", "--db", played, "--day", "yesterday"])
    assert exited.value.code == 2
    assert "is not a day" in capsys.readouterr().err
    assert cli.main(["report", "--db", f"sqlite:///{tmp_path / 'none.sqlite3'}"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("opd-tui: ")
