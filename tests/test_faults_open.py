"""Opening a database that cannot be used (SPEC §4, "The database's own faults").

Each fault is made to happen for real: a text file, a folder, a file nobody may
read, a folder nobody may write to (which stops root too: `chattr +i`), a
damaged file, a schema from a newer program, a missing file for the kiosk.
Each open raises the right `DatabaseError`, naming the database without its
password and saying what to do, and leaves the file as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from opd_tui.engine import AllocationEngine
from opd_tui.errors import (
    DatabaseCorrupt,
    DatabaseError,
    DatabaseReadOnly,
    DatabaseUnavailable,
    OPDError,
)

DAY = datetime(2030, 3, 4)
NOW = DAY.replace(hour=8)


def _refused(url: str, kind: type[DatabaseError], *, create: bool = True) -> DatabaseError:
    """Open `url`, expecting `kind`; the error is one line, ours, naming no password."""
    with pytest.raises(kind) as caught:
        AllocationEngine.open(url, create=create)
    error = caught.value
    message = str(error)
    assert "\n" not in message
    assert "secretpw" not in message and "secretpw" not in repr(error)
    assert "sqlalche.me" not in message and not message.startswith("(")  # no driver's text
    shown = "".join(traceback.format_exception(error))
    assert "secretpw" not in shown
    assert "direct cause" not in shown and "During handling" not in shown
    return error


def _day_on(path: Path) -> None:
    """A database with one booking on it."""
    eng = AllocationEngine.open(f"sqlite:///{path}")
    try:
        doctor = eng.add_doctor("Asha Rao", "RAO")
        slot = eng.add_slot(doctor.id, DAY.replace(hour=9), DAY.replace(hour=10), 2)
        eng.book(slot.id, "Meena Iyer", "WALKIN", now=NOW)
    finally:
        eng.close()


def _events_in(path: Path) -> int:
    with sqlite3.connect(path) as raw:
        return raw.execute("SELECT count(*) FROM events").fetchone()[0]


@contextmanager
def unwritable(*paths: Path) -> Iterator[None]:
    """Nobody, root included, may write to `paths` (or make files in them) inside.

    chmod does not stop root, which the tests may run as: there the inode is
    made immutable (`chattr +i`). The fault is checked to be real before use.
    """
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in paths}
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    done: list[Path] = []
    try:
        for p in paths:
            if subprocess.run(["chattr", "+i", str(p)], capture_output=True, check=False).returncode:
                pytest.skip("chattr +i is not available here: cannot stop root from writing")
            done.append(p)
        probe = paths[0] / "probe" if paths[0].is_dir() else paths[0]
        with pytest.raises(PermissionError):
            if probe.name == "probe":
                probe.touch()
            else:
                probe.open("ab").close()
        yield
    finally:
        for p in done:
            subprocess.run(["chattr", "-i", str(p)], check=True)


# -- the URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["garbage", "postgresql+psycopg://u:secretpw@host:notaport/x", "://u:secretpw@/"],
)
def test_a_url_that_is_not_one_is_refused_naming_it_without_password(url: str) -> None:
    error = _refused(url, DatabaseUnavailable)
    assert "not a database URL" in str(error)
    assert "sqlite:///" in str(error)  # what a URL looks like


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("foo://u:secretpw@host/x", "foo://u:***@host/x"),
        ("mysql+pymysql://u:secretpw@host/x", "mysql+pymysql://u:***@host/x"),
        ("sqlite+nodriver:///x.db", "sqlite+nodriver:///x.db"),
        ("postgresql+psycopg2://u:secretpw@host/x", "postgresql+psycopg2://u:***@host/x"),
    ],
)
def test_an_unknown_kind_of_database_or_driver_is_refused(
    url: str, named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where `sqlite+nodriver:///x.db` would be made
    error = _refused(url, DatabaseUnavailable)
    assert named in str(error)
    assert "postgresql+psycopg://" in str(error)  # what to use instead
    assert list(tmp_path.iterdir()) == []


def test_a_refused_port_is_unavailable_naming_no_password() -> None:
    url = "postgresql+psycopg://opd:secretpw@127.0.0.1:1/opd"
    message = str(_refused(url, DatabaseUnavailable))
    assert "postgresql+psycopg://opd:***@127.0.0.1:1/opd" in message
    assert "refused" in message


# -- SQLite files ---------------------------------------------------------------------


def test_a_text_file_is_not_a_database_and_is_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Doctor's rota for March\n" * 20)
    before = path.read_bytes()
    error = _refused(f"sqlite:///{path}", DatabaseUnavailable)
    assert f"sqlite:///{path}" in str(error) and "not a database" in str(error)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no -wal, no -shm


def test_a_folder_is_not_a_database_file(tmp_path: Path) -> None:
    error = _refused(f"sqlite:///{tmp_path}", DatabaseUnavailable)
    assert "folder" in str(error)


def without_root_powers(argv: list[str]) -> list[str]:
    """`argv` run so that file permissions bind it: as root, without the
    capabilities that let root read and write anything (CAP_DAC_*)."""
    if os.geteuid() != 0:
        return argv
    if shutil.which("capsh") is None:
        pytest.skip("capsh is not installed: cannot make root respect file permissions")
    drop = "--drop=cap_dac_override,cap_dac_read_search"
    return ["capsh", drop, "--", "-c", 'exec "$0" "$@"', *argv]


def test_a_file_this_user_may_not_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "opd.sqlite3"
    _day_on(path)
    before = path.read_bytes()
    path.chmod(0o000)
    code = (
        "import sys\n"
        "from opd_tui.engine import AllocationEngine\n"
        "from opd_tui.errors import DatabaseUnavailable\n"
        "try:\n"
        f"    AllocationEngine.open({f'sqlite:///{path}'!r})\n"
        "except DatabaseUnavailable as error:\n"
        "    print(error); sys.exit(0)\n"
        "sys.exit(1)\n"
    )
    done = subprocess.run(without_root_powers([sys.executable, "-c", code]),
                          capture_output=True, text=True, timeout=120, check=False,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Cannot read the database sqlite:///{path}: Permission denied" in done.stdout
    path.chmod(0o600)
    assert path.read_bytes() == before


def test_a_new_file_in_a_folder_nobody_may_write_to_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    with unwritable(folder):
        error = _refused(f"sqlite:///{folder / 'opd.sqlite3'}", DatabaseReadOnly)
        assert "Cannot create the database" in str(error) and str(folder) in str(error)
    assert list(folder.iterdir()) == []


def test_a_database_in_a_folder_nobody_may_write_to_is_read_only(tmp_path: Path) -> None:
    """SQLite keeps its -wal and -shm files beside the database: without them it
    cannot open the file at all, and says so as the folder's fault."""
    folder = tmp_path / "archive"
    folder.mkdir()
    path = folder / "opd.sqlite3"
    _day_on(path)
    before = path.read_bytes()
    path.chmod(0o444)
    with unwritable(path, folder):
        error = _refused(f"sqlite:///{path}", DatabaseReadOnly)
        assert str(folder) in str(error) and "written" in str(error)
    assert path.read_bytes() == before


