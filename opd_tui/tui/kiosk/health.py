"""Is the kiosk's database file still the file it opened?

A SQLite connection keeps the file it opened, whatever happens to its name: if
someone deletes the file, or puts another file in its place (a restored backup,
a copy from another computer), the kiosk would go on reading and booking into a
file nobody else sees. So the kiosk remembers the file's identity (device and
inode, `os.stat`) when it starts and compares before each booking and on each
board refresh.

- The same file under its name: in service.
- No file under its name (moved away, or deleted): out of service. A file moved
  away and back is the same file, and the kiosk takes up its work again.
- Another file under its name (replaced): out of service.

A *deleted* file never comes back: a file put back under its name, even a copy
of it, is a new file with an identity of its own, so the kiosk stays out of
service until staff restart it on the file that is there now. (While the
kiosk's connections hold the deleted file open, the system cannot give its
inode number to a new file, so a new file never passes for the old one.)

Only a SQLite file has such an identity; an in-memory database or a server
database (PostgreSQL) is not watched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class FileState(Enum):
    SAME = "same"
    GONE = "gone"
    REPLACED = "replaced"


@dataclass(frozen=True)
class DatabaseFile:
    """The SQLite file the kiosk opened: its path and identity (device, inode)."""

    path: Path
    device: int
    inode: int

    @classmethod
    def of(cls, path: Path | None) -> DatabaseFile | None:
        """The file at `path` as it is now; None for no file (a database in memory or
        on a server: `AllocationEngine.database_file`), or when there is none to watch."""
        if path is None:
            return None
        path = Path(os.path.abspath(path.expanduser()))
        try:
            found = os.stat(path)
        except OSError:
            return None
        return cls(path, found.st_dev, found.st_ino)

    def state(self) -> FileState:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            return FileState.GONE
        except OSError:
            # Unreadable directory, stale network mount: the file cannot be vouched for.
            return FileState.GONE
        if (found.st_dev, found.st_ino) != (self.device, self.inode):
            return FileState.REPLACED
        return FileState.SAME

    def intact(self) -> bool:
        return self.state() is FileState.SAME
