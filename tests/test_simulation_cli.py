"""`opd-tui simulate --headless`: deterministic JSON, a flag per parameter, safe databases."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from opd_tui.cli import main
from opd_tui.engine import AllocationEngine
from opd_tui.simulation import SimulationConfig
from opd_tui.simulation.presets import PUBLIC

REQUIRED = {
    "doctors", "slotsCreated", "tokensBooked", "emergencies", "cancellations", "noShows",
    "bumped", "promoted", "waitlistedRemaining", "expired", "overbookedSlots",
    "completed", "waitMinutes", "utilisation",
    # SPEC 8: the figures that matter
    "unseen", "turnedAway", "waitFromArrivalMean", "waitFromArrivalP90",
}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_same_seed_gives_byte_identical_json(capsys: pytest.CaptureFixture[str]) -> None:
    first = _run(capsys, "--headless", "--json", "--seed", "7", "--doctors", "3")
    second = _run(capsys, "--headless", "--json", "--seed", "7", "--doctors", "3")
    assert first[0] == 0 and first[2] == ""
    assert first[1] == second[1]
    figures = json.loads(first[1])
    assert REQUIRED <= set(figures)
    assert figures["doctors"] == 3 and figures["seed"] == 7
    assert set(figures["waitMinutes"]) == {"EMERGENCY", "PAID", "FOLLOWUP", "ONLINE", "WALKIN"}
    assert set(figures["waitMinutes"]["ONLINE"]) == {"patients", "mean", "p90"}
    assert [d["code"] for d in figures["utilisation"]] and all(
        0 < d["utilisation"] for d in figures["utilisation"]
    )


def test_a_different_seed_gives_a_different_day(capsys: pytest.CaptureFixture[str]) -> None:
    one = json.loads(_run(capsys, "--headless", "--json", "--seed", "1")[1])
    two = json.loads(_run(capsys, "--headless", "--json", "--seed", "2")[1])
    assert one["doctors"] == two["doctors"] == 3  # the default, as the original design had
    assert one["utilisation"] != two["utilisation"]
    assert (one["tokensBooked"], one["completed"], one["noShows"]) != (
        two["tokensBooked"], two["completed"], two["noShows"])


def test_every_config_field_has_a_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    usage = capsys.readouterr().out
    for name in SimulationConfig.model_fields:
        assert f"--{name.replace('_', '-')} " in usage, name


def test_flags_change_the_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "--headless", "--json", "--doctors", "2", "--sessions", "08:00-10:00",
        "--slot-minutes", "30", "--capacity-by-doctor", "3", "--capacity", "5",
        "--no-show-rate", "0", "--cancellation-rate", "0", "--same-day-cancellation-rate", "0",
        "--emergencies-per-doctor", "0", "--walkins-per-doctor", "0", "--day", "2025-06-02",
        "--doctor-late-probability", "0", "--slot-close-probability", "0",
        "--late-probability", "0",
    )
    figures = json.loads(out)
    assert code == 0
    assert figures["day"] == "2025-06-02"
    assert figures["slotsCreated"] == 2 * 4
    assert figures["emergencies"] == figures["noShows"] == figures["cancellations"] == 0
    assert figures["tokensBySource"]["WALKIN"] == 0
    assert [d["openMinutes"] for d in figures["utilisation"]] == [120.0, 120.0]


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [("--no-show-rate", "1.5", "--no-show-rate"), ("--doctors", "0", "--doctors"),
     ("--sessions", "13:00-09:00", "--sessions"), ("--capacity", "lots", "--capacity")],
)
def test_a_bad_value_names_its_flag(
    capsys: pytest.CaptureFixture[str], flag: str, value: str, message: str
) -> None:
    code, out, err = _run(capsys, "--headless", flag, value)
    assert code == 2 and out == ""
    assert message in err


def test_text_output_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--headless", "--doctors", "1", "--seed", "3")
    assert code == 0
    assert out.startswith("OPD day 2025-03-03, seed 3: 1 doctors")
    assert "engine operations" in out


def test_without_headless_the_live_screen_opens_on_a_private_database(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from opd_tui.tui.simulation.app import SimulationApp

    opened: list[SimulationApp] = []
    monkeypatch.setattr(SimulationApp, "run", lambda app: opened.append(app))
    monkeypatch.setenv("OPD_DB_URL", "sqlite:////nonexistent/desk.sqlite3")
    code, _, err = _run(capsys, "--seed", "5", "--doctors", "2", "--speed", "300",
                        "--no-show-rate", "0.25")
    assert code == 0 and err == ""
    [app] = opened
    assert app.config == SimulationConfig(seed=5, doctors=2, no_show_rate=0.25)
    assert app.speed == 300 and app.start is None  # None: 08:30, or the first slot
    assert app.engine is None  # the screen opens its own in-memory database
    code, _, _ = _run(capsys, "--start", "10:15", "--preset", "public")
    assert code == 0 and opened[-1].start == time(10, 15)
    assert opened[-1].config.walkins_per_doctor == PUBLIC["walkins_per_doctor"]
    with pytest.raises(SystemExit):
        _run(capsys, "--start", "noon")
    assert "--start" in capsys.readouterr().err


def test_live_speed_is_checked(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("0", "1201", "fast"):
        with pytest.raises(SystemExit) as exit_:
            _run(capsys, "--speed", bad)
        assert exit_.value.code == 2
        assert "--speed" in capsys.readouterr().err


def test_live_with_a_database_that_cannot_open_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "--db", "nosuchdriver://x")
    assert code == 2  # as every command ends on a database it cannot open (SPEC 4)
    assert "nosuchdriver://x" in err and len(err.strip().splitlines()) == 1


def test_headless_uses_a_private_database_never_the_desks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk_db = tmp_path / "desk.sqlite3"
    monkeypatch.setenv("OPD_DB_URL", f"sqlite:///{desk_db}")
    data_home = Path(os.environ["XDG_DATA_HOME"])
    before = sorted(data_home.rglob("*"))
    assert _run(capsys, "--headless", "--json", "--doctors", "1")[0] == 0
    assert not desk_db.exists()
    assert sorted(data_home.rglob("*")) == before


def test_db_flag_simulates_into_the_named_database(
    capsys: pytest.CaptureFixture[str], sqlite_url: str
) -> None:
    code, out, _ = _run(capsys, "--headless", "--json", "--doctors", "2", "--db", sqlite_url)
    assert code == 0
    figures = json.loads(out)
    engine = AllocationEngine.open(sqlite_url)
    assert len(engine.doctors()) == 2
    summary = engine.day_summary(SimulationConfig().day)
    assert summary.tokens == figures["tokensBooked"]
    assert summary.by_status.get("COMPLETED", 0) == figures["completed"]
    engine.close()
    # Run again: the database's clock is now past the day, so it is refused.
    code, out, err = _run(capsys, "--headless", "--json", "--db", sqlite_url)
    assert code == 1 and out == "" and "clock" in err


def test_separate_processes_print_the_same_bytes_without_loading_textual() -> None:
    """Two interpreters with different hash seeds: same JSON; neither loads Textual."""
    script = (
        "import sys; from opd_tui.cli import main; "
        "code = main(['simulate', '--headless', '--json', '--doctors', '2', '--seed', '8', "
        "'--slot-close-probability', '0.2', '--doctor-late-probability', '0.5']); "
        "assert 'textual' not in sys.modules, 'textual was imported'; sys.exit(code)"
    )
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["doctors"] == 2



@pytest.mark.skipif(not hasattr(fcntl, "F_SETPIPE_SZ"), reason="needs Linux pipe sizes")
def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`opd-tui simulate --headless --json | head -3` ends quietly."""
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)  # smaller than the JSON: it must wait
    child = subprocess.Popen(
        [sys.executable, "-m", "opd_tui", "simulate", "--headless", "--json", "--doctors", "20"],
        stdout=write_end, stderr=subprocess.PIPE,
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.read(10).startswith(b"{")
    # The reader went away before the rest was written.
    _, errors = child.communicate(timeout=120)
    assert child.returncode != 0
    assert b"Traceback" not in errors and b"BrokenPipe" not in errors