def test_a_damaged_file_fails_the_quick_check(tmp_path: Path) -> None:
    path = tmp_path / "opd.sqlite3"
    _day_on(path)
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tokens'").fetchone()[0]
    with path.open("r+b") as file:  # the tokens table's first page, scribbled over
        file.seek((root - 1) * page_size)
        file.write(b"\xff" * 64)
    before = path.read_bytes()
    error = _refused(f"sqlite:///{path}", DatabaseCorrupt)
    assert f"sqlite:///{path}" in str(error) and "backup" in str(error)
    assert path.read_bytes() == before


def test_a_schema_from_a_newer_program_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "opd.sqlite3"
    _day_on(path)
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    error = _refused(f"sqlite:///{path}", DatabaseUnavailable)
    assert "newer opd-tui" in str(error) and "9999_from_the_future" in str(error)
    assert f"sqlite:///{path}" in str(error)
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone()[0] == (
            "9999_from_the_future")


# -- create=False (the kiosk) -----------------------------------------------------------


def test_without_create_a_missing_file_is_refused_and_nothing_is_made(tmp_path: Path) -> None:
    path = tmp_path / "clinic" / "opd.sqlite3"
    error = _refused(f"sqlite:///{path}", DatabaseUnavailable, create=False)
    assert f"There is no database at sqlite:///{path}" in str(error)
    assert not path.parent.exists()


def test_without_create_an_empty_file_is_refused_and_stays_empty(tmp_path: Path) -> None:
    path = tmp_path / "opd.sqlite3"
    path.touch()
    error = _refused(f"sqlite:///{path}", DatabaseUnavailable, create=False)
    assert "no database" in str(error)
    assert path.stat().st_size == 0
    assert [p.name for p in tmp_path.iterdir()] == ["opd.sqlite3"]


def test_without_create_an_existing_database_opens(tmp_path: Path) -> None:
    path = tmp_path / "opd.sqlite3"
    _day_on(path)
    eng = AllocationEngine.open(f"sqlite:///{path}", create=False)
    try:
        assert [d.code for d in eng.doctors()] == ["RAO"]
        assert eng.notices == []
    finally:
        eng.close()


def test_every_opening_fault_is_an_opd_error() -> None:
    for kind in (DatabaseUnavailable, DatabaseReadOnly, DatabaseCorrupt):
        assert issubclass(kind, DatabaseError) and issubclass(kind, OPDError)
