"""Full screens of the desk."""

from .desk_screen import DeskScreen

__all__ = ["DeskScreen"]
