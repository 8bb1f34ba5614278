"""`opd-tui simulate`: the synthetic day, headless (figures) or live (the screen), and
`opd-tui simulate compare`: the same days under other parameters or policies.

Every field of `SimulationConfig` has a flag of the same name in kebab case;
`--preset` fills them in first, and flags given beside it win. Headless, the
simulation runs on a private in-memory database unless `--db` names one: it
never touches the hospital's own database by accident (neither $OPD_DB_URL nor
the desk's default file is used). A comparison always runs on private databases.
"""

from __future__ import annotations

import argparse
import sys
from datetime import time
from typing import Any

from pydantic import ValidationError

from ..simulation.config import SimulationConfig
from ..simulation.presets import PRESETS, preset_values

#: Flags spelled out by hand; every other config field gets `--field-name`.
_EXPLICIT = {"seed", "doctors"}
#: Exit status of a database that cannot be opened (an `OPDError`, as every command).
FAILED = 2


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def _default_shown(name: str, default: Any) -> object:
    if name == "sessions":
        return ",".join(s.label for s in default)
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    return default


def _day_flags(parser: argparse.ArgumentParser, title: str) -> None:
    """`--preset` and a flag for every parameter of the day."""
    parser.add_argument("--preset", choices=sorted(PRESETS), default=argparse.SUPPRESS,
                        help="a ready-made day: clinic (the defaults: half the tokens booked "
                        "ahead) or public (a government hospital's OPD: mostly walk-ins, "
                        "60 or more per doctor); flags given beside it win")
    model = parser.add_argument_group(title)
    for name, field in SimulationConfig.model_fields.items():
        if name in _EXPLICIT:
            continue
        help_text = (field.description or name).replace("%", "%%")
        shown = _default_shown(name, field.default)
        model.add_argument(_flag(name), metavar="VALUE", default=argparse.SUPPRESS,
                           help=f"{help_text} (default {shown})".replace("(default )",
                                                                            "(default none)"))


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true",
                        help="run the whole day without the screen and print its figures")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--trace", metavar="FILE", default=None,
                        help="with --headless: write every token's timeline (booked, arrived, "
                        "checked in, called, seen) to FILE as JSON lines")
    parser.add_argument("--seed", default=argparse.SUPPRESS,
                        help="seed of every random draw: same seed, same day (default 1)")
    parser.add_argument("--doctors", default=argparse.SUPPRESS,
                        help="number of doctors (default 3)")
    parser.add_argument("--speed", type=_speed, default=60, metavar="N",
                        help="live screen: simulated seconds per real second, 1 to 1200 "
                        "(default 60; + and - change it)")
    parser.add_argument("--start", type=_clock, default=None, metavar="HH:MM",
                        help="live screen: the simulated time the day is shown from; what "
                        "comes before is played at once (default 08:30, or the first slot "
                        "if earlier)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help="SQLAlchemy URL to simulate into (default: a private in-memory "
                        "database; never the desk's own)")
    _day_flags(parser, "the simulated day (see the README for the model)")
    parser.set_defaults(handler=run_simulate)
    commands = parser.add_subparsers(title="what if", metavar="compare")
    compare = commands.add_parser(
        "compare", help="play the same days under other parameters or policies, side by side",
        description="Play every variant (each combination of the --vary values) on the same "
        "seeds, the same patients and draws, in parallel processes, and print each figure's "
        "mean and 95%% confidence interval per variant.",
    )
    configure_compare(compare)


def configure_compare(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vary", action="append", default=[], metavar="PARAM=V1,V2",
                        help="a day parameter or policy and its values, e.g. capacity=8,10 or "
                        "bumping=on,off (repeat for more: every combination is played; a "
                        "list-valued parameter separates values with |)")
    parser.add_argument("--seeds", type=_count, default=10, metavar="N",
                        help="days per variant, seeds --seed to --seed+N-1 (default 10)")
    parser.add_argument("--seed", type=int, default=1, metavar="FIRST",
                        help="the first seed (default 1)")
    parser.add_argument("--doctors", default=argparse.SUPPRESS,
                        help="number of doctors (default 3)")
    parser.add_argument("--workers", type=_count, default=None, metavar="N",
                        help="worker processes (default: one per CPU); 1 plays in this process")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the comparison as JSON")
    output.add_argument("--csv", action="store_true",
                        help="print a CSV row per variant and figure")
    _day_flags(parser, "the simulated day, as for opd-tui simulate")
    parser.set_defaults(handler=run_compare)


def _speed(text: str) -> int:
    try:
        speed = int(text)
    except ValueError:
        speed = 0
    if not 1 <= speed <= 1200:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 1200")
    return speed


def _count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return count


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time of day like 08:30") from None


def day_values(args: argparse.Namespace) -> dict[str, Any]:
    """The preset's parameters, then the flags given."""
    values: dict[str, Any] = preset_values(getattr(args, "preset", "clinic"))
    values.update({name: getattr(args, name) for name in SimulationConfig.model_fields
                   if hasattr(args, name)})
    return values


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    """The flags given, checked by the config model (errors name the flag)."""
    return SimulationConfig(**day_values(args))


def _explain(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        where = problem["loc"][0] if problem["loc"] else None
        flag = _flag(str(where)) if where else "the options"
        lines.append(f"{flag}: {problem['msg']}")
    return "opd-tui simulate: " + "; ".join(lines)


def run_simulate(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ValidationError as error:
        print(_explain(error), file=sys.stderr)
        return 2
    if not args.headless:
        if args.trace:
            print("opd-tui simulate: --trace writes a headless day's timelines; add --headless",
                  file=sys.stderr)
            return 2
        return _run_live(config, args.db, args.speed, args.start)
    return _run_headless(config, args.db, as_json=args.json, trace=args.trace)


def _run_headless(config: SimulationConfig, db_url: str | None, *, as_json: bool,
                  trace: str | None = None) -> int:
    # Imported here so `--help` stays quick.
    from ..domain.errors import OPDError
    from ..simulation.runner import Simulation, SimulationError
    from ..simulation.trace import write_trace

    engine = _open(db_url) if db_url else None
    if db_url and engine is None:
        return FAILED
    try:
        with Simulation(config, engine) as simulation:
            summary = simulation.run()
            if trace:
                try:
                    write_trace(trace, simulation.timelines())
                except OSError as error:
                    print(f"opd-tui simulate: cannot write the trace: {error}", file=sys.stderr)
                    return 1
    except (SimulationError, OPDError) as error:
        print(f"opd-tui simulate: {error}", file=sys.stderr)
        return 1
    finally:
        if engine is not None:
            engine.close()
    print(summary.to_json() if as_json else summary.to_text())
    return 0


def _open(db_url: str):
    """The named database, or None after saying in one line why it cannot be opened."""
    from ..engine import AllocationEngine

    try:
        return AllocationEngine.open(db_url)
    except Exception as error:  # noqa: BLE001 - any failure to open is the user's URL
        print(f"opd-tui simulate: cannot open {db_url}: {' '.join(str(error).split())}",
              file=sys.stderr)
        return None


def _run_live(config: SimulationConfig, db_url: str | None, speed: int,
              start: time | None = None) -> int:
    """The live simulation screen (Textual is imported here, never by a headless run)."""
    from ..tui.simulation import run_live

    engine = None
    if db_url:
        engine = _open(db_url)
        if engine is None:
            return FAILED
    try:
        return run_live(config, engine, speed=speed, start=start)
    finally:
        if engine is not None:
            engine.close()


def run_compare(args: argparse.Namespace) -> int:
    from ..simulation.compare import CompareError, Comparison, default_workers, describe, run_comparison

    preset = getattr(args, "preset", "clinic")
    try:
        comparison = Comparison.build(day_values(args), args.vary, seeds=args.seeds,
                                      first_seed=args.seed, day_name=f"{preset} day")
    except CompareError as error:
        print(f"opd-tui simulate compare: {error}", file=sys.stderr)
        return 2
    workers = args.workers or default_workers()
    progress = _progress(comparison.tasks()) if sys.stderr.isatty() else None
    results = run_comparison(comparison, workers=workers, on_result=progress)
    if progress is not None:
        print(file=sys.stderr)
    fmt = "json" if args.json else "csv" if args.csv else "table"
    sys.stdout.write(describe(results, fmt))
    return 0


def _progress(tasks: list[tuple[int, int]]):
    total, played = len(tasks), [0]

    def show(_replication: object) -> None:
        played[0] += 1
        print(f"\r{played[0]}/{total} days played", end="", file=sys.stderr, flush=True)

    return show
