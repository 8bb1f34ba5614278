"""Every command line tells a database fault in one line and exits 2 (SPEC §4).

Run as the user runs them, `python -m opd_tui ...` in a process of its own: the
desk and the kiosk must refuse before Textual takes the terminal, the
simulation before it plays, and no line may carry a password.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from opd_tui.engine import AllocationEngine

ROOT = Path(__file__).resolve().parents[1]
SECRET = "secretpw"


def opd_tui(*args: str, wrap: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "opd_tui", *args]
    return subprocess.run([*(wrap or []), *argv], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, stdin=subprocess.DEVNULL, check=False)


def one_line_and_2(done: subprocess.CompletedProcess[str]) -> str:
    """The error line, after checking it is the only thing on stderr and the status is 2."""
    lines = done.stderr.splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert len(lines) == 1 and lines[0].startswith("opd-tui: "), done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stdout + done.stderr
    assert SECRET not in done.stdout + done.stderr
    return lines[0]


def _database(path: Path) -> None:
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        eng.add_doctor("Asha Rao", "RAO")
    finally:
        eng.close()


def test_simulate_refuses_a_garbage_url() -> None:
    line = one_line_and_2(opd_tui("simulate", "--headless", "--db", "garbage"))
    assert "'garbage' is not a database URL" in line


def test_simulate_names_a_refused_server_without_its_password() -> None:
    url = f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x"
    line = one_line_and_2(opd_tui("simulate", "--headless", "--json", "--db", url))
    assert "postgresql+psycopg://u:***@127.0.0.1:1/x" in line


def test_the_kiosk_makes_no_database_where_there_is_none() -> None:
    line = one_line_and_2(opd_tui("kiosk", "--db", "sqlite:////nonexistent/x.db"))
    assert "There is no database at sqlite:////nonexistent/x.db" in line
    assert not Path("/nonexistent").exists()


def test_the_clock_names_a_refused_server_without_its_password() -> None:
    line = one_line_and_2(opd_tui("--db", f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x",
                                  "clock"))
    assert "postgresql+psycopg://u:***@127.0.0.1:1/x" in line and "refused" in line


@pytest.mark.parametrize("command", [[], ["kiosk"]])
def test_a_text_file_is_refused_before_any_screen_starts(
    tmp_path: Path, command: list[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n")
    done = opd_tui("--db", f"sqlite:///{notes}", *command)
    line = one_line_and_2(done)
    assert f"sqlite:///{notes} is not a database file" in line
    assert done.stdout == ""
    assert notes.read_text() == "not a database\n"


def test_an_unknown_kind_of_database_is_refused() -> None:
    line = one_line_and_2(opd_tui("desk", "--db", f"mysql+pymysql://u:{SECRET}@host/x"))
    assert "mysql+pymysql://u:***@host/x" in line


def _without_root_powers() -> list[str]:
    """A prefix that makes file permissions bind root too (CAP_DAC_* dropped)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("capsh") is None:
        pytest.skip("capsh is not installed: cannot make root respect file permissions")
    return ["capsh", "--drop=cap_dac_override,cap_dac_read_search", "--", "-c",
            'exec "$0" "$@"']


def test_a_read_only_file_in_a_read_only_folder_is_refused_by_chmod_alone(
    tmp_path: Path,
) -> None:
    """chmod 0444 on the file and 0555 on its folder: SQLite cannot make its journal."""
    folder = tmp_path / "archive"
    folder.mkdir()
    path = folder / "opd.sqlite3"
    _database(path)
    before = path.read_bytes()
    path.chmod(0o444)
    folder.chmod(0o555)
    try:
        wrap = _without_root_powers()
        line = one_line_and_2(opd_tui("--db", f"sqlite:///{path}", "clock", wrap=wrap))
        assert f"sqlite:///{path}" in line and "cannot be written" in line
        line = one_line_and_2(opd_tui("kiosk", "--db", f"sqlite:///{path}", wrap=wrap))
        assert "cannot be written" in line
    finally:
        folder.chmod(0o755)
        path.chmod(0o600)
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["opd.sqlite3"]


def test_a_read_only_file_refuses_a_clock_reset(tmp_path: Path) -> None:
    path = tmp_path / "opd.sqlite3"
    _database(path)
    path.chmod(0o400)
    try:
        line = one_line_and_2(opd_tui("clock", "--db", f"sqlite:///{path}", "--reset", "--yes",
                                      wrap=_without_root_powers()))
        assert "read-only" in line and f"sqlite:///{path}" in line
    finally:
        path.chmod(0o600)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT count(*) FROM events WHERE kind = 'CLOCK_RESET'"
                           ).fetchone()[0] == 0


def test_a_file_others_can_read_is_made_private_and_the_command_says_so(
    tmp_path: Path,
) -> None:
    path = tmp_path / "opd.sqlite3"
    _database(path)
    path.chmod(0o644)
    done = opd_tui("clock", "--db", f"sqlite:///{path}")
    assert done.returncode == 0, done.stderr
    [notice] = done.stderr.splitlines()
    assert notice.startswith(f"opd-tui: Made {path} readable by its owner only")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Hospital clock" in done.stdout


def test_simulate_on_a_file_still_plays(tmp_path: Path) -> None:
    """The check before a simulation changes nothing for a database that opens."""
    path = tmp_path / "sim.sqlite3"
    done = opd_tui("simulate", "--headless", "--json", "--seed", "3", "--doctors", "1",
                   "--db", f"sqlite:///{path}")
    assert done.returncode == 0, done.stderr
    assert '"doctors": 1' in done.stdout
