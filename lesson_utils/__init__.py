"""Helpers for the Loss Lab lessons: reference losses, surfaces, plotting, explorers and exercise checkers."""

from __future__ import annotations

from typing import Any

__all__ = ["setup", "show_warnings"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``setup`` and ``show_warnings`` from ``lesson_utils.lesson``, imported on first use, so that a Jupyter server
    importing ``lesson_utils.kernel_websocket`` does not import torch and matplotlib (about 250 MB)."""
    if name in __all__:
        from lesson_utils import lesson

        return getattr(lesson, name)
    raise AttributeError(f"module 'lesson_utils' has no attribute {name!r}")
