"""`opd-tui simulate`: the synthetic day, headless (figures) or live (the screen).

Every field of `SimulationConfig` has a flag of the same name in kebab case.
Headless, the simulation runs on a private in-memory database unless `--db`
names one: it never touches the hospital's own database by accident (neither
$OPD_DB_URL nor the desk's default file is used).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from .config import SimulationConfig

#: Flags spelled out by hand; every other config field gets `--field-name`.
_EXPLICIT = {"seed", "doctors"}


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true",
                        help="run the whole day without the screen and print its figures")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--seed", default=argparse.SUPPRESS,
                        help="seed of every random draw: same seed, same day (default 1)")
    parser.add_argument("--doctors", default=argparse.SUPPRESS,
                        help="number of doctors (default 3)")
    parser.add_argument("--speed", type=_speed, default=60, metavar="N",
                        help="live screen: simulated seconds per real second, 1 to 1200 "
                        "(default 60; + and - change it)")
    parser.add_argument("--db", metavar="URL", default=None,
                        help="SQLAlchemy URL to simulate into (default: a private in-memory "
                        "database; never the desk's own)")
    model = parser.add_argument_group("the simulated day (see the README for the model)")
    for name, field in SimulationConfig.model_fields.items():
        if name in _EXPLICIT:
            continue
        default = field.default
        shown = (",".join(s.label for s in default) if name == "sessions"
                 else ",".join(map(str, default)) if isinstance(default, tuple)
                 else default)
        help_text = (field.description or name).replace("%", "%%")
        model.add_argument(_flag(name), metavar="VALUE", default=argparse.SUPPRESS,
                           help=f"{help_text} (default {shown})".replace("(default )",
                                                                            "(default none)"))
    parser.set_defaults(handler=run_simulate)


def _speed(text: str) -> int:
    try:
        speed = int(text)
    except ValueError:
        speed = 0
    if not 1 <= speed <= 1200:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 1200")
    return speed


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    """The flags given, checked by the config model (errors name the flag)."""
    values: dict[str, Any] = {
        name: getattr(args, name)
        for name in SimulationConfig.model_fields
        if hasattr(args, name)
    }
    return SimulationConfig(**values)


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
        return _run_live(config, args.db, args.speed)
    return _run_headless(config, args.db, as_json=args.json)


def _run_headless(config: SimulationConfig, db_url: str | None, *, as_json: bool) -> int:
    # Imported here so `--help` stays quick.
    from ..domain.errors import OPDError
    from ..engine import AllocationEngine
    from .runner import MEMORY_URL, SimulationError, simulate_day

    try:
        engine = AllocationEngine.open(db_url or MEMORY_URL)
    except Exception as error:  # noqa: BLE001 - any failure to open is the user's URL
        print(f"opd-tui simulate: cannot open {db_url}: {error}", file=sys.stderr)
        return 1
    try:
        summary = simulate_day(config, engine)
    except (SimulationError, OPDError) as error:
        print(f"opd-tui simulate: {error}", file=sys.stderr)
        return 1
    finally:
        engine.close()
    print(summary.to_json() if as_json else summary.to_text())
    return 0


def _run_live(config: SimulationConfig, db_url: str | None, speed: int) -> int:
    """The live simulation screen (Textual is imported here, never by a headless run)."""
    from ..engine import AllocationEngine
    from ..tui.simulation import run_live

    engine = None
    if db_url:
        try:
            engine = AllocationEngine.open(db_url)
        except Exception as error:  # noqa: BLE001 - any failure to open is the user's URL
            print(f"opd-tui simulate: cannot open {db_url}: {error}", file=sys.stderr)
            return 1
    try:
        return run_live(config, engine, speed=speed)
    finally:
        if engine is not None:
            engine.close()
