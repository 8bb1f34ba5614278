"""What the desk remembers between runs (the chosen theme), in a small JSON file.

The file is `desk.json` in the user's config directory (platformdirs), or in the
folder `OPD_CONFIG_DIR` names. A desk opened without preferences (tests,
screenshots) remembers nothing; a file that cannot be read or written costs only
the memory, never the desk.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ValidationError

APP_NAME = "opd-tui"
FILE_NAME = "desk.json"


class Remembered(BaseModel):
    theme: str | None = None


class DeskPreferences:
    """The desk's remembered choices, read from and written to one file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls) -> DeskPreferences:
        folder = os.environ.get("OPD_CONFIG_DIR") or platformdirs.user_config_dir(
            APP_NAME, appauthor=False)
        return cls(Path(folder) / FILE_NAME)

    def read(self) -> Remembered:
        try:
            return Remembered.model_validate(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError):
            return Remembered()

    def remember(self, **choices: str | None) -> None:
        merged = self.read().model_copy(update=choices)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(merged.model_dump_json(indent=2) + "\n", encoding="utf-8")
        except OSError:
            pass  # a read-only home: the desk works on, only the choice is not kept
