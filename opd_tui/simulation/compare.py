"""`opd-tui simulate compare`: the same days under other parameters or policies.

A comparison plays every variant (a value of each `--vary` parameter, every
combination) on the same seeds. The seed fixes the patients, and each patient's
draws come from a stream of their own (see `day.py`), so two variants see the
same people arriving at the same times with the same consultations: what
differs between them comes from the policy, not from luck (common random
numbers). The days are played in worker processes; the figures are gathered
in (variant, seed) order, so the output never depends on which worker finished
first: the same arguments print the same bytes.

Nothing here imports Textual; the live screen's what-if panel runs the same code.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from pydantic import ValidationError

from .config import Session, SimulationConfig
from .runner import simulate_day
from .stats import Interval, interval, paired_difference
from .summary import SimulationSummary


@dataclass(frozen=True, slots=True)
class Kpi:
    key: str
    label: str
    unit: str
    read: Callable[[SimulationSummary], float | None]


#: The figures a comparison reports, per simulated day (counts over all doctors).
KPIS: tuple[Kpi, ...] = (
    Kpi("seen", "Seen", "patients", lambda s: s.completed),
    Kpi("unseen", "Unseen", "patients", lambda s: s.unseen),
    Kpi("expired", "Expired", "tokens", lambda s: s.expired),
    Kpi("turnedAway", "Turned away", "patients", lambda s: s.turned_away),
    Kpi("noShows", "No-shows", "patients", lambda s: s.no_shows),
    Kpi("waitFromArrivalMean", "Wait mean", "minutes", lambda s: s.wait_from_arrival_mean),
    Kpi("waitFromArrivalP90", "Wait p90", "minutes", lambda s: s.wait_from_arrival_p90),
    Kpi("utilisation", "Utilisation", "percent", lambda s: round(100 * s.mean_utilisation, 1)),
    Kpi("overtime", "Overtime", "minutes a doctor", lambda s: s.overtime_minutes),
)
UNIT_MARK = {"minutes": "min", "percent": "%", "minutes a doctor": "min"}
#: Parameters a comparison cannot vary: the seeds are its replications.
FIXED = {"seed"}


class CompareError(ValueError):
    """A `--vary` or other comparison argument that cannot be played (message says why)."""


def flag_name(field_name: str) -> str:
    return field_name.replace("_", "-")


def shown(value: Any) -> str:
    """A parameter's value as the user would type it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ",".join(s.label if isinstance(s, Session) else shown(s) for s in value)
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        return value
    return shown(value)


@dataclass(frozen=True, slots=True)
class Variant:
    """One combination of the varied parameters' values."""

    values: tuple[tuple[str, Any], ...]

    @property
    def label(self) -> str:
        return " ".join(f"{flag_name(k)}={shown(v)}" for k, v in self.values) or "as given"


@dataclass(frozen=True)
class Comparison:
    """What to play: the day's parameters, the variants, the seeds."""

    base: dict[str, Any]
    variants: tuple[Variant, ...]
    seeds: tuple[int, ...]
    #: The varied parameters, in the order given, with their values.
    varied: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    #: What the day is, for the title: "clinic day", "public day", "the live day".
    day_name: str = "clinic day"

    @classmethod
    def build(cls, base: dict[str, Any], vary: Sequence[str], *, seeds: int,
              first_seed: int = 1, day_name: str = "clinic day") -> Comparison:
        """`vary` as typed: `capacity=8,10`, `bumping=on,off`; a list-valued parameter
        separates its values with `|` (`sessions=09:00-13:00|08:00-14:00`)."""
        base = {k: v for k, v in base.items() if k not in FIXED}
        try:
            SimulationConfig(**base)
        except ValidationError as error:
            raise CompareError(_problem(error)) from None
        if not 1 <= seeds <= 1000:
            raise CompareError(f"--seeds: {seeds} is not a number of days from 1 to 1000")
        varied: list[tuple[str, tuple[Any, ...]]] = []
        for spec in vary:
            name, values = _parse_vary(spec, base)
            if any(name == other for other, _ in varied):
                raise CompareError(f"--vary {flag_name(name)} is given twice: "
                                   "list all its values in one --vary")
            varied.append((name, values))
        variants = tuple(
            Variant(tuple(zip((n for n, _ in varied), combo, strict=True)))
            for combo in itertools.product(*(values for _, values in varied))
        )
        if len(variants) > 64:
            raise CompareError(f"{len(variants)} variants are too many to compare: "
                               "64 at most")
        return cls(base, variants, tuple(range(first_seed, first_seed + seeds)),
                   tuple(varied), day_name)

    def config(self, variant: Variant, seed: int) -> SimulationConfig:
        return SimulationConfig(**{**self.base, **dict(variant.values), "seed": seed})

    def tasks(self) -> list[tuple[int, int]]:
        """(variant, seed) in playing order: seed by seed, so results come in evenly."""
        return [(v, seed) for seed in self.seeds for v in range(len(self.variants))]

    @property
    def doctors(self) -> int:
        return int(self.base.get("doctors", SimulationConfig.model_fields["doctors"].default))


