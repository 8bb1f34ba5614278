"""`opd-tui clock [--db URL] [--reset] [--yes]` (SPEC §3 rule 18).

It shows the hospital's clock beside the stored one; `--reset` asks on the
terminal (or takes `--yes`) before setting the stored clock back, and without a
terminal to ask on it refuses rather than guess.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from opd_tui import cli
from opd_tui.engine import AllocationEngine


@pytest.fixture
def ahead(sqlite_url: str) -> Iterator[str]:
    """A database whose stored clock was pushed an hour into the future."""
    eng = AllocationEngine.open(sqlite_url)
    try:
        doctor = eng.add_doctor("Asha Rao", "RAO")
        later = datetime.now().replace(microsecond=0) + timedelta(hours=1)
        slot = eng.add_slot(doctor.id, later, later + timedelta(hours=1), 5)
        eng.book(slot.id, "Meena Iyer", "WALKIN", now=later)
        assert eng.clock_reading().ahead
    finally:
        eng.close()
    yield sqlite_url


def _reading(url: str):  # noqa: ANN202
    eng = AllocationEngine.open(url)
    try:
        resets = [e for e in eng.events() if e.kind == "CLOCK_RESET"]
        return eng.clock_reading(), resets
    finally:
        eng.close()


def _at_a_terminal(monkeypatch: pytest.MonkeyPatch, answer: str) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)

    def _input(prompt: str) -> str:
        asked.append(prompt)
        return answer

    monkeypatch.setattr("builtins.input", _input)
    return asked


def test_it_shows_both_clocks_and_says_when_the_stored_one_is_ahead(
    ahead: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["clock", "--db", ahead]) == 0
    out = capsys.readouterr().out
    assert "Hospital clock: " in out and "(this computer)" in out
    assert "Stored clock:   " in out and "ahead" in out
    assert "opd-tui clock --reset" in out
    reading, resets = _reading(ahead)
    assert reading.ahead and resets == []  # looking changes nothing


def test_reset_asks_first_and_a_yes_sets_the_clock_back(
    ahead: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _at_a_terminal(monkeypatch, "y")
    assert cli.main(["--db", ahead, "clock", "--reset"]) == 0
    [question] = asked
    assert question.startswith("Reset the stored clock to ") and question.endswith("? [y/N] ")
    assert "Stored clock reset to" in capsys.readouterr().out
    reading, resets = _reading(ahead)
    assert not reading.ahead and len(resets) == 1


@pytest.mark.parametrize("answer", ["", "n", "no thanks"])
def test_reset_answered_anything_but_yes_changes_nothing(
    ahead: str, answer: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _at_a_terminal(monkeypatch, answer)
    assert cli.main(["clock", "--db", ahead, "--reset"]) == 1
    assert "Left as it was." in capsys.readouterr().out
    reading, resets = _reading(ahead)
    assert reading.ahead and resets == []


def test_reset_with_yes_does_not_ask(
    ahead: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = _at_a_terminal(monkeypatch, "n")
    assert cli.main(["clock", "--db", ahead, "--reset", "--yes"]) == 0
    assert asked == []
    reading, resets = _reading(ahead)
    assert not reading.ahead and len(resets) == 1


def test_reset_without_a_terminal_or_yes_refuses_in_one_line(
    ahead: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert cli.main(["clock", "--db", ahead, "--reset"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("opd-tui: ") and "--yes" in line
    reading, resets = _reading(ahead)
    assert reading.ahead and resets == []


def test_the_clock_of_a_missing_database_is_refused_and_nothing_is_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "none.sqlite3"
    assert cli.main(["clock", "--db", f"sqlite:///{path}"]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert f"There is no database at sqlite:///{path}" in line
    assert not path.exists()
