"""The HTTP API (SPEC §7): FastAPI over the one allocation engine, no rule of its own.

`create_app(engine)` builds the application; `opd-tui serve` runs it on uvicorn
(extra `[api]`); `opd-tui api-key create|list|revoke` manages its keys. FastAPI is
imported only when the app is asked for, so the command line starts quickly and
works without the extra.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import create_app
    from .settings import ApiSettings

__all__ = ["ApiSettings", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from .app import create_app

        return create_app
    if name == "ApiSettings":
        from .settings import ApiSettings

        return ApiSettings
    raise AttributeError(name)
