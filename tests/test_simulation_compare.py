"""`opd-tui simulate compare`: the same seeds under each variant, means and intervals.

The days here are small (one or two doctors, one morning session) so the
proofs run in seconds; the 20-seed proofs share one comparison.
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics

import pytest

from opd_tui.cli import main
from opd_tui.simulation import SimulationConfig
from opd_tui.simulation.compare import (
    KPIS,
    CompareError,
    Comparison,
    Replication,
    Results,
    run_comparison,
)
from opd_tui.simulation.stats import interval, paired_difference, t975

#: A short busy morning: walk-ins find the slots full, so capacity matters.
SMALL = ["--doctors", "1", "--sessions", "09:00-12:00", "--walkins-per-doctor", "24",
         "--capacity", "6"]
SMALL_DAY = {"doctors": 1, "sessions": "09:00-12:00", "walkins_per_doctor": 24.0,
             "capacity": 6}


def compare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", "compare", *args])
    out, err = capsys.readouterr()
    return code, out, err


def kpi(name: str) -> int:
    return next(i for i, k in enumerate(KPIS) if k.key == name)


@pytest.fixture(scope="module")
def twenty_days() -> Results:
    """Capacity 4 and 8 on the same 20 seeds."""
    comparison = Comparison.build(SMALL_DAY, ["capacity=4,8"], seeds=20)
    return run_comparison(comparison, workers=1)


def test_the_same_arguments_print_the_same_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*SMALL, "--seeds", "2", "--vary", "capacity=4,6", "--workers", "1"]
    for fmt in ([], ["--json"], ["--csv"]):
        first = compare(capsys, *args, *fmt)
        second = compare(capsys, *args, *fmt)
        assert first[0] == 0 and first[2] == ""
        assert first[1] == second[1]
        if not fmt:
            table = first[1]
    assert table.startswith("What if: clinic day, 1 doctor, 2 days (seeds 1-2) per variant")
    for k in KPIS:
        assert k.label in table
    assert "█" in table  # a bar per figure
    # Each figure per variant, then each variant after the first against the first.
    assert table.count("capacity=4") == len(KPIS) + 1  # and "Against capacity=4"
    assert table.count("capacity=6") == 2 * len(KPIS)


@pytest.mark.slow  # worker processes
def test_worker_processes_change_nothing_but_the_time(capsys: pytest.CaptureFixture[str]) -> None:
    args = [*SMALL, "--seeds", "3", "--vary", "overbook=0,1", "--json"]
    alone = compare(capsys, *args, "--workers", "1")[1]
    shared = compare(capsys, *args, "--workers", "2")[1]
    assert alone == shared


def test_json_holds_each_variants_figures_and_intervals(
    capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = compare(capsys, *SMALL, "--seeds", "4", "--seed", "7",
                           "--vary", "capacity=4,8", "--json", "--workers", "1")
    assert code == 0
    data = json.loads(out)
    assert data["seeds"] == [7, 8, 9, 10] and data["doctors"] == 1 and data["confidence"] == 0.95
    assert data["vary"] == {"capacity": [4, 8]}
    assert [v["label"] for v in data["variants"]] == ["capacity=4", "capacity=8"]
    assert [k["key"] for k in data["kpis"]] == [
        "seen", "unseen", "expired", "turnedAway", "noShows", "waitFromArrivalMean",
        "waitFromArrivalP90", "utilisation", "overtime"]
    first, second = data["variants"]
    assert first["againstFirst"] is None and set(second["againstFirst"]) == set(first["figures"])
    seen = first["figures"]["seen"]
    assert seen["n"] == 4 and len(seen["perSeed"]) == 4
    assert seen["low"] <= seen["mean"] <= seen["high"]
    assert seen["mean"] == pytest.approx(statistics.fmean(seen["perSeed"]), abs=1e-3)
    # Each day is the headless day of that seed and variant.
    headless = compare_one(capsys, "--seed", "8", "--capacity", "8")
    assert second["figures"]["seen"]["perSeed"][1] == headless["completed"]
    assert second["figures"]["turnedAway"]["perSeed"][1] == headless["turnedAway"]


def compare_one(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    flags = [a for a in SMALL if a != "6" and a != "--capacity"]
    assert main(["simulate", "--headless", "--json", *flags, *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_csv_has_a_row_per_variant_and_figure(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = compare(capsys, *SMALL, "--seeds", "2", "--vary", "no-show-rate=0.1,0.3",
                        "--csv", "--workers", "1")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 2 * len(KPIS)
    assert rows[0]["variant"] == "no-show-rate=0.1" and rows[0]["no-show-rate"] == "0.1"
    assert {r["kpi"] for r in rows} == {k.key for k in KPIS}
    assert all(r["diff_mean"] == "" for r in rows[: len(KPIS)])
    assert all(r["days"] == "2" for r in rows)


@pytest.mark.parametrize(
    ("vary", "message"),
    [("capacity", "PARAMETER=VALUE"), ("seats=8,10", "no such day parameter"),
     ("seed=1,2", "no such day parameter"), ("capacity=8,lots", "capacity=lots"),
     ("no-show-rate=0.2,1.5", "no-show-rate=1.5"), ("bumping=on,maybe", "bumping=maybe")],
)
def test_a_bad_vary_says_what_is_wrong(
    capsys: pytest.CaptureFixture[str], vary: str, message: str
) -> None:
    code, out, err = compare(capsys, "--vary", vary)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_parameter_varied_twice_or_a_bad_base_is_refused() -> None:
    with pytest.raises(CompareError, match="twice"):
        Comparison.build({}, ["capacity=4", "capacity=6"], seeds=2)
    with pytest.raises(CompareError, match="--no-show-rate"):
        Comparison.build({"no_show_rate": 2}, [], seeds=2)
    with pytest.raises(CompareError, match="--seeds"):
        Comparison.build({}, [], seeds=0)


def test_variants_are_every_combination_in_the_order_given() -> None:
    comparison = Comparison.build({}, ["capacity=8,10", "bumping=on,off",
                                       "sessions=09:00-13:00|08:00-12:00,14:00-16:00"],
                                  seeds=1)
    labels = [v.label for v in comparison.variants]
    assert len(labels) == 8
    assert labels[0] == "capacity=8 bumping=on sessions=09:00-13:00"
    assert labels[-1] == "capacity=10 bumping=off sessions=08:00-12:00,14:00-16:00"
    config = comparison.config(comparison.variants[-1], 5)
    assert (config.capacity, config.bumping, config.seed) == (10, False, 5)


@pytest.mark.slow  # twenty days a variant
def test_more_capacity_turns_fewer_patients_away_over_twenty_seeds(twenty_days: Results) -> None:
    away = kpi("turnedAway")
    tight, roomy = twenty_days.interval(0, away), twenty_days.interval(1, away)
    assert tight.n == roomy.n == 20
    assert roomy.mean < tight.mean
    # Day by day on the same patients the difference is clear: its interval leaves out 0.
    difference = twenty_days.difference(1, away)
    assert difference.high < 0
    assert twenty_days.interval(1, kpi("seen")).mean > twenty_days.interval(0, kpi("seen")).mean


@pytest.mark.slow  # twenty days a variant
def test_an_interval_narrows_as_seeds_grow(twenty_days: Results) -> None:
    seen = kpi("seen")
    for variant in (0, 1):
        values = twenty_days.values(variant, seen)
        widths = [interval(values[:n]).half_width for n in (5, 10, 20)]
        assert widths[0] > widths[1] > widths[2] > 0, widths


@pytest.mark.slow  # twenty days a variant
def test_common_random_numbers_make_the_difference_sharper(twenty_days: Results) -> None:
    """The paired interval is narrower than the two intervals would suggest apart."""
    seen = kpi("seen")
    paired = twenty_days.difference(1, seen)
    apart = math.hypot(twenty_days.interval(0, seen).half_width,  # type: ignore[arg-type]
                       twenty_days.interval(1, seen).half_width)  # type: ignore[arg-type]
    assert paired.half_width < apart


def test_results_come_in_as_days_are_played_and_can_stop() -> None:
    comparison = Comparison.build(SMALL_DAY, ["capacity=4,8"], seeds=3)
    heard: list[Replication] = []
    results = run_comparison(comparison, workers=1, on_result=heard.append)
    assert [(r.variant, r.seed) for r in heard] == comparison.tasks()
    assert results.played == results.total == 6
    stopped = run_comparison(comparison, workers=1, stop=lambda: len(heard) >= 8,
                             on_result=heard.append)
    assert stopped.played == 2


def test_student_t_and_intervals() -> None:
    assert t975(1) == 12.706 and t975(19) == 2.093
    assert t975(40) == pytest.approx(2.0211, abs=1e-3)
    assert t975(1000) == pytest.approx(1.9623, abs=1e-3)
    iv = interval([1.0, 2.0, 3.0, 4.0])
    assert iv.mean == 2.5 and iv.sd == pytest.approx(1.29099, abs=1e-5)
    assert iv.half_width == pytest.approx(3.182 * 1.29099 / 2, abs=1e-4)
    assert interval([5.0]).half_width is None and interval([None]).mean is None
    assert interval([1.0, None, 3.0]).n == 2  # a day with no figure is left out
    diff = paired_difference([3.0, 5.0, 4.0], [1.0, 3.0, 2.0])
    assert diff.mean == 2.0 and diff.half_width == 0.0


def test_a_comparison_plays_the_config_it_names() -> None:
    comparison = Comparison.build({"doctors": 2}, ["walkins-per-doctor=10"], seeds=1,
                                  first_seed=4)
    assert comparison.config(comparison.variants[0], 4) == SimulationConfig(
        doctors=2, walkins_per_doctor=10, seed=4)
