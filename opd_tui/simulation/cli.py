"""Arguments of `opd-tui simulate` (filled in by the simulation)."""

from __future__ import annotations

import argparse


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--headless", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--doctors", type=int, default=3)
    parser.add_argument("--db", metavar="URL")
    parser.set_defaults(handler=lambda args: print("simulation not built yet") or 2)
