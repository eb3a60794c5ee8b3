"""dedupe: cross-source deduplication and consistency checking for news, Arabic first."""

from __future__ import annotations

__version__ = "0.1.0"

from dedupe.models import Report
from dedupe.pipeline import run
from dedupe.settings import Settings, load_settings

__all__ = ["Report", "Settings", "__version__", "load_settings", "run"]
