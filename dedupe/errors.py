"""Errors the library raises; the CLI maps every one of them to exit code 2."""

from __future__ import annotations


class DedupeError(Exception):
    """Base class: a problem with the input, the configuration or the state, not a finding."""


class ConfigError(DedupeError):
    """An option or a `[tool.dedupe]` setting is unusable."""


class MissingDependency(DedupeError):
    """An optional dependency is needed for what was asked; the message names the install."""


class StateError(DedupeError):
    """A `dedupe check` state directory is unusable (other parameters, corrupt, locked)."""
