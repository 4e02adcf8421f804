"""Helpers for the Loss Lab lessons: reference losses, surfaces, plotting, explorers and exercise checkers."""

from lesson_utils.lesson import setup, show_warnings

__all__ = ["setup", "show_warnings"]
__version__ = "0.1.0"