def _problem(error: ValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = flag_name(str(problem["loc"][0])) if problem["loc"] else "the options"
        parts.append(f"--{where}: {problem['msg']}")
    return "; ".join(parts)


def _parse_vary(spec: str, base: dict[str, Any]) -> tuple[str, tuple[Any, ...]]:
    name, sep, text = spec.partition("=")
    field_name = name.strip().lstrip("-").replace("-", "_")
    if not sep or not field_name:
        raise CompareError(f"--vary {spec!r}: write PARAMETER=VALUE,VALUE (capacity=8,10)")
    if field_name not in SimulationConfig.model_fields or field_name in FIXED:
        raise CompareError(f"--vary {name.strip()}: no such day parameter or policy "
                           "(opd-tui simulate --help lists them)")
    parts = [p.strip() for p in (text.split("|") if "|" in text else text.split(","))]
    parts = [p for p in parts if p]
    if not parts:
        raise CompareError(f"--vary {flag_name(field_name)}: give at least one value")
    values: list[Any] = []
    for part in parts:
        try:
            config = SimulationConfig(**{**base, field_name: part})
        except ValidationError as error:
            raise CompareError(f"--vary {flag_name(field_name)}={part}: "
                               f"{error.errors()[0]['msg']}") from None
        value = getattr(config, field_name)
        if value not in values:
            values.append(value)
    return field_name, tuple(values)


# -- playing the days ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Replication:
    """One day of one variant: its figures, in the order of `KPIS`."""

    variant: int
    seed: int
    figures: tuple[float | None, ...]


def figures_of(summary: SimulationSummary) -> tuple[float | None, ...]:
    return tuple(kpi.read(summary) for kpi in KPIS)


def play(config: SimulationConfig) -> tuple[float | None, ...]:
    """One day, headless, on a private in-memory database (what a worker runs)."""
    return figures_of(simulate_day(config))


def ready_for_processes() -> None:
    """Start multiprocessing's resource tracker with a real stderr. A program that has
    put something without a file descriptor in `sys.stderr` (Textual does while it
    runs) could not start it, nor so any worker process; call this from its main
    thread before a comparison with workers."""
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr is not None and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable or sys.__stderr__ is None:
        resource_tracker.ensure_running()
        return
    saved = sys.stderr
    sys.stderr = sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_comparison(
    comparison: Comparison,
    workers: int = 1,
    on_result: Callable[[Replication], object] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Results:
    """Play every (variant, seed). `workers` > 1 plays them in that many processes;
    `on_result` hears of each day as it ends (what it returns is ignored); `stop` is
    asked between days, and a comparison stopped early returns what it has."""
    results = Results(comparison)
    tasks = comparison.tasks()

    def done(variant: int, seed: int, figures: tuple[float | None, ...]) -> None:
        replication = Replication(variant, seed, figures)
        results.add(replication)
        if on_result is not None:
            on_result(replication)

    workers = max(1, min(workers, len(tasks)))
    if workers == 1:
        for variant, seed in tasks:
            if stop is not None and stop():
                break
            done(variant, seed, play(comparison.config(comparison.variants[variant], seed)))
        return results
    # "spawn": fresh interpreters, safe from a program with threads (the live screen).
    context = multiprocessing.get_context("spawn")
    ready_for_processes()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        pending: dict[Future[tuple[float | None, ...]], tuple[int, int]] = {}
        queue = iter(tasks)
        # Keep each worker busy with one day and one more waiting, no more: a
        # comparison stopped early leaves little behind.
        for variant, seed in itertools.islice(queue, 2 * workers):
            config = comparison.config(comparison.variants[variant], seed)
            pending[pool.submit(play, config)] = (variant, seed)
        while pending:
            finished, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if stop is not None and stop():
                break
            for future in finished:
                variant, seed = pending.pop(future)
                done(variant, seed, future.result())
                following = next(queue, None)
                if following is not None:
                    config = comparison.config(comparison.variants[following[0]], following[1])
                    pending[pool.submit(play, config)] = following
    finally:
        pool.shutdown(wait=stop is None or not stop(), cancel_futures=True)
    return results


# -- the figures --------------------------------------------------------------


@dataclass
class Results:
    """The days played so far, and their means and intervals."""

    comparison: Comparison
    replications: dict[tuple[int, int], tuple[float | None, ...]] = field(default_factory=dict)

    def add(self, replication: Replication) -> None:
        self.replications[(replication.variant, replication.seed)] = replication.figures

    @property
    def played(self) -> int:
        return len(self.replications)

    @property
    def total(self) -> int:
        return len(self.comparison.variants) * len(self.comparison.seeds)

    def values(self, variant: int, kpi: int) -> list[float | None]:
        """The KPI on each seed this variant has played, in seed order."""
        return [figures[kpi] for (v, _), figures in sorted(self.replications.items())
                if v == variant]

    def interval(self, variant: int, kpi: int) -> Interval:
        return interval(self.values(variant, kpi))

    def difference(self, variant: int, kpi: int, baseline: int = 0) -> Interval:
        """Paired over the seeds both variants have played."""
        seeds = sorted(s for v, s in self.replications if v == variant
                       and (baseline, s) in self.replications)
        return paired_difference([self.replications[(variant, s)][kpi] for s in seeds],
                                 [self.replications[(baseline, s)][kpi] for s in seeds])

    # -- output ------------------------------------------------------------------

    def title(self) -> str:
        c = self.comparison
        seeds = c.seeds
        span = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"
        return (f"What if: {c.day_name}, {c.doctors} doctor{'s' if c.doctors != 1 else ''}, "
                f"{len(seeds)} day{'s' if len(seeds) != 1 else ''} ({span}) per variant")

    def to_table(self, bar_width: int = 16) -> str:
        c = self.comparison
        labels = [v.label for v in c.variants]
        name_width = max(len(_name(k)) for k in KPIS) + 2
        label_width = max(len(label) for label in labels)
        lines = [self.title(), ("mean ± half the 95% interval; bars scaled to the largest "
                                "mean of each figure"), ""]
        for k, kpi in enumerate(KPIS):
            intervals = [self.interval(v, k) for v in range(len(labels))]
            top = max((i.mean for i in intervals if i.mean is not None), default=0.0)
            name = _name(kpi)
            for v, (label, iv) in enumerate(zip(labels, intervals, strict=True)):
                lines.append(f"{name if v == 0 else '':<{name_width}}{label:<{label_width}}  "
                             f"{_mean_pm(iv)}  {bar(iv.mean, top, bar_width)}".rstrip())
        if len(labels) > 1:
            lines += ["", (f"Against {labels[0]}, day by day on the same seeds "
                           "(* the interval leaves out 0):")]
            for k, kpi in enumerate(KPIS):
                name = _name(kpi)
                for v in range(1, len(labels)):
                    diff = self.difference(v, k)
                    mark = " *" if diff.excludes_zero() else ""
                    lines.append(f"{name if v == 1 else '':<{name_width}}"
                                 f"{labels[v]:<{label_width}}  "
                                 f"{_mean_pm(diff, signed=True)}{mark}".rstrip())
        lines += ["", ("Counts are per day over all doctors; waits run from coming into "
                       "the hall"),
                  ("to being called; overtime is consulting past the last session, "
                   "per doctor.")]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        c = self.comparison
        variants = []
        for v, variant in enumerate(c.variants):
            figures: dict[str, Any] = {}
            against: dict[str, Any] | None = {} if v else None
            for k, kpi in enumerate(KPIS):
                iv = self.interval(v, k)
                figures[kpi.key] = {**_interval_dict(iv),
                                    "perSeed": [_number(x) for x in self.values(v, k)]}
                if against is not None:
                    against[kpi.key] = _interval_dict(self.difference(v, k))
            variants.append({
                "label": variant.label,
                "values": {flag_name(n): _json_value(x) for n, x in variant.values},
                "days": sum(1 for (w, _) in self.replications if w == v),
                "figures": figures,
                "againstFirst": against,
            })
        return {
            "day": c.day_name,
            "doctors": c.doctors,
            "seeds": list(c.seeds),
            "confidence": 0.95,
            "parameters": {flag_name(k): _json_value(x) for k, x in sorted(c.base.items())},
            "vary": {flag_name(n): [_json_value(x) for x in values] for n, values in c.varied},
            "kpis": [{"key": k.key, "label": k.label, "unit": k.unit} for k in KPIS],
            "variants": variants,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_csv(self) -> str:
        c = self.comparison
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        params = [flag_name(n) for n, _ in c.varied]
        writer.writerow(["variant", *params, "kpi", "unit", "days", "mean", "sd", "low", "high",
                         "diff_mean", "diff_low", "diff_high"])
        for v, variant in enumerate(c.variants):
            values = dict(variant.values)
            for k, kpi in enumerate(KPIS):
                iv = self.interval(v, k)
                diff = self.difference(v, k) if v else None
                writer.writerow([
                    variant.label, *(shown(values[n]) for n, _ in c.varied), kpi.key, kpi.unit,
                    iv.n, *(_cell(x) for x in (iv.mean, iv.sd, iv.low, iv.high)),
                    *(_cell(x) for x in ((diff.mean, diff.low, diff.high) if diff
                                         else (None, None, None))),
                ])
        return out.getvalue()


def _name(kpi: Kpi) -> str:
    mark = UNIT_MARK.get(kpi.unit)
    return f"{kpi.label} ({mark})" if mark else kpi.label


def _number(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{round(value, 3):g}" if abs(value) < 1e6 else str(value)


def _interval_dict(iv: Interval) -> dict[str, Any]:
    return {"n": iv.n, "mean": _number(iv.mean), "sd": _number(iv.sd),
            "low": _number(iv.low), "high": _number(iv.high)}


def _mean_pm(iv: Interval, *, signed: bool = False) -> str:
    if iv.mean is None:
        return f"{'–':>7}        "
    mean = f"{iv.mean:+.1f}" if signed else f"{iv.mean:.1f}"
    half = iv.half_width
    return f"{mean:>7} ± {half:>4.1f}" if half is not None else f"{mean:>7} ±    –"


BLOCKS = " ▏▎▍▌▋▊▉█"


def bar(value: float | None, top: float, width: int) -> str:
    """`value` as a bar of eighth blocks, `width` long at `top`."""
    if value is None or top <= 0 or value <= 0:
        return ""
    eighths = round(min(1.0, value / top) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (BLOCKS[part] if part else "")


def describe(results: Results, fmt: str) -> str:
    """The comparison as `table`, `json` or `csv`."""
    if fmt == "json":
        return results.to_json()
    if fmt == "csv":
        return results.to_csv()
    return results.to_table()
