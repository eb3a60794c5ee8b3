"""dedupe: cross-source deduplication and consistency checking for news, Arabic first."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Report", "Settings", "__version__", "check", "load_settings", "run"]

if TYPE_CHECKING:
    from dedupe.models import Report
    from dedupe.pipeline import check, run
    from dedupe.settings import Settings, load_settings

_LAZY = {
    "Report": "dedupe.models",
    "Settings": "dedupe.settings",
    "load_settings": "dedupe.settings",
    "run": "dedupe.pipeline",
    "check": "dedupe.pipeline",
}


def __getattr__(name: str) -> Any:
    """Import the public API on first use, so `dedupe --version` and small tools start fast."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dedupe' has no attribute {name!r}")
